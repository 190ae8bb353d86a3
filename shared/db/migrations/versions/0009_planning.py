"""Audit planning: materiality versions and the risk assessment.

Secured like the binder (migration 0003): the firm's working papers, so the policy follows the
*internal* rule (client users see nothing), and the lock trigger refuses every write under a
finalized engagement. Materiality versions are immutable: aura_app may only read and insert them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
TABLES = ("materiality_versions", "risks")
GRANTS = {"materiality_versions": "SELECT, INSERT", "risks": "SELECT, INSERT, UPDATE, DELETE"}


def upgrade() -> None:
    op.create_table(
        "materiality_versions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("benchmark", sa.String(length=20), nullable=False),
        sa.Column("benchmark_amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("percentage", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("risk_level", sa.String(length=10), nullable=False),
        sa.Column("overall_materiality", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("performance_materiality", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("clearly_trivial", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column(
            "alternatives",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "benchmark IN ('profit_before_tax', 'revenue', 'total_assets', 'equity')",
            name=op.f("ck_materiality_versions_benchmark"),
        ),
        sa.CheckConstraint(
            "risk_level IN ('low', 'moderate', 'high')", name=op.f("ck_materiality_versions_risk_level")
        ),
        sa.CheckConstraint("version > 0", name=op.f("ck_materiality_versions_version")),
        sa.CheckConstraint("benchmark_amount > 0 AND percentage > 0", name=op.f("ck_materiality_versions_positive")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_materiality_versions_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_materiality_versions_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_materiality_versions")),
        sa.UniqueConstraint("engagement_id", "version", name="uq_materiality_versions_engagement_id_version"),
    )
    op.create_table(
        "risks",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("assertion", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("inherent_risk", sa.String(length=10), nullable=False),
        sa.Column("control_risk", sa.String(length=10), nullable=False),
        sa.Column("fraud_risk", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("significant_risk", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("rmm", sa.String(length=10), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "procedure_node_ids",
            postgresql.ARRAY(sa.UUID()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "assertion IN ('existence', 'completeness', 'accuracy', 'valuation', 'cut_off', 'presentation')",
            name=op.f("ck_risks_assertion"),
        ),
        sa.CheckConstraint("inherent_risk IN ('low', 'moderate', 'high')", name=op.f("ck_risks_inherent_risk")),
        sa.CheckConstraint("control_risk IN ('low', 'moderate', 'high')", name=op.f("ck_risks_control_risk")),
        sa.CheckConstraint("rmm IN ('low', 'moderate', 'high')", name=op.f("ck_risks_rmm")),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"], name=op.f("fk_risks_engagement_id_engagements")),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_risks_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risks")),
    )
    op.create_index("ix_risks_engagement_id_area", "risks", ["engagement_id", "area"], unique=False)
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
    op.drop_index("ix_risks_engagement_id_area", table_name="risks")
    op.drop_table("risks")
    op.drop_table("materiality_versions")
