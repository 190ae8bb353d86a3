"""The SQLAlchemy engine, built lazily and cached so importing the app does no I/O.

Every pooled connection switches to the application role (APP_ROLE), which owns no table,
so row-level security applies to everything the app does. In Azure the login is the Function App's
managed identity (a member of that role) and its password is a short-lived Entra ID token.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from shared.errors import ConfigurationError
from shared.settings import Settings, get_settings

APP_ROLE = "aura_app"
ENTRA_DB_SCOPE = "https://ossrdbms-aad.database.windows.net/.default"
_TOKEN_REFRESH_MARGIN_SECONDS = 300
# A pooled connection idle longer than this is pinged before it is handed out; one in steady use is not.
IDLE_PING_SECONDS = 10.0


def normalize_url(url: str) -> str:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// alike; the driver is psycopg 3."""
    if not url:
        raise ConfigurationError("DATABASE_URL is not set")
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if not parsed.drivername.startswith("postgresql"):
        raise ConfigurationError("DATABASE_URL must point to PostgreSQL")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


class EntraTokenProvider:
    """Caches an Entra ID access token for PostgreSQL and renews it five minutes before expiry."""

    def __init__(self, credential: Any | None = None) -> None:
        self._credential = credential
        self._token: str = ""
        self._expires_on = 0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if time.time() > self._expires_on - _TOKEN_REFRESH_MARGIN_SECONDS:
                if self._credential is None:
                    from azure.identity import DefaultAzureCredential

                    self._credential = DefaultAzureCredential()
                token = self._credential.get_token(ENTRA_DB_SCOPE)
                self._token, self._expires_on = token.token, token.expires_on
            return self._token


def build_engine(
    url: str,
    *,
    app_role: str | None,
    pool_size: int = 5,
    max_overflow: int = 5,
    token_provider: EntraTokenProvider | None = None,
) -> Engine:
    """An engine whose connections run as `app_role` (None: as the login itself, for migrations)."""
    engine = create_engine(
        normalize_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        connect_args={"connect_timeout": 10, "application_name": "aura"},
    )
    _ping_when_idle(engine)
    if token_provider is not None:

        @event.listens_for(engine, "do_connect")
        def _entra_password(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> None:
            cparams["password"] = token_provider()

    if app_role:
        role = app_role

        @event.listens_for(engine, "connect")
        def _switch_role(dbapi_connection: Any, connection_record: Any) -> None:
            from psycopg import sql

            with dbapi_connection.cursor() as cursor:
                cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
            dbapi_connection.commit()

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling for connections that sat idle, instead of pool_pre_ping on every
    checkout: under load the pre-ping was one database round trip in every unit of work (about 8% of
    the served process's samples in `make bench-load`), for connections used milliseconds before. A
    connection idle past IDLE_PING_SECONDS (a restarted server, a dropped socket) is still pinged, and a
    dead one is replaced before anyone gets it."""

    @event.listens_for(engine, "checkin")
    def _idle_since(dbapi_connection: Any, connection_record: Any) -> None:
        connection_record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        idle_since = connection_record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return  # new, or used moments ago
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as exc:
            # The pool discards this connection and checks out another (SQLAlchemy's documented contract).
            raise DisconnectionError(str(exc)) from exc


def engine_from_settings(settings: Settings) -> Engine:
    return build_engine(
        settings.database_url,
        app_role=APP_ROLE,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        token_provider=EntraTokenProvider() if settings.db_entra_auth else None,
    )


@functools.cache
def get_engine() -> Engine:
    """The process-wide application engine."""
    return engine_from_settings(get_settings())


@functools.cache
def get_session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=True)


def reset_engine() -> None:
    """Forget the cached engine (tests and the CLI switch databases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_session_factory.cache_clear()
