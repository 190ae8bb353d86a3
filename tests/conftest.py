"""Test-wide setup: settings for tests, and one fresh database per run (dropped at the end)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_STATE = Path(tempfile.mkdtemp(prefix="aura-test-"))
# Registered first, so it runs last: after an embedded PostgreSQL (if one was started) has stopped.
atexit.register(shutil.rmtree, _STATE, ignore_errors=True)
os.environ.update(
    {
        "AURA_ENVIRONMENT": "test",
        "AURA_JWT_SECRET": "test-secret-" + "x" * 40,
        "AURA_LOCAL_STORAGE_DIR": str(_STATE / "blobs"),
        "AURA_LOCAL_MAIL_DIR": str(_STATE / "mail"),
        "AURA_CAPABILITIES": "all",
        "AURA_BUS_TRANSPORT": "local",
        "AURA_LOG_LEVEL": "WARNING",
        # The cheapest argon2id: the tests hash thousands of passwords, each 0.1 s or more at production cost.
        # tests/unit/test_password_cost.py proves production keeps the strong cost.
        "AURA_ARGON2_TIME_COST": "1",
        "AURA_ARGON2_MEMORY_KIB": "8",
        "AURA_ARGON2_PARALLELISM": "1",
    }
)


@pytest.fixture(scope="session")
def mail_dir() -> Path:
    return _STATE / "mail"


@pytest.fixture(scope="session")
def database() -> Iterator[str]:
    """A new database for this test run, migrated as the owner; the app connects as aura_app."""
    from aura_local.database import create_database, drop_database, server_url
    from shared.db.engine import reset_engine
    from shared.db.migrate import upgrade
    from shared.settings import get_settings

    explicit = os.environ.get("DATABASE_URL")
    server = server_url(_STATE)
    name = f"aura_test_{uuid.uuid4().hex[:12]}"
    url = create_database(server, name, exist_ok=False)
    try:
        upgrade(url)
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        reset_engine()
        yield url
    finally:
        reset_engine()
        drop_database(server, name)
        os.environ.pop("DATABASE_URL", None)
        if explicit:
            os.environ["DATABASE_URL"] = explicit
        get_settings.cache_clear()
