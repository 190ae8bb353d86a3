"""The standard chart of accounts as values: the shipped rows, and a firm's own accounts beside them.

Mapping, lead sheets and statements all read the chart through `chart(...)`, so a firm's added
accounts take part in suggestions and roll up into the same sections and captions as the shipped ones.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from shared.chart_data import ROWS
from shared.db.models_mapping import SECTIONS, FirmStandardAccount
from shared.db.uow import UnitOfWork

BALANCE_SHEET_SECTIONS = SECTIONS[:5]
ASSET_SECTIONS = SECTIONS[:2]
LIABILITY_SECTIONS = SECTIONS[2:4]
STATEMENTS = ("balance_sheet", "income_statement")
NORMAL_BALANCES = ("debit", "credit")
# Where an account that fits no better lands, per section: the reviewer's starting point, not a guess.
FALLBACK = {
    "current_assets": "1350",
    "non_current_assets": "1680",
    "current_liabilities": "2160",
    "non_current_liabilities": "2598",
    "equity": "3095",
    "revenue": "4000",
    "cost_of_sales": "5000",
    "operating_expenses": "6300",
    "other_income_expense": "8060",
    "income_tax": "9020",
}


LEAD_SHEETS = {
    "A": "Cash and cash equivalents",
    "B": "Receivables",
    "C": "Inventories",
    "D": "Prepaid expenses and other current assets",
    "E": "Property and equipment",
    "F": "Intangible assets and goodwill",
    "G": "Investments and other non-current assets",
    "L": "Payables and accrued liabilities",
    "M": "Borrowings and leases",
    "N": "Other liabilities",
    "P": "Equity",
    "R": "Revenue",
    "S": "Cost of sales",
    "T": "Operating expenses",
    "U": "Other income and expense",
    "V": "Income taxes",
}


def statement_of(section: str) -> str:
    return "balance_sheet" if section in BALANCE_SHEET_SECTIONS else "income_statement"


@dataclass(frozen=True)
class StandardAccount:
    code: str
    name: str
    section: str
    normal_balance: str
    lead_sheet: str
    caption: str
    element: str | None
    aliases: tuple[str, ...] = field(default=())
    firm_defined: bool = False

    @property
    def statement(self) -> str:
        return statement_of(self.section)

    @property
    def contra(self) -> bool:
        """Reduces its section (accumulated depreciation, allowances, treasury stock, returns)."""
        natural = "debit" if self.section in ASSET_SECTIONS or self.section in _DEBIT_SECTIONS else "credit"
        return self.normal_balance != natural


_DEBIT_SECTIONS = ("cost_of_sales", "operating_expenses", "income_tax")


@functools.cache
def shipped() -> tuple[StandardAccount, ...]:
    return tuple(StandardAccount(*row[:7], aliases=row[7]) for row in ROWS)


class Chart:
    """The shipped accounts and a firm's own, by code, in code order."""

    def __init__(self, accounts: Iterable[StandardAccount]) -> None:
        self.accounts = tuple(sorted(accounts, key=lambda account: account.code))
        self.by_code = {account.code: account for account in self.accounts}

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def __getitem__(self, code: str) -> StandardAccount:
        return self.by_code[code]

    def __len__(self) -> int:
        return len(self.accounts)


def chart(firm_accounts: Iterable[StandardAccount] = ()) -> Chart:
    """The chart a firm maps to: the shipped accounts plus its own (a firm code never shadows a shipped one)."""
    taken = {account.code for account in shipped()}
    own = [account for account in firm_accounts if account.code not in taken]
    return Chart([*shipped(), *own])


def own_account(row: FirmStandardAccount) -> StandardAccount:
    return StandardAccount(
        row.code,
        row.name,
        row.section,
        row.normal_balance,
        row.lead_sheet,
        row.caption,
        row.element,
        tuple(row.aliases),
        firm_defined=True,
    )


def firm_chart(uow: UnitOfWork) -> Chart:
    """The chart the caller's firm maps to (row-level security keeps it to the firm's own additions)."""
    return chart(own_account(row) for row in uow.session.scalars(select(FirmStandardAccount)))
