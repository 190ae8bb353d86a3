"""Tenancy is enforced by PostgreSQL, not by the application's WHERE clauses.

Connected as the application role, a session for firm A cannot read, update or delete firm B's rows,
even with hand-written SQL; a session with no firm set sees no firm rows. Every statement here is raw
SQL on the application engine (which runs as aura_app), or on a second login that is merely a
member of aura_app, so no ORM filter or service check can be what keeps the firms apart.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.support import FirmAdmin, add_user, create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

FIRM_TABLES = ("firms", "users", "refresh_tokens", "invitations", "password_resets", "jobs", "audit_log")
SYSTEM_TABLES = ("outbox", "local_deliveries", "rate_limits")
INSUFFICIENT_PRIVILEGE = "42501"


def _libpq(url: str, **parts: Any) -> str:
    return make_url(url).set(drivername="postgresql", **parts).render_as_string(hide_password=False)


@dataclass
class Tenant:
    admin: FirmAdmin
    staff_id: str

    @property
    def firm_id(self) -> uuid.UUID:
        return self.admin.firm_id


def _populate(name: str) -> Tenant:
    """A firm with a row in every firm-owned table: users, refresh tokens, invitations, resets, jobs."""
    from shared.db.uow import UnitOfWork
    from shared.jobs import create_job

    admin = create_firm(name)
    token = token_for(admin.email)  # a refresh token and audit records
    staff_id, _ = add_user(token, "staff")
    reply = request(
        "POST",
        "invitations",
        json_body={"email": f"invitee-{uuid.uuid4().hex[:8]}@example.com", "roles": ["senior"]},
        token=token,
    )
    assert reply.status == 201, reply.body
    reply = request("POST", "auth/password-reset", json_body={"email": admin.email})
    assert reply.status == 202, reply.body
    with UnitOfWork(firm_id=admin.firm_id, user_id=admin.user_id) as uow:
        create_job(uow, kind="rls.probe", created_by=admin.user_id)
        uow.commit()
    return Tenant(admin, staff_id)


@pytest.fixture(scope="module")
def firms() -> tuple[Tenant, Tenant]:
    return _populate("Firm A CPA"), _populate("Firm B CPA")


@pytest.fixture(scope="module")
def owner_url(database: str) -> str:
    return _libpq(database)


def _owner_count(owner_url: str, table: str, firm_id: uuid.UUID) -> int:
    """Rows of a firm as the owner (a superuser here, so unfiltered): the ground truth."""
    column = "id" if table == "firms" else "firm_id"
    with psycopg.connect(owner_url) as connection:
        query = sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(sql.Identifier(table), sql.Identifier(column))
        row = connection.execute(query, (firm_id,)).fetchone()
        assert row is not None
        return int(row[0])


@contextmanager
def app_session(firm_id: uuid.UUID | None = None, *, system: bool = False) -> Iterator[Connection]:
    """A transaction on the application engine, with the tenant settings the unit of work would set.
    Always rolled back: nothing a test tries here may stick."""
    from shared.db.engine import get_engine

    with get_engine().connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(
                text("SELECT set_config('aura.firm_id', :firm, true), set_config('aura.system', :system, true)"),
                {"firm": str(firm_id) if firm_id else "", "system": "on" if system else ""},
            )
            yield connection
        finally:
            transaction.rollback()


def _firm_ids(connection: Connection, table: str) -> set[uuid.UUID]:
    column = "id" if table == "firms" else "firm_id"
    return {row[0] for row in connection.execute(text(f"SELECT {column} FROM {table}"))}


def _count(connection: Connection, table: str) -> int:
    return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _assert_denied(error: pytest.ExceptionInfo[DBAPIError], *fragments: str) -> None:
    message = str(error.value.orig)
    assert getattr(error.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, message
    for fragment in fragments:
        assert fragment in message, message


# --- the data is there, so "no rows" below is a real refusal ------------------------------------------


def test_both_firms_have_rows_in_every_firm_owned_table(firms: tuple[Tenant, Tenant], owner_url: str) -> None:
    for tenant in firms:
        for table in FIRM_TABLES:
            assert _owner_count(owner_url, table, tenant.firm_id) >= 1, (table, tenant.firm_id)


# --- reading ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", FIRM_TABLES)
def test_firm_session_reads_only_its_own_rows(firms: tuple[Tenant, Tenant], owner_url: str, table: str) -> None:
    a, b = firms
    with app_session(a.firm_id) as connection:
        seen = _firm_ids(connection, table)
        assert seen == {a.firm_id}
        assert _count(connection, table) == _owner_count(owner_url, table, a.firm_id)
        column = "id" if table == "firms" else "firm_id"
        asked = connection.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = :b"), {"b": b.firm_id})
        assert asked.scalar_one() == 0


def test_firm_session_cannot_find_another_firms_user_by_id_or_email(firms: tuple[Tenant, Tenant]) -> None:
    a, b = firms
    with app_session(a.firm_id) as connection:
        by_id = connection.execute(text("SELECT * FROM users WHERE id = :id"), {"id": b.admin.user_id}).all()
        by_email = connection.execute(
            text("SELECT password_hash FROM users WHERE email = :email"), {"email": b.admin.email}
        ).all()
        assert by_id == []
        assert by_email == []


@pytest.mark.parametrize("table", SYSTEM_TABLES)
def test_firm_session_cannot_read_system_tables(firms: tuple[Tenant, Tenant], table: str) -> None:
    a, _ = firms
    with app_session(a.firm_id) as connection:
        assert _count(connection, table) == 0
    with app_session(system=True) as connection:
        if table == "outbox":  # firm.created / user.created events were written for both firms
            assert _count(connection, table) >= 2


@pytest.mark.parametrize("table", FIRM_TABLES)
def test_session_with_no_firm_sees_no_firm_rows(firms: tuple[Tenant, Tenant], owner_url: str, table: str) -> None:
    a, b = firms
    assert _owner_count(owner_url, table, a.firm_id) + _owner_count(owner_url, table, b.firm_id) >= 2
    with app_session() as connection:
        assert _count(connection, table) == 0


@pytest.mark.parametrize("table", FIRM_TABLES)
def test_system_scope_without_firm_sees_no_firm_rows(firms: tuple[Tenant, Tenant], table: str) -> None:
    with app_session(system=True) as connection:
        column = "id" if table == "firms" else "firm_id"
        assert connection.execute(text(f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL")).scalar_one() == 0


# --- writing ----------------------------------------------------------------------------------------


def test_update_of_another_firms_rows_affects_nothing(firms: tuple[Tenant, Tenant], owner_url: str) -> None:
    a, b = firms
    with app_session(a.firm_id) as connection:
        targeted = connection.execute(text("UPDATE users SET display_name = 'x' WHERE firm_id = :b"), {"b": b.firm_id})
        assert targeted.rowcount == 0
        by_id = connection.execute(text("UPDATE users SET is_active = false WHERE id = :id"), {"id": b.admin.user_id})
        assert by_id.rowcount == 0
        everything = connection.execute(text("UPDATE users SET display_name = 'x'"))
        assert everything.rowcount == _owner_count(owner_url, "users", a.firm_id)
        firm = connection.execute(text("UPDATE firms SET name = 'stolen' WHERE id = :b"), {"b": b.firm_id})
        assert firm.rowcount == 0


def test_delete_of_another_firms_rows_affects_nothing(firms: tuple[Tenant, Tenant]) -> None:
    a, b = firms
    with app_session(a.firm_id) as connection:
        for table in ("refresh_tokens", "invitations", "password_resets", "jobs"):
            deleted = connection.execute(text(f"DELETE FROM {table} WHERE firm_id = :b"), {"b": b.firm_id})
            assert deleted.rowcount == 0, table
        deleted = connection.execute(text("DELETE FROM users WHERE firm_id = :b"), {"b": b.firm_id})
        assert deleted.rowcount == 0
        deleted = connection.execute(text("DELETE FROM firms WHERE id = :b"), {"b": b.firm_id})
        assert deleted.rowcount == 0


def test_insert_into_another_firm_is_refused(firms: tuple[Tenant, Tenant]) -> None:
    a, b = firms
    with app_session(a.firm_id) as connection, pytest.raises(DBAPIError) as error:
        connection.execute(
            text(
                "INSERT INTO users (id, firm_id, email, roles) VALUES (:id, :b, :email, ARRAY['firm_admin']::varchar[])"
            ),
            {"id": uuid.uuid4(), "b": b.firm_id, "email": f"intruder-{uuid.uuid4().hex[:8]}@example.com"},
        )
    _assert_denied(error, "row-level security", "users")


def test_moving_an_own_row_into_another_firm_is_refused(firms: tuple[Tenant, Tenant]) -> None:
    a, b = firms
    with app_session(a.firm_id) as connection, pytest.raises(DBAPIError) as error:
        connection.execute(
            text("UPDATE users SET firm_id = :b WHERE id = :id"), {"b": b.firm_id, "id": a.admin.user_id}
        )
    _assert_denied(error, "row-level security")


def test_session_with_no_firm_cannot_insert_firm_rows(firms: tuple[Tenant, Tenant]) -> None:
    a, _ = firms
    with app_session() as connection, pytest.raises(DBAPIError) as error:
        connection.execute(
            text("INSERT INTO jobs (id, firm_id, kind) VALUES (:id, :a, 'rls.probe')"),
            {"id": uuid.uuid4(), "a": a.firm_id},
        )
    _assert_denied(error, "row-level security")


# --- the role itself --------------------------------------------------------------------------------


def test_app_role_owns_nothing_and_cannot_bypass_rls() -> None:
    with app_session() as connection:
        assert connection.execute(text("SELECT current_user")).scalar_one() == "aura_app"
        role = connection.execute(
            text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'aura_app'")
        ).one()
        assert tuple(role) == (False, False, False, False)
        owned_tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE tableowner IN ('aura_app', current_user)")
        ).all()
        assert owned_tables == []
        owned_anything = connection.execute(
            text("SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = 'aura_app')")
        ).all()
        assert owned_anything == []


def test_every_public_table_has_forced_row_level_security() -> None:
    """Enumerated from the catalog, so a table added later cannot escape."""
    with app_session() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version' "
                "ORDER BY c.relname"
            )
        ).all()
    tables = {row.relname for row in rows}
    assert set(FIRM_TABLES) | set(SYSTEM_TABLES) | {"inbox"} <= tables
    unprotected = [row.relname for row in rows if not (row.relrowsecurity and row.relforcerowsecurity)]
    assert unprotected == [], f"tables without ENABLE + FORCE ROW LEVEL SECURITY: {unprotected}"


def test_app_role_cannot_switch_row_level_security_off() -> None:
    with app_session() as connection, pytest.raises(DBAPIError) as error:
        connection.execute(text("ALTER TABLE users NO FORCE ROW LEVEL SECURITY"))
    _assert_denied(error, "must be owner")


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"])
def test_app_role_cannot_change_audit_records_even_of_its_own_firm(
    firms: tuple[Tenant, Tenant], statement: str
) -> None:
    a, _ = firms
    with app_session(a.firm_id) as connection:
        assert _count(connection, "audit_log") >= 1
    with app_session(a.firm_id) as connection, pytest.raises(DBAPIError) as error:
        connection.execute(text(statement))
    _assert_denied(error, "permission denied", "audit_log")


def test_audit_head_of_another_firms_chain_is_refused(firms: tuple[Tenant, Tenant]) -> None:
    a, b = firms
    with app_session(a.firm_id) as connection:
        own = connection.execute(text("SELECT chain_seq FROM aura_audit_head(:chain)"), {"chain": str(a.firm_id)})
        assert own.scalar_one() >= 1
    with app_session(a.firm_id) as connection, pytest.raises(DBAPIError) as error:
        connection.execute(text("SELECT * FROM aura_audit_head(:chain)"), {"chain": str(b.firm_id)})
    _assert_denied(error, "not this session's chain")
    with app_session() as connection, pytest.raises(DBAPIError) as error:
        connection.execute(text("SELECT * FROM aura_audit_head(:chain)"), {"chain": str(b.firm_id)})
    _assert_denied(error, "not this session's chain")


def test_auth_look_up_returns_only_ids(firms: tuple[Tenant, Tenant]) -> None:
    _, b = firms
    with app_session() as connection:
        result = connection.execute(text("SELECT * FROM aura_auth_find_user(:email)"), {"email": b.admin.email.upper()})
        assert list(result.keys()) == ["user_id", "firm_id"]
        assert [tuple(row) for row in result] == [(b.admin.user_id, b.firm_id)]
        # The look-up does not open the table: the user's row stays invisible.
        assert _count(connection, "users") == 0


# --- a second login that is only a member of aura_app --------------------------------------------------


@pytest.fixture(scope="module")
def probe_url(owner_url: str) -> Iterator[str]:
    """A LOGIN role that is a member of aura_app (as the Function App's managed identity would be)."""
    name = f"aura_rls_probe_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(owner_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
        connection.execute(sql.SQL("GRANT aura_app TO {}").format(sql.Identifier(name)))
    try:
        yield _libpq(owner_url, username=name, password=None)
    finally:
        with psycopg.connect(owner_url, autocommit=True) as connection:
            connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
            left = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            assert left is None


def _probe_ids(connection: psycopg.Connection[Any], firm_id: uuid.UUID | None, table: str) -> set[Any]:
    column = "id" if table == "firms" else "firm_id"
    with connection.transaction():
        connection.execute("SELECT set_config('aura.firm_id', %s, true)", (str(firm_id) if firm_id else "",))
        rows = connection.execute(sql.SQL("SELECT {} FROM {}").format(sql.Identifier(column), sql.Identifier(table)))
        return {row[0] for row in rows}


def test_member_login_is_isolated_without_set_role(firms: tuple[Tenant, Tenant], probe_url: str) -> None:
    a, b = firms
    with psycopg.connect(probe_url, autocommit=True) as connection:
        user, superuser, bypass = connection.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone() or (None, None, None)
        assert user == make_url(probe_url).username
        assert (superuser, bypass) == (False, False)
        for table in FIRM_TABLES:
            assert _probe_ids(connection, a.firm_id, table) == {a.firm_id}, table
            assert _probe_ids(connection, b.firm_id, table) == {b.firm_id}, table
            assert _probe_ids(connection, None, table) == set(), table
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), connection.transaction():
            connection.execute("SELECT set_config('aura.firm_id', %s, true)", (str(a.firm_id),))
            connection.execute(
                "INSERT INTO users (id, firm_id, email, roles) VALUES (%s, %s, %s, ARRAY['staff']::varchar[])",
                (uuid.uuid4(), b.firm_id, f"probe-{uuid.uuid4().hex[:8]}@example.com"),
            )
        with connection.transaction():
            connection.execute("SELECT set_config('aura.firm_id', %s, true)", (str(a.firm_id),))
            cursor = connection.execute("DELETE FROM users WHERE firm_id = %s", (b.firm_id,))
            assert cursor.rowcount == 0
            cursor = connection.execute("UPDATE users SET display_name = 'x' WHERE firm_id = %s", (b.firm_id,))
            assert cursor.rowcount == 0
            raise psycopg.Rollback()


@pytest.mark.parametrize("role", ["aura_auth_lookup", "postgres"])
def test_member_login_cannot_become_a_more_powerful_role(probe_url: str, role: str) -> None:
    with (
        psycopg.connect(probe_url, autocommit=True) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"),
    ):
        connection.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))


def test_app_role_cannot_become_the_look_up_role(probe_url: str) -> None:
    """The application role proper (SET ROLE aura_app first, as the engine does) is refused too."""
    with psycopg.connect(probe_url, autocommit=True) as connection:
        connection.execute("SET ROLE aura_app")
        row = connection.execute("SELECT current_user").fetchone()
        assert row is not None and row[0] == "aura_app"
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            connection.execute("SET ROLE aura_auth_lookup")
