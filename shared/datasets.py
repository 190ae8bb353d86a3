"""Which version of an engagement's client data is current: the newest of its kind that loaded.

Ingestion decides it, and every capability that reads client data (analytics, sampling) asks the same
question; a failed or pending upload never displaces the current version, and neither does a trial
balance uploaded as the prior year's comparative (shared/trial_balances.py reads that one).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shared.db.models_ingestion import Dataset
from shared.db.uow import UnitOfWork


def current_dataset(uow: UnitOfWork, *, engagement_id: uuid.UUID, kind: str) -> Dataset | None:
    """The newest version of this kind that loaded, or None."""
    return uow.session.scalar(
        select(Dataset)
        .where(
            Dataset.engagement_id == engagement_id,
            Dataset.kind == kind,
            Dataset.status == "succeeded",
            # A prior year's trial balance uploaded as a comparative never becomes the year's current one.
            Dataset.options["comparative"].astext.is_(None),
        )
        .order_by(Dataset.version.desc())
        .limit(1)
    )
