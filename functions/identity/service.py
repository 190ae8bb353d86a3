"""Identity use cases. Keyword-only functions that take the unit of work; only the unit commits."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import any_, func, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError

from functions.identity.login_throttle import Attempt, clear_account
from shared import audit_log, clock
from shared.auth import sessions, sign_in_failures
from shared.auth.passwords import hash_password, needs_rehash, verify_password
from shared.auth.permissions import CLIENT_ROLES
from shared.auth.principal import Principal
from shared.auth.tokens import (
    AccessClaims,
    IssuedToken,
    decode_refresh_token,
    issue_access_token,
    issue_device_token,
    issue_refresh_token,
)
from shared.bus.events import FirmCreated, UserCreated, UserDeactivated, UserReactivated, UserRolesChanged
from shared.db.models import Client, Firm, Invitation, PasswordReset, RefreshToken, User
from shared.db.uow import UnitOfWork
from shared.email import EmailSender
from shared.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from shared.rate_limit import hit as rate_limit_hit
from shared.settings import get_settings

INVITATION_LIFETIME = timedelta(days=7)
PASSWORD_RESET_LIFETIME = timedelta(hours=1)
PASSWORD_RESETS_PER_HOUR = 5


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _normalize_email(email: str) -> str:
    return email.strip().lower()


def _check_client_binding(uow: UnitOfWork, *, roles: list[str], client_id: uuid.UUID | None) -> None:
    """Client users belong to exactly one existing client of the firm; firm users to none."""
    is_client = bool(set(roles) & CLIENT_ROLES)
    if is_client and client_id is None:
        raise ValidationFailed.field(
            "body",
            "client_id",
            message="required for client roles",
            detail="Client roles need the client they belong to",
            type="missing",
        )
    if not is_client and client_id is not None:
        raise ValidationFailed.field(
            "body",
            "client_id",
            message="only for client roles",
            detail="Only client users are bound to a client",
            type="extra_forbidden",
        )
    if client_id is not None and uow.session.get(Client, client_id) is None:
        raise ValidationFailed.field(
            "body",
            "client_id",
            message=f"no client {client_id} in this firm",
            detail="The client does not exist",
            type="not_found",
        )


# --- sign-in ---------------------------------------------------------------------------------------


def _issue_pair(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    firm_id: uuid.UUID,
    roles: list[str],
    client_id: uuid.UUID | None,
    email: str,
    family_id: uuid.UUID,
    now: datetime,
) -> TokenPair:
    refresh = issue_refresh_token(user_id=user_id, firm_id=firm_id, token_id=uuid.uuid4(), now=now)
    uow.session.add(
        RefreshToken(
            id=refresh.token_id,
            firm_id=firm_id,
            user_id=user_id,
            family_id=family_id,
            issued_at=now,
            expires_at=refresh.expires_at,
        )
    )
    claims = AccessClaims(
        user_id=user_id, firm_id=firm_id, roles=tuple(roles), client_id=client_id, email=email, session_id=family_id
    )
    return _pair(claims, refresh, now=now)


def _pair(claims: AccessClaims, refresh: IssuedToken, *, now: datetime) -> TokenPair:
    """The session's access token for `claims` beside its refresh token (whose row the caller writes)."""
    access = issue_access_token(claims, now=now)
    return TokenPair(access.token, refresh.token, int((access.expires_at - now).total_seconds()))


@dataclass(frozen=True)
class SignIn:
    tokens: TokenPair
    device_token: str  # the known-device cookie's value (functions/identity/login_throttle.py)


def login(*, open_uow: Callable[[], UnitOfWork], email: str, password: str, attempt: Attempt) -> SignIn:
    """Check the password under the sign-in limits of login_throttle and issue a new token family.

    An unknown e-mail and a wrong password take the same path: the same limits, a password check
    against a hash of the same cost, the same 401. No failure locks the account. The hash is checked
    between short units of work, never inside one: a connection held through a tenth of a second of
    argon2 per attempt would run the pool dry under a burst of sign-ins (or of guesses).

    Two transactions when the password is right: the account with its limits and its hash, then the
    user's row, the new session and the audit record (the sign-in's delay is cleared only when it has
    failures on record)."""
    # System scope: the limits are system rows. The account's firm is entered once it is known, so its
    # password hash is read under the firm's row-level security.
    with UnitOfWork(system=True) as uow:
        standing = attempt.look_up(uow, _normalize_email(email))
        attempt.check(standing)  # 429 before any password is checked, alike for every e-mail
        password_hash = None
        if standing.user_id is not None and standing.firm_id is not None:
            uow.switch_firm(standing.firm_id)
            password_hash = uow.session.scalar(select(User.password_hash).where(User.id == standing.user_id))
    user_id, firm_id = standing.user_id, standing.firm_id
    # Checked for every attempt, with or without an account (no hash: a dummy of the same cost), so the
    # answer takes as long either way.
    matches = verify_password(password_hash, password)
    if user_id is None or firm_id is None or password_hash is None or not matches:
        if user_id is not None and firm_id is not None:
            _record_failure(open_uow, firm_id=firm_id, user_id=user_id)
        else:
            sign_in_failures.record_unknown_failure(open_uow)
        attempt.failed(user_id)
        raise _invalid_credentials()
    # A hash of an older cost is replaced, computed here rather than with the user's row locked.
    new_hash = hash_password(password) if needs_rehash(password_hash) else password_hash
    now = clock.now()
    family_id = uuid.uuid4()
    first_refresh = issue_refresh_token(user_id=user_id, firm_id=firm_id, token_id=uuid.uuid4(), now=now)
    # The firm is known before the first statement, so the unit of work opens in it (one settings round trip).
    with UnitOfWork(firm_id=firm_id) as uow:
        # One statement: the user's row, only if its hash is the one just checked (a password changed in
        # the meantime signs nobody in), and the session's first refresh token, only for an active user.
        signed_in = (
            update(User)
            .where(User.id == user_id, User.password_hash == password_hash)
            .values(password_hash=new_hash, failed_login_count=0, locked_until=None, last_login_at=now)
            .returning(User.is_active, User.roles, User.client_id, User.email)
            .cte("signed_in")
        )
        session_row = (
            insert(RefreshToken)
            .from_select(
                ["id", "firm_id", "user_id", "family_id", "issued_at", "expires_at"],
                select(
                    literal(first_refresh.token_id, RefreshToken.id.type),
                    literal(firm_id, RefreshToken.firm_id.type),
                    literal(user_id, RefreshToken.user_id.type),
                    literal(family_id, RefreshToken.family_id.type),
                    literal(now, RefreshToken.issued_at.type),
                    literal(first_refresh.expires_at, RefreshToken.expires_at.type),
                ).where(signed_in.c.is_active),
            )
            .cte("session_row")
        )
        user = uow.session.execute(select(signed_in).add_cte(session_row)).first()
        if user is None:
            raise _invalid_credentials()
        if not user.is_active:
            raise Unauthorized("The account is deactivated", code="account_inactive")
        audit_log.append(uow, "auth.login_succeeded", target_type="user", target_id=user_id, actor_id=user_id)
        uow.commit()
    claims = AccessClaims(
        user_id=user_id,
        firm_id=firm_id,
        roles=tuple(user.roles),
        client_id=user.client_id,
        email=user.email,
        session_id=family_id,
    )
    pair = _pair(claims, first_refresh, now=now)
    attempt.succeeded(standing)
    return SignIn(pair, issue_device_token(user_id=user_id, now=now).token)


def _record_failure(open_uow: Callable[[], UnitOfWork], *, firm_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Count the failure on the user's row (consecutive, for the audit trail) and audit it."""
    sign_in_failures.record_failure(open_uow, firm_id=firm_id, user_id=user_id)


def _invalid_credentials() -> Unauthorized:
    return Unauthorized("The e-mail or password is wrong", code="invalid_credentials")


def refresh(*, uow: UnitOfWork, refresh_token: str) -> TokenPair:
    """Rotate: the presented token is spent and a new one issued in the same family. A spent token
    presented again means it leaked, so the whole family is revoked (RFC 9700 section 4.14.2)."""
    now = clock.now()
    claims = decode_refresh_token(refresh_token)
    uow.switch_firm(claims.firm_id)
    row = uow.session.scalar(select(RefreshToken).where(RefreshToken.id == claims.token_id).with_for_update())
    if row is None or row.user_id != claims.user_id:
        raise Unauthorized("The refresh token is not valid", code="invalid_token")
    if row.revoked_at is not None:
        raise Unauthorized("The refresh token has been revoked", code="token_revoked")
    if row.used_at is not None:
        ended = _revoke_family(uow, family_id=row.family_id, now=now)
        audit_log.append(
            uow,
            "auth.refresh_token_reused",
            target_type="user",
            target_id=row.user_id,
            actor_id=row.user_id,
            data={"family_id": str(row.family_id)},
        )
        uow.commit()
        sessions.forget(ended)
        raise Unauthorized("The refresh token was already used; sign in again", code="token_reused")
    if row.expires_at <= now:
        raise Unauthorized("The refresh token has expired", code="token_expired")
    user = uow.session.scalar(select(User).where(User.id == row.user_id))
    if user is None or not user.is_active:
        raise Unauthorized("The account is deactivated", code="account_inactive")
    row.used_at = now
    pair = _issue_pair(
        uow,
        user_id=user.id,
        firm_id=user.firm_id,
        roles=user.roles,
        client_id=user.client_id,
        email=user.email,
        family_id=row.family_id,
        now=now,
    )
    uow.commit()
    return pair


def _revoke_family(uow: UnitOfWork, *, family_id: uuid.UUID, now: datetime) -> set[uuid.UUID]:
    """End one session: its refresh tokens, and through shared.auth.sessions its access tokens.
    Returns the session ids for `sessions.forget` once the unit of work has committed."""
    uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return {family_id}


def _revoke_all_for_user(uow: UnitOfWork, *, user_id: uuid.UUID, now: datetime) -> set[uuid.UUID]:
    """End every open session of the user (like `_revoke_family`, for all of them)."""
    ended = uow.session.scalars(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(RefreshToken.family_id)
    )
    return set(ended)


def logout(*, uow: UnitOfWork, refresh_token: str) -> None:
    """Revoke the session the refresh token belongs to (its whole family)."""
    claims = decode_refresh_token(refresh_token)
    uow.switch_firm(claims.firm_id)
    row = uow.session.scalar(select(RefreshToken).where(RefreshToken.id == claims.token_id))
    if row is None or row.user_id != claims.user_id:
        raise Unauthorized("The refresh token is not valid", code="invalid_token")
    ended = _revoke_family(uow, family_id=row.family_id, now=clock.now())
    audit_log.append(uow, "auth.logout", target_type="user", target_id=row.user_id, actor_id=row.user_id)
    uow.commit()
    sessions.forget(ended)


def end_session(*, uow: UnitOfWork, refresh_token: str) -> None:
    """Sign-out that cannot fail: a token that is invalid, expired or revoked belongs to a session already over.
    `logout` refuses such a token before it writes anything."""
    with contextlib.suppress(Unauthorized):
        logout(uow=uow, refresh_token=refresh_token)


# --- the firm and its users ------------------------------------------------------------------------


def get_firm_or_raise(*, uow: UnitOfWork) -> Firm:
    """The caller's firm."""
    firm: Firm | None = uow.session.scalar(select(Firm))
    if firm is None:
        raise NotFound("No firm")
    return firm


def update_firm(*, uow: UnitOfWork, name: str) -> Firm:
    """Rename the caller's firm."""
    firm = get_firm_or_raise(uow=uow)
    before, firm.name = firm.name, name.strip()
    audit_log.append(uow, "firm.updated", target_type="firm", target_id=firm.id, data={"name": [before, name]})
    uow.commit()
    return firm


def create_firm(*, uow: UnitOfWork, name: str, admin_email: str, admin_password: str) -> tuple[Firm, User]:
    """A new firm with its first firm_admin (the `aura firm create` command, and the demo firm)."""
    firm_id = uuid.uuid4()
    uow.switch_firm(firm_id)
    firm = Firm(id=firm_id, name=name, status="active")
    uow.session.add(firm)
    uow.session.flush()
    user = _insert_user(
        uow,
        email=admin_email,
        display_name="Firm administrator",
        password=admin_password,
        roles=["firm_admin"],
        client_id=None,
    )
    audit_log.append(uow, "firm.created", target_type="firm", target_id=firm.id, data={"name": name})
    uow.publish(FirmCreated(firm_id=firm.id))
    uow.commit()
    return firm, user


def _insert_user(
    uow: UnitOfWork,
    *,
    email: str,
    display_name: str,
    password: str | None,
    roles: list[str],
    client_id: uuid.UUID | None,
) -> User:
    _check_client_binding(uow, roles=roles, client_id=client_id)
    user = User(
        id=uuid.uuid4(),
        firm_id=uow.firm_id,
        email=_normalize_email(email),
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
        roles=roles,
        client_id=client_id,
        is_active=True,
        failed_login_count=0,
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(user)
            uow.session.flush()
    except IntegrityError as exc:
        raise Conflict("A user with this e-mail already exists", code="email_taken") from exc
    audit_log.append(uow, "user.created", target_type="user", target_id=user.id, data={"roles": roles})
    uow.publish(UserCreated(user_id=user.id, roles=roles))
    return user


def list_users(
    *, uow: UnitOfWork, role: str | None, active: bool | None, offset: int, limit: int
) -> tuple[list[User], int]:
    """The firm's users, by e-mail."""
    query = select(User)
    if role is not None:
        query = query.where(any_(User.roles) == role)
    if active is not None:
        query = query.where(User.is_active.is_(active))
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.scalars(query.order_by(User.email).offset(offset).limit(limit)).all()
    return list(rows), total


def get_user_or_raise(*, uow: UnitOfWork, user_id: uuid.UUID) -> User:
    """One user of the firm; 404 for anyone else's."""
    user = uow.session.scalar(select(User).where(User.id == user_id))
    if user is None:
        raise NotFound("No user with that id")
    return user


def create_user(
    *,
    uow: UnitOfWork,
    email: str,
    display_name: str,
    password: str,
    roles: list[str],
    client_id: uuid.UUID | None,
) -> User:
    """A user with a password set by the administrator."""
    user = _insert_user(
        uow, email=email, display_name=display_name, password=password, roles=roles, client_id=client_id
    )
    uow.commit()
    return user


def _active_admin_count(uow: UnitOfWork) -> int:
    return (
        uow.session.scalar(
            select(func.count()).select_from(User).where(any_(User.roles) == "firm_admin", User.is_active.is_(True))
        )
        or 0
    )


def update_roles(*, uow: UnitOfWork, user_id: uuid.UUID, roles: list[str], client_id: uuid.UUID | None) -> User:
    """Replace a user's roles; the firm keeps at least one active firm_admin."""
    user = get_user_or_raise(uow=uow, user_id=user_id)
    _check_client_binding(uow, roles=roles, client_id=client_id)
    if "firm_admin" in user.roles and "firm_admin" not in roles and user.is_active and _active_admin_count(uow) <= 1:
        raise Conflict("The firm must keep at least one active firm_admin", code="last_admin")
    before = list(user.roles)
    user.roles, user.client_id = roles, client_id
    ended = _revoke_all_for_user(uow, user_id=user.id, now=clock.now())  # new roles take effect at the next sign-in
    audit_log.append(
        uow,
        "user.roles_changed",
        target_type="user",
        target_id=user.id,
        data={"before": before, "after": roles},
    )
    uow.publish(UserRolesChanged(user_id=user.id, roles=roles))
    uow.commit()
    sessions.forget(ended)
    return user


def set_active(*, uow: UnitOfWork, principal: Principal, user_id: uuid.UUID, active: bool) -> User:
    """Deactivate (revoking every session) or reactivate a user."""
    user = get_user_or_raise(uow=uow, user_id=user_id)
    ended: set[uuid.UUID] = set()
    if not active:
        if user.id == principal.user_id:
            raise Conflict("You cannot deactivate yourself", code="self_deactivation")
        if "firm_admin" in user.roles and user.is_active and _active_admin_count(uow) <= 1:
            raise Conflict("The firm must keep at least one active firm_admin", code="last_admin")
        ended = _revoke_all_for_user(uow, user_id=user.id, now=clock.now())
    if user.is_active != active:
        user.is_active = active
        action = "user.reactivated" if active else "user.deactivated"
        audit_log.append(uow, action, target_type="user", target_id=user.id)
        uow.publish((UserReactivated if active else UserDeactivated)(user_id=user.id))
    uow.commit()
    sessions.forget(ended)
    return user


# --- invitations -----------------------------------------------------------------------------------


def create_invitation(
    *,
    uow: UnitOfWork,
    principal: Principal,
    email: str,
    roles: list[str],
    client_id: uuid.UUID | None,
    mailer: EmailSender,
) -> Invitation:
    """Invite someone to the firm (or to one client); the one-time link goes by e-mail only."""
    _check_client_binding(uow, roles=roles, client_id=client_id)
    email = _normalize_email(email)
    exists = uow.session.execute(text("SELECT 1 FROM aura_auth_find_user(:email)"), {"email": email}).first()
    if exists:
        raise Conflict("A user with this e-mail already exists", code="email_taken")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        id=uuid.uuid4(),
        firm_id=uow.firm_id,
        email=email,
        roles=roles,
        client_id=client_id,
        token_hash=_token_hash(token),
        invited_by=principal.user_id,
        expires_at=clock.now() + INVITATION_LIFETIME,
    )
    uow.session.add(invitation)
    uow.session.flush()
    audit_log.append(
        uow, "invitation.created", target_type="invitation", target_id=invitation.id, data={"roles": roles}
    )
    firm = get_firm_or_raise(uow=uow)
    link = f"{get_settings().public_base_url}/accept-invitation?token={token}"
    uow.commit()
    mailer.send(
        to=email,
        subject=f"You are invited to {firm.name} on Aura",
        body=f"{firm.name} invites you to Aura.\n\nSet your password here (valid for 7 days):\n{link}\n\n"
        "If the link does not open, copy all of it into your browser's address bar.\n"
        f"Invitation token: {token} (your firm's administrator may ask for it)\n",
    )
    return invitation


def list_invitations(*, uow: UnitOfWork, offset: int, limit: int) -> tuple[list[Invitation], int]:
    """The firm's invitations, newest first."""
    total = uow.session.scalar(select(func.count()).select_from(Invitation)) or 0
    rows = uow.session.scalars(select(Invitation).order_by(Invitation.created_at.desc()).offset(offset).limit(limit))
    return list(rows), total


def revoke_invitation(*, uow: UnitOfWork, invitation_id: uuid.UUID) -> None:
    """Withdraw an invitation that has not been accepted."""
    invitation = uow.session.scalar(select(Invitation).where(Invitation.id == invitation_id))
    if invitation is None:
        raise NotFound("No invitation with that id")
    if invitation.accepted_at is not None:
        raise Conflict("The invitation was already accepted", code="invitation_accepted")
    if invitation.revoked_at is None:
        invitation.revoked_at = clock.now()
        audit_log.append(uow, "invitation.revoked", target_type="invitation", target_id=invitation.id)
    uow.commit()


def accept_invitation(*, uow: UnitOfWork, token: str, password: str, display_name: str) -> User:
    """Create the invited user with the password they chose; the token works once, for 7 days."""
    found = uow.session.execute(
        text("SELECT invitation_id, firm_id FROM aura_auth_find_invitation(:h)"), {"h": _token_hash(token)}
    ).first()
    if found is None:
        raise NotFound("The invitation is not valid", code="invalid_invitation")
    uow.switch_firm(found.firm_id)
    invitation = uow.session.scalar(select(Invitation).where(Invitation.id == found.invitation_id).with_for_update())
    now = clock.now()
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= now:
        raise NotFound("The invitation is not valid or has expired", code="invalid_invitation")
    user = _insert_user(
        uow,
        email=invitation.email,
        display_name=display_name,
        password=password,
        roles=list(invitation.roles),
        client_id=invitation.client_id,
    )
    invitation.accepted_at = now
    audit_log.append(uow, "invitation.accepted", target_type="invitation", target_id=invitation.id, actor_id=user.id)
    uow.commit()
    return user


# --- password reset --------------------------------------------------------------------------------


def request_password_reset(*, uow: UnitOfWork, email: str, mailer: EmailSender) -> None:
    """Send a one-hour, single-use reset link if the address belongs to an active user. The answer
    is the same either way, so the endpoint does not reveal who has an account."""
    email = _normalize_email(email)
    rate_limit_hit(scope="password_reset", subject=email, limit=PASSWORD_RESETS_PER_HOUR, window_seconds=3600)
    found = uow.session.execute(
        text("SELECT user_id, firm_id FROM aura_auth_find_user(:email)"), {"email": email}
    ).first()
    if found is None:
        return
    uow.switch_firm(found.firm_id)
    user = uow.session.scalar(select(User).where(User.id == found.user_id))
    if user is None or not user.is_active:
        return
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(
        id=uuid.uuid4(),
        firm_id=user.firm_id,
        user_id=user.id,
        token_hash=_token_hash(token),
        expires_at=clock.now() + PASSWORD_RESET_LIFETIME,
    )
    uow.session.add(reset)
    audit_log.append(uow, "password_reset.requested", target_type="user", target_id=user.id, actor_id=user.id)
    uow.commit()
    link = f"{get_settings().public_base_url}/reset-password?token={token}"
    mailer.send(
        to=user.email,
        subject="Reset your Aura password",
        body=f"Choose a new password here (valid for one hour, once):\n{link}\n\n"
        f"Or call POST /api/auth/password-reset/confirm with the token: {token}\n"
        "If you did not ask for this, ignore this message.\n",
    )


def set_password(*, uow: UnitOfWork, user_id: uuid.UUID, new_password: str) -> None:
    """Set a password directly (the local demo admin), unlocking the account and ending its sessions."""
    user = get_user_or_raise(uow=uow, user_id=user_id)
    now = clock.now()
    user.password_hash = hash_password(new_password)
    user.failed_login_count, user.locked_until = 0, None
    ended = _revoke_all_for_user(uow, user_id=user.id, now=now)
    audit_log.append(uow, "user.password_set", target_type="user", target_id=user.id)
    uow.commit()
    sessions.forget(ended)
    clear_account(user.email)


def confirm_password_reset(*, uow: UnitOfWork, token: str, new_password: str) -> None:
    """Set the new password, spend the token, unlock the account and end every session."""
    found = uow.session.execute(
        text("SELECT reset_id, firm_id FROM aura_auth_find_password_reset(:h)"), {"h": _token_hash(token)}
    ).first()
    if found is None:
        raise NotFound("The reset link is not valid", code="invalid_reset_token")
    uow.switch_firm(found.firm_id)
    reset = uow.session.scalar(select(PasswordReset).where(PasswordReset.id == found.reset_id).with_for_update())
    now = clock.now()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise NotFound("The reset link is not valid or has expired", code="invalid_reset_token")
    user = get_user_or_raise(uow=uow, user_id=reset.user_id)
    user.password_hash = hash_password(new_password)
    user.failed_login_count, user.locked_until = 0, None
    reset.used_at = now
    ended = _revoke_all_for_user(uow, user_id=user.id, now=now)
    audit_log.append(uow, "password_reset.completed", target_type="user", target_id=user.id, actor_id=user.id)
    uow.commit()
    sessions.forget(ended)
    clear_account(user.email)
