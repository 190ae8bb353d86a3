"""Audit sampling: samples and the items they selected.

Secured like the planning tables (migration 0009): the firm's working papers, so the policy follows
the *internal* rule (client users see nothing), and the lock trigger refuses every write under a
finalized engagement. Items are written once when the sample is drawn and then only updated with
what the auditor found; a sample may be deleted (its items go with it) while the engagement is open.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
TABLES = ("samples", "sample_items")
GRANTS = {"samples": "SELECT, INSERT, UPDATE, DELETE", "sample_items": "SELECT, INSERT, UPDATE, DELETE"}


def upgrade() -> None:
    op.create_table(
        "samples",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("population", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("design", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column("evaluation", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("evaluated_by", sa.UUID(), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("method IN ('mus', 'random', 'stratified', 'attribute')", name=op.f("ck_samples_method")),
        sa.CheckConstraint("seed >= 0", name=op.f("ck_samples_seed")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_samples_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_samples_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
    )
    op.create_index("ix_samples_engagement_id_created_at", "samples", ["engagement_id", "created_at"], unique=False)
    op.create_table(
        "sample_items",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("sample_id", sa.UUID(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("population_position", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("book_value", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("high_value", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("hits", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("stratum", sa.SmallInteger(), nullable=True),
        sa.Column("audited_value", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("deviation", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("audited_by", sa.UUID(), nullable=True),
        sa.Column("audited_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("line > 0 AND hits > 0", name=op.f("ck_sample_items_positive")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_sample_items_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_sample_items_firm_id_firms")),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_sample_items_sample_id_samples"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_items")),
        sa.UniqueConstraint("sample_id", "line", name="uq_sample_items_sample_id_line"),
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
    op.drop_table("sample_items")
    op.drop_index("ix_samples_engagement_id_created_at", table_name="samples")
    op.drop_table("samples")
