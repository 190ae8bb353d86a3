"""HTTP triggers of samples stored on an engagement: draw, read, enter findings, evaluate, workbook."""

from __future__ import annotations

import azure.functions as func

from functions.sampling import bp, service, workbook
from functions.sampling import samples_schemas as schemas
from shared.db.models_sampling import Sample, SampleItem
from shared.db.uow import UnitOfWork
from shared.http import Call, Page, endpoint

SAMPLING = ["sampling"]
SAMPLES = "engagements/{engagement_id:guid}/samples"
ONE = SAMPLES + "/{sample_id:guid}"


def _item(item: SampleItem) -> schemas.SampleItemRead:
    return schemas.SampleItemRead(
        line=item.line,
        population_position=item.population_position,
        key=item.item_key,
        description=item.description,
        book_value=item.book_value,
        high_value=item.high_value,
        hits=item.hits,
        stratum=item.stratum,
        audited_value=item.audited_value,
        deviation=item.deviation,
        note=item.note,
        audited_at=item.audited_at,
    )


def _summary_fields(sample: Sample, item_count: int, audited_count: int) -> dict[str, object]:
    return {
        "id": sample.id,
        "engagement_id": sample.engagement_id,
        "name": sample.name,
        "method": sample.method,
        "population": sample.population,
        "parameters": sample.parameters,
        "design": sample.design,
        "seed": sample.seed,
        "algorithm": sample.algorithm,
        "evaluation": sample.evaluation,
        "evaluated_at": sample.evaluated_at,
        "item_count": item_count,
        "audited_count": audited_count,
        "created_at": sample.created_at,
        "updated_at": sample.updated_at,
    }


def _read(sample: Sample, items: list[SampleItem]) -> schemas.SampleRead:
    audited = sum(1 for i in items if i.audited_value is not None or i.deviation is not None)
    return schemas.SampleRead(
        **_summary_fields(sample, len(items), audited),
        items=[_item(i) for i in items if not i.high_value],
        high_value_items=[_item(i) for i in items if i.high_value],
    )


def _reloaded(uow: UnitOfWork, sample: Sample) -> schemas.SampleRead:
    uow.session.refresh(sample)
    return _read(sample, service.items_of(uow, sample.id))


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
        sample = service.create_sample(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), data=call.body
        )
        uow.commit()
        return _reloaded(uow, sample)


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
        items = [schemas.SampleSummary(**_summary_fields(s, n, a)) for s, n, a in rows]
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
        sample, items = service.get_sample_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
        )
        return _read(sample, items)


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
        sample = service.update_items(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
            updates=body.items,
        )
        uow.commit()
        return _reloaded(uow, sample)


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
        sample, items = service.get_sample_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
        )
        data = workbook.export(sample, items)
    filename = f"sample-{sample.id}.xlsx"
    return func.HttpResponse(
        body=data,
        status_code=200,
        headers={"Content-Type": workbook.XLSX, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


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
    engagement_id, sample_id = call.route_uuid("engagement_id"), call.route_uuid("sample_id")
    with call.uow() as uow:
        items = service.items_for_update(uow=uow, principal=call.user, engagement_id=engagement_id, sample_id=sample_id)
        updates = workbook.read_filled(call.raw_body(), items)
        sample = service.update_items(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            sample_id=sample_id,
            updates=updates,
            where=("body", "workbook"),
        )
        uow.commit()
        return _reloaded(uow, sample)


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
        sample = service.evaluate_sample(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            sample_id=call.route_uuid("sample_id"),
            data=call.body,
        )
        uow.commit()
        return _reloaded(uow, sample)
