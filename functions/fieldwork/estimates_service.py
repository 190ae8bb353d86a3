"""Use cases of accounting estimates (AU-C 540 / AS 2501) and the retrospective review of last year's.

The firm's working papers: anyone on the team reads them (engagement.read), workpaper.prepare writes
them. An estimate's difference becomes a proposed adjusting entry through shared/adjusting_entries.py,
the same checks and numbering as mapping's entries, so it is in the summary of unadjusted differences.
Client users get 404, and a finalized engagement is locked (409). Audit records name what changed,
never the client's figures beyond the entry's amount, which mapping's own record carries too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from functions.fieldwork import estimates
from shared.adjusting_entries import add_entry
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models_mapping import Adjustment, AdjustmentLine
from shared.db.models_parties import AccountingEstimate, EstimateReview
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import Conflict, NotFound, ValidationFailed

READ = Permission.ENGAGEMENT_READ
PREPARE = Permission.WORKPAPER_PREPARE
FIGURE = ("auditor_low", "auditor_high", "auditor_point")
LARGEST_ENTRY = Decimal("1E16")  # an entry line is NUMERIC(18, 2): 16 digits before the point


@dataclass(frozen=True)
class Linked:
    entry: Adjustment
    amount: Decimal


@dataclass(frozen=True)
class EstimateView:
    estimate: AccountingEstimate
    linked: Linked | None

    def _figures(self) -> dict[str, Decimal | None]:
        row = self.estimate
        return {"low": row.auditor_low, "high": row.auditor_high, "point": row.auditor_point}

    @property
    def auditor_figure(self) -> Decimal | None:
        return estimates.auditor_figure(self.estimate.management_estimate, **self._figures())

    @property
    def difference(self) -> Decimal | None:
        return estimates.difference(self.estimate.management_estimate, **self._figures())


def _views(uow: UnitOfWork, rows: list[AccountingEstimate]) -> list[EstimateView]:
    ids = [row.adjustment_id for row in rows if row.adjustment_id is not None]
    linked: dict[uuid.UUID, Linked] = {}
    if ids:
        entries = {entry.id: entry for entry in uow.session.scalars(select(Adjustment).where(Adjustment.id.in_(ids)))}
        amounts: dict[uuid.UUID, Decimal] = {entry_id: Decimal("0.00") for entry_id in entries}
        for line in uow.session.scalars(select(AdjustmentLine).where(AdjustmentLine.adjustment_id.in_(ids))):
            amounts[line.adjustment_id] += line.debit
        linked = {entry_id: Linked(entry, amounts[entry_id]) for entry_id, entry in entries.items()}
    return [EstimateView(row, linked.get(row.adjustment_id) if row.adjustment_id else None) for row in rows]


def _estimate_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, estimate_id: uuid.UUID) -> AccountingEstimate:
    row = uow.session.scalar(
        select(AccountingEstimate).where(
            AccountingEstimate.id == estimate_id, AccountingEstimate.engagement_id == engagement_id
        )
    )
    if row is None:
        raise NotFound("No such accounting estimate", code="estimate_not_found")
    return row


def _refuse_a_second(uow: UnitOfWork, engagement_id: uuid.UUID, name: str, estimate_id: uuid.UUID | None) -> None:
    same = select(AccountingEstimate.id).where(
        AccountingEstimate.engagement_id == engagement_id, AccountingEstimate.name == name
    )
    if estimate_id is not None:
        same = same.where(AccountingEstimate.id != estimate_id)
    if uow.session.scalar(same) is not None:
        raise Conflict(f"There is already an estimate named {name!r}", code="estimate_exists")


def list_estimates(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> list[EstimateView]:
    """The engagement's estimates by name, each with its difference and the entry it became."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    rows = uow.session.scalars(
        select(AccountingEstimate)
        .where(AccountingEstimate.engagement_id == engagement_id)
        .order_by(AccountingEstimate.name)
    ).all()
    return _views(uow, list(rows))


def get_estimate_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, estimate_id: uuid.UUID
) -> EstimateView:
    """One estimate."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    return _views(uow, [_estimate_or_raise(uow, engagement_id, estimate_id)])[0]


def create_estimate(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, fields: dict[str, Any]
) -> EstimateView:
    """Record an estimate with management's figure and, when the auditor has one, their range or point."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    _refuse_a_second(uow, engagement_id, fields["name"], None)
    row = AccountingEstimate(
        firm_id=access.engagement.firm_id, engagement_id=engagement_id, created_by=principal.user_id, **fields
    )
    uow.session.add(row)
    uow.session.flush()
    uow.session.refresh(row)  # amounts as stored (to the cent), not as sent
    view = EstimateView(row, None)
    record(
        uow,
        "estimate.created",
        engagement_id=engagement_id,
        target_type="accounting_estimate",
        target_id=row.id,
        kind=row.kind,
        difference=None if view.difference is None else str(view.difference),
    )
    uow.commit()
    return view


def update_estimate(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    estimate_id: uuid.UUID,
    changes: dict[str, Any],
) -> EstimateView:
    """Change an estimate; the auditor's figure is replaced whole (a point replaces a range)."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    row = _estimate_or_raise(uow, engagement_id, estimate_id)
    if "name" in changes:
        _refuse_a_second(uow, engagement_id, changes["name"], row.id)
    if any(name in changes for name in FIGURE):
        changes = {**changes, **{name: changes.get(name) for name in FIGURE}}
    changed = {name: value for name, value in changes.items() if getattr(row, name) != value}
    if changed:
        before = EstimateView(row, None).difference
        for name, value in changed.items():
            setattr(row, name, value)
        uow.session.flush()
        uow.session.refresh(row)
        after = EstimateView(row, None).difference
        record(
            uow,
            "estimate.updated",
            engagement_id=engagement_id,
            target_type="accounting_estimate",
            target_id=row.id,
            fields=sorted(changed),
            difference={"from": None if before is None else str(before), "to": None if after is None else str(after)},
        )
        uow.commit()
    return _views(uow, [row])[0]


def delete_estimate(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, estimate_id: uuid.UUID) -> None:
    """Remove an estimate; an entry it was proposed as stays in mapping's adjusting entries."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    row = _estimate_or_raise(uow, engagement_id, estimate_id)
    record(
        uow,
        "estimate.deleted",
        engagement_id=engagement_id,
        target_type="accounting_estimate",
        target_id=row.id,
        kind=row.kind,
    )
    uow.session.delete(row)
    uow.session.flush()
    uow.commit()


def propose_adjustment(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    estimate_id: uuid.UUID,
    description: str | None,
) -> EstimateView:
    """Propose the estimate's difference as an adjusting entry, so it reaches the summary of unadjusted
    differences; the estimate links it."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    row = _estimate_or_raise(uow, engagement_id, estimate_id)
    view = _views(uow, [row])[0]
    if view.linked is not None:
        raise Conflict(
            f"The estimate's difference is already adjusting entry {view.linked.entry.number}; delete that entry "
            "to propose it again",
            code="estimate_already_proposed",
        )
    difference = view.difference
    if difference is None or difference == 0:
        raise Conflict(
            "There is no difference to propose: "
            + ("the auditor has no range or point yet" if difference is None else "management's estimate is inside"),
            code="estimate_no_difference",
        )
    if abs(difference) >= LARGEST_ENTRY:
        raise ValidationFailed.field(
            "body",
            "management_estimate",
            message=f"the difference {difference} is larger than an adjusting entry can hold",
            code="estimate_difference_too_large",
        )
    if row.counter_account_number is None:
        raise ValidationFailed.field(
            "body",
            "counter_account_number",
            message="the estimate needs a counter account (the expense, say) before its difference can be proposed",
            code="estimate_counter_account_missing",
        )
    lines = estimates.correcting_lines(
        difference,
        account=row.account_number,
        counter_account=row.counter_account_number,
        increases_with=row.increases_with,
    )
    entry, _rows = add_entry(
        uow,
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        created_by=principal.user_id,
        kind="proposed",
        description=description or f"Accounting estimate: {row.name} (difference to the auditor's estimate)",
        lines=lines,
        source="accounting_estimate",
        estimate_id=str(row.id),
    )
    row.adjustment_id = entry.id
    uow.session.flush()
    record(
        uow,
        "estimate.adjustment_proposed",
        engagement_id=engagement_id,
        target_type="accounting_estimate",
        target_id=row.id,
        adjustment_id=str(entry.id),
        number=entry.number,
        difference=str(difference),
    )
    uow.commit()
    return EstimateView(row, Linked(entry, abs(difference)))


# --- the retrospective review --------------------------------------------------------------------------------


def _review_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, review_id: uuid.UUID) -> EstimateReview:
    row = uow.session.scalar(
        select(EstimateReview).where(EstimateReview.id == review_id, EstimateReview.engagement_id == engagement_id)
    )
    if row is None:
        raise NotFound("No such reviewed estimate", code="estimate_review_not_found")
    return row


def list_reviews(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID
) -> tuple[list[EstimateReview], estimates.Bias]:
    """Last year's estimates against their outcomes, and whether they lean one way."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    rows = list(
        uow.session.scalars(
            select(EstimateReview)
            .where(EstimateReview.engagement_id == engagement_id)
            .order_by(EstimateReview.name, EstimateReview.created_at)
        )
    )
    return rows, estimates.bias([(row.prior_estimate, row.actual_outcome) for row in rows])


def create_review(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, fields: dict[str, Any]
) -> EstimateReview:
    """Add a prior-year estimate and its outcome to the review."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    row = EstimateReview(
        firm_id=access.engagement.firm_id, engagement_id=engagement_id, created_by=principal.user_id, **fields
    )
    uow.session.add(row)
    uow.session.flush()
    uow.session.refresh(row)  # amounts as stored (to the cent), not as sent
    record(
        uow,
        "estimate_review.created",
        engagement_id=engagement_id,
        target_type="estimate_review",
        target_id=row.id,
        direction=estimates.direction(row.prior_estimate, row.actual_outcome),
    )
    uow.commit()
    return row


def update_review(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    review_id: uuid.UUID,
    changes: dict[str, Any],
) -> EstimateReview:
    """Change a reviewed estimate."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    row = _review_or_raise(uow, engagement_id, review_id)
    changed = {name: value for name, value in changes.items() if getattr(row, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(row, name, value)
        uow.session.flush()
        uow.session.refresh(row)
        record(
            uow,
            "estimate_review.updated",
            engagement_id=engagement_id,
            target_type="estimate_review",
            target_id=row.id,
            fields=sorted(changed),
            direction=estimates.direction(row.prior_estimate, row.actual_outcome),
        )
        uow.commit()
    return row


def delete_review(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, review_id: uuid.UUID) -> None:
    """Take a reviewed estimate out of the review."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    row = _review_or_raise(uow, engagement_id, review_id)
    record(uow, "estimate_review.deleted", engagement_id=engagement_id, target_type="estimate_review", target_id=row.id)
    uow.session.delete(row)
    uow.session.flush()
    uow.commit()
