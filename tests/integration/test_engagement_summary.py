"""GET /api/engagements/summary: the home page's one call. Its figures equal what the per-engagement
endpoints answer, it shows exactly the engagements the list shows, a client user sees the status only,
and the number of SQL statements it runs does not grow with the number of engagements."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from shared.db.engine import get_engine
from tests.analytics_support import gl_csv, run_tests
from tests.engagement_support import Person, Workspace, new_client, new_engagement, workspace
from tests.ingestion_support import ingest, loaded
from tests.support import create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database"), pytest.mark.slow]

TB = (
    b"Account Number,Account Name,Opening Balance,Closing Balance\n"
    b"1000,Cash,100.00,150.00\n2000,Equity,-100.00,-150.00\n"
)
RATIONALE = "Revenue is the measure users of these statements look at; the entity is stable and profitable."


def _journal(journal_id: str, amount: str) -> list[dict[str, Any]]:
    common = {"Journal ID": journal_id, "Effective Date": "2026-03-02", "Description": "Sale"}
    return [
        {**common, "Line": 1, "Account": "1100", "Debit": amount, "Credit": ""},
        {**common, "Line": 2, "Account": "4000", "Debit": "", "Credit": amount},
    ]


def _summary(who: Person, **params: str) -> dict[str, Any]:
    reply = request("GET", "engagements/summary", token=who.token, params=params or None)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def _workpaper(ws: Workspace, who: Person, title: str) -> str:
    nodes = ws.call("GET", "binder", who).json()["nodes"]
    cash = next(node["id"] for node in nodes if node["index_code"] == "D")
    body = {"parent_id": cash, "kind": "workpaper", "title": title, "content": {"text": "v1"}}
    reply = ws.call("POST", "binder/nodes", who, json_body=body)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def _sign(ws: Workspace, node: str, who: Person, step: str) -> None:
    version = ws.call("GET", f"binder/nodes/{node}", who).json()["version"]
    reply = ws.call("POST", f"binder/nodes/{node}/signoffs", who, json_body={"step": step, "version": version})
    assert reply.status in (200, 201), reply.body


def _flatten(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _flatten(node.get("children") or [])


def _per_engagement(ws: Workspace, engagement_id: str, who: Person) -> dict[str, Any]:
    """The figures as the home page computed them from the per-engagement endpoints."""
    base = f"engagements/{engagement_id}"
    binder = request("GET", f"{base}/binder", token=who.token).json()["nodes"]
    papers = [n for n in _flatten(binder) if n["kind"] == "workpaper"]
    notes = request("GET", f"{base}/review-notes", token=who.token, params={"status": "open", "page_size": "1"})
    exceptions = request("GET", f"{base}/je-tests/exceptions", token=who.token)
    assert exceptions.status in (200, 404), exceptions.body
    datasets = request("GET", f"{base}/datasets", token=who.token, params={"page_size": "100"}).json()["items"]
    materiality = request("GET", f"{base}/materiality", token=who.token)
    assert materiality.status in (200, 404), materiality.body
    return {
        "workpapers_total": len(papers),
        "workpapers_signed": sum(1 for p in papers if (p.get("signoffs") or {}).get("approved")),
        "open_review_notes": notes.json()["total"],
        "unresolved_je_exceptions": exceptions.json()["unresolved"] if exceptions.status == 200 else 0,
        "je_run_id": exceptions.json()["run_id"] if exceptions.status == 200 else None,
        "loaded_kinds": sorted({d["kind"] for d in datasets if d["current"] and d["status"] == "succeeded"}),
        "awaiting_acceptance": sum(1 for d in datasets if d["status"] == "submitted" and d["needs_acceptance"]),
        "materiality_set": materiality.status == 200,
    }


@contextlib.contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture(scope="module")
def firm() -> dict[str, Any]:
    """Engagement A: well under way (data, a JE run with triage, materiality, workpapers at every stage,
    notes, a client submission). Engagement B, of another client: just opened."""
    ws = workspace()
    admin = ws.admin  # manager on A's team (its creator)
    senior = ws.person("sue", "senior", team_role="senior")
    partner = ws.person("pat", "partner", team_role="partner")
    rows = _journal("R1", "5000.00") + _journal("R2", "7000.00") + _journal("R3", "9000.00") + _journal("N1", "12.34")
    loaded(ws, admin, "general_ledger", gl_csv(rows), filename="gl.csv")
    run = run_tests(ws, ["round_amount"])
    reply = ws.call(
        "PUT", f"je-tests/{run.id}/journals/R1/disposition", admin, json_body={"status": "explained", "note": "Agreed"}
    )
    assert reply.status == 200, reply.body
    materiality = {"benchmark": "revenue", "amount": "1234566.50", "risk_level": "moderate", "rationale": RATIONALE}
    assert ws.call("POST", "materiality", admin, json_body=materiality).status == 201
    waiting = _workpaper(ws, senior, "Bank reconciliation")
    _sign(ws, waiting, senior, "prepare")
    done = _workpaper(ws, senior, "Cash lead")
    _sign(ws, done, senior, "prepare")
    _sign(ws, done, admin, "review")
    _sign(ws, done, partner, "approve")
    _workpaper(ws, senior, "Unstarted")
    note = {"node_id": waiting, "body": "Agree to the bank letter", "assignee_id": admin.user_id}
    assert ws.call("POST", "review-notes", senior, json_body=note).status == 201
    assert ws.call("POST", "review-notes", senior, json_body={"node_id": done, "body": "Why?"}).status == 201
    client = ws.client_user()
    assert ingest(ws, client, "trial_balance", TB)["status"] == "submitted"
    other_client = new_client(admin.token, "Other client")
    fresh = new_engagement(
        admin.token, other_client, name="FY2027 audit", period_end="2027-12-31", period_start="2027-01-01"
    )["id"]
    return {"ws": ws, "a": ws.engagement_id, "b": str(fresh), "waiting": waiting}


def test_the_figures_equal_the_per_engagement_endpoints(firm: dict[str, Any]) -> None:
    ws: Workspace = firm["ws"]
    summary = _summary(ws.admin)
    by_id = {item["engagement_id"]: item for item in summary["items"]}
    assert set(by_id) == {firm["a"], firm["b"]}
    for engagement_id in (firm["a"], firm["b"]):
        expected = _per_engagement(ws, engagement_id, ws.admin)
        assert {key: by_id[engagement_id][key] for key in expected} == expected
    a, b = by_id[firm["a"]], by_id[firm["b"]]
    # The states really differ (not two empty engagements agreeing by accident).
    assert (a["workpapers_total"], a["workpapers_signed"], a["open_review_notes"]) == (3, 1, 2)
    assert (a["unresolved_je_exceptions"], a["loaded_kinds"], a["awaiting_acceptance"], a["materiality_set"]) == (
        2,
        ["general_ledger"],
        1,
        True,
    )
    assert (b["workpapers_total"], b["open_review_notes"], b["unresolved_je_exceptions"], b["je_run_id"]) == (
        0,
        0,
        0,
        None,
    )
    assert (b["loaded_kinds"], b["materiality_set"], b["my_role"]) == ([], False, "manager")
    # The list's order: the newest period first.
    assert [item["engagement_id"] for item in summary["items"]] == [firm["b"], firm["a"]]


def test_the_callers_tasks(firm: dict[str, Any]) -> None:
    ws: Workspace = firm["ws"]
    summary = _summary(ws.admin)
    assert [(t["engagement_id"], t["body"], t["node_title"]) for t in summary["notes_assigned_to_me"]] == [
        (firm["a"], "Agree to the bank letter", "Bank reconciliation")
    ]
    assert [(t["node_id"], t["step"], t["title"]) for t in summary["waiting_for_my_signoff"]] == [
        (firm["waiting"], "review", "Bank reconciliation")
    ]
    assert [(t["kind"], t["engagement_id"]) for t in summary["submissions_to_accept"]] == [("trial_balance", firm["a"])]
    # The senior prepared it: no review waits for them, and no note is theirs.
    senior = _summary(ws.people["sue"])
    assert (senior["notes_assigned_to_me"], senior["waiting_for_my_signoff"]) == ([], [])
    # Finalized engagements are left out unless asked for.
    assert _summary(ws.admin, include_finalized="true")["items"] == summary["items"]


def test_visibility_follows_the_engagement_list(firm: dict[str, Any]) -> None:
    ws: Workspace = firm["ws"]
    # A senior on A's team sees A only, as the list does.
    senior = ws.people["sue"]
    listed = request("GET", "engagements", token=senior.token).json()["items"]
    assert [i["engagement_id"] for i in _summary(senior)["items"]] == [e["id"] for e in listed] == [firm["a"]]
    # Staff on no team see neither.
    outsider = ws.person("olly", "staff")
    assert _summary(outsider)["items"] == []
    # A client user sees their client's engagement, its status only: no internal figures, no tasks.
    client = _summary(ws.client_user())
    assert [i["engagement_id"] for i in client["items"]] == [firm["a"]]
    only = client["items"][0]
    assert only["status"] == "draft"
    internal = (
        "workpapers_total",
        "workpapers_signed",
        "open_review_notes",
        "unresolved_je_exceptions",
        "je_run_id",
        "loaded_kinds",
        "awaiting_acceptance",
        "materiality_set",
        "my_role",
    )
    assert all(only[key] is None for key in internal), only
    assert (client["notes_assigned_to_me"], client["waiting_for_my_signoff"], client["submissions_to_accept"]) == (
        [],
        [],
        [],
    )
    # Another firm sees nothing of this one.
    stranger = create_firm()
    assert _summary(Person(str(stranger.user_id), token_for(stranger.email), "firm_admin"))["items"] == []


def test_the_statements_do_not_grow_with_the_engagements(firm: dict[str, Any]) -> None:
    ws: Workspace = firm["ws"]
    with _statements() as before:
        two = _summary(ws.admin)
    assert len(two["items"]) == 2
    # Three more engagements, one with data, a workpaper, a note and materiality of its own.
    for year in (2028, 2029, 2030):
        created = new_engagement(
            ws.admin.token, ws.client_id, name=f"FY{year}", period_start=f"{year}-01-01", period_end=f"{year}-12-31"
        )
        if year == 2028:
            more = Workspace(ws.firm_id, ws.admin, ws.client_id, str(created["id"]))
            loaded(more, ws.admin, "trial_balance", TB)
            paper = _workpaper(more, ws.admin, "Another")
            assert more.call("POST", "review-notes", ws.admin, json_body={"node_id": paper, "body": "Hm"}).status == 201
    with _statements() as after:
        five = _summary(ws.admin)
    assert len(five["items"]) == 5
    assert len(after) == len(before), (before, after)
    assert len(after) <= 20, after
