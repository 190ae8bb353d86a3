"""The clock port: what time it is, asked in one place so that a test can decide it.

Code that stamps or compares instants (a job's finish, a token's expiry, an upload's deadline)
calls `clock.now()` instead of `datetime.now(UTC)`. A test then freezes or moves time with
`use_clock(FixedClock(...))`, a hand-written fake of the port, instead of patching `datetime`
inside the module under test.

The clock is one per process, like the settings and the engine: time is not a per-request choice,
and one default keeps every caller's signature as it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """The port; `now` answers a timezone-aware instant in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, from the operating system."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it, so stamps and deadlines are exact."""

    def __init__(self, at: datetime) -> None:
        self._at = _in_utc(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, by: timedelta) -> None:
        self._at += by

    def set(self, at: datetime) -> None:
        self._at = _in_utc(at)


def _in_utc(at: datetime) -> datetime:
    """Refuse naive times: compared with the aware ones the database returns, they raise or mislead."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a clock's time must be timezone-aware, got {at.isoformat()}")
    return at.astimezone(UTC)


_current: Clock = SystemClock()


def now() -> datetime:
    """The current instant by the process's clock: timezone-aware, in UTC."""
    return _current.now()


@contextlib.contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Read time from `clock` inside the block, process-wide, and the previous clock again after it."""
    global _current
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous


__all__ = ["Clock", "FixedClock", "SystemClock", "now", "use_clock"]
