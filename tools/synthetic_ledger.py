"""A synthetic general ledger whose anomalies are known in advance.

Tests of the journal-entry analytics (docs/audit-rules.md section 4) need a population where every flag is
explained: the normal population is generated so that it trips none of the line-level tests by
accident (no round amounts, no weekend or after-hours entries, no duplicate keys, no blank
descriptions, every journal balanced), and then a small, seeded set of anomalies is planted and
recorded in `LedgerFacts`. The same seed gives the same bytes, so the files double as fixtures for
the ingestion and analytics benchmarks.

Planted kinds use the test codes of docs/audit-rules.md section 4. Entries entered after year end for
the closed year are `post_closing` (`post_dated` needs a document date, which this ledger does not
carry); `below_threshold` (amounts just under the 10,000 approval limit) is not one of Aura's tests
but a Nigrini one.
Exactness of `rare_user` and `rare_account` needs enough lines for every ordinary user and account to
pass the default N (about 10,000 lines); below that, `user_lines` and `account_lines` say who is rare.
`unusual_account_pair`, `period_end` and `high_amount` are not planted: they occur naturally.

Real ledgers differ in the ways that make an engine fail or crawl, so the generator has shapes
(`SHAPES`, `--shape`), each with the same planted anomalies:

- `default`: 14 columns with debit and credit, 2-8 lines a journal (2.8 on average), 120 accounts,
  25 users, every journal described;
- `ads`: the AICPA Audit Data Standard GL_Detail layout (`ADS_HEADER`: one positive Amount with an
  S/H indicator), about 2.6 lines a journal, 400 accounts, 60 users, 8-digit journal ids with voided
  numbers between them (more gaps than the planted ones, all in `sequence_gaps`), and most journals
  without any description (`natural_lines["missing_description"]` counts those lines);
- `large-journals`: 20-80 lines a journal (about 50), 5,000 accounts;
- `wide-text`: every description 200 characters long, 20,000 users.

With many accounts or users, most of them are rare in a small ledger: `account_lines` and
`user_lines` say which (the rare_account and rare_user truth is computed from them, not planted).

Everything streams: lines go to the CSV writer journal by journal, and the only per-line state kept
is a set of duplicate keys for the current period (journals are generated in effective-date order,
so a period's keys can be dropped once it is over).

Usage: python -m tools.synthetic_ledger --lines 1000000 --seed 2026 --shape ads --out /tmp/ledger
"""

from __future__ import annotations

import argparse
import bisect
import csv
import dataclasses
import itertools
import json
import math
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

GL_HEADER = (
    "Journal ID",
    "Line",
    "Account",
    "Description",
    "Debit",
    "Credit",
    "Effective Date",
    "Entered Date",
    "Entered Time",
    "Entered By",
    "Approved By",
    "Source",
    "Period",
    "Fiscal Year",
)
# AICPA Audit Data Standard, GL_Detail (ADS General Ledger Standard, July 2015).
ADS_HEADER = (
    "Journal_ID",
    "Journal_ID_Line_Number",
    "JE_Header_Description",
    "JE_Line_Description",
    "Source",
    "Business_Unit_Code",
    "Fiscal_Year",
    "Period",
    "Effective_Date",
    "Entered_Date",
    "Entered_Time",
    "Entered_By",
    "Approved_By",
    "GL_Account_Number",
    "Amount",
    "Amount_Credit_Debit_Indicator",
    "Amount_Currency",
)
COA_HEADER = ("Account Number", "Account Name", "Account Type", "Normal Balance")
TB_HEADER = ("Account Number", "Account Name", "Opening Balance", "Closing Balance")

APPROVAL_THRESHOLD_CENTS = 1_000_000
# Normal amounts avoid this band so that the planted just-below-threshold journals are the only ones in it.
BELOW_THRESHOLD_FLOOR_CENTS = 990_000
# Normal amounts are never a multiple of this (round_amount's default base 1,000).
ROUND_BASE_CENTS = 100_000
RARE_USER = "sysadmin"
_BELOW_THRESHOLD_BAND = (BELOW_THRESHOLD_FLOOR_CENTS, APPROVAL_THRESHOLD_CENTS)
MAX_JOURNAL_LINES = 8

PLANTED_KINDS = (
    "unbalanced",
    "sequence_gap",
    "duplicate_lines",
    "round_amount",
    "post_closing",
    "backdated",
    "weekend_entry",
    "after_hours",
    "rare_user",
    "rare_account",
    "below_threshold",
    "missing_description",
    "self_approved",
)

# (number, name, type, normal balance, pool). Pools are what the journal templates draw from; accounts in the
# pools no template uses (retained earnings, share capital, treasury stock, suspense) stay quiet on purpose.
_CHART: tuple[tuple[int, str, str, str, str], ...] = (
    (1000, "Cash - Operating Account", "asset", "debit", "cash"),
    (1010, "Cash - Payroll Account", "asset", "debit", "pr_cash"),
    (1020, "Cash - Money Market", "asset", "debit", "cash_other"),
    (1030, "Petty Cash", "asset", "debit", "cash_other"),
    (1100, "Accounts Receivable - Trade", "asset", "debit", "ar"),
    (1110, "Accounts Receivable - Intercompany", "asset", "debit", "ar_other"),
    (1120, "Employee Advances", "asset", "debit", "ar_other"),
    (1150, "Allowance for Doubtful Accounts", "asset", "credit", "contra_ar"),
    (1200, "Inventory - Raw Materials", "asset", "debit", "inventory"),
    (1210, "Inventory - Work in Progress", "asset", "debit", "inventory"),
    (1220, "Inventory - Finished Goods", "asset", "debit", "inventory"),
    (1300, "Prepaid Insurance", "asset", "debit", "prepaid"),
    (1310, "Prepaid Rent", "asset", "debit", "prepaid"),
    (1320, "Prepaid Software Licenses", "asset", "debit", "prepaid"),
    (1400, "Short-Term Investments", "asset", "debit", "investment"),
    (1500, "Land", "asset", "debit", "land"),
    (1510, "Buildings", "asset", "debit", "fixed_asset"),
    (1520, "Machinery and Equipment", "asset", "debit", "fixed_asset"),
    (1530, "Furniture and Fixtures", "asset", "debit", "fixed_asset"),
    (1540, "Vehicles", "asset", "debit", "fixed_asset"),
    (1550, "Computer Equipment", "asset", "debit", "fixed_asset"),
    (1610, "Accumulated Depreciation - Buildings", "asset", "credit", "accum_dep"),
    (1620, "Accumulated Depreciation - Machinery", "asset", "credit", "accum_dep"),
    (1630, "Accumulated Depreciation - Furniture", "asset", "credit", "accum_dep"),
    (1640, "Accumulated Depreciation - Vehicles", "asset", "credit", "accum_dep"),
    (1650, "Accumulated Depreciation - Computers", "asset", "credit", "accum_dep"),
    (1700, "Goodwill", "asset", "debit", "goodwill"),
    (1710, "Software and Other Intangibles", "asset", "debit", "intangible"),
    (1720, "Accumulated Amortization", "asset", "credit", "accum_amort"),
    (1800, "Security Deposits", "asset", "debit", "other_asset"),
    (1990, "Suspense Account", "asset", "debit", "suspense"),
    (2000, "Accounts Payable - Trade", "liability", "credit", "ap"),
    (2010, "Accounts Payable - Intercompany", "liability", "credit", "ap_other"),
    (2100, "Accrued Expenses", "liability", "credit", "accrued"),
    (2110, "Accrued Utilities", "liability", "credit", "accrued"),
    (2120, "Accrued Interest", "liability", "credit", "accrued_interest"),
    (2200, "Accrued Wages", "liability", "credit", "pr_liab"),
    (2210, "Federal Income Tax Withheld", "liability", "credit", "pr_liab"),
    (2220, "State Income Tax Withheld", "liability", "credit", "pr_liab"),
    (2230, "FICA Payable", "liability", "credit", "pr_liab"),
    (2240, "Benefits Payable", "liability", "credit", "pr_liab"),
    (2250, "Retirement Contributions Payable", "liability", "credit", "pr_liab"),
    (2300, "Sales Tax Payable", "liability", "credit", "sales_tax"),
    (2400, "Income Taxes Payable", "liability", "credit", "income_tax"),
    (2500, "Deferred Revenue", "liability", "credit", "deferred_rev"),
    (2600, "Customer Deposits", "liability", "credit", "deferred_rev"),
    (2700, "Line of Credit", "liability", "credit", "debt"),
    (2800, "Notes Payable - Current", "liability", "credit", "debt"),
    (2900, "Long-Term Debt", "liability", "credit", "debt"),
    (3000, "Common Stock", "equity", "credit", "share_capital"),
    (3100, "Additional Paid-In Capital", "equity", "credit", "share_capital"),
    (3200, "Retained Earnings", "equity", "credit", "retained"),
    (3300, "Dividends Declared", "equity", "debit", "dividends"),
    (3400, "Treasury Stock", "equity", "debit", "treasury"),
    (4000, "Product Sales - Domestic", "revenue", "credit", "revenue"),
    (4010, "Product Sales - Export", "revenue", "credit", "revenue"),
    (4020, "Service Revenue", "revenue", "credit", "revenue"),
    (4030, "Maintenance Contracts", "revenue", "credit", "revenue"),
    (4040, "Subscription Revenue", "revenue", "credit", "revenue"),
    (4050, "Installation Revenue", "revenue", "credit", "revenue"),
    (4100, "Sales Returns and Allowances", "revenue", "debit", "contra_rev"),
    (4110, "Sales Discounts", "revenue", "debit", "contra_rev"),
    (4200, "Interest Income", "revenue", "credit", "other_income"),
    (4210, "Rental Income", "revenue", "credit", "other_income"),
    (4300, "Gain on Sale of Assets", "revenue", "credit", "other_income"),
    (4900, "Miscellaneous Income", "revenue", "credit", "other_income"),
    (5000, "Cost of Goods Sold - Materials", "expense", "debit", "cogs"),
    (5010, "Cost of Goods Sold - Labor", "expense", "debit", "cogs"),
    (5020, "Cost of Goods Sold - Overhead", "expense", "debit", "cogs"),
    (5100, "Freight In", "expense", "debit", "direct"),
    (5200, "Inventory Shrinkage", "expense", "debit", "cogs"),
    (5300, "Subcontractor Costs", "expense", "debit", "direct"),
    (6000, "Salaries - Administration", "expense", "debit", "pr_exp"),
    (6010, "Salaries - Sales", "expense", "debit", "pr_exp"),
    (6020, "Salaries - Operations", "expense", "debit", "pr_exp"),
    (6030, "Wages - Hourly", "expense", "debit", "pr_exp"),
    (6040, "Overtime", "expense", "debit", "pr_exp"),
    (6050, "Bonuses", "expense", "debit", "pr_exp"),
    (6100, "Payroll Taxes", "expense", "debit", "pr_tax"),
    (6110, "Employee Benefits - Health", "expense", "debit", "benefits"),
    (6120, "Retirement Plan Expense", "expense", "debit", "benefits"),
    (6130, "Workers Compensation", "expense", "debit", "benefits"),
    (7000, "Rent Expense", "expense", "debit", "opex"),
    (7010, "Utilities - Electricity", "expense", "debit", "opex"),
    (7020, "Utilities - Water", "expense", "debit", "opex"),
    (7030, "Telephone and Internet", "expense", "debit", "opex"),
    (7040, "Office Supplies", "expense", "debit", "opex"),
    (7050, "Postage and Courier", "expense", "debit", "opex"),
    (7100, "Repairs and Maintenance", "expense", "debit", "opex"),
    (7110, "Janitorial Services", "expense", "debit", "opex"),
    (7120, "Security Services", "expense", "debit", "opex"),
    (7200, "Insurance - Property", "expense", "debit", "opex_prepaid"),
    (7210, "Insurance - Liability", "expense", "debit", "opex_prepaid"),
    (7300, "Software Subscriptions", "expense", "debit", "opex_prepaid"),
    (7310, "IT Support Services", "expense", "debit", "opex"),
    (7320, "Computer Supplies", "expense", "debit", "opex"),
    (7400, "Advertising", "expense", "debit", "opex"),
    (7410, "Marketing Events", "expense", "debit", "opex"),
    (7420, "Sales Commissions", "expense", "debit", "opex"),
    (7430, "Trade Shows", "expense", "debit", "opex"),
    (7500, "Travel - Airfare", "expense", "debit", "opex"),
    (7510, "Travel - Lodging", "expense", "debit", "opex"),
    (7520, "Meals and Entertainment", "expense", "debit", "opex"),
    (7530, "Vehicle Fuel", "expense", "debit", "opex"),
    (7540, "Vehicle Maintenance", "expense", "debit", "opex"),
    (7600, "Legal Fees", "expense", "debit", "opex"),
    (7610, "Audit and Accounting Fees", "expense", "debit", "opex"),
    (7620, "Consulting Fees", "expense", "debit", "opex"),
    (7630, "Recruiting Fees", "expense", "debit", "opex"),
    (7700, "Training and Development", "expense", "debit", "opex"),
    (7710, "Dues and Subscriptions", "expense", "debit", "opex"),
    (7800, "Bank Charges", "expense", "debit", "bank_fees"),
    (7810, "Credit Card Fees", "expense", "debit", "bank_fees"),
    (7900, "Bad Debt Expense", "expense", "debit", "bad_debt"),
    (8000, "Depreciation Expense", "expense", "debit", "depreciation"),
    (8010, "Amortization Expense", "expense", "debit", "amortization"),
    (8100, "Interest Expense", "expense", "debit", "interest_exp"),
    (8200, "Income Tax Expense", "expense", "debit", "income_tax_exp"),
    (8300, "Loss on Disposal of Assets", "expense", "debit", "other_exp"),
    (8900, "Miscellaneous Expense", "expense", "debit", "other_exp"),
)

CUSTOMERS = (
    "Northwind Traders", "Contoso Retail", "Fabrikam Industries", "Adventure Works", "Tailspin Toys",
    "Wide World Importers", "Litware Inc", "Proseware Ltd", "Coho Vineyard", "Alpine Ski House",
    "Blue Yonder Airlines", "Fourth Coffee", "Graphic Design Institute", "Humongous Insurance",
    "Lucerne Publishing", "Margie's Travel", "Southridge Video", "Trey Research", "Woodgrove Bank",
    "Wingtip Toys", "Consolidated Messenger", "City Power & Light", "School of Fine Art", "VanArsdel Ltd",
)  # fmt: skip
VENDORS = (
    "Acme Supplies", "Globex Logistics", "Initech Services", "Umbrella Facilities", "Stark Components",
    "Wayne Packaging", "Cyberdyne IT", "Soylent Foods", "Hooli Cloud", "Vandelay Industries",
    "Pied Piper Software", "Gringotts Leasing", "Oceanic Freight", "Massive Dynamic", "Tyrell Electric",
    "Aperture Labs", "Monarch Office", "Dunder Paper Co", "Prestige Worldwide", "Sterling Cooper Media",
)  # fmt: skip
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip


@dataclass(frozen=True)
class Shape:
    """What a preset's ledger looks like; the anomalies planted are the same in every shape."""

    name: str
    accounts: int
    users: int
    line_counts: tuple[int, ...]  # journal sizes, drawn with `line_weights`
    line_weights: tuple[int, ...]
    layout: str = "default"  # "default": GL_HEADER, debit and credit; "ads": ADS_HEADER, amount and S/H
    described: float = 1.0  # share of journals with a description; the others have none at all
    description_chars: int = 0  # every description padded to this length (0: as the template words it)
    voided_ids: float = 0.0  # chance that 1-3 journal numbers are skipped after a journal
    journal_id_start: int = 1

    @property
    def max_lines(self) -> int:
        return max(self.line_counts)

    @property
    def header(self) -> tuple[str, ...]:
        return ADS_HEADER if self.layout == "ads" else GL_HEADER


_DEFAULT_COUNTS = ((2, 3, 4, 5, 6, 7, 8), (45, 25, 15, 6, 4, 3, 2))
SHAPES = {
    shape.name: shape
    for shape in (
        Shape("default", 120, 25, *_DEFAULT_COUNTS),
        Shape(
            "ads",
            400,
            60,
            (2, 3, 4, 5, 6),
            (56, 30, 9, 3, 2),
            layout="ads",
            described=0.38,
            voided_ids=0.002,
            journal_id_start=10_000_001,
        ),
        Shape("large-journals", 5_000, 25, tuple(range(20, 81)), (1,) * 61),
        Shape("wide-text", 120, 20_000, *_DEFAULT_COUNTS, description_chars=200),
    )
}


@dataclass(frozen=True)
class LedgerSpec:
    lines: int = 1_000_000
    seed: int = 2026
    fiscal_start: date = date(2025, 1, 1)
    fiscal_end: date = date(2025, 12, 31)
    accounts: int = 0  # 0: the shape's
    users: int = 0  # 0: the shape's
    anomalies: bool = True
    shape: str = "default"

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}")
        if not self.accounts:
            object.__setattr__(self, "accounts", SHAPES[self.shape].accounts)
        if not self.users:
            object.__setattr__(self, "users", SHAPES[self.shape].users)
        minimum = 1_000 if self.anomalies else 2
        if self.lines < minimum:
            raise ValueError(f"lines must be at least {minimum} (planted anomalies need room)")
        if not 28 <= (self.fiscal_end - self.fiscal_start).days < 366:
            raise ValueError("fiscal year must span between 4 weeks and a year")
        if not 3 <= self.users <= 100_000:
            raise ValueError("users must be between 3 and 100,000")
        low, high = len({row[4] for row in _CHART}), len(_CHART) + _MAX_EXTRA_ACCOUNTS
        if not low <= self.accounts <= high:
            raise ValueError(f"accounts must be between {low} and {high}")


@dataclass
class LedgerFacts:
    """What the generator wrote, in JSON-ready types (amounts as strings with 2 decimals, dates ISO)."""

    seed: int
    fiscal_start: str
    fiscal_end: str
    lines: int
    journals: int
    first_journal: str
    last_journal: str
    total_debit: str
    total_credit: str
    approval_threshold: str
    per_account_activity: dict[str, str]  # debit minus credit, every chart account (0.00 when unused)
    account_lines: dict[str, int]  # accounts used -> number of lines
    user_lines: dict[str, int]  # entered_by -> number of lines
    users: list[str]
    accounts: list[str]
    planted: dict[str, list[str]]  # kind -> journal ids (sequence_gap: the missing ids)
    sequence_gaps: list[list[str]] = field(default_factory=list)  # [first missing, last missing]
    planted_lines: dict[str, int] = field(default_factory=dict)  # kind -> lines in those journals
    shape: str = "default"
    # kind -> lines the shape itself gives that flag (not planted): missing_description in `ads`
    natural_lines: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- chart


_MAX_EXTRA_ACCOUNTS = 20_000
_NUMBERED_EXTRAS = 40  # 8500, 8510, ... 8890; any further extra account is numbered from 10000


@dataclass(frozen=True)
class _Account:
    number: str
    name: str
    type: str
    normal: str
    pool: str


def _chart(spec: LedgerSpec) -> list[_Account]:
    """The base chart trimmed (largest pools first, keeping one account per pool) or padded with expenses."""
    rows = list(_CHART)
    while len(rows) > spec.accounts:
        sizes: dict[str, int] = {}
        for row in rows:
            sizes[row[4]] = sizes.get(row[4], 0) + 1
        biggest = max(sizes, key=lambda pool: (sizes[pool], pool))
        victim = max(i for i, row in enumerate(rows) if row[4] == biggest)
        del rows[victim]
    for extra in range(spec.accounts - len(rows)):
        number = 8500 + 10 * extra if extra < _NUMBERED_EXTRAS else 10_000 + extra
        rows.append((number, f"Other Operating Expense {extra + 1:02d}", "expense", "debit", "opex"))
    rows.sort()
    return [_Account(str(number), name, kind, normal, pool) for number, name, kind, normal, pool in rows]


def write_chart_of_accounts(path: Path | str, spec: LedgerSpec) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COA_HEADER)
        writer.writerows((a.number, a.name, a.type, a.normal) for a in _chart(spec))


# ---------------------------------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class _Template:
    weight: float
    source: str
    debit: tuple[str, ...]  # pools; the first line of a side uses the first pool, later lines any of them
    credit: tuple[str, ...]
    multi: str  # which side carries the extra lines: "debit", "credit" or "both"
    min_lines: int
    max_lines: int
    decades: tuple[float, float]  # journal total drawn log-uniformly between 10**lo and 10**hi
    description: str  # str.format fields: customer, vendor, month, number


def _t(
    weight: float,
    source: str,
    debit: str,
    credit: str,
    multi: str,
    low: int,
    high: int,
    lo: float,
    hi: float,
    text: str,
) -> _Template:
    return _Template(weight, source, tuple(debit.split()), tuple(credit.split()), multi, low, high, (lo, hi), text)


_TEMPLATES = (
    _t(28, "AR", "ar", "revenue revenue sales_tax", "credit", 2, 4, 2, 5, "Invoice INV-{number:06d} - {customer}"),
    _t(2, "AR", "contra_rev", "ar", "credit", 2, 2, 1, 4, "Credit memo CM-{number:05d} - {customer}"),
    _t(1.5, "AR", "ar", "deferred_rev", "credit", 2, 2, 3, 5, "Advance billing INV-{number:06d} - {customer}"),
    _t(15, "CR", "cash", "ar", "credit", 2, 4, 2.3, 5.3, "Customer remittance - {customer}"),
    _t(1.2, "CR", "cash", "other_income", "credit", 2, 3, 1, 4, "Receipt {number:06d} - miscellaneous"),
    _t(0.6, "CR", "cash", "ar_other", "credit", 2, 3, 2, 4, "Repayment of advance {number:05d}"),
    _t(0.6, "CD", "ar_other", "cash", "debit", 2, 2, 2, 4, "Advance {number:05d}"),
    _t(0.3, "CR", "cash", "investment cash_other", "credit", 2, 2, 3, 6, "Transfer from investments"),
    _t(18, "AP", "opex opex direct inventory", "ap", "debit", 2, 5, 1, 5, "Vendor invoice {number:07d} - {vendor}"),
    _t(2, "AP", "prepaid", "ap", "debit", 2, 3, 3, 5, "Annual contract {number:07d} - {vendor}"),
    _t(1, "AP", "fixed_asset", "ap", "debit", 2, 3, 3, 5.5, "Capital purchase PO-{number:06d} - {vendor}"),
    _t(0.6, "AP", "intangible", "ap", "debit", 2, 2, 3, 5, "Software licence PO-{number:06d} - {vendor}"),
    _t(0.6, "AP", "opex", "ap_other", "debit", 2, 3, 2, 5, "Intercompany recharge {month}"),
    _t(11, "CD", "ap", "cash", "debit", 2, 4, 2.3, 5.3, "Payment run {number:05d} - {vendor}"),
    _t(1.5, "CD", "bank_fees", "cash", "debit", 2, 2, 0, 3, "Bank fees {month}"),
    _t(0.4, "CD", "ap_other", "cash", "debit", 2, 3, 3, 5, "Intercompany settlement {number:05d}"),
    _t(0.8, "CD", "debt accrued_interest", "cash", "debit", 2, 3, 3, 5.5, "Loan repayment {month}"),
    _t(0.4, "CR", "cash", "debt", "credit", 2, 2, 3.5, 5.5, "Drawdown on credit facility {number:05d}"),
    _t(0.2, "CD", "investment cash_other other_asset", "cash", "debit", 2, 2, 3, 5, "Treasury transfer {number:05d}"),
    _t(0.3, "CD", "dividends", "cash", "debit", 2, 2, 3.5, 5.5, "Dividend payment {month}"),
    _t(
        6, "PR", "pr_exp pr_exp pr_tax benefits", "pr_cash pr_liab", "both", 4, 8, 3, 5, "Payroll {month} #{number:03d}"
    ),
    _t(2, "CD", "pr_liab", "pr_cash", "debit", 2, 4, 3, 5, "Payroll remittance {month}"),
    _t(2.1, "CD", "pr_cash", "cash", "debit", 2, 2, 3.5, 5.5, "Funding of payroll account {month}"),
    _t(2, "GJ", "depreciation", "accum_dep", "credit", 2, 5, 2, 5, "Depreciation {month}"),
    _t(0.5, "GJ", "amortization", "accum_amort", "credit", 2, 2, 2, 4, "Amortisation of intangibles {month}"),
    _t(4, "GJ", "opex", "accrued", "debit", 2, 3, 2, 5, "Accrual {month} - {vendor}"),
    _t(1.5, "GJ", "opex_prepaid", "prepaid", "debit", 2, 3, 2, 4, "Prepaid release {month}"),
    _t(3, "GJ", "cogs", "inventory", "both", 2, 4, 3, 5, "Cost of sales {month}"),
    _t(0.5, "GJ", "interest_exp", "accrued_interest", "debit", 2, 2, 2, 5, "Interest accrual {month}"),
    _t(0.3, "GJ", "income_tax_exp", "income_tax", "debit", 2, 2, 3, 6, "Income tax provision {month}"),
    _t(0.3, "GJ", "bad_debt", "contra_ar", "debit", 2, 2, 2, 4, "Doubtful debts provision {month}"),
    _t(1, "GJ", "deferred_rev", "revenue", "credit", 2, 3, 2, 5, "Revenue recognition {month}"),
    _t(0.8, "GJ", "other_exp", "cash accum_dep", "credit", 2, 3, 1, 4, "Disposal and sundry {number:05d}"),
)
# Words that pad the `wide-text` descriptions: none of them is a suspicious keyword (audit-rules.md section 4).
_FILLER_WORDS = (
    "per", "contract", "schedule", "approved", "budget", "line", "cost", "centre", "project", "phase",
    "delivery", "order", "reference", "quarter", "allocation", "region", "north", "south", "east", "west",
    "branch", "office", "service", "period", "statement", "account", "invoice", "batch", "supplier", "customer",
    "terms", "net", "thirty", "days", "warehouse", "site", "team", "programme", "release", "note",
)  # fmt: skip
# Entry hours stay inside 06:00-19:59 so that after_hours's default window (>= 20 or <= 5) sees only planted lines.
_HOURS = tuple(range(6, 20))
_HOUR_CUM = list(itertools.accumulate((1, 3, 9, 12, 12, 10, 6, 10, 12, 11, 8, 4, 2, 1)))
_AFTER_HOURS = (22, 23, 0, 1, 2, 3, 4, 5)


# ---------------------------------------------------------------------------------------------------- generator


class _RowWriter(Protocol):
    def writerow(self, row: Sequence[Any], /) -> Any: ...

    def writerows(self, rows: Sequence[Sequence[Any]], /) -> None: ...


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


@dataclass
class _Journal:
    template: _Template
    lines: list[tuple[str, int]]  # (account, signed cents: debit positive)
    description: str
    effective: date
    entered: date
    time: str
    user: str
    approver: str


class _Generator:
    def __init__(self, spec: LedgerSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)  # noqa: S311 - reproducible test data, not security
        self.chart = _chart(spec)
        self.pools: dict[str, list[str]] = {}
        for account in self.chart:
            self.pools.setdefault(account.pool, []).append(account.number)
        self.templates = [t for t in _TEMPLATES if all(p in self.pools for p in t.debit + t.credit)]
        self.template_cum = list(itertools.accumulate(t.weight for t in self.templates))
        self.shape = shape = SHAPES[spec.shape]
        # Journals larger than the templates' own ranges: templates stretch to the shape's sizes.
        self.stretch = shape.max_lines > MAX_JOURNAL_LINES
        self.line_counts = shape.line_counts
        self.line_cum = list(itertools.accumulate(shape.line_weights))
        width = 2 if spec.users <= 99 else len(str(spec.users))
        self.users = [f"user{i:0{width}d}" for i in range(1, spec.users + 1)]
        self.user_cum = list(itertools.accumulate(1 / rank for rank in range(1, spec.users + 1)))
        self.approvers = self.users[-max(2, spec.users // 5) :]
        self.business_days = [d for d in _days(spec.fiscal_start, spec.fiscal_end) if d.weekday() < 5]
        weights = []
        for i, day in enumerate(self.business_days):
            following = self.business_days[i + 1 : i + 3]
            month_end = len(following) < 2 or following[-1].month != day.month
            weights.append(3.0 if month_end else 1.0)
        self.day_cum = list(itertools.accumulate(weights))
        self.iso: dict[date, str] = {}
        self.id_width = max(6, len(str(spec.lines // 2 + 100)))
        self.next_id = shape.journal_id_start
        self.filler = " ".join(self.rng.choice(_FILLER_WORDS) for _ in range(4_000)) if shape.description_chars else ""
        self.seen: set[tuple[str, int]] = set()
        self.seen_period = 0
        # facts
        self.written = 0
        self.journal_count = 0
        self.debit = 0
        self.credit = 0
        self.activity: dict[str, int] = {a.number: 0 for a in self.chart}
        self.account_lines: dict[str, int] = {}
        self.user_lines: dict[str, int] = {}
        self.planted: dict[str, list[str]] = {kind: [] for kind in PLANTED_KINDS}
        self.planted_lines: dict[str, int] = dict.fromkeys(PLANTED_KINDS, 0)
        self.natural_lines: dict[str, int] = {}
        self.gaps: list[list[str]] = []
        self.first_id = ""
        self.last_id = ""
        self.last_normal: tuple[_Journal, str] | None = None
        self.round_amounts: list[int] = []

    # -- small helpers

    def _id(self, number: int) -> str:
        return str(number) if self.shape.layout == "ads" else f"JE{number:0{self.id_width}d}"

    def _date(self, day: date) -> str:
        text = self.iso.get(day)
        if text is None:
            text = self.iso[day] = day.isoformat()
        return text

    def _period(self, day: date) -> int:
        start = self.spec.fiscal_start
        return (day.year - start.year) * 12 + day.month - start.month + 1

    def _user(self) -> str:
        return self.rng.choices(self.users, cum_weights=self.user_cum)[0]

    def _approver(self, user: str) -> str:
        choice = self.rng.choice(self.approvers)
        while choice == user:
            choice = self.rng.choice(self.approvers)
        return choice

    def _time(self, hours: Sequence[int] | None = None) -> str:
        rng = self.rng
        hour = rng.choice(hours) if hours else rng.choices(_HOURS, cum_weights=_HOUR_CUM)[0]
        return f"{hour:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"

    def _day_index(self, progress: float) -> int:
        target = progress * self.day_cum[-1]
        return min(bisect.bisect_left(self.day_cum, target), len(self.business_days) - 1)

    def _entered_index(self, index: int) -> int:
        offset = self.rng.choices((0, 1, 2, 3, 4), cum_weights=(55, 80, 90, 96, 100))[0]
        return min(index + offset, len(self.business_days) - 1)

    def _amount(self, decades: tuple[float, float]) -> int:
        low, high = decades
        return int(math.exp(self.rng.uniform(low, high) * math.log(10)) * 100)

    def _split(self, total: int, parts: int) -> list[int]:
        if parts == 1:
            return [total]
        weights = [self.rng.lognormvariate(0, 0.8) for _ in range(parts)]
        scale = total / sum(weights)
        amounts = [int(w * scale) for w in weights[:-1]]
        amounts.append(total - sum(amounts))
        return amounts

    def _acceptable(self, lines: list[tuple[str, int]], period: int, *, natural: bool = True) -> bool:
        """Keeps the normal population clear of every amount-based flag, so the planted ones are the only ones."""
        if period != self.seen_period:
            self.seen.clear()
            self.seen_period = period
        keys = set()
        for account, cents in lines:
            size = abs(cents)
            if size == 0:
                return False
            if natural and (
                size % ROUND_BASE_CENTS == 0 or BELOW_THRESHOLD_FLOOR_CENTS <= size < APPROVAL_THRESHOLD_CENTS
            ):
                return False
            key = (account, cents)
            if key in self.seen or key in keys:
                return False
            keys.add(key)
        self.seen.update(keys)
        return True

    # -- journal construction

    def _draw_lines(self, template: _Template, count: int, total: int | None = None) -> list[tuple[str, int]]:
        rng = self.rng
        if template.multi == "debit":
            debits = count - 1
        elif template.multi == "credit":
            debits = 1
        else:
            debits = rng.randint(1, count - 1)
        credits = count - debits
        if total is None:
            total = self._amount(template.decades)
            if self.stretch:  # a long journal spreads a larger total, so that its lines stay ordinary amounts
                total *= max(1, count // 3)
        lines: list[tuple[str, int]] = []
        for side, parts, pools in ((1, debits, template.debit), (-1, credits, template.credit)):
            for i, cents in enumerate(self._split(total, parts)):
                pool = pools[0] if i == 0 else rng.choice(pools)
                lines.append((rng.choice(self.pools[pool]), side * cents))
        return lines

    def _describe(self, template: _Template, effective: date) -> str:
        rng = self.rng
        shape = self.shape
        if shape.described < 1 and rng.random() >= shape.described:
            return ""
        text = template.description.format(
            customer=rng.choice(CUSTOMERS),
            vendor=rng.choice(VENDORS),
            month=f"{MONTHS[effective.month - 1]} {effective.year}",
            number=rng.randrange(1, 10**5),
        )
        return self._widen(text)

    def _widen(self, text: str) -> str:
        """The text padded with ordinary words to the shape's description length, if it has one."""
        room = self.shape.description_chars - len(text) - 3
        if room <= 0:
            return text
        start = self.rng.randrange(len(self.filler) - 2 * room)
        words = self.filler[start : start + 2 * room].lstrip()[:room]
        return f"{text} - {words[:-1]}{'.' if words[-1] == ' ' else words[-1]}"

    def _template_for(self, count: int | None) -> _Template:
        if count is None:
            return self.rng.choices(self.templates, cum_weights=self.template_cum)[0]
        fitting = [t for t in self.templates if t.min_lines <= count <= (count if self.stretch else t.max_lines)]
        return self.rng.choices(fitting, weights=[t.weight for t in fitting])[0]

    def _line_count(self, template: _Template, remaining: int) -> int:
        count = self.rng.choices(self.line_counts, cum_weights=self.line_cum)[0]
        count = max(template.min_lines, min(count if self.stretch else template.max_lines, count, remaining))
        if remaining - count == 1:
            count = count - 1 if count > template.min_lines else count + 1
        return count

    def _journal(
        self,
        progress: float,
        *,
        count: int | None = None,
        remaining: int | None = None,
        pools: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
        total: int | None = None,
        delta: int = 0,
        day_index: int | None = None,
    ) -> _Journal:
        """A normal journal: balanced (unless `delta` is set), unique keys, ordinary date, time and users."""
        index = self._day_index(progress) if day_index is None else day_index
        effective = self.business_days[index]
        period = self._period(effective)
        while True:
            template = self._template_for(count)
            if pools is not None:
                template = _Template(
                    1, template.source, pools[0], pools[1], "debit", 2, 2, template.decades, template.description
                )
            n = count if count is not None else self._line_count(template, remaining or self.shape.max_lines)
            lines = self._draw_lines(template, n, total)
            if delta:
                # grow the first debit (delta > 0) or the first credit (delta < 0) line by |delta|
                at = 0 if delta > 0 else len(lines) - 1
                account, cents = lines[at]
                lines[at] = (account, cents + delta)
            if self._acceptable(lines, period, natural=total is None):
                break
        user = self._user()
        return _Journal(
            template=template,
            lines=lines,
            description=self._describe(template, effective),
            effective=effective,
            entered=self.business_days[self._entered_index(index)],
            time=self._time(),
            user=user,
            approver=self._approver(user),
        )

    # -- output

    def _emit(self, writer: _RowWriter, journal: _Journal, kinds: Sequence[str] = ()) -> str:
        number = self.next_id
        self.next_id += 1
        journal_id = self._id(number)
        self.first_id = self.first_id or journal_id
        self.last_id = journal_id
        effective = self._date(journal.effective)
        entered = self._date(journal.entered)
        period = str(self._period(journal.effective))
        year = str(self.spec.fiscal_end.year)
        source = journal.template.source
        rows: list[tuple[Any, ...]] = []
        activity = self.activity
        account_lines = self.account_lines
        ads = self.shape.layout == "ads"
        for line, (account, cents) in enumerate(journal.lines, start=1):
            if cents > 0:
                debit, credit = _money(cents), "0.00"
                self.debit += cents
            else:
                debit, credit = "0.00", _money(-cents)
                self.credit -= cents
            activity[account] += cents
            account_lines[account] = account_lines.get(account, 0) + 1
            if ads:  # one positive amount, S (Soll, debit) or H (Haben, credit)
                rows.append(
                    (journal_id, line, journal.description, "", source, "BU01", year, period, effective, entered,
                     journal.time, journal.user, journal.approver, account, _money(abs(cents)),
                     "S" if cents > 0 else "H", "USD")
                )  # fmt: skip
            else:
                rows.append(
                    (journal_id, line, account, journal.description, debit, credit, effective, entered, journal.time,
                     journal.user, journal.approver, source, period, year)
                )  # fmt: skip
        writer.writerows(rows)
        count = len(rows)
        self.written += count
        self.journal_count += 1
        self.user_lines[journal.user] = self.user_lines.get(journal.user, 0) + count
        for kind in kinds:
            self.planted[kind].append(journal_id)
            self.planted_lines[kind] += count
        if not journal.description and "missing_description" not in kinds:
            self.natural_lines["missing_description"] = self.natural_lines.get("missing_description", 0) + count
        if self.shape.voided_ids and self.rng.random() < self.shape.voided_ids:
            self._skip(self.rng.randint(1, 3))
        return journal_id

    def _skip(self, size: int) -> list[str]:
        """Leave `size` journal numbers unused; a gap right after another gap widens it."""
        missing = [self._id(n) for n in range(self.next_id, self.next_id + size)]
        if self.gaps and self.gaps[-1][1] == self._id(self.next_id - 1):
            self.gaps[-1][1] = missing[-1]
        else:
            self.gaps.append([missing[0], missing[-1]])
        self.next_id += size
        return missing

    # -- planted anomalies

    def _plan(self) -> list[tuple[int, int, str]]:
        """(line offset, tie-break, kind) of each planted event, spread over the year by the seed."""
        rng = self.rng
        spans = {"backdated": (0.03, 0.6), "weekend_entry": (0.03, 0.85)}
        counts = {
            "unbalanced": 4, "sequence_gap": 3, "duplicate_lines": 3, "round_amount": 4, "backdated": 3,
            "weekend_entry": 4, "after_hours": 4, "rare_user": 2, "rare_account": 2, "below_threshold": 5,
            "missing_description": 3, "self_approved": 3,
        }  # fmt: skip
        # Planted journals need about 150 lines (and the copies of three large journals), all placed before this.
        room = self.spec.lines - 250 - (3 * self.shape.max_lines if self.stretch else 0)
        events = []
        for kind, count in counts.items():
            low, high = spans.get(kind, (0.03, 0.95))
            for i in range(count):
                events.append((int(rng.uniform(low, high) * room), len(events), f"{kind}:{i}"))
        events.sort()
        return events

    def _plant(self, writer: _RowWriter, event: str, progress: float) -> bool:
        """False when the event has to wait (a duplicate needs a fresh normal journal to copy)."""
        kind, _, ordinal = event.partition(":")
        i = int(ordinal)
        rng = self.rng
        if kind == "sequence_gap":
            self.planted[kind].extend(self._skip(3 if i == 0 else 1))
            return True
        if kind == "duplicate_lines":
            if self.last_normal is None:
                return False
            journal, journal_id = self.last_normal
            self.last_normal = None
            user = self._user()
            copy = dataclasses.replace(journal, lines=list(journal.lines), time=self._time(), user=user)
            copy.approver = self._approver(user)
            self.planted[kind].append(journal_id)
            self.planted_lines[kind] += len(journal.lines)
            self._emit(writer, copy, (kind,))
            return True
        if kind == "unbalanced":
            # Planted in pairs whose differences cancel (+d then -d), so the trial balance still balances
            # while the roll-forward reconciles: a one-cent slip and a 90.00 transposition.
            delta = (1, 9_000)[i // 2] * (1 if i % 2 == 0 else -1)
            self._emit(writer, self._journal(progress, count=rng.choice((2, 3)), delta=delta), (kind,))
            return True
        if kind == "round_amount":
            if not self.round_amounts:
                self.round_amounts = rng.sample((3_000, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000), 4)
            pools = rng.choice(((("opex",), ("accrued",)), (("fixed_asset",), ("ap",)), (("prepaid",), ("ap",))))
            journal = self._journal(progress, count=2, pools=pools, total=self.round_amounts[i] * 100)
            self._emit(writer, journal, (kind,))
            return True
        if kind == "below_threshold":
            total = rng.randrange(BELOW_THRESHOLD_FLOOR_CENTS, APPROVAL_THRESHOLD_CENTS)
            journal = self._journal(progress, count=2, pools=(("opex",), ("ap",)), total=total)
            self._emit(writer, journal, (kind,))
            return True
        if kind == "rare_account":
            # the suspense account takes one line in each: an unidentified receipt, then its clearing
            pools = (("suspense",), ("cash",)) if i == 0 else (("ap",), ("suspense",))
            journal = self._journal(progress, count=2, pools=pools)
            journal.description = self._widen(
                ("Unidentified receipt - to be allocated", "Clearing of unallocated item")[i]
            )
            self._emit(writer, journal, (kind,))
            return True
        journal = self._journal(progress, count=rng.choice((2, 2, 3)))
        if kind == "backdated":
            later = journal.effective + timedelta(days=rng.randint(35, 80))
            while later.weekday() >= 5:
                later += timedelta(days=1)
            journal.entered = min(later, self.business_days[-1])
        elif kind == "weekend_entry":
            saturday = journal.effective + timedelta(days=(5 - journal.effective.weekday()) % 7 or 7)
            journal.entered = saturday + timedelta(days=i % 2)
        elif kind == "after_hours":
            journal.time = self._time(_AFTER_HOURS)
        elif kind == "rare_user":
            journal.user = RARE_USER
            journal.approver = self._approver(RARE_USER)
        elif kind == "missing_description":
            journal.description = ""
        elif kind == "self_approved":
            journal.approver = journal.user
        self._emit(writer, journal, (kind,))
        return True

    def _post_closing(self, writer: _RowWriter, count: int) -> None:
        """Entered in the first weeks after year end, effective in the last days of the last period."""
        last_period = self._period(self.business_days[-1])
        closing_days = [i for i, d in enumerate(self.business_days) if self._period(d) == last_period][-3:]
        year_end = self.spec.fiscal_end
        after = [d for d in _days(year_end + timedelta(days=1), year_end + timedelta(days=20)) if d.weekday() < 5]
        for _ in range(count):
            journal = self._journal(1.0, count=2, day_index=self.rng.choice(closing_days))
            journal.entered = self.rng.choice(after[:8])
            self._emit(writer, journal, ("post_closing",))

    def run(self, writer: _RowWriter) -> None:
        spec = self.spec
        tail = 3 if spec.anomalies else 0
        target = spec.lines - 2 * tail
        events = self._plan() if spec.anomalies else []
        cursor = 0
        while self.written < target:
            progress = self.written / spec.lines
            due = cursor < len(events) and events[cursor][0] <= self.written
            if due and self._plant(writer, events[cursor][2], progress):
                cursor += 1
                continue
            remaining = target - self.written
            if remaining <= self.shape.max_lines:
                journal = self._journal(progress, count=remaining)
            else:
                journal = self._journal(progress, remaining=remaining)
            self.last_normal = (journal, self._emit(writer, journal))
        self._post_closing(writer, tail)

    def facts(self) -> LedgerFacts:
        return LedgerFacts(
            seed=self.spec.seed,
            fiscal_start=self.spec.fiscal_start.isoformat(),
            fiscal_end=self.spec.fiscal_end.isoformat(),
            lines=self.written,
            journals=self.journal_count,
            first_journal=self.first_id,
            last_journal=self.last_id,
            total_debit=_money(self.debit),
            total_credit=_money(self.credit),
            approval_threshold=_money(APPROVAL_THRESHOLD_CENTS),
            per_account_activity={a: _money(c) for a, c in sorted(self.activity.items())},
            account_lines=dict(sorted(self.account_lines.items())),
            user_lines=dict(sorted(self.user_lines.items())),
            users=sorted(self.user_lines),
            accounts=sorted(self.account_lines),
            planted=dict(self.planted),
            # Numbers voided after the last journal leave no gap anyone can see.
            sequence_gaps=[g for g in self.gaps if g[1] != self._id(self.next_id - 1)],
            planted_lines=dict(self.planted_lines),
            shape=self.spec.shape,
            natural_lines=dict(self.natural_lines),
        )


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def write_general_ledger(path: Path | str, spec: LedgerSpec, *, header: Sequence[str] | None = None) -> LedgerFacts:
    """Streams the ledger to `path`; `header` renames the shape's columns (same order) for alias-table tests."""
    columns = SHAPES[spec.shape].header
    names = tuple(header) if header is not None else columns
    if len(names) != len(columns):
        raise ValueError(f"header must name {len(columns)} columns in the order of the shape's header")
    generator = _Generator(spec)
    with open(path, "w", newline="", encoding="utf-8", buffering=1 << 20) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        generator.run(writer)
    return generator.facts()


# ---------------------------------------------------------------------------------------------------- trial balance


def write_trial_balance(path: Path | str, spec: LedgerSpec, facts: LedgerFacts) -> None:
    """Opening balances that sum to zero and keep every balance-sheet account on its normal side at both ends.

    Each balance-sheet account opens at a random base plus whatever the year's activity takes away from it,
    retained earnings absorbs the difference, and closing = opening + GL activity, so the roll-forward
    reconciles to the cent and the closing trial balance balances (the planted unbalanced journals cancel).
    """
    rng = random.Random(spec.seed * 7919 + 17)  # noqa: S311 - reproducible test data, not security
    chart = _chart(spec)
    activity = {number: _cents(text) for number, text in facts.per_account_activity.items()}
    opening: dict[str, int] = {}
    quiet_pools = {"retained", "dividends", "suspense"}
    for account in chart:
        if account.type in {"revenue", "expense"} or account.pool in quiet_pools:
            opening[account.number] = 0
            continue
        sign = 1 if account.normal == "debit" else -1
        base = int(10 ** rng.uniform(4.5, 6.8)) * 100 + rng.randrange(100)
        opening[account.number] = sign * (base + max(0, -sign * activity.get(account.number, 0)))
    retained = next(a.number for a in chart if a.pool == "retained")
    others = sum(opening.values())
    cash = next(a.number for a in chart if a.pool == "cash")
    floor = 1_000_000_00
    if others < floor:  # keep retained earnings a credit balance
        opening[cash] += floor - others
        others = floor
    opening[retained] = -others
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TB_HEADER)
        for account in chart:
            start = opening[account.number]
            end = start + activity.get(account.number, 0)
            writer.writerow((account.number, account.name, _money(start), _money(end)))


def _cents(text: str) -> int:
    return int(Decimal(text) * 100)


# ---------------------------------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic general ledger, trial balance and chart.")
    parser.add_argument("--lines", type=int, default=LedgerSpec.lines)
    parser.add_argument("--seed", type=int, default=LedgerSpec.seed)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--shape", choices=sorted(SHAPES), default=LedgerSpec.shape)
    parser.add_argument("--accounts", type=int, default=0, help="default: the shape's")
    parser.add_argument("--users", type=int, default=0, help="default: the shape's")
    parser.add_argument("--fiscal-start", type=date.fromisoformat, default=LedgerSpec.fiscal_start)
    parser.add_argument("--fiscal-end", type=date.fromisoformat, default=LedgerSpec.fiscal_end)
    parser.add_argument("--no-anomalies", action="store_true")
    args = parser.parse_args(argv)
    spec = LedgerSpec(
        lines=args.lines,
        seed=args.seed,
        fiscal_start=args.fiscal_start,
        fiscal_end=args.fiscal_end,
        accounts=args.accounts,
        users=args.users,
        anomalies=not args.no_anomalies,
        shape=args.shape,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    facts = write_general_ledger(args.out / "general_ledger.csv", spec)
    write_trial_balance(args.out / "trial_balance.csv", spec, facts)
    write_chart_of_accounts(args.out / "chart_of_accounts.csv", spec)
    json.dump(asdict(facts), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
