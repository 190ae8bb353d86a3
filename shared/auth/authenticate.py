"""Turn an Authorization header into a Principal, or refuse with 401."""

from __future__ import annotations

from sqlalchemy import select, text

from shared.auth.principal import Principal
from shared.auth.sessions import require_open
from shared.auth.tokens import EntraIdentity, decode_access_token, get_entra_validator, is_own_token
from shared.db.models import User
from shared.db.uow import UnitOfWork
from shared.errors import Unauthorized


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("A bearer token is required", code="missing_token")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'", code="invalid_token")
    return token.strip()


def authenticate(authorization: str | None) -> Principal:
    token = bearer_token(authorization)
    if is_own_token(token):
        claims = decode_access_token(token)
        require_open(claims)
        return Principal.of(
            user_id=claims.user_id,
            firm_id=claims.firm_id,
            roles=claims.roles,
            client_id=claims.client_id,
            email=claims.email,
        )
    validator = get_entra_validator()
    if validator is None:
        raise Unauthorized("The token is not valid", code="invalid_token")
    return principal_for_entra(validator.validate(token))


def principal_for_entra(identity: EntraIdentity) -> Principal:
    """Map an Entra ID user (by object id) to the Aura user linked to it."""
    with UnitOfWork() as uow:
        found = uow.session.execute(
            text("SELECT user_id, firm_id FROM aura_auth_find_entra_user(:oid)"), {"oid": identity.object_id}
        ).first()
        if found is None:
            raise Unauthorized("This Microsoft Entra ID account is not linked to an Aura user", code="unknown_user")
        uow.switch_firm(found.firm_id)
        user = uow.session.scalar(select(User).where(User.id == found.user_id))
        if user is None or not user.is_active:
            raise Unauthorized("The account is deactivated", code="account_inactive")
        return Principal.of(
            user_id=user.id,
            firm_id=user.firm_id,
            roles=user.roles,
            client_id=user.client_id,
            email=user.email,
        )
