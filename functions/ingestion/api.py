"""HTTP triggers of data ingestion: uploads, dataset versions, and reads of the loaded data."""

from __future__ import annotations

from typing import Any

import azure.functions as func
from pydantic import BaseModel

from functions.ingestion import acceptance, bp, preview, reads, schemas, service
from shared.auth.permissions import Permission
from shared.db.models_ingestion import Dataset
from shared.db.uow import UnitOfWork
from shared.errors import Forbidden
from shared.http import Call, Page, endpoint, file_response
from shared.http.downloads import NO_STORE
from shared.people import names_of

DATA = ["data"]
ENGAGEMENT = "engagements/{engagement_id:guid}"
UPLOADS = ENGAGEMENT + "/uploads"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dataset(view: service.DatasetView, names: dict[str, str]) -> schemas.DatasetRead:
    job = view.job
    dataset = view.dataset
    return schemas.DatasetRead.model_validate(
        {
            **{c.key: getattr(dataset, c.key) for c in Dataset.__table__.columns},
            "status": view.status,
            "error": view.error,
            "current": view.current,
            "job": None if job is None else {"id": job.id, "status": job.status, "progress": job.progress},
            "created_by_name": names.get(str(dataset.created_by)),
            "decided_by_name": names.get(str(dataset.decided_by)),
        }
    )


def _names(uow: UnitOfWork, views: list[service.DatasetView]) -> dict[str, str]:
    return names_of(uow, [id_ for v in views for id_ in (v.dataset.created_by, v.dataset.decided_by)])


def _may_see_datasets(call: Call) -> None:
    """The firm's people, and client users (who upload): each sees the engagements they may see."""
    if not (call.user.can(Permission.ENGAGEMENT_READ) or call.user.can(Permission.DATA_UPLOAD)):
        raise Forbidden("Your role does not allow this", code="forbidden")


def _accepted(dataset: Dataset) -> schemas.Accepted:
    if dataset.job_id is None:
        raise RuntimeError(f"dataset {dataset.id} was queued without a job")
    return schemas.Accepted(dataset_id=dataset.id, job_id=dataset.job_id, version=dataset.version)


def _ref(dataset: Dataset) -> dict[str, Any]:
    return {"id": dataset.id, "version": dataset.version}


@endpoint(
    bp,
    "POST",
    ENGAGEMENT + "/datasets",
    name="upload_dataset",
    summary="Upload a general ledger, trial balance or chart of accounts as the raw body; loads in a job",
    tags=DATA,
    permission=Permission.DATA_UPLOAD,
    query=schemas.LoadOptions,
    raw_body_types=schemas.ACCEPTED_TYPES,
    response=schemas.Accepted,
    status=202,
    errors=[400, 404, 409, 413, 415],
)
def upload_dataset(call: Call) -> schemas.Accepted:
    with call.uow() as uow:
        dataset = service.create_dataset(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            options=call.query,
            data=call.raw_body(),
            content_type=service.media_type(call.request.headers.get("Content-Type")),
        )
        return _accepted(dataset)


@endpoint(
    bp,
    "POST",
    ENGAGEMENT + "/datasets/preview",
    name="preview_dataset",
    summary="How a file's header maps to the kind's fields, with its first rows; the beginning of the file "
    "as the raw body (a CSV's first few hundred KB, a workbook or SAF-T file whole); nothing is stored",
    tags=DATA,
    permission=Permission.DATA_UPLOAD,
    query=preview.PreviewOptions,
    raw_body_types=schemas.ACCEPTED_TYPES,
    response=preview.PreviewRead,
    errors=[400, 404, 409, 413, 415],
)
def preview_dataset(call: Call) -> preview.PreviewRead:
    with call.uow() as uow:  # the access check only: the file is read after the transaction has ended
        period = preview.uploader_period(uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
    return preview.preview(
        options=call.query,
        data=call.raw_body(),
        content_type=service.media_type(call.request.headers.get("Content-Type")),
        period=period,
    )


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/datasets",
    name="list_datasets",
    summary="The engagement's dataset versions, newest first, with status, summary and which is current",
    tags=DATA,
    query=schemas.DatasetQuery,
    response=Page[schemas.DatasetRead],
    errors=[404],
)
def list_datasets(call: Call) -> Page[schemas.DatasetRead]:
    _may_see_datasets(call)
    query: schemas.DatasetQuery = call.query
    with call.uow() as uow:
        views, total = service.list_datasets(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            kind=query.kind,
            status=query.status,
            offset=query.offset,
            limit=query.page_size,
        )
        names = _names(uow, views)
        items = [_dataset(view, names) for view in views]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/datasets/{dataset_id:guid}",
    name="get_dataset",
    summary="One dataset version: status, summary, warnings, or the problems that refused it",
    tags=DATA,
    response=schemas.DatasetRead,
    errors=[404],
)
def get_dataset(call: Call) -> schemas.DatasetRead:
    _may_see_datasets(call)
    with call.uow() as uow:
        view = service.get_dataset_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            dataset_id=call.route_uuid("dataset_id"),
        )
        return _dataset(view, _names(uow, [view]))


@endpoint(
    bp,
    "POST",
    UPLOADS,
    name="create_data_upload",
    summary="Start an upload of a large file straight to storage; then ingest it",
    tags=DATA,
    permission=Permission.DATA_UPLOAD,
    body=schemas.UploadCreate,
    response=schemas.UploadRead,
    status=201,
    errors=[400, 404, 409],
)
def create_data_upload(call: Call) -> schemas.UploadRead:
    body: schemas.UploadCreate = call.body
    with call.uow() as uow:
        upload, url, headers = service.create_upload(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            filename=body.filename,
            content_type=body.content_type,
            size_bytes=body.size_bytes,
        )
    return schemas.UploadRead(upload_id=upload.id, upload_url=url, headers=headers, expires_at=upload.expires_at)


@endpoint(
    bp,
    "PUT",
    UPLOADS + "/{upload_id:guid}/content",
    name="put_data_upload_content",
    summary="Send a pending upload's bytes through the API, once (where storage offers no upload URL)",
    tags=DATA,
    permission=Permission.DATA_UPLOAD,
    raw_body_types=schemas.ACCEPTED_TYPES,
    status=201,
    errors=[400, 404, 409, 413, 415],
)
def put_data_upload_content(call: Call) -> None:
    with call.uow() as uow:
        service.upload_content(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            upload_id=call.route_uuid("upload_id"),
            data=call.raw_body(),
        )


@endpoint(
    bp,
    "POST",
    UPLOADS + "/{upload_id:guid}/ingest",
    name="ingest_data_upload",
    summary="Load an uploaded file as a new dataset version (same options as a direct upload)",
    tags=DATA,
    permission=Permission.DATA_UPLOAD,
    query=schemas.LoadOptions,
    response=schemas.Accepted,
    status=202,
    errors=[400, 404, 409],
)
def ingest_data_upload(call: Call) -> schemas.Accepted:
    with call.uow() as uow:
        dataset = service.ingest_upload(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            upload_id=call.route_uuid("upload_id"),
            options=call.query,
        )
        return _accepted(dataset)


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/trial-balance",
    name="get_trial_balance",
    summary="The current trial balance (or ?version=N), by account, with totals",
    tags=DATA,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.VersionQuery,
    response=schemas.TrialBalancePage,
    errors=[404],
)
def get_trial_balance(call: Call) -> schemas.TrialBalancePage:
    dataset, page = _accounts_page(call, "trial_balance", schemas.TrialBalanceRow)
    return schemas.TrialBalancePage.model_validate({**page, "totals": reads.trial_balance_totals(dataset)})


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/chart-of-accounts",
    name="get_chart_of_accounts",
    summary="The current chart of accounts (or ?version=N), in account order",
    tags=DATA,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.VersionQuery,
    response=schemas.ChartPage,
    errors=[404],
)
def get_chart_of_accounts(call: Call) -> schemas.ChartPage:
    _, page = _accounts_page(call, "chart_of_accounts", schemas.ChartAccountRow)
    return schemas.ChartPage.model_validate(page)


def _accounts_page(call: Call, kind: str, row: type[BaseModel]) -> tuple[Dataset, dict[str, Any]]:
    """One page of a trial balance's or chart's accounts, and the dataset they were loaded from."""
    query: schemas.VersionQuery = call.query
    with call.uow() as uow:
        dataset, rows, total = reads.accounts(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            kind=kind,
            version=query.version,
            offset=query.offset,
            limit=query.page_size,
        )
    return dataset, {
        "dataset": _ref(dataset),
        "items": [row.model_validate(item, from_attributes=True) for item in rows],
        "page": query.page,
        "page_size": query.page_size,
        "total": total,
    }


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/journal-entries",
    name="list_journal_entries",
    summary="Journal lines of the current general ledger, filtered by account, dates, user, journal, amount",
    tags=DATA,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.JournalEntryQuery,
    response=schemas.JournalLinePage,
    errors=[404],
)
def list_journal_entries(call: Call) -> schemas.JournalLinePage:
    query: schemas.JournalEntryQuery = call.query
    filters = query.model_dump(exclude={"page", "page_size", "version"})
    with call.uow() as uow:
        dataset, rows, total = reads.journal_lines(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            version=query.version,
            filters=filters,
            offset=query.offset,
            limit=query.page_size,
        )
        return schemas.JournalLinePage.model_validate(
            {
                "dataset": _ref(dataset),
                "items": rows,
                "page": query.page,
                "page_size": query.page_size,
                "total": total,
            }
        )


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/ledger/export",
    name="export_journal_entries",
    summary="The general ledger's lines the viewer's filters select (every page, journal order) as CSV or XLSX; "
    "at most 100,000 lines (409 export_too_large above: narrow the filters)",
    tags=DATA,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.LedgerExportQuery,
    response_content_type="text/csv",
    other_content_types=[XLSX],
    errors=[400, 404, 409],
)
def export_journal_entries(call: Call) -> func.HttpResponse:
    query: schemas.LedgerExportQuery = call.query
    with call.uow() as uow:  # the lines are read in batches while the file is written
        file = service.export_ledger(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            version=query.version,
            filters=query.model_dump(exclude={"version", "format"}),
            fmt=query.format,
        )
    return file_response(file.content or b"", content_type=file.media_type, filename=file.filename)


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/datasets/{dataset_id:guid}/original",
    name="download_dataset_original",
    summary="The file a dataset version was loaded from, as it was sent (the team only; audited); files over "
    "100 MiB (or any with ?redirect=true) answer 307 to a short-lived storage URL",
    tags=DATA,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.OriginalQuery,
    response_content_type="*/*",
    errors=[307, 404],
)
def download_dataset_original(call: Call) -> func.HttpResponse:
    query: schemas.OriginalQuery = call.query
    with call.uow() as uow:
        file = service.original_file(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            dataset_id=call.route_uuid("dataset_id"),
            prefer_url=query.redirect,
        )
    headers = {"X-Content-SHA256": file.sha256} if file.sha256 else {}
    if file.url is not None:
        return func.HttpResponse(status_code=307, headers={**headers, "Cache-Control": NO_STORE, "Location": file.url})
    return file_response(file.content or b"", content_type=file.media_type, filename=file.filename, headers=headers)


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/journal-entries/{journal_id}",
    name="get_journal_entry",
    summary="One journal entry of the current general ledger (or ?version=N) with its lines",
    tags=DATA,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.VersionQuery,
    response=schemas.JournalEntryRead,
    errors=[404],
)
def get_journal_entry(call: Call) -> schemas.JournalEntryRead:
    query: schemas.VersionQuery = call.query
    with call.uow() as uow:
        entry = reads.journal_entry(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            journal_id=call.request.route_params.get("journal_id", ""),
            version=query.version,
        )
        return schemas.JournalEntryRead.model_validate({**entry, "dataset": _ref(entry["dataset"])})


@endpoint(
    bp,
    "GET",
    ENGAGEMENT + "/rollforward",
    name="get_rollforward",
    summary="Completeness: per account, opening balance + general-ledger activity against the closing balance",
    tags=DATA,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.RollforwardRead,
    errors=[404, 409],
)
def get_rollforward(call: Call) -> schemas.RollforwardRead:
    with call.uow() as uow:
        result = reads.rollforward(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return schemas.RollforwardRead.model_validate(result)


def _decided(call: Call, decide: Any) -> schemas.DatasetRead:
    ids = {"engagement_id": call.route_uuid("engagement_id"), "dataset_id": call.route_uuid("dataset_id")}
    with call.uow() as uow:
        decide(uow=uow, principal=call.user, reason=call.body.reason, **ids)
        view = service.get_dataset_or_raise(uow=uow, principal=call.user, **ids)
        return _dataset(view, _names(uow, [view]))


@endpoint(
    bp,
    "POST",
    ENGAGEMENT + "/datasets/{dataset_id:guid}/accept",
    name="accept_dataset",
    summary="Accept data a client submitted: it becomes the current version (a reason once fieldwork has started)",
    tags=DATA,
    permission=Permission.DATA_UPLOAD,
    body=schemas.DatasetAccept,
    response=schemas.DatasetRead,
    errors=[403, 404, 409],
)
def accept_dataset(call: Call) -> schemas.DatasetRead:
    return _decided(call, acceptance.accept)


@endpoint(
    bp,
    "POST",
    ENGAGEMENT + "/datasets/{dataset_id:guid}/reject",
    name="reject_dataset",
    summary="Reject data a client submitted, with a reason the client sees; it never becomes current",
    tags=DATA,
    permission=Permission.DATA_UPLOAD,
    body=schemas.DatasetReject,
    response=schemas.DatasetRead,
    errors=[403, 404, 409],
)
def reject_dataset(call: Call) -> schemas.DatasetRead:
    return _decided(call, acceptance.reject)
