"""Rate limits kept in PostgreSQL, so every instance of an app shares them.

Two shapes: fixed-window counters (`hit`, or `check` then `count` when only failures should count),
and a progressive delay per key (`Backoff`) that doubles with each failure past a free allowance, up
to a cap, and is cleared by a success. Subjects (an e-mail, an address) are stored only as hashes. Each
call runs in its own system-scope transaction, so a count sticks even when the caller's work is
rolled back. A caller that reads the rows itself, in a transaction it already has (a sign-in reads them
with its account look-up: functions/identity/login_throttle.py), decides with `refuse_if_full` and
`Backoff.refuse_while_waiting` on the keys of `row_key` and `Backoff.key`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from shared import clock
from shared.db.uow import UnitOfWork
from shared.errors import TooManyRequests

DETAIL = "Too many requests; try again later"
# Rows untouched for a day are deleted as new failures come in; no backoff remembers longer.
_KEEP_SECONDS = 86400


def row_key(scope: str, subject: str) -> str:
    """The row key of `subject` in `scope`: a hash, so no e-mail or address is stored."""
    return hashlib.sha256(f"{scope}:{subject.strip().lower()}".encode()).hexdigest()[:64]


def window_start(now: datetime, window_seconds: int) -> datetime:
    """The start of the fixed window `now` falls in."""
    return datetime.fromtimestamp(int(now.timestamp()) // window_seconds * window_seconds, UTC)


def _retry_after(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _wait(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"


def _refuse(until: datetime, now: datetime, detail: str) -> TooManyRequests:
    """429 with Retry-After; `{wait}` in the detail becomes the wait in words ("40 s", "12 min")."""
    seconds = _retry_after(until, now)
    return TooManyRequests(detail.replace("{wait}", _wait(seconds)), retry_after=seconds)


def count(*, scope: str, subject: str, window_seconds: int) -> int:
    """Count one hit of `subject` in `scope`'s current window; the hits in it so far."""
    start = window_start(clock.now(), window_seconds)
    with UnitOfWork(system=True) as counter:
        hits: int = counter.session.execute(
            text(
                "INSERT INTO rate_limits (key, window_start, hits) VALUES (:key, :start, 1) "
                "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits"
            ),
            {"key": row_key(scope, subject), "start": start},
        ).scalar_one()
        counter.session.execute(
            text("DELETE FROM rate_limits WHERE window_start < :old"),
            {"old": datetime.fromtimestamp(start.timestamp() - 86400, UTC)},
        )
        counter.commit()
    return hits


def refuse_if_full(hits: int | None, *, limit: int, window_seconds: int, now: datetime, detail: str = DETAIL) -> None:
    """`check`'s decision on the hits already read for the window of `now` (None: no row)."""
    if hits is not None and hits >= limit:
        raise _refuse(window_start(now, window_seconds) + timedelta(seconds=window_seconds), now, detail)


def check(*, scope: str, subject: str, limit: int, window_seconds: int, detail: str = DETAIL) -> None:
    """429 when `subject`'s current window already holds `limit` hits; counts nothing."""
    now = clock.now()
    with UnitOfWork(system=True) as reader:
        hits = reader.session.execute(
            text("SELECT hits FROM rate_limits WHERE key = :key AND window_start = :start"),
            {"key": row_key(scope, subject), "start": window_start(now, window_seconds)},
        ).scalar()
    refuse_if_full(hits, limit=limit, window_seconds=window_seconds, now=now, detail=detail)


def hit(*, scope: str, subject: str, limit: int, window_seconds: int) -> None:
    """Count one hit of `subject` in `scope`; raise 429 when the window already holds `limit` hits."""
    now = clock.now()
    if count(scope=scope, subject=subject, window_seconds=window_seconds) > limit:
        raise _refuse(window_start(now, window_seconds) + timedelta(seconds=window_seconds), now, DETAIL)


@dataclass(frozen=True)
class Backoff:
    """A delay that grows with consecutive failures: `free` of them cost nothing, then each one makes the
    key wait `base` seconds, doubled per further failure, never more than `cap`. Failures older than
    `forget_after` are forgotten; a success clears them. Unlike a lock, the wait always ends."""

    scope: str
    free: int
    base_seconds: int
    cap_seconds: int
    forget_after_seconds: int

    def __post_init__(self) -> None:
        if not 0 < self.forget_after_seconds <= _KEEP_SECONDS:
            raise ValueError(f"forget_after_seconds must be 1 to {_KEEP_SECONDS}, not {self.forget_after_seconds}")

    def delay_after(self, failures: int) -> int:
        """The wait that the `failures`-th consecutive failure imposes."""
        if failures < self.free:
            return 0
        doublings: int = min(failures - self.free, 30)
        return min(self.cap_seconds, self.base_seconds << doublings)

    def key(self, subject: str) -> str:
        """The row key of `subject` under this backoff."""
        return row_key(self.scope, subject)

    def check(self, subject: str, *, detail: str = DETAIL) -> None:
        """429 with Retry-After while `subject` must still wait; counts nothing."""
        with UnitOfWork(system=True) as reader:
            until = reader.session.execute(
                text("SELECT blocked_until FROM rate_limit_backoff WHERE key = :key"),
                {"key": row_key(self.scope, subject)},
            ).scalar()
        self.refuse_while_waiting(until, now=clock.now(), detail=detail)

    @staticmethod
    def refuse_while_waiting(until: datetime | None, *, now: datetime, detail: str = DETAIL) -> None:
        """`check`'s decision on the key's `blocked_until` already read (None: no row, or no wait)."""
        if until is not None and until > now:
            raise _refuse(until, now, detail)

    def fail(self, subject: str) -> int:
        """Record one failure; the number of consecutive failures now on record."""
        now = clock.now()
        with UnitOfWork(system=True) as writer:
            failures: int = writer.session.execute(
                text(
                    "INSERT INTO rate_limit_backoff AS b (key, failures, last_failure_at) VALUES (:key, 1, :now) "
                    "ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN b.last_failure_at < :forgotten "
                    "THEN 1 ELSE b.failures + 1 END, last_failure_at = :now RETURNING failures"
                ),
                {
                    "key": row_key(self.scope, subject),
                    "now": now,
                    "forgotten": now - timedelta(seconds=self.forget_after_seconds),
                },
            ).scalar_one()
            delay = self.delay_after(failures)
            writer.session.execute(
                text("UPDATE rate_limit_backoff SET blocked_until = :until WHERE key = :key"),
                {"key": row_key(self.scope, subject), "until": now + timedelta(seconds=delay) if delay else None},
            )
            writer.session.execute(
                text("DELETE FROM rate_limit_backoff WHERE last_failure_at < :old"),
                {"old": now - timedelta(seconds=_KEEP_SECONDS)},
            )
            writer.commit()
        return failures

    def clear(self, subject: str) -> None:
        """A success: the key starts over."""
        with UnitOfWork(system=True) as writer:
            writer.session.execute(
                text("DELETE FROM rate_limit_backoff WHERE key = :key"), {"key": row_key(self.scope, subject)}
            )
            writer.commit()
