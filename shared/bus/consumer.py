"""Service Bus trigger adapters that make consumers idempotent and tenant-scoped.

The consumer records (message id, consumer) in the inbox in the same transaction as its work; a
redelivered message finds its row and does nothing. The work runs in the message's firm, in its
background scope (as jobs do): row-level security confines it to that firm's rows. A handler
that fails raises, so Service Bus retries and finally dead-letters the message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

import azure.functions as func
from sqlalchemy.dialects.postgresql import insert

from shared import context
from shared.bus.envelope import Envelope
from shared.bus.events import Event
from shared.db.models import InboxMessage
from shared.db.uow import UnitOfWork
from shared.settings import get_settings

log = logging.getLogger(__name__)

SERVICE_BUS_CONNECTION = "ServiceBusConnection"
Handler = Callable[[UnitOfWork, Envelope], Any]

# subscription name -> event types it takes (the Service Bus subscription filter, and the local host's)
SUBSCRIPTION_FILTERS: dict[str, set[str]] = {}


def decode(message: func.ServiceBusMessage) -> Envelope:
    return Envelope.from_json(message.get_body())


def consume(envelope: Envelope, *, consumer: str, handler: Handler) -> bool:
    """Run `handler` once per (message, consumer); returns False when the message was seen before."""
    with (
        context.bound(
            correlation_id=envelope.correlation_id,
            firm_id=str(envelope.firm_id) if envelope.firm_id else None,
        ),
        UnitOfWork(firm_id=envelope.firm_id, system=True) as uow,
    ):
        inserted = uow.session.execute(
            insert(InboxMessage)
            .values(message_id=str(envelope.id), consumer=consumer, firm_id=envelope.firm_id)
            .on_conflict_do_nothing()
            .returning(InboxMessage.message_id)
        ).first()
        if not inserted:
            log.info("message %s already processed by %s", envelope.id, consumer)
            return False
        handler(uow, envelope)
        uow.commit()
        return True


def event_consumer(
    bp: func.Blueprint, *, name: str, subscription: str, events: Collection[str | type[Event]]
) -> Callable[[Handler], Handler]:
    """Register `handler(uow, envelope)` for some event types (models of shared.bus.events, or their
    type strings) on the `events` topic; the handler reads the payload with `envelope.payload_as`."""
    wanted = frozenset(event if isinstance(event, str) else event.type for event in events)

    def decorate(handler: Handler) -> Handler:
        # Two functions on one Service Bus subscription compete for its messages, so one would
        # silently drop the other's events: one consumer per subscription.
        if subscription in SUBSCRIPTION_FILTERS:
            raise ValueError(f"subscription {subscription} already has a consumer")

        def trigger(msg: func.ServiceBusMessage) -> None:
            envelope = decode(msg)
            if envelope.type in wanted:
                consume(envelope, consumer=name, handler=handler)

        trigger.__name__ = name
        bp.function_name(name)(
            bp.service_bus_topic_trigger(
                arg_name="msg",
                topic_name=get_settings().events_topic,
                subscription_name=subscription,
                connection=SERVICE_BUS_CONNECTION,
            )(trigger)
        )
        SUBSCRIPTION_FILTERS[subscription] = set(wanted)
        return handler

    return decorate
