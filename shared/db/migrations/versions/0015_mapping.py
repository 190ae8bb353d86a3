"""Account mapping, the firm's mapping knowledge, and adjusting entries (issue 19).

The firm's knowledge (its own standard accounts, rules, confirmed examples) is kept to the firm by
row-level security: a second firm never reads the first one's rules, history or training data. The
engagement's mapping and adjusting entries are the firm's working papers, secured like the binder
(migration 0003): the *internal* rule (client users see nothing) and the lock trigger, which refuses
every write under a finalized engagement.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRM = "firm_id = aura_current_firm()"
INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
FIRM_TABLES = {
    "mapping_firm_accounts": "SELECT, INSERT, UPDATE, DELETE",
    "mapping_rules": "SELECT, INSERT, UPDATE, DELETE",
    "mapping_examples": "SELECT, INSERT, UPDATE, DELETE",
}
ENGAGEMENT_TABLES = {
    "account_mappings": "SELECT, INSERT, UPDATE, DELETE",
    "adjustments": "SELECT, INSERT, UPDATE, DELETE",
    "adjustment_lines": "SELECT, INSERT, DELETE",
}


def upgrade() -> None:
    op.create_table(
        "mapping_firm_accounts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("section", sa.String(length=30), nullable=False),
        sa.Column("normal_balance", sa.String(length=6), nullable=False),
        sa.Column("lead_sheet", sa.String(length=3), nullable=False),
        sa.Column("caption", sa.String(length=200), nullable=False),
        sa.Column("element", sa.String(length=200), nullable=True),
        sa.Column(
            "aliases", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "normal_balance IN ('debit', 'credit')", name=op.f("ck_mapping_firm_accounts_normal_balance")
        ),
        sa.CheckConstraint(
            "section IN ('current_assets', 'non_current_assets', 'current_liabilities', 'non_current_liabilities', 'equity', 'revenue', 'cost_of_sales', 'operating_expenses', 'other_income_expense', 'income_tax')",
            name=op.f("ck_mapping_firm_accounts_section"),
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_mapping_firm_accounts_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_firm_accounts")),
        sa.UniqueConstraint("firm_id", "code", name="uq_mapping_firm_accounts_firm_id_code"),
    )
    op.create_table(
        "mapping_rules",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("range_start", sa.String(length=40), nullable=True),
        sa.Column("range_end", sa.String(length=40), nullable=True),
        sa.Column("pattern", sa.String(length=200), nullable=True),
        sa.Column("standard_code", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(kind = 'number_range' AND range_start IS NOT NULL AND range_end IS NOT NULL) OR (kind = 'name_pattern' AND pattern IS NOT NULL)",
            name=op.f("ck_mapping_rules_shape"),
        ),
        sa.CheckConstraint("kind IN ('number_range', 'name_pattern')", name=op.f("ck_mapping_rules_kind")),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_mapping_rules_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_rules")),
    )
    op.create_index("ix_mapping_rules_firm_id_position", "mapping_rules", ["firm_id", "position"], unique=False)
    op.create_table(
        "account_mappings",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("account_name", sa.Text(), server_default="", nullable=False),
        sa.Column("standard_code", sa.String(length=20), nullable=True),
        sa.Column("section", sa.String(length=30), nullable=True),
        sa.Column("confidence", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column("method", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column(
            "alternatives",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("confirmed_by", sa.UUID(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "method IS NULL OR method IN ('prior_year', 'rule', 'similarity', 'numbering', 'model', 'manual')",
            name=op.f("ck_account_mappings_method"),
        ),
        sa.CheckConstraint(
            "section IS NULL OR section IN ('current_assets', 'non_current_assets', 'current_liabilities', 'non_current_liabilities', 'equity', 'revenue', 'cost_of_sales', 'operating_expenses', 'other_income_expense', 'income_tax')",
            name=op.f("ck_account_mappings_section"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'suggested', 'confirmed', 'unmapped')", name=op.f("ck_account_mappings_status")
        ),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name=op.f("ck_account_mappings_confidence")
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_account_mappings_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_account_mappings_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_mappings")),
        sa.UniqueConstraint("engagement_id", "account_number", name="uq_account_mappings_engagement_id_account_number"),
    )
    op.create_index(
        "ix_account_mappings_engagement_id_status", "account_mappings", ["engagement_id", "status"], unique=False
    )
    op.create_table(
        "adjustments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('proposed', 'recorded', 'passed')", name=op.f("ck_adjustments_kind")),
        sa.CheckConstraint("number > 0", name=op.f("ck_adjustments_number")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_adjustments_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_adjustments_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustments")),
        sa.UniqueConstraint("engagement_id", "number", name="uq_adjustments_engagement_id_number"),
    )
    op.create_table(
        "mapping_examples",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("account_name", sa.Text(), nullable=False),
        sa.Column("standard_code", sa.String(length=20), nullable=False),
        sa.Column("confirmed_by", sa.UUID(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_mapping_examples_client_id_clients")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_mapping_examples_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_mapping_examples_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_examples")),
        sa.UniqueConstraint("engagement_id", "account_number", name="uq_mapping_examples_engagement_id_account_number"),
    )
    op.create_index("ix_mapping_examples_firm_id_client_id", "mapping_examples", ["firm_id", "client_id"], unique=False)
    op.create_table(
        "adjustment_lines",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("adjustment_id", sa.UUID(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("debit", sa.Numeric(precision=18, scale=2), server_default=sa.text("0"), nullable=False),
        sa.Column("credit", sa.Numeric(precision=18, scale=2), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0)", name=op.f("ck_adjustment_lines_one_side")
        ),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustments.id"],
            name=op.f("fk_adjustment_lines_adjustment_id_adjustments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_adjustment_lines_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_adjustment_lines_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment_lines")),
        sa.UniqueConstraint("adjustment_id", "line", name="uq_adjustment_lines_adjustment_id_line"),
    )
    op.create_index("ix_adjustment_lines_engagement_id", "adjustment_lines", ["engagement_id"], unique=False)
    _secure()


def _secure() -> None:
    for table, grants in FIRM_TABLES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"GRANT {grants} ON {table} TO aura_app")
        op.execute(f"CREATE POLICY firm ON {table} TO aura_app USING ({FIRM}) WITH CHECK ({FIRM})")
    for table, grants in ENGAGEMENT_TABLES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"GRANT {grants} ON {table} TO aura_app")
        op.execute(f"CREATE POLICY internal ON {table} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
        op.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
        )


def downgrade() -> None:
    # Dropping a table drops its policy, trigger and grants with it.
    op.drop_index("ix_adjustment_lines_engagement_id", table_name="adjustment_lines")
    op.drop_table("adjustment_lines")
    op.drop_table("adjustments")
    op.drop_index("ix_account_mappings_engagement_id_status", table_name="account_mappings")
    op.drop_table("account_mappings")
    op.drop_index("ix_mapping_examples_firm_id_client_id", table_name="mapping_examples")
    op.drop_table("mapping_examples")
    op.drop_index("ix_mapping_rules_firm_id_position", table_name="mapping_rules")
    op.drop_table("mapping_rules")
    op.drop_table("mapping_firm_accounts")
