"""Microsoft Entra ID tokens through the HTTP triggers: mapped to the linked Aura user by object id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import update

from shared.auth import authenticate
from shared.auth.tokens import EntraValidator
from shared.db.models import User
from shared.db.uow import UnitOfWork
from tests.entra_support import AUDIENCE, TENANT, StaticKeys, entra_token, new_key
from tests.support import FirmAdmin, create_firm, request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def entra(monkeypatch: pytest.MonkeyPatch, rsa_key: rsa.RSAPrivateKey) -> EntraValidator:
    validator = EntraValidator(tenant_id=TENANT, audience=AUDIENCE, keys=StaticKeys(rsa_key.public_key()))
    monkeypatch.setattr(authenticate, "get_entra_validator", lambda: validator)
    return validator


def _token(key: rsa.RSAPrivateKey, oid: str, **overrides: Any) -> str:
    return entra_token(key, oid=oid, email="someone@entra.example", **overrides)


def _link(admin: FirmAdmin, **values: Any) -> str:
    oid = str(uuid.uuid4())
    with UnitOfWork(firm_id=admin.firm_id) as uow:
        changed = uow.session.execute(
            update(User).where(User.id == admin.user_id).values(entra_object_id=oid, **values)
        ).rowcount
        uow.commit()
    assert changed == 1
    return oid


@pytest.mark.usefixtures("entra")
def test_a_linked_entra_user_is_signed_in_as_the_aura_user(rsa_key: rsa.RSAPrivateKey) -> None:
    admin = create_firm("Entra & Co")
    oid = _link(admin)

    reply = request("GET", "auth/me", token=_token(rsa_key, oid))

    assert reply.status == 200, reply.body
    me = reply.json()
    assert me["user"]["id"] == str(admin.user_id)
    assert me["user"]["email"] == admin.email
    assert me["firm"]["id"] == str(admin.firm_id)
    assert me["firm"]["name"] == "Entra & Co"
    assert me["roles"] == ["firm_admin"]
    assert "users.manage" in me["permissions"]


@pytest.mark.usefixtures("entra")
def test_an_entra_user_sees_only_its_own_firm(rsa_key: rsa.RSAPrivateKey) -> None:
    mine, other = create_firm("Mine LLP"), create_firm("Other LLP")
    oid = _link(mine)

    users = request("GET", "users", token=_token(rsa_key, oid))

    assert users.status == 200, users.body
    ids = {item["id"] for item in users.json()["items"]}
    assert str(mine.user_id) in ids
    assert str(other.user_id) not in ids
    peer = request("GET", f"users/{other.user_id}", token=_token(rsa_key, oid))
    assert peer.status == 404


@pytest.mark.usefixtures("entra")
def test_an_unlinked_object_id_is_an_unknown_user(rsa_key: rsa.RSAPrivateKey) -> None:
    create_firm("Unlinked LLP")

    reply = request("GET", "auth/me", token=_token(rsa_key, str(uuid.uuid4())))

    assert reply.status == 401
    assert reply.headers["Content-Type"].startswith("application/problem+json")
    assert reply.json()["code"] == "unknown_user"


@pytest.mark.usefixtures("entra")
def test_a_deactivated_linked_user_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    admin = create_firm("Inactive LLP")
    oid = _link(admin, is_active=False)

    reply = request("GET", "auth/me", token=_token(rsa_key, oid))

    assert reply.status == 401
    assert reply.json()["code"] == "account_inactive"


@pytest.mark.usefixtures("entra")
def test_an_entra_token_for_another_tenant_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    admin = create_firm("Tenant LLP")
    oid = _link(admin)
    other_tenant = "99999999-2222-3333-4444-555555555555"

    reply = request(
        "GET",
        "auth/me",
        token=_token(rsa_key, oid, tid=other_tenant, iss=f"https://login.microsoftonline.com/{other_tenant}/v2.0"),
    )

    assert reply.status == 401
    assert reply.json()["code"] == "invalid_token"


def test_without_entra_configured_an_rs256_token_is_invalid(
    monkeypatch: pytest.MonkeyPatch, rsa_key: rsa.RSAPrivateKey
) -> None:
    admin = create_firm("No Entra LLP")
    oid = _link(admin)
    monkeypatch.setattr(authenticate, "get_entra_validator", lambda: None)

    reply = request("GET", "auth/me", token=_token(rsa_key, oid))

    assert reply.status == 401
    assert reply.json()["code"] == "invalid_token"
