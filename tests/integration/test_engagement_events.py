"""Events arrive once at a test subscriber: an engagement's lifecycle through HTTP, then through the bus.

The subscriber is an `event_consumer` on its own FunctionApp, hosted by a LocalHost whose dispatcher
relays the outbox and delivers exactly as the local host does for the real app. Delivery is at least
once (redelivery, a relay that sends a row twice, a trigger called again); the inbox makes the
subscriber's work happen once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import azure.functions as func
import pytest
from azure.functions.servicebus import ServiceBusMessage as TriggerServiceBusMessage
from sqlalchemy import func as sql_func
from sqlalchemy import select, update

from aura_local.host import LocalHost
from shared.bus import consumer
from shared.bus.consumer import event_consumer
from shared.bus.envelope import Envelope
from shared.db.models import InboxMessage, LocalDelivery, OutboxMessage
from shared.db.uow import UnitOfWork
from tests.engagement_support import workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

CONSUMER = "test_engagement_events"
EVENTS = ["engagement.created", "engagement.status_changed", "engagement.finalized"]


@dataclass
class Subscriber:
    host: LocalHost
    received: list[Envelope] = field(default_factory=list)

    def deliver(self) -> None:
        self.host.dispatcher.run_until_idle(timeout=20)

    def of(self, engagement_id: str) -> list[Envelope]:
        """What arrived about one engagement: earlier tests leave their own events in the outbox."""
        return [e for e in self.received if e.payload.get("engagement_id") == engagement_id]


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    subscription = f"test-engagement-events-{uuid.uuid4().hex[:8]}"
    try:
        bp = func.Blueprint()
        received: list[Envelope] = []

        @event_consumer(bp, name=CONSUMER, subscription=subscription, events=EVENTS)
        def collect(uow: UnitOfWork, envelope: Envelope) -> None:
            assert uow.firm_id == envelope.firm_id, "the consumer works in the message's firm"
            received.append(envelope)

        app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
        app.register_functions(bp)
        yield Subscriber(LocalHost(app, run_bus=False, backoff_base=0.001, backoff_cap=0.005), received)
    finally:
        consumer.SUBSCRIPTION_FILTERS.pop(subscription, None)


def _deliveries(message_ids: list[str]) -> list[LocalDelivery]:
    with UnitOfWork(system=True) as uow:
        return list(
            uow.session.scalars(
                select(LocalDelivery)
                .where(LocalDelivery.message_id.in_(message_ids), LocalDelivery.function_name == CONSUMER)
                .order_by(LocalDelivery.id)
            ).all()
        )


def test_lifecycle_events_arrive_once_in_order_with_their_payload(subscriber: Subscriber) -> None:
    ws = workspace()
    ws.person("senior", "senior", team_role="senior")  # engagement.member_added: not subscribed
    ws.finalize()  # planning, fieldwork, review, then finalized once the gates are recorded

    subscriber.deliver()

    arrived = subscriber.of(ws.engagement_id)
    engagement = {"engagement_id": ws.engagement_id}
    assert [(e.type, e.payload) for e in arrived] == [
        ("engagement.created", {**engagement, "client_id": ws.client_id, "status": "draft"}),
        ("engagement.status_changed", {**engagement, "from": "draft", "to": "planning", "reason": None}),
        ("engagement.status_changed", {**engagement, "from": "planning", "to": "fieldwork", "reason": None}),
        ("engagement.status_changed", {**engagement, "from": "fieldwork", "to": "review", "reason": None}),
        ("engagement.status_changed", {**engagement, "from": "review", "to": "finalized", "reason": None}),
        ("engagement.finalized", {**engagement, "client_id": ws.client_id}),
    ]
    assert all(e.firm_id == ws.firm_id and e.actor == ws.admin.user_id for e in arrived)
    assert len({e.id for e in arrived}) == len(arrived)
    message_ids = [str(e.id) for e in arrived]
    assert [(d.status, d.delivery_count) for d in _deliveries(message_ids)] == [("delivered", 1)] * 6

    # Delivering again finds nothing new.
    subscriber.deliver()
    assert subscriber.of(ws.engagement_id) == arrived

    # Service Bus redelivers every message (locks lost after the work committed).
    with UnitOfWork(system=True) as uow:
        uow.session.execute(
            update(LocalDelivery)
            .where(LocalDelivery.message_id.in_(message_ids), LocalDelivery.function_name == CONSUMER)
            .values(status="pending", next_attempt_at=sql_func.now(), finished_at=None)
        )
        uow.commit()
    subscriber.deliver()
    assert [(d.status, d.delivery_count) for d in _deliveries(message_ids)] == [("delivered", 2)] * 6

    # The relay sends every row again (it crashed before marking them): duplicate detection drops them.
    with UnitOfWork(system=True) as uow:
        uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_([e.id for e in arrived])).values(published_at=None)
        )
        uow.commit()
    subscriber.deliver()
    with UnitOfWork(system=True) as uow:
        resent = uow.session.scalars(
            select(OutboxMessage.published_at).where(OutboxMessage.id.in_([e.id for e in arrived]))
        ).all()
    assert len(resent) == 6 and None not in resent, "the relay did send them again"
    assert len(_deliveries(message_ids)) == 6

    # And the trigger itself is called once more with each message, as the Functions host might.
    trigger = next(f for f in subscriber.host.functions if f.name == CONSUMER)
    for envelope in arrived:
        trigger.invoke(
            TriggerServiceBusMessage(
                body=envelope.to_json().encode(),
                message_id=str(envelope.id),
                delivery_count=3,
                application_properties={"type": envelope.type},
                user_properties={},
            )
        )

    assert subscriber.of(ws.engagement_id) == arrived, "the handler ran once per event; the inbox took the rest"
    with UnitOfWork(firm_id=ws.firm_id) as uow:
        inbox = uow.session.scalars(select(InboxMessage).where(InboxMessage.message_id.in_(message_ids))).all()
    assert sorted((row.message_id, row.consumer) for row in inbox) == sorted((m, CONSUMER) for m in message_ids)
