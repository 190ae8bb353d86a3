"""Access and refresh tokens (HS256, our own) and Microsoft Entra ID tokens (RS256 through JWKS).

Access tokens live 15 minutes. Each names its session (`sid`, the family of refresh tokens it was
issued with), which `shared.auth.sessions` checks against the database, so signing out, a replayed
refresh token, a deactivation or a role change ends the access tokens too, not only the refresh
tokens. Refresh tokens live 8 hours; each carries the id of its database row, which records use and
revocation, so a refresh token works once and a revoked one never. A token that claims to live longer
than the settings allow is refused even when correctly signed: a leaked signing key, or a bug in
issuing, must not yield tokens that outlive every revocation.
"""

from __future__ import annotations

import base64
import functools
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import jwt

from shared import clock
from shared.errors import ConfigurationError, Unauthorized
from shared.settings import Settings, get_settings
from shared.settings import secret as resolve_secret

ALGORITHM = "HS256"
AUDIENCE = "aura-api"
MIN_SECRET_BYTES = 32
# A device that signed in successfully is known for this long (docs/security.md, sign-in throttling).
DEVICE_TOKEN_DAYS = 30


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    firm_id: uuid.UUID | None
    # A tuple: a verified token's claims are cached and handed to every request bearing it
    # (_verified_access_token), so nothing one request does may change what the next one reads.
    roles: tuple[str, ...]
    client_id: uuid.UUID | None
    email: str
    # The sign-in this token belongs to (the refresh-token family); None when issuing starts a new one.
    session_id: uuid.UUID | None = field(default=None, compare=False)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: uuid.UUID
    expires_at: datetime


def _secret(settings: Settings) -> str:
    secret = resolve_secret("jwt_secret", settings)
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"AURA_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
    return secret


def _encode(claims: dict[str, Any], settings: Settings) -> str:
    return jwt.encode(claims, _secret(settings), algorithm=ALGORITHM)


def issue_access_token(
    claims: AccessClaims, *, now: datetime | None = None, settings: Settings | None = None
) -> IssuedToken:
    settings = settings or get_settings()
    now = now or clock.now()
    expires = now + timedelta(minutes=settings.access_token_minutes)
    token_id = uuid.uuid4()
    payload = {
        "iss": settings.jwt_issuer,
        "aud": AUDIENCE,
        "typ": "access",
        "sub": str(claims.user_id),
        "firm": str(claims.firm_id) if claims.firm_id else None,
        "roles": list(claims.roles),
        "client": str(claims.client_id) if claims.client_id else None,
        "email": claims.email,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": str(token_id),
        "sid": str(claims.session_id or uuid.uuid4()),
    }
    return IssuedToken(_encode(payload, settings), token_id, expires)


def issue_refresh_token(
    *,
    user_id: uuid.UUID,
    firm_id: uuid.UUID,
    token_id: uuid.UUID,
    now: datetime,
    settings: Settings | None = None,
) -> IssuedToken:
    settings = settings or get_settings()
    expires = now + timedelta(hours=settings.refresh_token_hours)
    payload = {
        "iss": settings.jwt_issuer,
        "aud": AUDIENCE,
        "typ": "refresh",
        "sub": str(user_id),
        "firm": str(firm_id),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": str(token_id),
    }
    return IssuedToken(_encode(payload, settings), token_id, expires)


def _max_lifetime(expected_type: str, settings: Settings) -> int:
    if expected_type == "access":
        return settings.access_token_minutes * 60
    if expected_type == "device":
        return DEVICE_TOKEN_DAYS * 86400
    return settings.refresh_token_hours * 3600


def _decode_own(
    token: str, expected_type: str, settings: Settings, *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    return _decode(
        token,
        expected_type,
        _secret(settings),
        settings.jwt_issuer,
        _max_lifetime(expected_type, settings),
        required=required,
    )


def _decode(
    token: str, expected_type: str, secret: str, issuer: str, max_lifetime: int, *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer,
            options={"require": ["exp", "iat", "sub", "jti", "typ", *required]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The token has expired", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The token is not valid", code="invalid_token") from exc
    if payload.get("typ") != expected_type:
        raise Unauthorized("The token is not valid", code="invalid_token")
    # PyJWT has checked that both are numbers and that the token is neither expired nor issued in the future.
    if float(payload["exp"]) - float(payload["iat"]) > max_lifetime:
        raise Unauthorized("The token claims a longer life than this server grants", code="invalid_token")
    return payload


def _uuid_claim(payload: dict[str, Any], name: str) -> uuid.UUID | None:
    raw = payload.get(name)
    if raw is None:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise Unauthorized("The token is not valid", code="invalid_token") from exc


def decode_access_token(token: str, *, settings: Settings | None = None) -> AccessClaims:
    settings = settings or get_settings()
    claims, expires = _verified_access_token(
        token, _secret(settings), settings.jwt_issuer, _max_lifetime("access", settings)
    )
    if expires <= time.time():  # as PyJWT decides it: expired from the second `exp` names
        raise Unauthorized("The token has expired", code="token_expired")
    return claims


@functools.lru_cache(maxsize=4096)
def _verified_access_token(token: str, secret: str, issuer: str, max_lifetime: int) -> tuple[AccessClaims, int]:
    """A valid access token's claims and expiry. A client sends the same token with every request for
    15 minutes: verifying it once per key, issuer and lifetime (the cache key) spares PyJWT's 100 us on
    each of the others, whose expiry decode_access_token still checks. Refusals are never cached."""
    payload = _decode(token, "access", secret, issuer, max_lifetime, required=("sid",))
    user_id = _uuid_claim(payload, "sub")
    roles = payload.get("roles")
    if user_id is None or not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("The token is not valid", code="invalid_token")
    claims = AccessClaims(
        user_id=user_id,
        firm_id=_uuid_claim(payload, "firm"),
        roles=tuple(roles),
        client_id=_uuid_claim(payload, "client"),
        email=str(payload.get("email") or ""),
        session_id=_uuid_claim(payload, "sid"),
    )
    return claims, int(payload["exp"])


@dataclass(frozen=True)
class RefreshClaims:
    user_id: uuid.UUID
    firm_id: uuid.UUID
    token_id: uuid.UUID


def decode_refresh_token(token: str, *, settings: Settings | None = None) -> RefreshClaims:
    payload = _decode_own(token, "refresh", settings or get_settings())
    user_id, firm_id, token_id = (_uuid_claim(payload, n) for n in ("sub", "firm", "jti"))
    if user_id is None or firm_id is None or token_id is None:
        raise Unauthorized("The token is not valid", code="invalid_token")
    return RefreshClaims(user_id, firm_id, token_id)


@dataclass(frozen=True)
class DeviceClaims:
    user_id: uuid.UUID
    device_id: uuid.UUID


def issue_device_token(*, user_id: uuid.UUID, now: datetime, settings: Settings | None = None) -> IssuedToken:
    """Proof that this client once signed in as the user with the right password: it lets the client
    through the sign-in delay strangers' failures put on the account. It grants nothing else."""
    settings = settings or get_settings()
    device_id = uuid.uuid4()
    expires = now + timedelta(days=DEVICE_TOKEN_DAYS)
    payload = {
        "iss": settings.jwt_issuer,
        "aud": AUDIENCE,
        "typ": "device",
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": str(device_id),
    }
    return IssuedToken(_encode(payload, settings), device_id, expires)


def decode_device_token(token: str, *, settings: Settings | None = None) -> DeviceClaims:
    payload = _decode_own(token, "device", settings or get_settings())
    user_id, device_id = _uuid_claim(payload, "sub"), _uuid_claim(payload, "jti")
    if user_id is None or device_id is None:
        raise Unauthorized("The token is not valid", code="invalid_token")
    return DeviceClaims(user_id, device_id)


def is_own_token(token: str) -> bool:
    """Our tokens are HS256; anything else (RS256) is offered to Entra ID validation.

    Only a routing decision, never a check: whichever validation it picks verifies the whole token.
    It reads the header with the standard library, as PyJWT's own header parse checks every character
    of the whole token in Python (40 us on each request, before the decode that does it again)."""
    segment = token.partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError, RecursionError):
        return True  # malformed: let our own validation reject it with the usual message
    return not (isinstance(header, dict) and header.get("alg") == "RS256")


# --- Microsoft Entra ID ---------------------------------------------------------------------------


class SigningKeySource(Protocol):
    def signing_key_for(self, token: str) -> Any: ...


class JwksKeySource:
    """Signing keys from the tenant's JWKS endpoint, cached by PyJWT's client."""

    def __init__(self, jwks_url: str) -> None:
        self._client = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)

    def signing_key_for(self, token: str) -> Any:
        return self._client.get_signing_key_from_jwt(token).key


@dataclass(frozen=True)
class EntraIdentity:
    object_id: str
    tenant_id: str
    email: str
    # When the token was issued and when the user last authenticated (seconds since the epoch, if the
    # token says): a signature needs a sign-in from the last few minutes (shared/auth/reauthentication.py).
    issued_at: int | None = None
    auth_time: int | None = None


class EntraValidator:
    def __init__(self, *, tenant_id: str, audience: str, keys: SigningKeySource) -> None:
        self.tenant_id = tenant_id
        self.audience = audience
        self.issuer = f"https://login.microsoftonline.com/{tenant_id}/v2.0"
        self._keys = keys

    def validate(self, token: str) -> EntraIdentity:
        try:
            key = self._keys.signing_key_for(token)
            payload = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "oid", "tid"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired", code="token_expired") from exc
        except (jwt.PyJWTError, KeyError) as exc:
            raise Unauthorized("The token is not valid", code="invalid_token") from exc
        if payload.get("tid") != self.tenant_id:
            raise Unauthorized("The token is not valid", code="invalid_token")
        email = str(payload.get("preferred_username") or payload.get("email") or "")
        return EntraIdentity(
            object_id=str(payload["oid"]),
            tenant_id=str(payload["tid"]),
            email=email,
            issued_at=_epoch(payload.get("iat")),
            auth_time=_epoch(payload.get("auth_time")),
        )


def _epoch(value: Any) -> int | None:
    """A numeric date claim as whole seconds, or None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


@functools.cache
def get_entra_validator() -> EntraValidator | None:
    """The Entra ID validator when AURA_ENTRA_TENANT_ID and AURA_ENTRA_AUDIENCE are set."""
    settings = get_settings()
    if not (settings.entra_tenant_id and settings.entra_audience):
        return None
    jwks = f"https://login.microsoftonline.com/{settings.entra_tenant_id}/discovery/v2.0/keys"
    return EntraValidator(
        tenant_id=settings.entra_tenant_id, audience=settings.entra_audience, keys=JwksKeySource(jwks)
    )
