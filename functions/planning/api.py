"""HTTP triggers of materiality and the risk assessment.

Every route needs engagement.read, which client users lack (403); the service looks the engagement up
as internal working papers, so a client user who got that far would still find nothing (404).
"""

from __future__ import annotations

from typing import Any

from functions.planning import bp, materiality, schemas, service
from functions.planning.service import RiskView
from shared.auth.permissions import Permission
from shared.db.models_planning import Materiality, Risk
from shared.http import Call, Page, PageQuery, endpoint

MATERIALITY_TAGS = ["materiality"]
RISK_TAGS = ["risk assessment"]
MATERIALITY = "engagements/{engagement_id:guid}/materiality"
RISKS = "engagements/{engagement_id:guid}/risks"
RISK = RISKS + "/{risk_id:guid}"


def _materiality(row: Materiality, *, current: bool, warnings: list[str] | None = None) -> schemas.MaterialityRead:
    fields: dict[str, Any] = {column.key: getattr(row, column.key) for column in Materiality.__table__.columns}
    fields["percentage"] = materiality.plain(row.percentage)
    return schemas.MaterialityRead.model_validate(
        {
            **fields,
            "method": materiality.method(service.figures_of(row)),
            "rounding": materiality.ROUNDING,
            "current": current,
            "warnings": warnings or [],
        }
    )


def _risk(view: RiskView) -> schemas.RiskRead:
    procedures = [
        schemas.ProcedureRead(node_id=node.id, index_code=node.index_code, title=node.title, kind=node.kind)
        for node in view.procedures
    ]
    fields = {column.key: getattr(view.risk, column.key) for column in Risk.__table__.columns}
    return schemas.RiskRead.model_validate({**fields, "procedures": procedures})


# --- materiality -----------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    MATERIALITY,
    name="create_materiality",
    summary="Determine materiality from a benchmark; kept as a new version that becomes current",
    tags=MATERIALITY_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.MaterialityCreate,
    response=schemas.MaterialityRead,
    status=201,
    errors=[404, 409],
)
def create_materiality(call: Call) -> schemas.MaterialityRead:
    body: schemas.MaterialityCreate = call.body
    with call.uow() as uow:
        determination = service.create_materiality(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            benchmark=body.benchmark,
            amount=body.amount,
            percentage=body.percentage,
            benchmark_amounts=body.benchmark_amounts.model_dump(exclude_none=True),
            risk_level=body.risk_level,
            rationale=body.rationale,
        )
        return _materiality(determination.row, current=True, warnings=determination.warnings)


@endpoint(
    bp,
    "GET",
    MATERIALITY,
    name="get_materiality",
    summary="The engagement's current materiality",
    tags=MATERIALITY_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.MaterialityRead,
    errors=[404],
)
def get_materiality(call: Call) -> schemas.MaterialityRead:
    with call.uow() as uow:
        row = service.get_current_materiality_or_raise(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")
        )
        return _materiality(row, current=True)


@endpoint(
    bp,
    "GET",
    MATERIALITY + "/versions",
    name="list_materiality_versions",
    summary="Every materiality version of the engagement, newest first",
    tags=MATERIALITY_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=PageQuery,
    response=Page[schemas.MaterialityRead],
    errors=[404],
)
def list_materiality_versions(call: Call) -> Page[schemas.MaterialityRead]:
    query: PageQuery = call.query
    with call.uow() as uow:
        rows, total = service.list_materiality_versions(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            offset=query.offset,
            limit=query.page_size,
        )
        # Newest first: the first row of the first page is the current version.
        items = [_materiality(row, current=query.offset == 0 and index == 0) for index, row in enumerate(rows)]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


# --- risks -----------------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    RISKS,
    name="create_risk",
    summary="Assess a risk of material misstatement at an account or area and assertion",
    tags=RISK_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.RiskCreate,
    response=schemas.RiskRead,
    status=201,
    errors=[404, 409],
)
def create_risk(call: Call) -> schemas.RiskRead:
    with call.uow() as uow:
        view = service.create_risk(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), fields=call.body.model_dump()
        )
        return _risk(view)


@endpoint(
    bp,
    "GET",
    RISKS,
    name="list_risks",
    summary="The engagement's assessed risks, by area and assertion",
    tags=RISK_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.RiskQuery,
    response=Page[schemas.RiskRead],
    errors=[404],
)
def list_risks(call: Call) -> Page[schemas.RiskRead]:
    query: schemas.RiskQuery = call.query
    with call.uow() as uow:
        views, total = service.list_risks(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            area=query.area,
            assertion=query.assertion,
            significant=query.significant,
            offset=query.offset,
            limit=query.page_size,
        )
        return Page(items=[_risk(view) for view in views], page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    RISK,
    name="get_risk",
    summary="One assessed risk with its planned response and procedures",
    tags=RISK_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.RiskRead,
    errors=[404],
)
def get_risk(call: Call) -> schemas.RiskRead:
    with call.uow() as uow:
        view = service.get_risk_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            risk_id=call.route_uuid("risk_id"),
        )
        return _risk(view)


@endpoint(
    bp,
    "PATCH",
    RISK,
    name="update_risk",
    summary="Change a risk's assessment or its procedures",
    tags=RISK_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.RiskUpdate,
    response=schemas.RiskRead,
    errors=[404, 409],
)
def update_risk(call: Call) -> schemas.RiskRead:
    with call.uow() as uow:
        view = service.update_risk(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            risk_id=call.route_uuid("risk_id"),
            changes=call.body.model_dump(exclude_unset=True),
        )
        return _risk(view)


@endpoint(
    bp,
    "DELETE",
    RISK,
    name="delete_risk",
    summary="Remove a risk from the assessment",
    tags=RISK_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    status=204,
    errors=[404, 409],
)
def delete_risk(call: Call) -> None:
    with call.uow() as uow:
        service.delete_risk(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            risk_id=call.route_uuid("risk_id"),
        )
