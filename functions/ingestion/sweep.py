"""Abandoned data uploads: a client's file sent to storage and never ingested is data nobody uses.

An upload URL lives 30 minutes, and a file that arrived in time may still be ingested afterwards
(gigabytes take long to send). A day after its URL expired, a session still pending is abandoned and
shared.uploads' sweep deletes its file and closes it, as it does for evidence uploads.
"""

from __future__ import annotations

from datetime import datetime

from functions.ingestion.service import DATA_UPLOADS
from shared import uploads
from shared.storage import BlobStorage

ABANDONED_AFTER = uploads.ABANDONED_AFTER


def sweep(*, now: datetime, storage: BlobStorage | None = None, batch_size: int = uploads.BATCH_SIZE) -> int:
    """Close every abandoned data upload, firm by firm; returns how many."""
    return uploads.sweep(DATA_UPLOADS, now=now, storage=storage, batch_size=batch_size)
