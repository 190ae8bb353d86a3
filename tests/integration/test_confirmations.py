"""Confirmations through HTTP on a real PostgreSQL: the per-account coverage and exception totals worked
by hand, the amounts per books read from the mapped trial balance, the rules of replying and closing,
who may do what, the letter as a PDF, the second-request timer (once per request), the finalized lock,
and client users kept out by the HTTP layer and by row-level security."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError

from functions.fieldwork import confirmation_reminders
from shared import clock
from shared.db.models import User
from shared.db.models_confirmations import Confirmation
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace
from tests.ingestion_support import loaded
from tests.support import Reply

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

# Debit positive: cash 13,500; debtors 7,000; creditors 5,300 (a credit); the rest balances it.
TB = b"""Account Number,Account Name,Closing Balance
1000,Cash at bank,13500.00
1100,Trade debtors,7000.00
2000,Trade creditors,-5300.00
3000,Share capital,-15200.00
"""
SENT = "2027-01-10"


def create(ws: Workspace, who: Person | None = None, **fields: Any) -> Reply:
    body = {"kind": "receivable", "party_name": "Northwind Traders", **fields}
    return ws.call("POST", "confirmations", who or ws.admin, json_body=body)  # type: ignore[no-any-return]


def created(ws: Workspace, **fields: Any) -> dict[str, Any]:
    reply = create(ws, **fields)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def act(ws: Workspace, cid: str, action: str, who: Person | None = None, **body: Any) -> Reply:
    return ws.call("POST", f"confirmations/{cid}/{action}", who or ws.admin, json_body=body)  # type: ignore[no-any-return]


def done(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    return dict(reply.json())


def sent(ws: Workspace, on: str = SENT, **fields: Any) -> dict[str, Any]:
    return done(act(ws, created(ws, **fields)["id"], "send", sent_date=on))


def replied(ws: Workspace, amount: str | None, **fields: Any) -> dict[str, Any]:
    cid = sent(ws, **fields)["id"]
    return done(act(ws, cid, "reply", received_date="2027-01-20", response_amount=amount))


def test_coverage_and_exception_totals_per_account_worked_by_hand() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "trial_balance", TB)

    bank = replied(ws, "13500.00", kind="bank", party_name="First Bank", account_number="1000")
    assert (bank["amount_per_books"], bank["amount_source"]) == ("13500.00", "trial_balance")
    assert (bank["difference"], bank["exception"]) == ("0.00", False)
    # Debtors 7,000: 3,000 agreed; 2,500 answered 2,300 (an exception of -200); 1,000 sent, awaiting its reply;
    # 500 unanswered, closed on alternative procedures.
    agreed = replied(ws, "3000.00", account_number="1100", amount_per_books="3000.00")
    short = replied(ws, "2300.00", account_number="1100", amount_per_books="2500.00", party_name="Contoso")
    assert (short["difference"], short["exception"], short["status"]) == ("-200.00", True, "received")
    sent(ws, account_number="1100", amount_per_books="1000.00", form="negative", party_name="Fabrikam")
    silent = sent(ws, account_number="1100", amount_per_books="500.00", party_name="Tailspin")
    # Creditors: 5,300 per books (a credit, stated as the supplier states it); the supplier says 5,000.
    supplier = replied(ws, "5000.00", kind="payable", party_name="Acme Supplies", account_number="2000")
    assert (supplier["amount_per_books"], supplier["difference"]) == ("5300.00", "-300.00")
    lawyer = replied(ws, None, kind="legal", party_name="Dewey & Partners")
    assert (lawyer["amount_per_books"], lawyer["difference"], lawyer["exception"]) == (None, None, False)

    for row in (bank, agreed, lawyer):
        assert done(act(ws, row["id"], "close"))["status"] == "closed"
    closed = done(act(ws, short["id"], "close", resolution="Credit note CN-77 of 2026-12-30 posted in January"))
    assert (closed["status"], closed["resolved_by"]) == ("closed_with_exception", ws.admin.user_id)
    no_reply = done(act(ws, silent["id"], "close", alternative_procedures="Cash received 2027-01-08, invoice 5512"))
    assert no_reply["status"] == "no_reply_alternative"

    summary = ws.call("GET", "confirmations/summary", ws.admin)
    assert summary.status == 200, summary.body
    accounts = {line["account_number"]: line for line in summary.json()["accounts"]}
    assert list(accounts) == ["1000", "1100", "2000", None]
    assert accounts["1000"] | {} == {
        "account_number": "1000",
        "account_name": "Cash at bank",
        "balance_per_books": "13500.00",
        "requests": 1,
        "amount_requested": "13500.00",
        "amount_confirmed": "13500.00",
        "coverage_percent": "100.00",
        "exceptions": 0,
        "exceptions_total": "0.00",
        "open": 0,
        "no_reply": 0,
    }
    debtors = accounts["1100"]
    # 3,000 confirmed of 7,000 = 42.857...%; one exception of -200; Fabrikam open; Tailspin without a reply.
    assert (debtors["requests"], Decimal(debtors["amount_requested"])) == (4, Decimal("7000"))
    assert (Decimal(debtors["amount_confirmed"]), debtors["coverage_percent"]) == (Decimal("3000"), "42.86")
    assert (debtors["exceptions"], Decimal(debtors["exceptions_total"])) == (1, Decimal("-200"))
    assert (debtors["open"], debtors["no_reply"]) == (1, 1)
    creditors = accounts["2000"]
    assert (creditors["balance_per_books"], Decimal(creditors["amount_confirmed"])) == ("5300.00", Decimal(0))
    assert (creditors["coverage_percent"], creditors["exceptions"], creditors["open"]) == ("0.00", 1, 0)
    assert Decimal(creditors["exceptions_total"]) == Decimal("-300")
    assert (accounts[None]["requests"], accounts[None]["balance_per_books"], accounts[None]["coverage_percent"]) == (
        1,
        None,
        None,
    )

    export = ws.call("GET", "confirmations/summary/export", ws.admin, params={"format": "csv"})
    assert export.status == 200 and export.headers["Content-Type"].startswith("text/csv")
    lines = export.body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("account_number,account_name,balance_per_books")
    assert lines[2].split(",")[:8] == ["1100", "Trade debtors", "7000.00", "4", "7000.00", "3000.00", "42.86", "1"]
    xlsx = ws.call("GET", "confirmations/summary/export", ws.admin, params={"format": "xlsx"})
    assert xlsx.status == 200 and xlsx.body[:2] == b"PK"

    # The log filters by kind and status.
    receivables = ws.call("GET", "confirmations", ws.admin, params={"kind": "receivable"}).json()["items"]
    assert sorted(item["party_name"] for item in receivables) == [
        "Contoso",
        "Fabrikam",
        "Northwind Traders",
        "Tailspin",
    ]
    waiting = ws.call("GET", "confirmations", ws.admin, params={"status": "received"}).json()["items"]
    assert [item["party_name"] for item in waiting] == ["Acme Supplies"]


def test_amounts_per_books_come_from_the_account_or_a_sample_item_and_bad_input_names_the_field() -> None:
    ws = workspace()
    no_tb = create(ws, account_number="1100")
    assert no_tb.status == 400 and no_tb.json()["errors"][0]["loc"] == ["body", "account_number"]
    loaded(ws, ws.admin, "trial_balance", TB)
    unknown = create(ws, account_number="1999")
    assert unknown.status == 400 and "'1999' is not an account" in unknown.json()["errors"][0]["msg"]
    nothing = create(ws)
    assert nothing.status == 400 and nothing.json()["errors"][0]["loc"] == ["body", "amount_per_books"]
    blank_payable = create(ws, kind="payable", blank=True, amount_per_books="10.00")
    assert blank_payable.status == 400 and blank_payable.json()["errors"][0]["loc"] == ["body", "blank"]
    bad_item = create(ws, sample_item_id=str(uuid.uuid4()))
    assert bad_item.status == 400 and bad_item.json()["errors"][0]["loc"] == ["body", "sample_item_id"]
    bad_kind = create(ws, kind="insurance", amount_per_books="1.00")
    assert bad_kind.status == 400 and bad_kind.json()["errors"][0]["loc"][:2] == ["body", "kind"]
    assert ws.call("GET", "confirmations", ws.admin).json()["items"] == [], "refusals wrote nothing"

    debtors = created(ws, account_number="1100", blank=True)
    assert (debtors["amount_per_books"], debtors["blank"]) == ("7000.00", True)
    # Another account re-reads the books; an amount typed in is entered.
    moved = done(ws.call("PATCH", f"confirmations/{debtors['id']}", ws.admin, json_body={"account_number": "1000"}))
    assert (moved["amount_per_books"], moved["amount_source"]) == ("13500.00", "trial_balance")
    typed = done(ws.call("PATCH", f"confirmations/{debtors['id']}", ws.admin, json_body={"amount_per_books": "99.5"}))
    assert (typed["amount_per_books"], typed["amount_source"]) == ("99.50", "entered")

    # A sample item's book value.
    item_id = _sample_item(ws, Decimal("1234.56"))
    from_item = created(ws, sample_item_id=str(item_id))
    assert (from_item["amount_per_books"], from_item["amount_source"]) == ("1234.56", "sample_item")

    changes = [entry["data"] for entry in _activity(ws, "confirmation.updated")]
    logged = [
        {key: data.get(key) for key in ("account_number", "amount_per_books", "amount_source")} for data in changes
    ]
    assert logged == [
        {"account_number": None, "amount_per_books": "99.50", "amount_source": "entered"},
        {"account_number": "1000", "amount_per_books": "13500.00", "amount_source": None},
    ], "newest first; only what changed"


def _sample_item(ws: Workspace, book_value: Decimal) -> uuid.UUID:
    """A sample of one item on the engagement, written as sampling writes it."""
    from shared.db.models_sampling import Sample, SampleItem

    engagement_id = uuid.UUID(ws.engagement_id)
    sample_id, item_id = uuid.uuid4(), uuid.uuid4()
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.add(
            Sample(
                id=sample_id,
                firm_id=ws.firm_id,
                engagement_id=engagement_id,
                name="Debtors to confirm",
                method="random",
                population={},
                parameters={},
                design={},
                seed=1,
                algorithm="test",
            )
        )
        uow.session.flush()
        uow.session.add(
            SampleItem(
                id=item_id,
                firm_id=ws.firm_id,
                engagement_id=engagement_id,
                sample_id=sample_id,
                line=1,
                population_position=0,
                item_key="C-1",
                book_value=book_value,
            )
        )
        uow.commit()
    return item_id


def _activity(ws: Workspace, action: str) -> list[dict[str, Any]]:
    reply = ws.call("GET", "activity", ws.admin, params={"action": action})
    assert reply.status == 200, reply.body
    return list(reply.json()["items"])


def test_replying_and_closing_follow_the_rules_and_are_audit_logged() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")
    senior = ws.person("senior", "senior", team_role="senior")
    row = created(ws, amount_per_books="800.00", party_email="ap@northwind.example")
    cid = row["id"]
    assert act(ws, cid, "reply", received_date="2027-01-20", response_amount="800.00").json()["code"] == (
        "invalid_confirmation_status"
    )
    assert act(ws, cid, "close").status == 409, "a draft is not closed"
    assert done(act(ws, cid, "send", staff, sent_date=SENT))["status"] == "sent"
    assert act(ws, cid, "send", sent_date=SENT).status == 409
    early = act(ws, cid, "reply", received_date="2027-01-09", response_amount="800.00")
    assert early.status == 400 and early.json()["errors"][0]["loc"] == ["body", "received_date"]
    no_amount = act(ws, cid, "reply", received_date="2027-01-20")
    assert no_amount.status == 400 and no_amount.json()["errors"][0]["loc"] == ["body", "response_amount"]
    # The auditor may say a difference is no exception (a payment in transit, explained).
    noted = done(act(ws, cid, "reply", staff, received_date="2027-01-20", response_amount="750.00", exception=True))
    assert (noted["difference"], noted["exception"]) == ("-50.00", True)

    refused = act(ws, cid, "close", staff, resolution="Payment in transit, received 2027-01-03")
    assert refused.status == 403 and "reviewer" in refused.json()["detail"]
    unresolved = act(ws, cid, "close", senior)
    assert unresolved.status == 400 and unresolved.json()["errors"][0]["loc"] == ["body", "resolution"]
    closed = done(act(ws, cid, "close", senior, resolution="Payment in transit, received 2027-01-03"))
    assert (closed["status"], closed["resolved_by"]) == ("closed_with_exception", senior.user_id)
    again = ws.call("PATCH", f"confirmations/{cid}", ws.admin, json_body={"party_name": "Renamed"})
    assert (again.status, again.json()["code"]) == (409, "confirmation_closed")

    positive = sent(ws, amount_per_books="10.00")
    missing = act(ws, positive["id"], "close", staff)
    assert missing.status == 400 and missing.json()["errors"][0]["loc"] == ["body", "alternative_procedures"]
    negative = sent(ws, amount_per_books="10.00", form="negative")
    assert done(act(ws, negative["id"], "close", staff))["status"] == "closed", "no reply is what a negative asks"

    for action in ("confirmation.created", "confirmation.sent", "confirmation.replied", "confirmation.closed"):
        found = [entry for entry in _activity(ws, action) if entry["target_id"] == cid]
        assert len(found) == 1, action
    closing = next(entry for entry in _activity(ws, "confirmation.closed") if entry["target_id"] == cid)
    assert closing["data"]["resolution"] == "Payment in transit, received 2027-01-03"


def test_who_may_and_may_not_and_client_users_never_see_confirmations() -> None:
    ws = workspace()
    row = created(ws, amount_per_books="100.00")
    qc = ws.person("qc", "qc_reviewer")
    client = ws.client_user()
    admin = ws.client_user("client-admin", "client_admin")
    other = workspace()
    outsider = Person(other.admin.user_id, other.admin.token, "firm_admin")
    off_team = ws.person("elsewhere", "staff")

    assert create(ws, qc, amount_per_books="1.00").status == 403
    assert ws.call("GET", "confirmations", qc).json()["items"][0]["id"] == row["id"], "the QC reviewer reads them"
    reads = (
        "confirmations",
        f"confirmations/{row['id']}",
        "confirmations/summary",
        f"confirmations/{row['id']}/letter",
    )
    for who in (client, admin, outsider, off_team):
        for path in reads:
            reply = ws.call("GET", path, who)
            assert (reply.status, reply.json()["code"]) == (404, "engagement_not_found"), (who.role, path)
        assert create(ws, who, amount_per_books="1.00").status == 404
        assert act(ws, row["id"], "send", who).status == 404

    # Row-level security: the client's users and another firm see no row, and cannot change one.
    def count(firm_id: uuid.UUID, user_id: str) -> int:
        with UnitOfWork(firm_id=firm_id, user_id=uuid.UUID(user_id)) as uow:
            return uow.session.scalar(select(func.count()).select_from(Confirmation)) or 0

    assert count(ws.firm_id, ws.admin.user_id) == 1
    assert count(ws.firm_id, client.user_id) == 0
    assert count(ws.firm_id, admin.user_id) == 0
    assert count(other.firm_id, other.admin.user_id) == 0
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client.user_id)) as uow:
        changed = uow.session.execute(
            update(Confirmation).where(Confirmation.id == uuid.UUID(row["id"])).values(party_name="Mine")
        ).rowcount
        assert changed == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            uow.session.execute(
                insert(Confirmation).values(
                    id=uuid.uuid4(),
                    firm_id=ws.firm_id,
                    engagement_id=uuid.UUID(ws.engagement_id),
                    kind="bank",
                    form="positive",
                    party_name="Planted",
                    amount_source="entered",
                    owner_id=uuid.UUID(client.user_id),
                )
            )
    # The timer's firm listing is refused outside system scope.
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow, pytest.raises(DBAPIError):
        uow.session.execute(select(func.aura_firms_with_confirmations_unanswered(date.today()))).all()


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_letter_is_a_pdf_naming_the_party_and_the_amount() -> None:
    ws = workspace()
    row = created(
        ws,
        party_name="Northwind Traders",
        party_contact="Accounts payable",
        party_address="1 Harbour Road\nSeattle WA",
        client_account_ref="CUST-0042",
        amount_per_books="12345.67",
    )
    reply = ws.call("GET", f"confirmations/{row['id']}/letter", ws.admin)
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"] == "application/pdf"
    assert "confirmation-receivable-northwind-traders.pdf" in reply.headers["Content-Disposition"]
    text = _pdf_text(reply.body)
    for expected in (
        "Northwind Traders",
        "1 Harbour Road",
        "CUST-0042",
        "12,345.67",
        "reply directly",
        "December 31, 2026",
    ):
        assert expected in text, expected
    assert "SECOND REQUEST" not in text

    blank = created(ws, party_name="Blank Customer", blank=True, amount_per_books="500.00")
    blank_text = _pdf_text(ws.call("GET", f"confirmations/{blank['id']}/letter", ws.admin).body)
    assert "Blank Customer" in blank_text and "500.00" not in blank_text and "please state" in blank_text
    lawyer = created(ws, kind="legal", party_name="Dewey & Partners")
    legal_text = _pdf_text(ws.call("GET", f"confirmations/{lawyer['id']}/letter", ws.admin).body)
    assert "Dewey & Partners" in legal_text and "litigation" in legal_text


class FakeEmail:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, *, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


def _remind(ws: Workspace, email: FakeEmail, today: date) -> int:
    at = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7, minutes=30)
    with clock.use_clock(clock.FixedClock(at)), UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        return confirmation_reminders.remind_firm(
            uow, today=today, after_days=14, email=email, portal_url="https://portal.example"
        )


def test_the_second_request_goes_once_to_the_owner_of_an_unanswered_positive_request() -> None:
    ws = workspace()
    owner = ws.person("senior", "senior", team_role="senior")
    today = date(2027, 2, 1)
    due = sent(ws, on=(today - timedelta(days=14)).isoformat(), amount_per_books="10.00", owner_id=owner.user_id)
    sent(ws, on=(today - timedelta(days=13)).isoformat(), amount_per_books="10.00", party_name="Too recent")
    sent(ws, on="2027-01-01", amount_per_books="10.00", form="negative", party_name="Negative")
    replied(ws, "10.00", amount_per_books="10.00", party_name="Answered")
    created(ws, amount_per_books="10.00", party_name="Still a draft")

    email = FakeEmail()
    assert _remind(ws, email, today) == 1
    [(to, subject, body)] = email.sent
    assert subject == "Second request due: Northwind Traders"
    assert f"https://portal.example/engagements/{ws.engagement_id}/confirmations" in body
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        address = uow.session.scalar(select(User.email).where(User.id == uuid.UUID(owner.user_id)))
    assert to == address
    after = ws.call("GET", f"confirmations/{due['id']}", ws.admin).json()
    assert after["status"] == "second_request_sent" and after["second_request_at"] is not None
    # Once: the same day, the next week, and a whole run of every firm send nothing more for it.
    assert _remind(ws, email, today) == 0
    assert _remind(ws, email, today + timedelta(days=7)) == 1, "only 'Too recent' has now waited 14 days"
    assert [subject for _, subject, _ in email.sent] == [subject, "Second request due: Too recent"]
    everyone = FakeEmail()
    with clock.use_clock(clock.FixedClock(datetime(2027, 3, 1, 7, 30, tzinfo=UTC))):
        confirmation_reminders.send_second_requests(email=everyone, portal_url="", after_days=14)
    assert not [body for _, _, body in everyone.sent if ws.engagement_id in body], "other firms' may go, not ours"
    reminded = [entry for entry in _activity(ws, "confirmation.second_request_sent") if entry["target_id"] == due["id"]]
    assert len(reminded) == 1 and reminded[0]["data"]["owner_id"] == owner.user_id

    letter = ws.call("GET", f"confirmations/{due['id']}/letter", ws.admin)
    assert "SECOND REQUEST" in _pdf_text(letter.body)
    assert 'filename="second-request-receivable-northwind-traders.pdf"' in letter.headers["Content-Disposition"]
    # The reply still comes in after the second request.
    assert done(act(ws, due["id"], "reply", received_date="2027-02-10", response_amount="10.00"))["status"] == (
        "received"
    )


def test_a_finalized_engagement_refuses_every_write() -> None:
    ws = workspace()
    row = sent(ws, amount_per_books="10.00")
    ws.finalize()
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "confirmations", {"kind": "bank", "party_name": "Bank", "amount_per_books": "1.00"}),
        ("PATCH", f"confirmations/{row['id']}", {"party_name": "Renamed"}),
        ("POST", f"confirmations/{row['id']}/reply", {"received_date": "2027-01-20", "response_amount": "10.00"}),
        ("POST", f"confirmations/{row['id']}/close", {"alternative_procedures": "Subsequent receipts"}),
    ]
    for method, path, body in writes:
        reply = ws.call(method, path, ws.admin, json_body=body)
        assert (reply.status, reply.json()["code"]) == (409, "engagement_locked"), (method, path, reply.body)
    assert ws.call("GET", f"confirmations/{row['id']}", ws.admin).json()["status"] == "sent"
    assert ws.call("GET", f"confirmations/{row['id']}/letter", ws.admin).status == 200, "reading stays open"
