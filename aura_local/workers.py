"""Several worker processes behind one port, as the Functions host runs FUNCTIONS_WORKER_PROCESS_COUNT
Python workers per instance and spreads invocations over them.

One Python process answers requests on one core at a time (the GIL): with 50 users its CPU was one core
full while the other waited (`make bench-load`). `run()` claims the port in this process (the supervisor)
and starts N worker processes (`python -m aura_local.workers`), each with its own app, LocalHost and
database pool and its own listening socket on that port (SO_REUSEPORT, Linux): the kernel spreads new
connections evenly over the workers by a hash of their addresses. With one listening socket shared by
every worker, the worker that woke first accepted all the connections waiting (uvloop accepts until none
is left): 50 users arriving at once went 49 to one worker and 1 to the other, and a keep-alive
connection stays where it was accepted. The supervisor's socket is bound, never listening: it keeps the
port from any other program while workers come and go, and receives no connection.

Exactly one worker, number 0, runs the host's background work (the outbox relay, message deliveries and
timers), so a timer fires once per occurrence; the others only answer HTTP. Each response of a worker
carries `X-Aura-Local-Worker: <pid>` (local host only), so a client can tell who answered.

The supervisor restarts a worker that dies (worker 0 again with the background work, which first makes
the deliveries its predecessor left locked due again: aura_local/delivery.py), and stops the whole host
with a message when a worker could not start or workers keep dying. SIGINT (Ctrl-C) or SIGTERM stops
every worker gracefully, then kills what is left; a worker whose supervisor dies gets SIGTERM from the
kernel (Linux), so nothing keeps the port.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import logging
import os
import signal
import socket
import subprocess  # nosec B404 - the supervisor starts its own workers
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

log = logging.getLogger("aura_local.workers")

WORKER_HEADER = "X-Aura-Local-Worker"
STARTUP_FAILURE = 3  # a worker's exit code when it could not build the app or start serving (as uvicorn's)
STOP_GRACE_SECONDS = 40.0  # uvicorn's graceful shutdown (10 s) plus the background loop's wait for its work
RESTARTS_ALLOWED = 5  # deaths within RESTART_WINDOW_SECONDS before the supervisor gives up
RESTART_WINDOW_SECONDS = 60.0
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def default_workers() -> int:
    """AURA_LOCAL_WORKERS, else the CPUs this process may run on; at least 1."""
    configured = os.environ.get("AURA_LOCAL_WORKERS", "").strip()
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            raise SystemExit(f"AURA_LOCAL_WORKERS must be a whole number, not {configured!r}") from None
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus)


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker needs to build and serve the app; passed to it as JSON."""

    app: str  # "module:attribute" of the func.FunctionApp, imported in each worker
    host: str
    port: int
    static_dir: str | None = None
    log_level: str = "info"


@dataclass
class _Worker:
    index: int
    process: subprocess.Popen[bytes]
    started: float


class Supervisor:
    """Starts the workers on the port its socket claims, watches them, and stops them all."""

    def __init__(self, spec: WorkerSpec, sock: socket.socket, workers: int) -> None:
        self.spec = spec
        self.sock = sock
        self.count = workers
        self.workers: dict[int, _Worker] = {}
        self._stop = threading.Event()
        self._signals = 0
        self._deaths: list[float] = []

    @property
    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self.workers.values()]

    def _spawn(self, index: int) -> None:
        env = dict(os.environ)
        # The worker imports this very checkout's code (function_app.py lives at its root).
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), env.get("PYTHONPATH")]))
        # As the Functions host tells its Python workers: each then takes its share of the cores for hashing
        # passwords (shared/auth/passwords.py) instead of every worker assuming all of them.
        env["FUNCTIONS_WORKER_PROCESS_COUNT"] = str(self.count)
        process = subprocess.Popen(  # noqa: S603  # nosec B603 - this interpreter running our own module
            [
                sys.executable,
                "-m",
                "aura_local.workers",
                "--index",
                str(index),
                "--supervisor",
                str(os.getpid()),
                "--spec",
                json.dumps(self.spec.__dict__),
            ],
            env=env,
        )
        self.workers[index] = _Worker(index, process, time.monotonic())

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals += 1
        self._stop.set()
        if self._signals > 1:  # asked twice: no more waiting
            for worker in self.workers.values():
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()

    def run(self) -> int:
        """Serve until SIGINT or SIGTERM (0), or until a worker cannot start or workers keep dying (1)."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for index in range(self.count):
                self._spawn(index)
            log.info("%d worker processes (pids %s); worker 0 relays, delivers and fires timers", self.count, self.pids)
            return self._watch()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.sock.close()

    def _watch(self) -> int:
        while not self._stop.wait(0.25):
            for index, worker in list(self.workers.items()):
                code = worker.process.poll()
                if code is None:
                    continue
                if self._stop.is_set():
                    return 0
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                if code == STARTUP_FAILURE:
                    pid = worker.process.pid
                    log.error("worker %d (pid %d) could not start (%s); stopping the host", index, pid, how)
                    return 1
                now = time.monotonic()
                self._deaths = [moment for moment in self._deaths if now - moment < RESTART_WINDOW_SECONDS]
                self._deaths.append(now)
                if len(self._deaths) > RESTARTS_ALLOWED:
                    log.error(
                        "worker %d (pid %d) died (%s): %d deaths within %.0f s; stopping the host",
                        index,
                        worker.process.pid,
                        how,
                        len(self._deaths),
                        RESTART_WINDOW_SECONDS,
                    )
                    return 1
                log.error("worker %d (pid %d) died (%s); starting a new one", index, worker.process.pid, how)
                self._spawn(index)
        return 0

    def stop(self) -> None:
        """SIGTERM to every worker, up to STOP_GRACE_SECONDS for them to finish, then SIGKILL."""
        for worker in self.workers.values():
            if worker.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for worker in self.workers.values():
            try:
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker %d (pid %d) did not stop; killing it", worker.index, worker.process.pid)
                worker.process.kill()
                worker.process.wait()


def bind(host: str, port: int) -> socket.socket:
    """A socket on (host, port) that other sockets of this user may share (SO_REUSEPORT), as uvicorn binds
    one otherwise; a port held by another program ends the command."""
    reuse_port = getattr(socket, "SO_REUSEPORT", None)
    if reuse_port is None:  # Windows
        raise SystemExit("several worker processes need SO_REUSEPORT, which this system lacks: use --workers 1")
    sock = socket.socket(family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, reuse_port, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def run(spec: WorkerSpec, workers: int) -> int:
    """Serve `spec.app` from `workers` processes on one port until interrupted; the exit status."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    claim = bind(spec.host, spec.port)
    # Port 0 asks for a free one: every worker then listens on the one the claim got.
    spec = dataclasses.replace(spec, port=claim.getsockname()[1])
    return Supervisor(spec, claim, workers).run()


# --- the worker process ---------------------------------------------------------------------------------


def _die_with(supervisor: int) -> None:
    """Ask Linux for SIGTERM when the supervisor dies (even by SIGKILL), so no worker outlives it."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != supervisor:  # it died before the request took effect
        raise SystemExit(0)


def _load_app(reference: str) -> Any:
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute or "app")


def worker_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aura_local.workers", description="one worker of `aura serve`")
    parser.add_argument("--index", type=int, required=True, help="0 runs the background work")
    parser.add_argument("--supervisor", type=int, required=True, help="the supervisor's pid")
    parser.add_argument("--spec", required=True, help="a WorkerSpec as JSON")
    args = parser.parse_args(argv)
    _die_with(args.supervisor)
    spec = WorkerSpec(**json.loads(args.spec))
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    background = args.index == 0
    from aura_local.host import LocalHost, build_server

    try:
        local_host = LocalHost(
            _load_app(spec.app),
            static_dir=Path(spec.static_dir) if spec.static_dir else None,
            run_bus=background,
            run_timers=background,
            response_headers=[(WORKER_HEADER, str(os.getpid()))],
        )
    except Exception:
        log.exception("worker %d could not build the app %s", args.index, spec.app)
        return STARTUP_FAILURE
    if background:
        base_url = f"http://{spec.host}:{spec.port}"
        for line in local_host.describe(base_url):
            log.info("  %s", line)
    server = build_server(local_host, host=spec.host, port=spec.port, log_level=spec.log_level)
    try:
        sock = bind(spec.host, spec.port)  # uvicorn listens on it, with its backlog
    except SystemExit as exc:
        log.error("worker %d: %s", args.index, exc)
        return STARTUP_FAILURE
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    return 0 if server.started else STARTUP_FAILURE


if __name__ == "__main__":
    sys.exit(worker_main())
