"""Financial analysis: the auditor's explanations of flagged flux lines (issue 21).

Secured like planning (migration 0009): the firm's working papers, so the policy follows the
*internal* rule (client users see nothing), and the lock trigger refuses every write under a
finalized engagement.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
TABLE = "flux_explanations"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_flux_explanations_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_flux_explanations_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flux_explanations")),
        sa.UniqueConstraint("engagement_id", "key", name="uq_flux_explanations_engagement_id_key"),
    )
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON {TABLE} TO aura_app")
    op.execute(f"CREATE POLICY internal ON {TABLE} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
    op.execute(
        f"CREATE TRIGGER {TABLE}_locked BEFORE INSERT OR UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
    )


def downgrade() -> None:
    # Dropping the table drops its policy, trigger and grants with it.
    op.drop_table(TABLE)
