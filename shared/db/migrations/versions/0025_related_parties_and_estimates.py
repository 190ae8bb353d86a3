"""Related parties and accounting estimates (issue 23 items 5 and 6).

Secured like QC (migration 0017): the firm's working papers, so every policy follows the *internal*
rule (client users see nothing), and the lock trigger refuses every write under a finalized
engagement. The register, the lines found for a party, the estimates and the retrospective review
are all edited by the team, so aura_app may read, insert, update and delete them.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
TABLES = ("related_parties", "related_party_transactions", "accounting_estimates", "estimate_reviews")
RELATIONSHIPS = (
    "parent",
    "subsidiary",
    "affiliate",
    "key_management",
    "board_member",
    "family_of_key_management",
    "owner",
    "other",
)
ESTIMATE_KINDS = (
    "allowance_doubtful_accounts",
    "inventory_obsolescence",
    "warranty",
    "impairment",
    "useful_lives",
    "fair_value",
    "other",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _keys(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f(f"fk_{table}_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f(f"fk_{table}_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _stamps(table: str) -> list[Any]:
    return [
        sa.Column("created_by", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f(f"fk_{table}_created_by_users")),
    ]


def upgrade() -> None:
    op.create_table(
        "related_parties",
        *_keys("related_parties"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "aliases", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("relationship", sa.String(length=30), nullable=False),
        sa.Column("ownership_percent", sa.Numeric(5, 2), nullable=True),
        sa.Column("identified_how", sa.Text(), nullable=True),
        sa.Column(
            "accounts", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("relationship_disclosed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("transactions_disclosed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        *_stamps("related_parties"),
        sa.CheckConstraint(_in("relationship", RELATIONSHIPS), name=op.f("ck_related_parties_relationship")),
        sa.CheckConstraint(
            "ownership_percent IS NULL OR (ownership_percent >= 0 AND ownership_percent <= 100)",
            name=op.f("ck_related_parties_ownership_percent"),
        ),
        sa.UniqueConstraint("engagement_id", "name", name="uq_related_parties_engagement_id_name"),
    )
    op.create_table(
        "related_party_transactions",
        *_keys("related_party_transactions"),
        sa.Column("party_id", sa.UUID(), nullable=False),
        sa.Column("dataset_id", sa.UUID(), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("journal_id", sa.Text(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("matched_by", sa.String(length=10), nullable=False),
        sa.Column("matched_text", sa.Text(), nullable=True),
        sa.Column("score", sa.Numeric(5, 2), nullable=True),
        sa.Column("round_amount", sa.Boolean(), nullable=False),
        sa.Column("near_period_end", sa.Boolean(), nullable=False),
        sa.Column("business_purpose", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("decided_by", sa.UUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("matched_by IN ('name', 'account')", name=op.f("ck_related_party_transactions_matched_by")),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'dismissed')", name=op.f("ck_related_party_transactions_status")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["related_parties.id"],
            name=op.f("fk_related_party_transactions_party_id_related_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_related_party_transactions_dataset_id_datasets")
        ),
        sa.UniqueConstraint(
            "party_id",
            "dataset_id",
            "row_number",
            name="uq_related_party_transactions_party_id_dataset_id_row_number",
        ),
    )
    op.create_index(
        "ix_related_party_transactions_engagement_id_party_id",
        "related_party_transactions",
        ["engagement_id", "party_id"],
        unique=False,
    )
    op.create_table(
        "accounting_estimates",
        *_keys("accounting_estimates"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("counter_account_number", sa.Text(), nullable=True),
        sa.Column("increases_with", sa.String(length=6), server_default="credit", nullable=False),
        sa.Column("management_estimate", sa.Numeric(18, 2), nullable=False),
        sa.Column("auditor_low", sa.Numeric(18, 2), nullable=True),
        sa.Column("auditor_high", sa.Numeric(18, 2), nullable=True),
        sa.Column("auditor_point", sa.Numeric(18, 2), nullable=True),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("adjustment_id", sa.UUID(), nullable=True),
        *_stamps("accounting_estimates"),
        sa.CheckConstraint(_in("kind", ESTIMATE_KINDS), name=op.f("ck_accounting_estimates_kind")),
        sa.CheckConstraint(
            "increases_with IN ('debit', 'credit')", name=op.f("ck_accounting_estimates_increases_with")
        ),
        sa.CheckConstraint(
            "(auditor_low IS NULL) = (auditor_high IS NULL)", name=op.f("ck_accounting_estimates_range_pair")
        ),
        sa.CheckConstraint(
            "auditor_low IS NULL OR auditor_low <= auditor_high", name=op.f("ck_accounting_estimates_range_order")
        ),
        sa.CheckConstraint(
            "auditor_point IS NULL OR auditor_low IS NULL", name=op.f("ck_accounting_estimates_range_or_point")
        ),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustments.id"],
            name=op.f("fk_accounting_estimates_adjustment_id_adjustments"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("engagement_id", "name", name="uq_accounting_estimates_engagement_id_name"),
    )
    op.create_table(
        "estimate_reviews",
        *_keys("estimate_reviews"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("prior_estimate", sa.Numeric(18, 2), nullable=False),
        sa.Column("actual_outcome", sa.Numeric(18, 2), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        *_stamps("estimate_reviews"),
        sa.CheckConstraint(_in("kind", ESTIMATE_KINDS), name=op.f("ck_estimate_reviews_kind")),
    )
    op.create_index("ix_estimate_reviews_engagement_id", "estimate_reviews", ["engagement_id"], unique=False)
    _secure()


def _secure() -> None:
    for table in TABLES:
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
    op.drop_index("ix_estimate_reviews_engagement_id", table_name="estimate_reviews")
    op.drop_table("estimate_reviews")
    op.drop_table("accounting_estimates")
    op.drop_index("ix_related_party_transactions_engagement_id_party_id", table_name="related_party_transactions")
    op.drop_table("related_party_transactions")
    op.drop_table("related_parties")
