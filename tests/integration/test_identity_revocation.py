"""An access token ends with its session: signing out, a replayed refresh token, a deactivation or a role
change refuse it at once, not 15 minutes later; and a correctly signed token that claims a longer life
than the settings grant is refused."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import update

from shared import clock
from shared.db.models import RefreshToken
from shared.db.uow import UnitOfWork
from shared.settings import get_settings
from tests.support import PASSWORD, create_firm, login, request, token_for, unique_email

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

SECRET = "test-secret-" + "x" * 40
CSRF = {"X-Requested-With": "fetch"}


def _me(token: str) -> tuple[int, str | None]:
    reply = request("GET", "auth/me", token=token)
    return reply.status, (reply.json().get("code") if reply.status != 200 else None)


def _staff(admin_token: str) -> tuple[str, str]:
    email = unique_email("staff")
    created = request(
        "POST", "users", json_body={"email": email, "password": PASSWORD, "roles": ["staff"]}, token=admin_token
    )
    assert created.status == 201, created.body
    return created.json()["id"], email


def test_signing_out_ends_the_access_token_at_once() -> None:
    admin = create_firm()
    tokens = login(admin.email)
    other = login(admin.email)
    assert _me(tokens["access_token"]) == (200, None)
    assert request("POST", "auth/logout", json_body={"refresh_token": tokens["refresh_token"]}).status == 204
    assert _me(tokens["access_token"]) == (401, "session_ended")
    # Only that sign-in ended: the user's other session goes on.
    assert _me(other["access_token"]) == (200, None)


def test_signing_out_of_the_browser_session_ends_its_access_token() -> None:
    admin = create_firm()
    started = request("POST", "auth/session", json_body={"email": admin.email, "password": PASSWORD})
    access = started.json()["access_token"]
    cookie = started.headers["Set-Cookie"].split(";")[0]
    assert _me(access) == (200, None)
    assert request("DELETE", "auth/session", headers={**CSRF, "Cookie": cookie}).status == 204
    assert _me(access) == (401, "session_ended")


def test_a_replayed_refresh_token_ends_every_access_token_of_the_session() -> None:
    admin = create_firm()
    first = login(admin.email)
    rotated = request("POST", "auth/refresh", json_body={"refresh_token": first["refresh_token"]}).json()
    assert _me(first["access_token"]) == (200, None)
    assert _me(rotated["access_token"]) == (200, None)
    replayed = request("POST", "auth/refresh", json_body={"refresh_token": first["refresh_token"]})
    assert replayed.json()["code"] == "token_reused"
    # The thief's access token and the rightful holder's newer one both stop at once.
    assert _me(first["access_token"]) == (401, "session_ended")
    assert _me(rotated["access_token"]) == (401, "session_ended")


def test_deactivation_ends_the_access_tokens_and_reactivation_does_not_revive_them() -> None:
    admin = create_firm()
    admin_token = token_for(admin.email)
    user_id, email = _staff(admin_token)
    staff_token = token_for(email)
    assert request("POST", f"users/{user_id}/deactivate", token=admin_token).status == 200
    assert _me(staff_token) == (401, "session_ended")
    assert request("POST", f"users/{user_id}/reactivate", token=admin_token).status == 200
    assert _me(staff_token) == (401, "session_ended")
    assert _me(token_for(email)) == (200, None)


def test_a_role_change_ends_the_access_tokens_even_when_the_roles_are_changed_back() -> None:
    admin = create_firm()
    admin_token = token_for(admin.email)
    user_id, email = _staff(admin_token)
    staff_token = token_for(email)
    for roles in (["senior"], ["staff"]):
        assert request("PUT", f"users/{user_id}/roles", json_body={"roles": roles}, token=admin_token).status == 200
    # The roles are what the token says again, yet the sign-in it belongs to was ended by the change.
    assert _me(staff_token) == (401, "session_ended")


def test_a_session_ended_by_another_instance_is_refused_once_the_cache_has_expired() -> None:
    """Another instance revokes in the database only; this one stops trusting its cache within the setting."""
    admin = create_firm()
    tokens = login(admin.email)
    at = clock.FixedClock(clock.now())
    with clock.use_clock(at):
        assert _me(tokens["access_token"]) == (200, None)  # remembered as open
        with UnitOfWork(firm_id=admin.firm_id) as uow:
            uow.session.execute(update(RefreshToken).values(revoked_at=clock.now()))
            uow.commit()
        at.advance(timedelta(seconds=get_settings().session_cache_seconds))
        assert _me(tokens["access_token"]) == (401, "session_ended")


def _resigned(token: str, **changes: object) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode({**claims, **changes}, SECRET, algorithm="HS256")


def test_a_correctly_signed_token_that_lives_too_long_is_refused() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    now = int(time.time())
    allowed = get_settings().access_token_minutes * 60
    assert _me(_resigned(token, iat=now, exp=now + allowed)) == (200, None)
    assert _me(_resigned(token, iat=now, exp=now + allowed + 1)) == (401, "invalid_token")
    assert _me(_resigned(token, iat=now, exp=now + 24 * 3600)) == (401, "invalid_token")


def test_a_correctly_signed_token_without_a_session_or_with_an_unknown_one_is_refused() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.pop("sid")
    assert _me(jwt.encode(claims, SECRET, algorithm="HS256")) == (401, "invalid_token")
    assert _me(_resigned(token, sid=str(uuid.uuid4()))) == (401, "session_ended")


def test_a_refresh_token_that_lives_too_long_is_refused() -> None:
    admin = create_firm()
    tokens = login(admin.email)
    now = int(time.time())
    forged = _resigned(tokens["refresh_token"], iat=now, exp=now + get_settings().refresh_token_hours * 3600 + 60)
    reply = request("POST", "auth/refresh", json_body={"refresh_token": forged})
    assert (reply.status, reply.json()["code"]) == (401, "invalid_token")
