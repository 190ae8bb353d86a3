"""An engagement's report due date (issue 22, item 1): set on creation, changed, cleared, refused before the
period end with the field and value named, logged with the change, and read back in the list."""

from __future__ import annotations

import pytest

from tests.engagement_support import new_client, new_engagement, workspace
from tests.support import create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def test_due_date_is_set_on_creation_and_read_back_in_one_and_in_the_list() -> None:
    token = token_for(create_firm().email)
    client_id = new_client(token)
    created = new_engagement(token, client_id, name="Due", due_date="2027-03-31")
    assert created["due_date"] == "2027-03-31"
    assert request("GET", f"engagements/{created['id']}", token=token).json()["due_date"] == "2027-03-31"
    undated = new_engagement(token, client_id, name="Undated")
    assert undated["due_date"] is None
    listed = {item["name"]: item["due_date"] for item in request("GET", "engagements", token=token).json()["items"]}
    assert listed == {"Due": "2027-03-31", "Undated": None}


def test_due_date_may_fall_on_the_period_end_but_not_before_it() -> None:
    token = token_for(create_firm().email)
    client_id = new_client(token)
    assert new_engagement(token, client_id, due_date="2026-12-31")["due_date"] == "2026-12-31"
    payload = {
        "client_id": client_id,
        "name": "Too early",
        "engagement_type": "audit",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "framework": "us_gaap",
        "due_date": "2026-12-30",
    }
    reply = request("POST", "engagements", token=token, json_body=payload)
    assert reply.status == 400
    error = reply.json()["errors"][0]
    assert error["loc"] == ["body", "due_date"]
    assert "2026-12-30" in error["msg"] and "2026-12-31" in error["msg"]
    names = [item["name"] for item in request("GET", "engagements", token=token).json()["items"]]
    assert "Too early" not in names
    bad_format = request("POST", "engagements", token=token, json_body={**payload, "due_date": "31/03/2027"})
    assert bad_format.status == 400
    assert bad_format.json()["errors"][0]["loc"] == ["body", "due_date"]


def test_due_date_is_changed_cleared_and_logged_and_refused_before_the_period_end() -> None:
    ws = workspace()
    reply = ws.call("PATCH", "", ws.admin, json_body={"due_date": "2027-04-15"})
    assert reply.status == 200, reply.body
    assert reply.json()["due_date"] == "2027-04-15"

    early = ws.call("PATCH", "", ws.admin, json_body={"due_date": "2026-06-30"})
    assert early.status == 400
    assert early.json()["errors"][0]["loc"] == ["body", "due_date"]
    assert "2026-06-30" in early.json()["errors"][0]["msg"]
    # Moving the period end past the due date is refused too, naming the due date.
    later_end = ws.call("PATCH", "", ws.admin, json_body={"period_end": "2027-06-30"})
    assert later_end.status == 400
    assert later_end.json()["errors"][0]["loc"] == ["body", "due_date"]
    assert ws.call("GET", "", ws.admin).json()["due_date"] == "2027-04-15"

    # A name change leaves the due date alone; null clears it.
    assert ws.call("PATCH", "", ws.admin, json_body={"name": "Renamed"}).json()["due_date"] == "2027-04-15"
    cleared = ws.call("PATCH", "", ws.admin, json_body={"due_date": None})
    assert cleared.status == 200
    assert cleared.json()["due_date"] is None

    updates = ws.call("GET", "activity", ws.admin, params={"action": "engagement.updated"}).json()["items"]
    assert [item["data"]["changes"] for item in updates] == [
        {"due_date": None},
        {"name": "Renamed"},
        {"due_date": "2027-04-15"},
    ]


def test_a_finalized_engagement_refuses_a_new_due_date() -> None:
    ws = workspace()
    ws.finalize()
    reply = ws.call("PATCH", "", ws.admin, json_body={"due_date": "2027-04-15"})
    assert reply.status == 409
    assert reply.json()["code"] == "engagement_locked"
