"""Support for tests that run the app on a real PostgreSQL and through the local host.

`fresh_database()` creates an empty database, migrates it (roles, row-level security and all) and
points the app's settings and engine at it; it drops the database afterwards. `running_server()`
serves a LocalHost on a free port with a real uvicorn, background loop included.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from aura_local.host import LocalHost, build_server
from shared.db.engine import reset_engine
from shared.db.migrate import upgrade
from shared.db.models import Firm
from shared.db.uow import UnitOfWork
from shared.settings import get_settings

# The server the test databases are created on; its user must be allowed to create databases.
ADMIN_URL = os.environ.get("AURA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_JWT_SECRET = "local-host-tests-secret-" + "x" * 16
SERVER_START_TIMEOUT_SECONDS = 15.0


def _admin_execute(statement: sql.Composed) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as connection:
        connection.execute(statement)


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A migrated database of its own, with DATABASE_URL and the app's engine pointing at it."""
    name = f"aura_t_{secrets.token_hex(6)}"
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "AURA_JWT_SECRET")}
    _admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        upgrade(url)
        os.environ["DATABASE_URL"] = url
        os.environ["AURA_JWT_SECRET"] = TEST_JWT_SECRET
        get_settings.cache_clear()
        reset_engine()
        yield url
    finally:
        reset_engine()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        _admin_execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh database for the test module (import this fixture into the module to use it)."""
    with fresh_database() as url:
        yield url


def create_firm(name: str = "Test firm") -> uuid.UUID:
    firm_id = uuid.uuid4()
    with UnitOfWork(firm_id=firm_id) as uow:
        uow.session.add(Firm(id=firm_id, name=name))
        uow.commit()
    return firm_id


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(local_host: LocalHost) -> Iterator[str]:
    """Serve `local_host` with uvicorn on a free port, background loop included; yields the base URL."""
    port = free_port()
    server = build_server(local_host, host="127.0.0.1", port=port, log_level="warning")
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SERVER_START_TIMEOUT_SECONDS)
        local_host.stop()
        if thread.is_alive():
            raise RuntimeError("uvicorn did not stop")


def wait_for(condition: Callable[[], object], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll `condition()` until it is true or `timeout` seconds pass; False when it never was."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
