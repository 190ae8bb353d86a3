"""The hourly sweep of abandoned upload sessions: a client's file sent and never ingested is deleted.

Real PostgreSQL (the cross-firm listing is a SECURITY DEFINER function under row-level security),
the local-folder storage, the timer trigger as the host registers it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from functions.ingestion import service, sweep
from shared.db.models_ingestion import IngestionUpload
from shared.db.uow import UnitOfWork
from shared.storage import get_storage
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import CSV
from tests.support import in_process_host

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

GL = b"Journal ID,Account,Debit,Credit,Effective Date\nJ1,1000,10.00,,2026-03-01\nJ1,2000,,10.00,2026-03-01\n"


def _session(ws: Workspace, *, with_file: bool = True) -> str:
    reply = ws.call("POST", "uploads", ws.admin, json_body={"filename": "gl.csv", "content_type": CSV})
    assert reply.status == 201, reply.body
    upload_id = str(reply.json()["upload_id"])
    if with_file:
        put = ws.call("PUT", f"uploads/{upload_id}/content", ws.admin, body=GL, headers={"Content-Type": CSV})
        assert put.status == 201, put.body
    return upload_id


def _expired_ago(ws: Workspace, upload_id: str, ago: timedelta) -> None:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.execute(
            update(IngestionUpload)
            .where(IngestionUpload.id == uuid.UUID(upload_id))
            .values(expires_at=datetime.now(UTC) - ago)
        )
        uow.commit()


def _upload(ws: Workspace, upload_id: str) -> IngestionUpload:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        upload = uow.session.get(IngestionUpload, uuid.UUID(upload_id))
    assert upload is not None
    return upload


def _file_exists(upload: IngestionUpload) -> bool:
    return get_storage().exists(service.CONTAINER, upload.blob_key)


def _run_timer() -> None:
    trigger = next(f for f in in_process_host().functions if f.name == "ingestion_upload_sweep")
    assert trigger.trigger_type == "timerTrigger"
    trigger.invoke(None)


def test_a_session_abandoned_for_a_day_loses_its_file_in_every_firm_and_says_so() -> None:
    first, second = workspace(), workspace()
    abandoned = [(ws, _session(ws)) for ws in (first, second)]
    for ws, upload_id in abandoned:
        _expired_ago(ws, upload_id, sweep.ABANDONED_AFTER + timedelta(minutes=5))
        assert _file_exists(_upload(ws, upload_id))

    _run_timer()

    for ws, upload_id in abandoned:
        upload = _upload(ws, upload_id)
        assert upload.status == "expired"
        assert not _file_exists(upload)
        late = ws.call("POST", f"uploads/{upload_id}/ingest", ws.admin, params={"kind": "general_ledger"})
        assert late.status == 409 and late.json()["code"] == "upload_expired"
        activity = ws.call("GET", "activity", ws.admin).json()["items"]
        [discarded] = [a for a in activity if a["action"] == "dataset.upload_discarded"]
        assert discarded["target_id"] == upload_id
        assert discarded["data"]["file_deleted"] is True and discarded["data"]["filename"] == "gl.csv"


def test_what_is_not_abandoned_is_left_alone() -> None:
    ws = workspace()
    recent = _session(ws)  # expired an hour ago: a big file may still be ingested
    _expired_ago(ws, recent, timedelta(hours=1))
    open_session = _session(ws)  # its URL still lives
    ingested = _session(ws)
    accepted = ws.call("POST", f"uploads/{ingested}/ingest", ws.admin, params={"kind": "general_ledger"})
    assert accepted.status == 202, accepted.body
    _expired_ago(ws, ingested, timedelta(days=30))  # the file is the dataset's now

    sweep.sweep(now=datetime.now(UTC))

    for upload_id, status in ((recent, "pending"), (open_session, "pending"), (ingested, "ingested")):
        upload = _upload(ws, upload_id)
        assert (upload.status, _file_exists(upload)) == (status, True)
    late = ws.call("POST", f"uploads/{recent}/ingest", ws.admin, params={"kind": "general_ledger"})
    assert late.status == 202, late.body


def test_a_session_that_never_got_its_file_is_closed_without_a_file_to_delete() -> None:
    ws = workspace()
    upload_id = _session(ws, with_file=False)
    _expired_ago(ws, upload_id, timedelta(days=3))

    assert sweep.sweep(now=datetime.now(UTC)) >= 1

    assert _upload(ws, upload_id).status == "expired"
    [discarded] = [
        a for a in ws.call("GET", "activity", ws.admin).json()["items"] if a["action"] == "dataset.upload_discarded"
    ]
    assert discarded["data"]["file_deleted"] is False


def test_a_finalized_engagement_is_not_touched() -> None:
    ws = workspace()
    upload_id = _session(ws)
    _expired_ago(ws, upload_id, timedelta(days=3))
    ws.finalize()

    sweep.sweep(now=datetime.now(UTC))

    upload = _upload(ws, upload_id)
    assert (upload.status, _file_exists(upload)) == ("pending", True)


def test_many_sessions_of_one_firm_are_closed_in_batches() -> None:
    ws = workspace()
    sessions = [_session(ws, with_file=False) for _ in range(5)]
    for upload_id in sessions:
        _expired_ago(ws, upload_id, timedelta(days=2))
    sweep.sweep(now=datetime.now(UTC), batch_size=2)  # 2, 2, then a short batch of 1
    assert {_upload(ws, upload_id).status for upload_id in sessions} == {"expired"}


def test_only_the_system_scope_may_list_firms_with_abandoned_uploads() -> None:
    ws = workspace()
    with (
        UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow,
        pytest.raises(DBAPIError) as refused,
    ):
        uow.session.execute(text("SELECT * FROM aura_firms_with_abandoned_uploads(now())")).all()
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
