"""Failures that say why, once: a job that cannot succeed fails on its first delivery with a message its
user can act on; a passing fault is retried and then succeeds; a fault that never passes ends, after
the last delivery, with how often it was retried and why.

The handlers below are registered like any capability's, and their commands are the ones the outbox
holds. The transient faults are PostgreSQL's own (a row locked elsewhere, a statement timeout, the
session terminated), provoked in the handler's real transaction.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import func, select, text

from shared.bus.envelope import Envelope
from shared.db.models import Job, OutboxMessage
from shared.db.models_analytics import JeFlagBlock, JeFlagScore, JeRun
from shared.db.uow import UnitOfWork
from shared.jobs import MAX_DELIVERIES, ProgressReporter, create_job, job_handler, run_job
from tests.support import FirmAdmin, create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

_SUFFIX = uuid.uuid4().hex[:8]
FAILING = f"test.failing_{_SUFFIX}"
FLAKY = f"test.flaky_{_SUFFIX}"

calls: Counter[uuid.UUID] = Counter()
recorded_failures: dict[uuid.UUID, dict[str, Any]] = {}


class Thresholds(BaseModel):
    threshold: int = Field(ge=1)


def _out_of_duckdb_memory() -> None:
    import duckdb

    with duckdb.connect(config={"memory_limit": "8MB", "threads": 1, "temp_directory": ""}) as con:
        con.execute("SELECT list(i) FROM range(3000000) t(i)").fetchall()


def _huge_csv_field() -> None:
    list(csv.reader(io.StringIO('"' + "x" * (csv.field_size_limit() + 1) + '"\n')))


DETERMINISTIC = {
    "out_of_memory": _out_of_duckdb_memory,
    "memory_error": lambda: bytearray(1 << 62),
    "field_too_large": _huge_csv_field,
    "bad_encoding": lambda: b"Account,Amount\n4000,\xff\n".decode("utf-8"),
    "invalid_parameters": lambda: Thresholds.model_validate({"threshold": 0}),
    "invalid_input": lambda: int("12,5"),
    "internal_error": lambda: {}["missing"],
}


def _record_failure(uow: UnitOfWork, job: Job, error: dict[str, Any]) -> None:
    """The kind's own record of a failure (a run's or a dataset's error in the real kinds)."""
    recorded_failures[job.id] = error


@job_handler(FAILING, on_failure=_record_failure)
def _failing(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    calls[job.id] += 1
    job.result = {"partial": True}  # written in the handler's transaction, which the failure discards
    uow.session.flush()
    DETERMINISTIC[job.params["fault"]]()
    return {"unreachable": True}


def _provoke(uow: UnitOfWork, job: Job) -> None:
    """A real passing fault in the handler's own transaction."""
    fault = job.params["fault"]
    if fault == "lock_not_available":
        uow.session.execute(
            text("SELECT id FROM jobs WHERE id = :id FOR UPDATE NOWAIT"), {"id": job.params["locked_job"]}
        )
    elif fault == "statement_timeout":
        uow.session.execute(text("SET LOCAL statement_timeout = '20ms'"))
        uow.session.execute(text("SELECT pg_sleep(2)"))
    elif fault == "connection_lost":  # a failover or an administrator ends the worker's session
        import psycopg

        pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        owner = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(owner, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        uow.session.execute(text("SELECT 1"))


@job_handler(FLAKY, on_failure=_record_failure)
def _flaky(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    calls[job.id] += 1
    if calls[job.id] <= job.params["failing_deliveries"]:
        _provoke(uow, job)
    return {"attempt": calls[job.id]}


@pytest.fixture(scope="module")
def admin() -> FirmAdmin:
    return create_firm("Failures CPA")


def new_job(admin: FirmAdmin, kind: str, **params: Any) -> tuple[uuid.UUID, Envelope]:
    with UnitOfWork(firm_id=admin.firm_id, user_id=admin.user_id) as uow:
        job = create_job(uow, kind=kind, params=params, created_by=admin.user_id)
        uow.commit()
    with UnitOfWork(system=True) as uow:
        body = uow.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.body["payload"]["job_id"].astext == str(job.id))
        ).one()
    return job.id, Envelope.model_validate(body)


def load(admin: FirmAdmin, job_id: uuid.UUID) -> Job:
    with UnitOfWork(firm_id=admin.firm_id) as uow:
        job = uow.session.get(Job, job_id)
    assert job is not None
    return job


# --- deterministic: failed on the first delivery, told why ------------------------------------------


EXPECTED = {
    "out_of_memory": ("out_of_memory", "The ledger needs more memory than this instance allows (budget "),
    "memory_error": ("out_of_memory", "The ledger needs more memory than this instance allows."),
    "field_too_large": ("field_too_large", "A field of the file is longer than 131,072 characters"),
    "bad_encoding": ("bad_encoding", "The file is not UTF-8 text: the byte 0xff at position 20 cannot be read."),
    "invalid_parameters": ("invalid_parameters", "A parameter of the job is not valid (threshold: Input should be"),
    "invalid_input": ("invalid_input", "The data could not be processed: invalid literal for int()"),
    "internal_error": ("internal_error", "The job stopped on an unexpected error (KeyError) and was not retried"),
}


@pytest.mark.parametrize("fault", sorted(DETERMINISTIC))
def test_a_failure_that_would_repeat_fails_the_first_delivery_with_its_reason(admin: FirmAdmin, fault: str) -> None:
    job_id, command = new_job(admin, FAILING, fault=fault)
    run_job(command, delivery_count=1)  # no exception: the message is settled, not retried

    job = load(admin, job_id)
    code, opening = EXPECTED[fault]
    assert job.status == "failed" and job.finished_at is not None
    assert job.error is not None and job.error["code"] == code
    assert job.error["message"].startswith(opening), job.error["message"]
    assert "Traceback" not in job.error["message"]
    assert job.result is None, "what the handler wrote before failing is gone"
    assert recorded_failures[job_id] == job.error, "the kind's on_failure records the same error"

    run_job(command, delivery_count=2)  # a redelivery anyway (the broker's doing) changes nothing
    assert calls[job_id] == 1
    assert load(admin, job_id).error == job.error


def test_the_user_reads_the_reason_over_http(admin: FirmAdmin) -> None:
    job_id, command = new_job(admin, FAILING, fault="out_of_memory")
    run_job(command, delivery_count=1)
    body = request("GET", f"jobs/{job_id}", token=token_for(admin.email)).json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "out_of_memory"
    assert "AURA_ANALYTICS_MEMORY_MB" in body["error"]["message"]
    assert 4 <= body["error"]["details"]["budget_mb"] <= 8


# --- transient: retried, then succeeds ----------------------------------------------------------------


@pytest.mark.parametrize("fault", ["lock_not_available", "statement_timeout", "connection_lost"])
def test_a_passing_fault_is_retried_and_the_next_delivery_succeeds(admin: FirmAdmin, fault: str) -> None:
    locked_job, _ = new_job(admin, FAILING, fault="invalid_input")  # a row to hold locked, never run
    job_id, command = new_job(admin, FLAKY, fault=fault, failing_deliveries=1, locked_job=str(locked_job))

    with UnitOfWork(firm_id=admin.firm_id) as holder:
        holder.session.execute(text("SELECT id FROM jobs WHERE id = :id FOR UPDATE"), {"id": locked_job})
        with pytest.raises(Exception) as raised:  # noqa: B017, PT011 - which class is the driver's business
            run_job(command, delivery_count=1)
    assert type(raised.value).__name__ in {"OperationalError", "LockNotAvailable", "QueryCanceled", "AdminShutdown"}
    job = load(admin, job_id)
    assert (job.status, job.error, job.finished_at) == ("running", None, None), "still open for the redelivery"
    assert job_id not in recorded_failures

    run_job(command, delivery_count=2)
    job = load(admin, job_id)
    assert (job.status, job.result, job.error) == ("succeeded", {"attempt": 2}, None)
    assert calls[job_id] == 2


def test_a_fault_that_never_passes_ends_with_how_often_and_why(admin: FirmAdmin) -> None:
    locked_job, _ = new_job(admin, FAILING, fault="invalid_input")
    job_id, command = new_job(
        admin, FLAKY, fault="lock_not_available", failing_deliveries=MAX_DELIVERIES, locked_job=str(locked_job)
    )
    with UnitOfWork(firm_id=admin.firm_id) as holder:
        holder.session.execute(text("SELECT id FROM jobs WHERE id = :id FOR UPDATE"), {"id": locked_job})
        for delivery in range(1, MAX_DELIVERIES + 1):
            with pytest.raises(Exception, match="could not obtain lock"):  # noqa: B017, PT011
                run_job(command, delivery_count=delivery)
            if delivery < MAX_DELIVERIES:
                assert load(admin, job_id).status == "running", delivery
    job = load(admin, job_id)
    assert job.status == "failed" and calls[job_id] == MAX_DELIVERIES
    assert job.error == {
        "code": "retries_exhausted",
        "message": (
            f"The job was tried {MAX_DELIVERIES} times and each attempt was interrupted; the last time, a row it "
            "needed stayed locked by other work. Nothing of it was kept. Start it again later; if this keeps "
            "happening, tell your administrator."
        ),
        "details": {"attempts": MAX_DELIVERIES, "last_cause": "lock_not_available"},
    }
    assert recorded_failures[job_id] == job.error


# --- the journal-entry run: a memory budget too small for the ledger ----------------------------------


def test_a_je_run_out_of_memory_fails_on_its_first_delivery_with_no_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.analytics import runner
    from shared.settings import get_settings
    from tests.engagement_support import workspace
    from tests.ingestion_support import deliver, job, loaded
    from tools.synthetic_ledger import LedgerSpec, write_general_ledger

    ws = workspace()
    write_general_ledger(tmp_path / "gl.csv", LedgerSpec(lines=5_000, fiscal_start=date(2026, 1, 1),
                                                         fiscal_end=date(2026, 12, 31)))  # fmt: skip
    loaded(ws, ws.admin, "general_ledger", (tmp_path / "gl.csv").read_bytes())
    # The engine's budget as AURA_ANALYTICS_MEMORY_MB sets it (else what the ledger calls for, within the instance).
    monkeypatch.setattr(get_settings(), "analytics_memory_mb", 1)
    assert runner.memory_budget_mb() == 1
    accepted = ws.call("POST", "je-tests", ws.admin, json_body={}).json()

    deliver(accepted["job_id"], delivery_count=1)  # settles: no exception for the queue to retry

    failed = job(ws, accepted["job_id"])
    assert failed.status == "failed" and failed.error is not None
    assert failed.error["code"] == "out_of_memory"
    assert failed.error["message"].startswith("The ledger needs more memory than this instance allows (budget ")
    run = ws.call("GET", f"je-tests/{accepted['run_id']}", ws.admin).json()
    assert run["status"] == "failed"
    assert run["error"] == failed.error
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        flags = sum(
            uow.session.scalar(select(func.count()).select_from(table).where(table.run_id == run["id"])) or 0
            for table in (JeFlagBlock, JeFlagScore)
        )
        stored = uow.session.get(JeRun, uuid.UUID(run["id"]))
    assert flags == 0
    assert stored is not None and stored.results in (None, [])
