"""The ORM models and the migrated schema agree, and the migrations go down and up again cleanly."""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

import shared.db
from shared.db.engine import normalize_url
from shared.db.migrate import alembic_config, downgrade, upgrade
from shared.db.models_ingestion import is_declared

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def model_metadata() -> MetaData:
    """Base.metadata with every model module loaded (shared/db/models.py and models_*.py beside it)."""
    for module in pkgutil.iter_modules(shared.db.__path__):
        if module.name == "models" or module.name.startswith("models_"):
            importlib.import_module(f"shared.db.{module.name}")
    from shared.db.models import Base

    return Base.metadata


def schema_differences(url: str) -> list[Any]:
    engine = create_engine(normalize_url(url), poolclass=NullPool)  # as the owner, not aura_app
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "compare_server_default": True, "include_object": is_declared},
            )
            return list(compare_metadata(context, model_metadata()))
    finally:
        engine.dispose()


def scalar_rows(url: str, query: str) -> list[Any]:
    engine = create_engine(normalize_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text(query))]
    finally:
        engine.dispose()


PUBLIC_TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
)
UNPROTECTED_TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version' "
    "AND NOT (c.relrowsecurity AND c.relforcerowsecurity) ORDER BY 1"
)
AURA_FUNCTIONS = (
    "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public' AND p.proname LIKE 'aura\\_%' ORDER BY 1"
)


def test_models_match_the_migrated_schema(database: str) -> None:
    differences = schema_differences(database)
    assert differences == [], "the ORM models and the migrations disagree:\n" + "\n".join(map(str, differences))


def test_the_test_database_is_at_the_single_head(database: str) -> None:
    heads = ScriptDirectory.from_config(alembic_config(database)).get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    assert scalar_rows(database, "SELECT version_num FROM alembic_version") == heads


@pytest.fixture
def fresh_database(database: str) -> Iterator[str]:
    from aura_local.database import create_database, drop_database

    server = make_url(database).set(database="postgres").render_as_string(hide_password=False)
    name = f"aura_migrations_{uuid.uuid4().hex[:12]}"
    url = create_database(server, name, exist_ok=False)
    try:
        yield url
    finally:
        drop_database(server, name)
        assert scalar_rows(server, f"SELECT datname FROM pg_database WHERE datname = '{name}'") == []


def test_downgrade_to_base_and_upgrade_again(fresh_database: str) -> None:
    upgrade(fresh_database)
    tables_at_head = scalar_rows(fresh_database, PUBLIC_TABLES)
    functions_at_head = scalar_rows(fresh_database, AURA_FUNCTIONS)
    assert {"users", "firms", "audit_log", "jobs", "outbox"} <= set(tables_at_head)
    assert "aura_current_firm" in functions_at_head

    downgrade(fresh_database, "base")
    assert scalar_rows(fresh_database, PUBLIC_TABLES) == ["alembic_version"]
    assert scalar_rows(fresh_database, "SELECT version_num FROM alembic_version") == []
    assert scalar_rows(fresh_database, AURA_FUNCTIONS) == []

    upgrade(fresh_database)
    assert scalar_rows(fresh_database, PUBLIC_TABLES) == tables_at_head
    assert scalar_rows(fresh_database, AURA_FUNCTIONS) == functions_at_head
    assert scalar_rows(fresh_database, UNPROTECTED_TABLES) == []
    assert schema_differences(fresh_database) == []


def test_upgrade_is_safe_to_run_again(fresh_database: str) -> None:
    upgrade(fresh_database)
    upgrade(fresh_database)
    assert scalar_rows(fresh_database, UNPROTECTED_TABLES) == []
