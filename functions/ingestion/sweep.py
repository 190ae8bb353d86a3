"""Abandoned upload sessions: a client's file sent to storage and never ingested is data nobody uses.

An upload URL lives 30 minutes, and a file that arrived in time may still be ingested afterwards
(gigabytes take long to send). A day after its URL expired, a session still pending is abandoned:
its file, when there is one, is deleted and the session closed as expired, with an audit record in
the firm's chain. Finalized engagements are left alone: their records are locked, and what storage
holds for them falls under the firm's retention of the engagement.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, text

from functions.ingestion.service import CONTAINER
from shared.db.models_engagement import Engagement
from shared.db.models_ingestion import IngestionUpload
from shared.db.uow import UnitOfWork
from shared.engagement_access import LOCKED_STATUS, record
from shared.storage import BlobNotFound, BlobStorage, get_storage

log = logging.getLogger("aura.ingestion")

ABANDONED_AFTER = timedelta(days=1)
BATCH_SIZE = 200


def _abandoned(now: datetime) -> list[ColumnElement[bool]]:
    return [
        IngestionUpload.status == "pending",
        IngestionUpload.expires_at < now - ABANDONED_AFTER,
        Engagement.status != LOCKED_STATUS,
    ]


def firms_with_abandoned_uploads(uow: UnitOfWork, *, now: datetime) -> list[uuid.UUID]:
    """The firms that have abandoned sessions; read across firms, so in system scope only."""
    rows = uow.session.execute(
        text("SELECT * FROM aura_firms_with_abandoned_uploads(:cutoff)"), {"cutoff": now - ABANDONED_AFTER}
    )
    return [row[0] for row in rows]


def discard_abandoned_uploads(
    uow: UnitOfWork, *, now: datetime, storage: BlobStorage | None = None, limit: int = BATCH_SIZE
) -> int:
    """Close up to `limit` of the firm's abandoned sessions and delete their files; commits.

    Sessions are locked (SKIP LOCKED), so an ingest racing the sweep either wins and the session is
    no longer pending, or waits and finds it expired. A file is deleted before its session is marked,
    so a failed commit leaves a session the next sweep closes, never a file nobody will delete.
    """
    storage = storage or get_storage()
    uploads = uow.session.scalars(
        select(IngestionUpload)
        .join(Engagement, Engagement.id == IngestionUpload.engagement_id)
        .where(*_abandoned(now))
        .order_by(IngestionUpload.expires_at)
        .limit(limit)
        .with_for_update(of=IngestionUpload, skip_locked=True)
    ).all()
    for upload in uploads:
        try:
            storage.delete(CONTAINER, upload.blob_key)
            deleted = True
        except BlobNotFound:
            deleted = False
        upload.status = "expired"
        record(
            uow,
            "dataset.upload_discarded",
            engagement_id=upload.engagement_id,
            target_type="ingestion_upload",
            target_id=upload.id,
            filename=upload.filename,
            file_deleted=deleted,
            expired_at=upload.expires_at.isoformat(),
        )
    uow.commit()
    return len(uploads)


def sweep(*, now: datetime, storage: BlobStorage | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Close every abandoned session, one firm (and its own transactions) at a time; returns how many.

    One firm's failure is logged and does not keep the others' files; the sweep then fails as a whole
    so the host reports it.
    """
    with UnitOfWork(system=True) as uow:
        firms = firms_with_abandoned_uploads(uow, now=now)
    closed, failed = 0, 0
    for firm_id in firms:
        try:
            with UnitOfWork(firm_id=firm_id, system=True) as uow:
                batch = batch_size
                while batch == batch_size:  # a short batch was the last
                    batch = discard_abandoned_uploads(uow, now=now, storage=storage, limit=batch_size)
                    closed += batch
        except Exception:
            failed += 1
            log.exception("upload sweep failed for firm %s", firm_id)
    if closed:
        log.info("upload sweep: %d abandoned session(s) closed", closed)
    if failed:
        raise RuntimeError(f"the upload sweep failed for {failed} firm(s)")
    return closed
