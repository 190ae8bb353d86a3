"""An engagement taken through HTTP to where every QC policy passes (trial balance mapped, materiality,
risks answered by the audit program, a JE run with every flag dispositioned, workpapers signed with evidence,
the partner's approval of the completion), the qc gate satisfied; then one open review note fails it
by name, a partner's waiver lets it pass, and a step back to fieldwork takes the waiver away."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import update

from shared import gates
from shared.db.models_events import SubsequentEvent, SubsequentEventsReview
from shared.db.uow import UnitOfWork
from tests.analytics_support import load_general_ledger, run_tests
from tests.engagement_support import Person, Workspace, workspace
from tests.ingestion_support import deliver, loaded

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("database")]

# Balances debit positive, summing to nil. With revenue of 100,000 at 1%, overall materiality is 1,000 and
# performance materiality (moderate risk, 65%) 650: cash, capital, sales and cost of sales reach it.
TB = b"""Account Number,Account Name,Closing Balance
1000,Cash at bank,60000.00
2000,Trade creditors,-500.00
3000,Share capital,-20000.00
4000,Sales,-100000.00
5000,Cost of goods sold,60000.00
6000,Salaries and wages,500.00
"""
PDF = b"%PDF-1.4\n% bank confirmation\n" + bytes(range(256)) * 4


def _journal(journal_id: str, amount: str) -> list[dict[str, Any]]:
    common = {"Journal ID": journal_id, "Effective Date": "2026-03-02", "Description": "Sale"}
    return [
        {**common, "Line": 1, "Account": "1000", "Debit": amount, "Credit": ""},
        {**common, "Line": 2, "Account": "4000", "Debit": "", "Credit": amount},
    ]


def ok(reply: Any, status: int = 201) -> dict[str, Any]:
    assert reply.status == status, reply.body
    return dict(reply.json()) if reply.body else {}


def section(ws: Workspace, code: str) -> str:
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    return str(next(node["id"] for node in nodes if node["index_code"] == code))


def workpaper(ws: Workspace, who: Person, code: str, index_code: str, title: str, **content: Any) -> str:
    body = {"parent_id": section(ws, code), "kind": "workpaper", "index_code": index_code, "title": title}
    return str(ok(ws.call("POST", "binder/nodes", who, json_body={**body, "content": content}))["id"])


def sign(ws: Workspace, node: str, who: Person, step: str) -> None:
    ok(ws.call("POST", f"binder/nodes/{node}/signoffs", who, json_body={"step": step, "version": 1}))


def policies(ws: Workspace, who: Person) -> tuple[bool, dict[str, dict[str, Any]]]:
    body = ok(ws.call("POST", "qc/run", who), 200)
    return body["passed"], {policy["code"]: policy for policy in body["policies"]}


def qc_reasons(ws: Workspace) -> list[str]:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        verdict = gates.readiness(uow, engagement_id=uuid.UUID(ws.engagement_id))
    return [reason for reason in verdict.reasons if reason.startswith("The QC gate")]


def complete_engagement() -> tuple[Workspace, dict[str, Person], dict[str, str]]:
    ws = load_general_ledger(
        _journal("R1", "5000.00") + _journal("R2", "7000.00") + _journal("N1", "12.34"), workspace()
    )
    people = {
        "partner": ws.person("partner", "partner", team_role="partner"),
        "senior": ws.person("senior", "senior", team_role="senior"),
        "qc": ws.person("qc", "qc_reviewer"),
    }
    senior, partner = people["senior"], people["partner"]
    # JE testing, every flagged journal concluded by a reviewer.
    je = run_tests(ws, ["round_amount"])
    flagged = [journal["journal_id"] for journal in je.journals()]
    assert sorted(flagged) == ["R1", "R2"]
    for journal_id in flagged:
        body = {"status": "explained", "note": "Agreed to the signed sales contract"}
        ok(ws.call("PUT", f"je-tests/{je.id}/journals/{journal_id}/disposition", ws.admin, json_body=body), 200)
    # The trial balance, every account's mapping confirmed.
    loaded(ws, ws.admin, "trial_balance", TB)
    deliver(ok(ws.call("POST", "mapping/suggest", ws.admin), 202)["job_id"])
    ok(ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True}), 200)
    materiality = {
        "benchmark": "revenue",
        "amount": "100000.00",
        "risk_level": "moderate",
        "rationale": "Revenue is the stable measure",
    }
    ok(ws.call("POST", "materiality", ws.admin, json_body=materiality))
    # Workpapers: one names its account in the title, one lists accounts in its content; both hold evidence.
    papers = {
        "cash": workpaper(ws, senior, "D", "D-1", "1000 Bank confirmation"),
        "revenue": workpaper(
            ws, senior, "J", "J-1", "Revenue, cost of sales and capital", account_numbers=["3000", "4000", "5000"]
        ),
        "completion": workpaper(ws, senior, "L", "L-1", "Completion memorandum"),
        "events": workpaper(ws, senior, "L", "L-2", "Subsequent events review"),
    }
    evidence = ok(
        ws.call(
            "POST",
            "evidence",
            ws.admin,
            body=PDF,
            headers={"Content-Type": "application/pdf", "X-Filename": "confirmation.pdf"},
        )
    )
    for key in ("cash", "revenue"):
        ok(ws.call("POST", f"binder/nodes/{papers[key]}/evidence", ws.admin, json_body={"evidence_id": evidence["id"]}))
    for node in papers.values():
        sign(ws, node, senior, "prepare")
        sign(ws, node, ws.admin, "review")
    for key in ("completion", "events"):
        sign(ws, papers[key], partner, "approve")
    # Risks, one of them of fraud, each answered by a workpaper.
    risk = {
        "area": "Revenue",
        "assertion": "cut_off",
        "description": "Sales recorded before delivery",
        "inherent_risk": "high",
        "control_risk": "moderate",
        "fraud_risk": True,
        "procedure_node_ids": [papers["revenue"]],
    }
    ok(ws.call("POST", "risks", ws.admin, json_body=risk))
    cash_risk = {**risk, "area": "Cash", "assertion": "existence", "fraud_risk": False}
    ok(ws.call("POST", "risks", ws.admin, json_body={**cash_risk, "procedure_node_ids": [papers["cash"]]}))
    # The audit program answers the risks; the sales cut-off test is carried out on the revenue workpaper.
    program = ok(ws.call("POST", "program/generate", ws.admin), 200)["procedures"]
    cutoff = next(p for p in program if p["library_code"] == "REV-03")
    done = {
        "status": "completed",
        "conclusion": "Sales recorded in the right period",
        "workpaper_node_ids": [papers["revenue"]],
    }
    ok(ws.call("PATCH", f"program/procedures/{cutoff['id']}", senior, json_body=done), 200)
    papers["cutoff_procedure"] = cutoff["id"]
    return ws, people, papers


def test_a_complete_engagement_passes_qc_and_a_note_a_waiver_and_a_back_step_move_the_gate() -> None:
    ws, people, papers = complete_engagement()
    passed, found = policies(ws, people["qc"])
    assert {code: p["status"] for code, p in found.items() if p["status"] != "passed"} == {}, found
    assert passed is True
    assert "all 2 flagged journals dispositioned" in found["je_testing"]["detail"]
    assert (
        (found["evidence_above_performance_materiality"]["detail"])
        == "All 4 accounts at or above performance materiality (650.00) have evidence"
    )
    assert qc_reasons(ws) == [], "the qc gate is satisfied"
    assert found["documentation"]["detail"] == "All 5 procedures and workpapers are prepared and reviewed"

    # A blocking review note on the cash workpaper fails the gate, naming the workpaper.
    ok(ws.call("POST", "review-notes", ws.admin, json_body={"node_id": papers["cash"], "body": "Tie to the bank"}))
    passed, found = policies(ws, people["qc"])
    assert passed is False
    assert found["review_notes"]["missing"] == ["D Cash / D-1 1000 Bank confirmation (open)"]
    assert qc_reasons(ws) == [
        "The QC gate has not passed (every blocking check must pass or be waived with a reason): failed: review_notes"
    ]

    # The partner waives it with a reason: the next run passes and shows the waiver.
    ws.move_to("review")
    reason = "Bank tie-out agreed by the partner on the phone with the bank"
    ok(ws.call("POST", "qc/waivers", people["partner"], json_body={"policy": "review_notes", "reason": reason}))
    passed, found = policies(ws, people["qc"])
    assert passed is True and found["review_notes"]["status"] == "waived"
    assert found["review_notes"]["waiver"]["waived_by"] == people["partner"].user_id
    assert qc_reasons(ws) == []

    # Back to fieldwork: the waiver lapses and the note blocks again.
    back = ws.call("POST", "transitions", ws.admin, json_body={"to": "fieldwork", "reason": "More cash work needed"})
    assert back.status == 200, back.body
    passed, found = policies(ws, people["qc"])
    assert passed is False and found["review_notes"]["status"] == "failed"

    # Evidence and sign-offs are read as they stand: the cash workpaper without its evidence fails its account.
    evidence_id = ws.call("GET", f"binder/nodes/{papers['cash']}", ws.admin).json()["evidence_ids"][0]
    assert ws.call("DELETE", f"binder/nodes/{papers['cash']}/evidence/{evidence_id}", ws.admin).status == 204
    _, found = policies(ws, people["qc"])
    assert found["evidence_above_performance_materiality"]["missing"] == ["1000 Cash at bank (final 60,000.00)"]


def test_qc_reads_the_audit_program_for_documentation_and_the_risk_assessment() -> None:
    ws, people, papers = complete_engagement()
    # A completed procedure whose workpaper loses its review fails documentation, naming the procedure.
    assert ws.call("DELETE", f"binder/nodes/{papers['revenue']}/signoffs/review", ws.admin).status == 204
    _, found = policies(ws, people["qc"])
    assert found["documentation"]["missing"] == [
        "J Revenue / J-1 Revenue, cost of sales and capital (not reviewed)",
        "procedure REV-03 Test sales cut-off (not reviewed)",
    ]
    sign(ws, papers["revenue"], ws.admin, "review")
    # A new significant risk linked only to a binder workpaper is not answered by the program.
    inventory = {
        "area": "Inventory",
        "assertion": "valuation",
        "description": "Obsolete stock carried at cost",
        "inherent_risk": "high",
        "control_risk": "high",
        "significant_risk": True,
        "procedure_node_ids": [papers["cash"]],
    }
    ok(ws.call("POST", "risks", ws.admin, json_body=inventory))
    _, found = policies(ws, people["qc"])
    assert found["documentation"]["status"] == "passed"
    assert found["risk_assessment"]["missing"] == [
        "Inventory / valuation: no procedure of the audit program answers it"
    ]
    # Generated again, the program answers it with a test of details and the policy passes.
    added = ok(ws.call("POST", "program/generate", ws.admin), 200)
    assert added["added"] > 0 and added["uncovered_risks"] == []
    passed, found = policies(ws, people["qc"])
    assert found["risk_assessment"]["status"] == "passed"
    assert passed is True


def test_qc_reads_the_subsequent_events_register() -> None:
    ws, people, _ = complete_engagement()
    engagement_id = uuid.UUID(ws.engagement_id)
    _, found = policies(ws, people["qc"])
    assert (
        found["subsequent_events"]["detail"]
        == "Subsequent events reviewed in L Completion / L-2 Subsequent events review"
    )
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        event = SubsequentEvent(
            firm_id=ws.firm_id,
            engagement_id=engagement_id,
            event_date=date(2027, 1, 20),
            description="A customer went into administration",
            event_type="recognized",
            source="inquiry",
        )
        uow.session.add(event)
        uow.commit()
        event_id = event.id
    # An unresolved event fails the (non-blocking) policy by its date and type; the gate still passes.
    passed, found = policies(ws, people["qc"])
    assert found["subsequent_events"]["missing"] == ["event of 2027-01-20 (recognized): open"]
    assert passed is True
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        uow.session.execute(update(SubsequentEvent).where(SubsequentEvent.id == event_id).values(status="resolved"))
        uow.session.add(
            SubsequentEventsReview(firm_id=ws.firm_id, engagement_id=engagement_id, reviewed_through=date(2027, 2, 28))
        )
        uow.commit()
    _, found = policies(ws, people["qc"])
    assert found["subsequent_events"]["status"] == "passed"
    assert found["subsequent_events"]["detail"] == (
        "Subsequent events reviewed through 2027-02-28; 1 event in the register, all resolved"
    )
