"""The heads of every audit chain, for anchoring them in write-once storage.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

A hash chain proves that nothing inside it changed, but not that nothing was cut off its end: an owner who
switches the append-only trigger off and deletes the newest records leaves a chain that still links. The
anchor job copies every chain's head to immutable blobs; verification compares against the newest one.

aura_app in system scope sees only the platform chain (firm chains are tenant rows), so the heads come
from a SECURITY DEFINER function owned by aura_auth_lookup, which may read (chain, chain_seq, hash) of every
row and nothing else. It refuses outside system scope: a firm session has no business with other chains.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A loose index scan over uq_audit_log_chain_chain_seq: one index probe per chain, however long
    # the chains are, instead of reading the whole log every hour.
    op.execute(
        """
        CREATE FUNCTION aura_audit_heads() RETURNS TABLE(chain text, chain_seq bigint, hash text)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          IF NOT aura_is_system() THEN
            RAISE EXCEPTION 'the audit chain heads are read in system scope only' USING ERRCODE = '42501';
          END IF;
          RETURN QUERY
            WITH RECURSIVE chains(name) AS (
              (SELECT a.chain FROM audit_log a ORDER BY a.chain LIMIT 1)
              UNION ALL
              SELECT (SELECT a.chain FROM audit_log a WHERE a.chain > c.name ORDER BY a.chain LIMIT 1)
                FROM chains c WHERE c.name IS NOT NULL
            )
            SELECT c.name::text, h.chain_seq, h.hash::text
              FROM chains c
              CROSS JOIN LATERAL (
                SELECT a.chain_seq, a.hash FROM audit_log a
                 WHERE a.chain = c.name ORDER BY a.chain_seq DESC LIMIT 1
              ) h
             WHERE c.name IS NOT NULL
             ORDER BY c.name;
        END $$;
        ALTER FUNCTION aura_audit_heads() OWNER TO aura_auth_lookup;
        REVOKE ALL ON FUNCTION aura_audit_heads() FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION aura_audit_heads() TO aura_app;
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS aura_audit_heads()")
