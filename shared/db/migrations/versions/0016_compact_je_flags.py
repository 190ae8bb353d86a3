"""Journal-entry flags stored at the cost of what they say, and runs whose rule results come first (issue 16).

A test that flags most of a million lines (no description, say) wrote one row per line and test; now a
flagged line is one row of `je_line_flags` whose `tests` bitmask names the tests it hit (bit i: the
run's i-th test in `je_runs.tests`), and only the tests that score a line (the amount outlier's z, the
forest's anomaly score) add rows to `je_flag_scores`. Both are written with COPY, secured like the
table they replace: the *internal* rule (row-level security enabled and forced), insert-only for the
app, with the finalized-lock check once per statement. The rows of `je_flags` move across.

A run may now be `scoring`: the rule-based tests' results are committed and readable while the
Isolation Forest and the journal risk scores are computed in a second transaction.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = (SELECT aura_current_firm()) AND engagement_id IN (SELECT aura_internal_engagements())"
TABLES = ("je_line_flags", "je_flag_scores")
OLD_STATUSES = "status IN ('queued', 'running', 'completed', 'failed')"
NEW_STATUSES = "status IN ('queued', 'running', 'scoring', 'completed', 'failed')"


def _owner_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
    ]


def _secure(*tables: str) -> None:
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY internal ON {table} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
        op.execute(f"GRANT SELECT, INSERT ON {table} TO aura_app")
        op.execute(
            f"CREATE TRIGGER {table}_locked AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION aura_refuse_finalized_rows()"
        )


def upgrade() -> None:
    op.create_table(
        "je_line_flags",
        *_owner_columns(),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("tests", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "row_number", name="pk_je_line_flags"),
    )
    op.create_table(
        "je_flag_scores",
        *_owner_columns(),
        sa.Column("test", sa.Text(), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "test", "row_number", name="pk_je_flag_scores"),
    )
    # The old rows are read and the new written before the new tables' policies apply to their owner.
    op.execute("ALTER TABLE je_flags NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "INSERT INTO je_line_flags (run_id, firm_id, engagement_id, row_number, tests)"
        " SELECT f.run_id, f.firm_id, f.engagement_id, f.row_number,"
        "  bit_or(1::bigint << (array_position(r.tests, f.test) - 1))"
        " FROM je_flags f JOIN je_runs r ON r.id = f.run_id GROUP BY 1, 2, 3, 4"
    )
    op.execute(
        "INSERT INTO je_flag_scores (run_id, firm_id, engagement_id, test, row_number, score)"
        " SELECT run_id, firm_id, engagement_id, test, row_number, score FROM je_flags WHERE score IS NOT NULL"
    )
    op.drop_index("ix_je_flags_journal", table_name="je_flags")
    op.drop_table("je_flags")
    _secure(*TABLES)
    op.drop_constraint(op.f("ck_je_runs_status"), "je_runs", type_="check")
    op.create_check_constraint(op.f("ck_je_runs_status"), "je_runs", NEW_STATUSES)


def downgrade() -> None:
    op.execute("UPDATE je_runs SET status = 'failed' WHERE status = 'scoring'")
    op.drop_constraint(op.f("ck_je_runs_status"), "je_runs", type_="check")
    op.create_check_constraint(op.f("ck_je_runs_status"), "je_runs", OLD_STATUSES)
    op.create_table(
        "je_flags",
        *_owner_columns(),
        sa.Column("test", sa.Text(), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("journal_id", sa.Text(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "test", "row_number", name="pk_je_flags"),
    )
    op.create_index("ix_je_flags_journal", "je_flags", ["run_id", "journal_id"], unique=False)
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "INSERT INTO je_flags (run_id, firm_id, engagement_id, test, row_number, journal_id, score)"
        " SELECT f.run_id, f.firm_id, f.engagement_id, t.test, f.row_number, l.journal_id, s.score"
        " FROM je_line_flags f JOIN je_runs r ON r.id = f.run_id"
        " CROSS JOIN LATERAL unnest(r.tests) WITH ORDINALITY AS t(test, i)"
        " JOIN journal_lines l ON l.dataset_id = r.dataset_id AND l.row_number = f.row_number"
        " LEFT JOIN je_flag_scores s ON s.run_id = f.run_id AND s.test = t.test AND s.row_number = f.row_number"
        " WHERE f.tests & (1::bigint << (t.i::int - 1)) <> 0"
    )
    op.drop_table("je_flag_scores")
    op.drop_table("je_line_flags")
    _secure("je_flags")
