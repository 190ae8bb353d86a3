"""Use cases of adjusting entries, lead sheets and the statements, from the mapped final trial balance.

Working papers like the mapping: engagement.read to read, engagement.update to write an entry, and
nothing changes under a finalized engagement (409 engagement_locked). An entry's accounts must be
on the engagement's current trial balance. The final trial balance and the benchmark amounts are
read through shared/mapped_tb.py, the same numbers planning's materiality uses.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select

from functions.mapping import adjustments, lead_sheets, workbook
from shared import statements
from shared.adjusting_entries import EntryLine, add_entry
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models_mapping import AccountMapping, Adjustment, AdjustmentLine
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import NotFound
from shared.mapped_tb import FinalTrialBalance, final_trial_balance
from shared.materiality import current_materiality
from shared.standard_chart import firm_chart

READ = Permission.ENGAGEMENT_READ
WRITE = Permission.ENGAGEMENT_UPDATE


@dataclass(frozen=True)
class EntryView:
    entry: Adjustment
    lines: list[AdjustmentLine]

    @property
    def amount(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal("0.00"))


def _views(uow: UnitOfWork, entries: Sequence[Adjustment]) -> list[EntryView]:
    ids = [entry.id for entry in entries]
    lines: dict[uuid.UUID, list[AdjustmentLine]] = {entry_id: [] for entry_id in ids}
    if ids:
        for line in uow.session.scalars(
            select(AdjustmentLine).where(AdjustmentLine.adjustment_id.in_(ids)).order_by(AdjustmentLine.line)
        ):
            lines[line.adjustment_id].append(line)
    return [EntryView(entry, lines[entry.id]) for entry in entries]


def create_adjustment(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    kind: str,
    description: str,
    lines: list[EntryLine],
) -> EntryView:
    """Record an adjusting entry: balanced, on accounts of the current trial balance, numbered in turn."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    entry, rows = add_entry(
        uow,
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        created_by=principal.user_id,
        kind=kind,
        description=description,
        lines=lines,
    )
    uow.commit()
    return EntryView(entry, rows)


def _entry_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, adjustment_id: uuid.UUID) -> Adjustment:
    entry = uow.session.scalar(
        select(Adjustment).where(Adjustment.id == adjustment_id, Adjustment.engagement_id == engagement_id)
    )
    if entry is None:
        raise NotFound("No such adjusting entry", code="adjustment_not_found")
    return entry


def list_adjustments(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, kind: str | None, offset: int, limit: int
) -> tuple[list[EntryView], int]:
    """The engagement's entries by number."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    conditions: list[ColumnElement[bool]] = [Adjustment.engagement_id == engagement_id]
    if kind is not None:
        conditions.append(Adjustment.kind == kind)
    total = uow.session.scalar(select(func.count()).select_from(Adjustment).where(*conditions)) or 0
    entries = uow.session.scalars(
        select(Adjustment).where(*conditions).order_by(Adjustment.number).offset(offset).limit(limit)
    ).all()
    return _views(uow, entries), total


def update_adjustment(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    adjustment_id: uuid.UUID,
    changes: dict[str, Any],
) -> EntryView:
    """Change an entry's kind (a proposed entry the client recorded, say) or its description."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    entry = _entry_or_raise(uow, engagement_id, adjustment_id)
    changed = {name: value for name, value in changes.items() if value is not None and getattr(entry, name) != value}
    if changed:
        previous_kind = entry.kind
        for name, value in changed.items():
            setattr(entry, name, value)
        uow.session.flush()
        record(
            uow,
            "adjustment.updated",
            engagement_id=engagement_id,
            target_type="adjustment",
            target_id=entry.id,
            fields=sorted(changed),
            **({"kind": {"from": previous_kind, "to": entry.kind}} if "kind" in changed else {}),
        )
        uow.commit()
    return _views(uow, [entry])[0]


def delete_adjustment(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, adjustment_id: uuid.UUID
) -> None:
    """Remove an entry; the audit log keeps what it was."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    entry = _entry_or_raise(uow, engagement_id, adjustment_id)
    view = _views(uow, [entry])[0]
    record(
        uow,
        "adjustment.deleted",
        engagement_id=engagement_id,
        target_type="adjustment",
        target_id=entry.id,
        number=entry.number,
        kind=entry.kind,
        amount=str(view.amount),
    )
    for line in view.lines:
        uow.session.delete(line)
    uow.session.delete(entry)
    uow.session.flush()
    uow.commit()


def adjustments_summary(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> adjustments.Summary:
    """The summary of unadjusted differences against the current materiality."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    entries = uow.session.scalars(
        select(Adjustment).where(Adjustment.engagement_id == engagement_id).order_by(Adjustment.number)
    ).all()
    views = _views(uow, entries)
    sections: dict[str, str | None] = {
        str(number): section
        for number, section in uow.session.execute(
            select(AccountMapping.account_number, AccountMapping.section).where(
                AccountMapping.engagement_id == engagement_id
            )
        )
    }
    materiality = current_materiality(uow, engagement_id=engagement_id)
    thresholds = (
        (materiality.overall_materiality, materiality.performance_materiality, materiality.clearly_trivial)
        if materiality is not None
        else None
    )
    pure = [
        adjustments.Entry(
            view.entry.number,
            view.entry.kind,
            view.entry.description,
            [EntryLine(line.account_number, line.debit, line.credit) for line in view.lines],
        )
        for view in views
    ]
    return adjustments.summarise(pure, sections, thresholds)


# --- lead sheets and statements ----------------------------------------------------------------------------


def _final_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID) -> FinalTrialBalance:
    final = final_trial_balance(uow, engagement_id=engagement_id)
    if final is None:
        raise NotFound("No trial balance has been loaded for this engagement", code="no_trial_balance")
    return final


def get_lead_sheets(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID
) -> tuple[FinalTrialBalance, list[lead_sheets.LeadSheet], list[lead_sheets.Row]]:
    """The lead sheets of the confirmed mapping, and the accounts not placed yet."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    final = _final_or_raise(uow, engagement_id)
    sheets, unplaced = lead_sheets.build(final.lines, firm_chart(uow))
    return final, sheets, unplaced


def get_statement(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, statement: str
) -> tuple[FinalTrialBalance, statements.Statement]:
    """The balance sheet or income statement, with comparatives when there are any for it."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    if statement not in statements.LAYOUT:
        raise NotFound(f"No statement {statement!r}: balance_sheet or income_statement", code="statement_not_found")
    final = _final_or_raise(uow, engagement_id)
    # Opening balances give the balance sheet its comparatives, not the income statement.
    with_prior = final.comparatives == "prior_year_trial_balance" or (
        final.comparatives == "opening_balances" and statement == "balance_sheet"
    )
    return final, statements.build(final.lines, firm_chart(uow), statement, with_prior=with_prior)


def export_workbook(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> workbook.Book:
    """The statements and lead sheets as one .xlsx."""
    access = require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    final = _final_or_raise(uow, engagement_id)
    standard = firm_chart(uow)
    with_prior = final.comparatives is not None
    balance_sheet = statements.build(final.lines, standard, "balance_sheet", with_prior=with_prior)
    income = statements.build(
        final.lines, standard, "income_statement", with_prior=final.comparatives == "prior_year_trial_balance"
    )
    sheets, unplaced = lead_sheets.build(final.lines, standard)
    return workbook.export(access.engagement.name, [balance_sheet, income], sheets, unplaced)
