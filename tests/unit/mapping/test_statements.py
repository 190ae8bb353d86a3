"""Statements and lead sheets from a small mapped trial balance worked by hand.

The trial balance (debit positive): cash 1,500; receivables 2,500 less an allowance of 200; equipment
4,000 less accumulated depreciation 1,000; payables 1,800; a bank loan 2,000; share capital 1,000;
retained earnings 500; revenue 10,000; cost of sales 6,000; salaries 2,000; interest 100; tax 400.
The year's result is 10,000 - 6,000 - 2,000 - 100 - 400 = 1,500, so assets 6,800 = liabilities 3,800
+ equity (1,000 + 500 + 1,500) 3,000.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.mapping import lead_sheets
from shared import statements
from shared.mapped_tb import MappedLine
from shared.standard_chart import chart

pytestmark = pytest.mark.unit

D = Decimal
STANDARD = chart()


def line(
    number: str,
    code: str | None,
    amount: str,
    prior: str | None = None,
    adjustments: str = "0",
    status: str = "confirmed",
) -> MappedLine:
    section = STANDARD[code].section if code else None
    return MappedLine(
        number,
        f"Account {number}",
        code,
        section,
        status,
        D(amount),
        D(adjustments),
        None if prior is None else D(prior),
    )


# Assets: 1,500 + 2,500 - 200 + 4,000 - 1,000 = 6,800
# Liabilities: 1,800 + 2,000 = 3,800; equity: 1,000 + 500 + the year's result 1,500 = 3,000
# Result: 10,000 - 6,000 - 2,000 - 100 - 400 = 1,500
LINES = [
    line("100", "1010", "1500.00", "1000.00"),
    line("110", "1100", "2500.00", "2000.00"),
    line("111", "1110", "-200.00", "-100.00"),
    line("150", "1530", "4000.00", "4000.00"),
    line("151", "1580", "-1000.00", "-600.00"),
    line("200", "2000", "-1800.00", "-1700.00"),
    line("250", "2500", "-2000.00", "-2600.00"),
    line("300", "3000", "-1000.00", "-1000.00"),
    line("310", "3030", "-500.00", "0.00"),
    line("400", "4000", "-10000.00", "-9000.00"),
    line("500", "5000", "6000.00", "5500.00"),
    line("600", "6000", "2000.00", "2500.00"),
    line("800", "8010", "100.00", "150.00"),
    line("900", "9020", "400.00", "350.00"),
]


def test_the_balance_sheet_balances_with_the_years_result_in_equity() -> None:
    sheet = statements.build(LINES, STANDARD, "balance_sheet")
    assert sheet.balanced and sheet.difference == 0
    totals = {key: value.current for key, value in sheet.subtotals.items()}
    assert totals == {
        "total_assets": D("6800.00"),
        "total_liabilities": D("3800.00"),
        "total_equity": D("3000.00"),
        "total_liabilities_and_equity": D("6800.00"),
    }
    equity = next(s for s in sheet.sections if s.section == "equity")
    assert equity.captions[-1].caption == statements.RESULT_CAPTION and equity.captions[-1].current == D("1500.00")
    receivables = next(s for s in sheet.sections if s.section == "current_assets").captions
    assert [(c.caption, c.current, c.accounts) for c in receivables] == [
        ("Cash and cash equivalents", D("1500.00"), 1),
        ("Accounts receivable, net", D("2300.00"), 2),
    ]


def test_comparatives_come_with_the_prior_amounts_and_are_absent_without_them() -> None:
    sheet = statements.build(LINES, STANDARD, "balance_sheet")
    assert sheet.has_prior
    # Prior: assets 1,000 + 2,000 - 100 + 4,000 - 600 = 6,300; result 9,000 - 5,500 - 2,500 - 150 - 350 = 500
    assert sheet.subtotals["total_assets"].prior == D("6300.00")
    assert sheet.subtotals["total_liabilities_and_equity"].prior == D("1700.00") + D("2600.00") + D("1000.00") + D(
        "500.00"
    )
    without = statements.build(LINES, STANDARD, "balance_sheet", with_prior=False)
    assert not without.has_prior
    assert all(c.prior is None for s in without.sections for c in s.captions)
    assert without.subtotals["total_assets"].prior is None


def test_the_income_statement_steps_down_to_net_income() -> None:
    income = statements.build(LINES, STANDARD, "income_statement")
    steps = {key: (value.current, value.prior) for key, value in income.subtotals.items()}
    assert steps == {
        "gross_profit": (D("4000.00"), D("3500.00")),
        "operating_income": (D("2000.00"), D("1000.00")),
        "income_before_tax": (D("1900.00"), D("850.00")),
        "net_income": (D("1500.00"), D("500.00")),
    }
    assert income.balanced


def test_recorded_adjustments_move_the_final_balances_and_keep_the_balance() -> None:
    # An extra depreciation charge of 300: Dr depreciation expense, Cr accumulated depreciation.
    adjusted = [
        *LINES[:4],
        line("151", "1580", "-1000.00", "-600.00", adjustments="-300.00"),
        *LINES[5:],
        line("610", "6170", "0.00", "0.00", adjustments="300.00"),
    ]
    sheet = statements.build(adjusted, STANDARD, "balance_sheet")
    assert sheet.balanced
    assert sheet.subtotals["total_assets"].current == D("6500.00")
    assert statements.build(adjusted, STANDARD, "income_statement").subtotals["net_income"].current == D("1200.00")


def test_an_account_not_confirmed_is_listed_apart_and_the_statement_does_not_balance() -> None:
    pending = [*LINES[:1], line("110", "1100", "2500.00", status="suggested"), *LINES[2:]]
    sheet = statements.build(pending, STANDARD, "balance_sheet")
    assert not sheet.balanced
    assert sheet.difference == D("-2500.00")
    assert [(u.account_number, u.amount, u.status) for u in sheet.unmapped] == [("110", D("2500.00"), "suggested")]


def test_lead_sheets_group_by_letter_and_add_up_each_column() -> None:
    adjusted = [*LINES[:4], line("151", "1580", "-1000.00", "-600.00", adjustments="-300.00"), *LINES[5:]]
    sheets, unplaced = lead_sheets.build([*adjusted, line("999", None, "0.00", status="pending")], STANDARD)
    letters = [sheet.letter for sheet in sheets]
    assert letters == sorted(letters) and letters[:3] == ["A", "B", "E"]
    fixed = next(sheet for sheet in sheets if sheet.letter == "E")
    assert [row.account_number for row in fixed.rows] == ["150", "151"]
    assert (fixed.total("prior"), fixed.total("unadjusted"), fixed.total("adjustments"), fixed.total("final")) == (
        D("3400.00"),
        D("3000.00"),
        D("-300.00"),
        D("2700.00"),
    )
    assert [row.account_number for row in unplaced] == ["999"]
