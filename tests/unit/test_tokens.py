"""Our own tokens and Entra ID tokens, validated without a database."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth.passwords import hash_password, verify_password
from shared.auth.tokens import (
    AccessClaims,
    EntraValidator,
    decode_access_token,
    decode_refresh_token,
    is_own_token,
    issue_access_token,
    issue_refresh_token,
)
from shared.errors import ConfigurationError, Unauthorized, ValidationFailed
from shared.settings import Settings
from tests.entra_support import AUDIENCE, TENANT, StaticKeys, entra_token, new_key

pytestmark = pytest.mark.unit

SETTINGS = Settings(AURA_JWT_SECRET="s" * 40)


def test_access_token_round_trip_and_lifetime() -> None:
    claims = AccessClaims(uuid.uuid4(), uuid.uuid4(), ("senior",), None, "a@example.com")
    now = datetime.now(UTC)
    issued = issue_access_token(claims, now=now, settings=SETTINGS)
    assert (issued.expires_at - now).total_seconds() == 15 * 60
    assert decode_access_token(issued.token, settings=SETTINGS) == claims


def test_refresh_token_lives_eight_hours_and_is_not_an_access_token() -> None:
    now = datetime.now(UTC)
    issued = issue_refresh_token(
        user_id=uuid.uuid4(), firm_id=uuid.uuid4(), token_id=uuid.uuid4(), now=now, settings=SETTINGS
    )
    assert (issued.expires_at - now).total_seconds() == 8 * 3600
    assert decode_refresh_token(issued.token, settings=SETTINGS).token_id == issued.token_id
    with pytest.raises(Unauthorized):
        decode_access_token(issued.token, settings=SETTINGS)


def test_a_short_secret_is_a_configuration_error() -> None:
    claims = AccessClaims(uuid.uuid4(), None, (), None, "")
    with pytest.raises(ConfigurationError):
        issue_access_token(claims, settings=Settings(AURA_JWT_SECRET="short"))


def test_passwords_are_argon2id_and_policy_is_enforced() -> None:
    hashed = hash_password("twelve chars!")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "twelve chars!")
    assert not verify_password(hashed, "twelve chars?")
    assert not verify_password(None, "anything at all")
    with pytest.raises(ValidationFailed):
        hash_password("eleven char")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return new_key()


def _entra_token(key: rsa.RSAPrivateKey, **overrides: Any) -> str:
    return entra_token(key, oid="00000000-0000-0000-0000-0000000000aa", **overrides)


def test_entra_token_is_accepted_and_mapped_by_object_id(rsa_key: rsa.RSAPrivateKey) -> None:
    validator = EntraValidator(tenant_id=TENANT, audience=AUDIENCE, keys=StaticKeys(rsa_key.public_key()))
    token = _entra_token(rsa_key)
    assert not is_own_token(token)
    identity = validator.validate(token)
    assert identity.object_id == "00000000-0000-0000-0000-0000000000aa"
    assert identity.email == "ada@firm.example"


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "api://someone-else"},
        {"iss": "https://login.microsoftonline.com/other/v2.0"},
        {"tid": "99999999-2222-3333-4444-555555555555"},
        {"exp": int(time.time()) - 120},
        {"oid": None},
    ],
)
def test_bad_entra_tokens_are_refused(rsa_key: rsa.RSAPrivateKey, overrides: dict[str, Any]) -> None:
    validator = EntraValidator(tenant_id=TENANT, audience=AUDIENCE, keys=StaticKeys(rsa_key.public_key()))
    claims = {k: v for k, v in overrides.items() if v is not None}
    token = _entra_token(rsa_key, **claims)
    if overrides.get("oid", "") is None:
        payload = jwt.decode(token, options={"verify_signature": False})
        payload.pop("oid")
        token = jwt.encode(payload, rsa_key, algorithm="RS256")
    with pytest.raises(Unauthorized):
        validator.validate(token)


def test_entra_token_signed_by_another_key_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    validator = EntraValidator(tenant_id=TENANT, audience=AUDIENCE, keys=StaticKeys(rsa_key.public_key()))
    with pytest.raises(Unauthorized):
        validator.validate(_entra_token(other))


def test_signing_keys_come_from_a_jwks_endpoint(rsa_key: rsa.RSAPrivateKey) -> None:
    """The real PyJWT JWKS client against a JWKS document served on loopback."""
    import http.server
    import json
    import threading

    from shared.auth.tokens import JwksKeySource

    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    document = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        keys = JwksKeySource(f"http://127.0.0.1:{server.server_address[1]}/keys")
        validator = EntraValidator(tenant_id=TENANT, audience=AUDIENCE, keys=keys)
        assert validator.validate(_entra_token(rsa_key)).email == "ada@firm.example"
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with pytest.raises(Unauthorized):
            validator.validate(_entra_token(other))
    finally:
        server.shutdown()
        server.server_close()


def test_a_device_token_names_its_user_and_is_nothing_else() -> None:
    from shared.auth.tokens import decode_device_token, issue_device_token

    user_id = uuid.uuid4()
    issued = issue_device_token(user_id=user_id, now=datetime.now(UTC), settings=SETTINGS)
    claims = decode_device_token(issued.token, settings=SETTINGS)
    assert (claims.user_id, claims.device_id) == (user_id, issued.token_id)
    with pytest.raises(Unauthorized):
        decode_access_token(issued.token, settings=SETTINGS)


def test_an_access_token_claiming_a_longer_life_than_the_settings_grant_is_refused() -> None:
    claims = AccessClaims(uuid.uuid4(), uuid.uuid4(), ("senior",), None, "a@example.com", session_id=uuid.uuid4())
    issued = issue_access_token(claims, settings=Settings(AURA_JWT_SECRET="s" * 40, AURA_ACCESS_TOKEN_MINUTES=30))
    with pytest.raises(Unauthorized) as refused:
        decode_access_token(issued.token, settings=SETTINGS)
    assert refused.value.code == "invalid_token"
    assert decode_access_token(issued.token, settings=Settings(AURA_JWT_SECRET="s" * 40, AURA_ACCESS_TOKEN_MINUTES=30))


def test_an_access_token_accepted_before_still_expires_on_time_and_binds_to_its_key() -> None:
    """Accepting a token once (its verification is remembered) neither keeps it alive past its expiry nor
    lets it pass under another signing key or issuer."""
    from datetime import timedelta

    claims = AccessClaims(uuid.uuid4(), uuid.uuid4(), ("senior",), None, "a@example.com", session_id=uuid.uuid4())
    issued = issue_access_token(claims, now=datetime.now(UTC) - timedelta(seconds=15 * 60 - 2), settings=SETTINGS)
    assert decode_access_token(issued.token, settings=SETTINGS) == claims
    assert decode_access_token(issued.token, settings=SETTINGS) == claims
    for other in (Settings(AURA_JWT_SECRET="t" * 40), Settings(AURA_JWT_SECRET="s" * 40, AURA_JWT_ISSUER="other")):
        with pytest.raises(Unauthorized) as refused:
            decode_access_token(issued.token, settings=other)
        assert refused.value.code == "invalid_token"
    expires = jwt.decode(issued.token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(Unauthorized) as expired:
        decode_access_token(issued.token, settings=SETTINGS)
    assert expired.value.code == "token_expired"


def test_the_claims_remembered_for_a_token_cannot_be_changed_by_one_request_for_the_next() -> None:
    """Every request bearing a token gets the same remembered claims: its roles are a tuple in a frozen
    dataclass, while the token itself still carries them as a JSON array."""
    import dataclasses

    claims = AccessClaims(
        uuid.uuid4(), uuid.uuid4(), ("senior", "staff"), None, "a@example.com", session_id=uuid.uuid4()
    )
    token = issue_access_token(claims, settings=SETTINGS).token
    first = decode_access_token(token, settings=SETTINGS)
    assert isinstance(first.roles, tuple)
    with pytest.raises(AttributeError):
        first.roles.append("firm_admin")  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.roles = ("firm_admin",)  # type: ignore[misc]
    second = decode_access_token(token, settings=SETTINGS)
    assert second.roles == ("senior", "staff") and second == claims
    assert jwt.decode(token, options={"verify_signature": False})["roles"] == ["senior", "staff"]


@pytest.mark.parametrize("roles", ["senior", ["senior", 1], {"senior": True}, None])
def test_an_access_token_whose_roles_are_not_a_list_of_strings_is_refused(roles: object) -> None:
    now = int(time.time())
    payload = {
        "iss": SETTINGS.jwt_issuer,
        "aud": "aura-api",
        "typ": "access",
        "sub": str(uuid.uuid4()),
        "firm": str(uuid.uuid4()),
        "roles": roles,
        "email": "a@example.com",
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
    }
    with pytest.raises(Unauthorized) as refused:
        decode_access_token(jwt.encode(payload, "s" * 40, algorithm="HS256"), settings=SETTINGS)
    assert refused.value.code == "invalid_token"
