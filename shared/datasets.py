"""Which version of an engagement's client data is current: the newest of its kind that loaded.

Ingestion decides it, and every capability that reads client data (analytics, sampling) asks the same
question; a failed or pending upload never displaces the current version, and neither does a trial
balance uploaded as the prior year's comparative (shared/trial_balances.py reads that one).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ScalarSelect, Select, bindparam, select

from shared.db.models_ingestion import Dataset
from shared.db.uow import UnitOfWork


def _current(selected: Any, engagement_id: Any, kind: Any) -> Select[Any]:
    """`selected` of the newest version of this kind that loaded (at most one row)."""
    return (
        select(selected)
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


# Built once: every read of client data asks this, and building the statement cost more than running it.
_CURRENT = _current(Dataset, bindparam("engagement_id"), bindparam("kind"))


def current_dataset(uow: UnitOfWork, *, engagement_id: uuid.UUID, kind: str) -> Dataset | None:
    """The newest version of this kind that loaded, or None."""
    dataset: Dataset | None = uow.session.scalar(_CURRENT, {"engagement_id": engagement_id, "kind": kind})
    return dataset


def current_dataset_id(engagement_id: Any, kind: str) -> ScalarSelect[uuid.UUID]:
    """The current version's id as a scalar subquery (NULL when none loaded), for a query that reads its
    rows in the same round trip instead of asking for the dataset first."""
    return _current(Dataset.id, engagement_id, kind).scalar_subquery()
