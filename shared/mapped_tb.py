"""The engagement's final trial balance, mapped: each account with its standard account and section,
the client's balance, the recorded adjustments, the final balance and the prior year's.

Read by mapping (lead sheets, statements) and planning (materiality's benchmarks from the data), so
both mean the same numbers. Amounts are debit positive. The prior year comes from a trial balance
uploaded as the comparative (by account number), else from the current file's opening balances.
Only recorded adjustments change the final balance; proposed and passed ones are the summary of
unadjusted differences.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from shared.db.models_mapping import AccountMapping, Adjustment, AdjustmentLine
from shared.db.uow import UnitOfWork
from shared.trial_balances import balances, current_trial_balance, prior_year_trial_balance

ZERO = Decimal("0.00")
INCOME_STATEMENT_SECTIONS = ("revenue", "cost_of_sales", "operating_expenses", "other_income_expense", "income_tax")
BEFORE_TAX_SECTIONS = INCOME_STATEMENT_SECTIONS[:4]


@dataclass(frozen=True)
class MappedLine:
    account_number: str
    account_name: str
    standard_code: str | None
    section: str | None
    status: str  # pending | suggested | confirmed | unmapped (no mapping row yet: pending)
    unadjusted: Decimal
    adjustments: Decimal
    prior: Decimal | None

    @property
    def final(self) -> Decimal:
        return self.unadjusted + self.adjustments

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed" and self.standard_code is not None


@dataclass(frozen=True)
class FinalTrialBalance:
    lines: list[MappedLine]
    comparatives: str | None  # prior_year_trial_balance | opening_balances | None


def adjustment_totals(uow: UnitOfWork, *, engagement_id: uuid.UUID, kinds: Iterable[str]) -> dict[str, Decimal]:
    """Account number -> the net (debit positive) of the adjusting entries of these kinds."""
    rows = uow.session.execute(
        select(AdjustmentLine.account_number, AdjustmentLine.debit, AdjustmentLine.credit)
        .join(Adjustment, Adjustment.id == AdjustmentLine.adjustment_id)
        .where(AdjustmentLine.engagement_id == engagement_id, Adjustment.kind.in_(tuple(kinds)))
    )
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for number, debit, credit in rows:
        totals[number] += debit - credit
    return dict(totals)


def final_trial_balance(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> FinalTrialBalance | None:
    """The mapped final trial balance, or None before a trial balance of the year is loaded."""
    current = current_trial_balance(uow, engagement_id=engagement_id)
    if current is None:
        return None
    accounts = balances(uow, dataset_id=current.id)
    prior_dataset = prior_year_trial_balance(uow, engagement_id=engagement_id)
    prior = balances(uow, dataset_id=prior_dataset.id) if prior_dataset is not None else {}
    opening_known = any(account.opening is not None for account in accounts.values())
    comparatives = (
        "prior_year_trial_balance" if prior_dataset is not None else "opening_balances" if opening_known else None
    )
    mappings = {
        row.account_number: row
        for row in uow.session.scalars(select(AccountMapping).where(AccountMapping.engagement_id == engagement_id))
    }
    recorded = adjustment_totals(uow, engagement_id=engagement_id, kinds=("recorded",))
    lines = []
    for number in sorted({*accounts, *prior}):
        account = accounts.get(number)
        mapping = mappings.get(number)
        prior_amount: Decimal | None
        if prior_dataset is not None:
            prior_amount = prior[number].closing if number in prior else ZERO
        else:
            prior_amount = account.opening if account is not None else None
        lines.append(
            MappedLine(
                account_number=number,
                account_name=account.account_name if account else prior[number].account_name,
                standard_code=mapping.standard_code if mapping else None,
                section=mapping.section if mapping else None,
                status=mapping.status if mapping else "pending",
                unadjusted=account.closing if account else ZERO,
                adjustments=recorded.get(number, ZERO),
                prior=prior_amount,
            )
        )
    return FinalTrialBalance(lines, comparatives)


@dataclass(frozen=True)
class Benchmarks:
    """Materiality's benchmark amounts from the confirmed mapping (docs/audit-rules.md section 6)."""

    revenue: Decimal
    total_assets: Decimal
    equity: Decimal
    profit_before_tax: Decimal
    prior_profit_before_tax: Decimal | None
    unconfirmed_accounts: int

    def as_amounts(self) -> dict[str, Decimal]:
        return {
            "profit_before_tax": self.profit_before_tax,
            "revenue": self.revenue,
            "total_assets": self.total_assets,
            "equity": self.equity,
        }


def _by_section(lines: list[MappedLine], amount_of: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        value = line.final if amount_of == "final" else line.prior
        if line.confirmed and line.section is not None and value is not None:
            totals[line.section] += value
    return totals


def benchmark_amounts(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> Benchmarks | None:
    """The benchmarks from the final trial balance's confirmed mapping, or None before anything is confirmed.

    Revenue and profit before tax are stated as positive for income; equity includes the year's result
    when the trial balance is before closing."""
    final = final_trial_balance(uow, engagement_id=engagement_id)
    if final is None or not any(line.confirmed for line in final.lines):
        return None
    sections = _by_section(final.lines, "final")
    result = -sum((sections[s] for s in INCOME_STATEMENT_SECTIONS), ZERO)
    prior_pbt = None
    if final.comparatives == "prior_year_trial_balance":
        prior = _by_section(final.lines, "prior")
        prior_pbt = -sum((prior[s] for s in BEFORE_TAX_SECTIONS), ZERO)
    return Benchmarks(
        revenue=-sections["revenue"],
        total_assets=sections["current_assets"] + sections["non_current_assets"],
        equity=-sections["equity"] + result,
        profit_before_tax=-sum((sections[s] for s in BEFORE_TAX_SECTIONS), ZERO),
        prior_profit_before_tax=prior_pbt,
        unconfirmed_accounts=sum(1 for line in final.lines if not line.confirmed),
    )
