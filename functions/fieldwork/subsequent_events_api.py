"""The subsequent events register's HTTP functions (AU-C 560 / AS 2801), with the next period's ledger review.

The routes declare no firm permission: the service asks `require`, so client users and people who
may not see the engagement get 404, and a role on the engagement without the permission 403.
"""

from __future__ import annotations

from functions.fieldwork import bp
from functions.fieldwork import subsequent_events_service as service
from functions.fieldwork.subsequent_events_schemas import (
    LedgerDecisionUpdate,
    LedgerLineRead,
    LedgerQuery,
    LedgerReviewRead,
    LinkedAdjustment,
    ReviewThrough,
    ReviewThroughUpdate,
    SubsequentEventCreate,
    SubsequentEventRead,
    SubsequentEventsRead,
    SubsequentEventUpdate,
)
from shared.db.models_events import SubsequentEventsReview
from shared.errors import NotFound
from shared.http import Call, endpoint

TAGS = ["subsequent events"]
EVENTS = "engagements/{engagement_id:guid}/subsequent-events"
EVENT = EVENTS + "/{event_id:guid}"
LEDGER = EVENTS + "/ledger"


def _event(view: service.EventView) -> SubsequentEventRead:
    event, entry = view.event, view.adjustment
    linked = (
        LinkedAdjustment(id=entry.id, number=entry.number, kind=entry.kind, amount=view.adjustment_amount or 0)
        if entry is not None
        else None
    )
    return SubsequentEventRead(
        id=event.id,
        event_date=event.event_date,
        description=event.description,
        event_type=event.event_type,
        amount=event.amount,
        status=event.status,
        source=event.source,
        disclosure=event.disclosure,
        adjustment=linked,
        created_by=event.created_by,
        created_at=event.created_at,
        updated_at=event.updated_at,
        reviewed_by=event.reviewed_by,
        reviewed_at=event.reviewed_at,
    )


def _review(review: SubsequentEventsReview) -> ReviewThrough:
    return ReviewThrough(
        reviewed_through=review.reviewed_through,
        note=review.note,
        updated_by=review.updated_by,
        updated_at=review.updated_at,
    )


@endpoint(
    bp,
    "GET",
    EVENTS,
    name="get_subsequent_events",
    summary="The subsequent events register in date order, with the date the review was done through",
    tags=TAGS,
    response=SubsequentEventsRead,
    errors=[404],
)
def get_subsequent_events(call: Call) -> SubsequentEventsRead:
    with call.uow() as uow:
        found = service.get_register(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return SubsequentEventsRead(
            period_end=found.period_end,
            review=_review(found.review) if found.review is not None else None,
            events=[_event(view) for view in found.events],
        )


@endpoint(
    bp,
    "POST",
    EVENTS,
    name="create_subsequent_event",
    summary="Add an event after the balance-sheet date; a recognized (Type I) one may propose its adjusting "
    "entry at once, a nonrecognized (Type II) one carries its disclosure",
    tags=TAGS,
    body=SubsequentEventCreate,
    response=SubsequentEventRead,
    status=201,
    errors=[400, 403, 404, 409],
)
def create_subsequent_event(call: Call) -> SubsequentEventRead:
    with call.uow() as uow:
        view = service.create_event(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), data=call.body
        )
        return _event(view)


@endpoint(
    bp,
    "PATCH",
    EVENT,
    name="update_subsequent_event",
    summary="Change an event (its review is cleared); resolved needs the adjusting entry or the disclosure",
    tags=TAGS,
    body=SubsequentEventUpdate,
    response=SubsequentEventRead,
    errors=[400, 403, 404, 409],
)
def update_subsequent_event(call: Call) -> SubsequentEventRead:
    with call.uow() as uow:
        view = service.update_event(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            event_id=call.route_uuid("event_id"),
            data=call.body,
        )
        return _event(view)


@endpoint(
    bp,
    "DELETE",
    EVENT,
    name="delete_subsequent_event",
    summary="Take an event off the register (an adjusting entry it proposed stays); audit-logged",
    tags=TAGS,
    status=204,
    errors=[403, 404, 409],
)
def delete_subsequent_event(call: Call) -> None:
    with call.uow() as uow:
        service.delete_event(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            event_id=call.route_uuid("event_id"),
        )


@endpoint(
    bp,
    "POST",
    EVENT + "/review",
    name="review_subsequent_event",
    summary="A reviewer's sign-off on the event as it stands (workpaper.review)",
    tags=TAGS,
    response=SubsequentEventRead,
    errors=[403, 404, 409],
)
def review_subsequent_event(call: Call) -> SubsequentEventRead:
    with call.uow() as uow:
        view = service.review_event(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            event_id=call.route_uuid("event_id"),
        )
        return _event(view)


@endpoint(
    bp,
    "PUT",
    EVENTS + "/review-through",
    name="set_subsequent_events_reviewed_through",
    summary="Record the date the subsequent events review was done through (QC's policy reads it)",
    tags=TAGS,
    body=ReviewThroughUpdate,
    response=ReviewThrough,
    errors=[400, 403, 404, 409],
)
def set_subsequent_events_reviewed_through(call: Call) -> ReviewThrough:
    with call.uow() as uow:
        review = service.set_reviewed_through(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), data=call.body
        )
        return _review(review)


def _ledger_line(view: service.LedgerLineView) -> LedgerLineRead:
    line, decision = view.line, view.decision
    return LedgerLineRead(
        row_number=line.row_number,
        journal_id=line.journal_id,
        line_number=line.line_number,
        account_number=line.account_number,
        account_name=view.account_name,
        amount=line.amount,
        effective_date=line.effective_date,
        document_date=line.document_date,
        description=line.description,
        decision=decision.decision if decision else None,
        event_id=decision.event_id if decision else None,
        note=decision.note if decision else None,
        decided_by=decision.decided_by if decision else None,
        decided_at=decision.decided_at if decision else None,
    )


@endpoint(
    bp,
    "GET",
    LEDGER,
    name="get_subsequent_ledger_review",
    summary="The current ledger's entries after the period end at or above the threshold (default: clearly "
    "trivial), each with the auditor's decision",
    tags=TAGS,
    query=LedgerQuery,
    response=LedgerReviewRead,
    errors=[400, 404, 409],
)
def get_subsequent_ledger_review(call: Call) -> LedgerReviewRead:
    query: LedgerQuery = call.query
    with call.uow() as uow:
        review = service.get_ledger_review(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), threshold=query.threshold
        )
        return LedgerReviewRead(
            dataset_id=review.dataset.id,
            dataset_version=review.dataset.version,
            period_end=review.period_end,
            covers_through=review.covers_through,
            threshold=review.threshold,
            threshold_source=review.threshold_source,
            lines=[_ledger_line(view) for view in review.lines],
            total=review.total,
            truncated=review.total > len(review.lines),
        )


@endpoint(
    bp,
    "PUT",
    LEDGER + "/{row_number}",
    name="decide_subsequent_ledger_line",
    summary="Mark a next-period ledger line as no event, or link it to the event it led to",
    tags=TAGS,
    body=LedgerDecisionUpdate,
    response=LedgerLineRead,
    errors=[400, 403, 404, 409],
)
def decide_subsequent_ledger_line(call: Call) -> LedgerLineRead:
    raw = call.request.route_params.get("row_number", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise NotFound("No such ledger line", code="ledger_line_not_found")
    with call.uow() as uow:
        view = service.decide_ledger_line(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            row_number=int(raw),
            data=call.body,
        )
        return _ledger_line(view)
