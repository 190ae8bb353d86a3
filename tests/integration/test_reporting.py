"""The auditor's report through HTTP: drafts, the PDF, approval, the partner's signature and what each
refusal leaves unchanged (functions/reporting, docs/audit-rules.md section 11)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shared import esign
from shared.db.models import AuditRecord, User
from shared.db.models_engagement import EngagementGate
from shared.db.models_reporting import Report
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace
from tests.ingestion_support import loaded
from tests.support import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TRIAL_BALANCE = (
    b"Account Number,Account Name,Closing Balance\n"
    b"1000,Cash at bank,1500.00\n2000,Trade payables,-400.00\n3000,Share capital,-600.00\n4000,Sales,-900.00\n"
    b"5000,Cost of sales,400.00\n"
)


def team() -> tuple[Workspace, dict[str, Person]]:
    ws = workspace()
    people = {
        "partner": ws.person("partner", "partner", team_role="partner"),
        "manager": ws.person("manager", "manager", team_role="manager"),
        "senior": ws.person("senior", "senior", team_role="senior"),
    }
    return ws, people


def draft(ws: Workspace, who: Person, **body: Any) -> dict[str, Any]:
    reply = ws.call("POST", "reports", who, json_body={"opinion": "unmodified", **body})
    assert reply.status == 201, reply.body
    return dict(reply.json())


def approved(ws: Workspace, people: dict[str, Person]) -> dict[str, Any]:
    report = draft(ws, people["senior"])
    reply = ws.call("POST", f"reports/{report['id']}/approve", people["manager"])
    assert reply.status == 200, reply.body
    return dict(reply.json())


def state(ws: Workspace, report_id: str) -> tuple[dict[str, Any], dict[str, bool], int]:
    """The report row, the engagement's gates and its number of audit records: what a refusal must not change."""
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        row = uow.session.get(Report, uuid.UUID(report_id))
        assert row is not None
        fields = {column.key: getattr(row, column.key) for column in Report.__table__.columns}
        gates = {
            g.gate: g.satisfied
            for g in uow.session.scalars(
                select(EngagementGate).where(EngagementGate.engagement_id == uuid.UUID(ws.engagement_id))
            )
        }
        signed = uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "report.signed")).all()
        return fields, gates, len([r for r in signed if r.data.get("engagement_id") == ws.engagement_id])


def test_drafts_are_versioned_listed_and_rendered_as_the_same_pdf_bytes() -> None:
    ws, people = team()
    loaded(ws, ws.admin, "trial_balance", TRIAL_BALANCE)
    refused = ws.call("POST", "reports", people["senior"], json_body={"opinion": "qualified"})
    assert refused.status == 400
    assert "basis_for_modification" in refused.body.decode()

    first = draft(ws, people["senior"], report_date="2027-02-15")
    assert (first["version"], first["status"], first["standards"]) == (1, "draft", "aicpa")
    second = draft(ws, people["senior"], opinion="qualified", basis_for_modification="Inventory was not counted.")
    assert (second["version"], second["status"]) == (2, "draft")

    listed = ws.call("GET", "reports", people["senior"]).json()["items"]
    assert [(r["version"], r["status"]) for r in listed] == [(2, "draft"), (1, "superseded")]
    one = ws.call("GET", f"reports/{second['id']}", people["senior"]).json()
    assert one["basis_for_modification"] == "Inventory was not counted."

    pdf = ws.call("GET", f"reports/{second['id']}/pdf", people["senior"])
    assert pdf.status == 200, pdf.body[:300]
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF")
    again = ws.call("GET", f"reports/{second['id']}/pdf", people["senior"])
    assert hashlib.sha256(again.body).hexdigest() == hashlib.sha256(pdf.body).hexdigest()

    outsider = ws.person("outsider", "senior")
    assert ws.call("GET", "reports", outsider).status == 404
    assert ws.call("GET", f"reports/{uuid.uuid4()}", people["senior"]).status == 404


def test_approval_needs_a_manager_or_partner_on_the_team() -> None:
    ws, people = team()
    report = draft(ws, people["senior"])
    assert ws.call("POST", f"reports/{report['id']}/approve", people["senior"]).status == 403
    off_team_manager = ws.person("manager2", "manager")
    assert ws.call("POST", f"reports/{report['id']}/approve", off_team_manager).status == 404
    assert state(ws, report["id"])[0]["status"] == "draft"

    done = ws.call("POST", f"reports/{report['id']}/approve", people["manager"])
    assert done.status == 200, done.body
    assert done.json()["status"] == "approved"
    assert state(ws, report["id"])[1] == {"report_approved": True}
    assert ws.call("POST", f"reports/{report['id']}/approve", people["partner"]).status == 409

    # What counts is the role on the team: a senior of the firm made the engagement's manager approves.
    acting = ws.person("acting", "senior", team_role="manager")
    other = draft(ws, people["senior"])
    assert ws.call("POST", f"reports/{other['id']}/approve", acting).status == 200
    assert state(ws, report["id"])[0]["status"] == "superseded"
    report = other

    # A new draft supersedes the approved one, and the approval stops counting.
    draft(ws, people["senior"])
    assert state(ws, report["id"])[0]["status"] == "superseded"
    assert state(ws, report["id"])[1] == {"report_approved": False}


def _failed_logins(ws: Workspace, user_id: str) -> int:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        return int(uow.session.scalar(select(User.failed_login_count).where(User.id == uuid.UUID(user_id))) or 0)


def test_refused_signatures_change_nothing() -> None:
    ws, people = team()
    unapproved = draft(ws, people["senior"])
    before = state(ws, unapproved["id"])
    refused = ws.call("POST", f"reports/{unapproved['id']}/sign", people["partner"], json_body={"password": PASSWORD})
    assert refused.json()["code"] == "report_not_approved"
    assert state(ws, unapproved["id"]) == before

    report = approved(ws, people)
    before = state(ws, report["id"])
    off_team_partner = ws.person("partner2", "partner")
    refusals = [
        (off_team_partner, {"password": PASSWORD}, 403),
        (people["manager"], {"password": PASSWORD}, 403),
        (ws.admin, {"password": PASSWORD}, 403),  # a firm admin off the team
    ]
    for who, body, status in refusals:
        reply = ws.call("POST", f"reports/{report['id']}/sign", who, json_body=body)
        assert reply.status == status, (who.role, reply.body)
        assert state(ws, report["id"]) == before

    failures = _failed_logins(ws, people["partner"].user_id)
    wrong = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={"password": "wrong one"})
    assert wrong.status == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert _failed_logins(ws, people["partner"].user_id) == failures + 1
    assert state(ws, report["id"]) == before
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        failed = uow.session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "auth.login_failed", AuditRecord.target_id == people["partner"].user_id
            )
        ).all()
    assert len(failed) == 1
    missing = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={})
    assert missing.status == 401
    assert _failed_logins(ws, people["partner"].user_id) == failures + 2


def test_the_partners_signature_records_the_digest_in_the_report_the_gate_and_the_audit_log() -> None:
    ws, people = team()
    loaded(ws, ws.admin, "trial_balance", TRIAL_BALANCE)
    report = approved(ws, people)
    draft_pdf = ws.call("GET", f"reports/{report['id']}/pdf", people["partner"]).body

    reply = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={"password": PASSWORD})
    assert reply.status == 200, reply.body
    signed = reply.json()
    assert signed["status"] == "signed"
    assert signed["signed_by"] == people["partner"].user_id
    assert signed["signature_method"] == "local:password"

    pdf = ws.call("GET", f"reports/{report['id']}/pdf", people["senior"]).body
    assert hashlib.sha256(pdf).hexdigest() == signed["sha256"]
    assert pdf == draft_pdf  # the partner is the engagement partner the draft already named
    fields, gates, audited = state(ws, report["id"])
    assert fields["sha256"] == signed["sha256"]
    assert gates == {"report_approved": True, "partner_signed": True}
    assert audited == 1
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        record = uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "report.signed")).all()
    entry = next(r for r in record if r.data["engagement_id"] == ws.engagement_id)
    assert entry.data["sha256"] == signed["sha256"]
    assert entry.actor_id == people["partner"].user_id

    verification = ws.call("GET", f"reports/{report['id']}/verification", people["senior"]).json()
    assert (verification["matches"], verification["immutable"]) == (True, False)
    again = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={"password": PASSWORD})
    assert again.status == 409
    assert ws.call("POST", "reports", people["senior"], json_body={"opinion": "unmodified"}).json()["code"] == (
        "report_signed"
    )


class FakeProvider:
    """An e-signature provider standing in for DocuSign: it signs whatever it is asked and remembers it."""

    name = "fake"

    def __init__(self) -> None:
        self.requests: list[esign.SignatureRequest] = []

    def sign(self, request: esign.SignatureRequest) -> esign.Signature:
        from shared import clock

        self.requests.append(request)
        return esign.Signature(
            provider=self.name,
            method="envelope",
            signed_at=clock.now(),
            signer_id=request.principal.user_id,
            reference=f"envelope-{len(self.requests)}",
        )


def test_a_provider_replaces_the_password_through_the_port() -> None:
    ws, people = team()
    report = approved(ws, people)
    fake = FakeProvider()
    with esign.use(fake):
        reply = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={})
    assert reply.status == 200, reply.body
    assert reply.json()["signature_method"] == "fake:envelope"
    [request] = fake.requests
    assert request.document_sha256 == reply.json()["sha256"] == hashlib.sha256(request.document).hexdigest()
    assert state(ws, report["id"])[0]["signature_reference"] == "envelope-1"


def test_another_firm_reads_no_report_rows_even_by_a_direct_query() -> None:
    ws, people = team()
    draft(ws, people["senior"])
    other = workspace()
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalars(select(Report)).all() == []
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(people["senior"].user_id)) as uow:
        assert len(uow.session.scalars(select(Report)).all()) == 1
    client_user = ws.client_user()
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client_user.user_id)) as uow:
        assert uow.session.scalars(select(Report)).all() == []
    assert ws.call("GET", "reports", client_user).status in (403, 404)


def test_wrong_signing_passwords_run_into_the_same_sign_in_delay() -> None:
    from shared import clock
    from shared.auth.sign_in_failures import ACCOUNT
    from tests.support import request

    ws, people = team()
    report = approved(ws, people)
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        email = uow.session.scalar(select(User.email).where(User.id == uuid.UUID(people["partner"].user_id)))
    with clock.use_clock(clock.FixedClock(clock.now())):
        for _ in range(ACCOUNT.free):
            wrong = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={"password": "guess"})
            assert wrong.status == 401
        # Even the right password now waits, and so does signing in with it.
        waiting = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={"password": PASSWORD})
        assert waiting.status == 429
        assert "Retry-After" in waiting.headers
        assert request("POST", "auth/login", json_body={"email": email, "password": PASSWORD}).status == 429
    assert state(ws, report["id"])[0]["status"] == "approved"


def test_a_draft_taken_while_the_partner_signs_wins_and_nothing_is_signed() -> None:
    ws, people = team()
    report = approved(ws, people)

    class Racing(FakeProvider):
        def sign(self, request: esign.SignatureRequest) -> esign.Signature:
            draft(ws, people["senior"])  # between the first checks and the writes
            return super().sign(request)

    with esign.use(Racing()):
        reply = ws.call("POST", f"reports/{report['id']}/sign", people["partner"], json_body={})
    assert (reply.status, reply.json()["code"]) == (409, "report_not_approved")
    fields, gates, audited = state(ws, report["id"])
    assert (fields["status"], fields["sha256"], audited) == ("superseded", None, 0)
    assert "partner_signed" not in gates
