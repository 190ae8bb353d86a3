"""The balance sheet and the income statement from the mapped final trial balance, with comparatives.

Only confirmed mappings are presented; every other account with a balance is listed as unmapped, and
its amount shows as a difference, so a statement never hides an account. Amounts are presented the
way a reader expects: assets and expenses as debits, liabilities, equity, revenue and other income
as credits (other income net of other expense). The balance sheet balances when total assets equal
total liabilities plus equity, equity including the year's result (the trial balance is before
closing, so the income statement accounts are still open).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shared.mapped_tb import INCOME_STATEMENT_SECTIONS, MappedLine
from shared.standard_chart import Chart

ZERO = Decimal("0.00")
CREDIT_SECTIONS = (
    "current_liabilities",
    "non_current_liabilities",
    "equity",
    "revenue",
    "other_income_expense",
)
TITLES = {
    "current_assets": "Current assets",
    "non_current_assets": "Non-current assets",
    "current_liabilities": "Current liabilities",
    "non_current_liabilities": "Non-current liabilities",
    "equity": "Equity",
    "revenue": "Revenue",
    "cost_of_sales": "Cost of sales",
    "operating_expenses": "Operating expenses",
    "other_income_expense": "Other income (expense)",
    "income_tax": "Income tax",
}
LAYOUT = {
    "balance_sheet": (
        "current_assets",
        "non_current_assets",
        "current_liabilities",
        "non_current_liabilities",
        "equity",
    ),
    "income_statement": INCOME_STATEMENT_SECTIONS,
}
RESULT_CAPTION = "Net income for the year"
Totals = Callable[[str], "Amounts"]


@dataclass(frozen=True)
class Amounts:
    current: Decimal
    prior: Decimal | None


@dataclass(frozen=True)
class Caption:
    caption: str
    current: Decimal
    prior: Decimal | None
    accounts: int


@dataclass(frozen=True)
class Section:
    section: str
    title: str
    captions: list[Caption]
    total: Amounts


@dataclass(frozen=True)
class Unmapped:
    account_number: str
    account_name: str
    status: str
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    statement: str
    sections: list[Section]
    subtotals: dict[str, Amounts]
    balanced: bool
    difference: Decimal  # total assets - (total liabilities + equity with the year's result), current year
    has_prior: bool
    unmapped: list[Unmapped] = field(default_factory=list)


def _presented(section: str, amount: Decimal) -> Decimal:
    return -amount if section in CREDIT_SECTIONS else amount


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def _sub(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def build(lines: Sequence[MappedLine], chart: Chart, statement: str, *, with_prior: bool = True) -> Statement:
    """One statement. `with_prior` False leaves the prior column empty (no comparatives to show)."""
    has_prior = with_prior and any(line.prior is not None for line in lines)
    order = {account.caption: index for index, account in reversed(list(enumerate(chart.accounts)))}
    grouped: dict[str, dict[str, list[Decimal | None]]] = {section: {} for section in LAYOUT[statement]}
    totals: dict[str, list[Decimal | None]] = {}
    unmapped: list[Unmapped] = []
    for line in lines:
        account = chart.by_code.get(line.standard_code or "") if line.confirmed else None
        if account is None:
            if line.final != 0 and _belongs(line, statement):
                unmapped.append(Unmapped(line.account_number, line.account_name, line.status, line.final))
            continue
        section = account.section
        prior = line.prior if has_prior else None
        entry = totals.setdefault(section, [ZERO, ZERO if has_prior else None])
        entry[0] = (entry[0] or ZERO) + _presented(section, line.final)
        entry[1] = _add(entry[1], None if prior is None else _presented(section, prior)) if has_prior else None
        if section not in grouped:
            continue
        cell = grouped[section].setdefault(account.caption, [ZERO, ZERO if has_prior else None, Decimal(0)])
        cell[0] = (cell[0] or ZERO) + _presented(section, line.final)
        cell[1] = _add(cell[1], None if prior is None else _presented(section, prior)) if has_prior else None
        cell[2] = (cell[2] or ZERO) + 1

    def total(section: str) -> Amounts:
        current, prior = totals.get(section, [ZERO, ZERO if has_prior else None])
        return Amounts(current or ZERO, prior)

    result = _net_income(total)
    sections = []
    for section in LAYOUT[statement]:
        captions = [
            Caption(name, values[0] or ZERO, values[1], int(values[2] or 0))
            for name, values in sorted(grouped[section].items(), key=lambda item: order.get(item[0], 0))
        ]
        section_total = total(section)
        if section == "equity":
            captions.append(Caption(RESULT_CAPTION, result.current, result.prior, 0))
            section_total = Amounts(section_total.current + result.current, _add(section_total.prior, result.prior))
        sections.append(Section(section, TITLES[section], captions, section_total))
    position = _position(total, result)
    subtotals = position if statement == "balance_sheet" else _performance(total, result)
    difference = position["total_assets"].current - position["total_liabilities_and_equity"].current
    return Statement(statement, sections, subtotals, difference == 0, difference, has_prior, unmapped)


def _belongs(line: MappedLine, statement: str) -> bool:
    """An unmapped account shows on the statement its suggested section points to, else on both."""
    if line.section is None:
        return True
    return (line.section in INCOME_STATEMENT_SECTIONS) == (statement == "income_statement")


def _net_income(total: Totals) -> Amounts:
    revenue, cost, opex, other, tax = (total(s) for s in INCOME_STATEMENT_SECTIONS)
    current = revenue.current - cost.current - opex.current + other.current - tax.current
    prior = _sub(_add(_sub(_sub(revenue.prior, cost.prior), opex.prior), other.prior), tax.prior)
    return Amounts(current, prior)


def _position(total: Totals, result: Amounts) -> dict[str, Amounts]:
    """The balance sheet's totals; equity includes the year's result."""
    assets = _sum(total("current_assets"), total("non_current_assets"))
    liabilities = _sum(total("current_liabilities"), total("non_current_liabilities"))
    equity = _sum(total("equity"), result)
    return {
        "total_assets": assets,
        "total_liabilities": liabilities,
        "total_equity": equity,
        "total_liabilities_and_equity": _sum(liabilities, equity),
    }


def _performance(total: Totals, result: Amounts) -> dict[str, Amounts]:
    revenue, cost, opex, other, _ = (total(s) for s in INCOME_STATEMENT_SECTIONS)
    gross = Amounts(revenue.current - cost.current, _sub(revenue.prior, cost.prior))
    operating = Amounts(gross.current - opex.current, _sub(gross.prior, opex.prior))
    return {
        "gross_profit": gross,
        "operating_income": operating,
        "income_before_tax": _sum(operating, other),
        "net_income": result,
    }


def _sum(*amounts: Amounts) -> Amounts:
    current = sum((a.current for a in amounts), ZERO)
    prior: Decimal | None = ZERO
    for a in amounts:
        prior = _add(prior, a.prior)
    return Amounts(current, prior)
