"""Evidence uploads straight to storage: session, PUT, completion measured by the server, and who may.

The local folder has no upload URL, so locally the API's own content route stands in for it; the
Azurite test runs the real thing: a create-only SAS URL written to with plain HTTP.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import update

from functions.engagement import evidence as evidence_service
from functions.engagement.evidence import CONTAINER
from shared.db.models_engagement import EvidenceUpload
from shared.db.uow import UnitOfWork
from shared.settings import get_settings
from shared.storage import AzureBlobStorage, get_storage
from tests.engagement_support import Person, Workspace, new_engagement, workspace
from tests.support import create_firm, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

LEDGER = b"account,debit,credit\n" + b"".join(f"{n},{n * 3}.00,0\n".encode() for n in range(5000))
LEDGER_SHA256 = hashlib.sha256(LEDGER).hexdigest()


def start(ws: Workspace, who: Person | None = None, **fields: Any) -> Any:
    body = {"filename": "general-ledger.csv", "content_type": "text/csv", **fields}
    return ws.call("POST", "evidence/uploads", who or ws.admin, json_body=body)


def started(ws: Workspace, **fields: Any) -> dict[str, Any]:
    reply = start(ws, **fields)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def put_content(ws: Workspace, upload_id: str, data: bytes = LEDGER, who: Person | None = None) -> Any:
    return ws.call(
        "PUT",
        f"evidence/uploads/{upload_id}/content",
        who or ws.admin,
        body=data,
        headers={"Content-Type": "text/csv"},
    )


def complete(ws: Workspace, upload_id: str, who: Person | None = None) -> Any:
    return ws.call("POST", f"evidence/uploads/{upload_id}/complete", who or ws.admin)


def stored_blobs() -> set[Path]:
    root = Path(os.environ["AURA_LOCAL_STORAGE_DIR"]) / CONTAINER
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def expire(ws: Workspace, upload_id: str) -> None:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.execute(
            update(EvidenceUpload)
            .where(EvidenceUpload.id == uuid.UUID(upload_id))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        uow.commit()


def upload_status(ws: Workspace, upload_id: str) -> str:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        row = uow.session.get(EvidenceUpload, uuid.UUID(upload_id))
        assert row is not None
        return row.status


def test_local_upload_end_to_end_through_the_api_stand_in() -> None:
    ws = workspace()
    session = started(ws, size_bytes=len(LEDGER), sha256=LEDGER_SHA256.upper())
    upload_id = session["upload_id"]
    base = get_settings().public_base_url.rstrip("/")
    assert session["upload_url"] == f"{base}/api/engagements/{ws.engagement_id}/evidence/uploads/{upload_id}/content"
    assert session["method"] == "PUT"
    assert session["headers"] == {"Content-Type": "text/csv", "Authorization": "Bearer <your access token>"}
    expires_at = datetime.fromisoformat(session["expires_at"])
    assert timedelta(minutes=14) < expires_at - datetime.now(UTC) <= timedelta(minutes=15)

    early = complete(ws, upload_id)
    assert (early.status, early.json()["code"]) == (409, "upload_missing")

    sent = put_content(ws, upload_id)
    assert sent.status == 201, sent.body
    again = put_content(ws, upload_id, b"replacement")
    assert (again.status, again.json()["code"]) == (409, "upload_exists")

    done = complete(ws, upload_id)
    assert done.status == 201, done.body
    meta = done.json()
    assert (meta["id"], meta["filename"], meta["content_type"], meta["size_bytes"], meta["sha256"]) == (
        upload_id,
        "general-ledger.csv",
        "text/csv",
        len(LEDGER),
        LEDGER_SHA256,
    )
    assert meta["uploaded_by"] == ws.admin.user_id and meta["node_ids"] == []
    assert ws.call("GET", f"evidence/{upload_id}", ws.admin).json() == meta

    download = ws.call("GET", f"evidence/{upload_id}/content", ws.admin)
    assert download.status == 200
    assert hashlib.sha256(download.body).hexdigest() == LEDGER_SHA256
    assert download.headers["X-Content-SHA256"] == LEDGER_SHA256

    activity = ws.call("GET", "activity", ws.admin, params={"action": "evidence.uploaded"}).json()
    assert activity["total"] == 1
    assert activity["items"][0]["data"]["via"] == "blob"
    assert activity["items"][0]["target_id"] == upload_id
    assert upload_status(ws, upload_id) == "completed"

    twice = complete(ws, upload_id)
    assert (twice.status, twice.json()["code"]) == (409, "upload_completed")
    late_put = put_content(ws, upload_id, b"more")
    assert (late_put.status, late_put.json()["code"]) == (409, "upload_completed")
    assert ws.call("GET", "evidence", ws.admin).json()["total"] == 1


def test_an_upload_without_declared_size_or_hash_is_measured_by_the_server() -> None:
    ws = workspace()
    upload_id = started(ws, filename="C:\\scans\\bank.pdf", content_type="Application/PDF; charset=binary")["upload_id"]
    data = b"%PDF-1.4\n" + os.urandom(4096)
    assert (
        ws.call(
            "PUT",
            f"evidence/uploads/{upload_id}/content",
            ws.admin,
            body=data,
            headers={"Content-Type": "application/pdf"},
        ).status
        == 201
    )
    meta = complete(ws, upload_id).json()
    assert (meta["filename"], meta["content_type"], meta["size_bytes"], meta["sha256"]) == (
        "bank.pdf",
        "application/pdf",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


@pytest.mark.parametrize(
    ("declared", "field", "code"),
    [
        ({"sha256": hashlib.sha256(b"something else").hexdigest()}, "sha256", "checksum_mismatch"),
        ({"size_bytes": len(LEDGER) + 1}, "size_bytes", "size_mismatch"),
    ],
    ids=["sha256", "size"],
)
def test_a_mismatch_on_completion_leaves_nothing_behind(declared: dict[str, Any], field: str, code: str) -> None:
    ws = workspace()
    before = stored_blobs()
    upload_id = started(ws, **declared)["upload_id"]
    assert put_content(ws, upload_id).status == 201
    assert stored_blobs() != before

    refused = complete(ws, upload_id)
    assert (refused.status, refused.json()["code"]) == (400, code), refused.body
    assert refused.json()["errors"][0]["loc"] == ["upload", field]
    assert refused.json()["detail"].startswith(f"{field}: ")
    assert stored_blobs() == before
    assert ws.call("GET", "evidence", ws.admin).json()["total"] == 0
    assert ws.call("GET", f"evidence/{upload_id}", ws.admin).status == 404
    assert upload_status(ws, upload_id) == "expired"
    for reply in (complete(ws, upload_id), put_content(ws, upload_id)):
        assert (reply.status, reply.json()["code"]) == (409, "upload_expired")


def test_a_file_above_the_maximum_is_refused_on_completion(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace()
    before = stored_blobs()
    upload_id = started(ws)["upload_id"]
    assert put_content(ws, upload_id).status == 201
    monkeypatch.setattr(evidence_service, "MAX_BLOB_UPLOAD_BYTES", len(LEDGER) - 1)
    refused = complete(ws, upload_id)
    assert refused.status == 413, refused.body
    assert stored_blobs() == before
    assert upload_status(ws, upload_id) == "expired"
    declared_too_big = start(ws, size_bytes=len(LEDGER))
    assert declared_too_big.status == 400 and declared_too_big.json()["errors"][0]["loc"] == ["body", "size_bytes"]


def test_an_expired_upload_is_refused_and_its_bytes_removed() -> None:
    ws = workspace()
    before = stored_blobs()
    never_sent = started(ws)["upload_id"]
    sent = started(ws)["upload_id"]
    assert put_content(ws, sent).status == 201
    expire(ws, never_sent)
    expire(ws, sent)

    late = put_content(ws, never_sent)
    assert (late.status, late.json()["code"]) == (409, "upload_expired")
    for upload_id in (sent, never_sent):
        reply = complete(ws, upload_id)
        assert (reply.status, reply.json()["code"]) == (409, "upload_expired")
        assert upload_status(ws, upload_id) == "expired"
    assert stored_blobs() == before
    assert ws.call("GET", "evidence", ws.admin).json()["total"] == 0


def test_bad_upload_requests_are_refused_naming_the_field() -> None:
    ws = workspace()
    cases = [
        ({"filename": "../.."}, ["body", "filename"]),
        ({"content_type": "application/x-msdownload"}, ["body", "content_type"]),
        ({"sha256": "abc"}, ["body", "sha256"]),
        ({"size_bytes": 0}, ["body", "size_bytes"]),
        ({"size_bytes": evidence_service.MAX_BLOB_UPLOAD_BYTES + 1}, ["body", "size_bytes"]),
        ({"unexpected": 1}, ["body", "unexpected"]),
    ]
    for fields, loc in cases:
        reply = start(ws, **fields)
        assert reply.status == 400, (fields, reply.body)
        assert reply.json()["errors"][0]["loc"] == loc, (fields, reply.body)

    upload_id = started(ws)["upload_id"]
    empty = put_content(ws, upload_id, b"")
    assert empty.status == 400 and empty.json()["errors"][0]["loc"] == ["body"]
    wrong_type = ws.call(
        "PUT",
        f"evidence/uploads/{upload_id}/content",
        ws.admin,
        body=LEDGER,
        headers={"Content-Type": "application/x-msdownload"},
    )
    assert wrong_type.status == 415
    assert complete(ws, str(uuid.uuid4())).json()["code"] == "upload_not_found"
    assert ws.call("GET", "evidence", ws.admin).json()["total"] == 0


def test_an_upload_of_another_engagement_is_not_found_here() -> None:
    ws = workspace()
    other = Workspace(ws.firm_id, ws.admin, ws.client_id, new_engagement(ws.admin.token, ws.client_id)["id"])
    foreign = started(other)["upload_id"]
    for reply in (put_content(ws, foreign), complete(ws, foreign)):
        assert (reply.status, reply.json()["code"]) == (404, "upload_not_found")
    assert put_content(other, foreign).status == 201
    assert complete(ws, foreign).status == 404
    assert complete(other, foreign).status == 201
    assert ws.call("GET", "evidence", ws.admin).json()["total"] == 0


def test_who_may_upload_straight_to_storage() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")
    session = start(ws, staff)
    assert session.status == 201, session.body
    upload_id = session.json()["upload_id"]
    assert put_content(ws, upload_id, who=staff).status == 201
    assert complete(ws, upload_id, who=staff).json()["uploaded_by"] == staff.user_id

    admins = started(ws)["upload_id"]
    qc = ws.person("qc", "qc_reviewer")
    outsider_firm = create_firm("Other CPA")
    outsider = Person(str(outsider_firm.user_id), token_for(outsider_firm.email), "firm_admin")
    off_team = ws.person("off-team", "senior")
    client = ws.client_user()
    expected = {"qc": (403,), "outsider": (404,), "off-team": (404,), "client": (403, 404)}
    for name, who in (("qc", qc), ("outsider", outsider), ("off-team", off_team), ("client", client)):
        for reply in (start(ws, who), put_content(ws, admins, who=who), complete(ws, admins, who=who)):
            assert reply.status in expected[name], (name, reply.status, reply.body)
    assert upload_status(ws, admins) == "pending"
    assert complete(ws, admins).json()["code"] == "upload_missing"


@pytest.mark.usefixtures("azure_storage")
def test_upload_through_a_create_only_sas_url_on_azurite(azurite_connection_string: str) -> None:
    ws = workspace()
    session = started(ws, size_bytes=len(LEDGER), sha256=LEDGER_SHA256)
    upload_id = session["upload_id"]
    url = session["upload_url"]
    blob_endpoint = azurite_connection_string.split("BlobEndpoint=")[1].rstrip(";")
    assert url.startswith(f"{blob_endpoint}/{CONTAINER}/firms/{ws.firm_id}/engagements/{ws.engagement_id}/")
    assert "sp=c&" in url
    assert session["headers"] == {"x-ms-blob-type": "BlockBlob", "Content-Type": "text/csv"}

    put = httpx.put(url, content=LEDGER, headers=session["headers"])
    assert put.status_code == 201, put.text
    # Create-only: the same URL can never replace what was uploaded, nor read it back.
    replaced = httpx.put(url, content=b"tampered", headers=session["headers"])
    assert replaced.status_code == 403, replaced.text
    assert httpx.get(url).status_code == 403

    done = complete(ws, upload_id)
    assert done.status == 201, done.body
    assert (done.json()["id"], done.json()["size_bytes"], done.json()["sha256"]) == (
        upload_id,
        len(LEDGER),
        LEDGER_SHA256,
    )
    download = ws.call("GET", f"evidence/{upload_id}/content", ws.admin)
    assert download.status == 200 and hashlib.sha256(download.body).hexdigest() == LEDGER_SHA256


@pytest.mark.usefixtures("azure_storage")
def test_a_mismatch_on_azurite_deletes_the_blob() -> None:
    ws = workspace()
    session = started(ws, sha256=hashlib.sha256(b"other").hexdigest())
    assert httpx.put(session["upload_url"], content=LEDGER, headers=session["headers"]).status_code == 201
    refused = complete(ws, session["upload_id"])
    assert (refused.status, refused.json()["code"]) == (400, "checksum_mismatch")
    assert get_storage().list(CONTAINER, prefix=f"firms/{ws.firm_id}/") == []


@pytest.mark.usefixtures("azure_storage")
def test_a_large_file_on_azurite_redirects_to_a_read_only_sas_url(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace()
    session = started(ws, filename="Grand livre 2025 – final.csv", size_bytes=len(LEDGER), sha256=LEDGER_SHA256)
    assert httpx.put(session["upload_url"], content=LEDGER, headers=session["headers"]).status_code == 201
    evidence_id = complete(ws, session["upload_id"]).json()["id"]
    small = ws.call("GET", f"evidence/{evidence_id}/content", ws.admin)
    assert small.status == 200 and small.body == LEDGER

    # Above the threshold the Function reads nothing: the client gets the recorded hash to verify.
    def no_reading(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("a redirected download must not read the blob")

    monkeypatch.setattr(AzureBlobStorage, "get", no_reading)
    monkeypatch.setattr(AzureBlobStorage, "open", no_reading)
    monkeypatch.setattr(evidence_service, "MAX_EVIDENCE_BYTES", 64)
    redirect = ws.call("GET", f"evidence/{evidence_id}/content", ws.admin)
    assert redirect.status == 307, redirect.body
    assert redirect.body == b""
    assert redirect.headers["X-Content-SHA256"] == LEDGER_SHA256
    assert redirect.headers["Cache-Control"] == "private, no-store"
    url = redirect.headers["Location"]
    assert "sp=r&" in url

    fetched = httpx.get(url)
    assert fetched.status_code == 200, fetched.text
    assert fetched.content == LEDGER and hashlib.sha256(fetched.content).hexdigest() == LEDGER_SHA256
    assert fetched.headers["Content-Type"] == "text/csv"
    name = "Grand livre 2025 – final.csv"
    assert fetched.headers["Content-Disposition"] == (
        f"attachment; filename=\"Grand livre 2025 _ final.csv\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    # Read-only: the URL can neither replace the file nor delete it.
    refused = httpx.put(url, content=b"tampered", headers={"x-ms-blob-type": "BlockBlob"})
    assert refused.status_code == 403, refused.text
    assert httpx.delete(url).status_code == 403
    assert httpx.get(url).content == LEDGER

    # A small file redirects too when the client asks for it.
    monkeypatch.setattr(evidence_service, "MAX_EVIDENCE_BYTES", 100 * 1024 * 1024)
    asked = ws.call("GET", f"evidence/{evidence_id}/content", ws.admin, params={"redirect": "true"})
    assert asked.status == 307 and httpx.get(asked.headers["Location"]).content == LEDGER

    feed = ws.call("GET", "activity", ws.admin, params={"action": "evidence.downloaded"}).json()
    assert [item["data"]["via"] for item in feed["items"]] == ["redirect", "redirect", "api"]
    assert {item["target_id"] for item in feed["items"]} == {evidence_id}
    assert {item["actor_id"] for item in feed["items"]} == {ws.admin.user_id}
