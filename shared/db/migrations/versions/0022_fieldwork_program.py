"""The audit program (issue 23 item 1): the firm's procedure library and each engagement's program
generated from its risk register.

The library tables are the firm's (no engagement): the policy is the firm's own AND not a client user
(aura_current_client() IS NULL), so a client user of the firm reads nothing of them. The program follows
the binder's *internal* rule and carries the lock trigger, so a finalized engagement's program is frozen.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRM_ONLY = "firm_id = aura_current_firm() AND aura_current_client() IS NULL"
INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
FIRM_TABLES = {
    "program_firm_procedures": "SELECT, INSERT, UPDATE",
    "program_hidden_procedures": "SELECT, INSERT, DELETE",
}
NATURES = "nature IN ('test_of_controls', 'substantive_analytical', 'test_of_details')"
EMPTY_UUIDS = sa.text("'{}'::uuid[]")


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "program_firm_procedures",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("assertions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("areas", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "risk_responses",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("nature", sa.String(length=24), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        *_audit_columns(),
        sa.CheckConstraint(NATURES, name=op.f("ck_program_firm_procedures_nature")),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_program_firm_procedures_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_firm_procedures")),
        sa.UniqueConstraint("firm_id", "code", name="uq_program_firm_procedures_firm_id_code"),
    )
    op.create_table(
        "program_hidden_procedures",
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("hidden_by", sa.UUID(), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_program_hidden_procedures_firm_id_firms")),
        sa.PrimaryKeyConstraint("firm_id", "code", name="pk_program_hidden_procedures"),
    )
    op.create_table(
        "program_procedures",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("library_code", sa.String(length=80), nullable=True),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("objective", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "assertions", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("nature", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="not_started", nullable=False),
        sa.Column("na_reason", sa.Text(), nullable=True),
        sa.Column("conclusion", sa.Text(), server_default="", nullable=False),
        sa.Column("risk_ids", postgresql.ARRAY(sa.UUID()), server_default=EMPTY_UUIDS, nullable=False),
        sa.Column("workpaper_node_ids", postgresql.ARRAY(sa.UUID()), server_default=EMPTY_UUIDS, nullable=False),
        sa.Column("sample_ids", postgresql.ARRAY(sa.UUID()), server_default=EMPTY_UUIDS, nullable=False),
        sa.Column("evidence_ids", postgresql.ARRAY(sa.UUID()), server_default=EMPTY_UUIDS, nullable=False),
        sa.Column("completed_by", sa.UUID(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        *_audit_columns(),
        sa.CheckConstraint(NATURES, name=op.f("ck_program_procedures_nature")),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'completed', 'not_applicable')",
            name=op.f("ck_program_procedures_status"),
        ),
        sa.CheckConstraint(
            "source IN ('starter', 'firm', 'custom', 'generic')", name=op.f("ck_program_procedures_source")
        ),
        sa.CheckConstraint(
            "status <> 'not_applicable' OR char_length(btrim(coalesce(na_reason, ''))) >= 10",
            name=op.f("ck_program_procedures_na_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_program_procedures_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_program_procedures_firm_id_firms")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_program_procedures_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_procedures")),
    )
    op.create_index(
        "ix_program_procedures_engagement_id_position",
        "program_procedures",
        ["engagement_id", "position"],
        unique=False,
    )
    _secure()


def _secure() -> None:
    for table, grants in FIRM_TABLES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"GRANT {grants} ON {table} TO aura_app")
        op.execute(f"CREATE POLICY firm_only ON {table} TO aura_app USING ({FIRM_ONLY}) WITH CHECK ({FIRM_ONLY})")
    table = "program_procedures"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO aura_app")
    op.execute(f"CREATE POLICY internal ON {table} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
    op.execute(
        f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
    )


def downgrade() -> None:
    # Dropping a table drops its policy, trigger and grants with it.
    op.drop_index("ix_program_procedures_engagement_id_position", table_name="program_procedures")
    op.drop_table("program_procedures")
    op.drop_table("program_hidden_procedures")
    op.drop_table("program_firm_procedures")
