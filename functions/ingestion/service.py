"""Use cases of data ingestion: take a file in, queue its load, list the versions.

The request only stores the file and queues a job; the job (loader.py) reads it. Files up to
AURA_MAX_DIRECT_UPLOAD_MB come as the request body; larger ones go straight to storage through a
short-lived upload URL and are then named for ingestion. Either way a dataset row gets the next
version number of its engagement and kind at once, so the order of uploads is the order of versions,
and the newest version that loaded is current: a failed or pending upload never displaces it.

Who may upload: anyone with data.upload who can see the engagement, client users included (their
client's engagements only, which row-level security enforces as well).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError

from functions.ingestion import acceptance
from functions.ingestion.schemas import ACCEPTED_TYPES, LoadOptions
from shared import clock, uploads
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.events import IngestDataset
from shared.db.models import Job
from shared.db.models_engagement import Engagement
from shared.db.models_ingestion import Dataset, IngestionUpload
from shared.db.uow import UnitOfWork
from shared.engagement_access import LOCKED_STATUS, EngagementAccess, record, require
from shared.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed
from shared.jobs import JobFailed, create_job
from shared.settings import Settings, get_settings
from shared.storage import (
    MAX_SINGLE_PUT_BYTES,
    BlobNotFound,
    BlobStorage,
    get_storage,
    sanitize_filename,
)

log = logging.getLogger("aura.ingestion")

CONTAINER = "uploads"
JOB_KIND = IngestDataset.type
UPLOAD_URL_LIFETIME = timedelta(minutes=30)
# Client users upload their own client's data; the firm's people with the right on the engagement do too.
UPLOADERS = Permission.DATA_UPLOAD


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _next_version(uow: UnitOfWork, *, engagement_id: uuid.UUID, kind: str) -> int:
    """The next version of the engagement's dataset of this kind; concurrent uploads take turns."""
    uow.session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"dataset:{engagement_id}:{kind}"}
    )
    latest = uow.session.scalar(
        select(func.max(Dataset.version)).where(Dataset.engagement_id == engagement_id, Dataset.kind == kind)
    )
    return (latest or 0) + 1


def _stored_options(options: LoadOptions, access: EngagementAccess) -> dict[str, Any]:
    """What the loader needs, with the engagement's period as the default fiscal year."""
    engagement = access.engagement
    return {
        "column_map": options.column_map,
        "date_order": options.date_order,
        "sheet": options.sheet,
        "fiscal_start": (options.fiscal_start or engagement.period_start).isoformat(),
        "fiscal_end": (options.fiscal_end or engagement.period_end).isoformat(),
        "allow_unbalanced": options.allow_unbalanced,
        # A prior year's trial balance: never the current one (shared/datasets.py), the comparatives' source.
        "comparative": options.comparative,
    }


def _queue(
    uow: UnitOfWork,
    *,
    access: EngagementAccess,
    principal: Principal,
    options: LoadOptions,
    dataset_id: uuid.UUID,
    filename: str,
    content_type: str,
    blob_key: str,
    size_bytes: int | None,
    sha256: str | None,
    via: str,
) -> Dataset:
    """Write the dataset row and its load job in the caller's transaction."""
    needs_acceptance = acceptance.check_incoming(
        uow, access=access, kind=options.kind, sha256=sha256, reason=options.reason
    )
    dataset = Dataset(
        id=dataset_id,
        firm_id=access.engagement.firm_id,
        engagement_id=access.id,
        kind=options.kind,
        version=_next_version(uow, engagement_id=access.id, kind=options.kind),
        status="queued",
        filename=filename,
        content_type=content_type,
        size_bytes=size_bytes,
        sha256=sha256,
        container=CONTAINER,
        blob_key=blob_key,
        options=_stored_options(options, access),
        created_by=principal.user_id,
        needs_acceptance=needs_acceptance,
        reason=(options.reason or "").strip() or None,
    )
    uow.session.add(dataset)
    uow.session.flush()
    job = create_job(
        uow,
        kind=JOB_KIND,
        params={"dataset_id": str(dataset.id)},
        created_by=principal.user_id,
        engagement_id=access.id,
    )
    dataset.job_id = job.id
    record(
        uow,
        "dataset.uploaded",
        engagement_id=access.id,
        target_type="dataset",
        target_id=dataset.id,
        kind=options.kind,
        version=dataset.version,
        filename=filename,
        size_bytes=size_bytes,
        sha256=sha256,
        via=via,
    )
    return dataset


def blob_key(firm_id: uuid.UUID, engagement_id: uuid.UUID, file_id: uuid.UUID) -> str:
    return f"firms/{firm_id}/engagements/{engagement_id}/datasets/{file_id}"


def _already_ingested(upload: IngestionUpload) -> Conflict:
    return Conflict("The upload was already ingested", code="upload_ingested", dataset_id=str(upload.dataset_id))


DATA_UPLOADS = uploads.UploadKind(
    model=IngestionUpload,
    container=CONTAINER,
    blob_key=blob_key,
    lifetime=UPLOAD_URL_LIFETIME,
    target_type="ingestion_upload",
    action="dataset",
    content_path="/api/engagements/{engagement_id}/uploads/{upload_id}/content",
    next_step="ingest it",
    used=_already_ingested,
    firms_function="aura_firms_with_abandoned_uploads",
)


def _filename(options: LoadOptions, fallback: str) -> str:
    return sanitize_filename(options.filename or "") or fallback


def _refuse_empty(size: int) -> None:
    if size == 0:
        raise ValidationFailed.field(
            "body", message="the file is empty (0 bytes): send the file's contents", code="empty_file"
        )


def create_dataset(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    options: LoadOptions,
    data: bytes,
    content_type: str,
    storage: BlobStorage | None = None,
    settings: Settings | None = None,
) -> Dataset:
    """Store a file sent as the request body and queue its load."""
    limit = (settings or get_settings()).max_direct_upload_mb * 1024 * 1024
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=UPLOADERS, clients=True
    )
    if len(data) > limit:
        raise PayloadTooLarge(
            f"A file sent as the body may be at most {limit // (1024 * 1024)} MB; "
            f"start an upload with POST /api/engagements/{engagement_id}/uploads instead"
        )
    _refuse_empty(len(data))
    # A duplicate is refused before anything is stored.
    acceptance.check_incoming(
        uow, access=access, kind=options.kind, sha256=hashlib.sha256(data).hexdigest(), reason=options.reason
    )
    dataset_id = uuid.uuid4()
    key = blob_key(access.engagement.firm_id, engagement_id, dataset_id)
    info = (storage or get_storage()).put(CONTAINER, key, data, content_type=content_type, overwrite=False)
    dataset = _queue(
        uow,
        access=access,
        principal=principal,
        options=options,
        dataset_id=dataset_id,
        filename=_filename(options, f"{options.kind}-upload"),
        content_type=content_type,
        blob_key=key,
        size_bytes=info.size,
        sha256=info.sha256 or None,
        via="body",
    )
    uow.commit()
    return dataset


def create_upload(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    filename: str,
    content_type: str,
    size_bytes: int | None,
    storage: BlobStorage | None = None,
    settings: Settings | None = None,
) -> tuple[IngestionUpload, str, dict[str, str]]:
    """Open an upload straight to storage; returns the session, where to PUT and with which headers."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=UPLOADERS, clients=True
    )
    kind = media_type(content_type)
    if kind not in ACCEPTED_TYPES:
        raise ValidationFailed.field(
            "body",
            "content_type",
            message=f"{content_type[:100]!r} is not accepted; send one of {', '.join(ACCEPTED_TYPES)}",
            code="unsupported_media_type",
        )
    if size_bytes is not None and size_bytes > MAX_SINGLE_PUT_BYTES:
        raise ValidationFailed.field(
            "body", "size_bytes", message=f"a file may be at most {MAX_SINGLE_PUT_BYTES} bytes"
        )
    target = uploads.open_session(
        uow,
        DATA_UPLOADS,
        access=access,
        principal=principal,
        filename=sanitize_filename(filename) or "upload",
        content_type=kind,
        size_bytes=size_bytes,
        storage=storage,
        settings=settings,
    )
    return target.upload, target.url, target.headers


def _pending_upload_or_raise(
    uow: UnitOfWork, *, engagement_id: uuid.UUID, upload_id: uuid.UUID, storage: BlobStorage, uploaded: bool = False
) -> IngestionUpload:
    """The engagement's open upload session, locked. With `uploaded`, a session whose file is in storage
    may be ingested after it expired (gigabytes can take longer than the URL lives)."""
    return uploads.get_pending_or_raise(
        uow, DATA_UPLOADS, engagement_id=engagement_id, upload_id=upload_id, storage=storage, late_if_sent=uploaded
    )


def upload_content(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    upload_id: uuid.UUID,
    data: bytes,
    storage: BlobStorage | None = None,
) -> None:
    """Store a pending upload's bytes through the API, once: the stand-in for a storage upload URL."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=UPLOADERS, clients=True)
    storage = storage or get_storage()
    upload = _pending_upload_or_raise(uow, engagement_id=engagement_id, upload_id=upload_id, storage=storage)
    _refuse_empty(len(data))
    uploads.store_content(DATA_UPLOADS, upload, data, storage)


def ingest_upload(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    upload_id: uuid.UUID,
    options: LoadOptions,
    storage: BlobStorage | None = None,
) -> Dataset:
    """Queue the load of a file uploaded straight to storage; the job measures and hashes it."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=UPLOADERS, clients=True
    )
    storage = storage or get_storage()
    upload = _pending_upload_or_raise(
        uow, engagement_id=engagement_id, upload_id=upload_id, storage=storage, uploaded=True
    )
    if not storage.exists(CONTAINER, upload.blob_key):
        raise Conflict("Nothing has been uploaded yet: PUT the file to the upload_url first", code="upload_missing")
    dataset = _queue(
        uow,
        access=access,
        principal=principal,
        options=options,
        dataset_id=uuid.uuid4(),
        filename=_filename(options, upload.filename),
        content_type=upload.content_type,
        blob_key=upload.blob_key,
        size_bytes=upload.expected_size_bytes,
        sha256=None,
        via="blob",
    )
    upload.status, upload.dataset_id = "ingested", dataset.id
    uow.commit()
    return dataset


@dataclass
class DatasetView:
    """A dataset version as its users see it: with its job, and whether it is the current one."""

    dataset: Dataset
    job: Job | None
    current: bool

    @property
    def status(self) -> str:
        # A job that gave up where its dataset row could no longer record it (the engagement was
        # finalized meanwhile) has failed all the same.
        if self.dataset.status == "queued" and self.job is not None and self.job.status == "failed":
            return "failed"
        return self.dataset.status

    @property
    def error(self) -> dict[str, Any] | None:
        if self.dataset.error is None and self.status == "failed" and self.job is not None:
            return self.job.error
        return self.dataset.error


def _current_versions(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> dict[str, int]:
    """Kind -> the newest version of it that loaded."""
    newest = uow.session.execute(
        select(Dataset.kind, func.max(Dataset.version))
        .where(Dataset.engagement_id == engagement_id, Dataset.status == "succeeded")
        .group_by(Dataset.kind)
    ).all()
    return {row[0]: row[1] for row in newest}


def list_datasets(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    kind: str | None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[DatasetView], int]:
    """The engagement's dataset versions, newest first."""
    require(uow, principal=principal, engagement_id=engagement_id, clients=True)
    conditions = [Dataset.engagement_id == engagement_id]
    if kind:
        conditions.append(Dataset.kind == kind)
    if status:
        conditions.append(Dataset.status == status)
    total = uow.session.scalar(select(func.count()).select_from(Dataset).where(*conditions)) or 0
    rows = uow.session.execute(
        select(Dataset, Job)
        .outerjoin(Job, Job.id == Dataset.job_id)
        .where(*conditions)
        .order_by(Dataset.created_at.desc(), Dataset.version.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    current = _current_versions(uow, engagement_id=engagement_id)
    return [DatasetView(d, job, current.get(d.kind) == d.version) for d, job in rows], total


def get_dataset_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, dataset_id: uuid.UUID
) -> DatasetView:
    """One dataset version of the engagement with its job and whether it is current; 404 otherwise."""
    require(uow, principal=principal, engagement_id=engagement_id, clients=True)
    row = uow.session.execute(
        select(Dataset, Job)
        .outerjoin(Job, Job.id == Dataset.job_id)
        .where(Dataset.id == dataset_id, Dataset.engagement_id == engagement_id)
    ).first()
    if row is None:
        raise NotFound("No such dataset", code="dataset_not_found")
    dataset, job = row
    return DatasetView(
        dataset, job, _current_versions(uow, engagement_id=engagement_id).get(dataset.kind) == dataset.version
    )


def load_dataset(*, uow: UnitOfWork, dataset_id: uuid.UUID, progress: Callable[[float], None]) -> dict[str, Any]:
    """The load job: read the stored file into the dataset's lines, all or nothing, once.

    The dataset row is locked first, so a command delivered twice at once loads once: the second
    delivery waits, then finds the version loaded and returns its summary."""
    import psycopg  # the driver's own errors, raised by the COPY; not needed on the HTTP path

    from functions.ingestion import loader  # pyarrow and the parsers load only where files are read
    from functions.ingestion.problems import IngestRejected

    dataset = uow.session.scalar(select(Dataset).where(Dataset.id == dataset_id).with_for_update())
    if dataset is None:
        raise JobFailed("dataset_not_found", "The dataset no longer exists")
    if dataset.status in ("succeeded", "submitted", "rejected"):
        return _job_result(dataset)
    if dataset.status == "failed":
        raise JobFailed("dataset_failed", "The dataset already failed to load", dataset.error or {})
    engagement_status = uow.session.scalar(select(Engagement.status).where(Engagement.id == dataset.engagement_id))
    if engagement_status == LOCKED_STATUS:
        raise JobFailed("engagement_locked", "The engagement was finalized before the file was loaded")
    storage = get_storage()
    if dataset.size_bytes is None:  # an upload that did not declare its size: progress needs one
        stored = storage.list(dataset.container, prefix=dataset.blob_key)
        dataset.size_bytes = next((blob.size for blob in stored if blob.name == dataset.blob_key), None)
    try:
        with storage.open(dataset.container, dataset.blob_key) as stream:
            loaded = loader.load(uow.session, dataset, stream, progress=progress)
    except IngestRejected as rejected:
        error = rejected.as_error()
        raise JobFailed(error["code"], error["message"], error["details"]) from rejected
    except BlobNotFound as missing:
        raise JobFailed("file_missing", "The uploaded file is no longer in storage") from missing
    except (DataError, psycopg.DataError) as refused:
        # What the parser let through but PostgreSQL refused: a value that can never load, so no retry.
        cause = getattr(refused, "orig", None) or refused
        diag = getattr(cause, "diag", None)
        detail = (diag.message_primary if diag is not None else None) or "invalid value"
        raise JobFailed("invalid_values", f"The database refused a value: {detail}") from refused
    if dataset.sha256 is None:  # sent straight to storage: only now is its SHA-256 known
        duplicate = acceptance.duplicate_of(
            uow, engagement_id=dataset.engagement_id, kind=dataset.kind, sha256=loaded.sha256
        )
        if duplicate is not None:
            refusal = acceptance.duplicate_refusal(duplicate)
            raise JobFailed(refusal.code, refusal.detail, refusal.extra)
    dataset.status = acceptance.status_when_loaded(dataset)
    dataset.summary, dataset.warnings = loaded.summary, loaded.warnings
    dataset.unbalanced, dataset.finished_at = loaded.unbalanced, clock.now()
    dataset.size_bytes, dataset.sha256 = loaded.size_bytes, loaded.sha256
    if dataset.status == "succeeded":  # a submission is announced when the team accepts it
        uow.publish(acceptance.ingested_event(dataset, _event_summary(loaded.summary)))
    record(
        uow,
        "dataset.ingested" if dataset.status == "succeeded" else "dataset.submitted",
        engagement_id=dataset.engagement_id,
        target_type="dataset",
        target_id=dataset.id,
        kind=dataset.kind,
        version=dataset.version,
        sha256=loaded.sha256,
        warnings=len(loaded.warnings),
    )
    return _job_result(dataset)


def _job_result(dataset: Dataset) -> dict[str, Any]:
    """What the job row shows when done: the dataset's figures and its warnings."""
    return {
        "dataset_id": str(dataset.id),
        "version": dataset.version,
        **(dataset.summary or {}),
        "warnings": dataset.warnings,
    }


def _event_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The figures a consumer decides on; the per-period table stays on the dataset."""
    return {key: value for key, value in summary.items() if key not in ("periods", "details", "columns")}


def fail_dataset(*, uow: UnitOfWork, dataset_id: uuid.UUID, error: dict[str, Any]) -> None:
    """Record why a load failed on its dataset; the current version stays what it was."""
    dataset = uow.session.get(Dataset, dataset_id)
    if dataset is None or dataset.status != "queued":
        return
    dataset.status, dataset.error, dataset.finished_at = "failed", error, clock.now()
    record(
        uow,
        "dataset.failed",
        engagement_id=dataset.engagement_id,
        target_type="dataset",
        target_id=dataset.id,
        kind=dataset.kind,
        version=dataset.version,
        code=error.get("code"),
    )


# --- the ledger export and the original file ----------------------------------------------------------

LEDGER_EXPORT_FIELDS = (
    "journal_id",
    "line_number",
    "account_number",
    "account_name",
    "debit",
    "credit",
    "amount",
    "effective_date",
    "entered_date",
    "entered_time",
    "entered_by",
    "approved_by",
    "approved_date",
    "document_date",
    "period",
    "fiscal_year",
    "source",
    "business_unit",
    "currency",
    "description",
    "header_description",
    "reversal_journal_id",
    "row_number",
)
# Above this size the original file is handed out as a storage URL (the Functions host's response limit).
ORIGINAL_MAX_BYTES = 100 * 1024 * 1024
ORIGINAL_URL_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class FileOut:
    filename: str
    media_type: str
    content: bytes | None = None
    url: str | None = None
    sha256: str | None = None


def export_ledger(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    version: int | None,
    filters: dict[str, Any],
    fmt: str,
) -> FileOut:
    """The ledger's lines the filters select (the viewer's, every page), as CSV or XLSX through
    shared/exports.py (a memo reading as a formula stays text); 409 above reads.EXPORT_MAX_LINES."""
    from functions.ingestion import reads
    from shared.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Sheet, csv_file, xlsx_file

    dataset, found = reads.journal_lines_for_export(
        uow=uow, principal=principal, engagement_id=engagement_id, version=version, filters=filters
    )
    rows = ([line[name] for name in LEDGER_EXPORT_FIELDS] for line in found)
    name = f"general-ledger-v{dataset.version}.{fmt}"
    if fmt == "xlsx":
        formats = {LEDGER_EXPORT_FIELDS.index(n): "#,##0.00" for n in ("debit", "credit", "amount")}
        sheet = Sheet("general ledger", rows, header=LEDGER_EXPORT_FIELDS, number_formats=formats)
        return FileOut(name, XLSX_MEDIA_TYPE, xlsx_file(sheet))
    return FileOut(name, CSV_MEDIA_TYPE, csv_file(LEDGER_EXPORT_FIELDS, rows))


def original_file(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    dataset_id: uuid.UUID,
    prefer_url: bool = False,
    storage: BlobStorage | None = None,
) -> FileOut:
    """The file a dataset version was loaded from, as it was sent: its bytes, or a short-lived storage URL
    when it is large (or asked for). The firm's team only; each hand-out is in the audit log."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=Permission.ENGAGEMENT_READ)
    dataset = uow.session.scalar(
        select(Dataset).where(Dataset.id == dataset_id, Dataset.engagement_id == engagement_id)
    )
    if dataset is None:
        raise NotFound("No such dataset", code="dataset_not_found")
    storage = storage or get_storage()
    out: FileOut | None = None
    if prefer_url or (dataset.size_bytes or 0) > ORIGINAL_MAX_BYTES:
        url = storage.download_url(
            dataset.container,
            dataset.blob_key,
            filename=dataset.filename,
            content_type=dataset.content_type,
            expires_in=ORIGINAL_URL_LIFETIME,
        )
        if url is not None:
            out = FileOut(dataset.filename, dataset.content_type, url=url, sha256=dataset.sha256)
    if out is None:
        try:
            data = storage.get(dataset.container, dataset.blob_key)
        except BlobNotFound:
            raise NotFound("The original file of this version is no longer stored", code="file_not_found") from None
        out = FileOut(dataset.filename, dataset.content_type, content=data, sha256=dataset.sha256)
    record(
        uow,
        "dataset.downloaded",
        engagement_id=engagement_id,
        target_type="dataset",
        target_id=dataset.id,
        filename=dataset.filename,
        version=dataset.version,
        via="redirect" if out.url else "api",
    )
    uow.commit()
    return out
