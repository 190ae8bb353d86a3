"""Evidence files through HTTP: upload with SHA-256, download, linking to binder nodes, and who may."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from functions.engagement import evidence as evidence_service
from functions.engagement.evidence import CONTAINER
from shared.storage import sanitize_filename
from tests.engagement_support import Person, Workspace, new_engagement, workspace
from tests.support import create_firm, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

PDF = b"%PDF-1.4\n% bank confirmation\n" + bytes(range(256)) * 40


def upload(
    ws: Workspace,
    who: Person,
    data: bytes,
    *,
    filename: str | None = "confirmation.pdf",
    content_type: str = "application/pdf",
    **headers: str,
) -> Any:
    all_headers = {"Content-Type": content_type, **headers}
    if filename is not None:
        all_headers["X-Filename"] = filename
    return ws.call("POST", "evidence", who, body=data, headers=all_headers)


def uploaded(ws: Workspace, data: bytes = PDF, **kwargs: Any) -> dict[str, Any]:
    reply = upload(ws, ws.admin, data, **kwargs)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def workpaper(ws: Workspace) -> str:
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    body = {"parent_id": nodes[3]["id"], "kind": "workpaper", "title": "Bank"}
    return str(ws.call("POST", "binder/nodes", ws.admin, json_body=body).json()["id"])


def stored_blobs() -> set[Path]:
    root = Path(os.environ["AURA_LOCAL_STORAGE_DIR"]) / CONTAINER
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def test_upload_and_download_round_trip_with_sha256() -> None:
    ws = workspace()
    digest = hashlib.sha256(PDF).hexdigest()
    reply = upload(ws, ws.admin, PDF, **{"X-Content-SHA256": digest.upper()})
    assert reply.status == 201, reply.body
    meta = reply.json()
    assert (meta["filename"], meta["content_type"], meta["size_bytes"], meta["sha256"]) == (
        "confirmation.pdf",
        "application/pdf",
        len(PDF),
        digest,
    )
    assert meta["uploaded_by"] == ws.admin.user_id and meta["node_ids"] == []

    key = Path(os.environ["AURA_LOCAL_STORAGE_DIR"]) / CONTAINER / "firms" / str(ws.firm_id) / "engagements"
    assert (key / ws.engagement_id / "evidence" / meta["id"]).read_bytes() == PDF

    download = ws.call("GET", f"evidence/{meta['id']}/content", ws.admin)
    assert download.status == 200
    assert download.body == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-SHA256"] == digest
    assert download.headers["Content-Disposition"].startswith('attachment; filename="confirmation.pdf"')
    assert ws.call("GET", f"evidence/{meta['id']}", ws.admin).json() == meta
    assert ws.call("GET", "activity", ws.admin, params={"action": "evidence.uploaded"}).json()["total"] == 1


def downloads(ws: Workspace) -> list[dict[str, Any]]:
    """The evidence.downloaded records of the engagement's activity feed, newest first."""
    feed = ws.call("GET", "activity", ws.admin, params={"action": "evidence.downloaded", "page_size": "100"})
    return list(feed.json()["items"])


def test_local_storage_serves_large_files_and_redirect_requests_as_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder has no URL to redirect to: beyond the threshold, or asked for a redirect, the API still
    answers with the checked bytes (local development only), and each download is audited."""
    ws = workspace()
    meta = uploaded(ws)
    monkeypatch.setattr(evidence_service, "MAX_EVIDENCE_BYTES", 16)
    large = ws.call("GET", f"evidence/{meta['id']}/content", ws.admin)
    asked = ws.call("GET", f"evidence/{meta['id']}/content", ws.admin, params={"redirect": "true"})
    for reply in (large, asked):
        assert reply.status == 200, reply.body
        assert reply.body == PDF
        assert "Location" not in reply.headers
        assert reply.headers["X-Content-SHA256"] == meta["sha256"]
        assert reply.headers["Content-Disposition"].startswith('attachment; filename="confirmation.pdf"')
    bad = ws.call("GET", f"evidence/{meta['id']}/content", ws.admin, params={"redirect": "maybe"})
    assert bad.status == 400 and bad.json()["errors"][0]["loc"] == ["query", "redirect"]

    records = downloads(ws)
    assert len(records) == 2
    for item in records:
        assert (item["target_type"], item["target_id"], item["data"]["via"]) == ("evidence_file", meta["id"], "api")
        assert item["data"]["filename"] == "confirmation.pdf"
        assert item["actor_id"] == ws.admin.user_id


def test_a_checksum_mismatch_stores_nothing() -> None:
    ws = workspace()
    before = stored_blobs()
    wrong = hashlib.sha256(b"something else").hexdigest()
    reply = upload(ws, ws.admin, PDF, **{"X-Content-SHA256": wrong})
    assert reply.status == 400 and reply.json()["code"] == "checksum_mismatch"
    assert reply.json()["errors"][0]["loc"] == ["header", "X-Content-SHA256"]
    malformed = upload(ws, ws.admin, PDF, **{"X-Content-SHA256": "abc"})
    assert malformed.status == 400 and malformed.json()["errors"][0]["loc"] == ["header", "X-Content-SHA256"]
    assert stored_blobs() == before
    assert ws.call("GET", "evidence", ws.admin).json()["total"] == 0


def test_empty_unnamed_oversized_and_unknown_type_uploads_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace()
    empty = upload(ws, ws.admin, b"")
    assert empty.status == 400 and empty.json()["errors"][0]["loc"] == ["body"]
    unnamed = upload(ws, ws.admin, PDF, filename=None)
    assert unnamed.status == 400 and unnamed.json()["errors"][0]["loc"] == ["header", "filename"]
    dots = upload(ws, ws.admin, PDF, filename="../..")
    assert dots.status == 400 and dots.json()["errors"][0]["loc"] == ["header", "X-Filename"]
    assert upload(ws, ws.admin, PDF, content_type="application/x-msdownload").status == 415
    monkeypatch.setattr(evidence_service, "MAX_EVIDENCE_BYTES", 100)
    assert upload(ws, ws.admin, PDF).status == 413
    assert ws.call("GET", "evidence", ws.admin).json()["total"] == 0


def test_file_names_are_sanitized() -> None:
    ws = workspace()
    reply = ws.call(
        "POST",
        "evidence",
        ws.admin,
        body=b"a,b\n1,2\n",
        headers={"Content-Type": "text/csv"},
        params={"filename": "..\\..\\windows/../etc/pass\x07wd\u202e.csv"},
    )
    assert reply.status == 201, reply.body
    assert reply.json()["filename"] == "passwd.csv"

    # Non-ASCII names travel percent-encoded in the header and come back as filename*.
    name = "Bestätigung der Bank.pdf"
    meta = uploaded(ws, filename=quote(name))
    assert meta["filename"] == name
    disposition = ws.call("GET", f"evidence/{meta['id']}/content", ws.admin).headers["Content-Disposition"]
    assert disposition == f"attachment; filename=\"Best_tigung der Bank.pdf\"; filename*=UTF-8''{quote(name, safe='')}"

    long_name = "x" * 400 + ".xlsx"
    assert sanitize_filename(long_name) == "x" * 250 + ".xlsx"
    assert sanitize_filename("scans/ report. ") == "report"
    assert sanitize_filename("C:\\Users\\me\\tb.csv") == "tb.csv"
    assert sanitize_filename("\x00\x1f") == ""


def test_the_list_is_paginated_newest_first() -> None:
    ws = workspace()
    ids = [
        uploaded(ws, data=f"file {n}".encode(), filename=f"{n}.txt", content_type="text/plain")["id"] for n in range(3)
    ]
    page = ws.call("GET", "evidence", ws.admin, params={"page_size": "2"}).json()
    assert (page["total"], page["page"], len(page["items"])) == (3, 1, 2)
    second = ws.call("GET", "evidence", ws.admin, params={"page_size": "2", "page": "2"}).json()
    listed = [item["id"] for item in page["items"] + second["items"]]
    assert sorted(listed) == sorted(ids)
    assert listed[0] == ids[-1]


def test_evidence_links_to_nodes_and_shows_on_both_sides() -> None:
    ws = workspace()
    node = workpaper(ws)
    meta = uploaded(ws)
    linked = ws.call("POST", f"binder/nodes/{node}/evidence", ws.admin, json_body={"evidence_id": meta["id"]})
    assert linked.status == 201, linked.body
    assert (linked.json()["node_id"], linked.json()["evidence_id"]) == (node, meta["id"])
    twice = ws.call("POST", f"binder/nodes/{node}/evidence", ws.admin, json_body={"evidence_id": meta["id"]})
    assert twice.status == 409 and twice.json()["code"] == "already_linked"

    assert ws.call("GET", f"evidence/{meta['id']}", ws.admin).json()["node_ids"] == [node]
    assert ws.call("GET", f"binder/nodes/{node}", ws.admin).json()["evidence_ids"] == [meta["id"]]
    tree = ws.call("GET", "binder", ws.admin).json()["nodes"]
    assert tree[3]["children"][0]["evidence_ids"] == [meta["id"]]

    # An evidence node shows the file in the binder too.
    shown = ws.call(
        "POST",
        "binder/nodes",
        ws.admin,
        json_body={"parent_id": tree[3]["id"], "kind": "evidence", "title": "Confirmation", "evidence_id": meta["id"]},
    )
    assert shown.status == 201, shown.body
    assert sorted(ws.call("GET", f"evidence/{meta['id']}", ws.admin).json()["node_ids"]) == sorted(
        [node, shown.json()["id"]]
    )
    onto_evidence = ws.call(
        "POST", f"binder/nodes/{shown.json()['id']}/evidence", ws.admin, json_body={"evidence_id": meta["id"]}
    )
    assert onto_evidence.status == 409 and onto_evidence.json()["code"] == "not_linkable"

    # Linked evidence keeps the workpaper from being deleted.
    blocked = ws.call("DELETE", f"binder/nodes/{node}", ws.admin)
    assert blocked.status == 409 and blocked.json()["blocking"] == {"linked_evidence": 1}

    unlinked = ws.call("DELETE", f"binder/nodes/{node}/evidence/{meta['id']}", ws.admin)
    assert unlinked.status == 204
    assert ws.call("GET", f"binder/nodes/{node}", ws.admin).json()["evidence_ids"] == []
    missing = ws.call("DELETE", f"binder/nodes/{node}/evidence/{meta['id']}", ws.admin)
    assert missing.status == 404 and missing.json()["code"] == "link_not_found"
    actions = {item["action"] for item in ws.call("GET", "activity", ws.admin).json()["items"]}
    assert {"evidence.uploaded", "evidence.linked", "evidence.unlinked"} <= actions


def test_evidence_of_another_engagement_cannot_be_linked_or_read_here() -> None:
    ws = workspace()
    node = workpaper(ws)
    other = Workspace(ws.firm_id, ws.admin, ws.client_id, new_engagement(ws.admin.token, ws.client_id)["id"])
    foreign = uploaded(other)
    reply = ws.call("POST", f"binder/nodes/{node}/evidence", ws.admin, json_body={"evidence_id": foreign["id"]})
    assert reply.status == 400 and reply.json()["errors"][0]["loc"] == ["body", "evidence_id"]
    assert foreign["id"] in reply.json()["detail"]
    assert ws.call("GET", f"evidence/{foreign['id']}", ws.admin).status == 404
    assert ws.call("GET", f"evidence/{foreign['id']}/content", ws.admin).status == 404
    as_node = ws.call(
        "POST",
        "binder/nodes",
        ws.admin,
        json_body={"parent_id": None, "kind": "evidence", "title": "Foreign", "evidence_id": foreign["id"]},
    )
    assert as_node.status == 400 and as_node.json()["errors"][0]["loc"] == ["body", "evidence_id"]
    # A node of this engagement under the other engagement's path: not found.
    assert (
        other.call("POST", f"binder/nodes/{node}/evidence", ws.admin, json_body={"evidence_id": foreign["id"]}).status
        == 404
    )


def test_who_may_upload_and_read_evidence() -> None:
    ws = workspace()
    meta = uploaded(ws)
    staff = ws.person("staff", "staff", team_role="staff")
    assert upload(ws, staff, b"staff upload", filename="s.txt", content_type="text/plain").status == 201
    qc = ws.person("qc", "qc_reviewer")
    assert upload(ws, qc, b"qc upload", filename="q.txt", content_type="text/plain").status == 403
    assert ws.call("GET", f"evidence/{meta['id']}/content", qc).body == PDF

    outsider_firm = create_firm("Other CPA")
    outsider = Person(str(outsider_firm.user_id), token_for(outsider_firm.email), "firm_admin")
    off_team = ws.person("off-team", "senior")
    for who in (outsider, off_team):
        assert ws.call("GET", "evidence", who).status == 404
        assert ws.call("GET", f"evidence/{meta['id']}", who).status == 404
        assert ws.call("GET", f"evidence/{meta['id']}/content", who).status == 404
        assert upload(ws, who, PDF).status == 404
    client = ws.client_user()
    for reply in (
        ws.call("GET", "evidence", client),
        ws.call("GET", f"evidence/{meta['id']}/content", client),
        upload(ws, client, PDF),
    ):
        assert reply.status in (403, 404), reply.body


def test_evidence_writes_under_a_finalized_engagement_are_locked() -> None:
    ws = workspace()
    node = workpaper(ws)
    meta = uploaded(ws)
    ws.call("POST", f"binder/nodes/{node}/evidence", ws.admin, json_body={"evidence_id": meta["id"]})
    ws.finalize()
    before = stored_blobs()
    for reply in (
        upload(ws, ws.admin, b"late", filename="late.txt", content_type="text/plain"),
        ws.call("POST", f"binder/nodes/{node}/evidence", ws.admin, json_body={"evidence_id": str(uuid.uuid4())}),
        ws.call("DELETE", f"binder/nodes/{node}/evidence/{meta['id']}", ws.admin),
    ):
        assert (reply.status, reply.json()["code"]) == (409, "engagement_locked"), reply.body
    assert stored_blobs() == before
    assert ws.call("GET", f"evidence/{meta['id']}/content", ws.admin).body == PDF
    # Reading is not a change: a finalized engagement's files can still be taken, and it is recorded.
    assert [item["data"]["via"] for item in downloads(ws)] == ["api"]
