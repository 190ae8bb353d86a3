"""The sign-in delay's arithmetic: four failures cost nothing, then each doubles the wait, never beyond the cap."""

from __future__ import annotations

import pytest

from functions.identity.login_throttle import ACCOUNT
from shared.rate_limit import Backoff

pytestmark = pytest.mark.unit


def test_from_the_fifth_failure_each_one_doubles_the_wait_up_to_fifteen_minutes() -> None:
    waits = [ACCOUNT.delay_after(n) for n in range(1, 17)]
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert ACCOUNT.delay_after(10_000) == 900


def test_a_backoff_cannot_remember_longer_than_its_rows_are_kept() -> None:
    with pytest.raises(ValueError, match="forget_after_seconds"):
        Backoff(scope="x", free=1, base_seconds=1, cap_seconds=10, forget_after_seconds=2 * 86400)
