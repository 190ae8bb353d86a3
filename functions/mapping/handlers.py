"""Background work: the suggestion job, and suggestions of their own accord when a chart of accounts or
the year's trial balance loads."""

from __future__ import annotations

import uuid
from typing import Any

from functions.mapping import bp, service
from shared.bus.consumer import event_consumer
from shared.bus.envelope import Envelope
from shared.bus.events import DatasetIngested, SuggestMappings
from shared.db.models import Job
from shared.db.uow import UnitOfWork
from shared.jobs import ProgressReporter, job_handler


@job_handler(SuggestMappings.type)
def suggest_mappings(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    """Suggest a standard account for every account of the job's engagement."""
    return service.run_suggestions(uow, engagement_id=uuid.UUID(job.params["engagement_id"]), progress=progress)


@event_consumer(bp, name="mapping_on_dataset_ingested", subscription="mapping", events={DatasetIngested})
def on_dataset_ingested(uow: UnitOfWork, envelope: Envelope) -> None:
    """A chart of accounts or trial balance loaded: suggest its accounts' mapping."""
    service.on_dataset_ingested(uow, envelope.payload_as(DatasetIngested))
