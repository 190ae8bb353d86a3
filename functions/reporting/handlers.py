"""Background work: the write-once copy of the signed report when its engagement is finalized."""

from __future__ import annotations

from functions.reporting import bp, service
from shared.bus.consumer import event_consumer
from shared.bus.envelope import Envelope
from shared.bus.events import EngagementFinalized
from shared.db.uow import UnitOfWork


@event_consumer(bp, name="reporting_on_engagement_finalized", subscription="reporting", events={EngagementFinalized})
def on_engagement_finalized(uow: UnitOfWork, envelope: Envelope) -> None:
    """The engagement is locked: write its signed report once to the write-once store."""
    service.archive_on_finalized(uow, event=envelope.payload_as(EngagementFinalized))
