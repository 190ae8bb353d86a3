"""People by name: what a screen shows for a user id (an actor in the feed, an uploader, a decider).

Shared because every capability that says who did something names them the same way: the display
name, else the e-mail address; never a bare id, which tells an auditor nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from shared.db.models import User
from shared.db.uow import UnitOfWork


def names_of(uow: UnitOfWork, user_ids: Iterable[uuid.UUID | str | None]) -> dict[str, str]:
    """User id (as text) -> name, for the ids of the caller's firm; unknown ids are left out."""
    wanted: set[uuid.UUID] = set()
    for user_id in user_ids:
        if user_id is None:
            continue
        try:
            wanted.add(user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id)))
        except ValueError:
            continue
    if not wanted:
        return {}
    rows = uow.session.execute(select(User.id, User.display_name, User.email).where(User.id.in_(wanted))).all()
    return {str(user_id): display_name or email for user_id, display_name, email in rows}
