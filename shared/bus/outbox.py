"""The transactional outbox: messages are rows written in the caller's transaction.

A message exists for the outside world only once the transaction that wrote it commits; the relay
publishes committed rows and marks them, so a rolled-back event is never delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shared import clock
from shared.db.models import OutboxMessage

if TYPE_CHECKING:
    from shared.bus.envelope import Envelope
    from shared.bus.transport import Transport

log = logging.getLogger(__name__)


def write_outbox(session: Session, messages: list[tuple[str, str, Envelope]]) -> None:
    """Insert messages as (kind, destination, envelope); no RETURNING, the app may not read the outbox."""
    session.execute(
        insert(OutboxMessage),
        [
            {
                "id": envelope.id,
                "firm_id": envelope.firm_id,
                "kind": kind,
                "destination": destination,
                "message_type": envelope.type,
                "body": envelope.model_dump(mode="json"),
            }
            for kind, destination, envelope in messages
        ],
    )


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    kind: str
    destination: str
    message_type: str
    body: dict[str, Any]


def relay_pending(
    session: Session,
    transport: Transport,
    *,
    batch_size: int = 100,
    destinations: Collection[str] | None = None,
) -> int:
    """Publish committed, unpublished rows in order and mark them; returns how many were published.

    Rows are claimed with SKIP LOCKED so several relays never send the same row at once; a send that
    fails leaves the row (and those after it) for the next run. Delivery is at least once: consumers
    are idempotent through the inbox. In Azure each Function App relays only what it may send (the
    events topic and its own jobs queue), so one app never stalls on another app's queue.
    """
    query = select(OutboxMessage).where(OutboxMessage.published_at.is_(None))
    if destinations is not None:
        query = query.where(OutboxMessage.destination.in_(list(destinations)))
    rows = session.scalars(query.order_by(OutboxMessage.seq).limit(batch_size).with_for_update(skip_locked=True)).all()
    published = 0
    for row in rows:
        message = OutgoingMessage(str(row.id), row.kind, row.destination, row.message_type, row.body)
        try:
            transport.send(message)
        except Exception as exc:
            log.warning("outbox relay: sending message %s failed: %s", row.id, type(exc).__name__)
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(attempts=OutboxMessage.attempts + 1, last_error=type(exc).__name__)
            )
            break
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(published_at=clock.now(), attempts=OutboxMessage.attempts + 1)
        )
        published += 1
    return published
