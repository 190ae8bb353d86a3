"""Flux analysis: each caption's and account's balance against the prior year, flagged when it moved by
more than both thresholds (AU-C 520: expectations and differences that need the auditor's inquiry).

Plain values in and out. Amounts are presented the way the statements present them (liabilities,
equity, revenue and other income as positive credits); an account not mapped to the standard chart
yet keeps its debit-positive balance and no caption. A line is flagged when
|change| > the amount threshold AND |change| / |prior| x 100 > the percent threshold, both strictly:
a change equal to a threshold is not flagged. A line whose prior balance is zero and whose current
balance is not has no percent (it is new), and the percent test counts as passed; a line without a
comparable prior amount (None) is never flagged. Percent is rounded half up to 2 decimals for
display; the comparison uses the exact amounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
PERCENT_PLACES = Decimal("0.01")
DEFAULT_PERCENT = Decimal("10")
CREDIT_SECTIONS = frozenset(
    {"current_liabilities", "non_current_liabilities", "equity", "revenue", "other_income_expense"}
)


@dataclass(frozen=True)
class Balance:
    """One account of the final trial balance: debit-positive amounts; section and caption when mapped."""

    account_number: str
    account_name: str
    section: str | None
    caption: str | None
    current: Decimal
    prior: Decimal | None


@dataclass(frozen=True)
class Thresholds:
    amount: Decimal
    percent: Decimal = DEFAULT_PERCENT


@dataclass(frozen=True)
class FluxLine:
    key: str
    level: str  # caption | account
    label: str
    section: str | None
    caption: str | None
    account_number: str | None
    current: Decimal
    prior: Decimal | None
    change: Decimal | None
    percent: Decimal | None
    flagged: bool


def slug(text: str) -> str:
    """A caption's stable part of a key: lower case, runs of other characters as one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def caption_key(section: str, caption: str) -> str:
    return f"caption:{section}.{slug(caption)}"


def account_key(account_number: str) -> str:
    return f"account:{account_number}"


def presented(section: str | None, amount: Decimal) -> Decimal:
    return -amount if section in CREDIT_SECTIONS else amount


def flagged(current: Decimal, prior: Decimal | None, thresholds: Thresholds) -> bool:
    """Both thresholds exceeded, strictly."""
    if prior is None:
        return False
    change = abs(current - prior)
    if change <= thresholds.amount:
        return False
    if prior == 0:
        return change != 0
    return change * 100 > thresholds.percent * abs(prior)


def _line(
    key: str,
    level: str,
    label: str,
    section: str | None,
    caption: str | None,
    number: str | None,
    current: Decimal,
    prior: Decimal | None,
    thresholds: Thresholds,
) -> FluxLine:
    change = None if prior is None else current - prior
    percent = None
    if change is not None and prior is not None and prior != 0:
        percent = (change * 100 / abs(prior)).quantize(PERCENT_PLACES, ROUND_HALF_UP)
    return FluxLine(
        key,
        level,
        label,
        section,
        caption,
        number,
        current,
        prior,
        change,
        percent,
        flagged(current, prior, thresholds),
    )


def analyze(balances: Iterable[Balance], thresholds: Thresholds, *, section_order: tuple[str, ...]) -> list[FluxLine]:
    """Caption lines (in statement order), then account lines (by number)."""
    accounts: list[FluxLine] = []
    captions: dict[tuple[str, str], list[Decimal | None]] = {}
    for balance in balances:
        current = presented(balance.section, balance.current)
        prior = None if balance.prior is None else presented(balance.section, balance.prior)
        accounts.append(
            _line(
                account_key(balance.account_number),
                "account",
                f"{balance.account_number} {balance.account_name}".strip(),
                balance.section,
                balance.caption,
                balance.account_number,
                current,
                prior,
                thresholds,
            )
        )
        if balance.section is None or balance.caption is None:
            continue
        cell = captions.setdefault((balance.section, balance.caption), [ZERO, ZERO])
        cell[0] = (cell[0] or ZERO) + current
        cell[1] = None if prior is None or cell[1] is None else cell[1] + prior
    rank = {name: index for index, name in enumerate(section_order)}
    caption_lines = [
        _line(caption_key(section, caption), "caption", caption, section, caption, None, c or ZERO, p, thresholds)
        for (section, caption), (c, p) in sorted(captions.items(), key=lambda i: (rank.get(i[0][0], 99), i[0][1]))
    ]
    return caption_lines + sorted(accounts, key=lambda line: line.account_number or "")
