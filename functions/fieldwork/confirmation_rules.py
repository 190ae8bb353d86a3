"""The rules of a confirmation's life and of the per-account summary, as plain values.

AU-C 505 / AS 2310: a positive request asks the party to reply in every case (a blank one asks it to
fill in the amount itself), a negative one only when it disagrees. A positive request that gets no
reply is not evidence: the auditor performs alternative procedures and says which before closing it.
A reply that disagrees with the books is an exception, which the auditor investigates and resolves;
closing one is a reviewer's decision. Kept apart from the database so the summary's coverage and
exception totals can be checked against figures worked by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

DRAFT = "draft"
SENT = "sent"
SECOND_REQUEST_SENT = "second_request_sent"
RECEIVED = "received"
CLOSED_WITH_EXCEPTION = "closed_with_exception"
CLOSED = "closed"
NO_REPLY_ALTERNATIVE = "no_reply_alternative"
AWAITING_REPLY = (SENT, SECOND_REQUEST_SENT)
OPEN = (DRAFT, *AWAITING_REPLY)
FINISHED = (CLOSED_WITH_EXCEPTION, CLOSED, NO_REPLY_ALTERNATIVE)
REPLIED = (RECEIVED, CLOSED_WITH_EXCEPTION, CLOSED)
# Accounts the party owes the client are debits in the books; what the client owes (payables, debt) are
# credits. A letter states both as positive amounts, as the party keeps them.
CREDIT_BALANCE_KINDS = ("payable", "debt")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def amount_as_stated(kind: str, balance: Decimal) -> Decimal:
    """A trial balance amount (debit positive) as the letter states it: a payable of 500 (a credit) is 500."""
    return -balance if kind in CREDIT_BALANCE_KINDS else balance


def difference(amount_per_books: Decimal | None, response_amount: Decimal | None) -> Decimal | None:
    """What the party said less what the books say; None until both are known."""
    if amount_per_books is None or response_amount is None:
        return None
    return response_amount - amount_per_books


def is_exception(amount_per_books: Decimal | None, response_amount: Decimal | None) -> bool:
    """A reply whose amount differs from the books is an exception unless the auditor says otherwise."""
    found = difference(amount_per_books, response_amount)
    return found is not None and found != 0


def close_to(*, status: str, form: str, exception: bool) -> str | None:
    """Where closing takes a request, or None when it cannot be closed from where it is.

    A reply closes as agreed or with its exception; a positive request without a reply closes to its
    alternative procedures; a negative one without a reply is closed (no reply is what it asks for)."""
    if status == RECEIVED:
        return CLOSED_WITH_EXCEPTION if exception else CLOSED
    if status in AWAITING_REPLY:
        return NO_REPLY_ALTERNATIVE if form == "positive" else CLOSED
    return None


def second_request_due(*, form: str, status: str, sent_date: date | None, today: date, after_days: int) -> bool:
    """A positive request sent `after_days` ago or more with no reply, not yet asked again."""
    return (
        form == "positive" and status == SENT and sent_date is not None and sent_date <= today - timedelta(after_days)
    )


@dataclass(frozen=True)
class Item:
    """What the summary reads of one request."""

    account_number: str | None
    status: str
    amount_per_books: Decimal | None
    response_amount: Decimal | None
    exception: bool


@dataclass(frozen=True)
class AccountSummary:
    account_number: str | None
    balance_per_books: Decimal | None
    requests: int
    amount_requested: Decimal
    amount_confirmed: Decimal
    coverage_percent: Decimal | None
    exceptions: int
    exceptions_total: Decimal
    open: int
    no_reply: int


def _coverage(confirmed: Decimal, balance: Decimal | None) -> Decimal | None:
    if balance is None or balance <= 0:
        return None
    return (confirmed * 100 / balance).quantize(CENT)


def summarize(items: Iterable[Item], balances: Mapping[str, Decimal]) -> list[AccountSummary]:
    """Per account (the requests without one last): what was asked, what was confirmed (replies without an
    exception, at the amount the party stated), its share of the account's balance as the letters state
    it, the exceptions (count and the sum of their differences, reply less books) and what is still open
    (draft or awaiting a reply) or closed without a reply."""
    grouped: dict[str | None, list[Item]] = defaultdict(list)
    for item in items:
        grouped[item.account_number].append(item)
    rows = []
    for account in sorted(grouped, key=lambda number: (number is None, number or "")):
        group = grouped[account]
        confirmed = sum(
            (
                item.response_amount
                for item in group
                if item.status in REPLIED and not item.exception and item.response_amount is not None
            ),
            ZERO,
        )
        exceptions = [item for item in group if item.exception]
        balance = balances.get(account) if account is not None else None
        rows.append(
            AccountSummary(
                account_number=account,
                balance_per_books=balance,
                requests=len(group),
                amount_requested=sum((item.amount_per_books or ZERO for item in group), ZERO),
                amount_confirmed=confirmed,
                coverage_percent=_coverage(confirmed, balance),
                exceptions=len(exceptions),
                exceptions_total=sum(
                    (difference(i.amount_per_books, i.response_amount) or ZERO for i in exceptions), ZERO
                ),
                open=sum(1 for item in group if item.status in OPEN),
                no_reply=sum(1 for item in group if item.status == NO_REPLY_ALTERNATIVE),
            )
        )
    return rows
