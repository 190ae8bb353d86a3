"""The engagement's current materiality, read by every capability whose work is measured against it.

Planning determines materiality and keeps each determination as an immutable version; the highest
version is current. Journal-entry testing (its high-amount threshold) and sampling read it, and all of
them must mean the same version by "current", so the question is asked here and nowhere else.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import select

from shared.db.models_planning import Materiality
from shared.db.uow import UnitOfWork


def current_materiality(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> Materiality | None:
    """The engagement's current materiality version (the highest), or None before any is determined."""
    return uow.session.scalar(
        select(Materiality)
        .where(Materiality.engagement_id == engagement_id)
        .order_by(Materiality.version.desc())
        .limit(1)
    )


def current_performance_materiality(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> Decimal | None:
    """The current version's performance materiality, or None before any is determined."""
    current = current_materiality(uow, engagement_id=engagement_id)
    return None if current is None else current.performance_materiality


def engagements_with_materiality(uow: UnitOfWork, *, engagement_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of the engagements have a materiality determined (any version), in one query for many."""
    rows = uow.session.scalars(
        select(Materiality.engagement_id).where(Materiality.engagement_id.in_(engagement_ids)).distinct()
    )
    return set(rows)
