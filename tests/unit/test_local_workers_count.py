"""How many worker processes `aura serve` runs, and the database connections each gets."""

from __future__ import annotations

import os

import pytest

from aura_local import cli
from aura_local.workers import default_workers
from shared.settings import get_settings


def test_the_default_is_one_worker_per_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AURA_LOCAL_WORKERS", raising=False)
    assert default_workers() == len(os.sched_getaffinity(0))


def test_aura_local_workers_chooses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURA_LOCAL_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("AURA_LOCAL_WORKERS", "0")
    assert default_workers() == 1, "at least one"
    monkeypatch.setenv("AURA_LOCAL_WORKERS", "many")
    with pytest.raises(SystemExit, match="AURA_LOCAL_WORKERS must be a whole number"):
        default_workers()


@pytest.mark.parametrize(("workers", "each"), [(1, 10), (2, 5), (3, 4), (8, 2)])
def test_the_pool_of_10_plus_10_is_split_over_the_workers(
    monkeypatch: pytest.MonkeyPatch, workers: int, each: int
) -> None:
    monkeypatch.delenv("AURA_DB_POOL_SIZE", raising=False)
    monkeypatch.delenv("AURA_DB_MAX_OVERFLOW", raising=False)
    try:
        cli._pool_for_many_users(workers)
        settings = get_settings()
        assert (settings.db_pool_size, settings.db_max_overflow) == (each, each)
    finally:
        os.environ.pop("AURA_DB_POOL_SIZE", None)
        os.environ.pop("AURA_DB_MAX_OVERFLOW", None)
        get_settings.cache_clear()


def test_a_configured_pool_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURA_DB_POOL_SIZE", "7")
    monkeypatch.setenv("AURA_DB_MAX_OVERFLOW", "1")
    try:
        cli._pool_for_many_users(2)
        settings = get_settings()
        assert (settings.db_pool_size, settings.db_max_overflow) == (7, 1)
    finally:
        get_settings.cache_clear()
