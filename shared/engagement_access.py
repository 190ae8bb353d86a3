"""Who may see and change an engagement, and `require`, the check every use case under one starts with.

Shared because every capability that keeps work under an engagement (binder, data, analytics) asks it,
and one wording of the rules below keeps them from drifting apart between capabilities.

Visibility is docs/audit-rules.md section 1: firm_admin, partner and qc_reviewer see every engagement of the firm,
client users their client's, everyone else those whose team includes them; an engagement the caller
may not see answers 404. Row-level security enforces the same rule in the database; this module
says it again in code so that a mistake in one is caught by the other.

What a caller may do on an engagement follows their role on its team (a senior on the firm made
manager of an engagement may approve its workpapers); callers who see the engagement without being
on its team act with their firm role.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, select

from shared import audit_log
from shared.auth.permissions import Permission, permissions_for
from shared.auth.principal import Principal
from shared.db.models_engagement import Engagement, EngagementMember
from shared.db.uow import UnitOfWork
from shared.errors import Conflict, Forbidden, NotFound

LOCKED_STATUS = "finalized"


def membership_role(uow: UnitOfWork, *, engagement_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    """The caller's role on the engagement's team, or None."""
    return uow.session.scalar(
        select(EngagementMember.role).where(
            EngagementMember.engagement_id == engagement_id, EngagementMember.user_id == user_id
        )
    )


def is_client_user(principal: Principal) -> bool:
    return principal.client_id is not None or principal.can(Permission.CLIENT_PORTAL)


def can_see(principal: Principal, engagement: Engagement, role: str | None) -> bool:
    if principal.firm_id != engagement.firm_id:
        return False
    if is_client_user(principal):
        return principal.client_id is not None and principal.client_id == engagement.client_id
    return principal.can(Permission.ENGAGEMENT_READ_ALL) or role is not None


def permissions_on(principal: Principal, role: str | None) -> frozenset[Permission]:
    """What the caller may do on one engagement: their team role's grants, or their firm role's."""
    if is_client_user(principal):
        return principal.permissions
    if role is None:
        return principal.permissions
    granted = permissions_for(frozenset({role}))
    if principal.can(Permission.ENGAGEMENT_READ_ALL):
        granted |= principal.permissions
    return granted


class EngagementAccess:
    """An engagement the caller can see, with what they may do on it."""

    def __init__(self, engagement: Engagement, principal: Principal, role: str | None) -> None:
        self.engagement = engagement
        self.principal = principal
        self.role = role
        self.permissions = permissions_on(principal, role)

    @property
    def id(self) -> uuid.UUID:
        return self.engagement.id

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden("Your role on this engagement does not allow this", code="forbidden")

    @property
    def internal(self) -> bool:
        """Whether the caller is one of the firm's people (client users see no working papers)."""
        return not is_client_user(self.principal)


def _engagement_with_role(lock: str | None) -> Select[Any]:
    """The engagement :engagement_id with the role of :user_id on its team beside it: one round trip (a
    scalar subquery, so a lock applies to the engagement row alone)."""
    role_on_team = (
        select(EngagementMember.role)
        .where(EngagementMember.engagement_id == Engagement.id, EngagementMember.user_id == bindparam("user_id"))
        .scalar_subquery()
    )
    query = select(Engagement, role_on_team).where(Engagement.id == bindparam("engagement_id"))
    return query if lock is None else query.with_for_update(read=lock == "share", of=Engagement)


# Built once: every request under an engagement runs one of these, and building it cost more than running it.
_ENGAGEMENT_WITH_ROLE = {lock: _engagement_with_role(lock) for lock in (None, "share", "exclusive")}


def _engagement_or_raise(
    uow: UnitOfWork,
    *,
    principal: Principal,
    engagement_id: uuid.UUID,
    for_write: bool = False,
    exclusive: bool = False,
) -> EngagementAccess:
    """The engagement if the caller may see it, else 404. For a write it also answers 409 when the
    engagement is finalized, and holds a share lock so a finalization cannot slip in before commit;
    `exclusive` locks the row for changing the engagement itself."""
    # Client users may not change the engagement row, so they cannot share-lock it either; what they
    # write (data uploads) carries its own lock trigger, which refuses rows under a finalized engagement.
    locks = for_write and (exclusive or not is_client_user(principal))
    lock = ("exclusive" if exclusive else "share") if locks else None
    query = _ENGAGEMENT_WITH_ROLE[lock]
    row = uow.session.execute(query, {"engagement_id": engagement_id, "user_id": principal.user_id}).first()
    engagement, role = (row[0], row[1]) if row is not None else (None, None)
    if engagement is None or not can_see(principal, engagement, role):
        raise NotFound("No such engagement", code="engagement_not_found")
    if for_write and engagement.status == LOCKED_STATUS:
        raise Conflict("The engagement is finalized and locked", code="engagement_locked")
    return EngagementAccess(engagement, principal, role)


def require(
    uow: UnitOfWork,
    *,
    principal: Principal,
    engagement_id: uuid.UUID,
    write: bool = False,
    permission: Permission | tuple[Permission, ...] | None = None,
    clients: bool = False,
    exclusive: bool = False,
    refusal: str = "Your role on this engagement does not allow this",
) -> EngagementAccess:
    """The one check every use case under an engagement starts with, so no capability words its own.

    Not visible to the caller: 404 (and, unless `clients`, client users see none of the firm's working
    papers). A `write` on a finalized engagement: 409, with a share lock
    (`exclusive` for changing the engagement row itself). A role on the engagement that grants none of
    `permission`: 403 saying `refusal`.
    """
    access = _engagement_or_raise(
        uow, principal=principal, engagement_id=engagement_id, for_write=write, exclusive=exclusive
    )
    if not clients and not access.internal:
        raise NotFound("No such engagement", code="engagement_not_found")
    wanted = (permission,) if isinstance(permission, Permission) else permission
    if wanted is not None and not any(access.can(p) for p in wanted):
        raise Forbidden(refusal, code="forbidden")
    return access


def record(
    uow: UnitOfWork,
    action: str,
    *,
    engagement_id: uuid.UUID,
    target_type: str,
    target_id: uuid.UUID | str,
    **data: Any,
) -> None:
    """Write the audit record of a change under an engagement; its activity feed reads these."""
    audit_log.append(
        uow,
        action,
        target_type=target_type,
        target_id=target_id,
        data={"engagement_id": str(engagement_id), **data},
    )
