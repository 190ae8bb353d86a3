"""Client data is accepted by the auditor: two people, two tokens, a client contact and the audit team.

A client's upload lands as submitted and becomes current only when a member of the team accepts it;
a rejection keeps a reason the client reads; an identical file is refused as a duplicate; once
fieldwork has started, replacing current data needs a reason; the activity feed names every actor.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import deliver, ingest, loaded, upload
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TB = (
    b"Account Number,Account Name,Opening Balance,Closing Balance\n"
    b"1000,Cash,100.00,150.00\n2000,Equity,-100.00,-150.00\n"
)
TB_CORRECTED = TB.replace(b"150.00", b"175.00")


@pytest.fixture
def ws(database: str) -> Workspace:
    return workspace()


def current(ws: Workspace) -> dict[str, Any] | None:
    items = ws.call("GET", "datasets", ws.admin, params={"kind": "trial_balance"}).json()["items"]
    return next((d for d in items if d["current"]), None)


def email_of(ws: Workspace, user_id: str) -> str:
    return str(request("GET", f"users/{user_id}", token=ws.admin.token).json()["email"])


def test_a_client_upload_is_submitted_and_current_only_once_the_team_accepts_it(ws: Workspace) -> None:
    client = ws.client_user()
    senior = ws.person("senior", "senior", team_role="senior")
    ws.move_to("review")

    submitted = ingest(ws, client, "trial_balance", TB)
    assert submitted["status"] == "submitted", submitted["error"]
    assert submitted["current"] is False and submitted["needs_acceptance"] is True
    assert current(ws) is None
    assert ws.call("GET", "trial-balance", senior).status == 404, "nothing the team relies on yet"
    # The client sees their own submission waiting; they may not accept it themselves.
    assert ws.call("GET", f"datasets/{submitted['id']}", client).json()["status"] == "submitted"
    refused = ws.call("POST", f"datasets/{submitted['id']}/accept", client, json_body={})
    assert refused.status == 403, refused.body

    accepted = ws.call("POST", f"datasets/{submitted['id']}/accept", senior, json_body={})
    assert accepted.status == 200, accepted.body
    body = accepted.json()
    assert (body["status"], body["current"], body["decided_by"]) == ("succeeded", True, senior.user_id)
    assert body["decided_by_name"] == email_of(ws, senior.user_id)
    assert body["created_by_name"] == email_of(ws, client.user_id)
    assert ws.call("GET", "trial-balance", senior).json()["dataset"]["id"] == submitted["id"]
    again = ws.call("POST", f"datasets/{submitted['id']}/accept", senior, json_body={})
    assert again.status == 409 and again.json()["code"] == "not_submitted"


def test_a_rejection_keeps_its_reason_for_the_client_and_the_data_never_becomes_current(ws: Workspace) -> None:
    client = ws.client_user()
    staff = ws.person("staff", "staff", team_role="staff")
    submitted = ingest(ws, client, "trial_balance", TB)

    short = ws.call("POST", f"datasets/{submitted['id']}/reject", staff, json_body={"reason": "no"})
    assert short.status == 400 and short.json()["errors"][0]["loc"] == ["body", "reason"]
    reason = "This is the June trial balance; we need December's"
    rejected = ws.call("POST", f"datasets/{submitted['id']}/reject", staff, json_body={"reason": reason})
    assert rejected.status == 200, rejected.body
    seen = ws.call("GET", f"datasets/{submitted['id']}", client).json()
    assert (seen["status"], seen["decision_reason"], seen["current"]) == ("rejected", reason, False)
    assert current(ws) is None
    # Once rejected, the same file may be sent again (it is no longer waiting) and waits anew.
    assert ingest(ws, client, "trial_balance", TB)["status"] == "submitted"


def test_an_identical_file_is_refused_as_a_duplicate_pointing_at_the_version_it_repeats(ws: Workspace) -> None:
    client = ws.client_user()
    first = loaded(ws, ws.admin, "trial_balance", TB)

    for who in (ws.admin, client):
        duplicate = upload(ws, who, "trial_balance", TB)
        assert duplicate.status == 409, duplicate.body
        problem = duplicate.json()
        assert (problem["code"], problem["dataset_id"], problem["version"]) == ("duplicate_dataset", first["id"], 1)
        assert "identical to trial balance version 1" in problem["detail"]

    waiting = ingest(ws, client, "trial_balance", TB_CORRECTED)
    assert waiting["status"] == "submitted"
    repeated = upload(ws, client, "trial_balance", TB_CORRECTED)
    assert repeated.status == 409 and repeated.json()["dataset_id"] == waiting["id"]
    items = ws.call("GET", "datasets", ws.admin, params={"kind": "trial_balance"}).json()["items"]
    assert [d["version"] for d in items] == [2, 1], "nothing stored for the refused copies"


def test_after_fieldwork_starts_replacing_current_data_needs_the_teams_reason(ws: Workspace) -> None:
    client = ws.client_user()
    senior = ws.person("senior", "senior", team_role="senior")
    loaded(ws, ws.admin, "trial_balance", TB)
    ws.move_to("fieldwork")

    refused = upload(ws, senior, "trial_balance", TB_CORRECTED)
    assert refused.status == 400, refused.body
    assert refused.json()["code"] == "reason_required"
    assert refused.json()["errors"][0]["loc"] == ["query", "reason"]
    replaced = loaded(ws, senior, "trial_balance", TB_CORRECTED, reason="Client posted the audit adjustments")
    assert replaced["reason"] == "Client posted the audit adjustments" and replaced["current"] is True

    # A client's corrected file waits; accepting it over current data needs a reason too.
    corrected = ingest(ws, client, "trial_balance", TB_CORRECTED.replace(b"175.00", b"180.00"))
    assert corrected["status"] == "submitted"
    no_reason = ws.call("POST", f"datasets/{corrected['id']}/accept", senior, json_body={})
    assert no_reason.status == 400 and no_reason.json()["code"] == "reason_required"
    accepted = ws.call(
        "POST", f"datasets/{corrected['id']}/accept", senior, json_body={"reason": "Agreed to the signed TB"}
    )
    assert accepted.status == 200 and accepted.json()["current"] is True


def test_the_activity_feed_names_every_actor_the_client_included(ws: Workspace) -> None:
    client = ws.client_user()
    senior = ws.person("senior", "senior", team_role="senior")
    submitted = ingest(ws, client, "trial_balance", TB)
    ws.call("POST", f"datasets/{submitted['id']}/accept", senior, json_body={})

    items = ws.call("GET", "activity", senior, params={"page_size": "100"}).json()["items"]
    by_action = {item["action"]: item for item in items}
    assert by_action["dataset.uploaded"]["actor_name"] == email_of(ws, client.user_id)
    assert by_action["dataset.accepted"]["actor_name"] == email_of(ws, senior.user_id)
    assert "dataset.submitted" in by_action
    named = [item for item in items if item["actor_id"]]
    assert named and all(item["actor_name"] for item in named)


def test_a_large_client_file_sent_straight_to_storage_is_refused_as_a_duplicate_when_loaded(ws: Workspace) -> None:
    client = ws.client_user()
    loaded(ws, ws.admin, "trial_balance", TB)
    opened = ws.call("POST", "uploads", client, json_body={"filename": "tb.csv", "content_type": "text/csv"})
    assert opened.status == 201, opened.body
    upload_id = opened.json()["upload_id"]
    sent = ws.call("PUT", f"uploads/{upload_id}/content", client, body=TB, headers={"Content-Type": "text/csv"})
    assert sent.status in (200, 201, 204), sent.body
    queued = ws.call("POST", f"uploads/{upload_id}/ingest", client, params={"kind": "trial_balance"})
    assert queued.status == 202, queued.body
    deliver(queued.json()["job_id"])
    dataset = ws.call("GET", f"datasets/{queued.json()['dataset_id']}", ws.admin).json()
    assert dataset["status"] == "failed" and dataset["error"]["code"] == "duplicate_dataset"
    still = current(ws)
    assert still is not None and still["version"] == 1
