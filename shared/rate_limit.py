"""Fixed-window rate limits kept in PostgreSQL, so every instance of an app shares them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import text

from shared import clock
from shared.db.uow import UnitOfWork
from shared.errors import TooManyRequests


def hit(*, scope: str, subject: str, limit: int, window_seconds: int) -> None:
    """Count one hit of `subject` in `scope`; raise 429 when the window already holds `limit` hits.

    The subject (an e-mail, an address) is stored only as a hash. Runs in its own system-scope
    transaction, so the count sticks even when the caller's work is rolled back.
    """
    now = clock.now()
    window_start = datetime.fromtimestamp(int(now.timestamp()) // window_seconds * window_seconds, UTC)
    key = hashlib.sha256(f"{scope}:{subject.strip().lower()}".encode()).hexdigest()[:64]
    with UnitOfWork(system=True) as counter:
        hits = counter.session.execute(
            text(
                "INSERT INTO rate_limits (key, window_start, hits) VALUES (:key, :start, 1) "
                "ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits"
            ),
            {"key": key, "start": window_start},
        ).scalar_one()
        counter.session.execute(
            text("DELETE FROM rate_limits WHERE window_start < :old"),
            {"old": datetime.fromtimestamp(window_start.timestamp() - 86400, UTC)},
        )
        counter.commit()
    if hits > limit:
        retry_after = int(window_start.timestamp() + window_seconds - now.timestamp()) + 1
        raise TooManyRequests("Too many requests; try again later", retry_after=retry_after)
