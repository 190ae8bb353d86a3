"""The load job: the platform's jobs queue trigger runs it by its kind."""

from __future__ import annotations

import uuid
from typing import Any

from functions.ingestion import service
from shared.db.models import Job
from shared.db.uow import UnitOfWork
from shared.jobs import ProgressReporter, job_handler


def _failed(uow: UnitOfWork, job: Job, error: dict[str, Any]) -> None:
    service.fail_dataset(uow=uow, dataset_id=uuid.UUID(job.params["dataset_id"]), error=error)


@job_handler(service.JOB_KIND, on_failure=_failed)
def ingest_dataset(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    """Load the dataset the job names."""
    return service.load_dataset(uow=uow, dataset_id=uuid.UUID(job.params["dataset_id"]), progress=progress)
