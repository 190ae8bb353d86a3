"""Background work: the journal-entry test job, and the automatic run after a general ledger loads."""

from __future__ import annotations

import uuid
from typing import Any

from functions.analytics import bp, service
from shared.bus.consumer import event_consumer
from shared.bus.envelope import Envelope
from shared.bus.events import DatasetIngested
from shared.db.models import Job
from shared.db.uow import UnitOfWork
from shared.jobs import ProgressReporter, job_handler


def _failed(uow: UnitOfWork, job: Job, error: dict[str, Any]) -> None:
    service.fail_run(uow, run_id=uuid.UUID(job.params["run_id"]), error=error)


@job_handler(service.JOB_KIND, on_failure=_failed)
def run_je_tests(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    """Run the journal-entry tests of the run the job names."""
    return service.execute_run(uow, run_id=uuid.UUID(job.params["run_id"]), progress=progress)


@event_consumer(bp, name="analytics_on_dataset_ingested", subscription="analytics", events={DatasetIngested})
def on_dataset_ingested(uow: UnitOfWork, envelope: Envelope) -> None:
    """A general ledger loaded: test it with the engagement's defaults."""
    service.on_dataset_ingested(uow=uow, event=envelope.payload_as(DatasetIngested))
