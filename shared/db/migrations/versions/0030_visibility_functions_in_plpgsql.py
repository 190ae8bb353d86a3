"""The row-level-security visibility functions in PL/pgSQL, so their plans are cached per session (issue 18).

Every protected table's policy asks `... IN (SELECT aura_visible_engagements())` or
`aura_internal_engagements()`, and the clients policy and the firm-only tables ask `aura_current_client()`.
Those are SECURITY DEFINER functions with their own search_path, so PostgreSQL cannot inline them, and a
LANGUAGE sql function that is not inlined has its query parsed, analysed and planned again on every
statement that calls it (PostgreSQL 15: the plan lives only as long as the calling statement). That was
0.26-0.47 ms of PostgreSQL's CPU per call, about half of its CPU per request under load.

PL/pgSQL keeps each statement's plan for the session (a generic plan: the queries take no parameters), so
the same queries now cost their execution only. The queries are the ones of migration 0003 word for word,
run as before: STABLE (the calling statement's snapshot), as the owner aura_auth_lookup, with the same
search_path. CREATE OR REPLACE keeps each function's owner and grants (aura_app, and aura_partitioner on
aura_internal_engagements), and the policies are untouched. The downgrade puts the SQL bodies back.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEADER = "CREATE OR REPLACE FUNCTION {signature} RETURNS {returns} LANGUAGE {language} STABLE SECURITY DEFINER\n"
SEARCH_PATH = "SET search_path = public, pg_temp"

# The queries of migration 0003, unchanged (docs/audit-rules.md section 1).
CURRENT_CLIENT = "SELECT u.client_id FROM users u WHERE u.id = aura_current_user() AND u.firm_id = aura_current_firm()"
VISIBLE = """
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
"""
INTERNAL = "SELECT v FROM aura_visible_engagements() v WHERE aura_is_system() OR aura_current_client() IS NULL"

# (signature, return type, query). aura_internal_engagements calls the other two, so it is replaced last
# and restored first; each keeps its signature, so the order matters only for readability.
FUNCTIONS = (
    ("aura_current_client()", "uuid", CURRENT_CLIENT),
    ("aura_visible_engagements()", "SETOF uuid", VISIBLE),
    ("aura_internal_engagements()", "SETOF uuid", INTERNAL),
)


def _plpgsql(signature: str, returns: str, query: str) -> str:
    # A scalar query as a scalar subquery: NULL when it finds no row, as the SQL function returned.
    # users.id is the primary key, so it never finds two.
    body = f"RETURN QUERY {query};" if returns.startswith("SETOF") else f"RETURN ({query});"
    header = HEADER.format(signature=signature, returns=returns, language="plpgsql")
    return f"{header}{SEARCH_PATH} AS $$\nBEGIN\n  {body.strip()}\nEND $$"


def _sql(signature: str, returns: str, query: str) -> str:
    header = HEADER.format(signature=signature, returns=returns, language="sql")
    return f"{header}{SEARCH_PATH} AS $$\n  {query.strip()}\n$$"


def upgrade() -> None:
    for signature, returns, query in FUNCTIONS:
        op.execute(_plpgsql(signature, returns, query))


def downgrade() -> None:
    for signature, returns, query in reversed(FUNCTIONS):
        op.execute(_sql(signature, returns, query))
