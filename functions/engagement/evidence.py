"""Use cases of evidence files: upload to shared storage with a SHA-256, download, link to binder nodes.

The hash is computed before anything is stored, so a declared checksum that does not match (a
damaged or truncated upload) leaves neither a blob nor a row behind. The row is written and flushed
before the blob, so a lock or visibility refusal stores nothing; a blob whose transaction then fails
to commit is deleted again, best effort (an orphan blob is harmless, an evidence row without its
bytes would not be). Downloads check the bytes against the recorded hash: evidence that no longer
matches what was uploaded must not be served as if it did. Files beyond what one Functions response
should carry (and any file, when the client asks) are handed out as a short-lived read-only storage
URL with the recorded hash instead, for the client to check. Every download is in the audit log.

Files too large for a Functions request go straight to storage: the client announces the file,
gets a short-lived URL that can create that one blob and nothing else, PUTs the bytes there, and
asks to complete. Completing trusts nothing the client said: the server reads the stored bytes
back, hashes and measures them itself, and only then writes the evidence row. An upload refused on
completion (wrong size or hash, too large) is discarded, its blob deleted, so nothing half-checked
stays behind.

Evidence is never deleted here: what an audit relied on stays with the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import BinaryIO
from urllib.parse import unquote

from sqlalchemy import func, select, union
from sqlalchemy.exc import IntegrityError

from functions.engagement.binder import _node_or_raise, invalid
from shared import clock, uploads
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models_engagement import BinderNode, EvidenceFile, EvidenceUpload, NodeEvidence
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import AppError, Conflict, NotFound, PayloadTooLarge, ValidationFailed
from shared.settings import Settings
from shared.storage import MAX_SINGLE_PUT_BYTES, BlobNotFound, BlobStorage, get_storage, sanitize_filename
from shared.uploads import EVIDENCE_TYPES, UploadKind, UploadTarget

log = logging.getLogger("aura.engagement.evidence")

CONTAINER = "evidence"
MAX_EVIDENCE_BYTES = 100 * 1024 * 1024  # the Functions host's own request limit
MAX_BLOB_UPLOAD_BYTES = MAX_SINGLE_PUT_BYTES
UPLOAD_URL_LIFETIME = timedelta(minutes=15)
# Long enough to start a download, short enough that a URL copied from a log or a browser history
# is useless soon after; storage lets a download that started in time run to its end.
DOWNLOAD_URL_LIFETIME = timedelta(minutes=5)
_READ_CHUNK = 1024 * 1024
ACCEPTED_TYPES = EVIDENCE_TYPES
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class EvidenceCorrupt(AppError):
    status = 500
    code = "evidence_integrity_failed"
    title = "The stored file no longer matches its recorded SHA-256"


@dataclass
class EvidenceView:
    evidence: EvidenceFile
    node_ids: list[uuid.UUID] = field(default_factory=list)


def blob_key(firm_id: uuid.UUID, engagement_id: uuid.UUID, evidence_id: uuid.UUID) -> str:
    return f"firms/{firm_id}/engagements/{engagement_id}/evidence/{evidence_id}"


def get_evidence_file(uow: UnitOfWork, *, engagement_id: uuid.UUID, evidence_id: uuid.UUID) -> EvidenceFile | None:
    """A file of this engagement's evidence, or None (a file of another engagement is as absent as a missing one)."""
    return uow.session.scalar(
        select(EvidenceFile).where(EvidenceFile.id == evidence_id, EvidenceFile.engagement_id == engagement_id)
    )


def _node_ids(
    uow: UnitOfWork, engagement_id: uuid.UUID, evidence_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Nodes linked to each file, and evidence nodes showing it."""
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if not evidence_ids:
        return found
    pairs = union(
        select(NodeEvidence.evidence_id, NodeEvidence.node_id).where(
            NodeEvidence.engagement_id == engagement_id, NodeEvidence.evidence_id.in_(evidence_ids)
        ),
        select(BinderNode.evidence_id, BinderNode.id).where(
            BinderNode.engagement_id == engagement_id, BinderNode.evidence_id.in_(evidence_ids)
        ),
    ).subquery()
    for evidence_id, node_id in uow.session.execute(select(pairs).order_by(*pairs.c)):
        found[evidence_id].append(node_id)
    return found


def _already_completed(upload: EvidenceUpload) -> Conflict:
    return Conflict("The upload is already completed", code="upload_completed", evidence_id=str(upload.id))


EVIDENCE_UPLOADS = UploadKind(
    model=EvidenceUpload,
    container=CONTAINER,
    blob_key=blob_key,
    lifetime=UPLOAD_URL_LIFETIME,
    target_type="evidence_upload",
    action="evidence",
    content_path="/api/engagements/{engagement_id}/evidence/uploads/{upload_id}/content",
    next_step="complete the upload",
    used=_already_completed,
    firms_function="aura_firms_with_abandoned_evidence_uploads",
)


# Whoever may upload the engagement's data or prepare its workpapers may add evidence.
UPLOADERS = (Permission.DATA_UPLOAD, Permission.WORKPAPER_PREPARE)
NOT_AN_UPLOADER = "Your role on this engagement does not allow uploading evidence"


def upload_evidence(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    data: bytes,
    filename: str | None,
    filename_source: str,
    content_type: str,
    declared_sha256: str | None,
    storage: BlobStorage | None = None,
) -> EvidenceView:
    """Store an evidence file under the engagement and record its size and SHA-256."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=UPLOADERS, refusal=NOT_AN_UPLOADER
    )
    name = sanitize_filename(unquote(filename or ""))
    if not name:
        shown = "missing" if not filename else f"nothing usable left of {filename[:80]!r}"
        raise ValidationFailed.field("header", filename_source, message=f"a file name is required ({shown})")
    if not data:
        raise ValidationFailed(
            "The body is empty: send the file's bytes",
            errors=[{"loc": ["body"], "msg": "empty body", "type": "missing"}],
        )
    if len(data) > MAX_EVIDENCE_BYTES:
        raise PayloadTooLarge(f"An evidence file may be at most {MAX_EVIDENCE_BYTES} bytes")
    sha256 = hashlib.sha256(data).hexdigest()
    if declared_sha256 is not None:
        declared = declared_sha256.strip().lower()
        if not _SHA256.match(declared):
            raise ValidationFailed.field(
                "header", "X-Content-SHA256", message=f"not a hex SHA-256 ({declared_sha256[:80]!r})"
            )
        if declared != sha256:
            raise ValidationFailed.field(
                "header",
                "X-Content-SHA256",
                message=f"the body's SHA-256 is {sha256}, not {declared}; the file was not stored",
                code="checksum_mismatch",
            )
    firm_id = access.engagement.firm_id
    evidence = EvidenceFile(
        id=uuid.uuid4(),
        firm_id=firm_id,
        engagement_id=engagement_id,
        filename=name,
        content_type=content_type[:100],
        size_bytes=len(data),
        sha256=sha256,
        uploaded_by=principal.user_id,
    )
    evidence.blob_key = blob_key(firm_id, engagement_id, evidence.id)
    uow.session.add(evidence)
    uow.session.flush()
    record(
        uow,
        "evidence.uploaded",
        engagement_id=engagement_id,
        target_type="evidence_file",
        target_id=evidence.id,
        filename=name,
        size_bytes=len(data),
        sha256=sha256,
    )
    storage = storage or get_storage()
    info = storage.put(CONTAINER, evidence.blob_key, io.BytesIO(data), content_type=content_type, overwrite=False)
    try:
        if info.sha256 != sha256:
            raise EvidenceCorrupt("The stored bytes do not match the uploaded ones")
        uow.commit()
    except Exception:
        with contextlib.suppress(Exception):
            storage.delete(CONTAINER, evidence.blob_key)
        raise
    return EvidenceView(evidence)


def list_evidence(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, offset: int, limit: int
) -> tuple[list[EvidenceView], int]:
    """The engagement's evidence files, newest first."""
    require(uow, principal=principal, engagement_id=engagement_id)
    where = EvidenceFile.engagement_id == engagement_id
    total = uow.session.scalar(select(func.count()).select_from(EvidenceFile).where(where)) or 0
    rows = uow.session.scalars(
        select(EvidenceFile)
        .where(where)
        .order_by(EvidenceFile.uploaded_at.desc(), EvidenceFile.id)
        .offset(offset)
        .limit(limit)
    ).all()
    nodes = _node_ids(uow, engagement_id, [row.id for row in rows])
    return [EvidenceView(row, nodes.get(row.id, [])) for row in rows], total


def get_evidence_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, evidence_id: uuid.UUID
) -> EvidenceView:
    """One evidence file's metadata and the nodes it is linked to."""
    require(uow, principal=principal, engagement_id=engagement_id)
    evidence = get_evidence_file(uow, engagement_id=engagement_id, evidence_id=evidence_id)
    if evidence is None:
        raise NotFound("No such evidence file", code="evidence_not_found")
    return EvidenceView(evidence, _node_ids(uow, engagement_id, [evidence.id]).get(evidence.id, []))


@dataclass
class EvidenceContent:
    """What a download answers: the checked bytes, or a storage URL to fetch them from."""

    evidence: EvidenceFile
    data: bytes | None = None
    url: str | None = None


def read_evidence_content(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    evidence_id: uuid.UUID,
    prefer_url: bool = False,
    storage: BlobStorage | None = None,
) -> EvidenceContent:
    """The file's bytes checked against the SHA-256 recorded at upload, or a storage URL for them; audited."""
    evidence = get_evidence_or_raise(
        uow=uow, principal=principal, engagement_id=engagement_id, evidence_id=evidence_id
    ).evidence
    storage = storage or get_storage()
    if prefer_url or evidence.size_bytes > MAX_EVIDENCE_BYTES:
        # The client gets the recorded hash with the URL and checks the bytes itself; reading a
        # multi-gigabyte blob into the Function to check it first is what the URL avoids.
        url = storage.download_url(
            CONTAINER,
            evidence.blob_key,
            filename=evidence.filename,
            content_type=evidence.content_type,
            expires_in=DOWNLOAD_URL_LIFETIME,
        )
        if url is not None:
            _record_download(uow, evidence, via="redirect")
            return EvidenceContent(evidence, url=url)
        # No URL means a local folder, i.e. local development: the Functions HTTP model cannot
        # stream a response, so even a large file is read whole, as below.
    data = storage.get(CONTAINER, evidence.blob_key)
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        log.error("evidence %s does not match its recorded SHA-256", evidence.id)
        raise EvidenceCorrupt()
    _record_download(uow, evidence, via="api")
    return EvidenceContent(evidence, data=data)


def _record_download(uow: UnitOfWork, evidence: EvidenceFile, *, via: str) -> None:
    """Who took a client's file, and when. With via "redirect" it records a URL handed out: storage
    serves the bytes, so whether and when they were fetched is in the storage logs, not here."""
    record(
        uow,
        "evidence.downloaded",
        engagement_id=evidence.engagement_id,
        target_type="evidence_file",
        target_id=evidence.id,
        filename=evidence.filename,
        size_bytes=evidence.size_bytes,
        via=via,
    )
    uow.commit()


def link_evidence(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID, evidence_id: uuid.UUID
) -> NodeEvidence:
    """Attach an evidence file of the engagement to a folder, workpaper or note."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.WORKPAPER_PREPARE)
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id)
    if node.kind == "evidence":
        raise Conflict(
            "An evidence node shows one file; link files to workpapers, notes or folders", code="not_linkable"
        )
    if get_evidence_file(uow, engagement_id=engagement_id, evidence_id=evidence_id) is None:
        raise invalid("evidence_id", "no evidence file of this engagement", evidence_id)
    if uow.session.get(NodeEvidence, (node.id, evidence_id)) is not None:
        raise Conflict("The file is already linked to this node", code="already_linked")
    link = NodeEvidence(
        node_id=node.id,
        evidence_id=evidence_id,
        firm_id=node.firm_id,
        engagement_id=engagement_id,
        linked_by=principal.user_id,
    )
    uow.session.add(link)
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise Conflict("The file is already linked to this node", code="already_linked") from error
    record(
        uow,
        "evidence.linked",
        engagement_id=engagement_id,
        target_type="binder_node",
        target_id=node.id,
        evidence_id=str(evidence_id),
    )
    uow.commit()
    return link


def unlink_evidence(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, node_id: uuid.UUID, evidence_id: uuid.UUID
) -> None:
    """Detach an evidence file from a node; the file itself stays."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.WORKPAPER_PREPARE)
    node = _node_or_raise(uow, engagement_id=engagement_id, node_id=node_id)
    link = uow.session.get(NodeEvidence, (node.id, evidence_id))
    if link is None:
        raise NotFound("The file is not linked to this node", code="link_not_found")
    uow.session.delete(link)
    uow.session.flush()
    record(
        uow,
        "evidence.unlinked",
        engagement_id=engagement_id,
        target_type="binder_node",
        target_id=node.id,
        evidence_id=str(evidence_id),
    )
    uow.commit()


# --- uploads straight to storage -------------------------------------------------------------------


def create_evidence_upload(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    filename: str,
    content_type: str,
    size_bytes: int | None,
    sha256: str | None,
    storage: BlobStorage | None = None,
    settings: Settings | None = None,
) -> UploadTarget[EvidenceUpload]:
    """Open an upload of one evidence file straight to storage and say where to send the bytes."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=UPLOADERS, refusal=NOT_AN_UPLOADER
    )
    name = sanitize_filename(filename)
    if not name:
        raise ValidationFailed.field("body", "filename", message=f"nothing usable left of {filename[:80]!r}")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in ACCEPTED_TYPES:
        raise ValidationFailed.field(
            "body",
            "content_type",
            message=f"{content_type[:100]!r} is not accepted; send one of {', '.join(ACCEPTED_TYPES)}",
            code="unsupported_media_type",
        )
    if size_bytes is not None and size_bytes > MAX_BLOB_UPLOAD_BYTES:
        raise ValidationFailed.field(
            "body", "size_bytes", message=f"an evidence file may be at most {MAX_BLOB_UPLOAD_BYTES} bytes"
        )
    return uploads.open_session(
        uow,
        EVIDENCE_UPLOADS,
        access=access,
        principal=principal,
        filename=name,
        content_type=media_type,
        size_bytes=size_bytes,
        storage=storage,
        settings=settings,
        expected_sha256=sha256,
    )


def _upload_refused(field_name: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed.field(
        "upload", field_name, message=message, detail=f"{field_name}: {message}; the upload was discarded", code=code
    )


def upload_evidence_content(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    upload_id: uuid.UUID,
    data: bytes,
    storage: BlobStorage | None = None,
) -> None:
    """Store a pending upload's bytes through the API, once: the stand-in for a storage upload URL."""
    require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=UPLOADERS, refusal=NOT_AN_UPLOADER
    )
    storage = storage or get_storage()
    upload = uploads.get_pending_or_raise(
        uow, EVIDENCE_UPLOADS, engagement_id=engagement_id, upload_id=upload_id, storage=storage
    )
    if not data:
        raise ValidationFailed(
            "The body is empty: send the file's bytes",
            errors=[{"loc": ["body"], "msg": "empty body", "type": "missing"}],
        )
    if len(data) > MAX_EVIDENCE_BYTES:
        raise PayloadTooLarge(
            f"A file sent this way may be at most {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB ({MAX_EVIDENCE_BYTES} bytes)"
        )
    uploads.store_content(EVIDENCE_UPLOADS, upload, data, storage)


def _measure(stream: BinaryIO, limit: int) -> tuple[int, str | None]:
    """Size and SHA-256 of a stream read in chunks; no hash once the size passes `limit`."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            return size, None
        digest.update(chunk)
    return size, digest.hexdigest()


def complete_evidence_upload(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    upload_id: uuid.UUID,
    storage: BlobStorage | None = None,
) -> EvidenceView:
    """Turn an uploaded blob into an evidence file, with the size and SHA-256 measured here."""
    require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=UPLOADERS, refusal=NOT_AN_UPLOADER
    )
    storage = storage or get_storage()
    upload = uploads.get_pending_or_raise(
        uow, EVIDENCE_UPLOADS, engagement_id=engagement_id, upload_id=upload_id, storage=storage
    )
    try:
        stream = storage.open(CONTAINER, upload.blob_key)
    except BlobNotFound as error:
        raise Conflict(
            "Nothing has been uploaded yet: PUT the file to the upload_url first", code="upload_missing"
        ) from error
    with stream:
        size, sha256 = _measure(stream, MAX_BLOB_UPLOAD_BYTES)
    if sha256 is None:
        uploads.discard(
            uow,
            EVIDENCE_UPLOADS,
            upload,
            storage,
            PayloadTooLarge(f"An evidence file may be at most {MAX_BLOB_UPLOAD_BYTES} bytes"),
        )
    if size == 0:
        uploads.discard(
            uow,
            EVIDENCE_UPLOADS,
            upload,
            storage,
            _upload_refused("size_bytes", "the uploaded file is empty", "empty_file"),
        )
    if upload.expected_size_bytes is not None and size != upload.expected_size_bytes:
        message = f"the uploaded file has {size} bytes, not the declared {upload.expected_size_bytes}"
        uploads.discard(uow, EVIDENCE_UPLOADS, upload, storage, _upload_refused("size_bytes", message, "size_mismatch"))
    if upload.expected_sha256 is not None and sha256 != upload.expected_sha256:
        message = f"the uploaded file's SHA-256 is {sha256}, not the declared {upload.expected_sha256}"
        uploads.discard(uow, EVIDENCE_UPLOADS, upload, storage, _upload_refused("sha256", message, "checksum_mismatch"))
    evidence = EvidenceFile(
        id=upload.id,
        firm_id=upload.firm_id,
        engagement_id=engagement_id,
        filename=upload.filename,
        content_type=upload.content_type,
        size_bytes=size,
        sha256=sha256,
        blob_key=upload.blob_key,
        uploaded_by=upload.created_by or principal.user_id,
    )
    uow.session.add(evidence)
    upload.status = "completed"
    upload.completed_at = clock.now()
    uow.session.flush()
    record(
        uow,
        "evidence.uploaded",
        engagement_id=engagement_id,
        target_type="evidence_file",
        target_id=evidence.id,
        filename=upload.filename,
        size_bytes=size,
        sha256=sha256,
        via="blob",
    )
    uow.commit()
    return EvidenceView(evidence)
