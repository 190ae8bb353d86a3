"""Asking the engagement through HTTP and retrieval under row-level security: answers cite the file's own
documents; a client user's questions never reach a working paper (HTTP and RLS); another firm sees
nothing; a flagged journal is explained from its test evidence; every question is audit-logged."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from shared import retrieval
from shared.db.models import AuditRecord
from shared.db.models_assistant import AssistantChunk
from shared.db.uow import UnitOfWork
from tests.analytics_support import load_general_ledger, run_one
from tests.engagement_support import Person, Workspace, workspace
from tests.ingestion_support import loaded
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

FIRM_ONLY = {"workpaper", "review_note", "trial_balance", "journal_test"}
BANK_PROCEDURE = (
    "We confirmed the Northwind Bank operating account directly with the bank. "
    "The confirmed balance of 48,250.00 agrees to the general ledger without difference."
)
LEASE_TEXT = "Warehouse lease agreement for 12 Harbour Road. The monthly rent is 9,400.00 for a term of five years."
INSURANCE_TEXT = "Insurance certificate: the Elm Street plant is insured against fire for 2,000,000.00 until June."
TB = b"""Account Number,Account Name,Closing Balance
1000,Cash at bank,48250.00
2500,Bank loan,-30000.00
3000,Share capital,-18250.00
"""
GL = [
    {"Journal ID": "JE-100", "Line": 1, "Account": "1000", "Amount": "5000.00", "Effective Date": "2026-03-02",
     "Entered By": "ann", "Description": "Customer receipt"},
    {"Journal ID": "JE-100", "Line": 2, "Account": "3000", "Amount": "-5000.00", "Effective Date": "2026-03-02",
     "Entered By": "ann", "Description": "Customer receipt"},
    {"Journal ID": "JE-200", "Line": 1, "Account": "1000", "Amount": "1234.56", "Effective Date": "2026-04-02",
     "Entered By": "ann", "Description": "Sundry"},
    {"Journal ID": "JE-200", "Line": 2, "Account": "3000", "Amount": "-1234.56", "Effective Date": "2026-04-02",
     "Entered By": "ann", "Description": "Sundry"},
]  # fmt: skip


def pdf(*lines: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for i, line in enumerate(lines):
        page.drawString(60, 780 - 18 * i, line)
    page.save()
    return out.getvalue()


@dataclass
class File:
    ws: Workspace
    client: Person
    request_id: str


def _build_file() -> File:
    ws = load_general_ledger(GL)
    run_one(ws, "round_amount")
    loaded(ws, ws.admin, "trial_balance", TB)
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    node = ws.call(
        "POST",
        "binder/nodes",
        ws.admin,
        json_body={
            "parent_id": nodes[3]["id"],
            "kind": "workpaper",
            "index_code": "C-100",
            "title": "Bank confirmation",
            "content": {"procedures": BANK_PROCEDURE, "conclusion": "Cash is fairly stated."},
        },
    )
    assert node.status == 201, node.body
    note = ws.call(
        "POST",
        "review-notes",
        ws.admin,
        json_body={"node_id": node.json()["id"], "body": "Tie the confirmed balance to the lead schedule for cash."},
    )
    assert note.status == 201, note.body
    evidence = ws.call(
        "POST",
        "evidence",
        ws.admin,
        body=pdf(*LEASE_TEXT.split(". ")),
        headers={"Content-Type": "application/pdf", "X-Filename": "lease.pdf"},
    )
    assert evidence.status == 201, evidence.body
    client = ws.client_user()
    request = ws.call(
        "POST",
        "requests",
        ws.admin,
        json_body={
            "title": "Insurance certificates",
            "description": "The certificates of insurance for every plant at year end",
            "due_date": "2027-01-31",
            "assignee": client.user_id,
            "kind": "document",
        },
    )
    assert request.status == 201, request.body
    sent = ws.call(
        "POST",
        f"requests/{request.json()['id']}/attachments",
        client,
        body=pdf(INSURANCE_TEXT),
        headers={"Content-Type": "application/pdf", "X-Filename": "insurance.pdf"},
    )
    assert sent.status == 201, sent.body
    return File(ws, client, request.json()["id"])


@pytest.fixture(scope="module")
def file(database: str) -> File:
    return _build_file()


def ask(ws: Workspace, who: Person, question: str) -> dict[str, Any]:
    reply = ws.call("POST", "assistant/ask", who, json_body={"question": question})
    assert reply.status == 200, reply.body
    return dict(reply.json())


def _uow(ws: Workspace, who: Person) -> UnitOfWork:
    return UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(who.user_id))


# --- answers ------------------------------------------------------------------------------------------


def test_a_firm_user_gets_an_answer_citing_the_workpaper_it_comes_from(file: File) -> None:
    answer = ask(file.ws, file.ws.admin, "What balance did Northwind Bank confirm?")

    assert answer["provider"] == "offline"
    assert "48,250.00" in answer["answer"]
    cited = {(c["kind"], c["document"]) for c in answer["citations"]}
    assert ("workpaper", "C-100 Bank confirmation") in cited
    for citation in answer["citations"]:
        assert f"[{citation['number']}]" in answer["answer"]
        assert citation["text"]


def test_evidence_text_is_cited_by_its_page(file: File) -> None:
    answer = ask(file.ws, file.ws.admin, "What is the monthly rent of the Harbour Road warehouse lease?")

    assert "9,400.00" in answer["answer"]
    lease = [c for c in answer["citations"] if c["document"] == "lease.pdf"]
    assert lease and lease[0]["kind"] == "evidence" and lease[0]["locator"] == "page 1"


def test_the_mapped_trial_balance_answers_a_balance_question(file: File) -> None:
    answer = ask(file.ws, file.ws.admin, "What is the final balance of account 2500 Bank loan?")

    assert "-30,000.00" in answer["answer"]
    assert any(c["kind"] == "trial_balance" and c["locator"] == "account 2500" for c in answer["citations"])


def test_explain_a_flagged_journal_from_its_test_evidence(file: File) -> None:
    answer = ask(file.ws, file.ws.admin, "Explain journal JE-100")

    journal = [c for c in answer["citations"] if c["kind"] == "journal_test"]
    assert journal and journal[0]["locator"] == "journal JE-100"
    assert "round amount" in answer["answer"] and "JE-100" in answer["answer"]
    assert "not triaged" in journal[0]["text"]


def test_status_names_the_provider_and_what_was_indexed(file: File) -> None:
    ask(file.ws, file.ws.admin, "Which bank was confirmed?")
    status = file.ws.call("GET", "assistant/status", file.ws.admin).json()

    assert status["provider"] == "offline"
    assert status["indexed_at"] is not None and status["stale"] is False
    with _uow(file.ws, file.ws.admin) as uow:
        kinds = set(uow.session.scalars(select(AssistantChunk.kind).where(
            AssistantChunk.engagement_id == uuid.UUID(file.ws.engagement_id))))  # fmt: skip
        total = len(list(uow.session.scalars(select(AssistantChunk.id).where(
            AssistantChunk.engagement_id == uuid.UUID(file.ws.engagement_id)))))  # fmt: skip
    assert kinds == {"workpaper", "review_note", "evidence", "trial_balance", "journal_test"}
    assert status["chunk_count"] == total


def test_every_question_and_answer_is_audit_logged(file: File) -> None:
    question = f"Who confirmed the bank balance? ({uuid.uuid4().hex[:6]})"
    answer = ask(file.ws, file.client, question)

    with UnitOfWork(firm_id=file.ws.firm_id, system=True) as uow:
        records = list(uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "assistant.asked")))
    logged = [r for r in records if r.data["question"] == question]
    assert len(logged) == 1
    record = logged[0]
    assert record.actor_id == file.client.user_id
    assert record.data["engagement_id"] == file.ws.engagement_id
    assert record.data["answer"] == answer["answer"]
    assert record.data["citations"] == [c["chunk_id"] for c in answer["citations"]]
    assert record.data["provider"] == "offline"


# --- who sees what ------------------------------------------------------------------------------------


def test_a_client_user_never_gets_firm_only_text_over_http(file: File) -> None:
    ask(file.ws, file.ws.admin, "index first")  # a firm user's question builds the index
    for question in (
        "What balance did Northwind Bank confirm?",
        "Tie the confirmed balance to the lead schedule for cash",
        "Explain journal JE-100",
        "What is the final balance of account 2500 Bank loan?",
        "What is the monthly rent of the Harbour Road warehouse lease?",
    ):
        answer = ask(file.ws, file.client, question)
        assert not {c["kind"] for c in answer["citations"]} & FIRM_ONLY, question
        assert all(c["document"] != "lease.pdf" for c in answer["citations"]), question
        for secret in ("48,250.00", "Northwind", "JE-100 was flagged", "30,000.00", "9,400.00"):
            assert secret not in answer["answer"], (question, secret)

    insured = ask(file.ws, file.client, "For how much is the Elm Street plant insured?")
    assert "2,000,000.00" in insured["answer"]
    assert any(c["document"].startswith("insurance.pdf") and c["kind"] == "evidence" for c in insured["citations"])


def test_a_client_user_s_status_counts_only_what_they_may_see(file: File) -> None:
    ask(file.ws, file.ws.admin, "index first")
    firm = file.ws.call("GET", "assistant/status", file.ws.admin).json()
    client = file.ws.call("GET", "assistant/status", file.client).json()

    assert client["stale"] is None
    assert 0 < client["chunk_count"] < firm["chunk_count"]


def test_row_level_security_shows_a_client_user_only_client_visible_chunks(file: File) -> None:
    ask(file.ws, file.ws.admin, "index first")
    engagement_id = uuid.UUID(file.ws.engagement_id)
    with _uow(file.ws, file.client) as uow:
        rows = uow.session.execute(
            select(AssistantChunk.kind, AssistantChunk.client_visible).where(
                AssistantChunk.engagement_id == engagement_id
            )
        ).all()
        hits = retrieval.search(uow, engagement_id, "Northwind Bank confirmed balance 48,250.00", k=200)
        by_id = retrieval.chunks_by_id(uow, engagement_id, _firm_only_ids(file))
        journal = retrieval.chunks_by_reference(uow, engagement_id, "journal:JE-100")
    assert rows and all(visible for _, visible in rows)
    assert {kind for kind, _ in rows} == {"evidence"}
    assert hits and not {hit.kind for hit in hits} & FIRM_ONLY
    assert by_id == {} and journal == []


def _firm_only_ids(file: File) -> list[uuid.UUID]:
    with _uow(file.ws, file.ws.admin) as uow:
        ids = list(
            uow.session.scalars(
                select(AssistantChunk.id).where(
                    AssistantChunk.engagement_id == uuid.UUID(file.ws.engagement_id), ~AssistantChunk.client_visible
                )
            )
        )
    assert ids
    return ids


def test_another_firm_sees_none_of_the_engagement_s_chunks(file: File) -> None:
    ask(file.ws, file.ws.admin, "index first")
    other = workspace()
    engagement_id = uuid.UUID(file.ws.engagement_id)

    url = f"engagements/{file.ws.engagement_id}/assistant"
    asked = request("POST", url + "/ask", token=other.admin.token, json_body={"question": "Northwind Bank?"})
    assert asked.status == 404
    assert request("GET", url + "/status", token=other.admin.token).status == 404
    assert request("POST", url + "/index", token=other.admin.token).status == 404
    with _uow(other, other.admin) as uow:
        rows = uow.session.scalars(select(AssistantChunk.id).where(AssistantChunk.engagement_id == engagement_id))
        hits = retrieval.search(uow, engagement_id, "Northwind Bank confirmed balance", k=50)
        by_id = retrieval.chunks_by_id(uow, engagement_id, _firm_only_ids(file))
        assert list(rows) == []
    assert {hit.kind for hit in hits} <= {"source"}
    assert by_id == {}


def test_a_firm_user_off_the_team_gets_404() -> None:
    ws = workspace()
    outsider = ws.person("outsider", "staff")
    reply = ws.call("POST", "assistant/ask", outsider, json_body={"question": "What is the cash balance?"})
    assert reply.status == 404
    assert ws.call("POST", "assistant/index", outsider).status == 404
    assert ws.call("POST", "assistant/index", ws.client_user()).status == 404


# --- the index follows the file -----------------------------------------------------------------------


def test_a_changed_file_makes_the_index_stale_and_the_next_question_sees_the_change() -> None:
    ws = workspace()
    assert ws.call("GET", "assistant/status", ws.admin).json() == {
        "provider": "offline", "chunk_count": 0, "indexed_at": None, "stale": True,
    }  # fmt: skip
    first = ws.call("POST", "assistant/index", ws.admin).json()
    assert first["stale"] is False

    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    count = {"procedures": "We attended the inventory count at the Riverside depot on 31 December."}
    body = {"parent_id": nodes[3]["id"], "kind": "workpaper", "title": "Inventory count", "content": count}
    assert ws.call("POST", "binder/nodes", ws.admin, json_body=body).status == 201
    assert ws.call("GET", "assistant/status", ws.admin).json()["stale"] is True

    answer = ask(ws, ws.admin, "Where did we attend the inventory count?")
    assert "Riverside depot" in answer["answer"]
    assert ws.call("GET", "assistant/status", ws.admin).json()["stale"] is False


def test_reindexing_embeds_only_the_passages_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.llm import language_model

    ws = workspace()
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    for title, text in (("Payroll", "Payroll was tested for ten employees."), ("Sales", "Sales cut-off tested.")):
        body = {"parent_id": nodes[3]["id"], "kind": "workpaper", "title": title, "content": {"work": text}}
        assert ws.call("POST", "binder/nodes", ws.admin, json_body=body).status == 201
    assert ws.call("POST", "assistant/index", ws.admin).status == 200

    embedded: list[str] = []
    model = language_model()
    original = type(model).embed

    def counting(self: Any, texts: list[str], *, query: bool = False) -> Any:
        embedded.extend(texts)
        return original(self, texts, query=query)

    monkeypatch.setattr(type(model), "embed", counting)
    body = {"parent_id": nodes[3]["id"], "kind": "workpaper", "title": "Debt", "content": {"work": "Loan agreed."}}
    assert ws.call("POST", "binder/nodes", ws.admin, json_body=body).status == 201
    with _uow(ws, ws.admin) as uow:
        before = _chunk_ids(uow)
    assert ws.call("POST", "assistant/index", ws.admin).json()["chunk_count"] > 2
    assert embedded == ["Debt: Loan agreed."]  # a workpaper passage is embedded under its title
    with _uow(ws, ws.admin) as uow:
        after = _chunk_ids(uow)
    # A note citing an unchanged passage keeps a valid citation through the rebuild.
    assert before["Payroll was tested for ten employees."] == after["Payroll was tested for ten employees."]
    assert before["Sales cut-off tested."] == after["Sales cut-off tested."]
    assert "Loan agreed." in after and "Loan agreed." not in before


def _chunk_ids(uow: UnitOfWork) -> dict[str, uuid.UUID]:
    from sqlalchemy import select

    from shared.db.models_assistant import AssistantChunk

    return {row.text: row.id for row in uow.session.execute(select(AssistantChunk.text, AssistantChunk.id))}


def test_a_finalized_engagement_is_asked_but_not_reindexed() -> None:
    ws = workspace()
    assert ws.call("POST", "assistant/index", ws.admin).status == 200
    ws.finalize()

    reply = ws.call("POST", "assistant/index", ws.admin)
    assert reply.status == 409 and reply.json()["code"] == "engagement_locked"
    answer = ask(ws, ws.admin, "What does rule 5-02 require for long-term debt?")
    assert any(c["kind"] == "source" for c in answer["citations"])


def test_a_question_too_short_or_missing_is_refused_naming_the_field() -> None:
    ws = workspace()
    for body in ({"question": "a"}, {}, {"question": "x" * 2001}):
        reply = ws.call("POST", "assistant/ask", ws.admin, json_body=body)
        assert reply.status == 400, body
        assert "question" in reply.body.decode()


def test_two_rebuilds_at_once_run_one_after_the_other() -> None:
    import threading

    ws = workspace()
    engagement_id = uuid.UUID(ws.engagement_id)
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    body = {"parent_id": nodes[3]["id"], "kind": "workpaper", "title": "Cash", "content": {"work": "Cash counted."}}
    assert ws.call("POST", "binder/nodes", ws.admin, json_body=body).status == 201
    started = threading.Barrier(2)
    failures: list[BaseException] = []

    def rebuild() -> None:
        try:
            with _uow(ws, ws.admin) as uow:
                started.wait(timeout=30)
                retrieval.index_engagement(uow, engagement_id)
                uow.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=rebuild) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with _uow(ws, ws.admin) as uow:
        state = retrieval.index_state(uow, engagement_id)
        texts = list(
            uow.session.scalars(select(AssistantChunk.text).where(AssistantChunk.engagement_id == engagement_id))
        )
    assert state is not None and state.chunk_count == len(texts)
    assert texts.count("Cash counted.") == 1


def test_a_file_a_client_just_sent_is_searchable_by_their_next_question() -> None:
    ws = workspace()
    client = ws.client_user()
    assert ws.call("POST", "assistant/index", ws.admin).status == 200
    request = ws.call(
        "POST",
        "requests",
        ws.admin,
        json_body={"title": "Loan agreement", "due_date": "2027-01-31", "assignee": client.user_id, "kind": "document"},
    )
    assert request.status == 201, request.body
    sent = ws.call(
        "POST",
        f"requests/{request.json()['id']}/attachments",
        client,
        body=pdf("The Harbour Bank loan carries interest at 6.25 percent a year."),
        headers={"Content-Type": "application/pdf", "X-Filename": "loan.pdf"},
    )
    assert sent.status == 201, sent.body

    answer = ask(ws, client, "What interest rate does the Harbour Bank loan carry?")

    assert "6.25 percent" in answer["answer"]
    assert any(c["document"].startswith("loan.pdf") for c in answer["citations"])
    assert ws.call("GET", "assistant/status", ws.admin).json()["stale"] is False
