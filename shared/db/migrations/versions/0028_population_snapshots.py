"""A general ledger's population kept beside its lines as Parquet, for the journal-entry run (issue 16).

Reading a million lines out of PostgreSQL (COPY as CSV, then parsed into DuckDB) took about 3 s of every
JE run. The loader already holds each batch of lines typed as Arrow when it COPYs them, so it also writes
the columns the tests read into Parquet files (`population_parts`, a few MB each) in the same transaction:
the snapshot exists exactly when the lines do, and is never newer or older than them. The run then hands
those files to DuckDB as they are.

Secured like the lines: the *internal* rule (row-level security enabled and forced; client users see
none of it), insert-only for the app, and the lock trigger refuses rows under a finalized engagement.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = (SELECT aura_current_firm()) AND engagement_id IN (SELECT aura_internal_engagements())"


def upgrade() -> None:
    op.create_table(
        "population_parts",
        sa.Column("dataset_id", sa.UUID(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("format", sa.SmallInteger(), nullable=False),
        sa.Column("parquet", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("part >= 0 AND lines > 0", name=op.f("ck_population_parts_counts")),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_population_parts_dataset_id_datasets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_population_parts_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_population_parts_firm_id_firms")),
        sa.PrimaryKeyConstraint("dataset_id", "part", name=op.f("pk_population_parts")),
    )
    # Parquet is compressed already: PostgreSQL should store it as it is, not try again.
    op.execute("ALTER TABLE population_parts ALTER parquet SET STORAGE EXTERNAL")
    op.execute("ALTER TABLE population_parts ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE population_parts FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY internal ON population_parts TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
    op.execute("GRANT SELECT, INSERT ON population_parts TO aura_app")
    op.execute(
        "CREATE TRIGGER population_parts_locked AFTER INSERT ON population_parts REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION aura_refuse_finalized_rows()"
    )


def downgrade() -> None:
    op.drop_table("population_parts")
