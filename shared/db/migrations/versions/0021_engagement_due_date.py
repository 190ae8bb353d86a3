"""Engagement due date: the date the auditor's report is due to the client (issue 22, item 1).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

A nullable column on `engagements`; the table's row-level security, grants and lock trigger already
cover every column, so nothing else changes. The service refuses a due date before the period end.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("engagements", sa.Column("due_date", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("engagements", "due_date")
