"""Sign-in under attack: latency for known and unknown e-mails, and how many guesses the limits allow.

In a throw-away database, with the production argon2 cost, through the local host's HTTP front
(in process, ASGI) exactly as `aura serve` answers:

1. latency of POST /api/auth/login, median of `--runs` each, interleaved: a wrong password for an
   e-mail with an account, a wrong password for one without, and the right password. Every attempt
   comes from an address of its own and no e-mail fails more than four times, so no limit answers.
2. guesses an attacker gets checked, in the first minute, in the first hour and at most in any
   10 minutes, on a simulated clock (the attacker waits exactly what Retry-After says, and each guess
   takes the measured latency): one source against one account, one source spraying a new e-mail each
   guess, the same starting 5 s before a multiple of 10 minutes (where the per-address count's fixed
   windows began before it slid), and a new source for each guess against one account (a botnet).

Usage: python tools/bench_login.py [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "the right passphrase 2026"  # noqa: S105 - the bench firm's, in a throw-away database


def _expect(status: int, wanted: int) -> None:
    if status != wanted:
        raise SystemExit(f"expected HTTP {wanted}, got {status}: the benchmark measures something else")


def _addresses() -> Iterator[str]:
    for n in itertools.count(1):
        yield f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def _poster(host: object) -> Callable[[str, str, str], tuple[int, int, float]]:
    """post(address, email, password) -> (status, Retry-After or 0, seconds taken)."""
    import httpx

    def post(address: str, email: str, password: str) -> tuple[int, int, float]:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=host, client=(address, 40000))  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:7071") as client:
                return await client.post("/api/auth/login", json={"email": email, "password": password})

        started = time.perf_counter()
        response = asyncio.run(call())
        return response.status_code, int(response.headers.get("Retry-After", 0)), time.perf_counter() - started

    return post


def _latencies(post: Callable[[str, str, str], tuple[int, int, float]], emails: list[str], runs: int) -> None:
    addresses = _addresses()
    known, unknown, right = [], [], []
    for run in range(runs + 1):
        email = emails[run // 4 % len(emails)]
        status, _, taken = post(next(addresses), email, "a wrong guess 123")
        _expect(status, 401)
        status_u, _, taken_u = post(next(addresses), f"nobody-{uuid.uuid4().hex[:8]}@example.com", "a wrong guess 123")
        _expect(status_u, 401)
        status_r, _, taken_r = post(next(addresses), email, PASSWORD)
        _expect(status_r, 200)
        if run:  # the first round warms caches and the dummy hash
            known.append(taken * 1000)
            unknown.append(taken_u * 1000)
            right.append(taken_r * 1000)
    k, u, r = statistics.median(known), statistics.median(unknown), statistics.median(right)
    print(f"latency, median of {runs}: wrong password, known e-mail {k:.1f} ms; unknown e-mail {u:.1f} ms")
    print(f"  difference {k - u:+.1f} ms ({(k - u) / u * 100:+.1f}%); right password {r:.1f} ms")
    print(f"  spread known {min(known):.0f}-{max(known):.0f} ms, unknown {min(unknown):.0f}-{max(unknown):.0f} ms")


def _most_within(times: list[datetime], span: timedelta) -> int:
    """The most of `times` (ascending) that any interval of length `span` holds."""
    most = first = 0
    for last, at in enumerate(times):
        while at - times[first] >= span:
            first += 1
        most = max(most, last - first + 1)
    return most


def _guesses(
    post: Callable[[str, str, str], tuple[int, int, float]],
    *,
    source: Callable[[], str],
    email: Callable[[], str],
    start: datetime,
    horizon: timedelta,
) -> tuple[int, int, int]:
    """(checked in the first minute, checked within `horizon`, most checked in any 10 minutes) for an
    attacker honouring Retry-After, from `start` on the simulated clock."""
    from shared import clock

    at = clock.FixedClock(start)
    checked: list[datetime] = []
    with clock.use_clock(at):
        while at.now() - start < horizon:
            status, retry_after, taken = post(source(), email(), "Winter2026!")
            if status == 429:
                at.advance(timedelta(seconds=retry_after))
                continue
            _expect(status, 401)
            checked.append(at.now())
            at.advance(timedelta(seconds=taken))
    first_minute = sum(1 for t in checked if t - start < timedelta(minutes=1))
    return first_minute, len(checked), _most_within(checked, timedelta(minutes=10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from tools.bench_env import scratch

    with scratch("login"):
        _run(args)


def _run(args: argparse.Namespace) -> None:
    from aura_local.host import LocalHost
    from functions.identity import service
    from shared.db.migrate import upgrade
    from shared.db.uow import UnitOfWork
    from shared.settings import get_settings

    settings = get_settings()
    upgrade(settings.database_url)
    print(f"argon2id t={settings.argon2_time_cost} m={settings.argon2_memory_kib} KiB p={settings.argon2_parallelism}")
    emails = []
    for n in range((args.runs + 1) // 4 + 1):
        email = f"bench-{n}-{uuid.uuid4().hex[:6]}@example.com"
        with UnitOfWork() as uow:
            service.create_firm(uow=uow, name=f"Bench {n}", admin_email=email, admin_password=PASSWORD)
        emails.append(email)

    import function_app

    post = _poster(LocalHost(function_app.app, run_bus=False))
    _latencies(post, emails, args.runs)

    from shared import clock

    hour = timedelta(hours=1)
    now = clock.now()
    # 5 s before the next multiple of 10 minutes (UTC): where the per-address count's fixed window began.
    boundary = datetime.fromtimestamp((int(now.timestamp()) // 600 + 1) * 600, UTC) - timedelta(seconds=5)
    addresses = (f"172.16.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))

    def sprayed() -> str:
        return f"x-{uuid.uuid4().hex}@example.com"

    scenarios = {
        "one source, one account": (lambda: "192.0.2.1", lambda: emails[0], now),
        "one source, a new e-mail each guess": (lambda: "192.0.2.2", sprayed, now),
        "the same, from 5 s before a 10-minute mark": (lambda: "192.0.2.3", sprayed, boundary),
        "a new source each guess, one account": (lambda: next(addresses), lambda: emails[1], now),
    }
    for name, (source_of, email_of, start) in scenarios.items():
        first, total, most = _guesses(post, source=source_of, email=email_of, start=start, horizon=hour)
        print(
            f"guesses checked, {name}: {first} in the first minute, {total} in the first hour, "
            f"at most {most} in any 10 minutes"
        )


if __name__ == "__main__":
    main()
