"""Which firms have abandoned upload sessions, for the hourly sweep that deletes their files.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

The sweep runs in system scope, which sees no firm's rows, and then works firm by firm in that firm's
scope. Only the list of firms comes from a SECURITY DEFINER function owned by aura_auth_lookup, which
may read the few columns it needs and nothing else; it refuses outside system scope.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "aura_firms_with_abandoned_uploads(timestamptz)"


def upgrade() -> None:
    op.execute("GRANT SELECT (firm_id, engagement_id, status, expires_at) ON ingestion_uploads TO aura_auth_lookup")
    op.execute("CREATE POLICY auth_lookup ON ingestion_uploads FOR SELECT TO aura_auth_lookup USING (true)")
    op.execute(
        """
        CREATE FUNCTION aura_firms_with_abandoned_uploads(cutoff timestamptz) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          IF NOT aura_is_system() THEN
            RAISE EXCEPTION 'abandoned uploads are listed in system scope only' USING ERRCODE = '42501';
          END IF;
          RETURN QUERY
            SELECT DISTINCT u.firm_id FROM ingestion_uploads u JOIN engagements e ON e.id = u.engagement_id
             WHERE u.status = 'pending' AND u.expires_at < cutoff AND e.status <> 'finalized';
        END $$;
        """
    )
    op.execute(f"ALTER FUNCTION {FUNCTION} OWNER TO aura_auth_lookup")
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO aura_app")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    op.execute("DROP POLICY IF EXISTS auth_lookup ON ingestion_uploads")
    op.execute("REVOKE SELECT (firm_id, engagement_id, status, expires_at) ON ingestion_uploads FROM aura_auth_lookup")
