"""The signed-in user's own account: change their password, see their open sign-ins, end one or all.

A session is one sign-in: the family of refresh tokens it was issued (refresh_tokens.family_id), which
every access token names as its `sid`. Ending one revokes the family, and shared.auth.sessions then
refuses its access tokens at once in this process (`forget`) and within its cache's seconds elsewhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from functions.identity.service import _revoke_all_for_user, _revoke_family, get_user_or_raise
from shared import audit_log, clock
from shared.auth import sessions
from shared.auth.passwords import hash_password, validate_password, verify_password
from shared.auth.principal import Principal
from shared.db.models import RefreshToken
from shared.db.uow import UnitOfWork
from shared.errors import NotFound, ValidationFailed
from shared.rate_limit import hit as rate_limit_hit

# Guesses of the current password with a stolen access token: argon2 makes each slow, this caps them.
PASSWORD_CHANGES_PER_HOUR = 10


@dataclass(frozen=True)
class OpenSession:
    id: uuid.UUID
    started_at: datetime
    last_active_at: datetime
    expires_at: datetime
    current: bool


def list_sessions(*, uow: UnitOfWork, principal: Principal, current: uuid.UUID | None) -> list[OpenSession]:
    """The user's open sign-ins (no token of the family revoked, the newest not expired), newest first."""
    now = clock.now()
    rows = uow.session.execute(
        select(
            RefreshToken.family_id,
            func.min(RefreshToken.issued_at),
            func.max(RefreshToken.issued_at),
            func.max(RefreshToken.expires_at),
        )
        .where(RefreshToken.user_id == principal.user_id)
        .group_by(RefreshToken.family_id)
        .having(func.count(RefreshToken.revoked_at) == 0, func.max(RefreshToken.expires_at) > now)
        .order_by(func.max(RefreshToken.issued_at).desc())
    ).all()
    return [OpenSession(family, started, last, expires, family == current) for family, started, last, expires in rows]


def end_session(*, uow: UnitOfWork, principal: Principal, session_id: uuid.UUID) -> None:
    """End one of the user's own sign-ins; 404 for anyone else's or one already ended."""
    now = clock.now()
    mine = uow.session.scalar(
        select(func.count())
        .select_from(RefreshToken)
        .where(
            RefreshToken.family_id == session_id,
            RefreshToken.user_id == principal.user_id,
            RefreshToken.revoked_at.is_(None),
        )
    )
    if not mine:
        raise NotFound("No such open session of yours", code="session_not_found")
    ended = _revoke_family(uow, family_id=session_id, now=now)
    audit_log.append(
        uow,
        "auth.session_ended",
        target_type="user",
        target_id=principal.user_id,
        actor_id=principal.user_id,
        data={"family_id": str(session_id)},
    )
    uow.commit()
    sessions.forget(ended)


def end_all_sessions(*, uow: UnitOfWork, principal: Principal) -> int:
    """Sign out everywhere: every open sign-in of the user, this one included."""
    ended = _revoke_all_for_user(uow, user_id=principal.user_id, now=clock.now())
    audit_log.append(
        uow,
        "auth.signed_out_everywhere",
        target_type="user",
        target_id=principal.user_id,
        actor_id=principal.user_id,
        data={"sessions": len(ended)},
    )
    uow.commit()
    sessions.forget(ended)
    return len(ended)


def change_password(
    *, uow: UnitOfWork, principal: Principal, current: uuid.UUID | None, current_password: str, new_password: str
) -> int:
    """Check the current password, set the new one (the policy of shared/auth/passwords.py) and end the
    user's other sign-ins; this one stays open. Returns how many were ended."""
    validate_password(new_password, field="new_password")
    rate_limit_hit(
        scope="password_change", subject=str(principal.user_id), limit=PASSWORD_CHANGES_PER_HOUR, window_seconds=3600
    )
    user = get_user_or_raise(uow=uow, user_id=principal.user_id)
    if not verify_password(user.password_hash, current_password):
        audit_log.append(uow, "user.password_change_refused", target_type="user", target_id=user.id, actor_id=user.id)
        uow.commit()
        raise ValidationFailed(
            "The current password is wrong",
            errors=[{"loc": ["current_password"], "msg": "not your current password", "type": "wrong_password"}],
        )
    if verify_password(user.password_hash, new_password):
        raise ValidationFailed(
            "The new password is the same as the current one",
            errors=[{"loc": ["new_password"], "msg": "the same as the current password", "type": "password_policy"}],
        )
    now = clock.now()
    user.password_hash = hash_password(new_password)
    others = uow.session.scalars(
        select(RefreshToken.family_id)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .distinct()
    ).all()
    ended: set[uuid.UUID] = set()
    for family in others:
        if family != current:
            ended |= _revoke_family(uow, family_id=family, now=now)
    audit_log.append(
        uow,
        "user.password_changed",
        target_type="user",
        target_id=user.id,
        actor_id=user.id,
        data={"sessions_ended": len(ended)},
    )
    uow.commit()
    sessions.forget(ended)
    return len(ended)
