"""Upload sessions: a file too large for a Functions request, sent by the client straight to storage.

Evidence files and client data arrive this way, and both go through the same life: the session is
opened (a row, and a short-lived URL that can create that one blob), the bytes are PUT to storage
(or through the API where storage has no such URL), and the capability then turns the blob into what
it keeps (an evidence file, a dataset) or refuses it. A session past its URL's lifetime is expired
for good and its bytes deleted; one left pending a day after that is abandoned, and the hourly sweep
deletes its file and closes it, with an audit record in the firm's chain. Each capability keeps its
own table, container and words for the audit log (`UploadKind`); the lifecycle is this one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, NoReturn, TypeVar

from sqlalchemy import ColumnElement, func, select

from shared import clock
from shared.auth.principal import Principal
from shared.db.models_engagement import Engagement, EvidenceUpload
from shared.db.models_ingestion import IngestionUpload
from shared.db.uow import UnitOfWork
from shared.engagement_access import LOCKED_STATUS, EngagementAccess, record
from shared.errors import AppError, Conflict, NotFound
from shared.settings import Settings
from shared.storage import BlobExists, BlobNotFound, BlobStorage, get_storage, upload_target

log = logging.getLogger("aura.uploads")

# The kinds' tables: alike in the columns the lifecycle uses, each with columns of its own.
Upload = TypeVar("Upload", IngestionUpload, EvidenceUpload)

# What a firm keeps as evidence: documents, images, spreadsheets, mail and archives, whether the team files
# it in the binder or a client sends it against a request (one list, so the two never drift apart).
EVIDENCE_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/tiff",
    "text/csv",
    "text/plain",
    "application/json",
    "application/xml",
    "text/xml",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-excel",
    "application/msword",
    "message/rfc822",
    "application/octet-stream",
)

ABANDONED_AFTER = timedelta(days=1)
BATCH_SIZE = 200
EXPIRED = "expired"
PENDING = "pending"


@dataclass(frozen=True)
class UploadKind(Generic[Upload]):
    """What is a capability's own about its uploads; everything else is the shared lifecycle.

    `action` prefixes the audit actions (`<action>.upload_started`, `<action>.upload_discarded`);
    `content_path` is the API's stand-in for a storage URL, with {engagement_id} and {upload_id};
    `used` is the 409 for a session already turned into what the capability keeps; `firms_function`
    is the system-scope SQL function listing firms with abandoned sessions of this kind.
    """

    model: type[Upload]
    container: str
    blob_key: Callable[[uuid.UUID, uuid.UUID, uuid.UUID], str]
    lifetime: timedelta
    target_type: str
    action: str
    content_path: str
    next_step: str
    used: Callable[[Upload], Conflict]
    firms_function: str


@dataclass
class UploadTarget(Generic[Upload]):
    """An opened session and where, with which headers, the client sends the bytes."""

    upload: Upload
    url: str
    headers: dict[str, str]


def open_session(
    uow: UnitOfWork,
    kind: UploadKind[Upload],
    *,
    access: EngagementAccess,
    principal: Principal,
    filename: str,
    content_type: str,
    size_bytes: int | None,
    storage: BlobStorage | None = None,
    settings: Settings | None = None,
    **columns: Any,
) -> UploadTarget[Upload]:
    """Record a pending session and hand out a URL that can create its one blob; commits.

    `columns` are the kind's own (an evidence upload's declared SHA-256)."""
    engagement = access.engagement
    upload_id = uuid.uuid4()
    upload = kind.model(
        id=upload_id,
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        filename=filename,
        content_type=content_type,
        expected_size_bytes=size_bytes,
        blob_key=kind.blob_key(engagement.firm_id, engagement.id, upload_id),
        status=PENDING,
        created_by=principal.user_id,
        expires_at=clock.now() + kind.lifetime,
        **columns,
    )
    uow.session.add(upload)
    uow.session.flush()
    url, headers = upload_target(
        storage or get_storage(),
        kind.container,
        upload.blob_key,
        content_type=content_type,
        expires_in=kind.lifetime,
        stand_in_path=kind.content_path.format(engagement_id=engagement.id, upload_id=upload_id),
        settings=settings,
    )
    record(
        uow,
        f"{kind.action}.upload_started",
        engagement_id=engagement.id,
        target_type=kind.target_type,
        target_id=upload_id,
        filename=filename,
        size_bytes=size_bytes,
    )
    uow.commit()
    return UploadTarget(upload, url, headers)


def get_pending_or_raise(
    uow: UnitOfWork,
    kind: UploadKind[Upload],
    *,
    engagement_id: uuid.UUID,
    upload_id: uuid.UUID,
    storage: BlobStorage,
    late_if_sent: bool = False,
) -> Upload:
    """The engagement's open session, locked against a concurrent use, if it may still be written.

    Its lifetime bounds when the file may start to be sent, not how long sending takes: with
    `late_if_sent`, a session whose file is in storage may be used after it expired. Otherwise a
    session found expired is discarded for good (409 upload_expired)."""
    model = kind.model
    upload = uow.session.scalar(
        select(model).where(model.id == upload_id, model.engagement_id == engagement_id).with_for_update()
    )
    if upload is None:
        raise NotFound("No such upload", code="upload_not_found")
    if upload.status not in (PENDING, EXPIRED):
        raise kind.used(upload)
    expired = Conflict("The upload has expired; start a new one", code="upload_expired")
    if upload.status == EXPIRED:
        raise expired
    if clock.now() >= upload.expires_at and not (late_if_sent and storage.exists(kind.container, upload.blob_key)):
        discard(uow, kind, upload, storage, expired)
    return upload


def store_content(kind: UploadKind[Upload], upload: Upload, data: bytes, storage: BlobStorage) -> None:
    """Write a pending session's bytes through the API, once (the stand-in for a storage URL)."""
    try:
        storage.put(kind.container, upload.blob_key, data, content_type=upload.content_type, overwrite=False)
    except BlobExists as error:
        raise Conflict(f"The file was already uploaded; {kind.next_step}", code="upload_exists") from error


def discard(
    uow: UnitOfWork, kind: UploadKind[Upload], upload: Upload, storage: BlobStorage, error: AppError
) -> NoReturn:
    """End the session for good, delete whatever bytes it left, and raise why.

    The session is closed and committed first: a blob nothing refers to costs storage, a session
    pointing at deleted bytes would not be honest."""
    upload.status = EXPIRED
    uow.commit()
    try:
        storage.delete(kind.container, upload.blob_key)
    except BlobNotFound:
        pass
    except Exception:
        log.warning("could not delete the blob of discarded upload %s", upload.id, exc_info=True)
    raise error


# --- the sweep of abandoned sessions ----------------------------------------------------------------


def _abandoned(kind: UploadKind[Upload], now: datetime) -> list[ColumnElement[bool]]:
    return [
        kind.model.status == PENDING,
        kind.model.expires_at < now - ABANDONED_AFTER,
        Engagement.status != LOCKED_STATUS,
    ]


def firms_with_abandoned_uploads(uow: UnitOfWork, kind: UploadKind[Upload], *, now: datetime) -> list[uuid.UUID]:
    """The firms that have abandoned sessions of this kind; read across firms, so in system scope only."""
    listing = getattr(func, kind.firms_function)
    return list(uow.session.scalars(select(listing(now - ABANDONED_AFTER))))


def discard_abandoned_uploads(
    uow: UnitOfWork,
    kind: UploadKind[Upload],
    *,
    now: datetime,
    storage: BlobStorage | None = None,
    limit: int = BATCH_SIZE,
) -> int:
    """Close up to `limit` of the firm's abandoned sessions and delete their files; commits.

    Sessions are locked (SKIP LOCKED), so a use racing the sweep either wins and the session is no
    longer pending, or waits and finds it expired. A file is deleted before its session is marked, so
    a failed commit leaves a session the next sweep closes, never a file nobody will delete.
    Finalized engagements are left alone: their records are locked, and what storage holds for them
    falls under the firm's retention of the engagement.
    """
    storage = storage or get_storage()
    uploads = uow.session.scalars(
        select(kind.model)
        .join(Engagement, Engagement.id == kind.model.engagement_id)
        .where(*_abandoned(kind, now))
        .order_by(kind.model.expires_at)
        .limit(limit)
        .with_for_update(of=kind.model, skip_locked=True)
    ).all()
    for upload in uploads:
        try:
            storage.delete(kind.container, upload.blob_key)
            deleted = True
        except BlobNotFound:
            deleted = False
        upload.status = EXPIRED
        record(
            uow,
            f"{kind.action}.upload_discarded",
            engagement_id=upload.engagement_id,
            target_type=kind.target_type,
            target_id=upload.id,
            filename=upload.filename,
            file_deleted=deleted,
            expired_at=upload.expires_at.isoformat(),
        )
    uow.commit()
    return len(uploads)


def sweep(
    kind: UploadKind[Upload], *, now: datetime, storage: BlobStorage | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Close every abandoned session of this kind, one firm (and its own transactions) at a time.

    One firm's failure is logged and does not keep the others' files; the sweep then fails as a whole
    so the host reports it. Returns how many sessions it closed.
    """
    with UnitOfWork(system=True) as uow:
        firms = firms_with_abandoned_uploads(uow, kind, now=now)
    closed, failed = 0, 0
    for firm_id in firms:
        try:
            with UnitOfWork(firm_id=firm_id, system=True) as uow:
                batch = batch_size
                while batch == batch_size:  # a short batch was the last
                    batch = discard_abandoned_uploads(uow, kind, now=now, storage=storage, limit=batch_size)
                    closed += batch
        except Exception:
            failed += 1
            log.exception("%s upload sweep failed for firm %s", kind.action, firm_id)
    if closed:
        log.info("%s upload sweep: %d abandoned session(s) closed", kind.action, closed)
    if failed:
        raise RuntimeError(f"the {kind.action} upload sweep failed for {failed} firm(s)")
    return closed
