"""Reading loaded data: the trial balance, journal entries and the roll-forward between them.

Reads take the current version (the newest that loaded) unless the caller names an earlier one.
They are the firm's working material: row-level security shows journal and trial-balance lines only
to the firm's people, and the endpoints refuse client users before that.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, select, text

from shared import journal_lines as lines
from shared.auth.principal import Principal
from shared.datasets import current_dataset
from shared.db.models_ingestion import ChartAccount, Dataset, JournalLine, TrialBalanceLine
from shared.db.uow import UnitOfWork
from shared.engagement_access import require
from shared.errors import Conflict, NotFound

CENT = Decimal("0.01")
NAMES = {"general_ledger": "general ledger", "trial_balance": "trial balance", "chart_of_accounts": "chart of accounts"}


def dataset_for_read(
    uow: UnitOfWork, *, principal: Principal, engagement_id: uuid.UUID, kind: str, version: int | None = None
) -> Dataset:
    """The current dataset of this kind, or the named loaded version; 404 when there is none."""
    require(uow, principal=principal, engagement_id=engagement_id)
    if version is None:
        dataset = current_dataset(uow, engagement_id=engagement_id, kind=kind)
        missing = f"No {NAMES[kind]} has been loaded into this engagement"
    else:
        dataset = uow.session.scalar(
            select(Dataset).where(
                Dataset.engagement_id == engagement_id,
                Dataset.kind == kind,
                Dataset.version == version,
                Dataset.status == "succeeded",
            )
        )
        missing = f"No loaded {NAMES[kind]} version {version}"
    if dataset is None:
        raise NotFound(missing, code="dataset_not_found")
    return dataset


def accounts(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    kind: str,
    version: int | None,
    offset: int,
    limit: int,
) -> tuple[Dataset, list[Any], int]:
    """The accounts of the current (or named) trial balance or chart of accounts, in account order."""
    dataset = dataset_for_read(uow, principal=principal, engagement_id=engagement_id, kind=kind, version=version)
    model: type[TrialBalanceLine] | type[ChartAccount] = TrialBalanceLine if kind == "trial_balance" else ChartAccount
    rows = uow.session.scalars(
        select(model)
        .where(model.dataset_id == dataset.id)
        .order_by(model.account_number, model.row_number)
        .offset(offset)
        .limit(limit)
    ).all()
    return dataset, list(rows), int((dataset.summary or {}).get("accounts", 0))


def trial_balance_totals(dataset: Dataset) -> dict[str, Any]:
    summary = dataset.summary or {}
    return {
        "accounts": summary.get("accounts", 0),
        "opening_balance": summary.get("opening_balance_total"),
        "closing_debit": summary.get("closing_debit_total", "0"),
        "closing_credit": summary.get("closing_credit_total", "0"),
        "difference": summary.get("difference", "0"),
        "unbalanced": dataset.unbalanced,
    }


def journal_lines(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    version: int | None,
    filters: dict[str, Any],
    offset: int,
    limit: int,
) -> tuple[Dataset, list[dict[str, Any]], int]:
    """Journal lines of the general ledger, filtered, in journal and line order, with their accounts' names."""
    dataset = dataset_for_read(
        uow, principal=principal, engagement_id=engagement_id, kind="general_ledger", version=version
    )
    conditions = _ledger_conditions(filters)
    # Unfiltered, the total is the version's line count, which the load recorded (its lines are written
    # once, all or nothing): no count over a partition that may hold millions of lines.
    loaded = (dataset.summary or {}).get("lines")
    known = loaded if not conditions and isinstance(loaded, int) else None
    rows, total = lines.page(uow.session, dataset.id, conditions, offset=offset, limit=limit, total=known)
    names = lines.account_names(uow, dataset.engagement_id, [row.account_number for row in rows])
    return dataset, lines.page_values(rows, names), total


def _ledger_conditions(filters: dict[str, Any]) -> list[ColumnElement[bool]]:
    """The ledger viewer's filters as conditions on the lines (the list and its export share them)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.get("account"):
        conditions.append(JournalLine.account_number == filters["account"])
    if filters.get("date_from"):
        conditions.append(JournalLine.effective_date >= filters["date_from"])
    if filters.get("date_to"):
        conditions.append(JournalLine.effective_date <= filters["date_to"])
    if filters.get("user"):
        conditions.append(JournalLine.entered_by == filters["user"])
    if filters.get("journal_id"):
        conditions.append(JournalLine.journal_id == filters["journal_id"])
    if filters.get("amount_min") is not None:
        low = filters["amount_min"]
        conditions.append((JournalLine.amount >= low) | (JournalLine.amount <= -low))
    if filters.get("amount_max") is not None:
        high = filters["amount_max"]
        conditions.append(JournalLine.amount.between(-high, high))
    if filters.get("sign") == "positive":
        conditions.append(JournalLine.amount > 0)
    elif filters.get("sign") == "negative":
        conditions.append(JournalLine.amount < 0)
    if filters.get("leading_digits"):
        conditions.append(_significant_digits().startswith(filters["leading_digits"], autoescape=True))
    if filters.get("text"):
        conditions.append(JournalLine.description.icontains(filters["text"], autoescape=True))
    return conditions


# An export is one response (the Functions HTTP model cannot stream): above this many lines it is refused
# and the auditor narrows the filters (100,000 lines make a CSV of about 20 MB).
EXPORT_MAX_LINES = 100_000


def journal_lines_for_export(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    version: int | None,
    filters: dict[str, Any],
) -> tuple[Dataset, Iterator[dict[str, Any]]]:
    """Every line the filters select, in journal order, with its account's name; 409 when more than
    EXPORT_MAX_LINES. The lines are read in batches as the file is written, not all at once."""
    dataset = dataset_for_read(
        uow, principal=principal, engagement_id=engagement_id, kind="general_ledger", version=version
    )
    conditions = _ledger_conditions(filters)
    total = uow.session.scalar(
        select(func.count()).select_from(JournalLine).where(JournalLine.dataset_id == dataset.id, *conditions)
    )
    if int(total or 0) > EXPORT_MAX_LINES:
        raise Conflict(
            f"The filters select {int(total or 0):,} lines; an export holds at most {EXPORT_MAX_LINES:,}. "
            "Narrow the filters (dates, account, user or amount) and export in parts",
            code="export_too_large",
        )
    accounts = uow.session.scalars(
        select(JournalLine.account_number).where(JournalLine.dataset_id == dataset.id, *conditions).distinct()
    ).all()
    names = lines.account_names(uow, dataset.engagement_id, accounts)
    query = lines.of_dataset(dataset.id, *conditions).order_by(*lines.JOURNAL_ORDER).execution_options(yield_per=5_000)
    rows = (lines.values(row, names=names) for row in uow.session.scalars(query))
    return dataset, rows


def _named(uow: UnitOfWork, dataset: Dataset, rows: list[JournalLine]) -> list[dict[str, Any]]:
    """Each line's values with its account's name, from the chart of accounts or the trial balance."""
    names = lines.account_names(uow, dataset.engagement_id, [row.account_number for row in rows])
    return [lines.values(row, names=names) for row in rows]


def _significant_digits() -> ColumnElement[str]:
    """The absolute amount's digits from its first non-zero one (12.50 -> "1250", 0.05 -> "5")."""
    return func.ltrim(func.replace(cast(func.abs(JournalLine.amount), String), ".", ""), "0")


def journal_entry(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, journal_id: str, version: int | None
) -> dict[str, Any]:
    """One journal's lines in line order, with its debit and credit totals and whether they balance."""
    dataset = dataset_for_read(
        uow, principal=principal, engagement_id=engagement_id, kind="general_ledger", version=version
    )
    rows = lines.of_journal(uow.session, dataset.id, journal_id)
    if not rows:
        raise NotFound(
            f"No journal {journal_id[:100]!r} in general ledger version {dataset.version}", code="journal_not_found"
        )
    debit = sum((lines.debit(row.amount) for row in rows), Decimal(0))
    credit = sum((lines.credit(row.amount) for row in rows), Decimal(0))
    return {
        "dataset": dataset,
        "journal_id": rows[0].journal_id,
        "effective_date": rows[0].effective_date,
        "lines": _named(uow, dataset, rows),
        "debit_total": debit,
        "credit_total": credit,
        "balanced": debit == credit,
    }


ROLLFORWARD = text(
    """
    WITH tb AS (
      SELECT account_number, max(account_name) AS account_name,
             sum(opening_balance) AS opening, sum(closing_balance) AS closing
      FROM trial_balance_lines WHERE dataset_id = :tb GROUP BY account_number
    ), gl AS (
      SELECT account_number, sum(amount) AS activity FROM journal_lines
      WHERE dataset_id = :gl AND effective_date BETWEEN :start AND :end GROUP BY account_number
    )
    SELECT coalesce(tb.account_number, gl.account_number) AS account_number, tb.account_name,
           coalesce(tb.opening, 0) AS opening, coalesce(gl.activity, 0) AS activity,
           coalesce(tb.closing, 0) AS closing, tb.account_number IS NULL AS not_in_trial_balance
    FROM tb FULL JOIN gl ON gl.account_number = tb.account_number
    ORDER BY 1
    """
)


def rollforward(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> dict[str, Any]:
    """docs/audit-rules.md section 3: per account, opening balance + general-ledger activity = closing balance."""
    access = require(uow, principal=principal, engagement_id=engagement_id)
    tb = current_dataset(uow, engagement_id=engagement_id, kind="trial_balance")
    gl = current_dataset(uow, engagement_id=engagement_id, kind="general_ledger")
    missing = [NAMES[kind] for kind, dataset in (("trial_balance", tb), ("general_ledger", gl)) if dataset is None]
    if missing or tb is None or gl is None:
        raise Conflict(
            f"The roll-forward needs a loaded {' and a loaded '.join(missing)}", code="rollforward_unavailable"
        )
    if not (tb.summary or {}).get("has_opening_balances"):
        raise Conflict(
            f"Trial balance version {tb.version} has no opening balances; load one with opening and closing balances",
            code="rollforward_unavailable",
        )
    start = _date(gl.options.get("fiscal_start")) or access.engagement.period_start
    end = _date(gl.options.get("fiscal_end")) or access.engagement.period_end
    rows = uow.session.execute(ROLLFORWARD, {"tb": tb.id, "gl": gl.id, "start": start, "end": end}).all()
    items = []
    for row in rows:
        difference = row.opening + row.activity - row.closing
        items.append(
            {
                "account_number": row.account_number,
                "account_name": row.account_name,
                "opening_balance": row.opening,
                "activity": row.activity,
                "closing_balance": row.closing,
                "difference": difference,
                "status": "reconciled" if abs(difference) <= CENT else "difference",
                "note": "posted in the general ledger, not in the trial balance" if row.not_in_trial_balance else None,
            }
        )
    # Differences of opposite sign must not cancel into "0.00 in all": the total is of their sizes, and
    # the largest come first, where the auditor starts; reconciled accounts follow in account order.
    items.sort(key=lambda item: -abs(item["difference"]) if item["status"] == "difference" else 1)
    differing = [item for item in items if item["status"] == "difference"]
    return {
        "trial_balance": {"id": tb.id, "version": tb.version},
        "general_ledger": {"id": gl.id, "version": gl.version},
        "period_start": start,
        "period_end": end,
        "status": "differences" if differing else "reconciled",
        "accounts": len(items),
        "accounts_with_differences": len(differing),
        "total_difference": sum((abs(item["difference"]) for item in differing), Decimal("0")),
        "net_difference": sum((item["difference"] for item in differing), Decimal("0")),
        "items": items,
    }


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
