"""HTTP triggers of the standard chart, the firm's mapping rules and the engagement's account mapping.

The firm's own accounts and rules need mapping.rules (managers and above); reading the chart, and the
engagement's mapping, engagement.read; asking for suggestions engagement.update; deciding a mapping
mapping.confirm. Client users hold none of these (403), and would find no engagement anyway (404).
"""

from __future__ import annotations

from typing import Any

from functions.mapping import bp, schemas, service
from functions.mapping.service import MappingView
from shared.auth.permissions import Permission
from shared.db.models_mapping import MappingRule
from shared.http import Call, Page, endpoint
from shared.standard_chart import Chart, StandardAccount

CHART_TAGS = ["standard chart"]
MAPPING_TAGS = ["account mapping"]
MAPPING = "engagements/{engagement_id:guid}/mapping"


def _account(account: StandardAccount) -> schemas.StandardAccountRead:
    return schemas.StandardAccountRead.model_validate(
        {
            "code": account.code,
            "name": account.name,
            "section": account.section,
            "statement": account.statement,
            "normal_balance": account.normal_balance,
            "lead_sheet": account.lead_sheet,
            "caption": account.caption,
            "element": account.element,
            "contra": account.contra,
            "firm_defined": account.firm_defined,
        }
    )


def _rule(row: MappingRule) -> schemas.RuleRead:
    return schemas.RuleRead.model_validate(row, from_attributes=True)


def _mapping(view: MappingView, chart: Chart) -> schemas.MappingRead:
    row = view.row
    standard = chart.by_code.get(row.standard_code or "")
    alternatives: list[dict[str, Any]] = [
        {
            "standard_code": item["standard_code"],
            "name": chart[item["standard_code"]].name,
            "section": chart[item["standard_code"]].section,
            "confidence": item["confidence"],
        }
        for item in row.alternatives
        if item.get("standard_code") in chart
    ]
    return schemas.MappingRead.model_validate(
        {
            "account_number": row.account_number,
            "account_name": row.account_name,
            "balance": view.balance,
            "standard_code": row.standard_code,
            "standard_name": standard.name if standard else None,
            "section": row.section,
            "confidence": float(row.confidence) if row.confidence is not None else None,
            "method": row.method,
            "status": row.status,
            "alternatives": alternatives,
            "confirmed_by": row.confirmed_by,
            "confirmed_at": row.confirmed_at,
        }
    )


# --- the standard chart and the firm's rules ------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    "standard-chart",
    name="get_standard_chart",
    summary="The standard chart of accounts: the shipped accounts and the firm's own",
    tags=CHART_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.StandardChartRead,
)
def get_standard_chart(call: Call) -> schemas.StandardChartRead:
    with call.uow() as uow:
        chart = service.get_standard_chart(uow=uow, principal=call.user)
        return schemas.StandardChartRead(accounts=[_account(account) for account in chart.accounts])


@endpoint(
    bp,
    "POST",
    "standard-chart/accounts",
    name="create_firm_standard_account",
    summary="Add an account of the firm's own to the standard chart",
    tags=CHART_TAGS,
    permission=Permission.MAPPING_RULES,
    body=schemas.FirmAccountCreate,
    response=schemas.StandardAccountRead,
    status=201,
    errors=[409],
)
def create_firm_standard_account(call: Call) -> schemas.StandardAccountRead:
    with call.uow() as uow:
        account = service.create_firm_account(uow=uow, principal=call.user, fields=call.body.model_dump())
        return _account(account)


@endpoint(
    bp,
    "GET",
    "standard-chart/rules",
    name="list_mapping_rules",
    summary="The firm's mapping rules (number ranges, name patterns), in the order they are tried",
    tags=CHART_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.RulesRead,
)
def list_mapping_rules(call: Call) -> schemas.RulesRead:
    with call.uow() as uow:
        return schemas.RulesRead(rules=[_rule(row) for row in service.list_rules(uow=uow, principal=call.user)])


@endpoint(
    bp,
    "POST",
    "standard-chart/rules",
    name="create_mapping_rule",
    summary="Add a mapping rule at the end of the firm's list",
    tags=CHART_TAGS,
    permission=Permission.MAPPING_RULES,
    body=schemas.RuleCreate,
    response=schemas.RuleRead,
    status=201,
)
def create_mapping_rule(call: Call) -> schemas.RuleRead:
    with call.uow() as uow:
        return _rule(service.create_rule(uow=uow, principal=call.user, fields=call.body.model_dump()))


@endpoint(
    bp,
    "DELETE",
    "standard-chart/rules/{rule_id:guid}",
    name="delete_mapping_rule",
    summary="Remove a mapping rule",
    tags=CHART_TAGS,
    permission=Permission.MAPPING_RULES,
    status=204,
    errors=[404],
)
def delete_mapping_rule(call: Call) -> None:
    with call.uow() as uow:
        service.delete_rule(uow=uow, principal=call.user, rule_id=call.route_uuid("rule_id"))


# --- the engagement's mapping ------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    MAPPING + "/suggest",
    name="suggest_mapping",
    summary="Suggest a standard account for every account of the engagement (a job)",
    tags=MAPPING_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.JobAccepted,
    status=202,
    errors=[404, 409],
)
def suggest_mapping(call: Call) -> schemas.JobAccepted:
    with call.uow() as uow:
        job = service.request_suggestions(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return schemas.JobAccepted(job_id=job.id)


@endpoint(
    bp,
    "GET",
    MAPPING,
    name="list_mapping",
    summary="The engagement's accounts with their suggestion, confidence, alternatives and status",
    tags=MAPPING_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.MappingQuery,
    response=Page[schemas.MappingRead],
    errors=[404],
)
def list_mapping(call: Call) -> Page[schemas.MappingRead]:
    query: schemas.MappingQuery = call.query
    with call.uow() as uow:
        views, total, chart = service.list_mappings(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            status=query.status,
            section=query.section,
            q=query.q,
            offset=query.offset,
            limit=query.page_size,
        )
        return Page(
            items=[_mapping(view, chart) for view in views], page=query.page, page_size=query.page_size, total=total
        )


@endpoint(
    bp,
    "GET",
    MAPPING + "/progress",
    name="get_mapping_progress",
    summary="How far the mapping has come: accounts by status, suggestions by method, accounts by section",
    tags=MAPPING_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.MappingProgress,
    errors=[404],
)
def get_mapping_progress(call: Call) -> schemas.MappingProgress:
    with call.uow() as uow:
        counts = service.mapping_progress(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return schemas.MappingProgress.model_validate(counts)


@endpoint(
    bp,
    "PUT",
    MAPPING + "/accounts/{account_number}",
    name="set_mapping",
    summary="Confirm an account's mapping, set another standard account, or mark it unmapped (null)",
    tags=MAPPING_TAGS,
    permission=Permission.MAPPING_CONFIRM,
    body=schemas.MappingSet,
    response=schemas.MappingRead,
    errors=[404, 409],
)
def set_mapping(call: Call) -> schemas.MappingRead:
    body: schemas.MappingSet = call.body
    with call.uow() as uow:
        view, chart = service.set_mapping(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            account_number=call.request.route_params.get("account_number", ""),
            standard_code=body.standard_code,
        )
        return _mapping(view, chart)


@endpoint(
    bp,
    "POST",
    MAPPING + "/confirm",
    name="confirm_mapping",
    summary="Confirm suggestions in bulk: all, those at least as confident as given, or the accounts named",
    tags=MAPPING_TAGS,
    permission=Permission.MAPPING_CONFIRM,
    body=schemas.MappingConfirm,
    response=schemas.ConfirmRead,
    errors=[404, 409],
)
def confirm_mapping(call: Call) -> schemas.ConfirmRead:
    body: schemas.MappingConfirm = call.body
    with call.uow() as uow:
        count = service.confirm_mappings(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            all_suggested=bool(body.all_suggested),
            min_confidence=body.min_confidence,
            accounts=body.accounts,
        )
        return schemas.ConfirmRead(confirmed=count)
