"""Background work: the load job (the platform's jobs queue trigger runs it by its kind) and the
hourly sweep of abandoned upload sessions."""

from __future__ import annotations

import uuid
from typing import Any

import azure.functions as func

from functions.ingestion import bp, service, sweep
from shared import clock
from shared.db.models import Job
from shared.db.uow import UnitOfWork
from shared.jobs import ProgressReporter, job_handler


def _failed(uow: UnitOfWork, job: Job, error: dict[str, Any]) -> None:
    service.fail_dataset(uow=uow, dataset_id=uuid.UUID(job.params["dataset_id"]), error=error)


@job_handler(service.JOB_KIND, on_failure=_failed)
def ingest_dataset(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    """Load the dataset the job names."""
    return service.load_dataset(uow=uow, dataset_id=uuid.UUID(job.params["dataset_id"]), progress=progress)


@bp.function_name("ingestion_upload_sweep")
@bp.timer_trigger(arg_name="timer", schedule="0 20 * * * *", run_on_startup=False)
def sweep_abandoned_uploads(timer: func.TimerRequest) -> None:
    """Delete the files of upload sessions abandoned for a day."""
    sweep.sweep(now=clock.now())
