"""Background work: a step back of the engagement reopens the QC gate."""

from __future__ import annotations

from functions.qc import bp, service
from shared.bus.consumer import event_consumer
from shared.bus.envelope import Envelope
from shared.bus.events import EngagementStatusChanged
from shared.db.uow import UnitOfWork


@event_consumer(bp, name="qc_on_status_changed", subscription="qc", events={EngagementStatusChanged})
def on_status_changed(uow: UnitOfWork, envelope: Envelope) -> None:
    """The engagement stepped back: the QC gate recorded before no longer stands."""
    service.on_status_changed(uow, envelope.payload_as(EngagementStatusChanged))
