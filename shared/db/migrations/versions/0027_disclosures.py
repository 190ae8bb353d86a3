"""The disclosure checklist and drafted notes (issue 24 items 3 and 4).

Three tables, all the firm's working papers: the policy follows the *internal* rule (client users see
none of it) and the lock trigger refuses every write under a finalized engagement. Answers, settings
and notes change as people work, so aura_app may update them; answers and notes may not be deleted.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
GRANTS = {
    "disclosure_settings": "SELECT, INSERT, UPDATE",
    "disclosure_answers": "SELECT, INSERT, UPDATE",
    "disclosure_notes": "SELECT, INSERT, UPDATE",
}


def _owned(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f(f"fk_{table}_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f(f"fk_{table}_firm_id_firms")),
    ]


def upgrade() -> None:
    now = sa.text("now()")
    op.create_table(
        "disclosure_settings",
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("framework", sa.String(length=20), nullable=True),
        sa.Column("notes_in_report", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.CheckConstraint(
            "framework IS NULL OR framework IN ('us_gaap_private', 'sec_issuer')",
            name=op.f("ck_disclosure_settings_framework"),
        ),
        *_owned("disclosure_settings"),
        sa.PrimaryKeyConstraint("engagement_id", name=op.f("pk_disclosure_settings")),
    )
    op.create_table(
        "disclosure_answers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("answered_by", sa.UUID(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.CheckConstraint("answer IN ('yes', 'no', 'not_applicable')", name=op.f("ck_disclosure_answers_answer")),
        sa.CheckConstraint(
            "answer <> 'not_applicable' OR char_length(btrim(reason)) > 0", name=op.f("ck_disclosure_answers_reason")
        ),
        *_owned("disclosure_answers"),
        sa.ForeignKeyConstraint(["answered_by"], ["users.id"], name=op.f("fk_disclosure_answers_answered_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_answers")),
        sa.UniqueConstraint("engagement_id", "item_code", name="uq_disclosure_answers_engagement_id_item_code"),
    )
    op.create_table(
        "disclosure_notes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="draft", nullable=False),
        sa.Column("drafted_with", sa.String(length=120), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("approved_by", sa.UUID(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rendered", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'approved')", name=op.f("ck_disclosure_notes_status")),
        sa.CheckConstraint(
            "topic IN ('accounting_policies', 'revenue', 'leases', 'debt', 'income_taxes', 'related_parties', "
            "'subsequent_events', 'going_concern', 'concentrations', 'fair_value')",
            name=op.f("ck_disclosure_notes_topic"),
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR (rendered IS NOT NULL AND approved_by IS NOT NULL)",
            name=op.f("ck_disclosure_notes_approval"),
        ),
        *_owned("disclosure_notes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_notes")),
        sa.UniqueConstraint("engagement_id", "topic", name="uq_disclosure_notes_engagement_id_topic"),
    )
    for table, grant in GRANTS.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"GRANT {grant} ON {table} TO aura_app")
        op.execute(f"CREATE POLICY internal ON {table} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
        op.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
        )


def downgrade() -> None:
    # Dropping a table drops its policy, trigger and grants with it.
    for table in reversed(GRANTS):
        op.drop_table(table)
