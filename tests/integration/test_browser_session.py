"""The portal's session: access token in the body, refresh token only in an httpOnly cookie."""

from __future__ import annotations

from http.cookies import SimpleCookie

import azure.functions as func
import pytest

from functions.identity import browser_session
from tests.support import PASSWORD, create_firm, request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

CSRF = {"X-Requested-With": "aura-portal"}


def _cookie(reply_headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    raw = reply_headers["Set-Cookie"]
    jar: SimpleCookie = SimpleCookie()
    jar.load(raw)
    morsel = jar[browser_session.COOKIE]
    flags = {part.strip().split("=")[0].lower(): part for part in raw.split(";")[1:]}
    return morsel.value, {"raw": raw, **flags}


def _start() -> tuple[str, str]:
    admin = create_firm("Cookie CPA")
    reply = request("POST", "auth/session", json_body={"email": admin.email, "password": PASSWORD})
    assert reply.status == 200, reply.body
    body = reply.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}, "the refresh token must not be in the body"
    value, flags = _cookie(reply.headers)
    assert value and value not in reply.body.decode()
    assert "httponly" in flags and "path" in flags and "samesite" in flags
    assert "Path=/api/auth/session" in flags["raw"] and "SameSite=Strict" in flags["raw"]
    assert reply.headers["Cache-Control"] == "no-store"
    return str(body["access_token"]), value


def test_sign_in_gives_an_access_token_that_works_and_a_cookie_script_cannot_read() -> None:
    access, _ = _start()
    me = request("GET", "auth/me", token=access)
    assert me.status == 200
    assert me.json()["firm"]["name"] == "Cookie CPA"


def test_a_wrong_password_sets_no_cookie() -> None:
    admin = create_firm()
    reply = request("POST", "auth/session", json_body={"email": admin.email, "password": "not-the-password"})
    assert reply.status == 401
    assert "Set-Cookie" not in reply.headers


def test_refresh_rotates_the_cookie_and_a_replayed_cookie_ends_the_session() -> None:
    _, first = _start()
    renewed = request("POST", "auth/session/refresh", headers={**CSRF, "Cookie": f"aura_refresh={first}"})
    assert renewed.status == 200, renewed.body
    second, _ = _cookie(renewed.headers)
    assert second != first
    assert request("GET", "auth/me", token=renewed.json()["access_token"]).status == 200

    replayed = request("POST", "auth/session/refresh", headers={**CSRF, "Cookie": f"aura_refresh={first}"})
    assert replayed.status == 401
    assert replayed.json()["code"] == "token_reused"
    # the whole family is revoked: the newer cookie no longer works either
    after = request("POST", "auth/session/refresh", headers={**CSRF, "Cookie": f"aura_refresh={second}"})
    assert after.status == 401


def test_refresh_needs_the_same_origin_header_and_a_cookie() -> None:
    _, cookie = _start()
    no_header = request("POST", "auth/session/refresh", headers={"Cookie": f"aura_refresh={cookie}"})
    assert no_header.status == 403
    assert no_header.json()["code"] == "csrf_header_missing"
    no_cookie = request("POST", "auth/session/refresh", headers=CSRF)
    assert no_cookie.status == 401
    assert no_cookie.json()["code"] == "no_session"
    garbage = request("POST", "auth/session/refresh", headers={**CSRF, "Cookie": "aura_refresh=not-a-token"})
    assert garbage.status == 401


def test_sign_out_revokes_the_session_and_clears_the_cookie() -> None:
    _, cookie = _start()
    ended = request("DELETE", "auth/session", headers={**CSRF, "Cookie": f"aura_refresh={cookie}"})
    assert ended.status == 204
    value, flags = _cookie(ended.headers)
    assert value == "" and "Max-Age=0" in flags["raw"]
    again = request("POST", "auth/session/refresh", headers={**CSRF, "Cookie": f"aura_refresh={cookie}"})
    assert again.status == 401
    # signing out without a session (or twice) is harmless
    assert request("DELETE", "auth/session", headers=CSRF).status == 204
    assert request("DELETE", "auth/session", headers={**CSRF, "Cookie": f"aura_refresh={cookie}"}).status == 204
    assert request("DELETE", "auth/session", headers={"Cookie": f"aura_refresh={cookie}"}).status == 403


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("https://aura.example.com/api/auth/session", True),
        ("http://aura.example.com/api/auth/session", True),
        ("http://127.0.0.1:7071/api/auth/session", False),
        ("http://localhost:7071/api/auth/session", False),
        ("http://[::1]:7071/api/auth/session", False),
    ],
)
def test_the_cookie_is_secure_except_on_plain_http_to_this_machine(url: str, secure: bool) -> None:
    req = func.HttpRequest("POST", url, headers={}, body=b"")
    response = browser_session.started(req, access_token="a", refresh="r", expires_in=900)
    assert ("; Secure" in response.headers["Set-Cookie"]) is secure
