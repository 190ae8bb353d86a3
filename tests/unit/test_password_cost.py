"""The tests hash passwords cheaply (tests/conftest.py sets AURA_ARGON2_*); these tests make sure that
shortcut never reaches production: the settings' defaults are RFC 9106's profile, the Function Apps set
nothing that lowers them, and a hash made with production settings carries that cost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY

from shared.auth.passwords import hash_password, needs_rehash, verify_password
from shared.settings import Settings, get_settings
from tests.infra.terraform import module_locals

pytestmark = pytest.mark.unit

COST_SETTINGS = ("AURA_ARGON2_TIME_COST", "AURA_ARGON2_MEMORY_KIB", "AURA_ARGON2_PARALLELISM")
PASSWORD = "correct horse battery staple"
PRODUCTION_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The process's settings as a Function App in prod has them: no AURA_ARGON2_* in its environment."""
    for name in COST_SETTINGS:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AURA_ENVIRONMENT", "prod")
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_production_settings_have_the_rfc_9106_low_memory_cost(production: Settings) -> None:
    assert production.environment == "prod"
    assert production.argon2_time_cost == RFC_9106_LOW_MEMORY.time_cost == 3
    assert production.argon2_memory_kib == RFC_9106_LOW_MEMORY.memory_cost == 64 * 1024
    assert production.argon2_parallelism == RFC_9106_LOW_MEMORY.parallelism == 4


def test_a_password_hashed_in_production_carries_the_strong_cost(production: Settings) -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith(PRODUCTION_PREFIX)
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "!")
    assert not needs_rehash(hashed)


def test_the_function_apps_set_no_password_cost_so_they_keep_the_defaults() -> None:
    app_settings = {**module_locals("")["common_app_settings"], **module_locals("function_app")["app_settings"]}
    assert "AURA_ENVIRONMENT" in app_settings  # the right settings were read
    assert [name for name in app_settings if name.startswith("AURA_ARGON2_")] == []


def test_the_tests_hash_cheaply_and_a_cheap_hash_is_rehashed_under_production_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap = hash_password(PASSWORD)
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert verify_password(cheap, PASSWORD)
    for name in COST_SETTINGS:
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    try:
        # A lower cost than the settings' is upgraded at the next sign-in, and both kinds still verify.
        assert needs_rehash(cheap)
        assert verify_password(cheap, PASSWORD)
        assert verify_password(PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(PASSWORD), PASSWORD)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
