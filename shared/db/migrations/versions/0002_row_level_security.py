"""Roles, row-level security, tenant functions, the append-only audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

The application connects as a member of aura_app, which owns nothing; every firm-owned table has
row-level security enabled and FORCED, so even the owner is filtered. Look-ups that must happen
before the firm is known (login by e-mail, a token in a link) go through SECURITY DEFINER functions
owned by aura_auth_lookup, a role that may read only the columns those look-ups need.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRM_TABLES = ("users", "refresh_tokens", "invitations", "password_resets", "jobs")
SYSTEM_TABLES = ("outbox", "local_deliveries", "rate_limits")
DML_TABLES = ("firms", *FIRM_TABLES, *SYSTEM_TABLES, "inbox")

LOOKUP_FUNCTIONS = {
    "aura_auth_find_user(p_email text)": (
        "TABLE(user_id uuid, firm_id uuid)",
        "SELECT u.id, u.firm_id FROM users u WHERE lower(u.email) = lower(p_email)",
    ),
    "aura_auth_find_entra_user(p_object_id text)": (
        "TABLE(user_id uuid, firm_id uuid)",
        "SELECT u.id, u.firm_id FROM users u WHERE u.entra_object_id = p_object_id",
    ),
    "aura_auth_find_invitation(p_token_hash text)": (
        "TABLE(invitation_id uuid, firm_id uuid)",
        "SELECT i.id, i.firm_id FROM invitations i WHERE i.token_hash = p_token_hash",
    ),
    "aura_auth_find_password_reset(p_token_hash text)": (
        "TABLE(reset_id uuid, firm_id uuid)",
        "SELECT r.id, r.firm_id FROM password_resets r WHERE r.token_hash = p_token_hash",
    ),
}


def upgrade() -> None:
    op.execute(
        """
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aura_app') THEN
            CREATE ROLE aura_app NOLOGIN;
          END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aura_auth_lookup') THEN
            CREATE ROLE aura_auth_lookup NOLOGIN;
          END IF;
          IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            EXECUTE format('GRANT aura_auth_lookup TO %I', current_user);
          END IF;
        END $$;
        """
    )
    op.execute("GRANT USAGE ON SCHEMA public TO aura_app, aura_auth_lookup")
    op.execute(
        """
        CREATE FUNCTION aura_current_firm() RETURNS uuid LANGUAGE sql STABLE AS
        $$ SELECT nullif(current_setting('aura.firm_id', true), '')::uuid $$;
        CREATE FUNCTION aura_is_system() RETURNS boolean LANGUAGE sql STABLE AS
        $$ SELECT coalesce(current_setting('aura.system', true), '') = 'on' $$;
        """
    )

    for table in DML_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO aura_app")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute("GRANT SELECT, INSERT ON audit_log TO aura_app")
    op.execute("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE audit_log FORCE ROW LEVEL SECURITY")
    op.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO aura_app")

    op.execute("CREATE POLICY tenant ON firms USING (id = aura_current_firm()) WITH CHECK (id = aura_current_firm())")
    for table in FIRM_TABLES:
        op.execute(
            f"CREATE POLICY tenant ON {table} "
            "USING (firm_id = aura_current_firm()) WITH CHECK (firm_id = aura_current_firm())"
        )
    for table in SYSTEM_TABLES:
        op.execute(f"CREATE POLICY system_only ON {table} USING (aura_is_system()) WITH CHECK (aura_is_system())")
    # Events are written inside a firm's transaction; only the relay (system scope) reads them back.
    op.execute(
        "CREATE POLICY write_own ON outbox FOR INSERT WITH CHECK (firm_id IS NULL OR firm_id = aura_current_firm())"
    )
    op.execute(
        "CREATE POLICY tenant ON inbox USING (firm_id IS NOT DISTINCT FROM aura_current_firm() OR aura_is_system()) "
        "WITH CHECK (firm_id IS NOT DISTINCT FROM aura_current_firm() OR aura_is_system())"
    )
    op.execute(
        "CREATE POLICY tenant ON audit_log "
        "USING (firm_id = aura_current_firm() OR (firm_id IS NULL AND aura_is_system())) "
        "WITH CHECK (firm_id = aura_current_firm() OR (firm_id IS NULL AND aura_current_firm() IS NULL))"
    )

    # Pre-firm look-ups.
    op.execute("GRANT SELECT (id, firm_id, email, entra_object_id) ON users TO aura_auth_lookup")
    op.execute("GRANT SELECT (id, firm_id, token_hash) ON invitations, password_resets TO aura_auth_lookup")
    op.execute("GRANT SELECT (chain, chain_seq, hash) ON audit_log TO aura_auth_lookup")
    for table in ("users", "invitations", "password_resets", "audit_log"):
        op.execute(f"CREATE POLICY auth_lookup ON {table} FOR SELECT TO aura_auth_lookup USING (true)")
    for signature, (returns, body) in LOOKUP_FUNCTIONS.items():
        name = signature.split("(")[0]
        arg_type = "text"
        op.execute(
            f"CREATE FUNCTION {signature} RETURNS {returns} LANGUAGE sql STABLE SECURITY DEFINER "
            f"SET search_path = public, pg_temp AS $$ {body} $$"
        )
        op.execute(f"ALTER FUNCTION {name}({arg_type}) OWNER TO aura_auth_lookup")
        op.execute(f"REVOKE ALL ON FUNCTION {name}({arg_type}) FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {name}({arg_type}) TO aura_app")

    # The audit chain's head, read under a transaction-scoped lock so appends serialize per chain.
    # A session may only ask for its own chain: its firm's, or the platform chain when no firm is set.
    op.execute(
        """
        CREATE FUNCTION aura_audit_head(p_chain text) RETURNS TABLE(chain_seq bigint, hash text)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
          IF p_chain <> coalesce(aura_current_firm()::text, 'platform') THEN
            RAISE EXCEPTION 'audit chain % is not this session''s chain', p_chain USING ERRCODE = '42501';
          END IF;
          PERFORM pg_advisory_xact_lock(hashtextextended('aura_audit:' || p_chain, 0));
          RETURN QUERY SELECT a.chain_seq, a.hash::text FROM audit_log a
            WHERE a.chain = p_chain ORDER BY a.chain_seq DESC LIMIT 1;
        END $$;
        ALTER FUNCTION aura_audit_head(text) OWNER TO aura_auth_lookup;
        REVOKE ALL ON FUNCTION aura_audit_head(text) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION aura_audit_head(text) TO aura_app;

        CREATE FUNCTION aura_audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
        END $$;
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
          FOR EACH ROW EXECUTE FUNCTION aura_audit_log_is_append_only();
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
          FOR EACH STATEMENT EXECUTE FUNCTION aura_audit_log_is_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS aura_audit_log_is_append_only()")
    op.execute("DROP FUNCTION IF EXISTS aura_audit_head(text)")
    for signature in LOOKUP_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature.split('(')[0]}(text)")
    for table in (*DML_TABLES, "audit_log"):
        op.execute(f"DROP POLICY IF EXISTS tenant ON {table}")
        op.execute(f"DROP POLICY IF EXISTS system_only ON {table}")
        op.execute(f"DROP POLICY IF EXISTS auth_lookup ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM aura_app")
    op.execute("DROP POLICY IF EXISTS write_own ON outbox")
    op.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM aura_auth_lookup")
    op.execute("DROP FUNCTION IF EXISTS aura_is_system()")
    op.execute("DROP FUNCTION IF EXISTS aura_current_firm()")
