"""`aura serve --workers N`: N worker processes answer on one port, the background work runs once, a dead
worker is replaced, and stopping the host leaves no process behind (aura_local/workers.py)."""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from aura_local.workers import WORKER_HEADER
from shared import clock
from shared.db.models import LocalDelivery
from shared.db.uow import UnitOfWork
from tests.integration.localhost_support import free_port, wait_for
from tests.support import PASSWORD, create_firm

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
AURA = Path(sys.executable).with_name("aura")
START_TIMEOUT = 90.0


@dataclass
class Host:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _start(command: list[str], state: Path, port: int, **env: str) -> Host:
    """A host process in a session of its own (as a terminal runs it), answering on `port`."""
    state.mkdir(parents=True, exist_ok=True)
    log = state / "serve.log"
    process = subprocess.Popen(  # noqa: S603 - our own console script / interpreter
        command,
        cwd=ROOT,
        env={
            **os.environ,
            "AURA_STATE_DIR": str(state),
            "AURA_LOCAL_MAIL_DIR": str(state / "mail"),
            "AURA_LOCAL_STORAGE_DIR": str(state / "blobs"),
            "PYTHONPATH": str(ROOT),
            **env,
        },
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    host = Host(f"http://127.0.0.1:{port}", port, process, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(host.output())
        try:
            httpx.get(f"{host.base}/", timeout=2)
            return host
        except httpx.TransportError:
            time.sleep(0.2)
    _kill_group(process)
    raise AssertionError(f"the host did not answer within {START_TIMEOUT:.0f} s:\n{host.output()}")


def _serve(state: Path, *args: str) -> Host:
    port = free_port()
    return _start([str(AURA), "serve", "--port", str(port), "--no-migrate", *args], state, port)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Whatever a failed test left: the whole session, by its id."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _worker_pids(host: Host, wanted: int, path: str = "/", attempts: int = 400) -> set[int]:
    """The pids of the workers that answered, asking on a new connection each time until `wanted` answered."""
    pids: set[int] = set()
    for _ in range(attempts):
        reply = httpx.get(f"{host.base}{path}", timeout=10)
        pids.add(int(reply.headers[WORKER_HEADER]))
        if len(pids) >= wanted:
            break
    return pids


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def served(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    host = _serve(tmp_path_factory.mktemp("workers"), "--workers", "2")
    try:
        yield host
    finally:
        host.process.terminate()
        try:
            host.process.wait(timeout=60)
        finally:
            _kill_group(host.process)


def test_two_workers_answer_on_the_one_port(served: Host) -> None:
    pids = _worker_pids(served, 2, "/api/health")
    assert len(pids) == 2, served.output()
    assert all(_parent(pid) == served.process.pid for pid in pids), "both are workers of this aura serve"
    assert "2 worker processes" in served.output()
    # Each is told how many share the cores, as the Functions host tells its workers (password hashing
    # takes its share of the cores from it).
    for pid in pids:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"FUNCTIONS_WORKER_PROCESS_COUNT=2" in environ


def _answering_worker(connection: socket.socket) -> str:
    """Send a health check on an open connection; the pid in the answer's worker header."""
    connection.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    with connection.makefile("rb") as answer:
        status = answer.readline()
        assert status.startswith(b"HTTP/1.1 200"), status
        for line in iter(answer.readline, b"\r\n"):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == WORKER_HEADER.lower():
                return value.strip()
    raise AssertionError("no worker header in the answer")


def test_connections_opened_together_are_spread_over_the_workers(served: Host) -> None:
    """A keep-alive connection stays with the worker that accepted it. When the workers shared one listening
    socket, the one free at the moment accepted every connection waiting: 50 users arriving at once went 49
    to one worker and 1 to the other (`make bench-load`). Each worker now listens on its own socket, which
    holds its share of the connections until it is free."""
    busy = min(_worker_pids(served, 2, "/api/health"))
    os.kill(busy, signal.SIGSTOP)  # one worker busy while the connections arrive, the other free to accept
    try:
        connections = [socket.create_connection(("127.0.0.1", served.port), timeout=30) for _ in range(40)]
        time.sleep(0.5)  # time for the free worker to accept every connection it can reach
    finally:
        os.kill(busy, signal.SIGCONT)
    try:
        answered = collections.Counter(_answering_worker(connection) for connection in connections)
    finally:
        for connection in connections:
            connection.close()
    assert len(answered) == 2, answered
    # Spread by a hash of each connection's address: fewer than 8 of 40 on one side is a chance of about
    # 1 in 20,000 (binomial, p = 1/2).
    assert min(answered.values()) >= 8, answered


def test_a_job_queued_through_a_worker_runs_once(served: Host) -> None:
    """A general ledger's load queues jobs on the served bus (the load, then the journal-entry tests):
    each is delivered once, by one process, however many workers answer requests."""
    started: datetime = clock.now()
    admin = create_firm("Workers CPA")
    api = f"{served.base}/api"
    token = httpx.post(f"{api}/auth/login", json={"email": admin.email, "password": PASSWORD}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    client = httpx.post(f"{api}/clients", json={"name": "Workers Co"}, headers=auth).json()["id"]
    engagement = httpx.post(
        f"{api}/engagements",
        json={
            "client_id": client,
            "name": "FY2026 audit",
            "engagement_type": "audit",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "framework": "us_gaap",
        },
        headers=auth,
    ).json()["id"]
    ledger = "JE Number,Line,Account,Debit,Credit,Posting Date,Entry Date,Entry Time,Created By,Memo\n" + "".join(
        f"J{n},1,1100,{n}00.00,,2026-03-0{n},2026-03-0{n},10:00:00,ann,Sale {n}\n"
        f"J{n},2,4000,,{n}00.00,2026-03-0{n},2026-03-0{n},10:00:00,ann,Sale {n}\n"
        for n in range(1, 6)
    )
    loaded = httpx.post(
        f"{api}/engagements/{engagement}/datasets",
        params={"kind": "general_ledger"},
        content=ledger.encode(),
        headers={**auth, "Content-Type": "text/csv"},
    )
    assert loaded.status_code == 202, loaded.text

    def runs() -> list[dict[str, str]]:
        return list(httpx.get(f"{api}/engagements/{engagement}/je-tests/runs", headers=auth).json()["items"])

    assert wait_for(lambda: [run for run in runs() if run["status"] == "completed"], timeout=120), runs()
    assert len(runs()) == 1, "one journal-entry run for one load"
    with UnitOfWork(system=True) as uow:
        deliveries = uow.session.scalars(select(LocalDelivery).where(LocalDelivery.created_at >= started)).all()
    assert len(deliveries) >= 2, "the load and the tests went through the bus"
    assert {(d.status, d.delivery_count) for d in deliveries} == {("delivered", 1)}, [
        (d.function_name, d.message_type, d.status, d.delivery_count, d.last_error) for d in deliveries
    ]


def test_a_worker_that_dies_is_replaced(served: Host) -> None:
    before = _worker_pids(served, 2, "/api/health")
    victim = max(before)
    os.kill(victim, signal.SIGKILL)
    assert wait_for(lambda: not _alive(victim), timeout=30)
    after = _worker_pids(served, 2, "/api/health")
    assert len(after) == 2 and victim not in after, served.output()
    assert served.process.poll() is None, "the host keeps serving"
    assert f"(pid {victim}) died (signal 9); starting a new one" in served.output()


def _stopped_cleanly(host: Host, workers: set[int]) -> None:
    assert host.process.wait(timeout=60) == 0, host.output()
    assert not [pid for pid in workers if _alive(pid)], "no worker outlives the host"
    assert _port_is_free(host.port), "nothing listens on the port any more"


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda process: os.killpg(process.pid, signal.SIGINT), id="ctrl-c"),  # a terminal's Ctrl-C
        pytest.param(lambda process: process.terminate(), id="sigterm"),  # the host alone, as a process manager
    ],
)
def test_stopping_the_host_stops_every_worker(
    database: str, tmp_path: Path, stop: Callable[[subprocess.Popen[bytes]], None]
) -> None:
    host = _serve(tmp_path, "--workers", "2")
    try:
        workers = _worker_pids(host, 2)
        assert len(workers) == 2
        stop(host.process)
        _stopped_cleanly(host, workers)
    finally:
        _kill_group(host.process)


def test_workers_do_not_outlive_a_killed_host(database: str, tmp_path: Path) -> None:
    host = _serve(tmp_path, "--workers", "2")
    try:
        workers = _worker_pids(host, 2)
        assert len(workers) == 2
        host.process.kill()
        host.process.wait()
        assert wait_for(lambda: not [pid for pid in workers if _alive(pid)], timeout=60), "the kernel ends them"
        assert wait_for(lambda: _port_is_free(host.port), timeout=10)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(host.process.pid, signal.SIGKILL)


def test_a_timer_fires_in_one_worker_only(database: str, tmp_path: Path) -> None:
    """A timer due every second, served by two workers: every occurrence is written by the same one."""
    fired = tmp_path / "fired.log"
    fired.touch()
    port = free_port()
    run = (
        "import sys; from aura_local.workers import WorkerSpec, run; "
        f"sys.exit(run(WorkerSpec('tests.integration.workers_app:app', '127.0.0.1', {port}), 2))"
    )
    host = _start([sys.executable, "-c", run], tmp_path / "state", port, AURA_TEST_TIMER_LOG=str(fired))
    try:
        workers = _worker_pids(host, 2, "/api/hello")
        assert len(workers) == 2
        assert wait_for(lambda: len(fired.read_text().split()) >= 4, timeout=30), host.output()
        host.process.terminate()
        _stopped_cleanly(host, workers)
    finally:
        _kill_group(host.process)
    firing = fired.read_text().split()
    assert len(set(firing)) == 1, f"fired by {set(firing)}"
    assert int(firing[0]) in workers


def test_a_worker_that_cannot_start_stops_the_host_with_a_message(database: str, tmp_path: Path) -> None:
    port = free_port()
    run = (
        "import sys; from aura_local.workers import WorkerSpec, run; "
        f"sys.exit(run(WorkerSpec('tests.integration.no_such_app:app', '127.0.0.1', {port}), 2))"
    )
    process = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", run],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 1
    assert "could not start (exit code 3); stopping the host" in process.stderr
    assert "No module named 'tests.integration.no_such_app'" in process.stderr
    assert _port_is_free(port)
