"""Every commit that appends to an audit chain asks for its new head to be anchored within seconds.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

An hourly anchor left up to an hour of records (556 of one firm's 694) that could be cut off the end of a
chain without verification noticing. Now an AFTER INSERT trigger on audit_log keeps one row per chain in
audit_anchor_requests holding the newest unanchored head; it is written in the appending transaction,
so a rolled-back append asks for nothing and a committed one cannot be forgotten. The anchor timer
(every 5 seconds) writes each requested head to write-once storage and deletes the request only if the
head has not moved meanwhile, so many appends between two runs give one anchor.

Appends to one chain already serialize on aura_audit_head()'s advisory lock, so the upsert adds no
contention of its own. The trigger function runs as aura_auth_lookup, the only role that may write the
table; aura_app, in system scope only, reads and deletes requests. Heads that exist when this migration
runs are requested at once (where the migrating role can read them), so the first run anchors them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE audit_anchor_requests (
          chain varchar(64) NOT NULL,
          firm_id uuid,
          chain_seq bigint NOT NULL,
          hash varchar(64) NOT NULL,
          requested_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT pk_audit_anchor_requests PRIMARY KEY (chain)
        );
        ALTER TABLE audit_anchor_requests ENABLE ROW LEVEL SECURITY;
        ALTER TABLE audit_anchor_requests FORCE ROW LEVEL SECURITY;
        GRANT SELECT, DELETE ON audit_anchor_requests TO aura_app;
        CREATE POLICY system_only ON audit_anchor_requests TO aura_app
          USING (aura_is_system()) WITH CHECK (aura_is_system());
        GRANT SELECT, INSERT, UPDATE ON audit_anchor_requests TO aura_auth_lookup;
        CREATE POLICY append_trigger ON audit_anchor_requests TO aura_auth_lookup USING (true) WITH CHECK (true);

        CREATE FUNCTION aura_audit_request_anchor() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          INSERT INTO audit_anchor_requests AS r (chain, firm_id, chain_seq, hash)
            VALUES (NEW.chain, NEW.firm_id, NEW.chain_seq, NEW.hash)
            ON CONFLICT (chain) DO UPDATE SET chain_seq = EXCLUDED.chain_seq, hash = EXCLUDED.hash
            WHERE r.chain_seq < EXCLUDED.chain_seq;
          RETURN NULL;
        END $$;
        ALTER FUNCTION aura_audit_request_anchor() OWNER TO aura_auth_lookup;
        REVOKE ALL ON FUNCTION aura_audit_request_anchor() FROM PUBLIC;
        CREATE TRIGGER audit_log_request_anchor AFTER INSERT ON audit_log
          FOR EACH ROW EXECUTE FUNCTION aura_audit_request_anchor();

        INSERT INTO audit_anchor_requests (chain, firm_id, chain_seq, hash)
          SELECT DISTINCT ON (chain) chain, firm_id, chain_seq, hash FROM audit_log ORDER BY chain, chain_seq DESC;
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_request_anchor ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS aura_audit_request_anchor()")
    op.execute("DROP TABLE IF EXISTS audit_anchor_requests")
