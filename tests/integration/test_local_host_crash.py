"""A local host killed mid-delivery: the next host redelivers at once, not when the message lock expires.

The crashed receiver is a real process, killed with SIGKILL while its function runs, with a lock of an
hour: a host that waited for the lock would not deliver within the test. The lease a live receiver
holds keeps its message from a host that starts meanwhile, and a retry waiting out its backoff keeps
its time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest
from sqlalchemy import func as sql_func
from sqlalchemy import select, update

from aura_local.delivery import BoundFunction, BusRoutes, Dispatcher, LocalTransport
from aura_local.host import LocalHost
from shared.bus.consumer import SERVICE_BUS_CONNECTION
from shared.bus.outbox import OutgoingMessage
from shared.db.models import LocalDelivery, OutboxMessage
from shared.db.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "lhc-crash-jobs"
FUNCTION = "lhc_jobs"
HOUR = 3600.0

pytestmark = pytest.mark.integration

# A receiver of QUEUE in a process of its own: it claims the message (locked for an hour), says so, and
# hangs in the function until it is killed.
CRASHING_RECEIVER = textwrap.dedent(
    f"""
    import sys, time
    from aura_local.delivery import BoundFunction, BusRoutes, Dispatcher

    def hang(msg):
        print("running", msg.message_id, flush=True)
        time.sleep({HOUR})

    function = BoundFunction({FUNCTION!r}, {{"type": "serviceBusTrigger", "name": "msg", "queueName": {QUEUE!r}}}, hang)
    Dispatcher(BusRoutes({{{QUEUE!r}: function}}, ()), lock_seconds={HOUR}).deliver_once()
    """
)


def _app(received: list[str]) -> func.FunctionApp:
    bp = func.Blueprint()

    @bp.function_name(FUNCTION)
    @bp.service_bus_queue_trigger(arg_name="msg", queue_name=QUEUE, connection=SERVICE_BUS_CONNECTION)
    def lhc_jobs(msg: func.ServiceBusMessage) -> None:
        received.append(str(msg.message_id))

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(bp)
    return app


@pytest.fixture(autouse=True)
def _quiet_bus(database: str) -> None:
    """Nothing else pending for the host's relay: earlier modules share the database."""
    with UnitOfWork(system=True) as uow:
        uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.published_at.is_(None)).values(published_at=sql_func.now())
        )
        uow.commit()


def _enqueue() -> str:
    """A command on QUEUE, as the relay would have put it there."""
    message_id = str(uuid.uuid4())
    function = BoundFunction(FUNCTION, {"type": "serviceBusTrigger", "name": "msg", "queueName": QUEUE}, print)
    LocalTransport(BusRoutes({QUEUE: function}, ())).send(
        OutgoingMessage(message_id, "command", QUEUE, "lhc.run", {"id": message_id})
    )
    return message_id


def _delivery(message_id: str) -> LocalDelivery:
    with UnitOfWork(system=True) as uow:
        return uow.session.scalars(select(LocalDelivery).where(LocalDelivery.message_id == message_id)).one()


@pytest.fixture
def crashed(database: str) -> Iterator[str]:
    """A message whose receiver was killed (SIGKILL) mid-delivery, its lock an hour long; yields its id."""
    message_id = _enqueue()
    receiver = subprocess.Popen(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", CRASHING_RECEIVER],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert receiver.stdout is not None
        started = receiver.stdout.readline().decode()
        assert started.split() == ["running", message_id], receiver.stderr.read().decode() if receiver.stderr else ""
    finally:
        receiver.send_signal(signal.SIGKILL)
        receiver.wait(timeout=30)
    yield message_id


def test_a_delivery_killed_mid_run_is_delivered_on_the_next_hosts_first_poll(crashed: str) -> None:
    left = _delivery(crashed)
    assert (left.status, left.delivery_count, left.finished_at) == ("pending", 1, None)
    assert (left.next_attempt_at - left.created_at).total_seconds() > HOUR - 60, "locked for an hour"

    received: list[str] = []
    host = LocalHost(_app(received))
    try:
        assert host.tick(), "one poll of the restarted host"
    finally:
        host.stop()

    assert received == [crashed], "delivered again by the first poll, not an hour later"
    delivered = _delivery(crashed)
    assert (delivered.status, delivered.delivery_count) == ("delivered", 2), "the crashed attempt counts"


def test_a_delivery_a_live_receiver_is_running_is_left_to_it(database: str) -> None:
    message_id = _enqueue()
    running: list[str] = []

    def run(msg: func.ServiceBusMessage) -> None:
        running.append(str(msg.message_id))

    live = Dispatcher.for_functions(
        [BoundFunction(FUNCTION, {"type": "serviceBusTrigger", "name": "msg", "queueName": QUEUE}, run)],
        lock_seconds=HOUR,
    )
    [claim] = live.claim_due()  # the live receiver's function is running now

    received: list[str] = []
    host = LocalHost(_app(received))
    try:
        assert host.tick()
        assert received == [], "another live receiver's delivery is not taken from it"
        assert _delivery(message_id).delivery_count == 1

        assert live.deliver(claim) is True  # the live receiver finishes and settles
    finally:
        host.stop()
        live.leases.close()
    assert running == [message_id] and received == []
    assert _delivery(message_id).status == "delivered"


def test_a_retry_waiting_out_its_backoff_keeps_its_time_when_a_host_starts(database: str) -> None:
    message_id = _enqueue()

    def fail(msg: func.ServiceBusMessage) -> None:
        raise RuntimeError("not yet")

    failing = Dispatcher.for_functions(
        [BoundFunction(FUNCTION, {"type": "serviceBusTrigger", "name": "msg", "queueName": QUEUE}, fail)],
        backoff_base=HOUR,
        backoff_cap=HOUR,
    )
    try:
        assert failing.deliver_once() == 1
    finally:
        failing.leases.close()
    waiting = _delivery(message_id)
    assert (waiting.status, waiting.delivery_count, waiting.last_error) == ("pending", 1, "RuntimeError: not yet")

    received: list[str] = []
    host = LocalHost(_app(received))
    try:
        assert host.tick()
    finally:
        host.stop()
    assert received == [], "a retry is not an abandoned lock: it waits its hour"
    assert _delivery(message_id).next_attempt_at == waiting.next_attempt_at
    with UnitOfWork(system=True) as uow:  # leave nothing pending for later modules
        uow.session.execute(update(LocalDelivery).where(LocalDelivery.id == waiting.id).values(status="dead_lettered"))
        uow.commit()
