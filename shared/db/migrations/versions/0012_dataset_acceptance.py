"""Client data waits for the audit team: datasets gain the statuses submitted and rejected, and who decided.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

A file a client user sends loads as before, but lands as `submitted` instead of `succeeded`, so it is
never current (shared/datasets.py reads only succeeded versions) until a member of the team accepts
it; a rejection keeps the reason, which the client sees. `reason` is the uploader's reason for
replacing current data once fieldwork has started. No policy changes: the columns are covered by the
table-wide grants and the row-level security of migration 0006.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "status IN ('queued', 'succeeded', 'failed')"
NEW = "status IN ('queued', 'submitted', 'succeeded', 'rejected', 'failed')"


def upgrade() -> None:
    op.execute("ALTER TABLE datasets DROP CONSTRAINT ck_datasets_status")
    op.execute(f"ALTER TABLE datasets ADD CONSTRAINT ck_datasets_status CHECK ({NEW})")
    op.add_column(
        "datasets", sa.Column("needs_acceptance", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.add_column("datasets", sa.Column("reason", sa.Text(), nullable=True))
    op.add_column("datasets", sa.Column("decided_by", postgresql.UUID(as_uuid=True), nullable=True))
    op.add_column("datasets", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("datasets", sa.Column("decision_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    for column in ("decision_reason", "decided_at", "decided_by", "reason", "needs_acceptance"):
        op.drop_column("datasets", column)
    op.execute("UPDATE datasets SET status = 'failed' WHERE status IN ('submitted', 'rejected')")
    op.execute("ALTER TABLE datasets DROP CONSTRAINT ck_datasets_status")
    op.execute(f"ALTER TABLE datasets ADD CONSTRAINT ck_datasets_status CHECK ({OLD})")
