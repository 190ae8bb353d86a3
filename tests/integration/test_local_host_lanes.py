"""The local host's worker lanes: requests without credentials (sign-in above all) cannot take every worker,
and while sign-ins queue for their password hash the signed-in requests give them the CPU.

A burst of slow anonymous requests (here: ones that wait until the test lets them go, as sign-ins wait
for a password hash) fills the anonymous lane; a signed-in request must still be answered meanwhile,
and the anonymous requests past the lane's size must wait rather than run. With as many hashes under way
or waiting as the anonymous lane has room, signed-in requests run one at a time, and all together again
once the hashes are done.
"""

from __future__ import annotations

import asyncio
import threading
import time

import azure.functions as func
import httpx
import pytest

from aura_local.host import LocalHost
from shared.auth import passwords

pytestmark = pytest.mark.integration

BURST = 12


def _app(inside: list[int], release: threading.Event, lock: threading.Lock) -> func.FunctionApp:
    bp = func.Blueprint()

    @bp.route(route="slow-sign-in", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    def lanes_sign_in(req: func.HttpRequest) -> func.HttpResponse:
        with lock:
            inside[0] += 1
        release.wait(60)
        return func.HttpResponse("signed in")

    @bp.route(route="binder", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def lanes_read(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("the binder")

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(bp)
    return app


def test_a_burst_of_sign_ins_leaves_workers_for_signed_in_requests() -> None:
    inside = [0]
    release = threading.Event()
    lock = threading.Lock()
    host = LocalHost(_app(inside, release, lock), run_bus=False, http_workers=4)
    assert host.anonymous_workers == 2

    async def scenario() -> tuple[int, str, int, list[int]]:
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=60) as client:
            burst = [asyncio.create_task(client.post("/api/slow-sign-in")) for _ in range(BURST)]
            while True:  # until the anonymous lane is full
                with lock:
                    if inside[0] >= host.anonymous_workers:
                        break
                await asyncio.sleep(0.01)
            read = await client.get("/api/binder", headers={"Authorization": "Bearer a-signed-in-user"})
            with lock:
                running_meanwhile = inside[0]
            release.set()
            answers = await asyncio.gather(*burst)
            return read.status_code, read.text, running_meanwhile, [answer.status_code for answer in answers]

    try:
        status, text, running_meanwhile, burst_statuses = asyncio.run(scenario())
    finally:
        release.set()
    assert (status, text) == (200, "the binder"), "the signed-in request was answered during the burst"
    assert running_meanwhile == host.anonymous_workers, "the rest of the burst waited its turn"
    assert burst_statuses == [200] * BURST, "and every sign-in was answered in the end"


class _HeldHasher:
    """Holds each password check until the test lets it go, without the CPU a real argon2 hash costs."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def verify(self, password_hash: str, password: str) -> bool:
        self.release.wait(60)
        return False

    def hash(self, password: str) -> str:  # the dummy hash checked for an unknown account
        return "dummy"


def _hashing_app(reading: list[int], read_release: threading.Event, lock: threading.Lock) -> func.FunctionApp:
    bp = func.Blueprint()

    @bp.route(route="hashing-sign-in", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    def lanes_hashing_sign_in(req: func.HttpRequest) -> func.HttpResponse:
        passwords.verify_password("stored", "a wrong one 2026")
        return func.HttpResponse("checked", status_code=401)

    @bp.route(route="held-read", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def lanes_held_read(req: func.HttpRequest) -> func.HttpResponse:
        with lock:
            reading[0] += 1
            reading[1] = max(reading[1], reading[0])
        read_release.wait(60)
        with lock:
            reading[0] -= 1
        return func.HttpResponse("read")

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(bp)
    return app


def test_signed_in_requests_run_one_at_a_time_while_sign_ins_queue_for_their_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = _HeldHasher()
    monkeypatch.setattr(passwords, "_hasher", lambda: hasher)
    reading = [0, 0]  # running now, most at once
    read_release = threading.Event()
    lock = threading.Lock()
    host = LocalHost(_hashing_app(reading, read_release, lock), run_bus=False, http_workers=4)
    signed_in = {"Authorization": "Bearer a-signed-in-user"}

    async def running(wanted: int) -> int:
        """How many reads run once `wanted` do, or after 5 s; then 0.2 s more to see none joins them."""
        deadline = time.monotonic() + 5
        while reading[0] < wanted and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        return reading[0]

    async def scenario() -> tuple[int, int, list[int], list[int]]:
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=60) as client:
            # As many sign-ins as the anonymous lane holds, every one at its hash: the lane narrows.
            sign_ins = [asyncio.create_task(client.post("/api/hashing-sign-in")) for _ in range(host.anonymous_workers)]
            deadline = time.monotonic() + 5
            while passwords.hashes_pending() < host.anonymous_workers and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert passwords.hashes_pending() == host.anonymous_workers
            reads = [asyncio.create_task(client.get("/api/held-read", headers=signed_in)) for _ in range(4)]
            queued = await running(1)
            hasher.release.set()  # the sign-ins end: the lane widens, and the waiting reads run together
            together = await running(4)
            read_release.set()
            answers = await asyncio.gather(*sign_ins, *reads)
            statuses = [answer.status_code for answer in answers]
            return queued, together, statuses[: len(sign_ins)], statuses[len(sign_ins) :]

    try:
        queued, together, sign_in_statuses, read_statuses = asyncio.run(scenario())
    finally:
        hasher.release.set()
        read_release.set()
    assert queued == 1, "while the sign-ins queued for their hash, one signed-in request ran at a time"
    assert together == 4, "once they ended, the signed-in lane was as wide as before"
    assert sign_in_statuses == [401] * host.anonymous_workers
    assert read_statuses == [200] * 4
