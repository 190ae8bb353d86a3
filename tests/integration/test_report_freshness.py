"""The report's approval and signature are only as fresh as what the report shows (docs/audit-rules.md
section 11): a mapping changed after the signature, or a step back of the engagement, leaves the engagement
not ready to finalize, the reasons naming the report; a step back supersedes the approved or signed report
(its signed bytes and digest kept) and reopens its gates; a new draft is then taken."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shared import gates
from shared.db.models import AuditRecord, OutboxMessage
from shared.db.models_engagement import EngagementGate
from shared.db.models_reporting import Report
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace
from tests.ingestion_support import deliver, loaded
from tests.integration.test_reporting import TRIAL_BALANCE, approved, draft, team
from tests.support import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

AGAIN = "draft, approve and sign it again"
BACK = "Cash work reopened after the partner's review"


def report_reasons(ws: Workspace) -> list[str]:
    """Readiness reasons about the report (the QC gate's are left aside)."""
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        verdict = gates.readiness(uow, engagement_id=uuid.UUID(ws.engagement_id))
    return [reason for reason in verdict.reasons if not reason.startswith("The QC gate")]


def stale(what: str) -> list[str]:
    return [
        f"The report has not been approved: The report was approved before {what}; {AGAIN}",
        f"No partner has signed the report: The report was signed before {what}; {AGAIN}",
    ]


def gate_rows(ws: Workspace) -> dict[str, tuple[bool, str]]:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        rows = uow.session.scalars(
            select(EngagementGate).where(EngagementGate.engagement_id == uuid.UUID(ws.engagement_id))
        )
        return {row.gate: (row.satisfied, row.detail) for row in rows}


def report_row(ws: Workspace, report_id: str) -> dict[str, Any]:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        row = uow.session.get(Report, uuid.UUID(report_id))
        assert row is not None
        return {column.key: getattr(row, column.key) for column in Report.__table__.columns}


def audited(ws: Workspace, action: str) -> list[dict[str, Any]]:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        rows = uow.session.scalars(
            select(AuditRecord.data)
            .where(AuditRecord.action == action, AuditRecord.data["engagement_id"].astext == ws.engagement_id)
            .order_by(AuditRecord.id)
        ).all()
    return [dict(row) for row in rows]


def sign(ws: Workspace, people: dict[str, Person], report_id: str) -> dict[str, Any]:
    reply = ws.call("POST", f"reports/{report_id}/sign", people["partner"], json_body={"password": PASSWORD})
    assert reply.status == 200, reply.body
    return dict(reply.json())


def mapped(ws: Workspace) -> None:
    """The trial balance loaded, its mapping suggested and confirmed: the report shows statements."""
    loaded(ws, ws.admin, "trial_balance", TRIAL_BALANCE)
    reply = ws.call("POST", "mapping/suggest", ws.admin)
    assert reply.status == 202, reply.body
    deliver(reply.json()["job_id"])
    assert ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True}).status == 200


def step_back(ws: Workspace) -> None:
    ws.move_to("review")
    reply = ws.call("POST", "transitions", ws.admin, json_body={"to": "fieldwork", "reason": BACK})
    assert reply.status == 200, reply.body


def deliver_status_change(ws: Workspace, to: str) -> None:
    """Hand the engagement's latest status change to `to` to the reporting consumer, as Service Bus would
    (twice: the redelivery is a no-op)."""
    from azure.functions.servicebus import ServiceBusMessage

    from shared.bus.envelope import Envelope
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
    trigger = next(f for f in in_process_host().functions if f.name == "reporting_on_engagement_finalized")
    for _ in range(2):
        trigger.invoke(
            ServiceBusMessage(
                body=envelope.to_json().encode(),
                message_id=str(envelope.id),
                delivery_count=1,
                application_properties={"type": envelope.type},
                user_properties={},
            )
        )


def test_a_mapping_changed_after_the_signature_makes_the_report_stale_until_it_is_signed_again() -> None:
    ws, people = team()
    mapped(ws)
    report = approved(ws, people)
    signed = sign(ws, people, report["id"])
    assert report_reasons(ws) == []
    # Moving forward, reading the PDF and changing what the report does not show leave it standing.
    ws.move_to("review")
    assert ws.call("GET", f"reports/{report['id']}/pdf", people["senior"]).status == 200
    materiality = {"benchmark": "revenue", "amount": "1000.00", "risk_level": "moderate", "rationale": "Revenue"}
    assert ws.call("POST", "materiality", ws.admin, json_body=materiality).status == 201
    assert report_reasons(ws) == []
    assert ws.call("POST", "reports", people["senior"], json_body={"opinion": "unmodified"}).json()["code"] == (
        "report_signed"
    )

    changed = ws.call("PUT", "mapping/accounts/1000", ws.admin, json_body={"standard_code": "1100"})
    assert changed.status == 200, changed.body
    assert report_reasons(ws) == stale("an account's mapping was set")
    refused = ws.call("POST", "transitions", people["partner"], json_body={"to": "finalized"})
    assert (refused.status, refused.json()["code"]) == (409, "not_ready")
    assert set(stale("an account's mapping was set")) <= set(refused.json()["reasons"])
    ready = ws.call("GET", "finalization-readiness", people["partner"]).json()
    assert ready["ready"] is False and stale("an account's mapping was set")[1] in ready["reasons"]

    # A new draft is taken: the stale signed version is superseded and keeps what was signed.
    second = draft(ws, people["senior"])
    assert second["version"] == 2
    first = report_row(ws, report["id"])
    assert (first["status"], first["sha256"], first["signed_by"]) == (
        "superseded",
        signed["sha256"],
        uuid.UUID(people["partner"].user_id),
    )
    pdf = ws.call("GET", f"reports/{report['id']}/pdf", people["senior"]).body
    assert hashlib.sha256(pdf).hexdigest() == signed["sha256"]
    assert ws.call("GET", f"reports/{report['id']}/verification", people["senior"]).json()["matches"] is True
    assert gate_rows(ws) == {
        "report_approved": (False, "version 2 is a new draft"),
        "partner_signed": (False, "version 2 is a new draft"),
    }
    assert [entry["version"] for entry in audited(ws, "report.signed")] == [1]

    # Approved and signed again on the file as it now stands: the report gates are fresh.
    assert ws.call("POST", f"reports/{second['id']}/approve", people["manager"]).status == 200
    resigned = sign(ws, people, second["id"])
    assert resigned["sha256"] != signed["sha256"]
    assert report_reasons(ws) == []


def test_a_change_between_approval_and_signature_refuses_the_signature_until_approved_again() -> None:
    """The approval vouches for the PDF as it stood: a partner signing after a change nobody approved is
    refused (409 approval_stale) and nothing is written; drafted and approved again, the partner signs."""
    ws, people = team()
    mapped(ws)
    report = approved(ws, people)
    adjustment = {
        "kind": "recorded",
        "description": "Accrue the December invoice",
        "lines": [
            {"account_number": "5000", "debit": "50.00", "credit": "0"},
            {"account_number": "2000", "debit": "0", "credit": "50.00"},
        ],
    }
    recorded = ws.call("POST", "adjustments", ws.admin, json_body=adjustment)
    assert recorded.status == 201, recorded.body
    refused = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={"password": PASSWORD})
    assert refused.status == 409, refused.body
    assert refused.json()["code"] == "approval_stale"
    assert refused.json()["detail"] == f"The report was approved before an adjusting entry was recorded; {AGAIN}"
    assert ws.call("GET", f"reports/{report['id']}", people["senior"]).json()["status"] == "approved"
    assert audited(ws, "report.signed") == []
    assert report_reasons(ws) == [stale("an adjusting entry was recorded")[0], "No partner has signed the report"]

    second = approved(ws, people)
    sign(ws, people, second["id"])
    assert report_reasons(ws) == []
    # The signature's record keeps where the trail stood when its PDF was read: after the entry.
    approval = audited(ws, "report.approved")[-1]
    [signature] = audited(ws, "report.signed")
    assert signature["as_of"] >= approval["as_of"]


def test_a_step_back_supersedes_the_signed_report_and_reopens_its_gates() -> None:
    ws, people = team()
    report = approved(ws, people)
    signed = sign(ws, people, report["id"])
    step_back(ws)
    # Before the consumer has the event the back step already makes the report stale at readiness.
    assert report_reasons(ws) == stale("the engagement stepped back")
    assert report_row(ws, report["id"])["status"] == "signed"

    deliver_status_change(ws, "fieldwork")
    row = report_row(ws, report["id"])
    assert (row["status"], row["sha256"], row["blob_name"] is not None) == ("superseded", signed["sha256"], True)
    detail = f"the engagement went back from review to fieldwork; {AGAIN}"
    assert gate_rows(ws) == {"report_approved": (False, detail), "partner_signed": (False, detail)}
    assert report_reasons(ws) == [
        f"The report has not been approved: {detail}",
        f"No partner has signed the report: {detail}",
    ]
    [superseded] = audited(ws, "report.superseded")
    assert (superseded["version"], superseded["was"], superseded["sha256"]) == (1, "signed", signed["sha256"])
    assert [entry["sha256"] for entry in audited(ws, "report.signed")] == [signed["sha256"]]
    pdf = ws.call("GET", f"reports/{report['id']}/pdf", people["senior"]).body
    assert hashlib.sha256(pdf).hexdigest() == signed["sha256"]
    listed = ws.call("GET", "reports", people["senior"]).json()["items"]
    assert [(r["version"], r["status"], r["sha256"]) for r in listed] == [(1, "superseded", signed["sha256"])]

    # A new draft is allowed, and once approved and signed again the engagement is ready on the report.
    second = draft(ws, people["senior"])
    assert (second["version"], second["status"]) == (2, "draft")
    assert ws.call("POST", f"reports/{second['id']}/approve", people["manager"]).status == 200
    sign(ws, people, second["id"])
    ws.move_to("review")
    assert report_reasons(ws) == []


def test_a_late_back_step_event_leaves_a_version_approved_after_it() -> None:
    ws, people = team()
    first = approved(ws, people)
    step_back(ws)
    assert report_reasons(ws) == [
        f"The report has not been approved: The report was approved before the engagement stepped back; {AGAIN}",
        "No partner has signed the report",
    ]
    second = draft(ws, people["senior"])
    assert ws.call("POST", f"reports/{second['id']}/approve", people["manager"]).status == 200

    deliver_status_change(ws, "fieldwork")  # arrives after the second version was approved
    assert report_row(ws, first["id"])["status"] == "superseded"
    assert report_row(ws, second["id"])["status"] == "approved"
    assert gate_rows(ws) == {"report_approved": (True, "version 2")}
    assert audited(ws, "report.superseded") == []
    assert report_reasons(ws) == ["No partner has signed the report"]


def test_a_step_back_supersedes_an_approved_report_and_a_forward_step_changes_nothing() -> None:
    ws, people = team()
    ws.move_to("fieldwork")
    report = approved(ws, people)
    ws.move_to("review")
    deliver_status_change(ws, "review")  # forward: nothing to do
    assert report_row(ws, report["id"])["status"] == "approved"
    assert gate_rows(ws)["report_approved"][0] is True

    reply = ws.call("POST", "transitions", ws.admin, json_body={"to": "fieldwork", "reason": BACK})
    assert reply.status == 200, reply.body
    deliver_status_change(ws, "fieldwork")
    assert report_row(ws, report["id"])["status"] == "superseded"
    assert gate_rows(ws) == {
        "report_approved": (False, f"the engagement went back from review to fieldwork; {AGAIN}"),
    }
    [superseded] = audited(ws, "report.superseded")
    assert (superseded["was"], superseded["sha256"]) == ("approved", None)


def test_a_new_period_and_a_new_trial_balance_version_after_the_signature_are_both_named() -> None:
    ws, people = team()
    mapped(ws)
    report = approved(ws, people)
    sign(ws, people, report["id"])
    period = ws.call("PATCH", "", ws.admin, json_body={"period_end": "2026-11-30"})
    assert period.status == 200, period.body
    tb = TRIAL_BALANCE.replace(b"1500.00", b"1600.00").replace(b"-900.00", b"-1000.00")
    loaded(ws, ws.admin, "trial_balance", tb)  # version 2, written by the load job
    assert report_reasons(ws) == stale("the engagement's details changed and client data was loaded")


def test_the_reports_read_says_which_verdict_is_stale_and_why() -> None:
    ws, people = team()
    mapped(ws)
    report = approved(ws, people)
    fresh = {"stale": False, "reason": None}
    assert ws.call("GET", f"reports/{report['id']}", people["senior"]).json()["stale"] == fresh
    recorded = ws.call("PUT", "mapping/accounts/1000", ws.admin, json_body={"standard_code": "1100"})
    assert recorded.status == 200, recorded.body
    approval_stale = f"The report was approved before an account's mapping was set; {AGAIN}"
    assert ws.call("GET", f"reports/{report['id']}", people["senior"]).json()["stale"] == {
        "stale": True,
        "reason": approval_stale,
    }

    # A stale approval is not signed; approved again on the file as it now stands, signed, fresh again.
    refused = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={"password": PASSWORD})
    assert (refused.status, refused.json()["code"]) == (409, "approval_stale")
    report = approved(ws, people)
    signed = sign(ws, people, report["id"])
    listed, _superseded = ws.call("GET", "reports", people["senior"]).json()["items"]
    assert (listed["status"], listed["stale"]) == ("signed", fresh)
    again = ws.call("PUT", "mapping/accounts/1000", ws.admin, json_body={"standard_code": "1000"})
    assert again.status == 200, again.body
    listed, _superseded = ws.call("GET", "reports", people["senior"]).json()["items"]
    assert listed["stale"] == {
        "stale": True,
        "reason": f"The report was signed before an account's mapping was set; {AGAIN}",
    }

    # Drafted again: the signed version is superseded, keeps who signed and the digest, and is no longer stale.
    second = draft(ws, people["senior"])
    newest, first, _superseded = ws.call("GET", "reports", people["senior"]).json()["items"]
    assert (newest["id"], newest["status"], newest["stale"]) == (second["id"], "draft", fresh)
    assert (first["status"], first["signed_by"], first["sha256"], first["stale"]) == (
        "superseded",
        people["partner"].user_id,
        signed["sha256"],
        fresh,
    )
