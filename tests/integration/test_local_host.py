"""The local host against a real PostgreSQL: HTTP routing and the Service Bus stand-in's guarantees.

The app under test is a FunctionApp built here, registered the way function_app.py registers the
capability blueprints, so the host sees exactly what it would see in the real app.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
import httpx
import pytest
from azure.functions.servicebus import ServiceBusMessage as TriggerServiceBusMessage
from sqlalchemy import func as sql_func
from sqlalchemy import select, update

from aura_local.delivery import BoundFunction, LocalTransport, dead_letters
from aura_local.host import LocalHost, TimerScheduler
from shared.bus.consumer import SERVICE_BUS_CONNECTION, SUBSCRIPTION_FILTERS, event_consumer
from shared.bus.envelope import Envelope
from shared.bus.outbox import OutgoingMessage
from shared.db.models import InboxMessage, Job, LocalDelivery, OutboxMessage
from shared.db.uow import UnitOfWork
from tests.integration.localhost_support import create_firm, running_server, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


# What the test functions saw, keyed by a recorder name; cleared before each test.
SEEN: dict[str, list[Any]] = defaultdict(list)
_SEEN_LOCK = threading.Lock()

HANDLER_ERROR = "the lh handler always fails"


def _record(key: str, value: Any) -> None:
    with _SEEN_LOCK:
        SEEN[key].append(value)


def _seen(key: str) -> list[Any]:
    with _SEEN_LOCK:
        return list(SEEN[key])


def build_app() -> func.FunctionApp:
    """A fresh app each time: FunctionApp.get_functions() may be called only once per app."""
    bp = func.Blueprint()
    for subscription in ("lh-job-writer", "lh-always-fails"):  # one consumer per subscription
        SUBSCRIPTION_FILTERS.pop(subscription, None)

    @bp.route(route="echo/{item_id}", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
    def lh_echo(req: func.HttpRequest) -> func.HttpResponse:
        body = req.get_json() if req.get_body() else None
        echoed = {
            "method": req.method,
            "url": req.url,
            "route_params": dict(req.route_params),
            "params": dict(req.params),
            "body": body,
            "custom_header": req.headers.get("X-CUSTOM-HEADER"),
        }
        return func.HttpResponse(json.dumps(echoed), mimetype="application/json", headers={"X-Echo": "yes"})

    @bp.route(route="numbers/{n:int}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def lh_number(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(str(int(req.route_params["n"]) * 2))

    @bp.route(route="numbers/special", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def lh_number_special(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("special")

    @bp.route(route="broken", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def lh_broken(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("a bug")

    @bp.route(route="emit", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    def lh_emit(req: func.HttpRequest) -> func.HttpResponse:
        firm_id = uuid.UUID(req.get_json()["firm_id"])
        with UnitOfWork(firm_id=firm_id) as uow:
            envelope = uow.add_command("lh_run_job", {"via": "http"})
            uow.commit()
        return func.HttpResponse(
            json.dumps({"message_id": str(envelope.id)}), status_code=202, mimetype="application/json"
        )

    @bp.service_bus_queue_trigger(arg_name="msg", queue_name="jobs", connection=SERVICE_BUS_CONNECTION)
    def lh_jobs(msg: func.ServiceBusMessage) -> None:
        _record("jobs", msg)

    @bp.function_name("lh_all_events")
    @bp.service_bus_topic_trigger(
        arg_name="msg",
        topic_name="events",
        subscription_name="lh-audit-everything",
        connection=SERVICE_BUS_CONNECTION,
    )
    def lh_all_events(msg: func.ServiceBusMessage) -> None:
        _record("all_events", Envelope.from_json(msg.get_body()))

    @bp.timer_trigger(arg_name="timer", schedule="* * * * * *")
    def lh_every_second(timer: func.TimerRequest) -> None:
        _record("ticks", timer.past_due)

    @bp.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *", run_on_startup=True)
    def lh_yearly_on_startup(timer: func.TimerRequest) -> None:
        _record("startup", timer.past_due)

    @event_consumer(bp, name="lh_job_writer", subscription="lh-job-writer", events=["lh.thing_happened"])
    def write_job(uow: UnitOfWork, envelope: Envelope) -> None:
        _record("job_writer", envelope.id)
        uow.session.add(Job(firm_id=envelope.firm_id, kind="lh.thing_happened", params=envelope.payload))

    @event_consumer(bp, name="lh_always_fails", subscription="lh-always-fails", events=["lh.doomed"])
    def always_fail(uow: UnitOfWork, envelope: Envelope) -> None:
        _record("failures", envelope.id)
        raise RuntimeError(HANDLER_ERROR)

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(bp)
    return app


@pytest.fixture(autouse=True)
def _clear_recorders() -> None:
    with _SEEN_LOCK:
        SEEN.clear()


@pytest.fixture(scope="module", autouse=True)
def _quiet_bus(database: str) -> None:
    """Start from an empty bus: earlier test modules share the database and leave messages nobody
    relayed, which the hosts here would otherwise have to work through before their own."""
    with UnitOfWork(system=True) as uow:
        uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.published_at.is_(None)).values(published_at=sql_func.now())
        )
        uow.session.execute(
            update(LocalDelivery)
            .where(LocalDelivery.status == "pending")
            .values(status="delivered", finished_at=sql_func.now())
        )
        uow.commit()


@pytest.fixture(scope="module")
def host(database: str) -> Iterator[LocalHost]:
    local_host = LocalHost(build_app(), backoff_base=0.001, backoff_cap=0.005)
    yield local_host
    local_host.stop()


@pytest.fixture
def firm(database: str) -> uuid.UUID:
    return create_firm()


def _jobs_in(firm_id: uuid.UUID) -> int:
    with UnitOfWork(firm_id=firm_id) as uow:
        return int(uow.session.scalar(select(sql_func.count()).select_from(Job)) or 0)


def _deliveries(message_id: uuid.UUID) -> list[LocalDelivery]:
    with UnitOfWork(system=True) as uow:
        return list(uow.session.scalars(select(LocalDelivery).where(LocalDelivery.message_id == str(message_id))).all())


def _request(host: LocalHost, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(call())


# --- HTTP ----------------------------------------------------------------------------------------------


def test_route_params_query_body_and_headers_reach_the_function(host: LocalHost) -> None:
    response = _request(
        host,
        "POST",
        "/api/echo/42?a=1&a=2&empty=&b=x",
        json={"amount": "12.50"},
        headers={"x-Custom-Header": "hello"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-echo"] == "yes"
    assert response.json() == {
        "method": "POST",
        "url": "http://testserver/api/echo/42?a=1&a=2&empty=&b=x",
        "route_params": {"item_id": "42"},
        "params": {"a": "1", "empty": "", "b": "x"},
        "body": {"amount": "12.50"},
        "custom_header": "hello",
    }


def test_constrained_and_literal_routes(host: LocalHost) -> None:
    assert _request(host, "GET", "/api/numbers/21").text == "42"
    assert _request(host, "GET", "/api/numbers/special").text == "special"
    assert _request(host, "GET", "/api/numbers/twenty").status_code == 404


def test_unknown_route_is_a_404_problem(host: LocalHost) -> None:
    response = _request(host, "GET", "/api/no/such/thing")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert problem["code"] == "not_found"
    assert problem["instance"] == "/api/no/such/thing"


def test_wrong_method_is_a_405_problem_naming_the_allowed_ones(host: LocalHost) -> None:
    response = _request(host, "DELETE", "/api/echo/1")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"


def test_a_failing_function_is_a_500_problem_without_details(host: LocalHost) -> None:
    response = _request(host, "GET", "/api/broken")

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "a bug" not in response.text


def test_a_body_over_the_cap_is_refused_with_413(database: str) -> None:
    small = LocalHost(build_app(), max_body_bytes=16, run_bus=False)

    assert _request(small, "POST", "/api/echo/1", content=b'{"a": "0123456"}').status_code == 200
    response = _request(small, "POST", "/api/echo/1", content=b'{"a": "01234567"}')

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_root_points_to_the_api_docs_without_a_static_dir(host: LocalHost) -> None:
    response = _request(host, "GET", "/")

    assert response.status_code == 200
    assert response.json()["docs"] == "/api/docs"


def test_static_files_with_client_side_routing_and_no_escape(database: str, tmp_path: Path) -> None:
    static = tmp_path / "dist"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<html>portal</html>")
    (static / "assets" / "app.js").write_text("console.log('portal')")
    (tmp_path / "secret.txt").write_text("do not serve")
    portal = LocalHost(build_app(), static_dir=static, run_bus=False)

    script = _request(portal, "GET", "/assets/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert _request(portal, "GET", "/engagements/123/binder").text == "<html>portal</html>"
    assert _request(portal, "GET", "/assets/missing.js").status_code == 404
    assert _request(portal, "GET", "/api/not-a-function").headers["content-type"] == "application/problem+json"

    # A path that climbs out of the static dir, sent raw (clients normalize `..` away themselves).
    for path in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"):
        status, body = asyncio.run(_raw_get(portal, path))
        assert b"do not serve" not in body
        assert status == 404


def test_static_files_carry_the_portals_security_headers_as_in_azure(database: str, tmp_path: Path) -> None:
    """The portal's staticwebapp.config.json (what Azure Static Web Apps applies) is applied locally too,
    so the browser tests run the portal under the same Content-Security-Policy."""
    static = tmp_path / "dist"
    static.mkdir()
    (static / "index.html").write_text("<html>portal</html>")
    shipped = json.loads((ROOT / "portal" / "public" / "staticwebapp.config.json").read_text())
    (static / "staticwebapp.config.json").write_text(json.dumps(shipped))
    portal = LocalHost(build_app(), static_dir=static, run_bus=False)

    page = _request(portal, "GET", "/engagements")
    csp = page.headers["content-security-policy"]
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in page.headers  # meaningless over plain HTTP
    # the API keeps its own headers
    assert "content-security-policy" not in _request(portal, "GET", "/api/not-a-function").headers
    # and Azure's fallback to index.html leaves /api alone, as the local host does
    assert "/api/*" in shipped["navigationFallback"]["exclude"]


async def _raw_get(app: LocalHost, path: str) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
        "scheme": "http",
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return int(sent[0]["status"]), b"".join(message.get("body", b"") for message in sent[1:])


def test_through_a_real_uvicorn_a_request_commits_a_command_that_reaches_the_queue(
    database: str, firm: uuid.UUID
) -> None:
    served = LocalHost(build_app(), poll_interval=0.05, backoff_base=0.001, backoff_cap=0.005)
    with running_server(served) as url:
        assert served.running, "lifespan startup starts the background loop"
        echoed = httpx.get(f"{url}/api/echo/7?q=1", headers={"X-Custom-Header": "over tcp"}, timeout=10)
        assert echoed.status_code == 200
        assert echoed.json()["route_params"] == {"item_id": "7"}
        assert echoed.json()["custom_header"] == "over tcp"
        assert httpx.get(f"{url}/api/nowhere", timeout=10).status_code == 404

        emitted = httpx.post(f"{url}/api/emit", json={"firm_id": str(firm)}, timeout=10)
        assert emitted.status_code == 202
        message_id = emitted.json()["message_id"]
        assert wait_for(lambda: any(msg.message_id == message_id for msg in _seen("jobs")), timeout=10)
        assert wait_for(lambda: _seen("startup") == [False], timeout=5), "runOnStartup fired once"
    assert not served.running, "lifespan shutdown stops the background loop"


# --- the bus: the behaviours the project relies on -----------------------------------------------------


def test_a_message_delivered_twice_changes_the_database_once(host: LocalHost, firm: uuid.UUID) -> None:
    with UnitOfWork(firm_id=firm) as uow:
        envelope = uow.add_event("lh.thing_happened", {"ref": "first"})
        uow.commit()

    host.dispatcher.run_until_idle(timeout=10)
    assert _jobs_in(firm) == 1
    [delivery] = [d for d in _deliveries(envelope.id) if d.function_name == "lh_job_writer"]
    assert (delivery.status, delivery.delivery_count, delivery.entity) == (
        "delivered",
        1,
        "events/subscriptions/lh-job-writer",
    )

    # Service Bus redelivers (a lock lost after the work committed): the row goes back to pending.
    with UnitOfWork(system=True) as uow:
        uow.session.execute(
            update(LocalDelivery)
            .where(LocalDelivery.id == delivery.id)
            .values(status="pending", next_attempt_at=sql_func.now(), finished_at=None)
        )
        uow.commit()
    host.dispatcher.run_until_idle(timeout=10)
    [redelivered] = [d for d in _deliveries(envelope.id) if d.function_name == "lh_job_writer"]
    assert (redelivered.status, redelivered.delivery_count) == ("delivered", 2)

    # And the trigger called directly with the same message, as a trigger test would.
    trigger = next(f for f in host.functions if f.name == "lh_job_writer")
    message = TriggerServiceBusMessage(
        body=envelope.to_json().encode(),
        message_id=str(envelope.id),
        delivery_count=3,
        application_properties={"type": envelope.type},
        user_properties={},
    )
    trigger.invoke(message)

    assert _jobs_in(firm) == 1
    with UnitOfWork(firm_id=firm) as uow:
        inbox = uow.session.scalars(select(InboxMessage).where(InboxMessage.message_id == str(envelope.id))).all()
    assert [row.consumer for row in inbox] == ["lh_job_writer"]
    assert _seen("job_writer") == [envelope.id], "the handler ran once; the inbox turned the rest away"


def test_an_outbox_row_sent_twice_is_enqueued_once(host: LocalHost, firm: uuid.UUID) -> None:
    with UnitOfWork(firm_id=firm) as uow:
        envelope = uow.add_event("lh.thing_happened", {"ref": "resent"})
        uow.commit()
    host.dispatcher.run_until_idle(timeout=10)
    before = {(d.function_name, d.status, d.delivery_count) for d in _deliveries(envelope.id)}

    # The relay crashed after sending but before marking the row: it sends the same row again.
    with UnitOfWork(system=True) as uow:
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == envelope.id).values(published_at=None))
        uow.commit()
    host.dispatcher.run_until_idle(timeout=10)
    message = OutgoingMessage(str(envelope.id), "event", "events", envelope.type, envelope.model_dump(mode="json"))
    LocalTransport(host.dispatcher.routes).send(message)

    after = {(d.function_name, d.status, d.delivery_count) for d in _deliveries(envelope.id)}
    assert before == after == {("lh_job_writer", "delivered", 1), ("lh_all_events", "delivered", 1)}
    assert _jobs_in(firm) == 1


def test_a_handler_that_keeps_failing_is_dead_lettered_after_ten_deliveries(host: LocalHost, firm: uuid.UUID) -> None:
    with UnitOfWork(firm_id=firm) as uow:
        envelope = uow.add_event("lh.doomed", {"ref": "doomed"})
        uow.commit()

    host.dispatcher.run_until_idle(timeout=20)
    host.dispatcher.run_until_idle(timeout=1)  # nothing further happens to a dead letter

    assert _seen("failures") == [envelope.id] * 10
    [letter] = [d for d in host.dispatcher.dead_letters() if d.message_id == str(envelope.id)]
    assert letter.function_name == "lh_always_fails"
    assert letter.entity == "events/subscriptions/lh-always-fails"
    assert letter.message_type == "lh.doomed"
    assert letter.delivery_count == 10
    assert letter.last_error == f"RuntimeError: {HANDLER_ERROR}"
    # The subscription that takes everything got the same event once, and is not affected.
    assert [e.id for e in _seen("all_events")] == [envelope.id]
    with UnitOfWork(system=True) as uow:
        assert letter in dead_letters(uow.session)
    with UnitOfWork(firm_id=firm) as uow, pytest.raises(RuntimeError, match="system scope"):
        dead_letters(uow.session)


def test_an_event_in_a_rolled_back_transaction_is_never_delivered(host: LocalHost, firm: uuid.UUID) -> None:
    with UnitOfWork(firm_id=firm) as uow:
        abandoned = uow.add_event("lh.thing_happened", {"ref": "never committed"})
    with pytest.raises(RuntimeError, match="the work failed"), UnitOfWork(firm_id=firm) as uow:
        written = uow.add_event("lh.thing_happened", {"ref": "written, then rolled back"})
        uow.flush_outbox()  # in the outbox table, inside the transaction
        raise RuntimeError("the work failed")

    host.dispatcher.run_until_idle(timeout=10)

    with UnitOfWork(system=True) as uow:
        outbox_ids = set(uow.session.scalars(select(OutboxMessage.id)).all())
    assert abandoned.id not in outbox_ids
    assert written.id not in outbox_ids
    assert _deliveries(abandoned.id) == [] and _deliveries(written.id) == []
    assert _seen("job_writer") == [] and _seen("all_events") == []
    assert _jobs_in(firm) == 0


def test_a_command_reaches_the_queue_trigger_only(host: LocalHost, firm: uuid.UUID) -> None:
    with UnitOfWork(firm_id=firm) as uow:
        envelope = uow.add_command("lh_run_job", {"job": "demo"})
        uow.commit()

    host.dispatcher.run_until_idle(timeout=10)

    [message] = _seen("jobs")
    assert message.message_id == str(envelope.id)
    assert message.delivery_count == 1
    assert message.content_type == "application/json"
    assert message.subject == "lh_run_job"
    assert message.application_properties["type"] == "lh_run_job"
    assert message.correlation_id == envelope.correlation_id
    assert Envelope.from_json(message.get_body()) == envelope
    assert _seen("all_events") == [], "a command is not published to the topic"
    [delivery] = _deliveries(envelope.id)
    assert (delivery.entity, delivery.function_name, delivery.status) == ("jobs", "lh_jobs", "delivered")


def test_an_outcome_after_the_lock_was_lost_is_dropped(host: LocalHost, firm: uuid.UUID) -> None:
    with UnitOfWork(firm_id=firm) as uow:
        envelope = uow.add_command("lh_run_job", {"job": "slow"})
        uow.commit()
    host.dispatcher.relay_once()
    [claim] = host.dispatcher.claim_due()
    assert claim.message_id == str(envelope.id) and claim.delivery_count == 1
    assert host.dispatcher.claim_due() == [], "a locked message is not handed out twice"

    # The lock expired while the function ran and another receiver took the message.
    with UnitOfWork(system=True) as uow:
        uow.session.execute(update(LocalDelivery).where(LocalDelivery.id == claim.id).values(delivery_count=2))
        uow.commit()
    assert host.dispatcher.deliver(claim) is True

    [row] = _deliveries(envelope.id)
    assert (row.status, row.delivery_count, row.finished_at) == ("pending", 2, None)
    with UnitOfWork(system=True) as uow:
        uow.session.execute(update(LocalDelivery).where(LocalDelivery.id == claim.id).values(status="delivered"))
        uow.commit()


def test_timers_fire_in_the_background_loop(database: str) -> None:
    timed = LocalHost(build_app(), poll_interval=0.05, run_bus=False)
    timed.start()
    try:
        assert wait_for(lambda: len(_seen("ticks")) >= 2, timeout=5), "the every-second timer fires"
        assert _seen("startup") == [False], "runOnStartup fires once, at start"
    finally:
        timed.stop()
    assert not timed.running
    fired = len(_seen("ticks"))
    wait_for(lambda: False, timeout=1.2)
    assert len(_seen("ticks")) == fired, "nothing fires after stop"


def test_a_timer_that_missed_occurrences_fires_once_past_due() -> None:
    ticks: list[bool] = []
    function = BoundFunction(
        "lh_manual_timer",
        {"type": "timerTrigger", "name": "timer", "schedule": "*/10 * * * * *"},
        lambda timer: ticks.append(timer.past_due),
    )
    scheduler = TimerScheduler([function])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    scheduler.start(now=start)
    try:
        assert scheduler.tick(now=start + timedelta(seconds=5)) == 0
        assert scheduler.tick(now=start + timedelta(seconds=10)) == 1
        wait_for(lambda: len(ticks) == 1, timeout=2)
        assert scheduler.tick(now=start + timedelta(seconds=45)) == 1  # 20, 30 and 40 were missed
        wait_for(lambda: len(ticks) == 2, timeout=2)
        assert scheduler.tick(now=start + timedelta(seconds=49)) == 0
    finally:
        scheduler.shutdown()
    assert ticks == [False, True]
