"""Evidence uploads: direct-to-storage uploads in progress, completed into evidence files.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Secured like every other table under an engagement (migration 0003): firm users of the engagement
only, row-level security forced, and the lock trigger refuses writes under a finalized engagement.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "evidence_uploads"
INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("expected_size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("expected_sha256", sa.String(length=64), nullable=True),
        sa.Column("blob_key", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'completed', 'expired')", name=op.f("ck_evidence_uploads_status")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_evidence_uploads_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_evidence_uploads_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_uploads")),
    )
    op.create_index("ix_evidence_uploads_engagement_id", TABLE, ["engagement_id"], unique=False)
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLE} TO aura_app")
    op.execute(f"CREATE POLICY internal ON {TABLE} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
    op.execute(
        f"CREATE TRIGGER {TABLE}_locked BEFORE INSERT OR UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
    )


def downgrade() -> None:
    op.drop_index("ix_evidence_uploads_engagement_id", table_name=TABLE)
    op.drop_table(TABLE)
