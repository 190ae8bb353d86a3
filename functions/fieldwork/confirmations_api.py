"""Confirmations' HTTP functions and the second-request reminder timer.

The routes declare no firm permission: the service asks `require`, so client users and people who may
not see the engagement get 404, and a role on the engagement without workpaper.prepare 403.
"""

from __future__ import annotations

import uuid

import azure.functions as func

from functions.fieldwork import bp, confirmation_reminders
from functions.fieldwork import confirmation_schemas as schemas
from functions.fieldwork import confirmation_service as service
from functions.fieldwork.confirmation_rules import difference
from shared.db.models_confirmations import Confirmation
from shared.http import Call, endpoint, file_response

TAGS = ["confirmations"]
CONFIRMATIONS = "engagements/{engagement_id:guid}/confirmations"
CONFIRMATION = CONFIRMATIONS + "/{confirmation_id:guid}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _read(row: Confirmation) -> schemas.ConfirmationRead:
    fields = {name: getattr(row, name) for name in schemas.ConfirmationRead.model_fields if name != "difference"}
    return schemas.ConfirmationRead.model_validate(
        {**fields, "difference": difference(row.amount_per_books, row.response_amount)}
    )


def _ids(call: Call) -> tuple[uuid.UUID, uuid.UUID]:
    return call.route_uuid("engagement_id"), call.route_uuid("confirmation_id")


@endpoint(
    bp,
    "POST",
    CONFIRMATIONS,
    name="create_confirmation",
    summary="A draft confirmation request to a bank, customer, supplier, attorney or lender, with its amount per books",
    tags=TAGS,
    body=schemas.ConfirmationCreate,
    response=schemas.ConfirmationRead,
    status=201,
    errors=[400, 403, 404, 409],
)
def create_confirmation(call: Call) -> schemas.ConfirmationRead:
    body: schemas.ConfirmationCreate = call.body
    with call.uow() as uow:
        row = service.create_confirmation(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), fields=body.model_dump()
        )
        return _read(row)


@endpoint(
    bp,
    "GET",
    CONFIRMATIONS,
    name="list_confirmations",
    summary="The engagement's confirmation log, by kind and party, filtered by kind or status",
    tags=TAGS,
    query=schemas.ConfirmationListQuery,
    response=schemas.ConfirmationList,
    errors=[404],
)
def list_confirmations(call: Call) -> schemas.ConfirmationList:
    query: schemas.ConfirmationListQuery = call.query
    with call.uow() as uow:
        rows = service.list_confirmations(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            kind=query.kind,
            status=query.status,
        )
        return schemas.ConfirmationList(items=[_read(row) for row in rows])


@endpoint(
    bp,
    "GET",
    CONFIRMATIONS + "/summary",
    name="summarize_confirmations",
    summary="Per account: balance per books, amount confirmed and its coverage, exceptions, open and no-reply counts",
    tags=TAGS,
    response=schemas.ConfirmationSummary,
    errors=[404],
)
def summarize_confirmations(call: Call) -> schemas.ConfirmationSummary:
    with call.uow() as uow:
        lines = service.summarize(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        accounts = [{**vars(line.summary), "account_name": line.account_name} for line in lines]
        return schemas.ConfirmationSummary.model_validate({"accounts": accounts})


@endpoint(
    bp,
    "GET",
    CONFIRMATIONS + "/summary/export",
    name="export_confirmations_summary",
    summary="The per-account confirmation summary as CSV or XLSX",
    tags=TAGS,
    query=schemas.ConfirmationExportQuery,
    response_content_type="text/csv",
    other_content_types=[XLSX],
    errors=[404],
)
def export_confirmations_summary(call: Call) -> func.HttpResponse:
    query: schemas.ConfirmationExportQuery = call.query
    with call.uow() as uow:
        file = service.export_summary(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), fmt=query.format
        )
    return file_response(file.content, content_type=file.media_type, filename=file.filename)


@endpoint(
    bp,
    "GET",
    CONFIRMATION,
    name="get_confirmation",
    summary="One confirmation request with its reply and the difference",
    tags=TAGS,
    response=schemas.ConfirmationRead,
    errors=[404],
)
def get_confirmation(call: Call) -> schemas.ConfirmationRead:
    engagement_id, confirmation_id = _ids(call)
    with call.uow() as uow:
        row = service.get_confirmation_or_raise(
            uow=uow, principal=call.user, engagement_id=engagement_id, confirmation_id=confirmation_id
        )
        return _read(row)


@endpoint(
    bp,
    "PATCH",
    CONFIRMATION,
    name="update_confirmation",
    summary="Change a request's party, account, amount, form or owner until it is closed",
    tags=TAGS,
    body=schemas.ConfirmationUpdate,
    response=schemas.ConfirmationRead,
    errors=[400, 403, 404, 409],
)
def update_confirmation(call: Call) -> schemas.ConfirmationRead:
    body: schemas.ConfirmationUpdate = call.body
    engagement_id, confirmation_id = _ids(call)
    with call.uow() as uow:
        row = service.update_confirmation(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            confirmation_id=confirmation_id,
            changes=body.model_dump(exclude_unset=True),
        )
        return _read(row)


@endpoint(
    bp,
    "POST",
    CONFIRMATION + "/send",
    name="send_confirmation",
    summary="Mark a draft as sent on a date (today when not given)",
    tags=TAGS,
    body=schemas.ConfirmationSend,
    response=schemas.ConfirmationRead,
    errors=[400, 403, 404, 409],
)
def send_confirmation(call: Call) -> schemas.ConfirmationRead:
    body: schemas.ConfirmationSend = call.body
    engagement_id, confirmation_id = _ids(call)
    with call.uow() as uow:
        row = service.send_confirmation(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            confirmation_id=confirmation_id,
            sent_date=body.sent_date,
        )
        return _read(row)


@endpoint(
    bp,
    "POST",
    CONFIRMATION + "/reply",
    name="record_confirmation_reply",
    summary="Record the party's reply: date and amount; an exception when it differs from the books",
    tags=TAGS,
    body=schemas.ConfirmationReply,
    response=schemas.ConfirmationRead,
    errors=[400, 403, 404, 409],
)
def record_confirmation_reply(call: Call) -> schemas.ConfirmationRead:
    body: schemas.ConfirmationReply = call.body
    engagement_id, confirmation_id = _ids(call)
    with call.uow() as uow:
        row = service.record_reply(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            confirmation_id=confirmation_id,
            received_date=body.received_date,
            response_amount=body.response_amount,
            exception=body.exception,
        )
        return _read(row)


@endpoint(
    bp,
    "POST",
    CONFIRMATION + "/close",
    name="close_confirmation",
    summary=(
        "Close a request: agreed; with its exception resolved (a reviewer); or, without a reply, "
        "on the alternative procedures performed"
    ),
    tags=TAGS,
    body=schemas.ConfirmationClose,
    response=schemas.ConfirmationRead,
    errors=[400, 403, 404, 409],
)
def close_confirmation(call: Call) -> schemas.ConfirmationRead:
    body: schemas.ConfirmationClose = call.body
    engagement_id, confirmation_id = _ids(call)
    with call.uow() as uow:
        row = service.close_confirmation(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            confirmation_id=confirmation_id,
            resolution=body.resolution,
            alternative_procedures=body.alternative_procedures,
        )
        return _read(row)


@endpoint(
    bp,
    "GET",
    CONFIRMATION + "/letter",
    name="download_confirmation_letter",
    summary="The request's letter as a PDF (the second request once one is due)",
    tags=TAGS,
    response_content_type="application/pdf",
    errors=[404],
)
def download_confirmation_letter(call: Call) -> func.HttpResponse:
    engagement_id, confirmation_id = _ids(call)
    with call.uow() as uow:
        file = service.letter(
            uow=uow, principal=call.user, engagement_id=engagement_id, confirmation_id=confirmation_id
        )
    return file_response(file.content, content_type=file.media_type, filename=file.filename)


@bp.function_name("confirmation_second_requests")
@bp.timer_trigger(arg_name="timer", schedule="0 30 7 * * *", run_on_startup=False)
def send_confirmation_second_requests(timer: func.TimerRequest) -> None:
    """Each morning (07:30 UTC), turn unanswered positive requests into second requests and tell their owners."""
    confirmation_reminders.send_second_requests()
