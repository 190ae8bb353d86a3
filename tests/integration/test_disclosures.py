"""Disclosures through HTTP on a real PostgreSQL: the checklist turned on by a mapped trial balance and the
registers, answers with evidence, notes drafted, refused when a figure or citation has no source, approved,
printed in the report's PDF, locked with the engagement, and never shown to client users."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.db.models import AuditRecord
from shared.db.models_disclosures import DisclosureAnswer, DisclosureNote
from shared.db.models_events import SubsequentEvent
from shared.db.models_parties import RelatedParty, RelatedPartyTransaction
from shared.db.uow import UnitOfWork
from shared.trial_balances import current_trial_balance
from tests.engagement_support import Workspace, new_client, new_engagement, workspace
from tests.ingestion_support import deliver, loaded
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

# Debit positive. The lease liability 21700 and the right-of-use asset turn the lease items on, the bank loan
# the debt items, the tax expense the tax items.
TB = b"""Account Number,Account Name,Closing Balance
10100,Operating account,150000.00
11000,Trade receivables,20000.00
15900,Right-of-use asset,110000.00
20000,Trade payables,-30000.00
21700,Lease liability,-118000.40
22000,Bank loan,-60000.00
30000,Share capital,-10000.00
30300,Retained earnings,-11999.60
40000,Sales,-400000.00
50000,Cost of sales,250000.00
60000,Salaries,90000.00
80100,Interest on bank loan,4000.00
90000,Income tax expense,6000.00
"""
MAPPING = {
    "10100": "1010",
    "11000": "1100",
    "15900": "1590",
    "20000": "2000",
    "21700": "2550",
    "22000": "2500",
    "30000": "3000",
    "30300": "3030",
    "40000": "4000",
    "50000": "5000",
    "60000": "6000",
    "80100": "8010",
    "90000": "9000",
}
LEASE_SOURCE = "source:asc-842#disclosure-maturity"


def prepared() -> Workspace:
    """An engagement with the trial balance above loaded and every account mapped and confirmed."""
    ws = workspace()
    loaded(ws, ws.admin, "trial_balance", TB)
    suggested = ws.call("POST", "mapping/suggest", ws.admin)
    assert suggested.status == 202, suggested.body
    deliver(suggested.json()["job_id"])
    for account, code in MAPPING.items():
        reply = ws.call("PUT", f"mapping/accounts/{account}", ws.admin, json_body={"standard_code": code})
        assert reply.status == 200, reply.body
    return ws


def items(ws: Workspace) -> dict[str, dict[str, Any]]:
    reply = ws.call("GET", "disclosures/checklist", ws.admin)
    assert reply.status == 200, reply.body
    return {item["code"]: item for topic in reply.json()["topics"] for item in topic["items"]}


def add_registers(ws: Workspace) -> tuple[uuid.UUID, uuid.UUID]:
    """A related party with one confirmed and one dismissed transaction, and a nonrecognized event."""
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        current = current_trial_balance(uow, engagement_id=uuid.UUID(ws.engagement_id))
        assert current is not None
        party = RelatedParty(
            firm_id=ws.firm_id,
            engagement_id=uuid.UUID(ws.engagement_id),
            name="Founder Holdings LLC",
            relationship="owner",
            created_by=uuid.UUID(ws.admin.user_id),
        )
        uow.session.add(party)
        uow.session.flush()
        for row_number, (amount, status) in enumerate(
            ((Decimal("-12500.00"), "confirmed"), (Decimal("999"), "dismissed"))
        ):
            uow.session.add(
                RelatedPartyTransaction(
                    firm_id=ws.firm_id,
                    engagement_id=uuid.UUID(ws.engagement_id),
                    party_id=party.id,
                    dataset_id=current.id,
                    row_number=row_number,
                    journal_id=f"J{row_number}",
                    line_number=1,
                    account_number="60000",
                    amount=amount,
                    effective_date=date(2026, 6, 30),
                    matched_by="name",
                    round_amount=False,
                    near_period_end=False,
                    status=status,
                )
            )
        event = SubsequentEvent(
            firm_id=ws.firm_id,
            engagement_id=uuid.UUID(ws.engagement_id),
            event_date=date(2027, 2, 3),
            description="The Company agreed to sell its warehouse",
            event_type="nonrecognized",
            amount=Decimal("750000.00"),
            source="minutes",
        )
        uow.session.add(event)
        uow.session.flush()
        ids = (party.id, event.id)
        uow.commit()
    return ids


def note(ws: Workspace, topic: str) -> dict[str, Any]:
    reply = ws.call("POST", "disclosures/notes", ws.admin, json_body={"topic": topic})
    assert reply.status == 201, reply.body
    return dict(reply.json())


def actions(ws: Workspace) -> list[str]:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        return list(
            uow.session.scalars(
                select(AuditRecord.action)
                .where(
                    AuditRecord.action.like("disclosure.%"),
                    AuditRecord.data["engagement_id"].astext == ws.engagement_id,
                )
                .order_by(AuditRecord.chain_seq)
            )
        )


def test_the_checklist_turns_items_on_from_the_mapped_trial_balance_and_the_registers() -> None:
    ws = prepared()
    found = items(ws)
    assert found["leases.maturity"]["on"] is True
    assert found["leases.maturity"]["citation"] == "ASC 842-20-50-6"
    assert found["leases.maturity"]["reasons"] == [
        "turned on by account 15900 Right-of-use asset",
        "turned on by account 21700 Lease liability",
    ]
    assert found["debt.maturities"]["reasons"] == ["turned on by account 22000 Bank loan"]
    assert "turned on by account 90000 Income tax expense" in found["taxes.components"]["reasons"]
    assert found["related.transactions"]["on"] is False
    assert found["events.nonrecognized"]["on"] is False
    assert found["going_concern.conditions"]["on"] is False  # working capital and equity positive, a profit
    assert "debt.liens" not in found  # a private company's checklist
    party_id, _ = add_registers(ws)
    found = items(ws)
    assert found["related.transactions"]["reasons"] == ["turned on by related party Founder Holdings LLC"]
    assert found["events.nonrecognized"]["reasons"] == [
        "turned on by the nonrecognized subsequent event: The Company agreed to sell its warehouse"
    ]
    assert ws.call("PATCH", "disclosures/checklist", ws.admin, json_body={}).status == 400
    reply = ws.call("PATCH", "disclosures/checklist", ws.admin, json_body={"framework": "sec_issuer"})
    assert reply.status == 200, reply.body
    assert (reply.json()["framework"], reply.json()["framework_chosen"]) == ("sec_issuer", True)
    issuer = {item["code"]: item for topic in reply.json()["topics"] for item in topic["items"]}
    assert issuer["debt.liens"]["citation"] == "Regulation S-X 4-08(b)" and issuer["debt.liens"]["on"] is True
    assert "events.evaluation_date" not in issuer
    assert actions(ws) == ["disclosure.settings_changed"]


def test_an_item_is_answered_with_its_reason_and_evidence_by_whom_and_when() -> None:
    ws = prepared()
    staff = ws.person("staff", "staff", team_role="staff")
    refused = ws.call(
        "PUT", "disclosures/checklist/items/leases.maturity", staff, json_body={"answer": "not_applicable"}
    )
    assert refused.status == 400 and "reason" in refused.body.decode()
    missing = ws.call(
        "PUT",
        "disclosures/checklist/items/leases.maturity",
        staff,
        json_body={"answer": "yes", "evidence": [{"kind": "node", "id": str(uuid.uuid4())}]},
    )
    assert missing.status == 400
    assert missing.json()["errors"][0]["loc"] == ["body", "evidence", "0", "id"]
    folder = ws.call("GET", "binder", ws.admin).json()["nodes"][0]["id"]
    body = {"parent_id": folder, "kind": "workpaper", "title": "Lease schedule"}
    node = ws.call("POST", "binder/nodes", ws.admin, json_body=body)
    assert node.status == 201, node.body
    reply = ws.call(
        "PUT",
        "disclosures/checklist/items/leases.maturity",
        staff,
        json_body={"answer": "yes", "evidence": [{"kind": "node", "id": node.json()["id"]}]},
    )
    assert reply.status == 200, reply.body
    assert reply.json()["answer"] == "yes" and reply.json()["answered_by"] == staff.user_id
    na = ws.call(
        "PUT",
        "disclosures/checklist/items/fair_value.hierarchy",
        staff,
        json_body={"answer": "not_applicable", "reason": "Nothing is measured at fair value"},
    )
    assert na.status == 200, na.body
    assert ws.call("PUT", "disclosures/checklist/items/no.such", staff, json_body={"answer": "yes"}).status == 404
    found = items(ws)
    assert found["leases.maturity"]["answer"]["evidence"] == [{"kind": "node", "id": node.json()["id"]}]
    assert found["fair_value.hierarchy"]["answer"]["reason"] == "Nothing is measured at fair value"
    assert actions(ws) == ["disclosure.item_answered", "disclosure.item_answered"]


def test_a_drafted_note_binds_every_figure_and_the_checker_refuses_a_planted_one() -> None:
    ws = prepared()
    drafted = note(ws, "leases")
    assert "{{tb:21700}}" in drafted["body"] and f"[[{LEASE_SOURCE}]]" in drafted["body"]
    assert drafted["values"]["tb:21700"] == "118,000.40"
    assert "Lease liability: 118,000.40." in drafted["rendered"]
    assert "[[" not in drafted["rendered"] and "{{" not in drafted["rendered"]
    assert drafted["problems"] == [] and drafted["drafted_with"] == "offline"
    cited = {c["key"]: c for c in drafted["citations"]}
    assert cited[LEASE_SOURCE]["kind"] == "source" and "maturity" in cited[LEASE_SOURCE]["text"].lower()
    # Every number of the rendered note comes from a reference, or is the period end's date.
    numbers = re.findall(r"\d[\d,]*\.\d{2}", drafted["rendered"])
    assert numbers and set(numbers) <= set(drafted["values"].values())

    url = f"disclosures/notes/{drafted['id']}"
    planted = ws.call("PUT", url, ws.admin, json_body={"body": "Lease liabilities were 118,400.40 at year end."})
    assert planted.status == 422
    assert planted.json()["problems"][0]["text"] == "118,400.40"
    right_but_literal = ws.call("PUT", url, ws.admin, json_body={"body": "Lease liabilities were 118,000.40."})
    assert right_but_literal.status == 422 and "{{tb:21700}}" in right_but_literal.json()["detail"]
    fabricated = f"[[chunk:{uuid.uuid4()}]]"
    cited_badly = ws.call("PUT", url, ws.admin, json_body={"body": f"Leases are described here {fabricated}."})
    assert cited_badly.status == 422 and cited_badly.json()["problems"][0]["text"] == fabricated
    unknown = ws.call("PUT", url, ws.admin, json_body={"body": "Leases were {{tb:99999}}."})
    assert unknown.status == 422 and unknown.json()["problems"][0]["kind"] == "unknown_reference"
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        row = uow.session.get(DisclosureNote, uuid.UUID(drafted["id"]))
        assert row is not None and row.body == drafted["body"], "a refused edit changes nothing"
    edited = ws.call(
        "PUT",
        url,
        ws.admin,
        json_body={"body": f"At December 31, 2026 the lease liability was {{{{tb:21700}}}} [[{LEASE_SOURCE}]]."},
    )
    assert edited.status == 200, edited.body
    assert edited.json()["rendered"] == "At December 31, 2026 the lease liability was 118,000.40."


def test_approval_needs_review_and_the_report_prints_the_approved_notes() -> None:
    from pypdf import PdfReader

    ws = prepared()
    party_id, event_id = add_registers(ws)
    related = note(ws, "related_parties")
    assert f"{{{{rp:{party_id}:total}}}}" in related["body"]
    assert "transactions during the year of 12,500.00" in related["rendered"]  # the dismissed one left out
    events = note(ws, "subsequent_events")
    assert "Its estimated financial effect is 750,000.00." in events["rendered"]
    leases = note(ws, "leases")
    staff = ws.person("staff", "staff", team_role="staff")
    assert ws.call("POST", f"disclosures/notes/{leases['id']}/approve", staff).status == 403
    approved = ws.call("POST", f"disclosures/notes/{leases['id']}/approve", ws.admin)
    assert approved.status == 200, approved.body
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"] == ws.admin.user_id
    assert ws.call("POST", f"disclosures/notes/{related['id']}/approve", ws.admin).status == 200

    report = ws.call("POST", "reports", ws.admin, json_body={"opinion": "unmodified"})
    assert report.status == 201, report.body

    def pdf_text() -> str:
        reply = ws.call("GET", f"reports/{report.json()['id']}/pdf", ws.admin)
        assert reply.status == 200
        return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(reply.body)).pages))

    assert "Notes to the Financial Statements" not in pdf_text()  # not asked for yet
    assert ws.call("PATCH", "disclosures/checklist", ws.admin, json_body={"notes_in_report": True}).status == 200
    text = pdf_text()
    assert "Notes to the Financial Statements" in text
    assert "1. Leases" in text and "Lease liability: 118,000.40." in text
    assert "2. Related-party transactions" in text and "12,500.00" in text
    assert "Subsequent events" not in text.split("Notes to the Financial Statements")[1]  # drafted, not approved
    report_id = report.json()["id"]
    assert ws.call("POST", f"reports/{report_id}/approve", ws.admin).status == 200
    assert ws.call("GET", f"reports/{report_id}", ws.admin).json()["stale"]["stale"] is False
    assert ws.call("POST", f"disclosures/notes/{events['id']}/approve", ws.admin).status == 200
    stale = ws.call("GET", f"reports/{report_id}", ws.admin).json()["stale"]
    assert stale["stale"] is True and "a disclosure note was approved" in stale["reason"]
    assert actions(ws) == [
        "disclosure.note_drafted",
        "disclosure.note_drafted",
        "disclosure.note_drafted",
        "disclosure.note_approved",
        "disclosure.note_approved",
        "disclosure.settings_changed",
        "disclosure.note_approved",
    ]


def test_an_approved_note_says_when_the_data_moved_and_an_edit_withdraws_the_approval() -> None:
    ws = prepared()
    drafted = note(ws, "debt")
    assert "Bank loan: 60,000.00" in drafted["rendered"]
    assert ws.call("POST", f"disclosures/notes/{drafted['id']}/approve", ws.admin).status == 200
    listed = ws.call("GET", "disclosures/notes", ws.admin).json()["items"][0]
    assert (listed["status"], listed["changed_since_approval"]) == ("approved", False)
    borrowed_more = TB.replace(b"22000,Bank loan,-60000.00", b"22000,Bank loan,-65000.00").replace(
        b"10100,Operating account,150000.00", b"10100,Operating account,155000.00"
    )
    loaded(ws, ws.admin, "trial_balance", borrowed_more)
    moved = ws.call("GET", "disclosures/notes", ws.admin).json()["items"][0]
    assert moved["changed_since_approval"] is True
    assert "Bank loan: 60,000.00" in moved["rendered"], "the approved text stands until approved again"
    assert moved["values"]["tb:22000"] == "65,000.00"
    again = ws.call("POST", f"disclosures/notes/{drafted['id']}/approve", ws.admin).json()
    assert again["changed_since_approval"] is False and "Bank loan: 65,000.00" in again["rendered"]
    edited = ws.call(
        "PUT", f"disclosures/notes/{drafted['id']}", ws.admin, json_body={"body": "The bank loan is {{tb:22000}}."}
    )
    assert edited.status == 200 and edited.json()["status"] == "draft" and edited.json()["approved_by"] is None
    assert edited.json()["rendered"] == "The bank loan is 65,000.00."
    ws.finalize()
    assert ws.call("POST", "disclosures/notes", ws.admin, json_body={"topic": "debt"}).status == 409
    assert ws.call("POST", f"disclosures/notes/{drafted['id']}/approve", ws.admin).status == 409
    locked = ws.call("PUT", "disclosures/checklist/items/debt.maturities", ws.admin, json_body={"answer": "yes"})
    assert locked.status == 409
    assert ws.call("GET", "disclosures/notes", ws.admin).status == 200


def test_client_users_never_see_the_checklist_or_the_notes() -> None:
    ws = prepared()
    note(ws, "leases")
    assert (
        ws.call("PUT", "disclosures/checklist/items/leases.maturity", ws.admin, json_body={"answer": "yes"}).status
        == 200
    )
    client = ws.client_user()
    assert ws.call("GET", "disclosures/checklist", client).status == 404
    assert ws.call("GET", "disclosures/notes", client).status == 404
    assert ws.call("POST", "disclosures/notes", client, json_body={"topic": "leases"}).status == 404
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(DisclosureNote)) == 0
        assert uow.session.scalar(select(func.count()).select_from(DisclosureAnswer)) == 0
    other = workspace()
    path = f"engagements/{ws.engagement_id}/disclosures/checklist"
    assert request("GET", path, token=other.admin.token).status == 404
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(DisclosureNote)) == 0
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(DisclosureNote)) == 1


@pytest.mark.slow  # indexes two engagements with the bundled embedding model
def test_a_note_may_cite_its_own_engagement_s_chunks_and_not_another_s() -> None:
    from shared.db.models_assistant import AssistantChunk

    ws, other = prepared(), prepared()
    for each in (ws, other):
        assert each.call("POST", "assistant/index", each.admin).status in (200, 202)

    def a_chunk(of: Workspace) -> uuid.UUID:
        with UnitOfWork(firm_id=of.firm_id, user_id=uuid.UUID(of.admin.user_id)) as uow:
            chunk = uow.session.scalar(
                select(AssistantChunk.id).where(AssistantChunk.engagement_id == uuid.UUID(of.engagement_id)).limit(1)
            )
            assert chunk is not None
            return chunk

    own, foreign = a_chunk(ws), a_chunk(other)
    drafted = note(ws, "leases")
    url = f"disclosures/notes/{drafted['id']}"
    cited = ws.call(
        "PUT", url, ws.admin, json_body={"body": f"The lease liability is {{{{tb:21700}}}} [[chunk:{own}]]."}
    )
    assert cited.status == 200, cited.body
    assert [c["key"] for c in cited.json()["citations"]] == [f"chunk:{own}"]
    assert cited.json()["citations"][0]["text"]
    refused = ws.call(
        "PUT", url, ws.admin, json_body={"body": f"The lease liability is {{{{tb:21700}}}} [[chunk:{foreign}]]."}
    )
    assert refused.status == 422 and refused.json()["problems"][0]["text"] == f"[[chunk:{foreign}]]"


def test_an_issuer_client_gets_the_sec_checklist_and_without_data_only_what_every_engagement_needs() -> None:
    ws = workspace()
    issuer = new_engagement(ws.admin.token, new_client(ws.admin.token, entity_type="issuer"))
    reply = request("GET", f"engagements/{issuer['id']}/disclosures/checklist", token=ws.admin.token)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert (body["framework"], body["framework_chosen"], body["trial_balance"]) == ("sec_issuer", False, False)
    on = [item["code"] for topic in body["topics"] for item in topic["items"] if item["on"]]
    assert on == ["policies.summary", "policies.estimates"]
