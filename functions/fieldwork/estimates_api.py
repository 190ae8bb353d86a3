"""Accounting estimates' HTTP functions (AU-C 540 / AS 2501): the estimates, the entry an estimate's
difference becomes, and the retrospective review of last year's estimates with its bias indicator.

The routes declare no firm permission: the service asks `require`, so client users and people who may
not see the engagement get 404, and a role on the engagement without workpaper.prepare 403 on a write.
"""

from __future__ import annotations

from decimal import Decimal

from functions.fieldwork import bp, estimates
from functions.fieldwork import estimates_schemas as schemas
from functions.fieldwork import estimates_service as service
from shared.db.models_parties import AccountingEstimate, EstimateReview
from shared.http import Call, endpoint

TAGS = ["accounting estimates"]
ESTIMATES = "engagements/{engagement_id:guid}/estimates"
ESTIMATE = ESTIMATES + "/{estimate_id:guid}"
REVIEWS = ESTIMATES + "/reviews"
REVIEW = REVIEWS + "/{review_id:guid}"


def _estimate(view: service.EstimateView) -> schemas.EstimateRead:
    fields = {column.key: getattr(view.estimate, column.key) for column in AccountingEstimate.__table__.columns}
    link = None
    if view.linked is not None:
        difference = view.difference
        link = schemas.EstimateAdjustmentLink(
            id=view.linked.entry.id,
            number=view.linked.entry.number,
            kind=view.linked.entry.kind,
            amount=view.linked.amount,
            current=difference is not None and view.linked.amount == abs(difference),
        )
    return schemas.EstimateRead.model_validate(
        {**fields, "auditor_figure": view.auditor_figure, "difference": view.difference, "adjustment": link}
    )


def _review(row: EstimateReview) -> schemas.EstimateReviewRead:
    fields = {column.key: getattr(row, column.key) for column in EstimateReview.__table__.columns}
    return schemas.EstimateReviewRead.model_validate(
        {
            **fields,
            "difference": row.actual_outcome - row.prior_estimate,
            "direction": estimates.direction(row.prior_estimate, row.actual_outcome),
        }
    )


@endpoint(
    bp,
    "GET",
    ESTIMATES,
    name="list_estimates",
    summary="The engagement's accounting estimates, each with its difference to the auditor's range or point",
    tags=TAGS,
    response=schemas.EstimatesRead,
    errors=[404],
)
def list_estimates(call: Call) -> schemas.EstimatesRead:
    with call.uow() as uow:
        views = service.list_estimates(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        total = sum((abs(view.difference) for view in views if view.difference is not None), Decimal("0.00"))
        return schemas.EstimatesRead(items=[_estimate(view) for view in views], total_difference=total)


@endpoint(
    bp,
    "POST",
    ESTIMATES,
    name="create_estimate",
    summary="Record an accounting estimate: management's point estimate and the auditor's range or point",
    tags=TAGS,
    body=schemas.EstimateCreate,
    response=schemas.EstimateRead,
    status=201,
    errors=[403, 404, 409],
    exact_numbers=True,
)
def create_estimate(call: Call) -> schemas.EstimateRead:
    with call.uow() as uow:
        view = service.create_estimate(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), fields=call.body.model_dump()
        )
        return _estimate(view)


@endpoint(
    bp,
    "GET",
    ESTIMATE,
    name="get_estimate",
    summary="One accounting estimate",
    tags=TAGS,
    response=schemas.EstimateRead,
    errors=[404],
)
def get_estimate(call: Call) -> schemas.EstimateRead:
    with call.uow() as uow:
        view = service.get_estimate_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            estimate_id=call.route_uuid("estimate_id"),
        )
        return _estimate(view)


@endpoint(
    bp,
    "PATCH",
    ESTIMATE,
    name="update_estimate",
    summary="Change an estimate; any part of the auditor's figure sent replaces the range or point whole",
    tags=TAGS,
    body=schemas.EstimateUpdate,
    response=schemas.EstimateRead,
    errors=[403, 404, 409],
    exact_numbers=True,
)
def update_estimate(call: Call) -> schemas.EstimateRead:
    with call.uow() as uow:
        view = service.update_estimate(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            estimate_id=call.route_uuid("estimate_id"),
            changes=call.body.model_dump(exclude_unset=True),
        )
        return _estimate(view)


@endpoint(
    bp,
    "DELETE",
    ESTIMATE,
    name="delete_estimate",
    summary="Remove an estimate (an entry proposed from it stays)",
    tags=TAGS,
    status=204,
    errors=[403, 404, 409],
)
def delete_estimate(call: Call) -> None:
    with call.uow() as uow:
        service.delete_estimate(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            estimate_id=call.route_uuid("estimate_id"),
        )


@endpoint(
    bp,
    "POST",
    ESTIMATE + "/adjustment",
    name="propose_estimate_adjustment",
    summary="Propose the estimate's difference as an adjusting entry (to the summary of unadjusted differences)",
    tags=TAGS,
    body=schemas.EstimateAdjustmentProposal,
    response=schemas.EstimateRead,
    status=201,
    errors=[403, 404, 409],
)
def propose_estimate_adjustment(call: Call) -> schemas.EstimateRead:
    body: schemas.EstimateAdjustmentProposal = call.body
    with call.uow() as uow:
        view = service.propose_adjustment(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            estimate_id=call.route_uuid("estimate_id"),
            description=body.description,
        )
        return _estimate(view)


# --- the retrospective review --------------------------------------------------------------------------------


def _reviews(rows: list[EstimateReview], bias: estimates.Bias) -> schemas.EstimateReviewsRead:
    return schemas.EstimateReviewsRead(
        items=[_review(row) for row in rows], bias=schemas.EstimateBiasRead(**vars(bias))
    )


@endpoint(
    bp,
    "GET",
    REVIEWS,
    name="list_estimate_reviews",
    summary="Last year's estimates against their outcomes, with the management bias indicator and its counts",
    tags=TAGS,
    response=schemas.EstimateReviewsRead,
    errors=[404],
)
def list_estimate_reviews(call: Call) -> schemas.EstimateReviewsRead:
    with call.uow() as uow:
        rows, bias = service.list_reviews(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return _reviews(rows, bias)


@endpoint(
    bp,
    "POST",
    REVIEWS,
    name="create_estimate_review",
    summary="Add a prior-year estimate and its actual outcome to the retrospective review",
    tags=TAGS,
    body=schemas.EstimateReviewCreate,
    response=schemas.EstimateReviewRead,
    status=201,
    errors=[403, 404, 409],
    exact_numbers=True,
)
def create_estimate_review(call: Call) -> schemas.EstimateReviewRead:
    with call.uow() as uow:
        row = service.create_review(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), fields=call.body.model_dump()
        )
        return _review(row)


@endpoint(
    bp,
    "PATCH",
    REVIEW,
    name="update_estimate_review",
    summary="Change a reviewed prior-year estimate",
    tags=TAGS,
    body=schemas.EstimateReviewUpdate,
    response=schemas.EstimateReviewRead,
    errors=[403, 404, 409],
    exact_numbers=True,
)
def update_estimate_review(call: Call) -> schemas.EstimateReviewRead:
    with call.uow() as uow:
        row = service.update_review(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            review_id=call.route_uuid("review_id"),
            changes=call.body.model_dump(exclude_unset=True),
        )
        return _review(row)


@endpoint(
    bp,
    "DELETE",
    REVIEW,
    name="delete_estimate_review",
    summary="Take a prior-year estimate out of the retrospective review",
    tags=TAGS,
    status=204,
    errors=[403, 404, 409],
)
def delete_estimate_review(call: Call) -> None:
    with call.uow() as uow:
        service.delete_review(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            review_id=call.route_uuid("review_id"),
        )
