"""The confirmation rules on figures worked by hand: the per-account summary's coverage and exception totals,
where closing takes a request, when a second request is due, and amounts as the letters state them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from functions.fieldwork import confirmation_rules as rules
from functions.fieldwork.confirmation_rules import Item

pytestmark = pytest.mark.unit


def D(text: str) -> Decimal:  # noqa: N802 - reads like the literal it stands for
    return Decimal(text)


def test_the_summary_per_account_worked_by_hand() -> None:
    items = [
        # Receivables (1100, balance 20,000): 8,000 agreed; 5,000 answered 4,600 (-400); 3,000 answered 3,250 but
        # judged no exception (a timing difference explained) so counted at the 3,250 the customer stated;
        # 2,500 answered 2,000 (-500) and closed with its exception; 1,000 sent, no reply yet; 500 closed without one.
        Item("1100", rules.CLOSED, D("8000"), D("8000"), False),
        Item("1100", rules.RECEIVED, D("5000"), D("4600"), True),
        Item("1100", rules.CLOSED, D("3000"), D("3250"), False),
        Item("1100", rules.CLOSED_WITH_EXCEPTION, D("2500"), D("2000"), True),
        Item("1100", rules.SECOND_REQUEST_SENT, D("1000"), None, False),
        Item("1100", rules.NO_REPLY_ALTERNATIVE, D("500"), None, False),
        # Cash (1000, balance 0): confirmed but no coverage can be stated.
        Item("1000", rules.CLOSED, D("0"), D("0"), False),
        # A legal letter on no account, still a draft.
        Item(None, rules.DRAFT, None, None, False),
    ]
    rows = rules.summarize(items, {"1100": D("20000"), "1000": D("0")})
    assert [row.account_number for row in rows] == ["1000", "1100", None]
    cash, receivables, legal = rows

    assert receivables.requests == 6
    assert receivables.amount_requested == D("20000")  # 8,000 + 5,000 + 3,000 + 2,500 + 1,000 + 500
    assert receivables.amount_confirmed == D("11250")  # 8,000 + 3,250
    assert receivables.coverage_percent == D("56.25")  # 11,250 / 20,000
    assert (receivables.exceptions, receivables.exceptions_total) == (2, D("-900"))  # -400 - 500
    assert (receivables.open, receivables.no_reply) == (1, 1)

    assert (cash.amount_confirmed, cash.coverage_percent, cash.exceptions) == (D("0"), None, 0)
    assert (legal.balance_per_books, legal.coverage_percent, legal.open, legal.requests) == (None, None, 1, 1)


def test_coverage_rounds_to_hundredths_and_needs_a_positive_balance() -> None:
    row = rules.summarize([Item("1", rules.CLOSED, D("1"), D("1"), False)], {"1": D("3")})[0]
    assert row.coverage_percent == D("33.33")
    overdrawn = rules.summarize([Item("1", rules.CLOSED, D("-5"), D("-5"), False)], {"1": D("-5")})[0]
    assert overdrawn.coverage_percent is None
    unknown = rules.summarize([Item("9", rules.CLOSED, D("5"), D("5"), False)], {})[0]
    assert (unknown.balance_per_books, unknown.coverage_percent) == (None, None)


def test_difference_and_exception() -> None:
    assert rules.difference(D("100.00"), D("90.00")) == D("-10.00")
    assert rules.difference(None, D("90.00")) is None
    assert rules.difference(D("100.00"), None) is None
    assert rules.is_exception(D("100.00"), D("100.00")) is False
    assert rules.is_exception(D("100.00"), D("100.01")) is True
    assert rules.is_exception(None, None) is False


@pytest.mark.parametrize(
    ("status", "form", "exception", "expected"),
    [
        (rules.RECEIVED, "positive", False, rules.CLOSED),
        (rules.RECEIVED, "negative", True, rules.CLOSED_WITH_EXCEPTION),
        (rules.SENT, "positive", False, rules.NO_REPLY_ALTERNATIVE),
        (rules.SECOND_REQUEST_SENT, "positive", False, rules.NO_REPLY_ALTERNATIVE),
        (rules.SENT, "negative", False, rules.CLOSED),
        (rules.DRAFT, "positive", False, None),
        (rules.CLOSED, "positive", False, None),
        (rules.NO_REPLY_ALTERNATIVE, "positive", False, None),
    ],
)
def test_where_closing_takes_a_request(status: str, form: str, exception: bool, expected: str | None) -> None:
    assert rules.close_to(status=status, form=form, exception=exception) == expected


def test_a_second_request_is_due_for_a_positive_request_unanswered_for_the_days_set() -> None:
    today = date(2027, 2, 1)

    def due(form: str = "positive", status: str = rules.SENT, sent: date | None = date(2027, 1, 18)) -> bool:
        return rules.second_request_due(form=form, status=status, sent_date=sent, today=today, after_days=14)

    assert due() is True  # 14 days ago
    assert due(sent=date(2027, 1, 19)) is False  # 13 days ago
    assert due(form="negative") is False
    assert due(status=rules.SECOND_REQUEST_SENT) is False  # once only
    assert due(status=rules.RECEIVED) is False
    assert due(sent=None) is False


def test_amounts_as_the_letters_state_them() -> None:
    assert rules.amount_as_stated("receivable", D("7000")) == D("7000")
    assert rules.amount_as_stated("bank", D("-250")) == D("-250")  # an overdraft stays an overdraft
    assert rules.amount_as_stated("payable", D("-5300")) == D("5300")
    assert rules.amount_as_stated("debt", D("-8000")) == D("8000")
