"""The local host's worker lanes: requests without credentials (sign-in above all) cannot take every worker.

A burst of slow anonymous requests (here: ones that wait until the test lets them go, as sign-ins wait
for a password hash) fills the anonymous lane; a signed-in request must still be answered meanwhile,
and the anonymous requests past the lane's size must wait rather than run.
"""

from __future__ import annotations

import asyncio
import threading

import azure.functions as func
import httpx
import pytest

from aura_local.host import LocalHost

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
