"""What a sign-in leaves behind when it is refused late, or when the password's hash is of an older cost.

The password is checked between two short transactions (functions/identity/service.py login), so the
account can change in between; these pin what the caller and the firm's records see then.
"""

from __future__ import annotations

import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from functions.identity import service
from shared.audit_log import PLATFORM_CHAIN
from shared.auth.passwords import needs_rehash, verify_password
from shared.db.models import AuditRecord, RefreshToken, User
from shared.db.uow import UnitOfWork
from tests.support import PASSWORD, create_firm, login, request, token_for, unique_email

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _sessions_and_sign_ins(firm_id: uuid.UUID, user_id: uuid.UUID) -> tuple[int, int]:
    """The user's refresh tokens and the firm's audit records of a successful sign-in by the user."""
    with UnitOfWork(firm_id=firm_id) as uow:
        tokens = uow.session.scalar(select(func.count()).where(RefreshToken.user_id == user_id)) or 0
        sign_ins = (
            uow.session.scalar(
                select(func.count()).where(
                    AuditRecord.action == "auth.login_succeeded", AuditRecord.target_id == str(user_id)
                )
            )
            or 0
        )
    return tokens, sign_ins


def _password_hash(firm_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    with UnitOfWork(firm_id=firm_id) as uow:
        return uow.session.scalar(select(User.password_hash).where(User.id == user_id))


def test_a_deactivated_user_with_the_right_password_gets_no_session_and_no_sign_in_record() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    email = unique_email("leaver")
    created = request(
        "POST", "users", json_body={"email": email, "password": PASSWORD, "roles": ["staff"]}, token=token
    )
    user_id = uuid.UUID(created.json()["id"])
    login(email)
    before = _sessions_and_sign_ins(admin.firm_id, user_id)
    assert request("POST", f"users/{user_id}/deactivate", token=token).status == 200

    reply = request("POST", "auth/login", json_body={"email": email, "password": PASSWORD})

    assert (reply.status, reply.json()["code"]) == (401, "account_inactive")
    assert _sessions_and_sign_ins(admin.firm_id, user_id) == before == (1, 1)


def test_a_password_changed_while_the_old_one_is_checked_signs_nobody_in(monkeypatch: pytest.MonkeyPatch) -> None:
    admin = create_firm()

    def verify_while_the_password_is_reset(password_hash: str | None, password: str) -> bool:
        matches = verify_password(password_hash, password)
        with UnitOfWork(firm_id=admin.firm_id) as uow:
            service.set_password(uow=uow, user_id=admin.user_id, new_password="a brand new passphrase 2026")
        return matches

    monkeypatch.setattr(service, "verify_password", verify_while_the_password_is_reset)
    reply = request("POST", "auth/login", json_body={"email": admin.email, "password": PASSWORD})
    monkeypatch.undo()

    assert (reply.status, reply.json()["code"]) == (401, "invalid_credentials")
    assert _sessions_and_sign_ins(admin.firm_id, admin.user_id) == (0, 0)
    assert login(admin.email, "a brand new passphrase 2026")["access_token"]


def test_a_hash_of_an_older_cost_is_replaced_at_sign_in_and_the_password_still_works() -> None:
    admin = create_firm()
    older = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    assert needs_rehash(older)
    with UnitOfWork(firm_id=admin.firm_id) as uow:
        uow.session.execute(update(User).where(User.id == admin.user_id).values(password_hash=older))
        uow.commit()

    assert login(admin.email)["access_token"]

    replaced = _password_hash(admin.firm_id, admin.user_id)
    assert replaced is not None and replaced != older
    assert not needs_rehash(replaced)
    assert login(admin.email)["access_token"]
    assert _sessions_and_sign_ins(admin.firm_id, admin.user_id) == (2, 2)


def _platform_failures() -> list[dict[str, object]]:
    with UnitOfWork(system=True) as uow:
        rows = uow.session.scalars(
            select(AuditRecord.data)
            .where(AuditRecord.chain == PLATFORM_CHAIN, AuditRecord.action == "auth.login_failed")
            .order_by(AuditRecord.chain_seq)
        ).all()
    return [dict(row) for row in rows]


def test_a_failed_sign_in_for_an_unknown_email_is_on_the_platform_chain_without_the_email() -> None:
    before = len(_platform_failures())
    email = unique_email("nobody")

    reply = request("POST", "auth/login", json_body={"email": email, "password": PASSWORD})

    assert (reply.status, reply.json()["code"]) == (401, "invalid_credentials")
    after = _platform_failures()
    assert len(after) > before  # other tests' attempts may land beside it
    assert after[before:] == [{"account": "unknown"}] * (len(after) - before)
    assert all(email not in str(data) for data in after)
