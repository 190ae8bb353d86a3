"""Fixtures shared by integration tests: the app's storage switched to Azurite, the database owner's URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from shared.settings import get_settings
from shared.storage import get_storage
from tests.integration.azurite import azurite_blob


@pytest.fixture(scope="session")
def azurite_connection_string() -> Iterator[str]:
    with azurite_blob() as conn:
        yield conn


@pytest.fixture
def azure_storage(azurite_connection_string: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's storage switched to Azurite for one test, through the same settings Azure uses."""
    monkeypatch.setenv("AURA_STORAGE_BACKEND", "azure")
    monkeypatch.setenv("AURA_STORAGE_CONNECTION_STRING", azurite_connection_string)
    get_settings.cache_clear()
    get_storage.cache_clear()
    try:
        yield
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        get_storage.cache_clear()


@pytest.fixture(scope="module")
def owner_url(database: str) -> str:
    """The test database as its owner reaches it with psycopg: row-level security and triggers do not stop it."""
    return make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
