"""Client requests (the PBC list): what the team asks the client for, and what the client sent against it (issue 22).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

Unlike working papers, client users see and write these rows (their client's engagements), so the
policies follow the *visible* rule of migration 0003, as evidence does; the code decides which columns
a client may change. Every table carries the lock trigger, so a finalized engagement stays locked.
Comments and attachments are immutable. The daily reminders list, in system scope, the firms that
have requests to remind through a SECURITY DEFINER function owned by aura_auth_lookup (as the upload
sweeps of migrations 0007 and 0011 do), then work in each firm's own scope.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VISIBLE = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_visible_engagements())"
TABLES = ("client_requests", "client_request_comments", "client_request_attachments")
GRANTS = {
    "client_requests": "SELECT, INSERT, UPDATE",
    "client_request_comments": "SELECT, INSERT",
    "client_request_attachments": "SELECT, INSERT",
}
FUNCTION = "aura_firms_with_client_requests_due(date)"


def _keys(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"], name=f"fk_{table}_engagement_id_engagements"),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=f"fk_{table}_firm_id_firms"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "client_requests",
        *_keys("client_requests"),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("assignee_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.UUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('document', 'data')", name="ck_client_requests_kind"),
        sa.CheckConstraint("status IN ('open', 'submitted', 'accepted', 'returned')", name="ck_client_requests_status"),
        sa.CheckConstraint(
            "status <> 'returned' OR return_reason IS NOT NULL", name="ck_client_requests_returned_with_reason"
        ),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name="fk_client_requests_assignee_id_users"),
    )
    op.create_index(
        "ix_client_requests_engagement_id_status", "client_requests", ["engagement_id", "status"], unique=False
    )
    op.create_index("ix_client_requests_assignee_id", "client_requests", ["assignee_id"], unique=False)
    op.create_table(
        "client_request_comments",
        *_keys("client_request_comments"),
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("author_id", sa.UUID(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["client_requests.id"], name="fk_client_request_comments_request_id_client_requests"
        ),
    )
    op.create_index("ix_client_request_comments_request_id", "client_request_comments", ["request_id"], unique=False)
    op.create_table(
        "client_request_attachments",
        *_keys("client_request_attachments"),
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.UUID(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["client_requests.id"], name="fk_client_request_attachments_request_id_client_requests"
        ),
    )
    op.create_index(
        "ix_client_request_attachments_request_id", "client_request_attachments", ["request_id"], unique=False
    )
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"GRANT {GRANTS[table]} ON {table} TO aura_app")
        op.execute(f"CREATE POLICY visible ON {table} TO aura_app USING ({VISIBLE}) WITH CHECK ({VISIBLE})")
        op.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
        )
    _reminder_listing()


def _reminder_listing() -> None:
    op.execute(
        "GRANT SELECT (firm_id, engagement_id, status, due_date, last_reminded_at) ON client_requests "
        "TO aura_auth_lookup"
    )
    op.execute("CREATE POLICY auth_lookup ON client_requests FOR SELECT TO aura_auth_lookup USING (true)")
    op.execute(
        """
        CREATE FUNCTION aura_firms_with_client_requests_due(due_by date) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          IF NOT aura_is_system() THEN
            RAISE EXCEPTION 'requests to remind are listed in system scope only' USING ERRCODE = '42501';
          END IF;
          RETURN QUERY
            SELECT DISTINCT r.firm_id FROM client_requests r JOIN engagements e ON e.id = r.engagement_id
             WHERE r.status <> 'accepted' AND r.due_date <= due_by AND e.status <> 'finalized';
        END $$;
        """
    )
    op.execute(f"ALTER FUNCTION {FUNCTION} OWNER TO aura_auth_lookup")
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO aura_app")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    # Dropping a table drops its policies, triggers, indexes and grants with it.
    for table in reversed(TABLES):
        op.drop_table(table)
