"""The engagement lifecycle of docs/audit-rules.md section 2: every transition allowed and refused, the finalization
gate, and the lock on every write endpoint of the capability (enumerated from the OpenAPI document)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shared import gates
from shared.db.models_engagement import BinderNode
from shared.db.uow import UnitOfWork
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import deliver, loaded
from tests.support import PASSWORD, request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

STATES = ("draft", "planning", "fieldwork", "review", "finalized")
ALLOWED = {
    ("draft", "planning"),
    ("planning", "fieldwork"),
    ("fieldwork", "review"),
    ("review", "finalized"),
    ("planning", "draft"),
    ("fieldwork", "planning"),
    ("review", "fieldwork"),
}
BACK = {("planning", "draft"), ("fieldwork", "planning"), ("review", "fieldwork")}
REASON = "Client restated the opening balances"


def _at(status: str) -> Workspace:
    ws = workspace()
    if status == "finalized":
        ws.finalize()
    elif status != "draft":
        ws.move_to(status)
    return ws


def _pass_gates(ws: Workspace, *only: str) -> None:
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        for gate in only or gates.REQUIRED_GATES:
            gates.record(uow, engagement_id=uuid.UUID(ws.engagement_id), gate=gate, satisfied=True)
        uow.commit()


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_transitions(source: str, target: str) -> None:
    ws = _at(source)
    if target == "finalized":
        _pass_gates(ws)
    reply = ws.call("POST", "transitions", ws.admin, json_body={"to": target, "reason": REASON})
    assert reply.status == 200, reply.body
    body = reply.json()
    assert (body["from_status"], body["to_status"], body["engagement"]["status"]) == (source, target, target)
    assert body["engagement"]["locked"] is (target == "finalized")
    latest = ws.call("GET", "activity", ws.admin).json()["items"][0]
    assert latest["action"] == "engagement.status_changed"
    assert (latest["data"]["from"], latest["data"]["to"], latest["data"]["reason"]) == (source, target, REASON)
    assert latest["actor_id"] == ws.admin.user_id


REFUSED = sorted((s, t) for s, t in itertools.product(STATES, STATES) if (s, t) not in ALLOWED)


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_refused_transitions_name_the_allowed_targets(source: str, target: str) -> None:
    ws = _at(source)
    reply = ws.call("POST", "transitions", ws.admin, json_body={"to": target, "reason": REASON})
    assert reply.status == 409
    problem = reply.json()
    if source == "finalized":
        assert problem["code"] == "engagement_locked"
    else:
        assert problem["code"] == "invalid_transition"
        assert sorted(problem["allowed"]) == sorted(t for s, t in ALLOWED if s == source)
    assert ws.call("GET", "", ws.admin).json()["status"] == source


def test_an_unknown_state_is_a_validation_error() -> None:
    ws = workspace()
    reply = ws.call("POST", "transitions", ws.admin, json_body={"to": "archived"})
    assert reply.status == 400
    assert reply.json()["errors"][0]["loc"] == ["body", "to"]


@pytest.mark.parametrize(("source", "target"), sorted(BACK))
def test_a_step_back_needs_a_reason(source: str, target: str) -> None:
    ws = _at(source)
    for reason in (None, "", "   short  "):
        reply = ws.call("POST", "transitions", ws.admin, json_body={"to": target, "reason": reason})
        assert reply.status == 400
        assert reply.json()["errors"][0]["loc"] == ["body", "reason"]
    assert ws.call("GET", "", ws.admin).json()["status"] == source


def test_finalizing_is_refused_with_reasons_until_every_gate_passes() -> None:
    ws = _at("review")
    readiness = ws.call("GET", "finalization-readiness", ws.admin).json()
    assert readiness["ready"] is False
    assert len(readiness["reasons"]) == 3

    for passed in (("qc",), ("qc", "report_approved")):
        _pass_gates(ws, *passed)
        reply = ws.call("POST", "transitions", ws.admin, json_body={"to": "finalized"})
        assert (reply.status, reply.json()["code"]) == (409, "not_ready")
        assert len(reply.json()["reasons"]) == 3 - len(passed)

    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        gates.record(
            uow,
            engagement_id=uuid.UUID(ws.engagement_id),
            gate="partner_signed",
            satisfied=False,
            detail="signature withdrawn",
        )
        uow.commit()
    refused = ws.call("POST", "transitions", ws.admin, json_body={"to": "finalized"}).json()
    assert any("signature withdrawn" in reason for reason in refused["reasons"])

    _pass_gates(ws, "partner_signed")
    assert ws.call("GET", "finalization-readiness", ws.admin).json() == {"ready": True, "reasons": []}
    done = ws.call("POST", "transitions", ws.admin, json_body={"to": "finalized"})
    assert done.status == 200
    engagement = ws.call("GET", "", ws.admin).json()
    assert engagement["locked"] is True
    assert engagement["finalized_at"] is not None


def test_only_roles_that_may_finalize_do() -> None:
    ws = _at("review")
    _pass_gates(ws)
    manager = ws.person("manager", "manager", team_role="manager")
    senior = ws.person("senior", "senior", team_role="senior")
    assert ws.call("POST", "transitions", senior, json_body={"to": "finalized"}).status == 403
    assert ws.call("POST", "transitions", manager, json_body={"to": "finalized"}).status == 403
    # A senior may step back; the manager may move forward again.
    back = ws.call("POST", "transitions", senior, json_body={"to": "fieldwork", "reason": REASON})
    assert back.status == 200
    assert ws.call("POST", "transitions", manager, json_body={"to": "review"}).status == 200
    partner = ws.person("partner", "partner", team_role="partner")
    assert ws.call("POST", "transitions", partner, json_body={"to": "finalized"}).status == 200


# --- the lock, on every write endpoint --------------------------------------------------------------

ENGAGEMENT_PREFIX = "/api/engagements/{engagement_id}"
WRITE_METHODS = ("post", "put", "patch", "delete")
# POSTs that compute an answer and store nothing: a finalized file may still be analysed (and asked about:
# asking the assistant writes only its audit record).
COMPUTATIONS = {("POST", ENGAGEMENT_PREFIX + "/benford"), ("POST", ENGAGEMENT_PREFIX + "/assistant/ask")}


def _write_endpoints() -> list[tuple[str, str]]:
    document = request("GET", "openapi.json").json()
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path == ENGAGEMENT_PREFIX or path.startswith(ENGAGEMENT_PREFIX + "/")
        for method in operations
        if method in WRITE_METHODS and (method.upper(), path) not in COMPUTATIONS
    )


_RISK = {
    "area": "Revenue",
    "assertion": "cut_off",
    "description": "Shipments recorded before delivery",
    "inherent_risk": "high",
    "control_risk": "moderate",
}


# A trial balance of two accounts, so the engagement has accounts to map and to adjust.
_TRIAL_BALANCE = b"Account Number,Account Name,Closing Balance\n1000,Cash at bank,500.00\n4000,Sales,-500.00\n"
_ADJUSTMENT = {
    "kind": "proposed",
    "description": "Cut-off: a December sale shipped in January",
    "lines": [
        {"account_number": "4000", "debit": "100.00", "credit": "0"},
        {"account_number": "1000", "debit": "0", "credit": "100.00"},
    ],
}


# A ledger with a sale to a related party days before the period end and a January sale after it: lines for
# the cut-off run, the related party search and the review of the next period's ledger.
_LEDGER = b"""JE Number,Line,Account,Amount,Posting Date,Description
J1,1,4000,-300.00,2026-12-30,Sale to Smith Holdings
J1,2,1000,300.00,2026-12-30,Sale to Smith Holdings
J2,1,4000,-200.00,2027-01-03,January sale
J2,2,1000,200.00,2027-01-03,January sale
"""
_CONFIRMATION = {"kind": "bank", "party_name": "First Bank", "account_number": "1000", "amount_per_books": "500.00"}
_ESTIMATE = {
    "name": "Allowance for doubtful accounts",
    "kind": "allowance_doubtful_accounts",
    "account_number": "1000",
    "counter_account_number": "4000",
    "increases_with": "credit",
    "management_estimate": "50.00",
    "auditor_point": "60.00",
}
_ESTIMATE_REVIEW = {
    "name": "Warranty provision 2025",
    "kind": "warranty",
    "prior_estimate": "100",
    "actual_outcome": "120",
}
_EVENT = {
    "event_date": "2027-02-10",
    "description": "Warehouse fire in February",
    "event_type": "nonrecognized",
    "source": "inquiry",
}


_SAMPLE = {
    "name": "Receivables",
    "method": "random",
    "population": {"source": "items", "items": [{"key": "A", "book_value": "10"}, {"key": "B", "book_value": "20"}]},
    "parameters": {"n": 1},
}


def _client_request(ids: dict[str, str]) -> dict[str, Any]:
    return {"title": "Bank statements", "due_date": "2026-12-31", "assignee": ids["contact_id"], "kind": "document"}


def _sample_request(method: str, path: str, ids: dict[str, str]) -> dict[str, Any] | None:
    """A request that would succeed were the engagement not finalized; None for an unknown endpoint."""
    node = ids["node_id"]
    samples: dict[tuple[str, str], dict[str, Any]] = {
        ("PATCH", ""): {"json_body": {"name": "renamed"}},
        ("POST", "/transitions"): {"json_body": {"to": "review"}},
        ("POST", "/team"): {"json_body": {"user_id": ids["new_user_id"], "role": "staff"}},
        ("PATCH", "/team/{user_id}"): {"json_body": {"role": "manager"}},
        ("DELETE", "/team/{user_id}"): {},
        ("POST", "/binder/nodes"): {
            "json_body": {"parent_id": node, "kind": "workpaper", "title": "New", "content": {}}
        },
        ("PATCH", "/binder/nodes/{node_id}"): {"json_body": {"title": "Renamed"}},
        ("DELETE", "/binder/nodes/{node_id}"): {},
        ("PUT", "/binder/nodes/{node_id}/content"): {"json_body": {"content": {"x": 1}, "version": 1}},
        ("POST", "/binder/nodes/{node_id}/signoffs"): {"json_body": {"step": "prepare", "version": 1}},
        ("DELETE", "/binder/nodes/{node_id}/signoffs/{step}"): {},
        ("POST", "/binder/nodes/{node_id}/evidence"): {"json_body": {"evidence_id": ids["evidence_id"]}},
        ("DELETE", "/binder/nodes/{node_id}/evidence/{evidence_id}"): {},
        ("POST", "/evidence"): {
            "body": b"bank confirmation",
            "headers": {"Content-Type": "text/plain", "X-Filename": "confirmation.txt"},
        },
        ("POST", "/evidence/uploads"): {"json_body": {"filename": "ledger.csv", "content_type": "text/csv"}},
        ("PUT", "/evidence/uploads/{upload_id}/content"): {
            "body": b"account,debit,credit\n",
            "headers": {"Content-Type": "text/csv"},
        },
        ("POST", "/evidence/uploads/{upload_id}/complete"): {},
        ("POST", "/datasets"): {
            "body": b"Account,Balance\n1000,0\n",
            "headers": {"Content-Type": "text/csv"},
            "params": {"kind": "trial_balance"},
        },
        # Nothing is written by a preview, but it is the first step of an upload, which the lock refuses.
        ("POST", "/datasets/preview"): {
            "body": b"Account,Balance\n1000,0\n",
            "headers": {"Content-Type": "text/csv"},
            "params": {"kind": "trial_balance"},
        },
        ("POST", "/datasets/{dataset_id}/accept"): {"json_body": {}},
        ("POST", "/datasets/{dataset_id}/reject"): {"json_body": {"reason": "The June figures, not December's"}},
        ("POST", "/uploads"): {"json_body": {"filename": "gl.csv", "content_type": "text/csv"}},
        ("PUT", "/uploads/{upload_id}/content"): {
            "body": b"Account,Balance\n",
            "headers": {"Content-Type": "text/csv"},
        },
        ("POST", "/uploads/{upload_id}/ingest"): {"params": {"kind": "general_ledger"}},
        ("POST", "/je-tests"): {"json_body": {"tests": ["round_amount"]}},
        ("PUT", "/je-tests/{run_id}/journals/{journal_id}/disposition"): {
            "json_body": {"status": "exception", "note": "No support"}
        },
        ("POST", "/review-notes"): {"json_body": {"node_id": node, "body": "Tie out to the bank statement"}},
        ("PATCH", "/review-notes/{note_id}"): {"json_body": {"body": "Tie out to the bank confirmation"}},
        ("POST", "/review-notes/{note_id}/replies"): {"json_body": {"body": "Done"}},
        ("POST", "/review-notes/{note_id}/transitions"): {"json_body": {"to": "addressed"}},
        ("POST", "/materiality"): {
            "json_body": {"benchmark": "revenue", "amount": "1000000.00", "risk_level": "low", "rationale": "Stable"}
        },
        ("POST", "/risks"): {"json_body": _RISK},
        ("PATCH", "/risks/{risk_id}"): {"json_body": {"inherent_risk": "low"}},
        ("DELETE", "/risks/{risk_id}"): {},
        ("POST", "/samples"): {"json_body": _SAMPLE},
        ("PUT", "/samples/{sample_id}/items"): {"json_body": {"items": [{"line": 1, "audited_value": "10.00"}]}},
        ("PUT", "/samples/{sample_id}/workbook"): {
            "body": b"PK",
            "headers": {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        },
        ("POST", "/samples/{sample_id}/evaluation"): {"json_body": {}},
        ("POST", "/mapping/suggest"): {},
        ("PUT", "/mapping/accounts/{account_number}"): {"json_body": {"standard_code": "1010"}},
        ("POST", "/mapping/confirm"): {"json_body": {"all_suggested": True}},
        ("POST", "/adjustments"): {"json_body": _ADJUSTMENT},
        ("PATCH", "/adjustments/{adjustment_id}"): {"json_body": {"kind": "passed"}},
        ("DELETE", "/adjustments/{adjustment_id}"): {},
        ("POST", "/qc/run"): {},
        ("POST", "/qc/waivers"): {
            "json_body": {"policy": "materiality", "reason": "Set by the group auditor, see memo A-7"}
        },
        ("DELETE", "/qc/waivers/{waiver_id}"): {},
        ("POST", "/program/generate"): {},
        ("PUT", "/program/order"): {"json_body": {"procedure_ids": [ids["procedure_id"]]}},
        ("POST", "/program/procedures"): {"json_body": {"library_code": "CASH-01"}},
        ("PATCH", "/program/procedures/{procedure_id}"): {"json_body": {"status": "in_progress"}},
        ("DELETE", "/program/procedures/{procedure_id}"): {},
        ("POST", "/requests"): {"json_body": _client_request(ids)},
        ("PATCH", "/requests/{request_id}"): {"json_body": {"title": "Bank letters"}},
        ("POST", "/requests/{request_id}/accept"): {},
        ("POST", "/requests/{request_id}/return"): {"json_body": {"reason": "This is last year's statement"}},
        ("POST", "/requests/{request_id}/comments"): {"json_body": {"body": "All six accounts"}},
        ("POST", "/requests/{request_id}/attachments"): {
            "body": b"%PDF-1.4 statement",
            "headers": {"Content-Type": "application/pdf", "X-Filename": "statement.pdf"},
        },
        ("PUT", "/financial-analysis/flux/{key}/explanation"): {"json_body": {"text": "Collections"}},
        ("POST", "/reports"): {"json_body": {"opinion": "unmodified"}},
        ("POST", "/reports/{report_id}/approve"): {},
        ("POST", "/reports/{report_id}/sign"): {"json_body": {"password": PASSWORD}},
        ("POST", "/assistant/index"): {},
        ("POST", "/confirmations"): {"json_body": _CONFIRMATION},
        ("PATCH", "/confirmations/{confirmation_id}"): {"json_body": {"party_name": "Second Bank"}},
        ("POST", "/confirmations/{confirmation_id}/send"): {"json_body": {"sent_date": "2027-01-05"}},
        ("POST", "/confirmations/{confirmation_id}/reply"): {
            "json_body": {"received_date": "2027-01-15", "response_amount": "500.00"}
        },
        ("POST", "/confirmations/{confirmation_id}/close"): {
            "json_body": {"alternative_procedures": "Agreed to the January bank statement"}
        },
        ("POST", "/cutoff/runs"): {"json_body": {"window_days": 5}},
        ("POST", "/cutoff/runs/{run_id}/selection"): {"json_body": {"mode": "flagged"}},
        ("POST", "/estimates"): {"json_body": _ESTIMATE},
        ("PATCH", "/estimates/{estimate_id}"): {"json_body": {"management_estimate": "55.00"}},
        ("DELETE", "/estimates/{estimate_id}"): {},
        ("POST", "/estimates/{estimate_id}/adjustment"): {"json_body": {}},
        ("POST", "/estimates/reviews"): {"json_body": _ESTIMATE_REVIEW},
        ("PATCH", "/estimates/reviews/{review_id}"): {"json_body": {"actual_outcome": "130.00"}},
        ("DELETE", "/estimates/reviews/{review_id}"): {},
        ("POST", "/related-parties"): {"json_body": {"name": "Jane Doe", "relationship": "key_management"}},
        ("POST", "/related-parties/search"): {"json_body": {}},
        ("PATCH", "/related-parties/{party_id}"): {"json_body": {"ownership_percent": "40.00"}},
        ("DELETE", "/related-parties/{party_id}"): {},
        ("PATCH", "/related-parties/{party_id}/transactions/{transaction_id}"): {
            "json_body": {"business_purpose": "Sold at the list price"}
        },
        ("POST", "/related-parties/{party_id}/transactions/{transaction_id}/decision"): {
            "json_body": {"decision": "confirmed"}
        },
        ("POST", "/subsequent-events"): {"json_body": _EVENT},
        ("PATCH", "/subsequent-events/{event_id}"): {"json_body": {"amount": "900000.00"}},
        ("DELETE", "/subsequent-events/{event_id}"): {},
        ("POST", "/subsequent-events/{event_id}/review"): {},
        ("PUT", "/subsequent-events/review-through"): {"json_body": {"reviewed_through": "2027-03-01"}},
        ("PUT", "/subsequent-events/ledger/{row_number}"): {
            "json_body": {"dataset_id": ids["ledger_id"], "decision": "no_event"}
        },
        ("PATCH", "/disclosures/checklist"): {"json_body": {"notes_in_report": True}},
        ("PUT", "/disclosures/checklist/items/{item_code}"): {"json_body": {"answer": "yes"}},
        ("POST", "/disclosures/notes"): {"json_body": {"topic": "subsequent_events"}},
        ("PUT", "/disclosures/notes/{note_id}"): {"json_body": {"body": "No events after the period end."}},
        ("POST", "/disclosures/notes/{note_id}/approve"): {},
    }
    return samples.get((method, path.removeprefix(ENGAGEMENT_PREFIX)))


# Where two capabilities name a path id alike, the child a path under the prefix addresses.
_SAME_NAMES = {
    "/cutoff/": {"run_id": "cutoff_run_id"},
    "/disclosures/notes/": {"note_id": "disclosure_note_id"},
}


def _path_ids(path: str, ids: dict[str, str]) -> dict[str, str]:
    sub = path.removeprefix(ENGAGEMENT_PREFIX)
    for prefix, names in _SAME_NAMES.items():
        if sub.startswith(prefix):
            return ids | {name: ids[key] for name, key in names.items()}
    return ids


def _created(ws: Workspace, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    reply = ws.call("POST", path, ws.admin, json_body=body)
    assert reply.status == status, (path, reply.body)
    return dict(reply.json())


def _fieldwork_children(ws: Workspace, ids: dict[str, str]) -> None:
    """The children of confirmations, cut-off, estimates, related parties, subsequent events and disclosures."""
    loaded(ws, ws.admin, "general_ledger", _LEDGER)
    ids["confirmation_id"] = _created(ws, "confirmations", _CONFIRMATION)["id"]
    ids["cutoff_run_id"] = _created(ws, "cutoff/runs", {})["id"]
    ids["estimate_id"] = _created(ws, "estimates", _ESTIMATE)["id"]
    ids["review_id"] = _created(ws, "estimates/reviews", _ESTIMATE_REVIEW)["id"]
    ids["party_id"] = _created(ws, "related-parties", {"name": "Smith Holdings", "relationship": "owner"})["id"]
    _created(ws, "related-parties/search", {}, status=200)
    found = ws.call("GET", f"related-parties/{ids['party_id']}/transactions", ws.admin).json()["items"]
    assert found, "the ledger's sale to Smith Holdings is found"
    ids["transaction_id"] = found[0]["id"]
    ids["event_id"] = _created(ws, "subsequent-events", _EVENT)["id"]
    review = ws.call("GET", "subsequent-events/ledger", ws.admin, params={"threshold": "1"}).json()
    assert review["lines"], "the ledger has January lines"
    ids["ledger_id"], ids["row_number"] = review["dataset_id"], str(review["lines"][0]["row_number"])
    checklist = ws.call("GET", "disclosures/checklist", ws.admin).json()
    ids["item_code"] = checklist["topics"][0]["items"][0]["code"]
    ids["disclosure_note_id"] = _created(ws, "disclosures/notes", {"topic": "subsequent_events"})["id"]


def _children(ws: Workspace) -> dict[str, str]:
    """One of each child an endpoint can address, created before the engagement is finalized."""
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        folder = uow.session.scalar(
            select(BinderNode.id).where(
                BinderNode.engagement_id == uuid.UUID(ws.engagement_id), BinderNode.index_code == "A"
            )
        )
    ids = {"engagement_id": ws.engagement_id, "user_id": ws.admin.user_id, "step": "prepare", "version": "1"}
    ids |= {"run_id": str(uuid.uuid4()), "journal_id": "J001", "dataset_id": str(uuid.uuid4())}
    ids["new_user_id"] = ws.person("newcomer", "staff").user_id
    created = ws.call(
        "POST",
        "binder/nodes",
        ws.admin,
        json_body={"parent_id": str(folder), "kind": "workpaper", "index_code": "A-100", "title": "Planning memo"},
    )
    ids["node_id"] = created.json()["id"] if created.status == 201 else str(folder)
    evidence = ws.call(
        "POST",
        "evidence",
        ws.admin,
        body=b"%PDF-1.4 minutes",
        headers={"Content-Type": "application/pdf", "X-Filename": "m.pdf"},
    )
    ids["evidence_id"] = evidence.json()["id"] if evidence.status == 201 else str(uuid.uuid4())
    upload = ws.call("POST", "evidence/uploads", ws.admin, json_body={"filename": "gl.csv", "content_type": "text/csv"})
    ids["upload_id"] = upload.json()["upload_id"] if upload.status == 201 else str(uuid.uuid4())
    note = ws.call("POST", "review-notes", ws.admin, json_body={"node_id": ids["node_id"], "body": "Please expand"})
    ids["note_id"] = note.json()["id"] if note.status == 201 else str(uuid.uuid4())
    risk = ws.call("POST", "risks", ws.admin, json_body=_RISK)
    ids["risk_id"] = risk.json()["id"] if risk.status == 201 else str(uuid.uuid4())
    procedure = ws.call("POST", "program/procedures", ws.admin, json_body={"library_code": "CASH-02"})
    ids["procedure_id"] = procedure.json()["id"] if procedure.status == 201 else str(uuid.uuid4())
    sample = ws.call("POST", "samples", ws.admin, json_body=_SAMPLE)
    ids["sample_id"] = sample.json()["id"] if sample.status == 201 else str(uuid.uuid4())
    loaded(ws, ws.admin, "trial_balance", _TRIAL_BALANCE)
    suggest = ws.call("POST", "mapping/suggest", ws.admin)
    assert suggest.status == 202, suggest.body
    deliver(suggest.json()["job_id"])
    ids["account_number"] = "1000"
    ids["key"] = "account:1000"
    adjustment = ws.call("POST", "adjustments", ws.admin, json_body=_ADJUSTMENT)
    assert adjustment.status == 201, adjustment.body
    ids["adjustment_id"] = adjustment.json()["id"]
    waiver = ws.call(
        "POST",
        "qc/waivers",
        ws.admin,
        json_body={"policy": "subsequent_events", "reason": "Covered by the group audit"},
    )
    assert waiver.status == 201, waiver.body
    ids["waiver_id"] = waiver.json()["id"]
    ids["contact_id"] = ws.client_user().user_id
    client_request = ws.call("POST", "requests", ws.admin, json_body=_client_request(ids))
    assert client_request.status == 201, client_request.body
    ids["request_id"] = client_request.json()["id"]
    report = ws.call("POST", "reports", ws.admin, json_body={"opinion": "unmodified"})
    assert report.status == 201, report.body
    ids["report_id"] = report.json()["id"]
    _fieldwork_children(ws, ids)
    return ids


def test_every_write_endpoint_answers_engagement_locked_on_a_finalized_engagement() -> None:
    endpoints = _write_endpoints()
    assert ("POST", ENGAGEMENT_PREFIX + "/transitions") in endpoints
    ws = workspace()
    ids = _children(ws)
    ws.finalize()

    unknown, unlocked = [], []
    for method, path in endpoints:
        sample = _sample_request(method, path, ids)
        if sample is None:
            unknown.append(f"{method} {path}")
            continue
        concrete = path.removeprefix("/api/").format(**_path_ids(path, ids))
        reply = request(method, concrete, token=ws.admin.token, **sample)
        if reply.status != 409 or reply.json().get("code") != "engagement_locked":
            unlocked.append(f"{method} {path} -> {reply.status} {reply.body[:200]!r}")
    assert unknown == [], f"write endpoints without a sample request in this test: {unknown}"
    computed = request("POST", f"engagements/{ws.engagement_id}/benford", token=ws.admin.token, json_body={})
    assert computed.json().get("code") != "engagement_locked"
    assert unlocked == [], "writes that a finalized engagement did not refuse:\n" + "\n".join(unlocked)
    assert ws.call("GET", "", ws.admin).json()["name"] == "FY2026 audit"


def test_the_database_refuses_writes_under_a_finalized_engagement_even_without_the_code() -> None:
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    from shared.db.models_engagement import Engagement

    ws = workspace()
    ws.finalize()
    engagement_id = uuid.UUID(ws.engagement_id)
    statements = [
        update(BinderNode).where(BinderNode.engagement_id == engagement_id).values(title="changed"),
        update(Engagement).where(Engagement.id == engagement_id).values(status="review"),
    ]
    for statement in statements:
        with UnitOfWork(firm_id=ws.firm_id, system=True) as uow, pytest.raises(DBAPIError) as error:
            uow.session.execute(statement)
        assert error.value.orig is not None
        assert getattr(error.value.orig, "sqlstate", None) == "AU001"
