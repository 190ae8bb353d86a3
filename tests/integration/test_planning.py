"""Materiality versions and the risk assessment through HTTP: figures, versions, errors, who may see and
change them, the finalized lock, and risks linked to the binder workpapers that answer them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from functions.planning import materiality
from shared.db.models_engagement import BinderNode
from shared.db.models_planning import Materiality
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace
from tests.support import Reply

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

RATIONALE = "Revenue is the stable measure for a growing company with thin margins"


def materiality_body(**fields: Any) -> dict[str, Any]:
    return {
        "benchmark": "revenue",
        "amount": "1234566.50",
        "risk_level": "moderate",
        "rationale": RATIONALE,
        **fields,
    }


def post_materiality(ws: Workspace, who: Person | None = None, **fields: Any) -> Reply:
    return ws.call("POST", "materiality", who or ws.admin, json_body=materiality_body(**fields))  # type: ignore[no-any-return]


def folder_id(ws: Workspace, code: str = "A") -> str:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        found = uow.session.scalar(
            select(BinderNode.id).where(
                BinderNode.engagement_id == uuid.UUID(ws.engagement_id), BinderNode.index_code == code
            )
        )
    assert found is not None
    return str(found)


def workpaper(ws: Workspace, code: str, title: str) -> str:
    reply = ws.call(
        "POST",
        "binder/nodes",
        ws.admin,
        json_body={"parent_id": folder_id(ws), "kind": "workpaper", "index_code": code, "title": title},
    )
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def risk_body(**fields: Any) -> dict[str, Any]:
    return {
        "area": "Revenue",
        "assertion": "cut_off",
        "description": "Shipments in the last week of the year may be recorded before delivery",
        "inherent_risk": "high",
        "control_risk": "moderate",
        **fields,
    }


def activity(ws: Workspace, action: str) -> list[dict[str, Any]]:
    reply = ws.call("GET", "activity", ws.admin, params={"action": action})
    assert reply.status == 200, reply.body
    return list(reply.json()["items"])


def only_error(reply: Reply) -> dict[str, Any]:
    assert reply.status == 400, reply.body
    errors = reply.json()["errors"]
    assert len(errors) == 1, errors
    return dict(errors[0])


# --- materiality -----------------------------------------------------------------------------------


def test_materiality_is_computed_with_its_alternatives_and_method() -> None:
    ws = workspace()
    reply = post_materiality(
        ws,
        benchmark_amounts={"total_assets": "48000000.00", "equity": "7654321.09", "profit_before_tax": "-250000.00"},
    )
    assert reply.status == 201, reply.body
    body = reply.json()
    # 1,234,566.50 x 1% = 12,345.665 -> 12,345.67 (half up); x 65% = 8,024.6855 -> 8,024.69; x 5% = 617.2835 -> 617.28
    assert (body["version"], body["current"], body["benchmark"], body["percentage"]) == (1, True, "revenue", "1")
    assert (body["overall_materiality"], body["performance_materiality"], body["clearly_trivial"]) == (
        "12345.67",
        "8024.69",
        "617.28",
    )
    assert body["benchmark_amount"] == "1234566.50"
    assert body["rationale"] == RATIONALE
    assert body["created_by"] == ws.admin.user_id
    assert body["rounding"] == "ROUND_HALF_UP"
    assert body["method"].splitlines()[0] == "overall materiality = revenue 1234566.50 x 1% = 12345.67"

    alternatives = {row["benchmark"]: row for row in body["alternatives"]}
    assert list(alternatives) == ["profit_before_tax", "revenue", "total_assets", "equity"]
    assert alternatives["revenue"]["chosen"] is True
    # Total assets at 1%: 480,000.00, x 65% = 312,000.00. Equity at 2%: 153,086.42, x 65% = 99,506.17.
    assert alternatives["total_assets"]["overall_materiality"] == "480000.00"
    assert alternatives["total_assets"]["performance_materiality"] == "312000.00"
    assert alternatives["equity"]["overall_materiality"] == "153086.42"
    assert alternatives["equity"]["performance_materiality"] == "99506.17"
    assert alternatives["profit_before_tax"]["usable"] is False
    assert "-250000.00" in alternatives["profit_before_tax"]["unusable_reason"]

    assert ws.call("GET", "materiality", ws.admin).json() == body
    [created] = activity(ws, "materiality.created")
    assert (created["data"]["version"], created["data"]["benchmark"]) == (1, "revenue")
    assert "12345.67" not in str(created["data"]), "the client's figures stay out of the audit log"


def test_a_new_determination_is_a_new_current_version_and_the_old_one_is_kept() -> None:
    ws = workspace()
    first = post_materiality(ws).json()
    second = post_materiality(
        ws, benchmark="profit_before_tax", amount="2468013.57", percentage=3.5, risk_level="high"
    ).json()
    # 2,468,013.57 x 3.5% = 86,380.47495 -> 86,380.47; x 50% = 43,190.235 -> 43,190.24; x 5% = 4,319.0235 -> 4,319.02
    assert (second["version"], second["percentage"], second["overall_materiality"]) == (2, "3.5", "86380.47")
    assert (second["performance_materiality"], second["clearly_trivial"]) == ("43190.24", "4319.02")

    current = ws.call("GET", "materiality", ws.admin).json()
    assert (current["id"], current["version"], current["current"]) == (second["id"], 2, True)
    versions = ws.call("GET", "materiality/versions", ws.admin).json()
    assert versions["total"] == 2
    assert [(v["version"], v["current"]) for v in versions["items"]] == [(2, True), (1, False)]
    assert versions["items"][1] == {**first, "current": False}


def test_a_stored_version_recomputes_exactly_from_what_it_keeps() -> None:
    ws = workspace()
    kept = post_materiality(
        ws,
        benchmark="profit_before_tax",
        amount="2468013.57",
        percentage=4,
        risk_level="low",
        benchmark_amounts={"revenue": "98765432.10", "equity": "-5000.00"},
    ).json()
    # 2,468,013.57 x 4% = 98,720.5428 -> 98,720.54; x 75% = 74,040.405 -> 74,040.41; x 5% = 4,936.027 -> 4,936.03
    assert (kept["overall_materiality"], kept["performance_materiality"], kept["clearly_trivial"]) == (
        "98720.54",
        "74040.41",
        "4936.03",
    )
    # Recomputed from the stored inputs (benchmark, amount, percentage, risk level; the alternatives' amounts):
    figures = materiality.compute(
        kept["benchmark"], Decimal(kept["benchmark_amount"]), kept["risk_level"], Decimal(kept["percentage"])
    )
    assert [str(v) for v in (figures.overall, figures.performance, figures.clearly_trivial)] == [
        kept["overall_materiality"],
        kept["performance_materiality"],
        kept["clearly_trivial"],
    ]
    assert materiality.method(figures) == kept["method"]
    others = {row["benchmark"]: Decimal(row["benchmark_amount"]) for row in kept["alternatives"] if not row["chosen"]}
    recomputed = [
        {key: str(value) if isinstance(value, Decimal) else value for key, value in row.items()}
        for row in materiality.alternatives(figures, others)
    ]
    assert recomputed == kept["alternatives"]
    # Revenue at 1%: 987,654.32; x 75% = 740,740.74. Negative equity cannot serve and says why.
    revenue = next(row for row in kept["alternatives"] if row["benchmark"] == "revenue")
    assert (revenue["overall_materiality"], revenue["performance_materiality"]) == ("987654.32", "740740.74")
    assert [row["usable"] for row in kept["alternatives"]] == [True, True, False]


def test_no_materiality_yet_is_404() -> None:
    ws = workspace()
    reply = ws.call("GET", "materiality", ws.admin)
    assert (reply.status, reply.json()["code"]) == (404, "no_materiality")
    assert ws.call("GET", "materiality/versions", ws.admin).json()["items"] == []


def test_bad_input_is_refused_naming_the_field_and_value() -> None:
    ws = workspace()
    missing = post_materiality(ws, benchmark="total_assets", amount=None)
    assert missing.json()["code"] == "amount_required"
    error = only_error(missing)
    assert error["loc"] == ["body", "amount"]
    assert "total_assets" in error["msg"]

    out_of_range = only_error(post_materiality(ws, benchmark="profit_before_tax", amount="1000000.00", percentage=12))
    assert out_of_range["loc"] == ["body", "percentage"]
    assert "12" in out_of_range["msg"] and "2.5 to 10" in out_of_range["msg"]

    loss = post_materiality(ws, benchmark="profit_before_tax", amount="-1500.00")
    assert loss.json()["code"] == "benchmark_not_positive"
    assert "-1500.00" in only_error(loss)["msg"]

    assert only_error(post_materiality(ws, rationale="   "))["loc"] == ["body", "rationale"]
    assert only_error(post_materiality(ws, risk_level="extreme"))["loc"] == ["body", "risk_level"]
    assert only_error(post_materiality(ws, amount="12.345"))["loc"] == ["body", "amount"]
    conflicting = only_error(post_materiality(ws, benchmark_amounts={"revenue": "99.00"}))
    assert conflicting["loc"] == ["body", "benchmark_amounts", "revenue"]

    assert ws.call("GET", "materiality", ws.admin).status == 404, "nothing was stored"


def test_stored_versions_cannot_be_changed_by_the_application_role() -> None:
    ws = workspace()
    post_materiality(ws)
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        with pytest.raises(DBAPIError) as refused:
            uow.session.execute(update(Materiality).values(overall_materiality=1))
        assert getattr(refused.value.orig, "sqlstate", None) == "42501"  # insufficient_privilege


# --- who may see and change it ----------------------------------------------------------------------


def test_client_users_and_other_firms_cannot_see_planning() -> None:
    ws = workspace()
    post_materiality(ws)
    risk = ws.call("POST", "risks", ws.admin, json_body=risk_body()).json()
    client = ws.client_user()
    for path in ("materiality", "materiality/versions", "risks", f"risks/{risk['id']}"):
        assert ws.call("GET", path, client).status == 403, path
    assert post_materiality(ws, client).status == 403

    other = workspace()
    outsider = Workspace(other.firm_id, other.admin, other.client_id, ws.engagement_id)
    for path in ("materiality", "materiality/versions", "risks", f"risks/{risk['id']}"):
        reply = outsider.call("GET", path, other.admin)
        assert (reply.status, reply.json()["code"]) == (404, "engagement_not_found"), path
    assert post_materiality(outsider, other.admin).status == 404
    assert outsider.call("DELETE", f"risks/{risk['id']}", other.admin).status == 404
    assert ws.call("GET", "materiality/versions", ws.admin).json()["total"] == 1
    assert ws.call("GET", "risks", ws.admin).json()["total"] == 1


def test_staff_may_read_but_not_set_materiality_or_assess_risks() -> None:
    ws = workspace()
    post_materiality(ws)
    staff = ws.person("staff", "staff", team_role="staff")
    assert ws.call("GET", "materiality", staff).status == 200
    assert post_materiality(ws, staff).status == 403
    assert ws.call("POST", "risks", staff, json_body=risk_body()).status == 403
    senior = ws.person("senior", "senior", team_role="senior")
    assert post_materiality(ws, senior).status == 201


def test_a_finalized_engagement_refuses_every_planning_write_but_still_reads() -> None:
    ws = workspace()
    post_materiality(ws)
    risk = ws.call("POST", "risks", ws.admin, json_body=risk_body()).json()
    ws.finalize()
    writes = [
        post_materiality(ws),
        ws.call("POST", "risks", ws.admin, json_body=risk_body()),
        ws.call("PATCH", f"risks/{risk['id']}", ws.admin, json_body={"inherent_risk": "low"}),
        ws.call("DELETE", f"risks/{risk['id']}", ws.admin),
    ]
    assert [(reply.status, reply.json()["code"]) for reply in writes] == [(409, "engagement_locked")] * 4
    assert ws.call("GET", "materiality", ws.admin).json()["version"] == 1
    assert ws.call("GET", f"risks/{risk['id']}", ws.admin).json()["inherent_risk"] == "high"


def test_the_database_refuses_planning_rows_under_a_finalized_engagement() -> None:
    ws = workspace()
    ws.call("POST", "risks", ws.admin, json_body=risk_body())
    ws.finalize()
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        with pytest.raises(DBAPIError) as refused:
            uow.session.execute(text("UPDATE risks SET area = 'changed'"))
        assert getattr(refused.value.orig, "sqlstate", None) == "AU001"


# --- risks -----------------------------------------------------------------------------------------


def test_a_risk_is_assessed_with_its_response_and_procedures() -> None:
    ws = workspace()
    cutoff = workpaper(ws, "D-110", "Revenue cut-off test")
    confirm = workpaper(ws, "D-120", "Receivable confirmations")
    reply = ws.call("POST", "risks", ws.admin, json_body=risk_body(procedure_node_ids=[cutoff, confirm, cutoff]))
    assert reply.status == 201, reply.body
    risk = reply.json()
    # high inherent x moderate control -> high RMM: controls relied on and tested, high extent at period end.
    assert (risk["rmm"], risk["response"]["nature"], risk["response"]["extent"]) == (
        "high",
        "controls_and_substantive",
        "high",
    )
    assert (risk["response"]["assurance_factor"], risk["response"]["timing"]) == ("3.00", "period_end")
    assert risk["procedure_node_ids"] == [cutoff, confirm], "each procedure once, in the order linked"
    assert [(p["index_code"], p["title"]) for p in risk["procedures"]] == [
        ("D-110", "Revenue cut-off test"),
        ("D-120", "Receivable confirmations"),
    ]
    assert ws.call("GET", f"risks/{risk['id']}", ws.admin).json() == risk
    [created] = activity(ws, "risk.created")
    assert (created["target_id"], created["data"]["rmm"]) == (risk["id"], "high")


def test_changing_the_assessment_replans_the_response() -> None:
    ws = workspace()
    risk = ws.call("POST", "risks", ws.admin, json_body=risk_body()).json()
    reply = ws.call(
        "PATCH", f"risks/{risk['id']}", ws.admin, json_body={"inherent_risk": "low", "control_risk": "high"}
    )
    assert reply.status == 200, reply.body
    changed = reply.json()
    # low inherent x high control -> moderate RMM; controls not relied on: substantive only, 10% detection risk.
    assert (changed["rmm"], changed["response"]["nature"], changed["response"]["assurance_factor"]) == (
        "moderate",
        "substantive_only",
        "2.31",
    )
    significant = ws.call("PATCH", f"risks/{risk['id']}", ws.admin, json_body={"significant_risk": True}).json()
    assert significant["response"]["tests_of_details_required"] is True
    assert significant["response"]["extent"] == "high"
    updates = activity(ws, "risk.updated")  # newest first
    assert updates[-1]["data"]["fields"] == ["control_risk", "inherent_risk"]
    assert updates[-1]["data"]["rmm"] == {"from": "high", "to": "moderate"}


def test_procedures_must_be_workpapers_of_the_engagement() -> None:
    ws = workspace()
    other = workspace()
    foreign = workpaper(other, "D-100", "Another client's test")
    unknown = str(uuid.uuid4())
    for bad, index, says in ((unknown, "0", unknown), (foreign, "0", foreign), (folder_id(ws), "0", "folder")):
        error = only_error(ws.call("POST", "risks", ws.admin, json_body=risk_body(procedure_node_ids=[bad])))
        assert error["loc"] == ["body", "procedure_node_ids", index]
        assert says in error["msg"]
    good = workpaper(ws, "D-130", "Analytical review of revenue")
    risk = ws.call("POST", "risks", ws.admin, json_body=risk_body(procedure_node_ids=[good])).json()
    error = only_error(
        ws.call("PATCH", f"risks/{risk['id']}", ws.admin, json_body={"procedure_node_ids": [good, unknown]})
    )
    assert error["loc"] == ["body", "procedure_node_ids", "1"]
    assert ws.call("GET", f"risks/{risk['id']}", ws.admin).json()["procedure_node_ids"] == [good]
    assert ws.call("GET", "risks", ws.admin).json()["total"] == 1


def test_risks_are_listed_filtered_and_deleted() -> None:
    ws = workspace()
    revenue = ws.call("POST", "risks", ws.admin, json_body=risk_body(significant_risk=True)).json()
    ws.call("POST", "risks", ws.admin, json_body=risk_body(area="Inventory", assertion="existence"))
    ws.call("POST", "risks", ws.admin, json_body=risk_body(area="Inventory", assertion="valuation", fraud_risk=True))

    listing = ws.call("GET", "risks", ws.admin).json()
    assert [(r["area"], r["assertion"]) for r in listing["items"]] == [
        ("Inventory", "existence"),
        ("Inventory", "valuation"),
        ("Revenue", "cut_off"),
    ]
    assert ws.call("GET", "risks", ws.admin, params={"area": "Inventory"}).json()["total"] == 2
    assert ws.call("GET", "risks", ws.admin, params={"assertion": "valuation"}).json()["total"] == 1
    significant = ws.call("GET", "risks", ws.admin, params={"significant": "true"}).json()
    assert [r["id"] for r in significant["items"]] == [revenue["id"]]

    assert ws.call("DELETE", f"risks/{revenue['id']}", ws.admin).status == 204
    gone = ws.call("GET", f"risks/{revenue['id']}", ws.admin)
    assert (gone.status, gone.json()["code"]) == (404, "risk_not_found")
    assert ws.call("GET", "risks", ws.admin).json()["total"] == 2
    [deleted] = activity(ws, "risk.deleted")
    assert (deleted["target_id"], deleted["data"]["area"]) == (revenue["id"], "Revenue")


def test_bad_risk_input_names_the_field() -> None:
    ws = workspace()
    assert only_error(ws.call("POST", "risks", ws.admin, json_body=risk_body(assertion="occurrence")))["loc"] == [
        "body",
        "assertion",
    ]
    assert only_error(ws.call("POST", "risks", ws.admin, json_body=risk_body(control_risk="none")))["loc"] == [
        "body",
        "control_risk",
    ]
    risk = ws.call("POST", "risks", ws.admin, json_body=risk_body()).json()
    nulled = only_error(ws.call("PATCH", f"risks/{risk['id']}", ws.admin, json_body={"inherent_risk": None}))
    assert nulled["loc"] == ["body", "inherent_risk"]
