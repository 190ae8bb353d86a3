"""Sign-in throttling: a progressive delay per key (an e-mail, a device), shared by every instance.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

The fixed-window counters of `rate_limits` limit attempts per client address; a failed sign-in
for an e-mail, or from a known device, also lengthens a delay kept here (shared/rate_limit.py,
docs/security.md). Keys are hashes, never the e-mail itself. Like `rate_limits` it is a system
table: only a system-scope transaction reads or writes it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_backoff",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_backoff")),
    )
    op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_backoff TO aura_app")
    op.execute("ALTER TABLE rate_limit_backoff ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE rate_limit_backoff FORCE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY system_only ON rate_limit_backoff USING (aura_is_system()) WITH CHECK (aura_is_system())")


def downgrade() -> None:
    op.drop_table("rate_limit_backoff")
