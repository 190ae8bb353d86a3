"""Use cases of the subsequent events register (AU-C 560 / AS 2801) and the next-period ledger review.

Preparing an entry needs workpaper.prepare; marking it reviewed needs workpaper.review; reading needs
engagement.read and client users never see any of it. A recognized event (Type I) may write its
adjusting entry as a *proposed* entry through shared/adjusting_entries.py, the same checks and
numbering as mapping's, so it shows in the summary of unadjusted differences; a nonrecognized event
(Type II) carries its disclosure instead. An event is resolved only once it has what it leads to.
Any change to an event clears its review, so a reviewer's sign-off is always on what is shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from functions.fieldwork import subsequent_events
from functions.fieldwork.subsequent_events_schemas import (
    LedgerDecisionUpdate,
    ProposedEntry,
    ReviewThroughUpdate,
    SubsequentEventCreate,
    SubsequentEventUpdate,
)
from shared import clock
from shared.adjusting_entries import EntryLine, add_entry
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.datasets import current_dataset
from shared.db.models_engagement import Engagement
from shared.db.models_events import SubsequentEvent, SubsequentEventsReview, SubsequentLedgerDecision
from shared.db.models_ingestion import Dataset, JournalLine
from shared.db.models_mapping import Adjustment, AdjustmentLine
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.journal_lines import JOURNAL_ORDER, account_names
from shared.materiality import current_materiality

READ = Permission.ENGAGEMENT_READ
PREPARE = Permission.WORKPAPER_PREPARE
REVIEW = Permission.WORKPAPER_REVIEW
TARGET = "subsequent_event"
MAX_LEDGER_LINES = 1_000


@dataclass(frozen=True)
class EventView:
    event: SubsequentEvent
    adjustment: Adjustment | None
    adjustment_amount: Decimal | None


@dataclass(frozen=True)
class Register:
    period_end: date
    review: SubsequentEventsReview | None
    events: list[EventView]


@dataclass(frozen=True)
class LedgerLineView:
    line: JournalLine
    account_name: str | None
    decision: SubsequentLedgerDecision | None


@dataclass(frozen=True)
class LedgerReview:
    dataset: Dataset
    period_end: date
    covers_through: date | None
    threshold: Decimal
    threshold_source: str
    lines: list[LedgerLineView]
    total: int


def _views(uow: UnitOfWork, events: list[SubsequentEvent]) -> list[EventView]:
    ids = [event.adjustment_id for event in events if event.adjustment_id is not None]
    entries: dict[uuid.UUID, Adjustment] = {}
    amounts: dict[uuid.UUID, Decimal] = {}
    if ids:
        entries = {row.id: row for row in uow.session.scalars(select(Adjustment).where(Adjustment.id.in_(ids)))}
        totals = uow.session.execute(
            select(AdjustmentLine.adjustment_id, func.sum(AdjustmentLine.debit))
            .where(AdjustmentLine.adjustment_id.in_(ids))
            .group_by(AdjustmentLine.adjustment_id)
        )
        amounts = {row[0]: row[1] for row in totals.all()}
    return [
        EventView(
            event,
            entries.get(event.adjustment_id) if event.adjustment_id else None,
            amounts.get(event.adjustment_id) if event.adjustment_id else None,
        )
        for event in events
    ]


def _review_row(uow: UnitOfWork, engagement_id: uuid.UUID) -> SubsequentEventsReview | None:
    return uow.session.scalar(
        select(SubsequentEventsReview).where(SubsequentEventsReview.engagement_id == engagement_id)
    )


def get_register(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> Register:
    """The register in event-date order, with the date the review was done through."""
    access = require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    events = uow.session.scalars(
        select(SubsequentEvent)
        .where(SubsequentEvent.engagement_id == engagement_id)
        .order_by(SubsequentEvent.event_date, SubsequentEvent.created_at, SubsequentEvent.id)
    ).all()
    return Register(access.engagement.period_end, _review_row(uow, engagement_id), _views(uow, list(events)))


def _check_date(event_date: date, engagement: Engagement) -> None:
    problem = subsequent_events.date_problem(event_date, engagement.period_end)
    if problem is not None:
        raise ValidationFailed.field("body", "event_date", message=problem)


def _linked_entry(uow: UnitOfWork, engagement_id: uuid.UUID, adjustment_id: uuid.UUID) -> Adjustment:
    entry = uow.session.scalar(
        select(Adjustment).where(Adjustment.id == adjustment_id, Adjustment.engagement_id == engagement_id)
    )
    if entry is None:
        raise ValidationFailed.field(
            "body", "adjustment_id", message=f"no adjusting entry {adjustment_id} in this engagement"
        )
    return entry


def _check_consistent(event: SubsequentEvent) -> None:
    """What a type allows, and what a resolved event must have."""
    problem = subsequent_events.type_problem(
        event_type=event.event_type,
        status=event.status,
        has_adjustment=event.adjustment_id is not None,
        has_disclosure=bool(event.disclosure),
    )
    if problem is not None:
        field_name, message = problem
        raise ValidationFailed.field("body", field_name, message=message)


def _propose(uow: UnitOfWork, principal: Principal, event: SubsequentEvent, entry: ProposedEntry) -> Adjustment:
    """The event's adjusting entry, proposed, with the event as its reason."""
    adjustment, _ = add_entry(
        uow,
        firm_id=event.firm_id,
        engagement_id=event.engagement_id,
        created_by=principal.user_id,
        kind="proposed",
        description=f"Subsequent event of {event.event_date.isoformat()}: {event.description}"[:2000],
        lines=[EntryLine(line.account_number, line.debit, line.credit) for line in entry.lines],
        reason="subsequent_event",
        subsequent_event_id=str(event.id),
    )
    return adjustment


def create_event(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, data: SubsequentEventCreate
) -> EventView:
    """Add an event to the register; a recognized one may propose its adjusting entry at once."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    _check_date(data.event_date, access.engagement)
    if data.event_type == "nonrecognized" and data.adjustment is not None:
        raise ValidationFailed.field(
            "body", "adjustment", message="a nonrecognized (Type II) event is disclosed, not adjusted"
        )
    if data.adjustment is not None and data.adjustment_id is not None:
        raise ValidationFailed.field("body", "adjustment_id", message="give a new entry or an existing one, not both")
    if data.adjustment_id is not None:
        _linked_entry(uow, engagement_id, data.adjustment_id)
    problem = subsequent_events.type_problem(
        event_type=data.event_type, status="open", has_adjustment=data.adjustment_id is not None, has_disclosure=False
    )
    if problem is not None:
        raise ValidationFailed.field("body", problem[0], message=problem[1])
    event = SubsequentEvent(
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        event_date=data.event_date,
        description=data.description,
        event_type=data.event_type,
        amount=data.amount,
        status="open",
        source=data.source,
        disclosure=data.disclosure,
        adjustment_id=data.adjustment_id,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    uow.session.add(event)
    uow.session.flush()
    if data.adjustment is not None:
        event.adjustment_id = _propose(uow, principal, event, data.adjustment).id
    event.status = data.status
    _check_consistent(event)
    uow.session.flush()
    # The description stays out of the audit log: it may quote the client's affairs.
    record(
        uow,
        "subsequent_event.created",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=event.id,
        event_type=event.event_type,
        status=event.status,
        adjustment_id=str(event.adjustment_id) if event.adjustment_id else None,
    )
    return _committed(uow, event)


def _event_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, event_id: uuid.UUID) -> SubsequentEvent:
    event = uow.session.scalar(
        select(SubsequentEvent)
        .where(SubsequentEvent.id == event_id, SubsequentEvent.engagement_id == engagement_id)
        .with_for_update()
    )
    if event is None:
        raise NotFound("No such subsequent event", code="subsequent_event_not_found")
    return event


def _committed(uow: UnitOfWork, event: SubsequentEvent) -> EventView:
    uow.commit()
    uow.session.refresh(event)
    return _views(uow, [event])[0]


def update_event(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    event_id: uuid.UUID,
    data: SubsequentEventUpdate,
) -> EventView:
    """Change an event; its review no longer holds."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    event = _event_or_raise(uow, engagement_id, event_id)
    changes: dict[str, Any] = {}
    for name in sorted(data.model_fields_set):
        value = getattr(data, name)
        if getattr(event, name) != value:
            changes[name] = value
    if "event_date" in changes:
        _check_date(changes["event_date"], access.engagement)
    if changes.get("adjustment_id") is not None:
        _linked_entry(uow, engagement_id, changes["adjustment_id"])
    for name, value in changes.items():
        setattr(event, name, value)
    _check_consistent(event)
    if changes:
        event.updated_by = principal.user_id
        event.reviewed_by = event.reviewed_at = None
        uow.session.flush()
        record(
            uow,
            "subsequent_event.updated",
            engagement_id=engagement_id,
            target_type=TARGET,
            target_id=event.id,
            fields=sorted(changes),
            status=event.status,
        )
    return _committed(uow, event)


def delete_event(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, event_id: uuid.UUID) -> None:
    """Take an event off the register; an adjusting entry it proposed stays with the adjustments."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    event = _event_or_raise(uow, engagement_id, event_id)
    record(
        uow,
        "subsequent_event.deleted",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=event.id,
        event_type=event.event_type,
        event_date=event.event_date.isoformat(),
    )
    uow.session.delete(event)
    uow.session.flush()
    uow.commit()


def review_event(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, event_id: uuid.UUID) -> EventView:
    """A reviewer's sign-off on the event as it stands."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=REVIEW)
    event = _event_or_raise(uow, engagement_id, event_id)
    event.reviewed_by, event.reviewed_at = principal.user_id, clock.now()
    uow.session.flush()
    record(uow, "subsequent_event.reviewed", engagement_id=engagement_id, target_type=TARGET, target_id=event.id)
    return _committed(uow, event)


def set_reviewed_through(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, data: ReviewThroughUpdate
) -> SubsequentEventsReview:
    """Record through which date the subsequent events review was done (QC's policy reads it)."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    if data.reviewed_through < access.engagement.period_end:
        raise ValidationFailed.field(
            "body",
            "reviewed_through",
            message=f"must be on or after the period end {access.engagement.period_end.isoformat()} "
            f"(got {data.reviewed_through.isoformat()})",
        )
    review = _review_row(uow, engagement_id)
    if review is None:
        review = SubsequentEventsReview(firm_id=access.engagement.firm_id, engagement_id=engagement_id)
        uow.session.add(review)
    review.reviewed_through, review.note, review.updated_by = data.reviewed_through, data.note, principal.user_id
    uow.session.flush()
    record(
        uow,
        "subsequent_events.reviewed_through",
        engagement_id=engagement_id,
        target_type="subsequent_events_review",
        target_id=review.id,
        reviewed_through=data.reviewed_through.isoformat(),
    )
    uow.commit()
    uow.session.refresh(review)
    return review


# --- the next period's ledger -----------------------------------------------------------------------


def _threshold(uow: UnitOfWork, engagement_id: uuid.UUID, given: Decimal | None) -> tuple[Decimal, str]:
    if given is not None:
        return given, "parameter"
    materiality = current_materiality(uow, engagement_id=engagement_id)
    if materiality is None:
        raise ValidationFailed.field(
            "query", "threshold", message="no materiality is determined yet: give a threshold (got none)"
        )
    return materiality.clearly_trivial, "clearly_trivial"


def _ledger(uow: UnitOfWork, engagement_id: uuid.UUID) -> Dataset:
    ledger = current_dataset(uow, engagement_id=engagement_id, kind="general_ledger")
    if ledger is None:
        raise Conflict("The engagement has no loaded general ledger", code="no_general_ledger")
    return ledger


def get_ledger_review(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, threshold: Decimal | None
) -> LedgerReview:
    """The current ledger's lines after the period end at or above the threshold, with the decisions made."""
    access = require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    period_end = access.engagement.period_end
    ledger = _ledger(uow, engagement_id)
    amount, source = _threshold(uow, engagement_id, threshold)
    last = uow.session.scalar(select(func.max(JournalLine.effective_date)).where(JournalLine.dataset_id == ledger.id))
    conditions = (
        JournalLine.dataset_id == ledger.id,
        JournalLine.effective_date > period_end,
        func.abs(JournalLine.amount) >= amount,
    )
    total = uow.session.scalar(select(func.count()).select_from(JournalLine).where(*conditions)) or 0
    lines = list(
        uow.session.scalars(
            select(JournalLine)
            .where(*conditions)
            .order_by(JournalLine.effective_date, *JOURNAL_ORDER)
            .limit(MAX_LEDGER_LINES)
        )
    )
    rows = [line.row_number for line in lines]
    decisions = {
        d.row_number: d
        for d in uow.session.scalars(
            select(SubsequentLedgerDecision).where(
                SubsequentLedgerDecision.engagement_id == engagement_id,
                SubsequentLedgerDecision.dataset_id == ledger.id,
                SubsequentLedgerDecision.row_number.in_(rows),
            )
        )
    }
    names = account_names(uow, engagement_id, (line.account_number for line in lines))
    return LedgerReview(
        dataset=ledger,
        period_end=period_end,
        covers_through=last if last is not None and last > period_end else None,
        threshold=amount,
        threshold_source=source,
        lines=[
            LedgerLineView(line, names.get(line.account_number.strip()), decisions.get(line.row_number))
            for line in lines
        ],
        total=int(total),
    )


def decide_ledger_line(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    row_number: int,
    data: LedgerDecisionUpdate,
) -> LedgerLineView:
    """Mark a next-period line as no event, or link it to the register's event it led to."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=PREPARE)
    period_end = access.engagement.period_end
    line = uow.session.scalar(
        select(JournalLine).where(JournalLine.dataset_id == data.dataset_id, JournalLine.row_number == row_number)
    )
    dataset = uow.session.get(Dataset, data.dataset_id)
    if line is None or dataset is None or dataset.engagement_id != engagement_id or row_number < 0:
        raise NotFound("No such ledger line", code="ledger_line_not_found")
    if line.effective_date <= period_end:
        raise ValidationFailed.field(
            "path", "row_number", message=f"line {row_number} is posted on or before the period end, not after it"
        )
    if data.decision == "event":
        if data.event_id is None:
            raise ValidationFailed.field("body", "event_id", message="name the event the line led to (got none)")
        _event_or_raise(uow, engagement_id, data.event_id)
    elif data.event_id is not None:
        raise ValidationFailed.field("body", "event_id", message=f"is for decision event (got {data.event_id})")
    values = {
        "firm_id": access.engagement.firm_id,
        "engagement_id": engagement_id,
        "dataset_id": data.dataset_id,
        "row_number": row_number,
        "journal_id": line.journal_id,
        "account_number": line.account_number,
        "amount": line.amount,
        "effective_date": line.effective_date,
        "decision": data.decision,
        "event_id": data.event_id,
        "note": data.note,
        "decided_by": principal.user_id,
        "decided_at": clock.now(),
    }
    changed = {k: v for k, v in values.items() if k in ("decision", "event_id", "note", "decided_by", "decided_at")}
    statement = (
        insert(SubsequentLedgerDecision)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_update(constraint="uq_subsequent_ledger_decisions_line", set_=changed)
        .returning(SubsequentLedgerDecision.id)
    )
    decision_id = uow.session.scalar(statement)
    record(
        uow,
        "subsequent_events.ledger_line_decided",
        engagement_id=engagement_id,
        target_type="ledger_line",
        target_id=f"{data.dataset_id}:{row_number}",
        decision=data.decision,
        event_id=str(data.event_id) if data.event_id else None,
    )
    decided = uow.session.scalars(
        select(SubsequentLedgerDecision).where(SubsequentLedgerDecision.id == decision_id)
    ).one()
    names = account_names(uow, engagement_id, [line.account_number])
    uow.commit()
    uow.session.refresh(decided)
    return LedgerLineView(line, names.get(line.account_number.strip()), decided)
