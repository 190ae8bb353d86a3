"""A passing QC verdict counts only while it still describes the engagement (docs/audit-rules.md section
11): a sign-off withdrawn, a review note written or materiality changed after the run leaves the
engagement not ready to finalize, the reason naming QC and what changed, until QC runs again."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shared import gates
from shared.db.models import AuditRecord
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace
from tests.ingestion_support import loaded
from tests.integration.test_qc import REASON

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

# Every blocking policy but documentation and review_notes is waived: those two are judged on the file.
WAIVED = (
    "evidence_above_performance_materiality",
    "risk_assessment",
    "je_testing",
    "materiality",
    "mapping_confirmed",
    "unadjusted_differences",
    "partner_signoff",
)
MATERIALITY = {
    "benchmark": "revenue",
    "amount": "100000.00",
    "risk_level": "moderate",
    "rationale": "Revenue is the stable measure",
}


def ok(reply: Any, status: int = 201) -> dict[str, Any]:
    assert reply.status == status, reply.body
    return dict(reply.json()) if reply.body else {}


def qc_reasons(ws: Workspace) -> list[str]:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        verdict = gates.readiness(uow, engagement_id=uuid.UUID(ws.engagement_id))
    return [reason for reason in verdict.reasons if reason.startswith("The QC gate")]


def stale(what: str) -> list[str]:
    return [
        "The QC gate has not passed (every blocking check must pass or be waived with a reason): "
        f"QC ran before {what}; run it again"
    ]


def run_qc(ws: Workspace, who: Person) -> bool:
    return bool(ok(ws.call("POST", "qc/run", who), 200)["passed"])


def passing() -> tuple[Workspace, Person, str]:
    """An engagement whose one workpaper is prepared and reviewed, the other blocking policies waived,
    and a passing QC run: the gate is satisfied."""
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    for code in WAIVED:
        ok(ws.call("POST", "qc/waivers", ws.admin, json_body={"policy": code, "reason": REASON}))
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    parent = next(node["id"] for node in nodes if node["index_code"] == "D")
    body = {"parent_id": parent, "kind": "workpaper", "index_code": "D-1", "title": "Bank confirmation"}
    node = str(ok(ws.call("POST", "binder/nodes", senior, json_body=body))["id"])
    ok(ws.call("POST", f"binder/nodes/{node}/signoffs", senior, json_body={"step": "prepare", "version": 1}))
    ok(ws.call("POST", f"binder/nodes/{node}/signoffs", ws.admin, json_body={"step": "review", "version": 1}))
    assert run_qc(ws, ws.admin) is True
    assert qc_reasons(ws) == [], "the qc gate is satisfied"
    return ws, senior, node


def test_a_signoff_withdrawn_after_a_passing_run_makes_the_verdict_stale_until_qc_runs_again() -> None:
    ws, _, node = passing()
    # Moving forward, reading and an unrelated edit leave the verdict standing.
    ws.move_to("review")
    ok(ws.call("GET", "qc", ws.admin), 200)
    assert qc_reasons(ws) == []

    assert ws.call("DELETE", f"binder/nodes/{node}/signoffs/review", ws.admin).status == 204
    assert qc_reasons(ws) == stale("a sign-off was withdrawn")
    refused = ws.call("POST", "transitions", ws.admin, json_body={"to": "finalized"})
    assert refused.status == 409 and refused.json()["code"] == "not_ready"
    assert stale("a sign-off was withdrawn")[0] in refused.json()["reasons"]
    ready = ok(ws.call("GET", "finalization-readiness", ws.admin), 200)
    assert stale("a sign-off was withdrawn")[0] in ready["reasons"]

    # Run again: the verdict now describes the file (documentation fails), then passes once re-signed.
    assert run_qc(ws, ws.admin) is False
    assert qc_reasons(ws) == [
        "The QC gate has not passed (every blocking check must pass or be waived with a reason): failed: documentation"
    ]
    ok(ws.call("POST", f"binder/nodes/{node}/signoffs", ws.admin, json_body={"step": "review", "version": 1}))
    assert qc_reasons(ws) != [], "a failed verdict stays failed until QC runs"
    assert run_qc(ws, ws.admin) is True
    assert qc_reasons(ws) == []


def test_a_blocking_review_note_after_a_passing_run_reopens_the_gate() -> None:
    ws, senior, node = passing()
    ok(ws.call("POST", "review-notes", ws.admin, json_body={"node_id": node, "body": "Tie to the bank letter"}))
    assert qc_reasons(ws) == stale("a review note was written")
    assert run_qc(ws, ws.admin) is False
    assert qc_reasons(ws) == [
        "The QC gate has not passed (every blocking check must pass or be waived with a reason): failed: review_notes"
    ]


def test_materiality_changed_after_a_passing_run_needs_qc_again_and_several_changes_are_named() -> None:
    ws, _, node = passing()
    ok(ws.call("POST", "materiality", ws.admin, json_body=MATERIALITY))
    assert qc_reasons(ws) == stale("materiality changed")
    assert run_qc(ws, ws.admin) is True
    assert qc_reasons(ws) == []

    # Several kinds of change: the first three are named in the order they happened, the rest counted.
    ok(ws.call("POST", "materiality", ws.admin, json_body={**MATERIALITY, "amount": "120000.00"}))
    assert ws.call("DELETE", f"binder/nodes/{node}/signoffs/review", ws.admin).status == 204
    ok(ws.call("POST", "review-notes", ws.admin, json_body={"node_id": node, "body": "Tie to the bank letter"}))
    risk = {
        "area": "Revenue",
        "assertion": "cut_off",
        "description": "Sales recorded before delivery",
        "inherent_risk": "high",
        "control_risk": "moderate",
        "fraud_risk": True,
        "procedure_node_ids": [node],
    }
    ok(ws.call("POST", "risks", ws.admin, json_body=risk))
    assert qc_reasons(ws) == stale(
        "materiality changed, a sign-off was withdrawn and a review note was written (and 1 other kind of change)"
    )


def test_a_run_keeps_the_audit_position_it_read_the_engagement_at() -> None:
    ws, _, _ = passing()
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        rows = uow.session.execute(
            select(AuditRecord.id, AuditRecord.action, AuditRecord.data)
            .where(AuditRecord.firm_id == ws.firm_id, AuditRecord.data["engagement_id"].astext == ws.engagement_id)
            .order_by(AuditRecord.id)
        ).all()
    run = next(row for row in reversed(rows) if row.action == "qc.run")
    before = [row.id for row in rows if row.id < run.id]
    # `as_of` is the engagement's newest record when the run started reading: the review sign-off.
    assert run.data["as_of"] == before[-1]
    assert [row.action for row in rows if row.id == run.data["as_of"]] == ["workpaper.signed"]


def test_client_data_loaded_by_the_ingestion_job_after_a_passing_run_makes_it_stale() -> None:
    ws, _, _ = passing()
    tb = b"Account Number,Account Name,Closing Balance\n1000,Cash at bank,500.00\n4000,Sales,-500.00\n"
    loaded(ws, ws.admin, "trial_balance", tb)  # written by the job, in the firm's audit chain
    assert qc_reasons(ws) == stale("client data was loaded")
    assert run_qc(ws, ws.admin) is True
    assert qc_reasons(ws) == []


def test_the_latest_run_read_says_it_is_stale_and_why_until_qc_runs_again() -> None:
    ws, _, node = passing()
    latest = ok(ws.call("GET", "qc", ws.admin), 200)
    assert latest["passed"] is True and latest["stale"] == {"stale": False, "reason": None}

    assert ws.call("DELETE", f"binder/nodes/{node}/signoffs/review", ws.admin).status == 204
    latest = ok(ws.call("GET", "qc", ws.admin), 200)
    assert latest["passed"] is True, "the run itself is unchanged"
    assert latest["stale"] == {"stale": True, "reason": "QC ran before a sign-off was withdrawn; run it again"}
    # The read gives the same reason finalization readiness gives.
    assert qc_reasons(ws) == stale("a sign-off was withdrawn")

    rerun = ok(ws.call("POST", "qc/run", ws.admin), 200)
    assert rerun["stale"]["stale"] is False
    assert ok(ws.call("GET", "qc", ws.admin), 200)["stale"] == {"stale": False, "reason": None}


def test_a_change_to_the_audit_program_after_a_passing_run_makes_the_verdict_stale() -> None:
    ws, senior, node = passing()
    procedure = ok(ws.call("POST", "program/procedures", ws.admin, json_body={"library_code": "CASH-01"}))
    assert qc_reasons(ws) == stale("a procedure was added to the audit program")
    assert run_qc(ws, ws.admin) is True
    # Completing it on the signed workpaper changes what documentation reads: stale again until QC runs.
    done = {"status": "completed", "conclusion": "Balances agreed to the banks", "workpaper_node_ids": [node]}
    ok(ws.call("PATCH", f"program/procedures/{procedure['id']}", senior, json_body=done), 200)
    assert qc_reasons(ws) == stale("a procedure of the audit program was changed")
    assert run_qc(ws, ws.admin) is True
    assert qc_reasons(ws) == []
