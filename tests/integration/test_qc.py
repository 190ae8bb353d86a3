"""Quality control through HTTP on a real PostgreSQL: a run on a bare engagement names what is missing and
records the qc gate; who may run, read, waive and withdraw; waivers' reasons, lapse and audit trail; the
finalized lock; row-level security on the QC tables."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from shared import gates
from shared.db.models_qc import QcRun, QcWaiver
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace
from tests.support import Reply

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

REASON = "Covered by the group auditor's procedures, see memo A-7"


def run(ws: Workspace, who: Person | None = None) -> Reply:
    return ws.call("POST", "qc/run", who or ws.admin)  # type: ignore[no-any-return]


def waive(ws: Workspace, who: Person, policy: str = "subsequent_events", reason: str = REASON) -> Reply:
    return ws.call("POST", "qc/waivers", who, json_body={"policy": policy, "reason": reason})  # type: ignore[no-any-return]


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {policy["code"]: policy for policy in body["policies"]}


def readiness(ws: Workspace) -> gates.Readiness:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        return gates.readiness(uow, engagement_id=uuid.UUID(ws.engagement_id))


def activity(ws: Workspace, action: str) -> list[dict[str, Any]]:
    reply = ws.call("GET", "activity", ws.admin, params={"action": action})
    assert reply.status == 200, reply.body
    return list(reply.json()["items"])


def test_a_bare_engagement_fails_qc_naming_what_is_missing_and_the_gate_records_it() -> None:
    ws = workspace()
    none_yet = ws.call("GET", "qc", ws.admin)
    assert none_yet.status == 404 and none_yet.json()["code"] == "qc_run_not_found"

    reply = run(ws)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["passed"] is False and body["run_by"] == ws.admin.user_id
    policies = by_code(body)
    assert list(policies) == [
        "documentation",
        "evidence_above_performance_materiality",
        "risk_assessment",
        "je_testing",
        "review_notes",
        "materiality",
        "mapping_confirmed",
        "unadjusted_differences",
        "partner_signoff",
        "subsequent_events",
    ]
    failed = {code for code, policy in policies.items() if policy["status"] == "failed"}
    assert failed == set(policies) - {"review_notes"}, "nothing is done yet but no note is open either"
    assert policies["documentation"]["detail"].startswith("The binder has no workpapers")
    assert "No general ledger" in policies["je_testing"]["detail"]
    assert policies["partner_signoff"]["missing"] == ["an engagement partner on the team"]
    assert policies["subsequent_events"]["blocking"] is False

    # The run is kept: GET answers it as it was.
    assert ws.call("GET", "qc", ws.admin).json() == body
    # The gate is recorded, naming the failed blocking policies.
    verdict = readiness(ws)
    qc_reason = next(reason for reason in verdict.reasons if reason.startswith("The QC gate"))
    assert "failed: documentation, evidence_above_performance_materiality" in qc_reason
    assert "subsequent_events" not in qc_reason
    recorded = activity(ws, "qc.run")
    assert recorded[0]["data"]["passed"] is False and recorded[0]["target_id"] == body["run_id"]


def test_a_run_names_the_workpaper_without_a_signoff_by_its_binder_path() -> None:
    ws = workspace()
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    cash = next(node["id"] for node in nodes if node["index_code"] == "D")
    created = ws.call(
        "POST",
        "binder/nodes",
        ws.admin,
        json_body={"parent_id": cash, "kind": "workpaper", "index_code": "D-1", "title": "Bank reconciliation"},
    )
    assert created.status == 201, created.body
    documentation = by_code(run(ws).json())["documentation"]
    assert documentation["missing"] == ["D Cash / D-1 Bank reconciliation (not prepared nor reviewed)"]


def test_who_may_run_and_read_qc() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    staff = ws.person("staff", "staff", team_role="staff")
    manager = ws.person("manager", "manager", team_role="manager")
    qc = ws.person("qc", "qc_reviewer")
    client = ws.client_user()
    other = workspace()
    outsider = Person(other.admin.user_id, other.admin.token, "firm_admin")
    off_team = ws.person("elsewhere", "senior")

    for who in (senior, staff):
        refused = run(ws, who)
        assert refused.status == 403 and refused.json()["code"] == "forbidden", refused.body
    assert run(ws, manager).status == 200
    assert run(ws, qc).status == 200
    for who in (client, outsider, off_team):
        for method, path in (("POST", "qc/run"), ("GET", "qc"), ("GET", "qc/waivers")):
            reply = ws.call(method, path, who)
            assert reply.status == 404 and reply.json()["code"] == "engagement_not_found", (who.role, path)
        assert waive(ws, who).status == 404
    # Everyone on the team may read the latest run; nothing the refused callers did was stored.
    assert ws.call("GET", "qc", senior).json()["run_by"] == qc.user_id
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(QcRun)) == 2


def test_waivers_by_partner_or_qc_reviewer_only_with_a_reason_and_audit_logged() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    manager = ws.person("manager", "manager", team_role="manager")
    partner = ws.person("partner", "partner", team_role="partner")
    qc = ws.person("qc", "qc_reviewer")

    for who in (senior, manager):
        refused = waive(ws, who)
        assert refused.status == 403, refused.body
        assert "partner or a QC reviewer" in refused.json()["detail"]
    short = waive(ws, partner, reason="   too short, really   ")
    assert short.status == 400 and short.json()["errors"][0]["loc"] == ["body", "reason"]
    unknown = waive(ws, partner, policy="coffee_break")
    assert unknown.status == 400 and unknown.json()["errors"][0]["loc"][:2] == ["body", "policy"]
    assert ws.call("GET", "qc/waivers", partner).json() == {"items": []}, "refusals changed nothing"

    given = waive(ws, partner, reason=f"  {REASON}  ")
    assert given.status == 201, given.body
    waiver = given.json()
    assert (waiver["policy"], waiver["reason"], waiver["waived_by"]) == ("subsequent_events", REASON, partner.user_id)
    assert waive(ws, qc).json()["code"] == "already_waived"
    by_qc = waive(ws, qc, policy="risk_assessment")
    assert by_qc.status == 201, by_qc.body
    listed = ws.call("GET", "qc/waivers", senior).json()["items"]
    assert [item["policy"] for item in listed] == ["subsequent_events", "risk_assessment"]

    policies = by_code(run(ws).json())
    assert policies["risk_assessment"]["status"] == "waived"
    assert policies["risk_assessment"]["waiver"]["reason"] == REASON
    assert policies["subsequent_events"]["status"] == "waived"

    granted = activity(ws, "qc.waiver_granted")
    assert {item["data"]["policy"] for item in granted} == {"subsequent_events", "risk_assessment"}
    assert granted[0]["data"]["reason"] == REASON

    assert ws.call("DELETE", f"qc/waivers/{waiver['id']}", manager).status == 403
    assert ws.call("DELETE", f"qc/waivers/{waiver['id']}", qc).status == 204
    again = ws.call("DELETE", f"qc/waivers/{waiver['id']}", qc)
    assert again.status == 404 and again.json()["code"] == "waiver_not_found"
    assert [item["policy"] for item in ws.call("GET", "qc/waivers", ws.admin).json()["items"]] == ["risk_assessment"]
    withdrawn = activity(ws, "qc.waiver_withdrawn")
    assert withdrawn[0]["target_id"] == waiver["id"] and withdrawn[0]["data"]["policy"] == "subsequent_events"
    # The same policy may be waived again once the first waiver is withdrawn.
    assert waive(ws, partner).status == 201


def test_withdrawing_a_waiver_the_passing_run_relied_on_reopens_the_gate() -> None:
    ws = workspace()
    waived = [waive(ws, ws.admin, policy=code).json() for code in _blocking_codes()]
    assert run(ws).json()["passed"] is True
    assert not any(reason.startswith("The QC gate") for reason in readiness(ws).reasons), "qc satisfied"
    assert ws.call("DELETE", f"qc/waivers/{waived[0]['id']}", ws.admin).status == 204
    reasons = readiness(ws).reasons
    assert any("the waiver of documentation was withdrawn; run QC again" in reason for reason in reasons)


def _blocking_codes() -> list[str]:
    return [
        "documentation",
        "evidence_above_performance_materiality",
        "risk_assessment",
        "je_testing",
        "materiality",
        "mapping_confirmed",
        "unadjusted_differences",
        "partner_signoff",
    ]


def test_a_waiver_lapses_when_the_engagement_steps_back_to_fieldwork() -> None:
    ws = workspace()
    ws.move_to("fieldwork")
    early = waive(ws, ws.admin, policy="materiality").json()
    ws.move_to("review")
    in_review = waive(ws, ws.admin, policy="documentation").json()
    assert {item["id"] for item in ws.call("GET", "qc/waivers", ws.admin).json()["items"]} == {
        early["id"],
        in_review["id"],
    }, "moving forward keeps waivers"
    back = ws.call("POST", "transitions", ws.admin, json_body={"to": "fieldwork", "reason": "Inventory count redone"})
    assert back.status == 200, back.body
    assert ws.call("GET", "qc/waivers", ws.admin).json() == {"items": []}
    assert by_code(run(ws).json())["materiality"]["status"] == "failed"
    # Given again after the back step, it holds; the lapsed one is closed when it is replaced.
    assert waive(ws, ws.admin, policy="materiality").status == 201
    assert [item["policy"] for item in ws.call("GET", "qc/waivers", ws.admin).json()["items"]] == ["materiality"]
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        closed = uow.session.scalar(select(QcWaiver).where(QcWaiver.id == uuid.UUID(early["id"])))
        assert closed is not None and closed.withdrawn_reason is not None and "stepped back" in closed.withdrawn_reason


def test_a_finalized_engagement_refuses_runs_and_waivers_but_shows_the_last_run() -> None:
    ws = workspace()
    waiver = waive(ws, ws.admin).json()
    ran = run(ws).json()
    ws.finalize()
    for method, path, body in (
        ("POST", "qc/run", None),
        ("POST", "qc/waivers", {"policy": "materiality", "reason": REASON}),
        ("DELETE", f"qc/waivers/{waiver['id']}", None),
    ):
        reply = ws.call(method, path, ws.admin, json_body=body)
        assert reply.status == 409 and reply.json()["code"] == "engagement_locked", (path, reply.body)
    assert ws.call("GET", "qc", ws.admin).json() == ran
    assert len(ws.call("GET", "qc/waivers", ws.admin).json()["items"]) == 1


def test_another_firm_reads_no_qc_rows_even_by_a_direct_query() -> None:
    ws = workspace()
    waive(ws, ws.admin)
    run(ws)
    other = workspace()
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(QcRun)) == 0
        assert uow.session.scalar(select(func.count()).select_from(QcWaiver)) == 0
    client = ws.client_user()
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(QcRun)) == 0, "client users see no working papers"
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(QcRun)) == 1


def _deliver_status_change(ws: Workspace, to: str) -> None:
    """Hand the engagement's latest status change to `to` to QC's consumer, as Service Bus would."""
    from azure.functions.servicebus import ServiceBusMessage

    from shared.bus.envelope import Envelope
    from shared.db.models import OutboxMessage
    from tests.support import in_process_host

    with UnitOfWork(system=True) as uow:
        rows = uow.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.body["type"].astext == "engagement.status_changed",
                OutboxMessage.body["payload"]["engagement_id"].astext == ws.engagement_id,
            )
            .order_by(OutboxMessage.seq.desc())
        ).all()
    envelope = next(e for e in (Envelope.model_validate(row.body) for row in rows) if e.payload.get("to") == to)
    trigger = next(f for f in in_process_host().functions if f.name == "qc_on_status_changed")
    for _ in range(2):  # redelivered: the inbox makes the second a no-op
        trigger.invoke(
            ServiceBusMessage(
                body=envelope.to_json().encode(),
                message_id=str(envelope.id),
                delivery_count=1,
                application_properties={"type": envelope.type},
                user_properties={},
            )
        )


def test_a_step_back_reopens_a_satisfied_qc_gate() -> None:
    ws = workspace()
    for code in _blocking_codes():
        assert waive(ws, ws.admin, policy=code).status == 201
    ws.move_to("review")
    assert run(ws).json()["passed"] is True
    assert not [reason for reason in readiness(ws).reasons if reason.startswith("The QC gate")]
    back = ws.call("POST", "transitions", ws.admin, json_body={"to": "fieldwork", "reason": "Cash work reopened"})
    assert back.status == 200, back.body
    _deliver_status_change(ws, "fieldwork")
    reasons = [reason for reason in readiness(ws).reasons if reason.startswith("The QC gate")]
    assert reasons and reasons[0].endswith("the engagement went back from review to fieldwork; run QC again")
    # Forward again, the gate stays open until QC runs; the lapsed waivers no longer count.
    ws.move_to("review")
    assert run(ws).json()["passed"] is False
