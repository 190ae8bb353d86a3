"""Clients, engagements and teams through HTTP: fields, filters, visibility exactly as docs/audit-rules.md section 1."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.engagement_support import new_client, new_engagement, workspace
from tests.support import add_user, create_firm, mailed_token, request, token_for, unique_email

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


# --- clients ---------------------------------------------------------------------------------------


def test_client_defaults_and_full_fields() -> None:
    token = token_for(create_firm().email)
    reply = request("POST", "clients", token=token, json_body={"name": "Acme Widgets"})
    assert reply.status == 201, reply.body
    client = reply.json()
    assert (client["entity_type"], client["fiscal_year_end"], client["contacts"]) == ("non_issuer", "12-31", [])

    full = {
        "name": "Globex",
        "legal_name": "Globex Corporation, Inc.",
        "industry": "334413",
        "entity_type": "issuer",
        "fiscal_year_end": "06-30",
        "contacts": [{"name": "Hank Scorpio", "email": "hank@globex.example.com", "title": "CFO"}],
    }
    created = request("POST", "clients", token=token, json_body=full).json()
    fetched = request("GET", f"clients/{created['id']}", token=token).json()
    for field, value in full.items():
        if field != "contacts":
            assert fetched[field] == value
    assert fetched["contacts"][0]["email"] == "hank@globex.example.com"


@pytest.mark.parametrize(
    ("field", "value"),
    [("fiscal_year_end", "02-30"), ("fiscal_year_end", "13-01"), ("fiscal_year_end", "1231"), ("industry", "54A2")],
)
def test_bad_client_fields_are_named(field: str, value: str) -> None:
    token = token_for(create_firm().email)
    reply = request("POST", "clients", token=token, json_body={"name": "Bad Co", field: value})
    assert reply.status == 400
    error = reply.json()["errors"][0]
    assert error["loc"] == ["body", field]
    assert value in error["msg"]


def test_client_names_are_unique_per_firm_ignoring_case_and_patch_keeps_the_rest() -> None:
    token = token_for(create_firm().email)
    first = new_client(token, "Initech")
    assert request("POST", "clients", token=token, json_body={"name": "INITECH"}).json()["code"] == "client_exists"
    # Another firm may have a client of the same name.
    assert request("POST", "clients", token=token_for(create_firm().email), json_body={"name": "Initech"}).status == 201

    reply = request("PATCH", f"clients/{first}", token=token, json_body={"industry": "5112"})
    assert reply.status == 200
    assert (reply.json()["name"], reply.json()["industry"]) == ("Initech", "5112")
    other = new_client(token, "Intertrode")
    assert request("PATCH", f"clients/{other}", token=token, json_body={"name": "initech"}).status == 409


def test_clients_list_search_and_role_checks() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    for name in ("Alpha Mining", "Beta Foods", "Alpha Retail"):
        new_client(token, name)
    page = request("GET", "clients", token=token, params={"q": "alpha", "page_size": "1"}).json()
    assert page["total"] == 2
    assert [c["name"] for c in page["items"]] == ["Alpha Mining"]

    _, senior = add_user(token, "senior")
    assert request("POST", "clients", token=senior, json_body={"name": "Nope"}).status == 403
    assert request("GET", "clients", token=senior).status == 200
    _, manager = add_user(token, "manager")
    assert request("POST", "clients", token=manager, json_body={"name": "Managed"}).status == 201


def test_a_client_of_another_firm_is_not_found() -> None:
    theirs = new_client(token_for(create_firm().email))
    mine = token_for(create_firm().email)
    assert request("GET", f"clients/{theirs}", token=mine).status == 404
    assert request("PATCH", f"clients/{theirs}", token=mine, json_body={"name": "Stolen"}).status == 404
    reply = request(
        "POST",
        "engagements",
        token=mine,
        json_body={
            "client_id": theirs,
            "name": "x",
            "engagement_type": "audit",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "framework": "us_gaap",
        },
    )
    assert reply.status == 400
    assert reply.json()["errors"][0]["loc"] == ["body", "client_id"]


def test_client_users_are_invited_to_one_existing_client(mail_dir: Path) -> None:
    ws = workspace()
    email = unique_email("controller")
    unknown = request(
        "POST",
        "invitations",
        token=ws.admin.token,
        json_body={"email": email, "roles": ["client_admin"], "client_id": str(uuid.uuid4())},
    )
    assert unknown.status == 400
    assert unknown.json()["errors"][0]["loc"] == ["body", "client_id"]

    invited = request(
        "POST",
        "invitations",
        token=ws.admin.token,
        json_body={"email": email, "roles": ["client_admin"], "client_id": ws.client_id},
    )
    assert invited.status == 201, invited.body
    link_token = mailed_token(mail_dir, email)
    accepted = request("POST", "invitations/accept", json_body={"token": link_token, "password": "client password 1"})
    assert accepted.status in (200, 201), accepted.body
    client_token = token_for(email, "client password 1")
    assert request("GET", "auth/me", token=client_token).json()["user"]["client_id"] == ws.client_id
    listed = request("GET", "engagements", token=client_token).json()
    assert [e["id"] for e in listed["items"]] == [ws.engagement_id]


# --- engagements -----------------------------------------------------------------------------------


def test_create_engagement_starts_in_draft_with_the_creator_as_manager() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    client_id = new_client(token)
    _, senior = add_user(token, "senior")
    engagement = new_engagement(senior, client_id, engagement_type="review", framework="ifrs")
    assert (engagement["status"], engagement["locked"], engagement["my_role"]) == ("draft", False, "manager")
    assert (engagement["engagement_type"], engagement["framework"]) == ("review", "ifrs")
    team = request("GET", f"engagements/{engagement['id']}/team", token=senior).json()["members"]
    assert [m["role"] for m in team] == ["manager"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("engagement_type", "forensic"),
        ("framework", "gaap"),
        ("period_start", "2026-13-01"),
        ("status", "fieldwork"),
    ],
)
def test_bad_engagement_fields_are_named(field: str, value: str) -> None:
    token = token_for(create_firm().email)
    client_id = new_client(token)
    payload = {
        "client_id": client_id,
        "name": "FY",
        "engagement_type": "audit",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "framework": "us_gaap",
        field: value,
    }
    reply = request("POST", "engagements", token=token, json_body=payload)
    assert reply.status == 400
    assert reply.json()["errors"][0]["loc"] == ["body", field]


def test_period_must_end_after_it_starts_on_create_and_patch() -> None:
    token = token_for(create_firm().email)
    client_id = new_client(token)
    reply = request(
        "POST",
        "engagements",
        token=token,
        json_body={
            "client_id": client_id,
            "name": "Backwards",
            "engagement_type": "audit",
            "period_start": "2026-12-31",
            "period_end": "2026-01-01",
            "framework": "us_gaap",
        },
    )
    assert reply.status == 400
    engagement = new_engagement(token, client_id)
    patched = request("PATCH", f"engagements/{engagement['id']}", token=token, json_body={"period_end": "2025-06-30"})
    assert patched.status == 400
    assert patched.json()["errors"][0]["loc"] == ["body", "period_end"]
    renamed = request("PATCH", f"engagements/{engagement['id']}", token=token, json_body={"name": "FY2026 audit (v2)"})
    assert renamed.json()["name"] == "FY2026 audit (v2)"


def test_list_filters_by_status_client_and_period_and_paginates() -> None:
    token = token_for(create_firm().email)
    first, second = new_client(token, "First"), new_client(token, "Second")
    e2025 = new_engagement(token, first, name="FY2025", period_start="2025-01-01", period_end="2025-12-31")
    e2026 = new_engagement(token, first, name="FY2026")
    other = new_engagement(token, second, name="Second FY2026")
    request("POST", f"engagements/{e2026['id']}/transitions", token=token, json_body={"to": "planning"})

    def ids(**params: str) -> list[str]:
        page = request("GET", "engagements", token=token, params=params).json()
        return sorted(e["id"] for e in page["items"])

    assert ids(client_id=first) == sorted([e2025["id"], e2026["id"]])
    assert ids(status="planning") == [e2026["id"]]
    assert ids(status="draft", client_id=first) == [e2025["id"]]
    assert ids(period_to="2025-12-31") == [e2025["id"]]
    assert ids(period_from="2026-01-01") == sorted([e2026["id"], other["id"]])
    page = request("GET", "engagements", token=token, params={"page_size": "2", "page": "2"}).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    # A page past the end still says how many there are; a filter that selects nothing says none.
    page = request("GET", "engagements", token=token, params={"page_size": "2", "page": "3"}).json()
    assert (page["total"], page["items"]) == (3, [])
    page = request("GET", "engagements", token=token, params={"client_id": first, "page_size": "1", "page": "5"}).json()
    assert (page["total"], page["items"]) == (2, [])
    assert request("GET", "engagements", token=token, params={"period_to": "2024-12-31"}).json()["total"] == 0
    assert request("GET", "engagements", token=token, params={"status": "closed"}).status == 400


# --- visibility ------------------------------------------------------------------------------------


def test_visibility_follows_spec_section_1() -> None:
    ws = workspace()
    on_team = {
        role: ws.person(f"team-{role}", role, team_role=role if role != "manager" else "manager")
        for role in ("manager", "senior", "staff")
    }
    off_team = {
        role: ws.person(f"off-{role}", role) for role in ("partner", "qc_reviewer", "manager", "senior", "staff")
    }

    for person in on_team.values():
        assert ws.call("GET", "", person).status == 200
    for role in ("partner", "qc_reviewer"):
        assert ws.call("GET", "", off_team[role]).status == 200, role
    for role in ("manager", "senior", "staff"):
        reply = ws.call("GET", "", off_team[role])
        assert reply.status == 404, role
        assert reply.json()["code"] == "engagement_not_found"
        assert ws.call("GET", "team", off_team[role]).status == 404
        assert ws.call("GET", "activity", off_team[role]).status == 404
        listed = request("GET", "engagements", token=off_team[role].token).json()
        assert listed["total"] == 0

    # The same 404 as for an engagement that does not exist: no existence leak.
    missing = request("GET", f"engagements/{uuid.uuid4()}", token=off_team["senior"].token)
    assert missing.json()["code"] == ws.call("GET", "", off_team["senior"]).json()["code"]


def test_a_client_user_sees_only_their_clients_engagements_and_no_internals() -> None:
    ws = workspace()
    client_user = ws.client_user()
    other_client = new_client(ws.admin.token, "Other client")
    hidden = new_engagement(ws.admin.token, other_client)

    listed = request("GET", "engagements", token=client_user.token).json()
    assert [e["id"] for e in listed["items"]] == [ws.engagement_id]
    assert ws.call("GET", "", client_user).status == 200
    assert request("GET", f"engagements/{hidden['id']}", token=client_user.token).status == 404
    assert [c["id"] for c in request("GET", "clients", token=client_user.token).json()["items"]] == [ws.client_id]
    assert request("GET", f"clients/{other_client}", token=client_user.token).status == 404

    for sub_path in ("team", "activity", "finalization-readiness"):
        assert ws.call("GET", sub_path, client_user).status in (403, 404), sub_path
    assert ws.call("PATCH", "", client_user, json_body={"name": "mine now"}).status == 403
    assert ws.call("POST", "transitions", client_user, json_body={"to": "planning"}).status == 403
    assert request("POST", "clients", token=client_user.token, json_body={"name": "x"}).status == 403


def test_a_user_of_another_firm_sees_nothing() -> None:
    ws = workspace()
    stranger = token_for(create_firm().email)
    assert ws.call("GET", "", type(ws.admin)("x", stranger, "firm_admin")).status == 404
    assert request("GET", "engagements", token=stranger).json()["total"] == 0


# --- team ------------------------------------------------------------------------------------------


def test_team_add_change_remove_and_keep_a_lead() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior")
    added = ws.call("POST", "team", ws.admin, json_body={"user_id": senior.user_id, "role": "senior"})
    assert added.status == 201
    assert ws.call("POST", "team", ws.admin, json_body={"user_id": senior.user_id, "role": "staff"}).status == 409
    assert ws.call("GET", "", senior).json()["my_role"] == "senior"

    promoted = ws.call("PATCH", f"team/{senior.user_id}", ws.admin, json_body={"role": "manager"})
    assert promoted.json()["role"] == "manager"
    # The admin (manager) may leave: the senior is manager now. The last lead may not.
    assert ws.call("DELETE", f"team/{ws.admin.user_id}", ws.admin).status == 204
    last = ws.call("DELETE", f"team/{senior.user_id}", senior)
    assert (last.status, last.json()["code"]) == (409, "team_needs_lead")
    demoted = ws.call("PATCH", f"team/{senior.user_id}", senior, json_body={"role": "staff"})
    assert demoted.json()["code"] == "team_needs_lead"

    off_team = ws.person("outsider", "senior")
    assert ws.call("GET", "", off_team).status == 404
    client_user = ws.client_user()
    refused = ws.call("POST", "team", senior, json_body={"user_id": client_user.user_id, "role": "staff"})
    assert refused.status == 400
    assert refused.json()["errors"][0]["loc"] == ["body", "user_id"]
    foreign = ws.call("POST", "team", senior, json_body={"user_id": str(uuid.uuid4()), "role": "staff"})
    assert foreign.status == 400


def test_staff_on_the_team_cannot_change_the_team_or_the_engagement() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")
    other = ws.person("other", "staff")
    assert ws.call("POST", "team", staff, json_body={"user_id": other.user_id, "role": "staff"}).status == 403
    assert ws.call("PATCH", "", staff, json_body={"name": "mine"}).status == 403
    assert ws.call("POST", "transitions", staff, json_body={"to": "planning"}).status == 403
    assert ws.call("GET", "team", staff).status == 200


def test_activity_feed_lists_changes_newest_first_and_filters_by_action() -> None:
    ws = workspace()
    ws.person("senior", "senior", team_role="senior")
    ws.move_to("fieldwork")
    feed = ws.call("GET", "activity", ws.admin).json()
    actions = [item["action"] for item in feed["items"]]
    assert actions == [
        "engagement.status_changed",
        "engagement.status_changed",
        "engagement.member_added",
        "engagement.created",
    ]
    assert feed["items"][0]["actor_id"] == ws.admin.user_id
    assert feed["items"][0]["data"]["to"] == "fieldwork"
    only = ws.call("GET", "activity", ws.admin, params={"action": "engagement.member_added"}).json()
    assert only["total"] == 1
    # Another engagement's activity does not leak into this feed.
    new_engagement(ws.admin.token, ws.client_id, name="Another")
    assert ws.call("GET", "activity", ws.admin).json()["total"] == 4


def test_nulls_and_timestamps_are_not_taken_for_values() -> None:
    token = token_for(create_firm().email)
    client_id = new_client(token)
    engagement = new_engagement(token, client_id)
    for field in ("name", "entity_type", "fiscal_year_end", "contacts"):
        reply = request("PATCH", f"clients/{client_id}", token=token, json_body={field: None})
        assert reply.status == 400, field
        assert reply.json()["errors"][0]["loc"] == ["body", field]
    for field in ("name", "period_end", "framework"):
        reply = request("PATCH", f"engagements/{engagement['id']}", token=token, json_body={field: None})
        assert reply.json()["errors"][0]["loc"] == ["body", field]
    reply = request("PATCH", f"engagements/{engagement['id']}", token=token, json_body={"period_end": 0})
    assert reply.status == 400
    listed = request("GET", "engagements", token=token, params={"period_to": "0"})
    assert listed.status == 400
    assert "YYYY-MM-DD" in listed.json()["errors"][0]["msg"]


def test_a_problem_names_the_request_path_it_answers() -> None:
    token = token_for(create_firm().email)
    missing = uuid.uuid4()
    problem = request("GET", f"engagements/{missing}", token=token).json()
    assert problem["instance"] == f"/api/engagements/{missing}"
