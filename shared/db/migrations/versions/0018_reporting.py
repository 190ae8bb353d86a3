"""The auditor's report: drafts, approval, the partner's signature and the write-once copy made at finalize (issue 20).

`reports` is secured like the binder (migration 0003): the firm's working papers, so the policy follows
the *internal* rule and the lock trigger refuses every write under a finalized engagement.

`report_archives` is the one exception to the lock trigger: its row is written by the consumer of
engagement.finalized, after the engagement has locked, to record the copy in write-once storage. It is
insert-only for aura_app instead (no UPDATE or DELETE granted), one row per report (unique report_id),
and still filtered by the internal visibility policy.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
GRANTS = {"reports": "SELECT, INSERT, UPDATE", "report_archives": "SELECT, INSERT"}
LOCKED = ("reports",)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="draft", nullable=False),
        sa.Column("opinion", sa.String(length=12), nullable=False),
        sa.Column("standards", sa.String(length=8), nullable=False),
        sa.Column("basis_for_modification", sa.Text(), nullable=True),
        sa.Column("emphasis_of_matter", sa.Text(), nullable=True),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("approved_by", sa.UUID(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.UUID(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signature_method", sa.String(length=40), nullable=True),
        sa.Column("signature_reference", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("blob_name", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'approved', 'signed', 'superseded')", name=op.f("ck_reports_status")),
        sa.CheckConstraint(
            "opinion IN ('unmodified', 'qualified', 'adverse', 'disclaimer')", name=op.f("ck_reports_opinion")
        ),
        sa.CheckConstraint("standards IN ('aicpa', 'pcaob')", name=op.f("ck_reports_standards")),
        sa.CheckConstraint("version > 0", name=op.f("ck_reports_version")),
        sa.CheckConstraint(
            "status <> 'signed' OR (sha256 IS NOT NULL AND blob_name IS NOT NULL)", name=op.f("ck_reports_signed_copy")
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_reports_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_reports_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("engagement_id", "version", name="uq_reports_engagement_id_version"),
    )
    op.create_table(
        "report_archives",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("report_id", sa.UUID(), nullable=False),
        sa.Column("container", sa.String(length=63), nullable=False),
        sa.Column("blob_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("audit_anchors", sa.Integer(), server_default="0", nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_report_archives_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_report_archives_firm_id_firms")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_report_archives_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_archives")),
        sa.UniqueConstraint("report_id", name="uq_report_archives_report_id"),
    )
    for table, grant in GRANTS.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"GRANT {grant} ON {table} TO aura_app")
        op.execute(f"CREATE POLICY internal ON {table} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
    for table in LOCKED:
        op.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
        )


def downgrade() -> None:
    # Dropping a table drops its policy, trigger and grants with it.
    op.drop_table("report_archives")
    op.drop_table("reports")
