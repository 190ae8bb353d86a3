"""The tests hash passwords cheaply (tests/conftest.py sets AURA_ARGON2_*); these tests make sure that
shortcut never reaches production: the settings' defaults are OWASP's recommended argon2id configuration,
the Function Apps set nothing that lowers them, a deployed environment refuses less, and a hash made with
production settings carries that cost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY
from pydantic import ValidationError

from shared.auth.passwords import hash_password, needs_rehash, verify_password
from shared.settings import Settings, get_settings
from tests.infra.terraform import module_locals

pytestmark = pytest.mark.unit

COST_SETTINGS = ("AURA_ARGON2_TIME_COST", "AURA_ARGON2_MEMORY_KIB", "AURA_ARGON2_PARALLELISM")
PASSWORD = "correct horse battery staple"
PRODUCTION_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"


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


def test_production_settings_have_owasps_recommended_cost(production: Settings) -> None:
    # OWASP Password Storage Cheat Sheet: argon2id with 19 MiB of memory, 2 iterations, 1 degree of parallelism.
    assert production.environment == "prod"
    assert production.argon2_time_cost == 2
    assert production.argon2_memory_kib == 19 * 1024
    assert production.argon2_parallelism == 1


@pytest.mark.parametrize("environment", ["local", "dev", "prod"])
@pytest.mark.parametrize(
    ("time_cost", "memory_kib"),
    [("1", "8"), ("1", "19456"), ("4", "6144"), ("3", "9216")],
)
def test_outside_the_tests_a_cost_below_owasps_minimum_is_refused(
    monkeypatch: pytest.MonkeyPatch, environment: str, time_cost: str, memory_kib: str
) -> None:
    monkeypatch.setenv("AURA_ENVIRONMENT", environment)
    monkeypatch.setenv("AURA_ARGON2_TIME_COST", time_cost)
    monkeypatch.setenv("AURA_ARGON2_MEMORY_KIB", memory_kib)
    with pytest.raises(ValidationError, match="below OWASP's argon2id minimum"):
        Settings()


@pytest.mark.parametrize(("time_cost", "memory_kib"), [("1", "47104"), ("2", "19456"), ("3", "12288"), ("5", "7168")])
def test_each_of_owasps_equivalent_configurations_is_accepted_in_production(
    monkeypatch: pytest.MonkeyPatch, time_cost: str, memory_kib: str
) -> None:
    monkeypatch.setenv("AURA_ENVIRONMENT", "prod")
    monkeypatch.setenv("AURA_ARGON2_TIME_COST", time_cost)
    monkeypatch.setenv("AURA_ARGON2_MEMORY_KIB", memory_kib)
    assert Settings().argon2_memory_kib == int(memory_kib)


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
        # A cost other than the settings' is rehashed at the next sign-in, and every kind still verifies: a
        # hash made under the former default (RFC 9106's low-memory profile) keeps working.
        assert needs_rehash(cheap)
        assert verify_password(cheap, PASSWORD)
        former = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(PASSWORD)
        assert former.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert verify_password(former, PASSWORD)
        assert needs_rehash(former)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
