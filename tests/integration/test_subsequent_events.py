"""The subsequent events register: a Type I event flows to a proposed adjusting entry and so to the
summary of unadjusted differences, a Type II one is resolved by its disclosure, a reviewer signs off,
the next period's ledger is reviewed line by line above a threshold, and client users and other
firms see none of it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shared.db.models_events import SubsequentEvent, SubsequentEventsReview
from shared.db.uow import UnitOfWork
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import deliver, loaded
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TB = b"""Account Number,Account Name,Closing Balance
1000,Cash at bank,10000.00
1100,Trade debtors,5000.00
2000,Trade creditors,-4000.00
3000,Share capital,-6000.00
4000,Sales,-20000.00
5000,Cost of goods sold,15000.00
"""
# The period ends 2026-12-31; the ledger runs into 2027.
GL = b"""JE Number,Account,Amount,Posting Date,Description
J1,4000,-5000.00,2026-12-15,December sale
J1,1100,5000.00,2026-12-15,December sale
J2,1100,-2500.00,2027-01-20,Credit note for a December sale
J2,4000,2500.00,2027-01-20,Credit note for a December sale
J3,5000,300.00,2027-01-25,Small purchase
J3,2000,-300.00,2027-01-25,Small purchase
J4,1000,-1200.00,2027-02-03,Settlement paid
J4,2000,1200.00,2027-02-03,Settlement paid
"""


def mapped(ws: Workspace) -> None:
    loaded(ws, ws.admin, "trial_balance", TB)
    reply = ws.call("POST", "mapping/suggest", ws.admin)
    assert reply.status == 202, reply.body
    deliver(reply.json()["job_id"])
    assert ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True}).status == 200


def event(**fields: Any) -> dict[str, Any]:
    return {
        "event_date": "2027-01-20",
        "description": "Customer went bankrupt; its December balance is not recoverable",
        "event_type": "recognized",
        "source": "inquiry",
        **fields,
    }


def add(ws: Workspace, who: Any = None, **fields: Any) -> dict[str, Any]:
    reply = ws.call("POST", "subsequent-events", who or ws.admin, json_body=event(**fields))
    assert reply.status == 201, reply.body
    return dict(reply.json())


def test_a_type_one_event_becomes_a_proposed_entry_in_the_summary_of_unadjusted_differences() -> None:
    ws = workspace()
    mapped(ws)
    lines = [
        {"account_number": "4000", "debit": "400.00"},
        {"account_number": "1100", "credit": "400.00"},
    ]
    created = add(ws, amount="400.00", adjustment={"lines": lines}, status="resolved")
    assert created["adjustment"]["number"] == 1
    assert (created["adjustment"]["kind"], created["adjustment"]["amount"]) == ("proposed", "400.00")
    assert created["status"] == "resolved"
    entries = ws.call("GET", "adjustments", ws.admin).json()["items"]
    assert [(e["number"], e["kind"]) for e in entries] == [(1, "proposed")]
    assert entries[0]["description"].startswith("Subsequent event of 2027-01-20: Customer went bankrupt")
    summary = ws.call("GET", "adjustments/summary", ws.admin).json()
    assert [(d["number"], d["profit_effect"]) for d in summary["differences"]] == [(1, "-400.00")]
    for action in ("subsequent_event.created", "adjustment.created"):
        feed = ws.call("GET", "activity", ws.admin, params={"action": action}).json()
        assert feed["total"] == 1, action


def test_what_a_type_allows_and_what_resolving_needs() -> None:
    ws = workspace()
    mapped(ws)
    before = ws.call("POST", "subsequent-events", ws.admin, json_body=event(event_date="2026-12-31"))
    assert before.status == 400 and "event_date" in before.body.decode() and "2026-12-31" in before.body.decode()
    lines = [{"account_number": "4000", "debit": "1.00"}, {"account_number": "1100", "credit": "1.00"}]
    disclosed = event(event_type="nonrecognized", adjustment={"lines": lines})
    refused = ws.call("POST", "subsequent-events", ws.admin, json_body=disclosed)
    assert refused.status == 400 and "adjustment" in refused.body.decode()
    unbalanced = [{"account_number": "4000", "debit": "5.00"}, {"account_number": "1100", "credit": "1.00"}]
    assert (
        ws.call("POST", "subsequent-events", ws.admin, json_body=event(adjustment={"lines": unbalanced})).status == 400
    )
    assert ws.call("GET", "adjustments", ws.admin).json()["total"] == 0
    assert ws.call("GET", "subsequent-events", ws.admin).json()["events"] == []

    fire = add(ws, event_type="nonrecognized", description="Warehouse fire in February", event_date="2027-02-10")
    path = f"subsequent-events/{fire['id']}"
    unresolved = ws.call("PATCH", path, ws.admin, json_body={"status": "resolved"})
    assert unresolved.status == 400 and "disclosure" in unresolved.body.decode()
    text = "On 10 February 2027 a fire destroyed inventory of about $900,000."
    resolved = ws.call("PATCH", path, ws.admin, json_body={"status": "resolved", "disclosure": text})
    assert resolved.status == 200, resolved.body
    assert (resolved.json()["status"], resolved.json()["disclosure"]) == ("resolved", text)

    staff = ws.person("staff", "staff", team_role="staff")
    assert ws.call("POST", f"{path}/review", staff).status == 403  # staff prepares, does not review
    senior = ws.person("senior", "senior", team_role="senior")
    reviewed = ws.call("POST", f"{path}/review", senior).json()
    assert reviewed["reviewed_by"] == senior.user_id and reviewed["reviewed_at"]
    changed = ws.call("PATCH", path, staff, json_body={"amount": "900000.00"}).json()
    assert changed["reviewed_by"] is None and changed["amount"] == "900000.00"

    early = ws.call("PUT", "subsequent-events/review-through", ws.admin, json_body={"reviewed_through": "2026-12-30"})
    assert early.status == 400 and "reviewed_through" in early.body.decode()
    done = ws.call("PUT", "subsequent-events/review-through", staff, json_body={"reviewed_through": "2027-03-01"})
    assert done.status == 200, done.body
    register = ws.call("GET", "subsequent-events", ws.admin).json()
    assert register["review"]["reviewed_through"] == "2027-03-01"
    assert [e["description"] for e in register["events"]] == ["Warehouse fire in February"]
    assert ws.call("DELETE", path, staff).status == 204
    assert ws.call("GET", "subsequent-events", ws.admin).json()["events"] == []


def test_the_next_periods_ledger_is_reviewed_above_the_threshold_line_by_line() -> None:
    ws = workspace()
    mapped(ws)
    loaded(ws, ws.admin, "general_ledger", GL)
    no_materiality = ws.call("GET", "subsequent-events/ledger", ws.admin)
    assert no_materiality.status == 400 and "threshold" in no_materiality.body.decode()
    body = {"benchmark": "revenue", "risk_level": "moderate", "rationale": "Revenue is the stable measure here"}
    assert ws.call("POST", "materiality", ws.admin, json_body=body).status == 201
    review = ws.call("GET", "subsequent-events/ledger", ws.admin).json()
    # Clearly trivial is a small fraction of 1% of 20,000: every 2027 line is above it, none of 2026.
    assert review["threshold_source"] == "clearly_trivial" and review["covers_through"] == "2027-02-03"
    assert [line["journal_id"] for line in review["lines"]] == ["J2", "J2", "J3", "J3", "J4", "J4"]
    review = ws.call("GET", "subsequent-events/ledger", ws.admin, params={"threshold": "1000"}).json()
    assert (review["threshold"], review["threshold_source"]) == ("1000", "parameter")
    assert [(line["journal_id"], line["amount"]) for line in review["lines"]] == [
        ("J2", "-2500.00"),
        ("J2", "2500.00"),
        ("J4", "-1200.00"),
        ("J4", "1200.00"),
    ]
    credit_note, settlement = review["lines"][0], review["lines"][2]
    decide = f"subsequent-events/ledger/{settlement['row_number']}"
    marked = ws.call("PUT", decide, ws.admin, json_body={"dataset_id": review["dataset_id"], "decision": "no_event"})
    assert marked.status == 200, marked.body
    created = add(ws, source="ledger_review", description="Credit note for a December sale")
    decide = f"subsequent-events/ledger/{credit_note['row_number']}"
    linked_body = {"dataset_id": review["dataset_id"], "decision": "event", "event_id": created["id"]}
    assert ws.call("PUT", decide, ws.admin, json_body=linked_body).status == 200
    missing_event = {"dataset_id": review["dataset_id"], "decision": "event"}
    assert ws.call("PUT", decide, ws.admin, json_body=missing_event).status == 400
    again = ws.call("GET", "subsequent-events/ledger", ws.admin, params={"threshold": "1000"}).json()
    assert [(line["decision"], line["event_id"]) for line in again["lines"]] == [
        ("event", created["id"]),
        (None, None),
        ("no_event", None),
        (None, None),
    ]
    # The row before the first 2027 line is J1's second line, posted in December: not for this review.
    row_2026 = min(line["row_number"] for line in review["lines"]) - 1
    refused = ws.call(
        "PUT",
        f"subsequent-events/ledger/{row_2026}",
        ws.admin,
        json_body={"dataset_id": review["dataset_id"], "decision": "no_event"},
    )
    assert refused.status == 400 and "period end" in refused.body.decode()


def test_client_users_and_other_firms_see_nothing_and_a_finalized_engagement_is_locked() -> None:
    ws = workspace()
    mapped(ws)
    created = add(ws, event_type="nonrecognized", description="Bond issued in March")
    client = ws.client_user()
    assert ws.call("GET", "subsequent-events", client).status == 404
    assert ws.call("POST", "subsequent-events", client, json_body=event()).status == 404
    assert ws.call("GET", "subsequent-events/ledger", client).status == 404
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client.user_id)) as uow:
        assert uow.session.scalars(select(SubsequentEvent)).all() == []
        assert uow.session.scalars(select(SubsequentEventsReview)).all() == []
    other = workspace()
    assert request("GET", f"engagements/{ws.engagement_id}/subsequent-events", token=other.admin.token).status == 404
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalars(select(SubsequentEvent)).all() == []
    ws.finalize()
    assert ws.call("PATCH", f"subsequent-events/{created['id']}", ws.admin, json_body={"amount": "1.00"}).status == 409
    assert ws.call("POST", "subsequent-events", ws.admin, json_body=event()).status == 409
