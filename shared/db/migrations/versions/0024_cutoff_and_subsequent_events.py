"""Cut-off tests and the subsequent events register (issue 23 items 3 and 4).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

The firm's working papers: the policies follow the *internal* rule (client users never see a row),
and every table carries the lock trigger, so a finalized engagement stays locked. Cut-off runs, their
lines and the selections made from them are immutable (insert and read only); the register, the
ledger decisions and the review date change as the auditor works.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
GRANTS = {
    "cutoff_runs": "SELECT, INSERT",
    "cutoff_lines": "SELECT, INSERT",
    "cutoff_selections": "SELECT, INSERT",
    "subsequent_events": "SELECT, INSERT, UPDATE, DELETE",
    "subsequent_ledger_decisions": "SELECT, INSERT, UPDATE, DELETE",
    "subsequent_events_reviews": "SELECT, INSERT, UPDATE",
}
TABLES = tuple(GRANTS)
NOW = sa.text("now()")


def _keys(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"], name=f"fk_{table}_engagement_id_engagements"),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=f"fk_{table}_firm_id_firms"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def _cutoff() -> None:
    op.create_table(
        "cutoff_runs",
        *_keys("cutoff_runs"),
        sa.Column("dataset_id", sa.UUID(), nullable=False),
        sa.Column("dataset_version", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("flagged_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("window_days >= 0", name="ck_cutoff_runs_window_days"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name="fk_cutoff_runs_dataset_id_datasets"),
    )
    op.create_index("ix_cutoff_runs_engagement_id_created_at", "cutoff_runs", ["engagement_id", "created_at"])
    op.create_table(
        "cutoff_lines",
        *_keys("cutoff_lines"),
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("journal_id", sa.Text(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("account_name", sa.Text(), nullable=True),
        sa.Column("area", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.Numeric(20, 2), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("side", sa.String(length=6), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint("area IN ('revenue', 'receivables', 'inventory', 'payables')", name="ck_cutoff_lines_area"),
        sa.CheckConstraint("side IN ('before', 'after')", name="ck_cutoff_lines_side"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["cutoff_runs.id"], name="fk_cutoff_lines_run_id_cutoff_runs", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("run_id", "position", name="uq_cutoff_lines_run_id_position"),
    )
    op.create_table(
        "cutoff_selections",
        *_keys("cutoff_selections"),
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("sample_id", sa.UUID(), nullable=False),
        sa.Column("how", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["cutoff_runs.id"], name="fk_cutoff_selections_run_id_cutoff_runs", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name="fk_cutoff_selections_sample_id_samples", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_cutoff_selections_run_id", "cutoff_selections", ["run_id"])


def _subsequent_events() -> None:
    op.create_table(
        "subsequent_events",
        *_keys("subsequent_events"),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("event_type", sa.String(length=13), nullable=False),
        sa.Column("amount", sa.Numeric(20, 2), nullable=True),
        sa.Column("status", sa.String(length=8), server_default="open", nullable=False),
        sa.Column("source", sa.String(length=13), nullable=False),
        sa.Column("adjustment_id", sa.UUID(), nullable=True),
        sa.Column("disclosure", sa.Text(), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("reviewed_by", sa.UUID(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("event_type IN ('recognized', 'nonrecognized')", name="ck_subsequent_events_event_type"),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_subsequent_events_status"),
        sa.CheckConstraint(
            "source IN ('inquiry', 'minutes', 'ledger_review', 'legal_letter', 'other')",
            name="ck_subsequent_events_source",
        ),
        sa.CheckConstraint(
            "event_type = 'recognized' OR adjustment_id IS NULL",
            name="ck_subsequent_events_adjustment_only_recognized",
        ),
        sa.ForeignKeyConstraint(
            ["adjustment_id"],
            ["adjustments.id"],
            name="fk_subsequent_events_adjustment_id_adjustments",
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        "ix_subsequent_events_engagement_id_event_date", "subsequent_events", ["engagement_id", "event_date"]
    )
    op.create_table(
        "subsequent_ledger_decisions",
        *_keys("subsequent_ledger_decisions"),
        sa.Column("dataset_id", sa.UUID(), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("journal_id", sa.Text(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(20, 2), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.UUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("decision IN ('no_event', 'event')", name="ck_subsequent_ledger_decisions_decision"),
        sa.CheckConstraint(
            "(decision = 'event') = (event_id IS NOT NULL)", name="ck_subsequent_ledger_decisions_event_link"
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_subsequent_ledger_decisions_dataset_id_datasets"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["subsequent_events.id"],
            name="fk_subsequent_ledger_decisions_event_id_subsequent_events",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("engagement_id", "dataset_id", "row_number", name="uq_subsequent_ledger_decisions_line"),
    )
    op.create_table(
        "subsequent_events_reviews",
        *_keys("subsequent_events_reviews"),
        sa.Column("reviewed_through", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.UniqueConstraint("engagement_id", name="uq_subsequent_events_reviews_engagement_id"),
    )


def upgrade() -> None:
    _cutoff()
    _subsequent_events()
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
    # Dropping a table drops its policies, triggers, indexes and grants with it.
    for table in reversed(TABLES):
        op.drop_table(table)
