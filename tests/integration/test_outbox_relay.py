"""The outbox relay against the real database, and the one-consumer-per-subscription rule."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import azure.functions as func
import pytest
from sqlalchemy import func as sql_func
from sqlalchemy import select, update

from shared.bus import consumer
from shared.bus.consumer import event_consumer
from shared.bus.outbox import OutgoingMessage, relay_pending
from shared.db.models import OutboxMessage
from shared.db.uow import UnitOfWork
from shared.settings import get_settings
from tests.support import create_firm

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


@pytest.fixture(autouse=True)
def quiet_bus() -> None:
    """Start from an outbox with nothing pending. A relay run sends one batch (100 rows) and the tests of
    this run share one database: earlier tests leave messages nobody relayed (the mapping tests alone over
    a hundred), and this test's rows would wait behind them for the next runs."""
    with UnitOfWork(system=True) as uow:
        uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.published_at.is_(None)).values(published_at=sql_func.now())
        )
        uow.commit()


class RecordingTransport:
    """Records what it sends; raises for the message ids in `fail_on`."""

    def __init__(self, fail_on: set[str] | None = None) -> None:
        self.sent: list[OutgoingMessage] = []
        self.fail_on = fail_on or set()

    def send(self, message: OutgoingMessage) -> None:
        if message.message_id in self.fail_on:
            raise ConnectionResetError("broker went away")
        self.sent.append(message)


def _commit_events(firm_id: uuid.UUID, count: int) -> list[str]:
    """`count` events committed in the firm, in this order; returns their ids."""
    marker = uuid.uuid4().hex[:8]
    with UnitOfWork(firm_id=firm_id, correlation_id=f"relay-{marker}") as uow:
        ids = [str(uow.add_event(f"test.relay.{i}", {"n": i, "marker": marker}).id) for i in range(count)]
        uow.commit()
    return ids


def _relay(transport: RecordingTransport) -> int:
    with UnitOfWork(system=True) as uow:
        published = relay_pending(uow.session, transport)
        uow.commit()
    return published


def _rows(ids: list[str]) -> dict[str, OutboxMessage]:
    with UnitOfWork(system=True) as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_([uuid.UUID(i) for i in ids])))
        return {str(row.id): row for row in rows}


def _mine(transport: RecordingTransport, ids: list[str]) -> list[str]:
    return [m.message_id for m in transport.sent if m.message_id in ids]


def test_committed_events_are_relayed_in_order_and_marked_published() -> None:
    firm = create_firm("Relay & Co")
    ids = _commit_events(firm.firm_id, 3)
    assert all(row.published_at is None for row in _rows(ids).values())

    first = RecordingTransport()
    published = _relay(first)

    assert _mine(first, ids) == ids
    assert published == len(first.sent) >= 3
    sent = {m.message_id: m for m in first.sent}
    for index, message_id in enumerate(ids):
        message = sent[message_id]
        assert message.kind == "event"
        assert message.destination == "events"
        assert message.message_type == f"test.relay.{index}"
        assert message.body["id"] == message_id
        assert message.body["firm_id"] == str(firm.firm_id)
        assert message.body["payload"]["n"] == index
        assert message.body["correlation_id"].startswith("relay-")
    rows = _rows(ids)
    assert all(rows[i].published_at is not None for i in ids)
    assert all(rows[i].attempts == 1 and rows[i].last_error is None for i in ids)

    second = RecordingTransport()
    _relay(second)
    assert _mine(second, ids) == []


def test_a_rolled_back_event_is_never_relayed() -> None:
    firm = create_firm("Rollback & Co")
    with UnitOfWork(firm_id=firm.firm_id) as uow:
        lost = str(uow.add_event("test.relay.lost", {}).id)
        uow.flush_outbox()  # written to the outbox table, then the block ends without commit
    transport = RecordingTransport()
    _relay(transport)
    assert lost not in {m.message_id for m in transport.sent}
    assert _rows([lost]) == {}


def test_a_failed_send_leaves_it_and_later_rows_for_the_next_run() -> None:
    firm = create_firm("Flaky Broker LLP")
    ids = _commit_events(firm.firm_id, 4)

    flaky = RecordingTransport(fail_on={ids[1]})
    _relay(flaky)

    assert _mine(flaky, ids) == ids[:1]
    rows = _rows(ids)
    assert rows[ids[0]].published_at is not None
    assert rows[ids[0]].last_error is None
    assert rows[ids[1]].published_at is None
    assert rows[ids[1]].attempts == 1
    assert rows[ids[1]].last_error == "ConnectionResetError"
    for later in ids[2:]:
        assert rows[later].published_at is None
        assert rows[later].attempts == 0

    healthy = RecordingTransport()
    _relay(healthy)

    assert _mine(healthy, ids) == ids[1:]
    rows = _rows(ids)
    assert all(rows[i].published_at is not None for i in ids)
    assert rows[ids[1]].attempts == 2
    assert [rows[i].attempts for i in ids[2:]] == [1, 1]


def test_an_app_relays_only_its_own_destinations_and_is_not_stalled_by_others() -> None:
    """Each Function App may send only to the topic and its own jobs queue; another app's job
    command waits for that app's relay and does not block the events behind it."""
    firm = create_firm("Two Apps LLP")
    settings = get_settings()
    with UnitOfWork(firm_id=firm.firm_id) as uow:
        command = str(uow.add_command("test.relay.job", {"job_id": str(uuid.uuid4())}).id)
        event = str(uow.add_event("test.relay.after_command", {}).id)
        uow.commit()

    other_app = RecordingTransport()
    with UnitOfWork(system=True) as uow:
        relay_pending(uow.session, other_app, destinations=(settings.events_topic, "jobs-elsewhere"))
        uow.commit()
    assert _mine(other_app, [command, event]) == [event]
    assert _rows([command])[command].published_at is None
    assert _rows([command])[command].attempts == 0

    own_app = RecordingTransport()
    with UnitOfWork(system=True) as uow:
        relay_pending(uow.session, own_app, destinations=(settings.events_topic, settings.jobs_queue))
        uow.commit()
    assert _mine(own_app, [command, event]) == [command]


# --- one consumer per subscription ------------------------------------------------------------------


@pytest.fixture
def subscription() -> Iterator[str]:
    name = f"test-dup-{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        consumer.SUBSCRIPTION_FILTERS.pop(name, None)


def test_two_consumers_on_one_subscription_are_refused(subscription: str) -> None:
    bp = func.Blueprint()
    suffix = uuid.uuid4().hex[:8]

    @event_consumer(bp, name=f"first_{suffix}", subscription=subscription, events=["firm.created"])
    def first(uow: UnitOfWork, envelope: object) -> None:
        pass

    assert consumer.SUBSCRIPTION_FILTERS[subscription] == {"firm.created"}

    with pytest.raises(ValueError, match=subscription):

        @event_consumer(bp, name=f"second_{suffix}", subscription=subscription, events=["user.created"])
        def second(uow: UnitOfWork, envelope: object) -> None:
            pass

    # the first consumer's filter is untouched
    assert consumer.SUBSCRIPTION_FILTERS[subscription] == {"firm.created"}
