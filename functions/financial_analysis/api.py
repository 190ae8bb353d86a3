"""HTTP triggers of financial analysis: ratios, flux and indicators; explanations of flux lines; trends.

Every route needs engagement.read, which client roles lack (403); the service looks the engagement up
as internal working papers, so a client user who got that far would still find nothing (404).
"""

from __future__ import annotations

from typing import Any

import azure.functions as func

from functions.financial_analysis import bp, schemas, service
from shared.auth.permissions import Permission
from shared.db.models_financial_analysis import FluxExplanation
from shared.http import Call, endpoint

TAGS = ["financial analysis"]
ANALYSIS = "engagements/{engagement_id:guid}/financial-analysis"


def _explanation(row: FluxExplanation) -> schemas.ExplanationRead:
    return schemas.ExplanationRead(key=row.key, text=row.text, updated_by=row.updated_by, updated_at=row.updated_at)


def _analysis(analysis: service.Analysis) -> schemas.FinancialAnalysisRead:
    explanations = analysis.explanations
    return schemas.FinancialAnalysisRead(
        comparatives=analysis.final.comparatives,
        unconfirmed_accounts=sum(1 for line in analysis.final.lines if not line.confirmed),
        ratios=[schemas.RatioRead.model_validate(ratio, from_attributes=True) for ratio in analysis.ratios],
        flux=[
            schemas.FluxLineRead.model_validate(
                {
                    **{
                        name: getattr(line, name) for name in schemas.FluxLineRead.model_fields if name != "explanation"
                    },
                    "explanation": _explanation(explanations[line.key]) if line.key in explanations else None,
                }
            )
            for line in analysis.flux
        ],
        flux_thresholds=schemas.FluxThresholds(
            amount=analysis.thresholds.amount, amount_source=analysis.amount_source, percent=analysis.thresholds.percent
        ),
        indicators=[schemas.IndicatorRead.model_validate(item, from_attributes=True) for item in analysis.indicators],
    )


@endpoint(
    bp,
    "GET",
    ANALYSIS,
    name="get_financial_analysis",
    summary="Ratios for the year and the prior year, flux against the prior year, and going-concern indicators",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.AnalysisQuery,
    response=schemas.FinancialAnalysisRead,
    errors=[404],
)
def get_financial_analysis(call: Call) -> schemas.FinancialAnalysisRead:
    query: schemas.AnalysisQuery = call.query
    with call.uow() as uow:
        analysis = service.get_analysis(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            amount_threshold=query.amount_threshold,
            percent_threshold=query.percent_threshold,
        )
        return _analysis(analysis)


@endpoint(
    bp,
    "PUT",
    ANALYSIS + "/flux/{key}/explanation",
    name="put_flux_explanation",
    summary="Keep the auditor's explanation of a flux line (account:<number> or caption:<section>.<slug>)",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ExplanationWrite,
    response=schemas.ExplanationRead,
    errors=[404, 409],
)
def put_flux_explanation(call: Call) -> schemas.ExplanationRead:
    body: schemas.ExplanationWrite = call.body
    with call.uow() as uow:
        row = service.save_explanation(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            key=call.request.route_params.get("key", ""),
            text=body.text,
        )
        return _explanation(row)


def _trends(call: Call) -> service.Trends:
    with call.uow() as uow:
        return service.get_trends(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))


def _png(trends: service.Trends) -> func.HttpResponse:
    from functions.financial_analysis.trends_chart import chart_png

    return func.HttpResponse(
        body=chart_png(trends.months),
        status_code=200,
        headers={"Content-Type": "image/png", "Cache-Control": "private, no-store"},
    )


@endpoint(
    bp,
    "GET",
    ANALYSIS + "/trends",
    name="get_financial_trends",
    summary="Monthly revenue, cost of sales, operating expenses and cash movement from the current general ledger",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.TrendsQuery,
    response=schemas.TrendsRead,
    other_content_types=["image/png"],
    errors=[404],
)
def get_financial_trends(call: Call) -> Any:
    trends = _trends(call)
    if call.query.format == "png":
        return _png(trends)
    return schemas.TrendsRead.model_validate(trends, from_attributes=True)


@endpoint(
    bp,
    "GET",
    ANALYSIS + "/trends.png",
    name="get_financial_trends_chart",
    summary="The monthly trends as a PNG chart",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response_content_type="image/png",
    errors=[404],
)
def get_financial_trends_chart(call: Call) -> func.HttpResponse:
    return _png(_trends(call))
