"""ReportDocuments to test and benchmark with: a small one worked by hand and an N-account one.

The small trial balance (debit positive), current (prior): cash 1,500 (1,000); receivables 2,500 (2,000)
less an allowance of 200 (100); equipment 4,000 (4,000) less accumulated depreciation 1,000 (600);
payables 1,800 (1,700); a bank loan 2,000 (2,600); share capital 1,000 (1,000); retained earnings 500 (500);
revenue 10,000 (9,000); cost of sales 6,000 (5,500); salaries 2,000 (2,500); interest 100 (150); tax 400 (350).
Total assets 6,800.00 (6,300.00); liabilities 3,800 (4,300) and equity 1,000 + 500 + the year's result
1,500 (500) = 3,000 (2,000): total liabilities and equity 6,800.00 (6,300.00).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from decimal import Decimal
from typing import Any

from functions.reporting.document import (
    BenfordDigit,
    BenfordSummary,
    JeSummary,
    JeTestSummary,
    ReportDocument,
    SampleSummary,
)
from shared import statements
from shared.mapped_tb import MappedLine
from shared.standard_chart import chart

D = Decimal
STANDARD = chart()
TOTAL_ASSETS = D("6800.00")
PRIOR_TOTAL_ASSETS = D("6300.00")


def line(number: str, code: str, amount: str, prior: str | None) -> MappedLine:
    return MappedLine(
        number,
        f"Account {number}",
        code,
        STANDARD[code].section,
        "confirmed",
        D(amount),
        D(0),
        None if prior is None else D(prior),
    )


SMALL = [
    line("100", "1010", "1500.00", "1000.00"),
    line("110", "1100", "2500.00", "2000.00"),
    line("111", "1110", "-200.00", "-100.00"),
    line("150", "1530", "4000.00", "4000.00"),
    line("151", "1580", "-1000.00", "-600.00"),
    line("200", "2000", "-1800.00", "-1700.00"),
    line("250", "2500", "-2000.00", "-2600.00"),
    line("300", "3000", "-1000.00", "-1000.00"),
    line("310", "3030", "-500.00", "-500.00"),
    line("400", "4000", "-10000.00", "-9000.00"),
    line("500", "5000", "6000.00", "5500.00"),
    line("600", "6000", "2000.00", "2500.00"),
    line("800", "8010", "100.00", "150.00"),
    line("900", "9020", "400.00", "350.00"),
]

# A skewed first-digit population (too many 5s) of 10,000 amounts.
COUNTS = (2950, 1700, 1230, 950, 1020, 650, 570, 500, 430)


def benford() -> BenfordSummary:
    total = sum(COUNTS)
    digits = tuple(
        BenfordDigit(digit, count, count / total, math.log10(1 + 1 / digit)) for digit, count in enumerate(COUNTS, 1)
    )
    mad = sum(abs(d.observed - d.expected) for d in digits) / 9
    return BenfordSummary(digits, mad=mad, conformity="marginal")


def je_summary() -> JeSummary:
    return JeSummary(
        run_date=date(2026, 2, 10),
        population_lines=1_000_000,
        population_journals=84_213,
        tests=(
            JeTestSummary("unbalanced", "Journals that do not balance", 0, 0),
            JeTestSummary("weekend", "Entries posted on a weekend or holiday", 1_204, 311),
            JeTestSummary("round_amounts", "Round amounts", 5_870, 2_044),
            JeTestSummary("after_close", "Entries after the period close", 42, 9),
        ),
    )


def samples() -> tuple[SampleSummary, ...]:
    return (
        SampleSummary(
            "Accounts receivable confirmations",
            "mus",
            D("2500000.00"),
            58,
            1,
            D("12400.00"),
            D("61250.00"),
            "Upper misstatement limit below tolerable misstatement: accepted.",
        ),
        SampleSummary(
            "Purchases cut-off", "attribute", D("843000.00"), 40, 0, None, None, "No deviations: control relied on."
        ),
    )


def document(lines: list[MappedLine] | None = None, **changes: Any) -> ReportDocument:
    lines = SMALL if lines is None else lines
    base = ReportDocument(
        firm_name="Harbor & Pine LLP",
        firm_city="Portland, Oregon",
        client_name="Northwind Traders, Inc.",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        framework="us_gaap",
        standards="aicpa",
        opinion="unmodified",
        basis_for_modification=None,
        emphasis_of_matter=None,
        report_date=date(2026, 3, 14),
        signer_name="Dana Whitfield",
        signer_title="Engagement Partner",
        version=1,
        statements=(
            statements.build(lines, STANDARD, "balance_sheet"),
            statements.build(lines, STANDARD, "income_statement"),
        ),
        je_summary=je_summary(),
        benford=benford(),
        samples=samples(),
    )
    return dataclasses.replace(base, **changes) if changes else base


def accounts(count: int) -> list[MappedLine]:
    """`count` accounts spread over the standard chart, balanced in both years (retained earnings closes them)."""
    codes = [a.code for a in STANDARD.accounts if a.code != "3030"]
    lines = []
    for index in range(count - 1):
        code = codes[(index * 7) % len(codes)]
        account = STANDARD[code]
        size = D(1000 + (index * 7919) % 900_000) + D(index % 100) / 100
        credit = account.normal_balance == "credit"
        current = -size if credit else size
        prior = (current * D("0.93")).quantize(D("0.01"))
        lines.append(
            MappedLine(
                f"{10000 + index}", f"{account.name} {index}", code, account.section, "confirmed", current, D(0), prior
            )
        )
    current_sum = sum((ln.final for ln in lines), D(0))
    prior_sum = sum((ln.prior or D(0) for ln in lines), D(0))
    lines.append(
        MappedLine("39999", "Retained earnings", "3030", "equity", "confirmed", -current_sum, D(0), -prior_sum)
    )
    return lines


def large_document(count: int = 300, **changes: Any) -> ReportDocument:
    return document(accounts(count), **changes)
