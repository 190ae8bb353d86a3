"""The sliding window's arithmetic (shared/rate_limit.py), on a simulated clock and slices kept in memory.

The window is counted in slices; a hit is remembered until one window and one slice after its slice
began. What a user would check: no span of one window, wherever it starts, lets more than the limit
through, and Retry-After names the second an attempt is accepted again, not one sooner or later.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from shared import rate_limit
from shared.errors import TooManyRequests

pytestmark = pytest.mark.unit

LIMIT, WINDOW = 20, 600  # the per-source sign-in limit's figures
MARK = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # a multiple of 10 minutes: where a fixed window began


class Source:
    """One key's slices as the database would hold them, and the decision a sign-in makes on them."""

    def __init__(self) -> None:
        self.slices: Counter[datetime] = Counter()
        self.accepted: list[datetime] = []

    def counted(self, now: datetime) -> list[rate_limit.Slice]:
        since = rate_limit.counted_since(now, WINDOW)
        return [(start, hits) for start, hits in self.slices.items() if start >= since]

    def attempt(self, now: datetime) -> int | None:
        """None when accepted (and counted as a failure), else the Retry-After of the 429."""
        try:
            rate_limit.refuse_if_full(self.counted(now), limit=LIMIT, window_seconds=WINDOW, now=now)
        except TooManyRequests as refused:
            return refused.retry_after
        self.slices[rate_limit.slice_start(now, WINDOW)] += 1
        self.accepted.append(now)
        return None


def _most_in_any_window(times: list[datetime]) -> int:
    return max(sum(1 for t in times if start <= t < start + timedelta(seconds=WINDOW)) for start in times)


def test_a_ten_minute_window_is_counted_in_minutes_the_current_one_and_ten_before() -> None:
    now = MARK + timedelta(seconds=125.5)
    assert rate_limit.slice_seconds(WINDOW) == 60
    assert rate_limit.slice_start(now, WINDOW) == MARK + timedelta(seconds=120)
    assert rate_limit.counted_since(now, WINDOW) == MARK + timedelta(seconds=120 - 600)
    assert rate_limit.slice_seconds(3600) == 360


@pytest.mark.parametrize("window", [0, -600, 605, 7200])
def test_a_window_that_cannot_be_sliced_or_is_longer_than_an_hour_is_refused(window: int) -> None:
    with pytest.raises(ValueError, match="window"):
        rate_limit.slice_seconds(window)


def test_guesses_straddling_the_old_window_start_get_twenty_not_forty() -> None:
    source = Source()
    at = MARK - timedelta(seconds=5)
    for _ in range(LIMIT):
        assert source.attempt(at) is None
        at += timedelta(seconds=0.1)
    # Past the mark a fixed window started over; the sliding one still counts the twenty.
    assert source.attempt(MARK + timedelta(seconds=1)) == 599  # their slice began at MARK - 60 s: free at + 660 s
    assert source.attempt(MARK + timedelta(seconds=59)) == 541
    assert source.attempt(MARK + timedelta(seconds=599)) == 1
    assert source.attempt(MARK + timedelta(seconds=600)) is None


def test_retry_after_is_the_wait_rounded_up() -> None:
    source = Source()
    for _ in range(LIMIT):
        source.attempt(MARK)
    # Free at MARK + 660 s; 0.4 s into the slice that leaves 659.6 s.
    assert source.attempt(MARK + timedelta(seconds=0.4)) == 660
    assert source.attempt(MARK + timedelta(seconds=659.6)) == 1
    assert source.attempt(MARK + timedelta(seconds=660)) is None


def test_the_wait_ends_when_enough_old_slices_have_left_not_all_of_them() -> None:
    source = Source()
    for second, hits in ((0, 5), (70, 10), (130, 5)):  # slices MARK, MARK + 60, MARK + 120
        for _ in range(hits):
            assert source.attempt(MARK + timedelta(seconds=second)) is None
    # Full at 20: the 5 of the first slice leave at MARK + 660, and 15 < 20 then.
    assert source.attempt(MARK + timedelta(seconds=200)) == 460
    for _ in range(5):
        assert source.attempt(MARK + timedelta(seconds=660)) is None
    # Full again: now the 10 of the second slice must leave too (at MARK + 720).
    assert source.attempt(MARK + timedelta(seconds=661)) == 59


@pytest.mark.parametrize("offset", [-59.9, -30, -5, -0.5, 0, 0.5, 17, 59.5])
def test_an_attacker_honouring_retry_after_never_gets_more_than_twenty_in_any_ten_minutes(offset: float) -> None:
    """Whatever the start relative to a slice or the old window, each guess as soon as allowed, for two hours."""
    source = Source()
    at = MARK + timedelta(seconds=offset)
    end = at + timedelta(hours=2)
    while at < end:
        retry_after = source.attempt(at)
        if retry_after is None:
            at += timedelta(seconds=0.03)
            continue
        # Truthful: refused a second earlier, accepted at that second.
        assert source.attempt(at + timedelta(seconds=retry_after - 1)) is not None
        at += timedelta(seconds=retry_after)
    assert _most_in_any_window(source.accepted) == LIMIT
    first_minute = [t for t in source.accepted if t < MARK + timedelta(seconds=offset + 60)]
    assert len(first_minute) == LIMIT
    # About 20 per 10 minutes, a slice's worth less at most: 11 windows of 660 s fit in 2 hours.
    assert 11 * LIMIT <= len(source.accepted) <= 12 * LIMIT


def test_free_at_without_hits_or_below_the_limit_is_now() -> None:
    assert rate_limit.free_at([], limit=1, window_seconds=WINDOW) is None
    assert rate_limit.free_at([(MARK, 19)], limit=LIMIT, window_seconds=WINDOW) is None
    assert rate_limit.free_at([(MARK, 20)], limit=LIMIT, window_seconds=WINDOW) == MARK + timedelta(seconds=660)
