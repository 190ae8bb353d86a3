"""The pool pings only connections that sat idle, and replaces a dead one before anyone gets it.

The server end of a pooled connection is terminated while it waits in the pool (a restarted or failed
over server, a dropped socket): the next unit of work must still get a working connection.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.db import engine as engine_module
from shared.db.engine import APP_ROLE, build_engine

pytestmark = pytest.mark.integration


def _terminate(database: str, pid: int) -> None:
    libpq = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        admin.execute("SELECT pg_sleep(0.1)")  # the backend is gone before the pool looks again


def _backend_pid(engine: object) -> int:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_an_idle_connection_whose_server_end_died_is_replaced_at_checkout(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
    engine = build_engine(database, app_role=APP_ROLE, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)
        _terminate(database, first)

        with engine.connect() as connection:
            role = connection.execute(text("SELECT current_user")).scalar_one()
            second = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first, "a new connection replaced the dead one"
        assert role == APP_ROLE, "and it runs as the application role like every pooled connection"
    finally:
        engine.dispose()


def test_a_connection_used_moments_ago_is_handed_out_without_a_ping(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 3600.0)
    engine = build_engine(database, app_role=APP_ROLE, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first, "the pool hands the same connection out again"
        _terminate(database, first)
        # Not pinged (it was used moments ago), so the dead connection surfaces at its first statement,
        # and the pool, told it was a disconnect, replaces it for the next checkout.
        with pytest.raises(Exception, match="terminat|closed|connection"), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
