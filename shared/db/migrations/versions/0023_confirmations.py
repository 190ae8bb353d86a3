"""Confirmations (issue 23 item 2): bank, receivables, payables, legal and debt confirmation requests, replies and reminders.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

Secured like planning (migration 0009): the firm's working papers, so the policy follows the
*internal* rule (client users see nothing) and the lock trigger refuses every write under a
finalized engagement. aura_app may read, insert and update requests; none is ever deleted (a
request that was a mistake is closed with a note, so the trail of what was sent stays). The
second-request timer lists, in system scope, the firms with positive requests waiting for a reply
through a SECURITY DEFINER function owned by aura_auth_lookup (as migration 0020's reminders do),
then works in each firm's own scope.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERNAL = "firm_id = aura_current_firm() AND engagement_id IN (SELECT aura_internal_engagements())"
TABLE = "confirmations"
FUNCTION = "aura_firms_with_confirmations_unanswered(date)"
KINDS = ("bank", "receivable", "payable", "legal", "debt")
FORMS = ("positive", "negative")
STATUSES = (
    "draft",
    "sent",
    "second_request_sent",
    "received",
    "closed_with_exception",
    "closed",
    "no_reply_alternative",
)
SOURCES = ("entered", "trial_balance", "sample_item")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("firm_id", sa.UUID(), nullable=False),
        sa.Column("engagement_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("form", sa.String(length=10), nullable=False),
        sa.Column("blank", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column("party_contact", sa.String(length=200), nullable=True),
        sa.Column("party_address", sa.Text(), nullable=True),
        sa.Column("party_email", sa.String(length=320), nullable=True),
        sa.Column("account_number", sa.String(length=100), nullable=True),
        sa.Column("client_account_ref", sa.String(length=100), nullable=True),
        sa.Column("sample_item_id", sa.UUID(), nullable=True),
        sa.Column("amount_per_books", sa.Numeric(20, 2), nullable=True),
        sa.Column("amount_source", sa.String(length=14), nullable=False),
        sa.Column("status", sa.String(length=24), server_default="draft", nullable=False),
        sa.Column("sent_date", sa.Date(), nullable=True),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("response_amount", sa.Numeric(20, 2), nullable=True),
        sa.Column("exception", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.UUID(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alternative_procedures", sa.Text(), nullable=True),
        sa.Column("second_request_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_id", sa.UUID(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name="ck_confirmations_kind"),
        sa.CheckConstraint(_in("form", FORMS), name="ck_confirmations_form"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_confirmations_status"),
        sa.CheckConstraint(_in("amount_source", SOURCES), name="ck_confirmations_amount_source"),
        sa.CheckConstraint(
            "NOT blank OR (kind = 'receivable' AND form = 'positive')", name="ck_confirmations_blank_receivable"
        ),
        sa.CheckConstraint(
            "status <> 'closed_with_exception' OR resolution IS NOT NULL",
            name="ck_confirmations_closed_with_exception_resolved",
        ),
        sa.CheckConstraint(
            "status <> 'no_reply_alternative' OR alternative_procedures IS NOT NULL",
            name="ck_confirmations_no_reply_alternative",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"], ["engagements.id"], name="fk_confirmations_engagement_id_engagements"
        ),
        sa.ForeignKeyConstraint(["firm_id"], ["firms.id"], name="fk_confirmations_firm_id_firms"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_confirmations_owner_id_users"),
        sa.ForeignKeyConstraint(
            ["sample_item_id"], ["sample_items.id"], name="fk_confirmations_sample_item_id_sample_items"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_confirmations"),
    )
    op.create_index("ix_confirmations_engagement_id_kind", TABLE, ["engagement_id", "kind"], unique=False)
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON {TABLE} TO aura_app")
    op.execute(f"CREATE POLICY internal ON {TABLE} TO aura_app USING ({INTERNAL}) WITH CHECK ({INTERNAL})")
    op.execute(
        f"CREATE TRIGGER {TABLE}_locked BEFORE INSERT OR UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION aura_refuse_finalized()"
    )
    _reminder_listing()


def _reminder_listing() -> None:
    op.execute(f"GRANT SELECT (firm_id, engagement_id, form, status, sent_date) ON {TABLE} TO aura_auth_lookup")
    op.execute(f"CREATE POLICY auth_lookup ON {TABLE} FOR SELECT TO aura_auth_lookup USING (true)")
    op.execute(
        """
        CREATE FUNCTION aura_firms_with_confirmations_unanswered(sent_by date) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          IF NOT aura_is_system() THEN
            RAISE EXCEPTION 'confirmations to remind are listed in system scope only' USING ERRCODE = '42501';
          END IF;
          RETURN QUERY
            SELECT DISTINCT c.firm_id FROM confirmations c JOIN engagements e ON e.id = c.engagement_id
             WHERE c.form = 'positive' AND c.status = 'sent' AND c.sent_date <= sent_by
               AND e.status <> 'finalized';
        END $$;
        """
    )
    op.execute(f"ALTER FUNCTION {FUNCTION} OWNER TO aura_auth_lookup")
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO aura_app")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    # Dropping the table drops its policies, trigger, index and grants with it.
    op.drop_table(TABLE)
