"""Evidence uploads join the hourly sweep of abandoned upload sessions (data uploads are swept since 0007).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

The same arrangement as migration 0007, for evidence_uploads: the sweep lists, in system scope, the
firms that have abandoned evidence sessions through a SECURITY DEFINER function owned by
aura_auth_lookup, which may read the few columns it needs and nothing else, and then closes each
firm's sessions in that firm's own scope. No table changes: row-level security stays as 0004 FORCEd it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "aura_firms_with_abandoned_evidence_uploads(timestamptz)"


def upgrade() -> None:
    op.execute("GRANT SELECT (firm_id, engagement_id, status, expires_at) ON evidence_uploads TO aura_auth_lookup")
    op.execute("CREATE POLICY auth_lookup ON evidence_uploads FOR SELECT TO aura_auth_lookup USING (true)")
    op.execute(
        """
        CREATE FUNCTION aura_firms_with_abandoned_evidence_uploads(cutoff timestamptz) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          IF NOT aura_is_system() THEN
            RAISE EXCEPTION 'abandoned uploads are listed in system scope only' USING ERRCODE = '42501';
          END IF;
          RETURN QUERY
            SELECT DISTINCT u.firm_id FROM evidence_uploads u JOIN engagements e ON e.id = u.engagement_id
             WHERE u.status = 'pending' AND u.expires_at < cutoff AND e.status <> 'finalized';
        END $$;
        """
    )
    op.execute(f"ALTER FUNCTION {FUNCTION} OWNER TO aura_auth_lookup")
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO aura_app")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
    op.execute("DROP POLICY IF EXISTS auth_lookup ON evidence_uploads")
    op.execute("REVOKE SELECT (firm_id, engagement_id, status, expires_at) ON evidence_uploads FROM aura_auth_lookup")
