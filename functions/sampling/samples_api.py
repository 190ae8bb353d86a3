"""HTTP triggers of samples stored on an engagement: draw, read, enter findings, evaluate, workbook."""

from __future__ import annotations

import azure.functions as func

from functions.sampling import bp, service, workbook
from functions.sampling import samples_schemas as schemas
from shared.http import Call, Page, endpoint, file_response

SAMPLING = ["sampling"]
SAMPLES = "engagements/{engagement_id:guid}/samples"
ONE = SAMPLES + "/{sample_id:guid}"


def _read(view: service.SampleView) -> schemas.SampleRead:
    return schemas.SampleRead.of_items(view.sample, view.items)


@endpoint(
    bp,
    "POST",
    SAMPLES,
    name="create_sample",
    summary="Draw a sample (mus, random, stratified, attribute) from the trial balance, the ledger or a list",
    tags=SAMPLING,
    body=schemas.SampleCreate,
    response=schemas.SampleRead,
    status=201,
    errors=[400, 404, 409],
    exact_numbers=True,
    max_body=16 * 1024 * 1024,
)
def create_sample(call: Call) -> schemas.SampleRead:
    with call.uow() as uow:
        view = service.create_sample(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), data=call.body
        )
    return _read(view)


@endpoint(
    bp,
    "GET",
    SAMPLES,
    name="list_samples",
    summary="The engagement's samples, newest first, with how many items are audited",
    tags=SAMPLING,
    query=schemas.SampleQuery,
    response=Page[schemas.SampleSummary],
    errors=[404],
)
def list_samples(call: Call) -> Page[schemas.SampleSummary]:
    query: schemas.SampleQuery = call.query
    with call.uow() as uow:
        rows, total = service.list_samples(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            offset=query.offset,
            limit=query.page_size,
        )
    items = [schemas.SampleSummary.of(row.sample, row.item_count, row.audited_count) for row in rows]
    return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    ONE,
    name="get_sample",
    summary="One sample: population reference, parameters, design, seed, items and high-value items",
    tags=SAMPLING,
    response=schemas.SampleRead,
    errors=[404],
)
def get_sample(call: Call) -> schemas.SampleRead:
    with call.uow() as uow:
        view = service.get_sample_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
        )
    return _read(view)


@endpoint(
    bp,
    "PUT",
    ONE + "/items",
    name="update_sample_items",
    summary="Enter audited values (or deviations) and notes by line; clears a stored evaluation",
    tags=SAMPLING,
    body=schemas.ItemsUpdate,
    response=schemas.SampleRead,
    errors=[400, 404, 409],
    exact_numbers=True,
    max_body=16 * 1024 * 1024,
)
def update_sample_items(call: Call) -> schemas.SampleRead:
    body: schemas.ItemsUpdate = call.body
    with call.uow() as uow:
        view = service.update_items(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
            updates=body.items,
        )
    return _read(view)


@endpoint(
    bp,
    "GET",
    ONE + "/workbook",
    name="export_sample_workbook",
    summary="The sample as an .xlsx for fieldwork (items, and how the sample was drawn)",
    tags=SAMPLING,
    errors=[404],
    response_content_type=workbook.XLSX,
)
def export_sample_workbook(call: Call) -> func.HttpResponse:
    with call.uow() as uow:
        book = service.get_sample_workbook_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
        )
    return file_response(book.content, content_type=workbook.XLSX, filename=book.filename)


@endpoint(
    bp,
    "PUT",
    ONE + "/workbook",
    name="upload_sample_workbook",
    summary="Upload the filled-in workbook: its audited values, deviations and notes are entered by line",
    tags=SAMPLING,
    # Browsers and some clients send a workbook as octet-stream; the body is checked to be one either way.
    raw_body_types=[workbook.XLSX, "application/octet-stream"],
    response=schemas.SampleRead,
    errors=[400, 404, 409, 415],
)
def upload_sample_workbook(call: Call) -> schemas.SampleRead:
    with call.uow() as uow:
        view = service.update_items_from_workbook(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
            data=call.raw_body(),
        )
    return _read(view)


@endpoint(
    bp,
    "POST",
    ONE + "/evaluation",
    name="evaluate_sample",
    summary="Evaluate the audited sample by its method and store the result",
    tags=SAMPLING,
    body=schemas.SampleEvaluate,
    response=schemas.SampleRead,
    errors=[400, 404, 409],
    exact_numbers=True,
)
def evaluate_sample(call: Call) -> schemas.SampleRead:
    with call.uow() as uow:
        view = service.evaluate_sample(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
            data=call.body,
        )
    return _read(view)
