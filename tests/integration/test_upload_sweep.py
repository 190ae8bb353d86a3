"""One sweep for both kinds of upload session: evidence files and client data abandoned for a day lose
their bytes and are closed, each kind by its own capability's timer, through the same lifecycle code.

Real PostgreSQL (the firm listing is a SECURITY DEFINER function per kind, system scope only), the
local-folder storage, and the timer triggers as the host registers them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from functions.engagement.evidence import EVIDENCE_UPLOADS
from functions.ingestion.service import DATA_UPLOADS
from shared import uploads
from shared.db.uow import UnitOfWork
from shared.storage import get_storage
from tests.engagement_support import Workspace, workspace
from tests.support import in_process_host

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

CSV = "text/csv"
BYTES = b"Journal ID,Account,Debit,Credit,Effective Date\nJ1,1000,10.00,,2026-03-01\nJ1,2000,,10.00,2026-03-01\n"
ROUTES = {"evidence": "evidence/uploads", "dataset": "uploads"}
KINDS = {"evidence": EVIDENCE_UPLOADS, "dataset": DATA_UPLOADS}


def _session(ws: Workspace, action: str) -> str:
    reply = ws.call("POST", ROUTES[action], ws.admin, json_body={"filename": "gl.csv", "content_type": CSV})
    assert reply.status == 201, reply.body
    upload_id = str(reply.json()["upload_id"])
    put = ws.call("PUT", f"{ROUTES[action]}/{upload_id}/content", ws.admin, body=BYTES, headers={"Content-Type": CSV})
    assert put.status == 201, put.body
    return upload_id


def _expired_ago(ws: Workspace, action: str, upload_id: str, ago: timedelta) -> None:
    model = KINDS[action].model
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.execute(
            update(model).where(model.id == uuid.UUID(upload_id)).values(expires_at=datetime.now(UTC) - ago)
        )
        uow.commit()


def _state(ws: Workspace, action: str, upload_id: str) -> tuple[str, bool]:
    kind = KINDS[action]
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        upload = uow.session.get(kind.model, uuid.UUID(upload_id))
    assert upload is not None
    return upload.status, get_storage().exists(kind.container, upload.blob_key)


def _run_timers() -> None:
    timers = {f.name: f for f in in_process_host().functions if f.trigger_type == "timerTrigger"}
    for name in ("ingestion_upload_sweep", "evidence_upload_sweep"):
        timers[name].invoke(None)


def test_abandoned_evidence_and_data_uploads_lose_their_files_and_say_so() -> None:
    ws = workspace()
    abandoned = {action: _session(ws, action) for action in ROUTES}
    recent = {action: _session(ws, action) for action in ROUTES}
    for action in ROUTES:
        _expired_ago(ws, action, abandoned[action], uploads.ABANDONED_AFTER + timedelta(minutes=5))
        _expired_ago(ws, action, recent[action], timedelta(hours=1))

    _run_timers()

    for action in ROUTES:
        assert _state(ws, action, abandoned[action]) == ("expired", False)
        assert _state(ws, action, recent[action]) == ("pending", True)
    activity = ws.call("GET", "activity", ws.admin, params={"page_size": 100}).json()["items"]
    discarded = {a["action"]: a for a in activity if a["action"].endswith(".upload_discarded")}
    assert set(discarded) == {"evidence.upload_discarded", "dataset.upload_discarded"}
    assert discarded["evidence.upload_discarded"]["target_id"] == abandoned["evidence"]
    assert discarded["dataset.upload_discarded"]["target_id"] == abandoned["dataset"]
    assert all(a["data"]["file_deleted"] is True for a in discarded.values())

    # A closed session stays closed: completing the evidence upload now is refused.
    late = ws.call("POST", f"evidence/uploads/{abandoned['evidence']}/complete", ws.admin)
    assert (late.status, late.json()["code"]) == (409, "upload_expired")


def test_a_finalized_engagement_keeps_its_evidence_upload() -> None:
    ws = workspace()
    upload_id = _session(ws, "evidence")
    _expired_ago(ws, "evidence", upload_id, timedelta(days=3))
    ws.finalize()

    uploads.sweep(EVIDENCE_UPLOADS, now=datetime.now(UTC))

    assert _state(ws, "evidence", upload_id) == ("pending", True)


def test_only_the_system_scope_may_list_firms_with_abandoned_evidence_uploads() -> None:
    ws = workspace()
    with (
        UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow,
        pytest.raises(DBAPIError) as refused,
    ):
        uow.session.execute(text("SELECT * FROM aura_firms_with_abandoned_evidence_uploads(now())")).all()
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
