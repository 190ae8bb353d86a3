"""HTTP triggers of adjusting entries, lead sheets and the financial statements.

Reads need engagement.read, entries engagement.update; a finalized engagement refuses every change
(409 engagement_locked).
"""

from __future__ import annotations

import azure.functions as func

from functions.mapping import bp, reporting_service, schemas, workbook
from functions.mapping.lead_sheets import LeadSheet, Row
from functions.mapping.reporting_service import EntryView
from shared.adjusting_entries import EntryLine
from shared.auth.permissions import Permission
from shared.http import Call, Page, endpoint, file_response
from shared.statements import Amounts

ADJUSTMENT_TAGS = ["adjusting entries"]
REPORT_TAGS = ["lead sheets and statements"]
ENGAGEMENT = "engagements/{engagement_id:guid}"
ADJUSTMENTS = ENGAGEMENT + "/adjustments"
ADJUSTMENT = ADJUSTMENTS + "/{adjustment_id:guid}"


def _entry(view: EntryView) -> schemas.AdjustmentRead:
    entry = view.entry
    return schemas.AdjustmentRead(
        id=entry.id,
        number=entry.number,
        kind=entry.kind,
        description=entry.description,
        amount=view.amount,
        lines=[
            schemas.AdjustmentLineRead(
                line=line.line, account_number=line.account_number, debit=line.debit, credit=line.credit
            )
            for line in view.lines
        ],
        created_by=entry.created_by,
        created_at=entry.created_at,
    )


def _amounts(amounts: Amounts) -> schemas.AmountsRead:
    return schemas.AmountsRead(current=amounts.current, prior=amounts.prior)


def _row(row: Row) -> schemas.LeadRowRead:
    return schemas.LeadRowRead.model_validate(row, from_attributes=True)


def _lead(sheet: LeadSheet) -> schemas.LeadSheetRead:
    return schemas.LeadSheetRead(
        letter=sheet.letter,
        title=sheet.title,
        accounts=[_row(row) for row in sheet.rows],
        totals=schemas.LeadTotals(
            prior=sheet.total("prior"),
            unadjusted=sheet.total("unadjusted") or 0,
            adjustments=sheet.total("adjustments") or 0,
            final=sheet.total("final") or 0,
        ),
    )


# --- adjusting entries ---------------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    ADJUSTMENTS,
    name="create_adjustment",
    summary="Record an adjusting entry (proposed, recorded or passed); it must balance",
    tags=ADJUSTMENT_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.AdjustmentCreate,
    response=schemas.AdjustmentRead,
    status=201,
    errors=[404, 409],
    exact_numbers=True,
)
def create_adjustment(call: Call) -> schemas.AdjustmentRead:
    body: schemas.AdjustmentCreate = call.body
    with call.uow() as uow:
        view = reporting_service.create_adjustment(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            kind=body.kind,
            description=body.description,
            lines=[EntryLine(line.account_number, line.debit, line.credit) for line in body.lines],
        )
        return _entry(view)


@endpoint(
    bp,
    "GET",
    ADJUSTMENTS,
    name="list_adjustments",
    summary="The engagement's adjusting entries by number",
    tags=ADJUSTMENT_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.AdjustmentQuery,
    response=Page[schemas.AdjustmentRead],
    errors=[404],
)
def list_adjustments(call: Call) -> Page[schemas.AdjustmentRead]:
    query: schemas.AdjustmentQuery = call.query
    with call.uow() as uow:
        views, total = reporting_service.list_adjustments(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            kind=query.kind,
            offset=query.offset,
            limit=query.page_size,
        )
        return Page(items=[_entry(v) for v in views], page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    ADJUSTMENTS + "/summary",
    name="get_adjustments_summary",
    summary="The summary of unadjusted differences (proposed and passed entries) against materiality",
    tags=ADJUSTMENT_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.SummaryRead,
    errors=[404],
)
def get_adjustments_summary(call: Call) -> schemas.SummaryRead:
    with call.uow() as uow:
        summary = reporting_service.adjustments_summary(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")
        )
        return schemas.SummaryRead.model_validate(
            {
                "differences": [d.__dict__ for d in summary.differences],
                "profit_effect": summary.profit_effect,
                "overall_materiality": summary.overall,
                "performance_materiality": summary.performance,
                "clearly_trivial": summary.clearly_trivial,
                "conclusion": summary.conclusion,
                "unmapped_accounts": summary.unmapped_accounts,
            }
        )


@endpoint(
    bp,
    "PATCH",
    ADJUSTMENT,
    name="update_adjustment",
    summary="Change an adjusting entry's kind (proposed, recorded, passed) or description",
    tags=ADJUSTMENT_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.AdjustmentUpdate,
    response=schemas.AdjustmentRead,
    errors=[404, 409],
)
def update_adjustment(call: Call) -> schemas.AdjustmentRead:
    with call.uow() as uow:
        view = reporting_service.update_adjustment(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            adjustment_id=call.route_uuid("adjustment_id"),
            changes=call.body.model_dump(exclude_unset=True),
        )
        return _entry(view)


@endpoint(
    bp,
    "DELETE",
    ADJUSTMENT,
    name="delete_adjustment",
    summary="Remove an adjusting entry",
    tags=ADJUSTMENT_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    status=204,
    errors=[404, 409],
)
def delete_adjustment(call: Call) -> None:
    with call.uow() as uow:
        reporting_service.delete_adjustment(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            adjustment_id=call.route_uuid("adjustment_id"),
        )


# --- lead sheets and statements ------------------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/lead-sheets",
    name="get_lead_sheets",
    summary="Lead sheets by letter: each account's prior year, unadjusted balance, adjustments and final balance",
    tags=REPORT_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.LeadSheetsRead,
    errors=[404],
)
def get_lead_sheets(call: Call) -> schemas.LeadSheetsRead:
    with call.uow() as uow:
        final, sheets, unplaced = reporting_service.get_lead_sheets(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")
        )
        return schemas.LeadSheetsRead(
            comparatives=final.comparatives,
            lead_sheets=[_lead(sheet) for sheet in sheets],
            unplaced=[_row(row) for row in unplaced],
        )


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/statements/{statement}",
    name="get_statement",
    summary="The balance sheet or income statement from the confirmed mapping, with comparatives",
    tags=REPORT_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.StatementRead,
    errors=[404],
)
def get_statement(call: Call) -> schemas.StatementRead:
    with call.uow() as uow:
        final, statement = reporting_service.get_statement(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            statement=call.request.route_params.get("statement", ""),
        )
        return schemas.StatementRead.model_validate(
            {
                "statement": statement.statement,
                "comparatives": final.comparatives if statement.has_prior else None,
                "sections": [
                    {
                        "section": section.section,
                        "title": section.title,
                        "captions": [caption.__dict__ for caption in section.captions],
                        "total": _amounts(section.total),
                    }
                    for section in statement.sections
                ],
                "subtotals": {key: _amounts(value) for key, value in statement.subtotals.items()},
                "balanced": statement.balanced,
                "difference": statement.difference,
                "unmapped": [item.__dict__ for item in statement.unmapped],
            }
        )


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/statements-workbook",
    name="export_statements",
    summary="The statements and lead sheets as an .xlsx workbook",
    tags=REPORT_TAGS,
    permission=Permission.ENGAGEMENT_READ,
    errors=[404],
    response_content_type=workbook.XLSX,
)
def export_statements(call: Call) -> func.HttpResponse:
    with call.uow() as uow:
        book = reporting_service.export_workbook(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")
        )
    return file_response(book.content, content_type=workbook.XLSX, filename=book.filename)
