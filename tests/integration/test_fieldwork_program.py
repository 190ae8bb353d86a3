"""The audit program through HTTP: generated from the risk register (every significant risk answered by a
substantive procedure), generated again without losing work, edited, carried out (completing needs a
conclusion and a signed workpaper), the firm's library, who may do what, the lock, and client users seeing
none of it over HTTP or in the database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from shared.db.models_program import FirmProcedure, ProgramProcedure
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace
from tests.support import Reply, request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

SUBSTANTIVE = {"substantive_analytical", "test_of_details"}


def ok(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, reply.body
    return reply.json() if reply.body else None


def risk(ws: Workspace, area: str, assertion: str, **fields: Any) -> dict[str, Any]:
    body = {
        "area": area,
        "assertion": assertion,
        "description": f"{area} {assertion}",
        "inherent_risk": "high",
        "control_risk": "high",
        "fraud_risk": False,
        "significant_risk": False,
        **fields,
    }
    return dict(ok(ws.call("POST", "risks", ws.admin, json_body=body), 201))


def register(ws: Workspace) -> dict[str, dict[str, Any]]:
    """A register with routine, significant, fraud and an area the library has nothing for."""
    return {
        "revenue": risk(ws, "Revenue", "cut_off", fraud_risk=True, control_risk="moderate"),
        "receivables": risk(ws, "Trade receivables", "valuation", significant_risk=True),
        "leases": risk(ws, "Leases", "presentation", significant_risk=True),
        "cash": risk(ws, "Cash", "existence", inherent_risk="low", control_risk="low"),
    }


def folder(ws: Workspace, code: str) -> str:
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    return str(next(node["id"] for node in nodes if node["index_code"] == code))


def workpaper(ws: Workspace, title: str) -> str:
    body = {"parent_id": folder(ws, "D"), "kind": "workpaper", "index_code": "D-9", "title": title}
    return str(ok(ws.call("POST", "binder/nodes", ws.admin, json_body=body), 201)["id"])


def sign(ws: Workspace, node: str, who: Person, step: str) -> None:
    ok(ws.call("POST", f"binder/nodes/{node}/signoffs", who, json_body={"step": step, "version": 1}), 201)


def program(ws: Workspace, who: Person | None = None) -> dict[str, Any]:
    return dict(ok(ws.call("GET", "program", who or ws.admin)))


def patch(ws: Workspace, procedure_id: str, who: Person, **changes: Any) -> Reply:
    return ws.call("PATCH", f"program/procedures/{procedure_id}", who, json_body=changes)  # type: ignore[no-any-return]


def activity(ws: Workspace, action: str) -> list[dict[str, Any]]:
    return list(ok(ws.call("GET", "activity", ws.admin, params={"action": action}))["items"])


def test_a_generated_program_answers_every_risk_and_each_significant_one_substantively() -> None:
    ws = workspace()
    risks = register(ws)
    assert len(program(ws)["uncovered_risks"]) == 4, "before generating, nothing answers any risk"
    generated = ok(ws.call("POST", "program/generate", ws.admin))
    procedures = generated["procedures"]
    assert generated["added"] == len(procedures) > 4
    assert generated["uncovered_risks"] == []
    for key, item in risks.items():
        answering = [p for p in procedures if item["id"] in p["risk_ids"]]
        assert answering, key
        if item["significant_risk"] or item["fraud_risk"]:
            # Substantive only (control risk high) or fraud: a test of details (ISA 330.21).
            assert any(p["nature"] == "test_of_details" for p in answering), key
    revenue = [p for p in procedures if risks["revenue"]["id"] in p["risk_ids"]]
    assert "REV-03" in {p["library_code"] for p in revenue}, "the sales cut-off test answers a revenue cut-off risk"
    assert all(p["area"] == "revenue" for p in revenue if p["library_code"] == "REV-03")
    # The library holds nothing for leases: a generic test of details stands in, in the 'other' area.
    [leases] = [p for p in procedures if risks["leases"]["id"] in p["risk_ids"]]
    assert (leases["source"], leases["area"], leases["nature"]) == ("generic", "other", "test_of_details")
    # Cash is routine and control risk low: its tests of controls are planned beside substantive ones.
    cash = [p for p in procedures if risks["cash"]["id"] in p["risk_ids"]]
    assert "CASH-04" in {p["library_code"] for p in cash}
    assert [p["position"] for p in procedures] == list(range(1, len(procedures) + 1))
    assert all(p["status"] == "not_started" for p in procedures)
    [logged] = activity(ws, "program.generated")
    assert len(logged["data"]["added"]) == len(procedures)


def test_generating_again_adds_only_what_is_missing_and_keeps_work() -> None:
    ws = workspace()
    risks = register(ws)
    first = ok(ws.call("POST", "program/generate", ws.admin))["procedures"]
    started = first[0]
    ok(patch(ws, started["id"], ws.admin, status="in_progress", conclusion="Half way"))
    edited = first[1]
    ok(patch(ws, edited["id"], ws.admin, title="Our own wording"))
    removable = first[-1]
    assert ws.call("DELETE", f"program/procedures/{removable['id']}", ws.admin).status == 204
    # A new risk, and nothing else changes.
    inventory = risk(ws, "Inventory", "existence", significant_risk=True)
    again = ok(ws.call("POST", "program/generate", ws.admin))
    by_id = {p["id"]: p for p in again["procedures"]}
    assert (by_id[started["id"]]["status"], by_id[started["id"]]["conclusion"]) == ("in_progress", "Half way")
    assert by_id[edited["id"]]["title"] == "Our own wording"
    assert again["uncovered_risks"] == []
    assert any(inventory["id"] in p["risk_ids"] for p in again["procedures"])
    codes = [p["library_code"] for p in again["procedures"]]
    assert len(codes) == len(set(codes)), "each library procedure once"
    assert removable["library_code"] in codes, "a removed procedure the risks call for comes back"
    assert all(p["id"] in by_id for p in first if p["id"] != removable["id"])
    third = ok(ws.call("POST", "program/generate", ws.admin))
    assert third["added"] == 0
    assert third["procedures"] == again["procedures"]
    assert risks  # the register the program answers


def test_a_procedure_is_completed_only_with_a_conclusion_and_a_signed_workpaper() -> None:
    ws = workspace()
    register(ws)
    procedure = ok(ws.call("POST", "program/generate", ws.admin))["procedures"][0]
    senior = ws.person("senior", "senior", team_role="senior")
    paper = workpaper(ws, "Bank confirmations")
    refused = patch(ws, procedure["id"], senior, status="completed", conclusion="Balances agreed")
    assert refused.status == 409, refused.body
    assert refused.json()["code"] == "procedure_not_documented"
    assert "signed" in refused.json()["detail"] or "sign-off" in refused.json()["detail"]
    # Linked but only prepared: still refused.
    ok(patch(ws, procedure["id"], senior, workpaper_node_ids=[paper], owner_id=senior.user_id))
    sign(ws, paper, senior, "prepare")
    assert patch(ws, procedure["id"], senior, status="completed", conclusion="Agreed").status == 409
    sign(ws, paper, ws.admin, "review")
    no_conclusion = patch(ws, procedure["id"], senior, status="completed")
    assert no_conclusion.status == 409
    assert "conclusion" in no_conclusion.json()["detail"]
    done = ok(patch(ws, procedure["id"], senior, status="completed", conclusion="Balances agreed to the banks"))
    assert (done["status"], done["completed_by"], done["signed_workpapers"]) == ("completed", senior.user_id, [paper])
    assert done["workpapers"] == [{"id": paper, "label": "D-9 Bank confirmations"}]
    assert done["owner_id"] == senior.user_id
    # Taking the workpaper away from a completed procedure is refused too.
    assert patch(ws, procedure["id"], senior, workpaper_node_ids=[]).status == 409
    assert ws.call("DELETE", f"program/procedures/{procedure['id']}", ws.admin).status == 409
    changes = activity(ws, "program.procedure_updated")
    assert changes[0]["data"]["status"] == {"from": "not_started", "to": "completed"}


def test_not_applicable_needs_a_reason_and_the_links_must_be_the_engagements() -> None:
    ws = workspace()
    register(ws)
    procedure = ok(ws.call("POST", "program/generate", ws.admin))["procedures"][0]
    short = patch(ws, procedure["id"], ws.admin, status="not_applicable", na_reason="no")
    assert short.status == 400, short.body
    assert short.json()["errors"][0]["loc"] == ["body", "na_reason"]
    reason = "The client holds no foreign currency accounts"
    done = ok(patch(ws, procedure["id"], ws.admin, status="not_applicable", na_reason=reason))
    assert (done["status"], done["na_reason"]) == ("not_applicable", reason)
    stranger = str(uuid.uuid4())
    for name in ("workpaper_node_ids", "sample_ids", "evidence_ids", "risk_ids"):
        bad = patch(ws, procedure["id"], ws.admin, **{name: [stranger]})
        assert bad.status == 400, (name, bad.body)
        assert bad.json()["errors"][0]["loc"] == ["body", name, "0"]
    outsider = ws.person("outsider", "senior")
    bad_owner = patch(ws, procedure["id"], ws.admin, owner_id=outsider.user_id)
    assert bad_owner.status == 400 and bad_owner.json()["errors"][0]["loc"] == ["body", "owner_id"]
    # A procedure judged not applicable answers no risk: its risk shows as uncovered if nothing else does.
    answered = set(procedure["risk_ids"])
    others = [p for p in program(ws)["procedures"] if p["id"] != procedure["id"] and p["status"] != "not_applicable"]
    alone = answered - {r for p in others for r in p["risk_ids"]}
    assert {u["id"] for u in program(ws)["uncovered_risks"]} >= alone


def test_the_program_is_edited_by_its_managers_and_carried_out_by_preparers() -> None:
    ws = workspace()
    risks = register(ws)
    staff = ws.person("staff", "staff", team_role="staff")
    custom = {"title": "Inspect the lease agreements", "area": "other", "nature": "test_of_details"}
    assert ws.call("POST", "program/procedures", staff, json_body=custom).status == 403
    assert ws.call("POST", "program/generate", staff).status == 403
    added = ok(
        ws.call("POST", "program/procedures", ws.admin, json_body={**custom, "risk_ids": [risks["leases"]["id"]]}),
        201,
    )
    assert (added["source"], added["risks"]) == (
        "custom",
        [{"id": risks["leases"]["id"], "label": "Leases / presentation"}],
    )
    from_library = ok(ws.call("POST", "program/procedures", ws.admin, json_body={"library_code": "EQ-01"}), 201)
    assert (from_library["source"], from_library["area"], from_library["nature"]) == (
        "starter",
        "equity",
        "test_of_details",
    )
    missing = ws.call("POST", "program/procedures", ws.admin, json_body={"title": "No area"})
    assert missing.status == 400 and missing.json()["errors"][0]["loc"] == ["body", "area"]
    # A preparer carries a procedure out but does not relink its risks.
    ok(patch(ws, added["id"], staff, status="in_progress", owner_id=staff.user_id))
    assert patch(ws, added["id"], staff, risk_ids=[]).status == 403
    # Reordering names every procedure once.
    ids = [p["id"] for p in program(ws)["procedures"]]
    reordered = ok(ws.call("PUT", "program/order", ws.admin, json_body={"procedure_ids": ids[::-1]}))
    assert [p["id"] for p in reordered["procedures"]] == ids[::-1]
    partial = ws.call("PUT", "program/order", ws.admin, json_body={"procedure_ids": ids[:1]})
    assert partial.status == 400
    assert ws.call("DELETE", f"program/procedures/{added['id']}", ws.admin).status == 409, "it was started"
    assert ws.call("DELETE", f"program/procedures/{from_library['id']}", staff).status == 403
    assert ws.call("DELETE", f"program/procedures/{from_library['id']}", ws.admin).status == 204


def test_the_firms_library_its_own_procedures_and_hidden_starter_ones() -> None:
    ws = workspace()
    listing = ok(ws_firm(ws, "GET", ws.admin))
    codes = {p["code"] for p in listing["procedures"]}
    assert len(codes) >= 40 and {"CASH-01", "REV-03", "JE-01"} <= codes
    assert {a["code"] for a in listing["areas"]} >= {"cash", "revenue", "journal_entries"}
    own = {
        "code": "F-LEASE-01",
        "title": "Recompute lease liabilities",
        "objective": "Recompute the present value of the remaining lease payments",
        "assertions": ["valuation", "presentation"],
        "areas": ["other"],
        "risk_responses": ["significant_risk"],
        "nature": "test_of_details",
    }
    created = ok(ws_firm(ws, "POST", ws.admin, json_body=own), 201)
    assert (created["source"], created["code"]) == ("firm", "F-LEASE-01")
    assert ws_firm(ws, "POST", ws.admin, json_body=own).status == 409
    assert ws_firm(ws, "POST", ws.admin, json_body={**own, "code": "cash-01"}).status == 409
    manager = ws.person("manager", "manager")
    senior = ws.person("senior", "senior")
    assert ws_firm(ws, "POST", senior, json_body={**own, "code": "F-2"}).status == 403
    assert ws_firm(ws, "GET", senior).status == 200
    # Hidden starter procedures leave generated programs; the firm's own one answers the leases risk.
    ok(ws_firm(ws, "PUT", manager, "/starter-visibility", json_body={"code": "CASH-04", "hidden": True}))
    register(ws)
    generated = ok(ws.call("POST", "program/generate", ws.admin))["procedures"]
    codes = {p["library_code"] for p in generated}
    assert "CASH-04" not in codes and "F-LEASE-01" in codes
    assert not any(p["source"] == "generic" for p in generated)
    assert "CASH-04" not in {p["code"] for p in ok(ws_firm(ws, "GET", ws.admin))["procedures"]}
    hidden = ok(ws_firm(ws, "GET", ws.admin, params={"include_hidden": "true"}))["procedures"]
    assert next(p for p in hidden if p["code"] == "CASH-04")["hidden"] is True
    # Retired: no longer offered; the program keeps its copy.
    retired = ok(ws_firm(ws, "PATCH", ws.admin, f"/{created['id']}", json_body={"retired": True}))
    assert retired["retired"] is True
    assert "F-LEASE-01" not in {p["code"] for p in ok(ws_firm(ws, "GET", ws.admin))["procedures"]}
    assert "F-LEASE-01" in {p["library_code"] for p in program(ws)["procedures"]}
    refused = ws.call("POST", "program/procedures", ws.admin, json_body={"library_code": "F-LEASE-01"})
    assert refused.status == 400 and refused.json()["errors"][0]["loc"] == ["body", "library_code"]


def ws_firm(ws: Workspace, method: str, who: Person, suffix: str = "", **kwargs: Any) -> Reply:
    return request(method, f"firm/procedures{suffix}", token=who.token, **kwargs)


def test_client_users_see_none_of_it_over_http_or_in_the_database() -> None:
    ws = workspace()
    register(ws)
    procedure = ok(ws.call("POST", "program/generate", ws.admin))["procedures"][0]
    ok(
        ws_firm(
            ws,
            "POST",
            ws.admin,
            json_body={
                "code": "F-1",
                "title": "Own",
                "objective": "Own procedure",
                "assertions": ["existence"],
                "areas": ["cash"],
                "nature": "test_of_details",
            },
        ),
        201,
    )
    client = ws.client_user()
    assert ws.call("GET", "program", client).status in (403, 404)
    assert patch(ws, procedure["id"], client, status="in_progress").status in (403, 404)
    assert ws.call("POST", "program/generate", client).status in (403, 404)
    assert ws_firm(ws, "GET", client).status == 403
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProgramProcedure)) == 0
        assert uow.session.scalar(select(func.count()).select_from(FirmProcedure)) == 0
    # Another firm's people see nothing of this firm's program.
    other = workspace()
    assert request_as(other.admin, "GET", f"engagements/{ws.engagement_id}/program").status == 404
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProgramProcedure)) == 0
        assert uow.session.scalar(select(func.count()).select_from(FirmProcedure)) == 0
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert (uow.session.scalar(select(func.count()).select_from(ProgramProcedure)) or 0) > 0


def request_as(who: Person, method: str, path: str) -> Reply:
    return request(method, path, token=who.token)


def test_a_finalized_engagement_locks_its_program() -> None:
    ws = workspace()
    register(ws)
    procedure = ok(ws.call("POST", "program/generate", ws.admin))["procedures"][0]
    ws.finalize()
    assert ws.call("POST", "program/generate", ws.admin).status == 409
    locked = patch(ws, procedure["id"], ws.admin, status="in_progress")
    assert (locked.status, locked.json()["code"]) == (409, "engagement_locked")
    assert program(ws)["procedures"][0]["id"] == procedure["id"], "still readable"
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        with pytest.raises(DBAPIError) as refused:
            uow.session.execute(text("UPDATE program_procedures SET title = 'changed'"))
        assert getattr(refused.value.orig, "sqlstate", None) == "AU001"
