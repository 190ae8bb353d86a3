"""Proof that the person at the keyboard is the signed-in user, moments before an act that binds them.

A partner's signature on the auditor's report must not ride on a session opened hours ago on a
machine left unlocked. Users with an Aura password re-enter it: a wrong one is a failed sign-in in
every respect (shared/auth/sign_in_failures.py: counted on the user, audited, and against the
e-mail's delay, which answers 429 here as at sign-in). Users signed in through Microsoft Entra ID
have no Aura password; they sign in again and present the new token, whose `auth_time` (or, when
Entra leaves it out, `iat`) must be at most `FRESHNESS` old.

The password is checked between short units of work, never inside one (argon2 takes a tenth of a
second), as at sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shared import clock
from shared.auth.authenticate import bearer_token
from shared.auth.passwords import verify_password
from shared.auth.principal import Principal
from shared.auth.sign_in_failures import ACCOUNT, DETAIL, record_failure
from shared.auth.tokens import EntraIdentity, get_entra_validator, is_own_token
from shared.db.models import User
from shared.db.uow import UnitOfWork
from shared.errors import Unauthorized

FRESHNESS = timedelta(minutes=5)


@dataclass(frozen=True)
class Reauthenticated:
    """How the caller proved themselves: `password` or `entra_token`, and when."""

    method: str
    at: datetime


def entra_identity(authorization: str | None) -> EntraIdentity | None:
    """The Entra ID identity behind the request's bearer token, or None for Aura's own tokens."""
    token = bearer_token(authorization)
    if is_own_token(token):
        return None
    validator = get_entra_validator()
    if validator is None:
        raise Unauthorized("The token is not valid", code="invalid_token")
    return validator.validate(token)


def require_fresh_token(identity: EntraIdentity) -> Reauthenticated:
    """401 `reauthentication_required` unless the user signed in to Entra ID within FRESHNESS."""
    now = clock.now()
    stamp = identity.auth_time if identity.auth_time is not None else identity.issued_at
    signed_in = datetime.fromtimestamp(stamp, UTC) if stamp is not None else None
    if signed_in is None or now - signed_in > FRESHNESS:
        raise Unauthorized(
            f"Sign in to Microsoft Entra ID again: signing needs a sign-in from the last "
            f"{int(FRESHNESS.total_seconds() // 60)} minutes",
            code="reauthentication_required",
        )
    return Reauthenticated("entra_token", now)


def confirm_password(
    open_uow: Callable[[], UnitOfWork], *, principal: Principal, password: str | None
) -> Reauthenticated:
    """The caller's password, re-entered: 401 when wrong (counted as a failed sign-in), 429 while the
    e-mail must wait after earlier failures."""
    if principal.firm_id is None:
        raise Unauthorized("The password is wrong", code="invalid_credentials")
    with open_uow() as uow:
        row = uow.session.execute(select(User.email, User.password_hash).where(User.id == principal.user_id)).first()
    email = row.email if row is not None else principal.email
    ACCOUNT.check(email, detail=DETAIL)
    password_hash = row.password_hash if row is not None else None
    # Checked even without a password or a hash (a dummy of the same cost), so the answer takes as long.
    matches = verify_password(password_hash, password or "")
    if row is None or not password or not matches:
        record_failure(open_uow, firm_id=principal.firm_id, user_id=principal.user_id)
        ACCOUNT.fail(email)
        raise Unauthorized("The password is wrong", code="invalid_credentials")
    return Reauthenticated("password", clock.now())
