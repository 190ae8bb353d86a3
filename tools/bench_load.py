"""Concurrent users against `aura serve`: latency per operation, throughput, errors, and nothing lost.

In a throw-away database (tools/bench_env.py), with the production argon2 cost, a real `aura serve`
process on 127.0.0.1 (its own port, its own state folder) is seeded over HTTP with a firm, `--users`
seniors on one engagement's team, a small general ledger whose load runs the journal-entry tests on the
served bus, a workpaper and a review note. Then `--users` threads, one per user, each with its own
connection, loop for `--duration` seconds over the mix a reviewer's session makes:

    login (every `--login-every` rounds, the first round included), the engagement list, a page of
    journal entries, the latest JE-test run, the binder, a new review note, and that note read back

with `--think` seconds between requests (0: as fast as answers come, the closed-loop worst case), the
users starting over `--ramp` seconds (0: all at once, every one signing in in the same instant).
It prints p50/p95/p99 per operation, for the reads together and overall, the requests per second,
the errors by status, then checks that nothing was lost: every review note the run was told was
created is readable, and the engagement holds exactly the seeded notes plus those.

`--poll-binder` reads the binder as the portal polls it, with the ETag last received (a 304 while
nothing in the tree changed; review notes are not in it).

Every run reports the CPU seconds per request of the served process, of the PostgreSQL backends
connected to the bench's database and of this client (sampled from /proc), beside how busy the whole
machine was. `--per-operation SECONDS` runs each operation of the mix alone instead, every user
repeating it (signed in once beforehand), and reports its latency and CPU per request.

`--profile FILE` records the served process with py-spy (`.venv/bin/pip install py-spy`) during the
run, as collapsed stacks (FILE) plus a summary of the hottest frames and of the time by package;
`--profile-cpu` samples only the thread holding the GIL, where the served process's CPU goes.
`aura serve` runs its default number of worker processes (aura_local/workers.py: AURA_LOCAL_WORKERS, else
one per CPU; the header says how many) on one port; `--workers N` chooses N (1: one process, as before
the workers). `--servers N` serves from N separate `aura serve` processes on ports of their own (each with
its workers), the users spread over them. The server's CPU is that of its whole process tree, and the
report says how many requests each worker answered (its X-Aura-Local-Worker header).

The user threads speak HTTP with the standard library's http.client: the client shares the cores with
the server and PostgreSQL, and httpx cost it three to four times the CPU per request.

Usage: python tools/bench_load.py [--users 50] [--duration 60] [--think 0] [--login-every 5] [--ramp 0]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import dataclasses
import email.message
import http.client
import json
import os
import random
import shutil
import socket
import subprocess  # nosec B404 - the bench starts aura serve and py-spy
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "the right passphrase 2026"  # noqa: S105  # nosec B105 - the bench firm's, in a throw-away database
AURA = Path(sys.executable).with_name("aura")
READS = ("engagements", "journal_entries", "je_tests", "binder", "note_read")
OPERATIONS = ("login", *READS, "note_create")
LEDGER_JOURNALS = 200


@dataclass
class Results:
    """What every user thread saw; appended under a lock, read after the threads end."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    notes_created: list[str] = field(default_factory=list)
    notes_unknown: int = 0  # a create whose answer never came: it may or may not exist
    workers: collections.Counter[str] = field(default_factory=collections.Counter)  # answers by worker pid
    first_logins: list[float] = field(default_factory=list)  # each user's first sign-in (ms)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[operation].append(seconds * 1000)
            if error:
                self.errors[f"{operation}: {error}"] += 1

    def answered(self, http: UserClient) -> None:
        with self.lock:
            self.workers.update(http.answered_by)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads), or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def _process_tree(pid: int) -> list[int]:
    """The process and its descendants alive now (`aura serve` and its worker processes)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy (every core, every process), from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle, iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


@dataclass
class CpuUse:
    """CPU seconds spent over a stretch of the run, by who spent them."""

    server: float = 0.0
    database: float = 0.0  # the PostgreSQL backends connected to the bench's database
    client: float = 0.0  # this process: the user threads and their HTTP clients
    machine: float = 0.0  # every core busy, whoever it was (other work on the machine included)

    def per_request(self, requests: int) -> str:
        n = max(requests, 1)
        own = self.server + self.database + self.client
        return (
            f"CPU per request: server {self.server / n * 1000:.1f} ms, PostgreSQL {self.database / n * 1000:.1f} ms, "
            f"load client {self.client / n * 1000:.1f} ms, together {own / n * 1000:.1f} ms "
            f"(the machine was busy {self.machine / n * 1000:.1f} ms per request, other work included)"
        )


class CpuMeter:
    """Samples the CPU of the served processes, of the database's backends and of this process.

    Backends come and go with the pool; each is sampled every `interval` seconds and its growth since
    it was first seen is counted (a backend that ends loses at most its last interval)."""

    def __init__(self, server_pids: list[int], database_url: str, interval: float = 0.25) -> None:
        self._server_pids = server_pids
        self._database_url = database_url
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._backend_start: dict[int, float] = {}
        self._backend_last: dict[int, float] = {}
        self._lock = threading.Lock()

    def _backends(self, connection: Any) -> list[int]:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [int(row[0]) for row in rows]

    def _sample(self, connection: Any) -> None:
        for pid in self._backends(connection):
            used = _process_cpu(pid)
            if used is None:
                continue
            with self._lock:
                self._backend_start.setdefault(pid, used)
                self._backend_last[pid] = used

    def _loop(self) -> None:
        import psycopg

        from shared.db.engine import normalize_url

        url = normalize_url(self._database_url).replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True) as connection:
            while not self._stop.is_set():
                self._sample(connection)
                self._stop.wait(self._interval)
            self._sample(connection)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def reading(self) -> CpuUse:
        """The CPU seconds spent so far (database: since each backend was first seen)."""
        with self._lock:
            database = sum(self._backend_last[pid] - self._backend_start[pid] for pid in self._backend_last)
        times = os.times()
        return CpuUse(
            server=sum(_process_cpu(pid) or 0.0 for root in self._server_pids for pid in _process_tree(root)),
            database=database,
            client=times.user + times.system,
            machine=_machine_busy(),
        )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _spent(before: CpuUse, after: CpuUse) -> CpuUse:
    return CpuUse(
        server=after.server - before.server,
        database=after.database - before.database,
        client=after.client - before.client,
        machine=after.machine - before.machine,
    )


class Reply:
    """An answer as the user threads read it: status, headers (case-insensitive) and a JSON body."""

    def __init__(self, status_code: int, headers: email.message.Message, body: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


# What a request the user threads send can fail with (counted as an error of the operation, not raised).
CLIENT_ERRORS = (OSError, http.client.HTTPException)


class UserClient:
    """One user's keep-alive connection to the served API, on the standard library's http.client.

    The load client shares the 2 cores with the server and PostgreSQL, so its own CPU per request is
    part of every figure: httpx took 1.2 to 2.0 ms of CPU per request in the 50 user threads, more than
    many requests cost the server's database. After a failure the next request opens a new connection."""

    def __init__(self, base: str, *, timeout: float = 60) -> None:
        parts = urllib.parse.urlsplit(base)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self.headers: dict[str, str] = {}
        self.answered_by: collections.Counter[str] = collections.Counter()  # by X-Aura-Local-Worker

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            self._connection.request(method, self._prefix + path, body=body, headers={**self.headers, **headers})
            response = self._connection.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        except BaseException:
            self.close()
            raise
        self.answered_by[response.headers.get("X-Aura-Local-Worker", "")] += 1
        return reply

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> Reply:
        return self._send("GET", path, None, headers or {})

    def post(self, path: str, *, json: Any) -> Reply:  # noqa: A002 - named as httpx's
        body = _json_bytes(json)
        return self._send("POST", path, body, {"Content-Type": "application/json"})

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(
    database_url: str, folder: Path, workers: int | None = None
) -> tuple[subprocess.Popen[bytes], str, Path]:
    import httpx

    port = _free_port()
    state = folder / "state"
    state.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AURA_STATE_DIR": str(state),
        "AURA_LOCAL_MAIL_DIR": str(state / "mail"),
        "AURA_LOG_LEVEL": "WARNING",
        "MALLOC_ARENA_MAX": "2",
        "PYTHONPATH": str(ROOT),  # the code of this checkout, whichever the console script was installed from
    }
    log_path = folder / "serve.log"
    process = subprocess.Popen(  # noqa: S603  # nosec B603 - our own console script
        [str(AURA), "serve", "--port", str(port), "--no-migrate", *(["--workers", str(workers)] if workers else [])],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("aura serve exited:\n" + log_path.read_text())
        try:
            httpx.get(f"{base}/health", timeout=2)
            return process, base, log_path
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("aura serve did not answer within 90 s")


def _ledger() -> bytes:
    """A small general ledger: LEDGER_JOURNALS balanced two-line journals over the year."""
    rng = random.Random(18)  # noqa: S311  # nosec B311 - test data, not security
    lines = ["JE Number,Line,Account,Debit,Credit,Posting Date,Entry Date,Entry Time,Created By,Memo"]
    for n in range(1, LEDGER_JOURNALS + 1):
        amount = f"{rng.randint(100, 99_999)}.{rng.randint(0, 99):02d}"
        day = f"2026-{(n % 12) + 1:02d}-{(n % 28) + 1:02d}"
        user = rng.choice(["ann", "bob", "cy"])
        lines.append(
            f"J{n},1,{rng.choice(['1100', '1200', '5000'])},{amount},,{day},{day},10:{n % 60:02d}:00,{user},E {n}"
        )
        lines.append(f"J{n},2,{rng.choice(['4000', '2100'])},,{amount},{day},{day},10:{n % 60:02d}:00,{user},E {n}")
    return ("\n".join(lines) + "\n").encode()


@dataclass
class World:
    base: str
    engagement: str
    node: str
    emails: list[str]
    seeded_notes: int
    note: str = ""  # the seeded review note


def _seed(base: str, users: int) -> World:
    """The firm, its seniors on one engagement's team, a loaded ledger with a completed JE run, a
    workpaper and a review note, all over HTTP as the portal would make them."""
    import httpx

    from functions.identity import service
    from shared.db.uow import UnitOfWork

    admin_email = f"bench-admin-{uuid.uuid4().hex[:8]}@example.com"
    with UnitOfWork() as uow:
        service.create_firm(uow=uow, name="Load CPA", admin_email=admin_email, admin_password=PASSWORD)
    http = httpx.Client(base_url=base, timeout=120)
    token = http.post("/auth/login", json={"email": admin_email, "password": PASSWORD}).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"

    def created(reply: httpx.Response) -> dict[str, Any]:
        if reply.status_code not in (200, 201, 202):
            raise SystemExit(
                f"seeding failed: {reply.request.method} {reply.request.url} {reply.status_code} {reply.text}"
            )
        return dict(reply.json())

    client = created(http.post("/clients", json={"name": "Load Co"}))["id"]
    engagement = created(
        http.post(
            "/engagements",
            json={
                "client_id": client,
                "name": "Loaded",
                "engagement_type": "audit",
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "framework": "us_gaap",
            },
        )
    )["id"]
    emails = [f"senior-{n}-{uuid.uuid4().hex[:6]}@example.com" for n in range(users)]

    def add(email: str) -> None:
        user = created(http.post("/users", json={"email": email, "password": PASSWORD, "roles": ["senior"]}))
        created(http.post(f"/engagements/{engagement}/team", json={"user_id": user["id"], "role": "senior"}))

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(add, emails))
    created(
        http.post(
            f"/engagements/{engagement}/datasets",
            params={"kind": "general_ledger"},
            content=_ledger(),
            headers={"Content-Type": "text/csv"},
        )
    )
    deadline = time.monotonic() + 180
    while True:
        runs = created(http.get(f"/engagements/{engagement}/je-tests/runs"))["items"]
        if runs and runs[0]["status"] == "completed":
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"the JE run did not complete within 180 s: {runs}")
        time.sleep(0.5)
    folder = created(http.get(f"/engagements/{engagement}/binder"))["nodes"][0]["id"]
    node = created(
        http.post(
            f"/engagements/{engagement}/binder/nodes",
            json={"parent_id": folder, "kind": "workpaper", "title": "Cash", "content": {}},
        )
    )["id"]
    note = created(
        http.post(f"/engagements/{engagement}/review-notes", json={"node_id": node, "body": "Agree to the bank"})
    )["id"]
    return World(base, engagement, node, emails, seeded_notes=1, note=note)


def _user(
    world: World,
    email: str,
    results: Results,
    deadline: float,
    think: float,
    login_every: int,
    delay: float,
    poll_binder: bool = False,
) -> None:
    """One user's session: the mix in a loop until the deadline, on one keep-alive connection."""
    time.sleep(delay)  # the ramp: users arrive spread out rather than all in the same millisecond

    engagement = world.engagement
    http = UserClient(world.base)

    def call(
        operation: str, send: Callable[[], Reply], expected: int | tuple[int, ...], *, first: bool = False
    ) -> Reply | None:
        wanted = expected if isinstance(expected, tuple) else (expected,)
        started = time.perf_counter()
        try:
            reply = send()
        except CLIENT_ERRORS as exc:
            results.record(operation, time.perf_counter() - started, type(exc).__name__)
            return None
        took = time.perf_counter() - started
        results.record(operation, took, None if reply.status_code in wanted else str(reply.status_code))
        if first:  # the user's first sign-in: with no --ramp, every user's in the same instant
            with results.lock:
                results.first_logins.append(took * 1000)
        if think:
            time.sleep(random.uniform(0.5 * think, 1.5 * think))  # noqa: S311  # nosec B311 - pacing, not security
        return reply if reply.status_code in wanted else None

    round_number = 0
    binder_tag: str | None = None
    while time.monotonic() < deadline:
        if round_number == 0 or (login_every and round_number % login_every == 0):
            reply = call(
                "login",
                lambda: http.post("/auth/login", json={"email": email, "password": PASSWORD}),
                200,
                first=round_number == 0,
            )
            if reply is None:
                round_number += 1
                continue
            http.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        round_number += 1
        call("engagements", lambda: http.get("/engagements"), 200)
        call("journal_entries", lambda: http.get(f"/engagements/{engagement}/journal-entries"), 200)
        call("je_tests", lambda: http.get(f"/engagements/{engagement}/je-tests"), 200)
        if poll_binder:  # as the portal polls it: the ETag it holds, a 304 while nothing changed
            held = {"If-None-Match": binder_tag} if binder_tag else {}
            polled = call("binder", lambda: http.get(f"/engagements/{engagement}/binder", headers=held), (200, 304))  # noqa: B023
            binder_tag = polled.headers.get("ETag", binder_tag) if polled is not None else binder_tag
        else:
            call("binder", lambda: http.get(f"/engagements/{engagement}/binder"), 200)
        if time.monotonic() >= deadline:
            break
        started = time.perf_counter()
        try:
            reply = http.post(
                f"/engagements/{engagement}/review-notes",
                json={"node_id": world.node, "body": f"Load note by {email} in round {round_number}"},
            )
        except CLIENT_ERRORS as exc:
            results.record("note_create", time.perf_counter() - started, type(exc).__name__)
            with results.lock:
                results.notes_unknown += 1
            continue
        ok = reply.status_code == 201
        results.record("note_create", time.perf_counter() - started, None if ok else str(reply.status_code))
        if not ok:
            continue
        note = reply.json()["id"]
        with results.lock:
            results.notes_created.append(note)
        read_back = f"/engagements/{engagement}/review-notes/{note}"
        call("note_read", lambda: http.get(read_back), 200)  # noqa: B023 - called before the loop moves on
    http.close()
    results.answered(http)


def _sign_in_all(world: World) -> dict[str, str]:
    """Every user's access token, signed in before the per-operation phases (a few at a time)."""
    import httpx

    def sign_in(email: str) -> tuple[str, str]:
        reply = httpx.post(f"{world.base}/auth/login", json={"email": email, "password": PASSWORD}, timeout=120)
        reply.raise_for_status()
        return email, str(reply.json()["access_token"])

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return dict(pool.map(sign_in, world.emails))


def _solo_user(
    world: World, operation: str, email: str, token: str, results: Results, deadline: float, delay: float
) -> None:
    """One user repeating one operation of the mix until the deadline, on one keep-alive connection."""
    time.sleep(delay)
    engagement = world.engagement
    http = UserClient(world.base)
    http.headers["Authorization"] = f"Bearer {token}"
    sends: dict[str, tuple[Callable[[], Reply], int]] = {
        "login": (lambda: http.post("/auth/login", json={"email": email, "password": PASSWORD}), 200),
        "engagements": (lambda: http.get("/engagements"), 200),
        "journal_entries": (lambda: http.get(f"/engagements/{engagement}/journal-entries"), 200),
        "je_tests": (lambda: http.get(f"/engagements/{engagement}/je-tests"), 200),
        "binder": (lambda: http.get(f"/engagements/{engagement}/binder"), 200),
        "note_read": (lambda: http.get(f"/engagements/{engagement}/review-notes/{world.note}"), 200),
        "note_create": (
            lambda: http.post(
                f"/engagements/{engagement}/review-notes", json={"node_id": world.node, "body": f"Solo note by {email}"}
            ),
            201,
        ),
    }
    send, expected = sends[operation]
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            reply = send()
        except CLIENT_ERRORS as exc:
            results.record(operation, time.perf_counter() - started, type(exc).__name__)
            if operation == "note_create":
                with results.lock:
                    results.notes_unknown += 1
            continue
        ok = reply.status_code == expected
        results.record(operation, time.perf_counter() - started, None if ok else str(reply.status_code))
        if ok and operation == "note_create":
            with results.lock:
                results.notes_created.append(str(reply.json()["id"]))
    http.close()
    results.answered(http)


def _per_operation(args: argparse.Namespace, worlds: list[World], meter: CpuMeter, results: Results) -> None:
    """Each operation of the mix alone, `--users` users repeating it for `--per-operation` seconds: its
    latency and the CPU one request of it costs the server, PostgreSQL and this client."""
    world = worlds[0]
    tokens = _sign_in_all(world)
    print(
        f"{'operation':<16} {'requests':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}   "
        "CPU ms per request: server, PostgreSQL, client, together; machine busy"
    )
    for operation in (*READS, "note_create", "login"):
        phase = Results()
        before = meter.reading()
        deadline = time.monotonic() + args.per_operation
        started = time.perf_counter()
        threads = [
            threading.Thread(
                target=_solo_user,
                args=(worlds[n], operation, email, tokens[email], phase, deadline, n * args.ramp / args.users),
                daemon=True,
            )
            for n, email in enumerate(world.emails)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        spent = _spent(before, meter.reading())
        values = phase.latencies.get(operation, [])
        n = max(len(values), 1)
        p50, p95 = (_percentile(values, f) if values else 0.0 for f in (0.50, 0.95))
        own = spent.server + spent.database + spent.client
        print(
            f"{operation:<16} {len(values):>7} {len(values) / elapsed:>7.1f} {p50:>8.0f} {p95:>8.0f}   "
            f"{spent.server / n * 1000:6.1f} {spent.database / n * 1000:6.1f} {spent.client / n * 1000:6.1f} "
            f"{own / n * 1000:6.1f}; {spent.machine / n * 1000:6.1f}"
        )
        with results.lock:
            for key, count in phase.errors.items():
                results.errors[key] += count
            results.notes_created.extend(phase.notes_created)
            results.notes_unknown += phase.notes_unknown
            results.workers.update(phase.workers)
    print(_answered_by(results))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def _row(label: str, values: list[float], seconds: float) -> str:
    if not values:
        return f"{label:<16} {0:>7}"
    p50, p95, p99 = (_percentile(values, f) for f in (0.50, 0.95, 0.99))
    return (
        f"{label:<16} {len(values):>7} {len(values) / seconds:>7.1f} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f} "
        f"{max(values):>8.0f}"
    )


def _report(results: Results, seconds: float) -> None:
    print(f"{'operation':<16} {'requests':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for operation in OPERATIONS:
        print(_row(operation, results.latencies.get(operation, []), seconds))
    reads = [ms for operation in READS for ms in results.latencies.get(operation, [])]
    everything = [ms for values in results.latencies.values() for ms in values]
    print(_row("login, first", results.first_logins, seconds))  # each user's first: with no --ramp, all at once
    print(_row("reads", reads, seconds))
    print(_row("all", everything, seconds))
    total_errors = sum(results.errors.values())
    print(f"errors: {total_errors}" + "".join(f"\n  {what}: {n}" for what, n in sorted(results.errors.items())))
    print(_answered_by(results))


def _answered_by(results: Results) -> str:
    """How the answers spread over the worker processes (a keep-alive connection stays with one)."""
    total = max(sum(results.workers.values()), 1)
    spread = ", ".join(
        f"{pid or 'no worker header'} {count} ({count / total:.0%})" for pid, count in results.workers.most_common()
    )
    return f"answered by worker pid: {spread}"


def _check_nothing_lost(world: World, results: Results, admin_email: str) -> bool:
    """Every note the run was told was created reads back, and the engagement holds exactly those plus
    the seeded ones (a create whose answer never came is counted as unknown, not as lost)."""
    import httpx

    http = httpx.Client(base_url=world.base, timeout=60)
    token = http.post("/auth/login", json={"email": admin_email, "password": PASSWORD}).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    unreadable = [
        note
        for note in results.notes_created
        if http.get(f"/engagements/{world.engagement}/review-notes/{note}").status_code != 200
    ]
    total = http.get(f"/engagements/{world.engagement}/review-notes", params={"page_size": "1"}).json()["total"]
    expected = world.seeded_notes + len(results.notes_created)
    lost = len(unreadable)
    counts_match = total == expected or (expected <= total <= expected + results.notes_unknown)
    print(
        f"review notes: {len(results.notes_created)} created during the run, {lost} unreadable afterwards; "
        f"the engagement holds {total} (expected {expected}"
        + (f", up to {results.notes_unknown} more whose answer never came" if results.notes_unknown else "")
        + ")"
    )
    errors = sum(results.errors.values())
    verdict = errors == 0 and lost == 0 and counts_match
    print(f"{errors} errors, {lost} lost: {'OK' if verdict else 'FAILED'}")
    return verdict


def _profile(
    pid: int, seconds: float, output: Path, *, gil_only: bool = False, subprocesses: bool = False
) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed (.venv/bin/pip install py-spy): no profile")
        return None
    return subprocess.Popen(  # noqa: S603  # nosec B603 - py-spy on our own child
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--format",
            "raw",
            "--output",
            str(output),
            "--threads",
            "--nonblocking",
            "--rate",
            "50",
            *(["--gil"] if gil_only else []),
            *(["--subprocesses"] if subprocesses else []),  # the worker processes of `aura serve`
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def _package(frame: str) -> str:
    """The package (or the app's own module) of a py-spy frame such as `execute (sqlalchemy/engine/base.py:1494)`."""
    where = frame.rpartition("(")[2].rstrip(")").rpartition(":")[0]
    parts = where.split("/")
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1 :]
    if parts and parts[0] in ("shared", "functions", "aura_local"):
        return "/".join(parts[:2]) if len(parts) > 1 else parts[0]
    return parts[0] if parts and parts[0] else frame


def _summarize_profile(output: Path, top: int = 25) -> None:
    """The frames most often on a stack (inclusive), from py-spy's collapsed stacks."""
    if not output.exists():
        print("py-spy wrote no profile")
        return
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in output.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")[1:]  # the first frame is the thread
        for frame in set(frames):
            inclusive[frame] += samples
        if frames:
            own[_package(frames[-1])] += samples
    print(f"profile: {total} samples over every thread; frames on the most stacks (inclusive):")
    for frame, samples in inclusive.most_common(top):
        print(f"  {samples / max(total, 1) * 100:5.1f}%  {frame[:150]}")
    print("the same samples by the package whose code was running (self time):")
    for package, samples in own.most_common(top):
        print(f"  {samples / max(total, 1) * 100:5.1f}%  {package}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between a user's requests")
    parser.add_argument(
        "--login-every", type=int, default=5, help="a user signs in again every N rounds (0: once, at the start)"
    )
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds over which the users start (0: all at once)")
    parser.add_argument("--profile", type=Path, help="record the served process with py-spy into this file")
    parser.add_argument(
        "--profile-cpu",
        action="store_true",
        help="with --profile: sample only the thread holding the GIL (the served process's CPU, not its waits)",
    )
    parser.add_argument(
        "--poll-binder",
        action="store_true",
        help="read the binder with the ETag last received (If-None-Match), as the portal polls it; 304 is success",
    )
    parser.add_argument(
        "--per-operation",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="instead of the mix: each operation alone for SECONDS, with the CPU one request of it costs",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="worker processes of each `aura serve` (its --workers; default: aura serve's own, "
        "AURA_LOCAL_WORKERS or one per CPU)",
    )
    parser.add_argument(
        "--servers",
        type=int,
        default=1,
        help="serve from this many separate `aura serve` processes on ports of their own, the users spread over "
        "them (each with its --workers)",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    from tools.bench_env import scratch

    with scratch("load") as (url, folder):
        if not _run(args, url, folder):
            raise SystemExit(1)


def _run(args: argparse.Namespace, database_url: str, folder: Path) -> bool:
    from aura_local.workers import default_workers
    from shared.db.migrate import upgrade
    from shared.settings import get_settings

    settings = get_settings()
    workers = args.workers or default_workers()  # what `aura serve` runs without --workers
    upgrade(database_url)
    servers: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for number in range(args.servers):
            home = folder / f"server-{number}"
            home.mkdir()
            servers.append(_start_server(database_url, home, args.workers))
        process, base, _ = servers[0]
        started = time.perf_counter()
        world = _seed(base, args.users)
        print(
            f"seeded in {time.perf_counter() - started:.1f} s: {args.users} seniors on one engagement, a ledger of "
            f"{LEDGER_JOURNALS * 2} lines with its JE run, a workpaper and a review note; argon2id "
            f"t={settings.argon2_time_cost} m={settings.argon2_memory_kib} KiB p={settings.argon2_parallelism}; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
            + f"; aura serve with {workers} worker process{'es' if workers > 1 else ''}"
            + (f"; {args.servers} aura serve processes, users spread over them in turn" if args.servers > 1 else "")
        )
        # With --servers, each user talks to one of the processes, in turn.
        worlds = [dataclasses.replace(world, base=servers[n % len(servers)][1]) for n in range(args.users)]
        admin_email = f"checker-{uuid.uuid4().hex[:6]}@example.com"
        _add_checker(base, world, admin_email)
        results = Results()
        meter = CpuMeter([server[0].pid for server in servers], database_url)
        meter.start()
        if args.per_operation:
            _per_operation(args, worlds, meter, results)
            meter.stop()
            return _check_nothing_lost(world, results, admin_email)
        profiler = (
            _profile(process.pid, args.duration, args.profile, gil_only=args.profile_cpu, subprocesses=workers > 1)
            if args.profile
            else None
        )
        before = meter.reading()
        deadline = time.monotonic() + args.duration
        run_started = time.perf_counter()
        threads = [
            threading.Thread(
                target=_user,
                args=(
                    worlds[n],
                    email,
                    results,
                    deadline,
                    args.think,
                    args.login_every,
                    n * args.ramp / args.users,
                    args.poll_binder,
                ),
                daemon=True,
            )
            for n, email in enumerate(world.emails)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - run_started
        spent = _spent(before, meter.reading())
        meter.stop()
        print(
            f"{args.users} users for {elapsed:.1f} s (starting over {args.ramp} s, think {args.think} s, login every "
            f"{args.login_every} rounds); "
            f"load average after {os.getloadavg()[0]:.1f}"
        )
        _report(results, elapsed)
        print(spent.per_request(sum(len(values) for values in results.latencies.values())))
        if profiler is not None:
            profiler.wait(timeout=args.duration + 60)
            _summarize_profile(args.profile)
        return _check_nothing_lost(world, results, admin_email)
    finally:
        for process, _, log_path in servers:
            _stop_server(process, log_path)


def _stop_server(process: subprocess.Popen[bytes], log_path: Path) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    errors = [line for line in log_path.read_text(errors="replace").splitlines() if "ERROR" in line]
    if errors:
        print(f"the served log has {len(errors)} ERROR lines; the first: {errors[0][:300]}")


def _add_checker(base: str, world: World, email: str) -> None:
    """A partner (who sees every engagement) for the after-run check, made before the run starts."""
    from sqlalchemy import text

    from functions.identity import service
    from shared.db.uow import UnitOfWork

    with UnitOfWork() as uow:
        firm_id = uow.session.execute(
            text("SELECT firm_id FROM aura_auth_find_user(:e)"), {"e": world.emails[0]}
        ).scalar()
        uow.switch_firm(uuid.UUID(str(firm_id)))
        service.create_user(
            uow=uow, email=email, display_name="Checker", password=PASSWORD, roles=["partner"], client_id=None
        )
        uow.commit()


if __name__ == "__main__":
    main()
