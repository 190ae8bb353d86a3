"""The assistant's chunks and index state (issue 24 items 2 and 5).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

Chunks are read under the *visible* rule of migration 0003 narrowed by the chunk's own audience: a
firm user of the engagement reads every chunk, a client user only those marked client_visible (what
was shared with the client), so a client's question cannot retrieve firm working papers whatever the
code asks. Only firm users write chunks (the internal rule): indexing reads firm-only documents. The
index state row is readable by whoever sees the engagement (the portal shows it) and written by firm
users. Both tables carry the lock trigger: a finalized engagement's index stays as it was.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VISIBLE = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_visible_engagements())"
INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
AUDIENCE = "(client_visible OR (SELECT aura_current_client()) IS NULL)"
TABLES = ("assistant_chunks", "assistant_indexes")


def upgrade() -> None:
    op.create_table(
        "assistant_chunks",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("document", sa.String(length=300), nullable=False),
        sa.Column("locator", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("client_visible", sa.Boolean(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('workpaper', 'evidence', 'review_note', 'trial_balance', 'journal_test')",
            name="ck_assistant_chunks_kind",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name="fk_assistant_chunks_engagement_id_engagements"
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name="fk_assistant_chunks_firm_id_firms"),
        sa.PrimaryKeyConstraint("id", name="pk_assistant_chunks"),
    )
    op.create_index("ix_assistant_chunks_engagement_id_kind", "assistant_chunks", ["engagement_id", "kind"])
    op.create_index("ix_assistant_chunks_engagement_id_reference", "assistant_chunks", ["engagement_id", "reference"])
    op.create_table(
        "assistant_indexes",
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("embedder", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("indexed_by", sa.UUID(), nullable=True),
        sa.Column("indexed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name="fk_assistant_indexes_engagement_id_engagements"
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name="fk_assistant_indexes_firm_id_firms"),
        sa.PrimaryKeyConstraint("engagement_id", name="pk_assistant_indexes"),
    )
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO aura_app")
        read = f"{VISIBLE} AND {AUDIENCE}" if table == "assistant_chunks" else VISIBLE
        op.execute(f"CREATE POLICY read ON {table} FOR SELECT TO aura_app USING ({read})")
        op.execute(f"CREATE POLICY internal_insert ON {table} FOR INSERT TO aura_app WITH CHECK ({INTERNAL})")
        op.execute(
            f"CREATE POLICY internal_update ON {table} FOR UPDATE TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})"
        )
        op.execute(f"CREATE POLICY internal_delete ON {table} FOR DELETE TO aura_app USING ({INTERNAL})")
        op.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
