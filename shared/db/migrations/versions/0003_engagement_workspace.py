"""Engagement workspace: clients, engagements, team, gates, binder, workpapers, evidence, review notes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Visibility (docs/audit-rules.md section 1) is enforced here as well as in code: a row under an engagement is
visible only when its engagement is, and which engagements a user sees is computed from the user's
own row and the team table by SECURITY DEFINER functions, never from anything the application
claims. A trigger refuses every write under a finalized engagement (SQLSTATE AU001).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_name", sa.String(length=300), nullable=True),
        sa.Column("industry", sa.String(length=6), nullable=True),
        sa.Column("entity_type", sa.String(length=12), server_default="non_issuer", nullable=False),
        sa.Column("fiscal_year_end", sa.String(length=5), server_default="12-31", nullable=False),
        sa.Column(
            "contacts", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("entity_type IN ('issuer', 'non_issuer')", name=op.f("ck_clients_entity_type")),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_clients_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
    )
    op.create_index(
        "uq_clients_firm_id_name_lower", "clients", ["firm_id", sa.literal_column("lower(name)")], unique=True
    )
    op.create_table(
        "engagements",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("engagement_type", sa.String(length=32), nullable=False),
        sa.Column("framework", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalized_by", sa.UUID(), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "engagement_type IN ('audit', 'review', 'compilation', 'agreed_upon_procedures')",
            name=op.f("ck_engagements_engagement_type"),
        ),
        sa.CheckConstraint(
            "framework IN ('us_gaap', 'ifrs', 'tax_basis', 'cash_basis')", name=op.f("ck_engagements_framework")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'planning', 'fieldwork', 'review', 'finalized')", name=op.f("ck_engagements_status")
        ),
        sa.CheckConstraint("period_end > period_start", name=op.f("ck_engagements_period")),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_engagements_client_id_clients")),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_engagements_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagements")),
    )
    op.create_index("ix_engagements_firm_id_client_id", "engagements", ["firm_id", "client_id"], unique=False)
    op.create_index("ix_engagements_firm_id_status", "engagements", ["firm_id", "status"], unique=False)
    op.create_table(
        "engagement_gates",
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("gate", sa.String(length=32), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by", sa.UUID(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "gate IN ('qc', 'report_approved', 'partner_signed')", name=op.f("ck_engagement_gates_gate")
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_engagement_gates_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_engagement_gates_firm_id_firms")),
        sa.PrimaryKeyConstraint("engagement_id", "gate", name=op.f("pk_engagement_gates")),
    )
    op.create_table(
        "engagement_members",
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.UUID(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "role IN ('partner', 'manager', 'senior', 'staff', 'qc_reviewer')", name=op.f("ck_engagement_members_role")
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_engagement_members_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_engagement_members_firm_id_firms")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_engagement_members_user_id_users")),
        sa.PrimaryKeyConstraint("engagement_id", "user_id", name=op.f("pk_engagement_members")),
    )
    op.create_index("ix_engagement_members_user_id", "engagement_members", ["user_id"], unique=False)
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.UUID(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_evidence_files_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_evidence_files_firm_id_firms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_index("ix_evidence_files_engagement_id", "evidence_files", ["engagement_id"], unique=False)
    op.create_table(
        "binder_nodes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("index_code", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("evidence_id", sa.UUID(), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('folder', 'workpaper', 'evidence', 'note')", name=op.f("ck_binder_nodes_kind")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_binder_nodes_version")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_binder_nodes_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence_files.id"], name=op.f("fk_binder_nodes_evidence_id_evidence_files")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_binder_nodes_firm_id_firms")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["binder_nodes.id"], name=op.f("fk_binder_nodes_parent_id_binder_nodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_binder_nodes")),
    )
    op.create_index(
        "ix_binder_nodes_engagement_id_parent_id", "binder_nodes", ["engagement_id", "parent_id"], unique=False
    )
    op.create_index(
        "uq_binder_nodes_engagement_id_index_code",
        "binder_nodes",
        ["engagement_id", "index_code"],
        unique=True,
        postgresql_where=sa.text("index_code IS NOT NULL"),
    )
    op.create_table(
        "node_evidence",
        sa.Column("node_id", sa.UUID(), nullable=False),
        sa.Column("evidence_id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("linked_by", sa.UUID(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_node_evidence_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence_files.id"], name=op.f("fk_node_evidence_evidence_id_evidence_files")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_node_evidence_firm_id_firms")),
        sa.ForeignKeyConstraint(["node_id"], ["binder_nodes.id"], name=op.f("fk_node_evidence_node_id_binder_nodes")),
        sa.PrimaryKeyConstraint("node_id", "evidence_id", name=op.f("pk_node_evidence")),
    )
    op.create_index("ix_node_evidence_evidence_id", "node_evidence", ["evidence_id"], unique=False)
    op.create_table(
        "review_notes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("node_id", sa.UUID(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("blocking", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("author_id", sa.UUID(), nullable=False),
        sa.Column("assignee_id", sa.UUID(), nullable=True),
        sa.Column("addressed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("addressed_by", sa.UUID(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('open', 'addressed', 'cleared')", name=op.f("ck_review_notes_status")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_review_notes_assignee_id_users")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_review_notes_author_id_users")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_review_notes_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_review_notes_firm_id_firms")),
        sa.ForeignKeyConstraint(["node_id"], ["binder_nodes.id"], name=op.f("fk_review_notes_node_id_binder_nodes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_notes")),
    )
    op.create_index("ix_review_notes_engagement_id_status", "review_notes", ["engagement_id", "status"], unique=False)
    op.create_index("ix_review_notes_node_id", "review_notes", ["node_id"], unique=False)
    op.create_table(
        "signoffs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("node_id", sa.UUID(), nullable=False),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("node_version", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.UUID(), nullable=True),
        sa.Column("cleared_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("step IN ('prepare', 'review', 'approve')", name=op.f("ck_signoffs_step")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_signoffs_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_signoffs_firm_id_firms")),
        sa.ForeignKeyConstraint(["node_id"], ["binder_nodes.id"], name=op.f("fk_signoffs_node_id_binder_nodes")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_signoffs_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoffs")),
    )
    op.create_index("ix_signoffs_engagement_id", "signoffs", ["engagement_id"], unique=False)
    op.create_index(
        "uq_signoffs_node_id_step_active",
        "signoffs",
        ["node_id", "step"],
        unique=True,
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.create_table(
        "workpaper_versions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("node_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("change_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("changed_by", sa.UUID(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_workpaper_versions_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_workpaper_versions_firm_id_firms")),
        sa.ForeignKeyConstraint(
            ["node_id"], ["binder_nodes.id"], name=op.f("fk_workpaper_versions_node_id_binder_nodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workpaper_versions")),
        sa.UniqueConstraint("node_id", "version", name=op.f("uq_workpaper_versions_node_id_version")),
    )
    op.create_index("ix_workpaper_versions_engagement_id", "workpaper_versions", ["engagement_id"], unique=False)
    op.create_table(
        "review_note_replies",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("note_id", sa.UUID(), nullable=False),
        sa.Column("author_id", sa.UUID(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_review_note_replies_author_id_users")),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name=op.f("fk_review_note_replies_engagement_id_engagements")
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name=op.f("fk_review_note_replies_firm_id_firms")),
        sa.ForeignKeyConstraint(
            ["note_id"], ["review_notes.id"], name=op.f("fk_review_note_replies_note_id_review_notes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_note_replies")),
    )
    op.create_index("ix_review_note_replies_note_id", "review_note_replies", ["note_id"], unique=False)
    op.create_foreign_key(op.f("fk_invitations_client_id_clients"), "invitations", "clients", ["client_id"], ["id"])
    op.create_foreign_key(op.f("fk_users_client_id_clients"), "users", "clients", ["client_id"], ["id"])
    _secure()


def downgrade() -> None:
    op.drop_constraint(op.f("fk_users_client_id_clients"), "users", type_="foreignkey")
    op.drop_constraint(op.f("fk_invitations_client_id_clients"), "invitations", type_="foreignkey")
    op.drop_index("ix_review_note_replies_note_id", table_name="review_note_replies")
    op.drop_table("review_note_replies")
    op.drop_index("ix_workpaper_versions_engagement_id", table_name="workpaper_versions")
    op.drop_table("workpaper_versions")
    op.drop_index(
        "uq_signoffs_node_id_step_active", table_name="signoffs", postgresql_where=sa.text("cleared_at IS NULL")
    )
    op.drop_index("ix_signoffs_engagement_id", table_name="signoffs")
    op.drop_table("signoffs")
    op.drop_index("ix_review_notes_node_id", table_name="review_notes")
    op.drop_index("ix_review_notes_engagement_id_status", table_name="review_notes")
    op.drop_table("review_notes")
    op.drop_index("ix_node_evidence_evidence_id", table_name="node_evidence")
    op.drop_table("node_evidence")
    op.drop_index(
        "uq_binder_nodes_engagement_id_index_code",
        table_name="binder_nodes",
        postgresql_where=sa.text("index_code IS NOT NULL"),
    )
    op.drop_index("ix_binder_nodes_engagement_id_parent_id", table_name="binder_nodes")
    op.drop_table("binder_nodes")
    op.drop_index("ix_evidence_files_engagement_id", table_name="evidence_files")
    op.drop_table("evidence_files")
    op.drop_index("ix_engagement_members_user_id", table_name="engagement_members")
    op.drop_table("engagement_members")
    op.drop_table("engagement_gates")
    op.drop_index("ix_engagements_firm_id_status", table_name="engagements")
    op.drop_index("ix_engagements_firm_id_client_id", table_name="engagements")
    op.drop_table("engagements")
    op.drop_index("uq_clients_firm_id_name_lower", table_name="clients")
    op.drop_table("clients")
    _unsecure()


CHILD_TABLES = (
    "engagement_members",
    "engagement_gates",
    "binder_nodes",
    "workpaper_versions",
    "signoffs",
    "evidence_files",
    "node_evidence",
    "review_notes",
    "review_note_replies",
)
DEFINER_FUNCTIONS = (
    "aura_current_client()",
    "aura_visible_engagements()",
    "aura_internal_engagements()",
    "aura_refuse_finalized()",
    "aura_refuse_finalized_engagement()",
)
VISIBLE = "firm_id = aura_current_firm() AND {column} IN (SELECT aura_visible_engagements())"
INTERNAL = "firm_id = aura_current_firm() AND {column} IN (SELECT aura_internal_engagements())"


def _secure() -> None:
    op.execute(
        """
        CREATE FUNCTION aura_current_user() RETURNS uuid LANGUAGE sql STABLE AS
        $$ SELECT nullif(current_setting('aura.user_id', true), '')::uuid $$;

        -- The client a client user is bound to (NULL for firm users), read from the user's own row.
        CREATE FUNCTION aura_current_client() RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
          SELECT u.client_id FROM users u WHERE u.id = aura_current_user() AND u.firm_id = aura_current_firm()
        $$;

        -- docs/audit-rules.md section 1: firm_admin, partner and qc_reviewer see every engagement of the firm,
        -- client users their client's, everyone else those whose team includes them.
        CREATE FUNCTION aura_visible_engagements() RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
          WITH me AS (
            SELECT u.id, u.roles, u.client_id FROM users u
            WHERE u.id = aura_current_user() AND u.firm_id = aura_current_firm() AND u.is_active
          )
          SELECT e.id FROM engagements e
          WHERE e.firm_id = aura_current_firm()
            AND (
              aura_is_system()
              OR EXISTS (SELECT 1 FROM me WHERE me.roles && ARRAY['firm_admin', 'partner', 'qc_reviewer']::varchar[])
              OR EXISTS (SELECT 1 FROM me WHERE me.client_id = e.client_id)
              OR EXISTS (
                SELECT 1 FROM engagement_members m JOIN me ON me.id = m.user_id
                WHERE m.engagement_id = e.id AND me.client_id IS NULL
              )
            )
        $$;

        -- What the firm's people work on: binder, workpapers, notes. Client users see none of it.
        CREATE FUNCTION aura_internal_engagements() RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
          SELECT v FROM aura_visible_engagements() v WHERE aura_is_system() OR aura_current_client() IS NULL
        $$;

        CREATE FUNCTION aura_refuse_finalized() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        DECLARE
          target uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.engagement_id ELSE NEW.engagement_id END;
        BEGIN
          IF EXISTS (SELECT 1 FROM engagements e WHERE e.id = target AND e.status = 'finalized') THEN
            RAISE EXCEPTION 'engagement % is finalized and locked', target USING ERRCODE = 'AU001';
          END IF;
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$;

        CREATE FUNCTION aura_refuse_finalized_engagement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        BEGIN
          IF OLD.status = 'finalized' THEN
            RAISE EXCEPTION 'engagement % is finalized and locked', OLD.id USING ERRCODE = 'AU001';
          END IF;
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$;
        """
    )
    op.execute("GRANT SELECT (roles, client_id, is_active) ON users TO aura_auth_lookup")
    op.execute("GRANT SELECT (id, firm_id, client_id, status) ON engagements TO aura_auth_lookup")
    op.execute("GRANT SELECT (engagement_id, user_id) ON engagement_members TO aura_auth_lookup")
    for table in ("engagements", "engagement_members"):
        op.execute(f"CREATE POLICY auth_lookup ON {table} FOR SELECT TO aura_auth_lookup USING (true)")
    for function in DEFINER_FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} OWNER TO aura_auth_lookup")
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    for function in DEFINER_FUNCTIONS[:3]:
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO aura_app")

    for table in ("clients", "engagements", *CHILD_TABLES):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute("GRANT SELECT, INSERT, UPDATE ON clients, engagements TO aura_app")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(CHILD_TABLES)} TO aura_app")

    # A client user sees only their own client; only firm users create or change clients.
    op.execute(
        "CREATE POLICY tenant ON clients TO aura_app "
        "USING (firm_id = aura_current_firm() AND ((SELECT aura_current_client()) IS NULL "
        "OR id = (SELECT aura_current_client()))) "
        "WITH CHECK (firm_id = aura_current_firm() AND (SELECT aura_current_client()) IS NULL)"
    )
    # A new engagement is not yet anyone's (its team is written next), so inserting checks the firm only.
    op.execute(f"CREATE POLICY visible ON engagements FOR SELECT TO aura_app USING ({VISIBLE.format(column='id')})")
    op.execute(
        "CREATE POLICY create_in_firm ON engagements FOR INSERT TO aura_app WITH CHECK (firm_id = aura_current_firm())"
    )
    op.execute(
        f"CREATE POLICY change ON engagements FOR UPDATE TO aura_app USING ({INTERNAL.format(column='id')}) "
        "WITH CHECK (firm_id = aura_current_firm())"
    )
    op.execute(
        "CREATE POLICY add_member ON engagement_members FOR INSERT TO aura_app WITH CHECK (firm_id = aura_current_firm())"
    )
    for table in CHILD_TABLES:
        condition = INTERNAL.format(column="engagement_id")
        if table == "engagement_members":
            for command in ("SELECT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE POLICY internal_{command.lower()} ON {table} FOR {command} TO aura_app USING ({condition})"
                )
        else:
            op.execute(f"CREATE POLICY internal ON {table} TO aura_app USING ({condition}) WITH CHECK ({condition})")
        op.execute(
            f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
        )
    op.execute(
        "CREATE TRIGGER engagements_locked BEFORE UPDATE OR DELETE ON engagements "
        "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized_engagement()"
    )
    # The engagement activity feed reads the firm's audit chain by engagement.
    op.execute(
        "CREATE INDEX ix_audit_log_firm_id_engagement ON audit_log (firm_id, (data ->> 'engagement_id'), id) "
        "WHERE data ? 'engagement_id'"
    )


def _unsecure() -> None:
    op.execute("DROP INDEX IF EXISTS ix_audit_log_firm_id_engagement")
    op.execute("DROP TRIGGER IF EXISTS engagements_locked ON engagements")
    for table in CHILD_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_locked ON {table}")
    for table in ("engagements", "engagement_members"):
        op.execute(f"DROP POLICY IF EXISTS auth_lookup ON {table}")
    op.execute("REVOKE SELECT (roles, client_id, is_active) ON users FROM aura_auth_lookup")
    for function in (*reversed(DEFINER_FUNCTIONS), "aura_current_user()"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
