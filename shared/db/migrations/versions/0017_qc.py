"""Quality control: the policies an engagement must pass before it is finalized, their runs and waivers (issue 20).

Secured like planning (migration 0009): the firm's working papers, so the policy follows the
*internal* rule (client users see nothing), and the lock trigger refuses every write under a
finalized engagement. Runs are immutable (aura_app may only read and insert them); a waiver is
updated once, when it is withdrawn, and never deleted.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
TABLES = ("qc_runs", "qc_waivers")
GRANTS = {"qc_runs": "SELECT, INSERT", "qc_waivers": "SELECT, INSERT, UPDATE"}
POLICY_CODES = (
    "documentation",
    "evidence_above_performance_materiality",
    "risk_assessment",
    "je_testing",
    "review_notes",
    "materiality",
    "mapping_confirmed",
    "unadjusted_differences",
    "partner_signoff",
    "subsequent_events",
)


def upgrade() -> None:
    op.create_table(
        "qc_runs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("policies", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("run_by", sa.UUID(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_qc_runs_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_qc_runs_firm_id_firms")),
        sa.ForeignKeyConstraint(["run_by"], ["users.id"], name=op.f("fk_qc_runs_run_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qc_runs")),
    )
    op.create_index("ix_qc_runs_engagement_id_run_at", "qc_runs", ["engagement_id", "run_at"], unique=False)
    op.create_table(
        "qc_waivers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("policy", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("waived_by", sa.UUID(), nullable=False),
        sa.Column("waived_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.UUID(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "policy IN (" + ", ".join(repr(code) for code in POLICY_CODES) + ")", name=op.f("ck_qc_waivers_policy")
        ),
        sa.CheckConstraint("char_length(btrim(reason)) >= 20", name=op.f("ck_qc_waivers_reason")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_qc_waivers_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_qc_waivers_firm_id_firms")),
        sa.ForeignKeyConstraint(["waived_by"], ["users.id"], name=op.f("fk_qc_waivers_waived_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qc_waivers")),
    )
    op.create_index(
        "uq_qc_waivers_engagement_id_policy_open",
        "qc_waivers",
        ["engagement_id", "policy"],
        unique=True,
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )
    _secure()


def _secure() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"GRANT {GRANTS[table]} ON {table} TO aura_app")
        op.execute(f"CREATE POLICY internal ON {table} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
        op.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
        )


def downgrade() -> None:
    # Dropping a table drops its policy, trigger and grants with it.
    op.drop_index("uq_qc_waivers_engagement_id_policy_open", table_name="qc_waivers")
    op.drop_table("qc_waivers")
    op.drop_index("ix_qc_runs_engagement_id_run_at", table_name="qc_runs")
    op.drop_table("qc_runs")
