"""Flux lines of functions/financial_analysis/flux.py: thresholds at their boundaries (strictly exceeded),
presentation signs, caption totals and stable keys."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.financial_analysis import flux
from shared.db.models_mapping import SECTIONS

pytestmark = pytest.mark.unit

D = Decimal
T = flux.Thresholds(amount=D("1000.00"), percent=D("10"))


@pytest.mark.parametrize(
    ("prior", "current", "expected"),
    [
        ("10000.00", "11000.00", False),  # change 1,000 = the amount threshold: not exceeded
        ("10000.00", "11000.01", True),  # 1,000.01 > 1,000 and 10.0001% > 10%
        ("10000.00", "8999.99", True),  # a decrease counts by its size
        ("20000.00", "22000.00", False),  # change 2,000 > 1,000 but exactly 10%: not exceeded
        ("20000.00", "22000.01", True),  # 10.00005% > 10%
        ("20000.00", "21500.00", False),  # 7.5%: the amount alone does not flag
        ("5000.00", "5900.00", False),  # 18% but only 900: the percent alone does not flag
        ("0.00", "1000.01", True),  # new balance: no percent, the amount decides
        ("0.00", "1000.00", False),
        ("0.00", "0.00", False),
        ("-10000.00", "-12000.00", True),  # 2,000 on |prior| 10,000 = 20%
    ],
)
def test_flagged_only_when_both_thresholds_are_strictly_exceeded(prior: str, current: str, expected: bool) -> None:
    assert flux.flagged(D(current), D(prior), T) is expected


def test_without_a_comparable_prior_amount_nothing_is_flagged() -> None:
    assert flux.flagged(D("1000000.00"), None, T) is False


def test_zero_thresholds_flag_any_change() -> None:
    zero = flux.Thresholds(amount=D("0"), percent=D("0"))
    assert flux.flagged(D("100.01"), D("100.00"), zero) is True
    assert flux.flagged(D("100.00"), D("100.00"), zero) is False


def balances() -> list[flux.Balance]:
    return [
        flux.Balance(
            "1000", "Cash at bank", "current_assets", "Cash and cash equivalents", D("12000.00"), D("10000.00")
        ),
        flux.Balance("1001", "Petty cash", "current_assets", "Cash and cash equivalents", D("500.00"), D("500.00")),
        flux.Balance(
            "2000", "Trade creditors", "current_liabilities", "Accounts payable", D("-6000.00"), D("-4000.00")
        ),
        flux.Balance("4000", "Sales", "revenue", "Revenue", D("-50000.00"), D("-40000.00")),
        flux.Balance("7777", "Suspense", None, None, D("300.00"), D("0.00")),
    ]


def test_lines_per_caption_and_per_account_with_changes_and_percents() -> None:
    lines = {line.key: line for line in flux.analyze(balances(), T, section_order=SECTIONS)}
    assert list(lines) == [
        "caption:current_assets.cash_and_cash_equivalents",
        "caption:current_liabilities.accounts_payable",
        "caption:revenue.revenue",
        "account:1000",
        "account:1001",
        "account:2000",
        "account:4000",
        "account:7777",
    ]
    cash = lines["caption:current_assets.cash_and_cash_equivalents"]
    # 12,500 against 10,500: change 2,000, 19.05% (2,000 / 10,500 = 19.047..)
    assert (cash.current, cash.prior, cash.change, cash.percent, cash.flagged) == (
        D("12500.00"),
        D("10500.00"),
        D("2000.00"),
        D("19.05"),
        True,
    )
    payables = lines["caption:current_liabilities.accounts_payable"]
    # Presented as a positive credit: 6,000 against 4,000, +50%.
    assert (payables.current, payables.prior, payables.change, payables.percent) == (
        D("6000.00"),
        D("4000.00"),
        D("2000.00"),
        D("50.00"),
    )
    revenue = lines["account:4000"]
    assert (revenue.current, revenue.change, revenue.percent, revenue.flagged) == (
        D("50000.00"),
        D("10000.00"),
        D("25.00"),
        True,
    )
    assert (revenue.level, revenue.label, revenue.caption) == ("account", "4000 Sales", "Revenue")
    suspense = lines["account:7777"]
    # Unmapped: debit positive, no caption, new: no percent; 300 is under the amount threshold.
    assert (suspense.section, suspense.percent, suspense.flagged) == (None, None, False)
    assert lines["account:1001"].flagged is False and lines["account:1001"].percent == D("0.00")


def test_a_caption_without_a_comparable_prior_has_none() -> None:
    rows = [
        flux.Balance("4000", "Sales", "revenue", "Revenue", D("-500.00"), None),
        flux.Balance("4010", "Services", "revenue", "Revenue", D("-500.00"), D("-100.00")),
    ]
    caption = flux.analyze(rows, T, section_order=SECTIONS)[0]
    assert (caption.current, caption.prior, caption.change, caption.flagged) == (D("1000.00"), None, None, False)


def test_keys_are_stable_slugs() -> None:
    assert flux.caption_key("equity", "Owners' equity") == "caption:equity.owners_equity"
    assert flux.caption_key("current_assets", "Accounts receivable, net") == (
        "caption:current_assets.accounts_receivable_net"
    )
    assert flux.account_key("1000-01") == "account:1000-01"
