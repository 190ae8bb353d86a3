"""Jobs: work a user may wait on for more than a couple of seconds.

The request creates a job row and a job command in one transaction and answers 202 with the job id;
the command reaches the `jobs` queue trigger, which runs the registered handler and records the
outcome on the row. Progress is written in short transactions of its own so callers see it move.

A handler runs in the firm's background scope: the request that queued it already decided who may
ask for it, and the handler may need rows its requester could not read (a client user's upload is
loaded into tables only the firm's people see). Row-level security still confines it to the firm.
When a job fails for good, its kind's `on_failure` runs in a transaction of its own, because the
handler's transaction, and whatever it wrote, is gone.

A job fails for good on its first delivery unless what stopped it passes (shared/job_errors.py): a
memory limit, a bad parameter or a malformed file would stop every retry the same way, so the user is
told why at once instead of after ten deliveries and a dead letter.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from shared import clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.envelope import Envelope
from shared.bus.events import JobCommand, job_command
from shared.db.models import Job
from shared.db.uow import UnitOfWork
from shared.errors import NotFound
from shared.job_errors import INTERNAL_ERROR, diagnose, retries_exhausted

log = logging.getLogger(__name__)

MAX_DELIVERIES = 10
JobHandler = Callable[[UnitOfWork, Job, "ProgressReporter"], dict[str, Any]]
FailureHandler = Callable[[UnitOfWork, Job, dict[str, Any]], None]
JOB_HANDLERS: dict[str, JobHandler] = {}
FAILURE_HANDLERS: dict[str, FailureHandler] = {}


class JobFailed(Exception):  # noqa: N818 - reads as the job's outcome
    """An expected failure (bad input, say): recorded on the job at once, never retried."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or {}


def job_handler(kind: str, *, on_failure: FailureHandler | None = None) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of `kind`, and what to record when one fails for good."""

    def decorate(handler: JobHandler) -> JobHandler:
        JOB_HANDLERS[kind] = handler
        if on_failure is not None:
            FAILURE_HANDLERS[kind] = on_failure
        return handler

    return decorate


def create_job(
    uow: UnitOfWork,
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    created_by: uuid.UUID | None = None,
    engagement_id: uuid.UUID | None = None,
) -> Job:
    """Create a queued job and its command in the caller's transaction."""
    if uow.firm_id is None:
        raise RuntimeError("jobs belong to a firm")
    job = Job(
        id=uuid.uuid4(),
        firm_id=uow.firm_id,
        kind=kind,
        status="queued",
        progress=Decimal(0),
        params=params or {},
        created_by=created_by,
        engagement_id=engagement_id,
    )
    uow.session.add(job)
    uow.session.flush()
    uow.send(job_command(kind, job.id))
    return job


def get_visible_job_or_raise(uow: UnitOfWork, *, job_id: uuid.UUID, principal: Principal) -> Job:
    """A job the principal may see: their own, or any of the firm's with jobs.read_all."""
    job = uow.session.scalar(select(Job).where(Job.id == job_id))
    if job is None or not (job.created_by == principal.user_id or principal.can(Permission.JOBS_READ_ALL)):
        raise NotFound("No job with that id")
    return job


class ProgressReporter:
    def __init__(self, firm_id: uuid.UUID, job_id: uuid.UUID) -> None:
        self.firm_id, self.job_id = firm_id, job_id

    def __call__(self, fraction: float) -> None:
        value = Decimal(str(round(min(max(fraction, 0.0), 1.0), 4)))
        with UnitOfWork(firm_id=self.firm_id) as uow:
            job = uow.session.get(Job, self.job_id)
            if job is not None and job.status == "running":
                job.progress = value
                uow.commit()


def _fail(firm_id: uuid.UUID, job_id: uuid.UUID, error: dict[str, Any]) -> None:
    """Mark the job failed and let its kind record the failure where its users look."""
    with UnitOfWork(firm_id=firm_id, system=True) as uow:
        job = uow.session.get(Job, job_id, with_for_update=True)
        if job is None:
            return
        job.status, job.error, job.finished_at = "failed", error, clock.now()
        on_failure = FAILURE_HANDLERS.get(job.kind)
        if on_failure is not None:
            try:
                with uow.session.begin_nested():
                    on_failure(uow, job, error)
            except Exception:
                # The job's own failed status is what its caller polls; it must be written even when
                # the kind's extra record cannot be (its engagement was finalized meanwhile, say).
                log.warning("the failure record of job %s could not be written", job_id, exc_info=True)
        uow.commit()


def _start(firm_id: uuid.UUID, job_id: uuid.UUID) -> bool:
    """Mark the job running unless it is missing or already finished (a redelivered command)."""
    with UnitOfWork(firm_id=firm_id) as uow:
        job = uow.session.get(Job, job_id, with_for_update=True)
        if job is None or job.status in ("succeeded", "failed"):
            return False
        job.status, job.started_at, job.error = "running", clock.now(), None
        uow.commit()
        return True


def run_job(envelope: Envelope, *, delivery_count: int) -> None:
    """Run the job named by a command. A passing fault raises (the message is retried); on the last
    delivery the job is marked failed first, so no job stays 'running' forever. Any other error fails
    the job at once, with a message saying why, and settles the message."""
    job_id = envelope.payload_as(JobCommand).job_id
    firm_id = envelope.firm_id
    if firm_id is None:
        raise ValueError("job command without a firm")
    handler = JOB_HANDLERS.get(envelope.type)
    if handler is None:
        raise LookupError(f"no handler for job kind {envelope.type}")
    if not _start(firm_id, job_id):
        log.info("job %s already finished; command ignored", job_id)
        return
    try:
        with UnitOfWork(firm_id=firm_id, system=True, correlation_id=envelope.correlation_id) as uow:
            job = uow.session.get(Job, job_id)
            if job is None:
                return
            result = handler(uow, job, ProgressReporter(firm_id, job_id))
            job.status, job.progress, job.result = "succeeded", Decimal(1), result
            job.finished_at = clock.now()
            uow.commit()
    except JobFailed as failure:
        _fail(firm_id, job_id, {"code": failure.code, "message": failure.message, "details": failure.details})
    except Exception as error:
        diagnosis = diagnose(error)
        if not diagnosis.transient:
            # Logged by kind and code, with the stack only for a defect: messages may quote client data.
            log.error(
                "job %s (%s) failed: %s (%s)",
                job_id,
                envelope.type,
                diagnosis.code,
                type(error).__name__,
                exc_info=diagnosis.code == INTERNAL_ERROR,
            )
            _fail(firm_id, job_id, diagnosis.as_error())
            return
        log.warning(
            "job %s (%s) delivery %d met a passing fault: %s", job_id, envelope.type, delivery_count, diagnosis.code
        )
        if delivery_count >= MAX_DELIVERIES:
            _fail(firm_id, job_id, retries_exhausted(diagnosis, delivery_count))
        raise
