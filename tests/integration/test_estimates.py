"""Accounting estimates through HTTP on a real PostgreSQL: the difference to the auditor's range or point,
proposed as an adjusting entry that reaches the summary of unadjusted differences; the retrospective
review's bias indicator; who may write; the lock; and client users never see any of it (HTTP and
row-level security)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.db.models_parties import AccountingEstimate, EstimateReview
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace
from tests.ingestion_support import loaded

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TB = b"""Account Number,Account Name,Opening Balance,Closing Balance
1000,Cash at bank,8000.00,13500.00
1100,Trade debtors,5000.00,57000.00
1150,Allowance for doubtful debts,-500.00,-40000.00
2000,Trade creditors,-6000.00,-5300.00
3000,Share capital,-6500.00,-6500.00
4000,Sales,0.00,-70000.00
6400,Bad debt expense,0.00,51300.00
"""
ALLOWANCE = {
    "name": "Allowance for doubtful accounts",
    "kind": "allowance_doubtful_accounts",
    "account_number": "1150",
    "counter_account_number": "6400",
    "increases_with": "credit",
    "management_estimate": "40000.00",
    "auditor_low": "45000.00",
    "auditor_high": "60000.00",
    "basis": "Ageing of receivables at the year's loss rates",
}


def create(ws: Workspace, body: dict[str, Any], who: Person | None = None) -> dict[str, Any]:
    reply = ws.call("POST", "estimates", who or ws.admin, json_body=body)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def review(ws: Workspace, name: str, prior: str, actual: str) -> None:
    body = {"name": name, "kind": "warranty", "prior_estimate": prior, "actual_outcome": actual}
    reply = ws.call("POST", "estimates/reviews", ws.admin, json_body=body)
    assert reply.status == 201, reply.body


def reviews(ws: Workspace) -> dict[str, Any]:
    reply = ws.call("GET", "estimates/reviews", ws.admin)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def activity(ws: Workspace, action: str) -> list[dict[str, Any]]:
    reply = ws.call("GET", "activity", ws.admin, params={"action": action})
    assert reply.status == 200, reply.body
    return list(reply.json()["items"])


def test_the_difference_to_the_range_reaches_the_summary_of_unadjusted_differences() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "trial_balance", TB)
    estimate = create(ws, ALLOWANCE)
    # Management's 40,000 is below the auditor's 45,000-60,000: 5,000 short of the nearest bound.
    assert (estimate["auditor_figure"], estimate["difference"], estimate["adjustment"]) == (
        "45000.00",
        "-5000.00",
        None,
    )

    proposed = ws.call("POST", f"estimates/{estimate['id']}/adjustment", ws.admin, json_body={})
    assert proposed.status == 201, proposed.body
    link = proposed.json()["adjustment"]
    assert link["kind"] == "proposed" and link["amount"] == "5000.00" and link["current"] is True

    entries = ws.call("GET", "adjustments", ws.admin).json()["items"]
    assert len(entries) == 1 and entries[0]["id"] == link["id"]
    assert sorted((line["account_number"], line["debit"], line["credit"]) for line in entries[0]["lines"]) == [
        ("1150", "0.00", "5000.00"),
        ("6400", "5000.00", "0.00"),
    ], "the allowance is raised against the expense"
    summary = ws.call("GET", "adjustments/summary", ws.admin).json()
    assert [(d["number"], d["kind"], d["amount"]) for d in summary["differences"]] == [
        (link["number"], "proposed", "5000.00")
    ]
    assert "Allowance for doubtful accounts" in summary["differences"][0]["description"]

    again = ws.call("POST", f"estimates/{estimate['id']}/adjustment", ws.admin, json_body={})
    assert again.status == 409 and again.json()["code"] == "estimate_already_proposed"
    # Moving management's figure inside the range leaves the entry behind, and says so.
    moved = ws.call("PATCH", f"estimates/{estimate['id']}", ws.admin, json_body={"management_estimate": "50000"})
    assert moved.json()["difference"] == "0.00" and moved.json()["adjustment"]["current"] is False
    assert [entry["data"]["source"] for entry in activity(ws, "adjustment.created")] == ["accounting_estimate"]
    assert len(activity(ws, "estimate.adjustment_proposed")) == 1

    # Deleting the entry in mapping unlinks it; a new difference may then be proposed.
    assert ws.call("DELETE", f"adjustments/{link['id']}", ws.admin).status == 204
    below = ws.call("PATCH", f"estimates/{estimate['id']}", ws.admin, json_body={"management_estimate": "61000"})
    assert below.json()["adjustment"] is None and below.json()["difference"] == "1000.00"
    lowered = ws.call("POST", f"estimates/{estimate['id']}/adjustment", ws.admin, json_body={}).json()["adjustment"]
    entries = {entry["id"]: entry for entry in ws.call("GET", "adjustments", ws.admin).json()["items"]}
    assert sorted(
        (line["account_number"], line["debit"], line["credit"]) for line in entries[lowered["id"]]["lines"]
    ) == [
        ("1150", "1000.00", "0.00"),
        ("6400", "0.00", "1000.00"),
    ], "an allowance above the range is lowered"


def test_a_point_replaces_the_range_and_inside_the_range_there_is_nothing_to_propose() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "trial_balance", TB)
    estimate = create(ws, {**ALLOWANCE, "name": "Warranty", "kind": "warranty", "management_estimate": "50000"})
    assert estimate["difference"] == "0.00"
    nothing = ws.call("POST", f"estimates/{estimate['id']}/adjustment", ws.admin, json_body={})
    assert nothing.status == 409 and nothing.json()["code"] == "estimate_no_difference"
    point = ws.call("PATCH", f"estimates/{estimate['id']}", ws.admin, json_body={"auditor_point": "52500"})
    body = point.json()
    assert (body["auditor_low"], body["auditor_high"], body["auditor_point"]) == (None, None, "52500.00")
    assert body["difference"] == "-2500.00"
    listed = ws.call("GET", "estimates", ws.admin).json()
    assert listed["total_difference"] == "2500.00" and [item["name"] for item in listed["items"]] == ["Warranty"]
    assert ws.call("DELETE", f"estimates/{estimate['id']}", ws.admin).status == 204
    assert ws.call("GET", "estimates", ws.admin).json() == {"items": [], "total_difference": "0.00"}
    assert ws.call("GET", f"estimates/{estimate['id']}", ws.admin).json()["code"] == "estimate_not_found"


def test_bad_figures_are_refused_naming_them() -> None:
    ws = workspace()
    half = ws.call("POST", "estimates", ws.admin, json_body={**ALLOWANCE, "auditor_high": None})
    assert half.status == 400 and "auditor_low and auditor_high go together" in half.body.decode(), half.body
    both = ws.call("POST", "estimates", ws.admin, json_body={**ALLOWANCE, "auditor_point": "1"})
    assert both.status == 400 and "not both" in both.body.decode()
    upside_down = ws.call(
        "POST", "estimates", ws.admin, json_body={**ALLOWANCE, "auditor_low": "70000", "auditor_high": "60000"}
    )
    assert upside_down.status == 400 and "auditor_low 70000" in upside_down.body.decode()
    kind = ws.call("POST", "estimates", ws.admin, json_body={**ALLOWANCE, "kind": "guess"})
    assert kind.status == 400 and "kind" in kind.body.decode()
    # Both figures at the largest amount, on either side: a difference no entry can hold is refused, not a 500.
    extreme = create(
        ws,
        {
            **ALLOWANCE,
            "management_estimate": "9999999999999999.99",
            "auditor_low": None,
            "auditor_high": None,
            "auditor_point": "-9999999999999999.99",
        },
    )
    assert extreme["difference"] == "19999999999999999.98"
    too_large = ws.call("POST", f"estimates/{extreme['id']}/adjustment", ws.admin, json_body={})
    assert too_large.status == 400 and too_large.json()["code"] == "estimate_difference_too_large", too_large.body


def test_prior_year_estimates_leaning_one_way_raise_the_bias_indicator_and_mixed_ones_do_not() -> None:
    ws = workspace()
    review(ws, "Warranty 2025", "100000", "80000")
    review(ws, "Obsolescence 2025", "50000", "40000")
    mixed = reviews(ws)
    assert mixed["bias"]["indicated"] is False and mixed["bias"]["reviewed"] == 2, "too few to say"
    review(ws, "Allowance 2025", "30000", "36000")
    leaning = reviews(ws)
    assert {k: leaning["bias"][k] for k in ("reviewed", "over", "under", "exact", "indicated", "leaning")} == {
        "reviewed": 3,
        "over": 2,
        "under": 1,
        "exact": 0,
        "indicated": True,
        "leaning": "over",
    }
    by_name = {item["name"]: item for item in leaning["items"]}
    assert (by_name["Warranty 2025"]["difference"], by_name["Warranty 2025"]["direction"]) == ("-20000.00", "over")

    # One more the other way makes them mixed (2 of 4): no indicator.
    review(ws, "Fair value 2025", "10000", "12000")
    assert reviews(ws)["bias"]["indicated"] is False
    assert len(activity(ws, "estimate_review.created")) == 4

    # Taking the last one out again raises it; correcting another's outcome lowers it.
    last = next(item for item in reviews(ws)["items"] if item["name"] == "Fair value 2025")
    assert ws.call("DELETE", f"estimates/reviews/{last['id']}", ws.admin).status == 204
    assert reviews(ws)["bias"]["indicated"] is True
    changed = ws.call(
        "PATCH", f"estimates/reviews/{by_name['Warranty 2025']['id']}", ws.admin, json_body={"actual_outcome": "125000"}
    )
    assert changed.status == 200 and changed.json()["direction"] == "under"
    assert reviews(ws)["bias"] | {"rule": ""} == {
        "reviewed": 3,
        "over": 1,
        "under": 2,
        "exact": 0,
        "indicated": True,
        "leaning": "under",
        "rule": "",
    }


def test_who_may_write_and_the_finalized_lock() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")
    qc = ws.person("qc", "qc_reviewer")
    assert create(ws, ALLOWANCE, staff)["created_by"] == staff.user_id
    refused = ws.call("POST", "estimates", qc, json_body={**ALLOWANCE, "name": "Other"})
    assert refused.status == 403 and refused.json()["code"] == "forbidden"
    assert ws.call("GET", "estimates", qc).status == 200
    ws.finalize()
    locked = ws.call("POST", "estimates", ws.admin, json_body={**ALLOWANCE, "name": "Late"})
    assert locked.status == 409 and locked.json()["code"] == "engagement_locked"
    late_review = ws.call(
        "POST",
        "estimates/reviews",
        ws.admin,
        json_body={"name": "x", "kind": "other", "prior_estimate": "1", "actual_outcome": "2"},
    )
    assert late_review.status == 409


def test_client_users_and_other_firms_never_see_the_estimates() -> None:
    ws = workspace()
    estimate = create(ws, ALLOWANCE)
    review(ws, "Warranty 2025", "100", "80")
    client = ws.client_user()
    other = workspace()
    outsider = Person(other.admin.user_id, other.admin.token, "firm_admin")
    for who in (client, ws.client_user("client-admin", "client_admin"), outsider):
        for path in ("estimates", f"estimates/{estimate['id']}", "estimates/reviews"):
            reply = ws.call("GET", path, who)
            assert reply.status == 404 and reply.json()["code"] == "engagement_not_found", (who.role, path)
        assert ws.call("POST", "estimates", who, json_body={**ALLOWANCE, "name": "Theirs"}).status == 404
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AccountingEstimate)) == 0
        assert uow.session.scalar(select(func.count()).select_from(EstimateReview)) == 0
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AccountingEstimate)) == 1
