"""The sliding-window counters of shared/rate_limit.py against PostgreSQL: `hit` (the password-reset and
password-change limits) and how long the rows of `rate_limits` live."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from functions.identity.service import PASSWORD_RESETS_PER_HOUR
from shared import clock, rate_limit
from shared.db.uow import UnitOfWork
from shared.errors import TooManyRequests
from tests.support import request, unique_email

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _hour_mark(now: datetime) -> datetime:
    return datetime.fromtimestamp((int(now.timestamp()) // 3600 + 1) * 3600, UTC)


def _rows(scope: str, subject: str) -> list[tuple[datetime, int]]:
    with UnitOfWork(system=True) as uow:
        rows = uow.session.execute(
            text("SELECT window_start, hits FROM rate_limits WHERE key = :key ORDER BY window_start"),
            {"key": rate_limit.row_key(scope, subject)},
        ).all()
    return [(row.window_start, row.hits) for row in rows]


def test_password_resets_straddling_an_hour_mark_get_five_not_ten() -> None:
    email = unique_email("reset")
    mark = _hour_mark(clock.now())
    at = clock.FixedClock(mark - timedelta(seconds=5))

    def reset() -> tuple[int, str | None]:
        reply = request("POST", "auth/password-reset", json_body={"email": email})
        return reply.status, reply.headers.get("Retry-After")

    with clock.use_clock(at):
        assert [reset() for _ in range(PASSWORD_RESETS_PER_HOUR)] == [(202, None)] * PASSWORD_RESETS_PER_HOUR
        at.set(mark + timedelta(seconds=1))
        # The five fell in the 6-minute slice from mark - 360 s: counted until mark + 3600 s.
        assert [reset() for _ in range(3)] == [(429, "3599")] * 3
        at.set(mark + timedelta(seconds=3599))
        assert reset() == (429, "1")
        at.advance(timedelta(seconds=1))
        # The refused requests were not counted, and the five have left the window: five more.
        assert [reset() for _ in range(PASSWORD_RESETS_PER_HOUR)] == [(202, None)] * PASSWORD_RESETS_PER_HOUR
        assert reset() == (429, str(3600 + 360))


def test_a_refused_hit_leaves_the_count_as_it_was() -> None:
    subject = uuid.uuid4().hex
    at = clock.FixedClock(_hour_mark(clock.now()))
    with clock.use_clock(at):
        for _ in range(2):
            rate_limit.hit(scope="test_hit", subject=subject, limit=2, window_seconds=600)
        at.advance(timedelta(seconds=61))
        with pytest.raises(TooManyRequests) as refused:
            rate_limit.hit(scope="test_hit", subject=subject, limit=2, window_seconds=600)
    assert refused.value.retry_after == 660 - 61
    assert _rows("test_hit", subject) == [(at.now() - timedelta(seconds=61), 2)]


def test_failures_are_counted_a_window_and_a_slice_then_their_rows_go_after_two_hours() -> None:
    subject, other = uuid.uuid4().hex, uuid.uuid4().hex
    long_ago = _hour_mark(clock.now()) - timedelta(days=2)
    at = clock.FixedClock(long_ago)
    with clock.use_clock(at):
        for _ in range(3):
            rate_limit.count(scope="test_count", subject=subject, window_seconds=600)
        at.advance(timedelta(seconds=659))
        with pytest.raises(TooManyRequests) as refused:
            rate_limit.check(scope="test_count", subject=subject, limit=3, window_seconds=600)
        assert refused.value.retry_after == 1
        at.advance(timedelta(seconds=1))
        rate_limit.check(scope="test_count", subject=subject, limit=3, window_seconds=600)
        # Another key's failure two hours later still finds the row (cleaning up is by age alone)...
        at.set(long_ago + timedelta(hours=2))
        rate_limit.count(scope="test_count", subject=other, window_seconds=600)
        assert _rows("test_count", subject) == [(long_ago, 3)]
        # ... and one a second after that deletes it.
        at.advance(timedelta(seconds=1))
        rate_limit.count(scope="test_count", subject=other, window_seconds=600)
    assert _rows("test_count", subject) == []
    assert [hits for _, hits in _rows("test_count", other)] == [2]
