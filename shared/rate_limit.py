"""Rate limits kept in PostgreSQL, so every instance of an app shares them.

Two shapes: sliding-window counters (`hit`, or `check` then `count` when only failures should count),
and a progressive delay per key (`Backoff`) that doubles with each failure past a free allowance, up
to a cap, and is cleared by a success. Subjects (an e-mail, an address) are stored only as hashes. Each
call runs in its own system-scope transaction, so a count sticks even when the caller's work is
rolled back. A caller that reads the rows itself, in a transaction it already has (a sign-in reads them
with its account look-up: functions/identity/login_throttle.py), decides with `refuse_if_full` and
`Backoff.refuse_while_waiting` on the keys of `row_key` and `Backoff.key`.

A window's hits are counted in SLICES slices of it (a 10-minute window in minutes), one `rate_limits`
row per key and slice, and a limit adds up the current slice and the SLICES before it. A hit is so
remembered for one window at least and one window and a slice at most, and no span of one window,
wherever it starts, holds more than `limit` accepted hits. Fixed windows (one row per window) let a
caller spend a window's allowance just before it ended and the next one's just after: twice the limit
in a few seconds.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from shared import clock
from shared.db.uow import UnitOfWork
from shared.errors import TooManyRequests

DETAIL = "Too many requests; try again later"
# Rows untouched for a day are deleted as new failures come in; no backoff remembers longer.
_KEEP_SECONDS = 86400
SLICES = 10
MAX_WINDOW_SECONDS = 3600
# A window's rows are deleted two hours after their slice began, as new hits come in: no window reads them
# after one window and one slice, and the fewer rows, the cheaper the delete that finds them.
_WINDOW_ROWS_KEPT_SECONDS = 7200

# One slice's hits: when the slice starts, and how many.
Slice = tuple[datetime, int]


def row_key(scope: str, subject: str) -> str:
    """The row key of `subject` in `scope`: a hash, so no e-mail or address is stored."""
    return hashlib.sha256(f"{scope}:{subject.strip().lower()}".encode()).hexdigest()[:64]


def slice_seconds(window_seconds: int) -> int:
    """How long one slice of a `window_seconds` window lasts."""
    if not 0 < window_seconds <= MAX_WINDOW_SECONDS or window_seconds % SLICES:
        raise ValueError(f"a window must be a multiple of {SLICES} s up to {MAX_WINDOW_SECONDS}, not {window_seconds}")
    return window_seconds // SLICES


def slice_start(now: datetime, window_seconds: int) -> datetime:
    """The start of the slice of a `window_seconds` window that `now` falls in."""
    seconds = slice_seconds(window_seconds)
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, UTC)


def counted_since(now: datetime, window_seconds: int) -> datetime:
    """The start of the oldest slice a limit counts at `now`: the current slice and the SLICES before it."""
    return slice_start(now, window_seconds) - timedelta(seconds=window_seconds)


def free_at(slices: Iterable[Slice], *, limit: int, window_seconds: int) -> datetime | None:
    """When the counted hits fall below `limit` again (None: they are below it already), given the slices
    counted now; a slice stops being counted one window and one slice after it starts."""
    ordered = sorted(slices)
    left = sum(hits for _, hits in ordered)
    if left < limit:
        return None
    for start, hits in ordered:
        left -= hits
        if left < limit:
            return start + timedelta(seconds=window_seconds + slice_seconds(window_seconds))
    raise ValueError(f"limit must be at least 1, not {limit}")


def _retry_after(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _wait(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"


def _refuse(until: datetime, now: datetime, detail: str) -> TooManyRequests:
    """429 with Retry-After; `{wait}` in the detail becomes the wait in words ("40 s", "12 min")."""
    seconds = _retry_after(until, now)
    return TooManyRequests(detail.replace("{wait}", _wait(seconds)), retry_after=seconds)


# Count one hit in the current slice, and delete the rows no limit reads any more, in one statement.
_COUNT = text(
    "WITH old AS (DELETE FROM rate_limits WHERE window_start < :old) "
    "INSERT INTO rate_limits (key, window_start, hits) VALUES (:key, :start, 1) "
    "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1"
)
# The same, answering every slice the limit counts now: the current one as just counted (the rest of the
# statement sees the table as it was when the statement began), then the others.
_COUNT_AND_READ = text(
    "WITH old AS (DELETE FROM rate_limits WHERE window_start < :old), "
    "counted AS (INSERT INTO rate_limits (key, window_start, hits) VALUES (:key, :start, 1) "
    "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING window_start, hits) "
    "SELECT window_start, hits FROM counted UNION ALL "
    "SELECT window_start, hits FROM rate_limits WHERE key = :key AND window_start >= :since AND window_start <> :start"
)
_READ = text("SELECT window_start, hits FROM rate_limits WHERE key = :key AND window_start >= :since")


def _count_parameters(scope: str, subject: str, window_seconds: int, now: datetime) -> dict[str, object]:
    return {
        "key": row_key(scope, subject),
        "start": slice_start(now, window_seconds),
        "since": counted_since(now, window_seconds),
        "old": now - timedelta(seconds=_WINDOW_ROWS_KEPT_SECONDS),
    }


def count(*, scope: str, subject: str, window_seconds: int) -> None:
    """Count one hit of `subject` in `scope` (one statement, committed at once)."""
    with UnitOfWork(system=True) as counter:
        counter.session.execute(_COUNT, _count_parameters(scope, subject, window_seconds, clock.now()))
        counter.commit()


def refuse_if_full(
    slices: Sequence[Slice], *, limit: int, window_seconds: int, now: datetime, detail: str = DETAIL
) -> None:
    """`check`'s decision on the slices already read (those from `counted_since(now, ...)` on)."""
    until = free_at(slices, limit=limit, window_seconds=window_seconds)
    if until is not None:
        raise _refuse(until, now, detail)


def check(*, scope: str, subject: str, limit: int, window_seconds: int, detail: str = DETAIL) -> None:
    """429 when `subject` already has `limit` hits counted; counts nothing."""
    now = clock.now()
    with UnitOfWork(system=True) as reader:
        rows = reader.session.execute(
            _READ, {"key": row_key(scope, subject), "since": counted_since(now, window_seconds)}
        ).all()
    refuse_if_full(
        [(row.window_start, row.hits) for row in rows],
        limit=limit,
        window_seconds=window_seconds,
        now=now,
        detail=detail,
    )


def hit(*, scope: str, subject: str, limit: int, window_seconds: int) -> None:
    """Count one hit of `subject` in `scope`; when that makes more than `limit`, forget it again and raise
    429 (a refused hit does not count, so the wait Retry-After names is the whole wait)."""
    now = clock.now()
    parameters = _count_parameters(scope, subject, window_seconds, now)
    with UnitOfWork(system=True) as counter:
        rows = counter.session.execute(_COUNT_AND_READ, parameters).all()
        # What was counted before this hit: the current slice's row without it.
        before = [
            (row.window_start, row.hits - 1 if row.window_start == parameters["start"] else row.hits) for row in rows
        ]
        until = free_at(before, limit=limit, window_seconds=window_seconds)
        if until is not None:
            counter.session.rollback()
            raise _refuse(until, now, DETAIL)
        counter.commit()


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
