"""Jobs: created with their command in one commit, run by the registered handler, read back over HTTP.

The tests run the very command the outbox holds, as the jobs queue trigger would, and check what a
user polling GET /api/jobs/{id} sees.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shared.bus.envelope import Envelope
from shared.db.models import Job, OutboxMessage
from shared.db.uow import UnitOfWork
from shared.jobs import MAX_DELIVERIES, JobFailed, ProgressReporter, create_job, job_handler, run_job
from shared.settings import get_settings
from tests.support import FirmAdmin, add_user, create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

_SUFFIX = uuid.uuid4().hex[:8]
DOUBLE = f"test.double_{_SUFFIX}"
REJECT = f"test.reject_{_SUFFIX}"
CRASH = f"test.crash_{_SUFFIX}"

calls: dict[str, int] = {DOUBLE: 0, REJECT: 0, CRASH: 0}
progress_seen: list[tuple[str, Decimal]] = []


@job_handler(DOUBLE)
def _double(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    calls[DOUBLE] += 1
    progress(0.5)
    # What a user polling in the meantime sees (a transaction of its own).
    with UnitOfWork(firm_id=job.firm_id) as poll:
        row = poll.session.get(Job, job.id)
        assert row is not None
        progress_seen.append((row.status, row.progress))
    return {"doubled": [2 * value for value in job.params["values"]], "run": calls[DOUBLE]}


@job_handler(REJECT)
def _reject(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    calls[REJECT] += 1
    raise JobFailed("bad_input", 'Row 7: amount "abc" is not a number', {"row": 7})


@job_handler(CRASH)
def _crash(uow: UnitOfWork, job: Job, progress: ProgressReporter) -> dict[str, Any]:
    calls[CRASH] += 1
    raise ConnectionResetError(104, "the handler crashed")  # a passing fault: retried


def new_job(admin: FirmAdmin, kind: str, *, created_by: uuid.UUID | None = None, **params: Any) -> uuid.UUID:
    user_id = created_by or admin.user_id
    with UnitOfWork(firm_id=admin.firm_id, user_id=user_id) as uow:
        job = create_job(uow, kind=kind, params=params, created_by=user_id)
        uow.commit()
    return job.id


def command_for(job_id: uuid.UUID) -> Envelope:
    """The job's command as the outbox holds it (readable only in system scope)."""
    with UnitOfWork(system=True) as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.body["payload"]["job_id"].astext == str(job_id))
        ).all()
    assert len(rows) == 1, rows
    assert rows[0].kind == "command"
    assert rows[0].destination == get_settings().jobs_queue
    return Envelope.model_validate(rows[0].body)


def load(admin: FirmAdmin, job_id: uuid.UUID) -> Job:
    with UnitOfWork(firm_id=admin.firm_id) as uow:
        job = uow.session.get(Job, job_id)
    assert job is not None
    return job


@pytest.fixture(scope="module")
def admin() -> FirmAdmin:
    return create_firm("Jobs CPA")


@pytest.fixture(scope="module")
def admin_token(admin: FirmAdmin) -> str:
    return token_for(admin.email)


# --- creating and running ---------------------------------------------------------------------------


def test_creating_a_job_queues_its_command_in_the_same_commit(admin: FirmAdmin) -> None:
    job_id = new_job(admin, DOUBLE, values=[1, 2])
    command = command_for(job_id)
    assert command.type == DOUBLE
    assert command.firm_id == admin.firm_id
    assert command.payload == {"job_id": str(job_id)}
    job = load(admin, job_id)
    assert (job.status, job.progress, job.result, job.error) == ("queued", Decimal(0), None, None)
    assert job.created_by == admin.user_id


def test_a_rolled_back_request_leaves_neither_job_nor_command(admin: FirmAdmin) -> None:
    with UnitOfWork(firm_id=admin.firm_id, user_id=admin.user_id) as uow:
        job_id = create_job(uow, kind=DOUBLE, params={"values": []}).id
    with UnitOfWork(firm_id=admin.firm_id) as uow:
        assert uow.session.get(Job, job_id) is None
    with UnitOfWork(system=True) as uow:
        found = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.body["payload"]["job_id"].astext == str(job_id))
        ).all()
        assert found == []


def test_a_job_outside_any_firm_is_refused() -> None:
    with UnitOfWork() as uow, pytest.raises(RuntimeError, match="firm"):
        create_job(uow, kind=DOUBLE)


def test_running_a_job_stores_progress_and_result(admin: FirmAdmin) -> None:
    job_id = new_job(admin, DOUBLE, values=[1, 2, 3])
    progress_seen.clear()
    run_job(command_for(job_id), delivery_count=1)
    assert progress_seen == [("running", Decimal("0.5"))]
    job = load(admin, job_id)
    assert job.status == "succeeded"
    assert job.progress == Decimal(1)
    assert job.result is not None and job.result["doubled"] == [2, 4, 6]
    assert job.error is None
    assert job.started_at is not None and job.finished_at is not None
    assert job.started_at <= job.finished_at


def test_creator_reads_the_job_over_http(admin: FirmAdmin, admin_token: str) -> None:
    job_id = new_job(admin, DOUBLE, values=[5])
    run_job(command_for(job_id), delivery_count=1)
    reply = request("GET", f"jobs/{job_id}", token=admin_token)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["id"] == str(job_id)
    assert body["kind"] == DOUBLE
    assert body["status"] == "succeeded"
    assert Decimal(str(body["progress"])) == 1
    assert body["result"]["doubled"] == [10]
    assert body["error"] is None
    assert body["created_by"] == str(admin.user_id)
    assert body["finished_at"] is not None


def test_who_may_read_a_job(admin: FirmAdmin, admin_token: str) -> None:
    senior_id, senior_token = add_user(admin_token, "senior")
    _, staff_token = add_user(admin_token, "staff")
    other_token = token_for(create_firm("Elsewhere CPA").email)
    job_id = new_job(admin, DOUBLE, created_by=uuid.UUID(senior_id), values=[1])

    assert request("GET", f"jobs/{job_id}", token=senior_token).status == 200  # the creator
    assert request("GET", f"jobs/{job_id}", token=admin_token).status == 200  # firm_admin: jobs.read_all
    not_theirs = request("GET", f"jobs/{job_id}", token=staff_token)  # same firm, not the creator
    assert not_theirs.status == 404, not_theirs.body
    other_firm = request("GET", f"jobs/{job_id}", token=other_token)  # another firm's admin
    assert other_firm.status == 404, other_firm.body
    assert request("GET", f"jobs/{uuid.uuid4()}", token=admin_token).status == 404


# --- failures ---------------------------------------------------------------------------------------


def test_an_expected_failure_is_recorded_and_not_retried(admin: FirmAdmin, admin_token: str) -> None:
    job_id = new_job(admin, REJECT)
    run_job(command_for(job_id), delivery_count=1)  # no exception: the message is settled
    job = load(admin, job_id)
    assert job.status == "failed"
    assert job.error == {"code": "bad_input", "message": 'Row 7: amount "abc" is not a number', "details": {"row": 7}}
    assert job.result is None
    assert job.finished_at is not None
    body = request("GET", f"jobs/{job_id}", token=admin_token).json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "bad_input"
    assert body["error"]["details"] == {"row": 7}


def test_a_passing_fault_is_retried_then_fails_on_the_last_delivery(admin: FirmAdmin) -> None:
    job_id = new_job(admin, CRASH)
    command = command_for(job_id)
    for delivery in range(1, MAX_DELIVERIES):
        with pytest.raises(ConnectionResetError, match="crashed"):
            run_job(command, delivery_count=delivery)
        job = load(admin, job_id)
        assert job.status != "failed", f"failed already on delivery {delivery}"
        assert job.error is None
    assert MAX_DELIVERIES == 10
    with pytest.raises(ConnectionResetError, match="crashed"):
        run_job(command, delivery_count=MAX_DELIVERIES)
    job = load(admin, job_id)
    assert job.status == "failed"
    assert job.error is not None and job.error["code"] == "retries_exhausted"
    assert job.finished_at is not None


def test_a_command_for_an_unknown_kind_raises(admin: FirmAdmin) -> None:
    job_id = new_job(admin, f"test.unregistered_{_SUFFIX}")
    with pytest.raises(LookupError):
        run_job(command_for(job_id), delivery_count=1)
    assert load(admin, job_id).status == "queued"


# --- redelivery -------------------------------------------------------------------------------------


def test_redelivering_a_succeeded_job_is_a_no_op(admin: FirmAdmin) -> None:
    job_id = new_job(admin, DOUBLE, values=[7])
    command = command_for(job_id)
    run_job(command, delivery_count=1)
    first = load(admin, job_id)
    runs = calls[DOUBLE]
    run_job(command, delivery_count=2)
    again = load(admin, job_id)
    assert calls[DOUBLE] == runs, (
        "BUG shared/jobs.py run_job(): _set_status(status='running', ...) is written before the "
        "'succeeded'/'failed' check, so a redelivered command for a finished job runs the handler again"
    )
    assert (again.status, again.result, again.started_at, again.finished_at) == (
        first.status,
        first.result,
        first.started_at,
        first.finished_at,
    )


def test_redelivering_a_failed_job_leaves_it_failed(admin: FirmAdmin) -> None:
    job_id = new_job(admin, REJECT)
    command = command_for(job_id)
    run_job(command, delivery_count=1)
    first = load(admin, job_id)
    runs = calls[REJECT]
    run_job(command, delivery_count=2)
    again = load(admin, job_id)
    assert calls[REJECT] == runs, (
        "BUG shared/jobs.py run_job(): a redelivered command for a failed job runs the handler again "
        "(the row is set to 'running' before the terminal-status check)"
    )
    assert (again.status, again.error, again.finished_at) == (first.status, first.error, first.finished_at)
