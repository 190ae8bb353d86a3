"""Use cases of financial analysis: ratios, flux with the auditor's explanations, going-concern indicators,
and monthly trends from the general ledger.

All of it is the firm's working papers: client users never see it (404 from `require`, and the
endpoints need engagement.read, which client roles lack: 403 first). Reads need engagement.read;
saving an explanation engagement.update, and is refused once the engagement is finalized (409, and
the lock trigger of migration 0019 behind it). Only confirmed mappings count, as in the statements.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Date, and_, cast, func, select

from functions.financial_analysis import flux as fx
from functions.financial_analysis import indicators as gc
from functions.financial_analysis import ratios as rt
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.datasets import current_dataset
from shared.db.models_financial_analysis import FluxExplanation
from shared.db.models_ingestion import JournalLine
from shared.db.models_mapping import SECTIONS, AccountMapping
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import NotFound
from shared.mapped_tb import INCOME_STATEMENT_SECTIONS, FinalTrialBalance, final_trial_balance
from shared.materiality import current_performance_materiality
from shared.standard_chart import Chart, firm_chart

READ = Permission.ENGAGEMENT_READ
WRITE = Permission.ENGAGEMENT_UPDATE
ZERO = Decimal("0.00")
TREND_SECTIONS = ("revenue", "cost_of_sales", "operating_expenses")


@dataclass(frozen=True)
class Analysis:
    final: FinalTrialBalance
    ratios: list[rt.Ratio]
    flux: list[fx.FluxLine]
    thresholds: fx.Thresholds
    amount_source: str
    indicators: list[gc.Indicator]
    explanations: dict[str, FluxExplanation]


def _final_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID) -> FinalTrialBalance:
    final = final_trial_balance(uow, engagement_id=engagement_id)
    if final is None:
        raise NotFound("No trial balance has been loaded for this engagement", code="no_trial_balance")
    return final


def _balances(final: FinalTrialBalance, chart: Chart) -> list[fx.Balance]:
    """The final trial balance as flux balances: confirmed accounts with their section and caption; a prior
    amount only where it is comparable (opening balances compare only the balance sheet)."""
    balances = []
    for line in final.lines:
        account = chart.by_code.get(line.standard_code or "") if line.confirmed else None
        prior = line.prior
        if final.comparatives != "prior_year_trial_balance" and line.section in INCOME_STATEMENT_SECTIONS:
            prior = None
        balances.append(
            fx.Balance(
                account_number=line.account_number,
                account_name=line.account_name,
                section=account.section if account else None,
                caption=account.caption if account else None,
                current=line.final,
                prior=prior,
            )
        )
    return balances


def _year(balances: list[fx.Balance], *, prior: bool) -> rt.YearFigures:
    return rt.year_figures(
        (b.section, b.caption, (b.prior or ZERO) if prior else b.current)
        for b in balances
        if b.section is not None and b.caption is not None
    )


def get_analysis(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    amount_threshold: Decimal | None = None,
    percent_threshold: Decimal | None = None,
) -> Analysis:
    """Ratios for both years, flux with its explanations, and the going-concern indicators."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    final = _final_or_raise(uow, engagement_id)
    balances = _balances(final, firm_chart(uow))
    current = _year(balances, prior=False)
    prior = _year(balances, prior=True) if final.comparatives == "prior_year_trial_balance" else None
    computed = rt.compute(current, prior)
    source = "request"
    if amount_threshold is None:
        amount_threshold = current_performance_materiality(uow, engagement_id=engagement_id)
        source = "performance_materiality" if amount_threshold is not None else "none"
    thresholds = fx.Thresholds(
        amount=amount_threshold if amount_threshold is not None else ZERO,
        percent=percent_threshold if percent_threshold is not None else fx.DEFAULT_PERCENT,
    )
    explanations = {
        row.key: row
        for row in uow.session.scalars(select(FluxExplanation).where(FluxExplanation.engagement_id == engagement_id))
    }
    return Analysis(
        final=final,
        ratios=computed,
        flux=fx.analyze(balances, thresholds, section_order=SECTIONS),
        thresholds=thresholds,
        amount_source=source,
        indicators=gc.evaluate(current, prior, computed),
        explanations=explanations,
    )


def save_explanation(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, key: str, text: str
) -> FluxExplanation:
    """Keep the auditor's explanation of one flux line (replacing the one before)."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    final = _final_or_raise(uow, engagement_id)
    keys = {
        line.key for line in fx.analyze(_balances(final, firm_chart(uow)), fx.Thresholds(ZERO), section_order=SECTIONS)
    }
    if key not in keys:
        raise NotFound(f"No flux line {key!r} in the engagement's trial balance", code="flux_line_not_found")
    row = uow.session.scalar(
        select(FluxExplanation).where(FluxExplanation.engagement_id == engagement_id, FluxExplanation.key == key)
    )
    if row is None:
        row = FluxExplanation(
            firm_id=access.engagement.firm_id,
            engagement_id=engagement_id,
            key=key,
            text=text,
            created_by=principal.user_id,
            updated_by=principal.user_id,
        )
        uow.session.add(row)
    else:
        row.text = text
        row.updated_by = principal.user_id
        row.updated_at = func.now()
    uow.session.flush()
    # The text stays out of the audit log: it speaks of the client's figures.
    record(
        uow,
        "flux_explanation.saved",
        engagement_id=engagement_id,
        target_type="flux_explanation",
        target_id=row.id,
        key=key,
    )
    uow.commit()
    uow.session.refresh(row)
    return row


@dataclass(frozen=True)
class Month:
    month: str
    revenue: Decimal
    cost_of_sales: Decimal
    operating_expenses: Decimal
    cash_movement: Decimal


@dataclass(frozen=True)
class Trends:
    dataset_id: uuid.UUID | None
    months: list[Month]
    unmapped_lines: int


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def get_trends(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> Trends:
    """Monthly sums of the current general ledger by mapped section, and the cash accounts' net movement.

    One aggregate: the ledger's lines joined to the engagement's mappings by account number, grouped by
    month of the effective date, section and whether the account is cash. Revenue is presented as a
    positive credit; months between the first and the last with lines are all listed."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    dataset = current_dataset(uow, engagement_id=engagement_id, kind="general_ledger")
    if dataset is None:
        return Trends(None, [], 0)
    cash_codes = [a.code for a in firm_chart(uow).accounts if a.caption in rt.CASH_CAPTIONS]
    month = cast(func.date_trunc("month", JournalLine.effective_date), Date).label("month")
    mapped = AccountMapping.id.is_not(None)
    is_cash = and_(mapped, AccountMapping.standard_code.in_(cash_codes)).label("cash")
    rows = uow.session.execute(
        select(month, AccountMapping.section, is_cash, func.sum(JournalLine.amount), func.count())
        .select_from(JournalLine)
        .outerjoin(
            AccountMapping,
            and_(
                AccountMapping.engagement_id == JournalLine.engagement_id,
                AccountMapping.account_number == JournalLine.account_number,
                AccountMapping.status == "confirmed",
            ),
        )
        .where(JournalLine.dataset_id == dataset.id, JournalLine.engagement_id == engagement_id)
        .group_by(month, AccountMapping.section, is_cash)
    ).all()
    sums: dict[tuple[int, int], dict[str, Decimal]] = {}
    unmapped = 0
    for when, section, cash, amount, count in rows:
        cell = sums.setdefault((when.year, when.month), {})
        if section is None:
            unmapped += count
            continue
        if cash:
            cell["cash"] = cell.get("cash", ZERO) + amount
        if section in TREND_SECTIONS:
            cell[section] = cell.get(section, ZERO) + amount
    months: list[Month] = []
    if sums:
        cursor, last = min(sums), max(sums)
        while cursor <= last:
            cell = sums.get(cursor, {})
            months.append(
                Month(
                    month=f"{cursor[0]:04d}-{cursor[1]:02d}",
                    revenue=-cell.get("revenue", ZERO) + ZERO,  # + 0: a month without revenue reads 0.00, not -0.00
                    cost_of_sales=cell.get("cost_of_sales", ZERO),
                    operating_expenses=cell.get("operating_expenses", ZERO),
                    cash_movement=cell.get("cash", ZERO),
                )
            )
            cursor = _next_month(*cursor)
    return Trends(dataset.id, months, unmapped)
