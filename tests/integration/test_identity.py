"""Identity through its HTTP triggers, against the real database."""

from __future__ import annotations

import base64
import email as email_lib
import email.policy
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from sqlalchemy import func, select, update

from shared import clock
from shared.db.models import RefreshToken, User
from shared.db.uow import UnitOfWork
from tests.support import PASSWORD, add_user, create_firm, login, mailed_token, request, token_for, unique_email

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

SECRET = "test-secret-" + "x" * 40


def _refresh_rows(firm_id: uuid.UUID) -> list[RefreshToken]:
    with UnitOfWork(firm_id=firm_id) as uow:
        return list(uow.session.scalars(select(RefreshToken).order_by(RefreshToken.issued_at)))


def _user_row(firm_id: uuid.UUID, email: str) -> User:
    with UnitOfWork(firm_id=firm_id) as uow:
        user = uow.session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user


# --- sign-in and tokens ----------------------------------------------------------------------------


def test_login_returns_bearer_tokens_and_me_describes_the_user() -> None:
    admin = create_firm("Login & Co")
    tokens = login(admin.email)
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    me = request("GET", "auth/me", token=tokens["access_token"])
    assert me.status == 200
    body = me.json()
    assert body["user"]["email"] == admin.email
    assert body["firm"]["name"] == "Login & Co"
    assert body["roles"] == ["firm_admin"]
    assert "users.manage" in body["permissions"]
    assert me.headers["X-Correlation-ID"]


def test_wrong_password_and_unknown_email_answer_the_same() -> None:
    admin = create_firm()
    wrong = request("POST", "auth/login", json_body={"email": admin.email, "password": "not the password"})
    unknown = request("POST", "auth/login", json_body={"email": unique_email(), "password": "whatever-123"})
    assert wrong.status == unknown.status == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"
    assert wrong.headers["Content-Type"] == "application/problem+json"


def test_email_is_case_insensitive() -> None:
    admin = create_firm()
    assert login(admin.email.upper())["access_token"]


def test_five_failures_make_the_email_wait_without_locking_the_account() -> None:
    admin = create_firm()
    at = clock.FixedClock(datetime.now(UTC))
    with clock.use_clock(at):
        for attempt in range(5):
            reply = request("POST", "auth/login", json_body={"email": admin.email, "password": f"wrong-{attempt}"})
            assert (reply.status, reply.json()["code"]) == (401, "invalid_credentials")
        waiting = request("POST", "auth/login", json_body={"email": admin.email, "password": PASSWORD})
        assert (waiting.status, waiting.json()["code"]) == (429, "rate_limited")
        assert waiting.headers["Retry-After"] == "1"
        assert _user_row(admin.firm_id, admin.email).locked_until is None

        # Once the wait is over the right password works and the count starts over.
        at.advance(timedelta(seconds=1))
        assert login(admin.email)["access_token"]
        assert _user_row(admin.firm_id, admin.email).failed_login_count == 0
        reply = request("POST", "auth/login", json_body={"email": admin.email, "password": "wrong-again"})
        assert reply.status == 401


def test_four_failures_then_success_resets_the_counter() -> None:
    admin = create_firm()
    for _ in range(4):
        request("POST", "auth/login", json_body={"email": admin.email, "password": "wrong-password"})
    assert login(admin.email)["access_token"]
    request("POST", "auth/login", json_body={"email": admin.email, "password": "wrong-password"})
    assert login(admin.email)["access_token"]


def _forge(payload: dict, key: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=alg)


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.mark.parametrize("case", ["alg_none", "wrong_key", "expired", "tampered", "refresh_as_access", "garbage"])
def test_bad_access_tokens_are_refused(case: str) -> None:
    admin = create_firm()
    good = token_for(admin.email)
    claims = _claims(good)
    if case == "alg_none":
        header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
        token = f"{header.decode()}.{body.decode()}."
    elif case == "wrong_key":
        token = _forge(claims, key="another-secret-" + "y" * 40)
    elif case == "expired":
        token = _forge({**claims, "iat": int(time.time()) - 3600, "exp": int(time.time()) - 60})
    elif case == "tampered":
        head, _, sig = good.split(".")
        body = base64.urlsafe_b64encode(json.dumps({**claims, "roles": ["partner", "firm_admin"]}).encode())
        token = f"{head}.{body.rstrip(b'=').decode()}.{sig}"
    elif case == "refresh_as_access":
        token = login(admin.email)["refresh_token"]
    else:
        token = "not-a-jwt"
    reply = request("GET", "auth/me", token=token)
    assert reply.status == 401, case
    assert reply.json()["code"] in {"invalid_token", "token_expired"}
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_token_is_401_and_wrong_scheme_too() -> None:
    assert request("GET", "auth/me").json()["code"] == "missing_token"
    reply = request("GET", "auth/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert reply.status == 401


def test_refresh_rotates_and_a_reused_token_revokes_the_family() -> None:
    admin = create_firm()
    first = login(admin.email)
    second = request("POST", "auth/refresh", json_body={"refresh_token": first["refresh_token"]})
    assert second.status == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert request("GET", "auth/me", token=rotated["access_token"]).status == 200
    rows_before = len(_refresh_rows(admin.firm_id))

    reused = request("POST", "auth/refresh", json_body={"refresh_token": first["refresh_token"]})
    assert reused.status == 401
    assert reused.json()["code"] == "token_reused"
    # No token was issued, and the thief's copy and the rotated one are both dead now.
    assert len(_refresh_rows(admin.firm_id)) == rows_before
    after = request("POST", "auth/refresh", json_body={"refresh_token": rotated["refresh_token"]})
    assert after.status == 401
    assert after.json()["code"] == "token_revoked"


def test_logout_revokes_the_refresh_token() -> None:
    admin = create_firm()
    tokens = login(admin.email)
    assert request("POST", "auth/logout", json_body={"refresh_token": tokens["refresh_token"]}).status == 204
    reply = request("POST", "auth/refresh", json_body={"refresh_token": tokens["refresh_token"]})
    assert reply.status == 401
    assert reply.json()["code"] == "token_revoked"
    # Another session of the same user is untouched.
    other = login(admin.email)
    assert request("POST", "auth/refresh", json_body={"refresh_token": other["refresh_token"]}).status == 200


def test_expired_and_forged_refresh_tokens_are_refused_and_change_nothing() -> None:
    admin = create_firm()
    tokens = login(admin.email)
    claims = _claims(tokens["refresh_token"])
    rows_before = len(_refresh_rows(admin.firm_id))
    expired = _forge({**claims, "exp": int(time.time()) - 1})
    forged = _forge({**claims, "jti": str(uuid.uuid4())})
    wrong_key = _forge(claims, key="z" * 48)
    for token, code in ((expired, "token_expired"), (forged, "invalid_token"), (wrong_key, "invalid_token")):
        reply = request("POST", "auth/refresh", json_body={"refresh_token": token})
        assert reply.status == 401
        assert reply.json()["code"] == code
    assert len(_refresh_rows(admin.firm_id)) == rows_before
    assert request("POST", "auth/refresh", json_body={"refresh_token": tokens["refresh_token"]}).status == 200


def test_a_refresh_token_expires_eight_hours_after_sign_in_by_the_clock() -> None:
    admin = create_firm()
    signed_in = clock.FixedClock(datetime.now(UTC))
    with clock.use_clock(signed_in):
        early, late = login(admin.email), login(admin.email)
        signed_in.advance(timedelta(hours=8) - timedelta(seconds=1))
        assert request("POST", "auth/refresh", json_body={"refresh_token": early["refresh_token"]}).status == 200
        signed_in.advance(timedelta(seconds=1))
        reply = request("POST", "auth/refresh", json_body={"refresh_token": late["refresh_token"]})
    assert reply.status == 401
    assert reply.json()["code"] == "token_expired"


# --- users, roles, tenancy -------------------------------------------------------------------------


def test_admin_manages_users_and_roles() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    user_id, staff_token = add_user(token, "staff")
    listed = request("GET", "users", token=token, params={"role": "staff"})
    assert listed.status == 200
    assert [u["id"] for u in listed.json()["items"]] == [user_id]

    promoted = request("PUT", f"users/{user_id}/roles", json_body={"roles": ["senior"]}, token=token)
    assert promoted.status == 200
    assert promoted.json()["roles"] == ["senior"]
    # The promotion ended the user's sessions; another staff member may not manage users.
    _, staff_token = add_user(token, "staff")
    refused = request(
        "POST",
        "users",
        json_body={"email": unique_email(), "password": PASSWORD, "roles": ["staff"]},
        token=staff_token,
    )
    assert refused.status == 403
    assert refused.json()["code"] == "forbidden"


def test_deactivated_user_cannot_sign_in_or_refresh() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    email = unique_email("leaver")
    created = request(
        "POST", "users", json_body={"email": email, "password": PASSWORD, "roles": ["staff"]}, token=token
    )
    session = login(email)
    reply = request("POST", f"users/{created.json()['id']}/deactivate", token=token)
    assert reply.status == 200
    assert reply.json()["is_active"] is False
    assert request("POST", "auth/login", json_body={"email": email, "password": PASSWORD}).json()["code"] == (
        "account_inactive"
    )
    assert request("POST", "auth/refresh", json_body={"refresh_token": session["refresh_token"]}).status == 401


def test_the_last_admin_cannot_be_removed() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    reply = request("PUT", f"users/{admin.user_id}/roles", json_body={"roles": ["partner"]}, token=token)
    assert reply.status == 409
    assert reply.json()["code"] == "last_admin"


def test_duplicate_email_is_a_conflict_even_across_firms() -> None:
    first, second = create_firm(), create_firm()
    reply = request(
        "POST",
        "users",
        json_body={"email": first.email, "password": PASSWORD, "roles": ["staff"]},
        token=token_for(second.email),
    )
    assert reply.status == 409
    assert reply.json()["code"] == "email_taken"


def test_a_user_of_firm_b_gets_404_for_firm_a_resources() -> None:
    firm_a, firm_b = create_firm("A"), create_firm("B")
    token_a, token_b = token_for(firm_a.email), token_for(firm_b.email)
    invitation = request(
        "POST", "invitations", json_body={"email": unique_email(), "roles": ["staff"]}, token=token_a
    ).json()
    assert request("GET", f"users/{firm_a.user_id}", token=token_b).status == 404
    assert request("PUT", f"users/{firm_a.user_id}/roles", json_body={"roles": ["staff"]}, token=token_b).status == 404
    assert request("POST", f"users/{firm_a.user_id}/deactivate", token=token_b).status == 404
    assert request("DELETE", f"invitations/{invitation['id']}", token=token_b).status == 404
    listed = request("GET", "users", token=token_b).json()
    assert {u["email"] for u in listed["items"]} == {firm_b.email}
    # And firm A's admin is untouched.
    assert request("GET", f"users/{firm_a.user_id}", token=token_a).json()["roles"] == ["firm_admin"]


def test_validation_errors_name_the_field() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    reply = request(
        "POST", "users", json_body={"email": "not-an-email", "password": "short", "roles": ["wizard"]}, token=token
    )
    assert reply.status == 400
    problem = reply.json()
    assert problem["code"] == "validation_error"
    locations = {tuple(error["loc"]) for error in problem["errors"]}
    assert ("body", "email") in locations
    assert ("body", "password") in locations
    assert any(loc[:2] == ("body", "roles") for loc in locations)


def test_malformed_json_and_wrong_content_type() -> None:
    bad_json = request("POST", "auth/login", body=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status == 400
    assert bad_json.json()["code"] == "validation_error"
    wrong_type = request("POST", "auth/login", body=b"email=a", headers={"Content-Type": "text/plain"})
    assert wrong_type.status == 415


def test_page_size_is_capped_at_500() -> None:
    admin = create_firm()
    reply = request("GET", "users", token=token_for(admin.email), params={"page_size": "501"})
    assert reply.status == 400
    assert reply.json()["errors"][0]["loc"] == ["query", "page_size"]


def test_correlation_id_is_echoed() -> None:
    reply = request(
        "POST",
        "auth/login",
        json_body={"email": unique_email(), "password": "x" * 12},
        headers={"X-Correlation-ID": "abc-123"},
    )
    assert reply.headers["X-Correlation-ID"] == "abc-123"
    assert reply.json()["correlation_id"] == "abc-123"


# --- invitations and password reset ----------------------------------------------------------------


def test_invitation_flow(mail_dir: Path) -> None:
    admin = create_firm("Invite LLP")
    token = token_for(admin.email)
    email = unique_email("invitee")
    created = request("POST", "invitations", json_body={"email": email, "roles": ["senior"]}, token=token)
    assert created.status == 201
    invitation = created.json()
    expires = datetime.fromisoformat(invitation["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    assert "token" not in invitation

    secret_token = mailed_token(mail_dir, email)
    mails = [email_lib.message_from_bytes(p.read_bytes(), policy=email_lib.policy.default) for p in mail_dir.glob("*")]
    text = next(m.get_content() for m in mails if m["To"] == email)
    assert f"/accept-invitation?token={secret_token}" in text
    assert "/api/" not in text and "POST" not in text, "a client is sent to the portal's page, not to the API"
    accepted = request(
        "POST",
        "invitations/accept",
        json_body={"token": secret_token, "password": "a-brand-new-password", "display_name": "Ada"},
    )
    assert accepted.status == 201
    assert accepted.json()["roles"] == ["senior"]
    assert login(email, "a-brand-new-password")["access_token"]
    again = request("POST", "invitations/accept", json_body={"token": secret_token, "password": "another-password-1"})
    assert again.status == 404
    assert again.json()["code"] == "invalid_invitation"


def test_revoked_invitation_cannot_be_accepted(mail_dir: Path) -> None:
    admin = create_firm()
    token = token_for(admin.email)
    email = unique_email("revoked")
    invitation = request("POST", "invitations", json_body={"email": email, "roles": ["staff"]}, token=token).json()
    assert request("DELETE", f"invitations/{invitation['id']}", token=token).status == 204
    reply = request(
        "POST",
        "invitations/accept",
        json_body={"token": mailed_token(mail_dir, email), "password": "a-brand-new-password"},
    )
    assert reply.status == 404


def test_client_invitation_needs_a_client() -> None:
    admin = create_firm()
    reply = request(
        "POST",
        "invitations",
        json_body={"email": unique_email(), "roles": ["client_user"]},
        token=token_for(admin.email),
    )
    assert reply.status == 400
    assert reply.json()["errors"][0]["loc"] == ["body", "client_id"]


def test_password_reset_is_single_use_and_unlocks(mail_dir: Path) -> None:
    admin = create_firm()
    old_session = login(admin.email)
    for _ in range(5):
        request("POST", "auth/login", json_body={"email": admin.email, "password": "wrong-password"})
    asked = request("POST", "auth/password-reset", json_body={"email": admin.email})
    assert asked.status == 202
    reset_token = mailed_token(mail_dir, admin.email)
    done = request(
        "POST", "auth/password-reset/confirm", json_body={"token": reset_token, "new_password": "my-new-password-2026"}
    )
    assert done.status == 204
    assert login(admin.email, "my-new-password-2026")["access_token"]
    assert request("POST", "auth/refresh", json_body={"refresh_token": old_session["refresh_token"]}).status == 401
    reused = request(
        "POST", "auth/password-reset/confirm", json_body={"token": reset_token, "new_password": "yet-another-password"}
    )
    assert reused.status == 404


def test_password_reset_for_unknown_email_looks_the_same() -> None:
    reply = request("POST", "auth/password-reset", json_body={"email": unique_email("nobody")})
    assert reply.status == 202


def test_password_reset_requests_are_rate_limited() -> None:
    email = unique_email("spam")
    statuses = [request("POST", "auth/password-reset", json_body={"email": email}).status for _ in range(6)]
    assert statuses[:5] == [202] * 5
    assert statuses[5] == 429


def test_expired_reset_token_is_refused(mail_dir: Path) -> None:
    from shared.db.models import PasswordReset

    admin = create_firm()
    request("POST", "auth/password-reset", json_body={"email": admin.email})
    reset_token = mailed_token(mail_dir, admin.email)
    with UnitOfWork(firm_id=admin.firm_id) as uow:
        uow.session.execute(update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        uow.commit()
    reply = request(
        "POST", "auth/password-reset/confirm", json_body={"token": reset_token, "new_password": "my-new-password-2026"}
    )
    assert reply.status == 404
    with UnitOfWork(firm_id=admin.firm_id) as uow:
        assert (
            uow.session.scalar(
                select(func.count()).select_from(PasswordReset).where(PasswordReset.used_at.is_not(None))
            )
            == 0
        )


@pytest.mark.parametrize("bad", ["nul\u0000inside", "lone \ud985 surrogate"])
def test_text_postgresql_cannot_store_is_a_400_naming_the_field(bad: str) -> None:
    admin = create_firm()
    raw = json.dumps({"email": unique_email(), "password": PASSWORD, "roles": ["staff"], "display_name": bad})
    reply = request(
        "POST", "users", body=raw.encode(), headers={"Content-Type": "application/json"}, token=token_for(admin.email)
    )
    assert reply.status == 400
    assert reply.json()["errors"][0]["loc"] == ["body", "display_name"]


def test_a_body_over_one_mebibyte_is_413() -> None:
    big = json.dumps({"email": unique_email(), "password": "x" * (2 * 1024 * 1024)}).encode()
    reply = request("POST", "auth/login", body=big, headers={"Content-Type": "application/json"})
    assert reply.status == 413
    assert reply.json()["code"] == "payload_too_large"


def test_an_access_token_stops_working_the_moment_its_user_is_deactivated() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    user_id, staff_token = add_user(token, "staff")
    assert request("GET", "auth/me", token=staff_token).status == 200
    assert request("POST", f"users/{user_id}/deactivate", token=token).status == 200
    refused = request("GET", "auth/me", token=staff_token)
    assert (refused.status, refused.json()["code"]) == (401, "session_ended")
    # Reactivation lets the user sign in again; the sessions the deactivation ended stay ended.
    assert request("POST", f"users/{user_id}/reactivate", token=token).status == 200
    assert request("GET", "auth/me", token=staff_token).status == 401


def test_an_access_token_issued_before_a_role_change_is_refused_at_once() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    email = unique_email("promoted")
    created = request(
        "POST", "users", json_body={"email": email, "password": PASSWORD, "roles": ["staff"]}, token=token
    )
    session = login(email)
    changed = request("PUT", f"users/{created.json()['id']}/roles", json_body={"roles": ["senior"]}, token=token)
    assert changed.status == 200
    stale = request("GET", "auth/me", token=session["access_token"])
    assert (stale.status, stale.json()["code"]) == (401, "session_ended")
    # The role change ended the user's sessions; signing in again gives a token with the new roles.
    assert request("POST", "auth/refresh", json_body={"refresh_token": session["refresh_token"]}).status == 401
    me = request("GET", "auth/me", token=token_for(email)).json()
    assert me["roles"] == ["senior"]
