"""Finalizing writes the signed report once to write-once storage, and verification notices a copy changed
outside the API (functions/reporting, docs/audit-rules.md section 11)."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from functions.reporting import handlers
from shared import audit_log, gates
from shared.auth import authenticate, reauthentication
from shared.auth.tokens import EntraValidator
from shared.bus.consumer import consume
from shared.bus.envelope import Envelope
from shared.db.models import OutboxMessage, User
from shared.db.models_reporting import Report, ReportArchive
from shared.db.uow import UnitOfWork
from shared.settings import get_settings
from shared.storage import BlobExists, BlobImmutable, get_storage
from tests.engagement_support import Person, Workspace
from tests.entra_support import AUDIENCE, TENANT, StaticKeys, entra_token, new_key
from tests.integration.test_reporting import approved, team
from tests.support import PASSWORD, request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def signed_report(ws: Workspace, people: dict[str, Person]) -> dict[str, Any]:
    report = approved(ws, people)
    reply = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={"password": PASSWORD})
    assert reply.status == 200, reply.body
    return {**report, **reply.json()}


def deliver_finalized(ws: Workspace) -> None:
    """Hand the engagement's engagement.finalized event to the reporting consumer, as the bus would."""
    with UnitOfWork(system=True) as uow:
        bodies = uow.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.message_type == "engagement.finalized")
        ).all()
    [body] = [b for b in bodies if b["payload"]["engagement_id"] == ws.engagement_id]
    envelope = Envelope.model_validate(body)
    assert consume(envelope, consumer="reporting_on_engagement_finalized", handler=handlers.on_engagement_finalized)
    # Redelivered: the inbox makes it a no-op.
    assert not consume(envelope, consumer="reporting_on_engagement_finalized", handler=handlers.on_engagement_finalized)


def finalize(ws: Workspace, people: dict[str, Person]) -> None:
    """QC's verdict recorded as the QC capability would; the report gates come from the API above."""
    ws.move_to("review")
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        gates.record(uow, engagement_id=uuid.UUID(ws.engagement_id), gate="qc", satisfied=True)
        uow.commit()
    reply = ws.call("POST", "transitions", people["partner"], json_body={"to": "finalized"})
    assert reply.status == 200, reply.body
    deliver_finalized(ws)


def archive_of(ws: Workspace, report_id: str) -> ReportArchive:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        row = uow.session.scalar(select(ReportArchive).where(ReportArchive.report_id == uuid.UUID(report_id)))
        assert row is not None
        uow.session.expunge(row)
        return row


def test_finalize_writes_the_signed_report_once_and_verification_detects_a_changed_copy() -> None:
    ws, people = team()
    report = signed_report(ws, people)
    not_ready = ws.call("POST", "transitions", people["partner"], json_body={"to": "finalized"})
    assert not_ready.status == 409  # the engagement is not in review, and QC has not passed

    finalize(ws, people)
    archive = archive_of(ws, report["id"])
    assert archive.container == "reports"
    assert archive.sha256 == report["sha256"]
    assert archive.audit_anchors >= 1

    verification = ws.call("GET", f"reports/{report['id']}/verification", people["senior"])
    assert verification.status == 200, verification.body
    found = verification.json()
    assert (found["sha256"], found["matches"], found["immutable"]) == (report["sha256"], True, True)
    assert found["stored_sha256"] == report["sha256"]
    assert ws.call("GET", f"reports/{report['id']}", people["senior"]).json()["archived"] is True

    # The write-once store refuses to replace or delete the copy.
    storage = get_storage()
    with pytest.raises(BlobExists):
        storage.put_immutable("reports", archive.blob_name, b"%PDF-1.7 another report")
    with pytest.raises(BlobImmutable):
        storage.put("reports", archive.blob_name, b"%PDF-1.7 another report")
    with pytest.raises(BlobImmutable):
        storage.delete("reports", archive.blob_name)
    assert hashlib.sha256(storage.get("reports", archive.blob_name)).hexdigest() == report["sha256"]

    # The audit chain's head was anchored in the same store at finalize, and still verifies.
    anchors = audit_log.chain_anchors(str(ws.firm_id), storage)
    assert anchors
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        assert audit_log.verify(uow).ok

    # Every write under the engagement is now refused, reports included.
    for method, path, body in [
        ("POST", "reports", {"opinion": "unmodified"}),
        ("POST", f"reports/{report['id']}/approve", None),
        ("POST", f"reports/{report['id']}/sign", {"password": PASSWORD}),
    ]:
        reply = ws.call(method, path, people["partner"], json_body=body)
        assert (reply.status, reply.json()["code"]) == (409, "engagement_locked"), (path, reply.body)
    assert ws.call("GET", f"reports/{report['id']}/pdf", people["senior"]).status == 200

    # Someone with access to the folder changes the stored bytes outside the API.
    path = Path(get_settings().local_storage_dir) / "reports" / archive.blob_name
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.7 a different opinion")
    changed = ws.call("GET", f"reports/{report['id']}/verification", people["senior"]).json()
    assert changed["matches"] is False
    assert changed["sha256"] == report["sha256"]
    assert changed["stored_sha256"] == hashlib.sha256(b"%PDF-1.7 a different opinion").hexdigest()


def test_report_archives_is_insert_only_for_the_app() -> None:
    ws, people = team()
    report = signed_report(ws, people)
    finalize(ws, people)
    for statement in (
        update(ReportArchive).where(ReportArchive.report_id == uuid.UUID(report["id"])).values(sha256="0" * 64),
        delete(ReportArchive).where(ReportArchive.report_id == uuid.UUID(report["id"])),
    ):
        with UnitOfWork(firm_id=ws.firm_id, system=True) as uow, pytest.raises(DBAPIError, match="permission denied"):
            uow.session.execute(statement)
    assert archive_of(ws, report["id"]).sha256 == report["sha256"]


def test_an_engagement_finalized_without_a_signed_report_archives_nothing() -> None:
    ws, people = team()
    ws.finalize()  # every gate recorded directly, no report
    deliver_finalized(ws)
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        assert uow.session.scalars(select(ReportArchive)).all() == []


@pytest.mark.usefixtures("azure_storage")
def test_on_azurite_the_copy_is_create_only_and_verifies() -> None:
    """Azurite implements no immutability policies (tests/integration/azurite.py): what it can show is the
    create-only write and the digest read back; the retention lock itself is Azure's (infra/modules/storage)."""
    ws, people = team()
    report = signed_report(ws, people)
    finalize(ws, people)
    archive = archive_of(ws, report["id"])
    found = ws.call("GET", f"reports/{report['id']}/verification", people["senior"]).json()
    assert (found["matches"], found["immutable"]) == (True, True)
    storage = get_storage()
    with pytest.raises(BlobExists):
        storage.put_immutable("reports", archive.blob_name, b"%PDF-1.7 another report")
    assert hashlib.sha256(storage.get("reports", archive.blob_name)).hexdigest() == report["sha256"]
    # The emulator lets an overwrite through where Azure's policy would not: verification then says so.
    storage.put("reports", archive.blob_name, b"%PDF-1.7 replaced")
    assert ws.call("GET", f"reports/{report['id']}/verification", people["senior"]).json()["matches"] is False


# --- Entra ID users re-authenticate with a fresh token ----------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def entra(monkeypatch: pytest.MonkeyPatch, rsa_key: rsa.RSAPrivateKey) -> None:
    validator = EntraValidator(tenant_id=TENANT, audience=AUDIENCE, keys=StaticKeys(rsa_key.public_key()))
    monkeypatch.setattr(authenticate, "get_entra_validator", lambda: validator)
    monkeypatch.setattr(reauthentication, "get_entra_validator", lambda: validator)


@pytest.mark.usefixtures("entra")
def test_an_entra_partner_signs_with_a_token_from_a_recent_sign_in(rsa_key: rsa.RSAPrivateKey) -> None:
    ws, people = team()
    report = approved(ws, people)
    oid = str(uuid.uuid4())
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.execute(
            update(User).where(User.id == uuid.UUID(people["partner"].user_id)).values(entra_object_id=oid)
        )
        uow.commit()
    now = int(time.time())
    stale = entra_token(rsa_key, oid=oid, iat=now - 3600, nbf=now - 3600, exp=now + 600, auth_time=now - 3600)
    path = f"engagements/{ws.engagement_id}/reports/{report['id']}/sign"
    refused = request("POST", path, token=stale, json_body={})
    assert (refused.status, refused.json()["code"]) == (401, "reauthentication_required")
    assert report_status(ws, report["id"]) == "approved"

    fresh = entra_token(rsa_key, oid=oid, auth_time=now - 30)
    signed = request("POST", path, token=fresh, json_body={})
    assert signed.status == 200, signed.body
    assert signed.json()["signature_method"] == "local:entra_token"
    assert signed.json()["signed_by"] == people["partner"].user_id


def report_status(ws: Workspace, report_id: str) -> str:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        report = uow.session.get(Report, uuid.UUID(report_id))
        assert report is not None
        return report.status


def test_a_signed_copy_changed_before_finalize_is_not_archived() -> None:
    ws, people = team()
    report = signed_report(ws, people)
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        row = uow.session.get(Report, uuid.UUID(report["id"]))
        assert row is not None and row.blob_name is not None
        name = row.blob_name
    get_storage().put("evidence", name, b"%PDF-1.7 swapped before finalize")
    assert ws.call("GET", f"reports/{report['id']}/verification", people["senior"]).json()["matches"] is False
    with pytest.raises(RuntimeError, match="no longer matches its signature"):
        finalize(ws, people)
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        assert uow.session.scalars(select(ReportArchive)).all() == []
    assert not get_storage().exists("reports", name)
