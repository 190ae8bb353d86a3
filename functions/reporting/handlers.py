"""Background work: the write-once copy of the signed report when its engagement is finalized, and the
report superseded when the engagement steps back (one consumer on the `reporting` subscription)."""

from __future__ import annotations

from functions.reporting import bp, service
from shared.bus.consumer import event_consumer
from shared.bus.envelope import Envelope
from shared.bus.events import EngagementFinalized, EngagementStatusChanged
from shared.db.uow import UnitOfWork


@event_consumer(
    bp,
    name="reporting_on_engagement_finalized",
    subscription="reporting",
    events={EngagementFinalized, EngagementStatusChanged},
)
def on_engagement_finalized(uow: UnitOfWork, envelope: Envelope) -> None:
    """The engagement is locked: write its signed report once to the write-once store. It stepped back:
    its approved or signed report is superseded and the report's gates reopen."""
    if envelope.type == EngagementStatusChanged.type:
        service.on_status_changed(uow, event=envelope.payload_as(EngagementStatusChanged))
    else:
        service.archive_on_finalized(uow, event=envelope.payload_as(EngagementFinalized))
