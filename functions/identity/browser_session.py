"""The browser's session: the refresh token lives in an httpOnly cookie the portal's script never sees.

The portal keeps only the short-lived access token, in memory. The cookie is `HttpOnly`,
`SameSite=Strict` and scoped to the session routes, so no other request carries it and no other
site's page can send it; refreshing and signing out also need the `X-Requested-With` header, which
a cross-origin page cannot add without a CORS preflight that the API does not grant. `Secure` is
left off only for plain HTTP to a loopback address (the local host), where browsers would drop it.

A successful sign-in (here or at /auth/login) also sets the known-device cookie, scoped to the
sign-in routes, which lets this client through the delay that other people's failed attempts put on
the account (functions/identity/login_throttle.py).
"""

from __future__ import annotations

import contextlib
import json
from http.cookies import CookieError, SimpleCookie
from ipaddress import ip_address
from urllib.parse import urlsplit

import azure.functions as func

from functions.identity.schemas import SessionResponse
from shared.auth.tokens import DEVICE_TOKEN_DAYS
from shared.errors import Forbidden, Unauthorized
from shared.settings import get_settings

COOKIE = "aura_refresh"
PATH = "/api/auth/session"
CSRF_HEADER = "X-Requested-With"
DEVICE_COOKIE = "aura_device"
DEVICE_PATH = "/api/auth"


def _secure(request: func.HttpRequest) -> bool:
    parts = urlsplit(request.url)
    if parts.scheme == "https":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return True


def _cookie(request: func.HttpRequest, value: str, max_age: int, *, name: str = COOKIE, path: str = PATH) -> str:
    jar: SimpleCookie = SimpleCookie()
    jar[name] = value
    morsel = jar[name]
    morsel["path"] = path
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    morsel["max-age"] = max_age
    if _secure(request):
        morsel["secure"] = True
    return morsel.OutputString()


def _cookie_value(request: func.HttpRequest, name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    with contextlib.suppress(CookieError):
        jar.load(request.headers.get("Cookie") or "")
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def presented_token(request: func.HttpRequest) -> str | None:
    """The refresh token in the session cookie (None without one), after the same-origin header check."""
    if not request.headers.get(CSRF_HEADER):
        raise Forbidden(f"The {CSRF_HEADER} header is required on session requests", code="csrf_header_missing")
    return _cookie_value(request, COOKIE)


def device_token(request: func.HttpRequest) -> str | None:
    """The known-device cookie, if the client sent one; login_throttle checks its signature and user."""
    return _cookie_value(request, DEVICE_COOKIE)


def with_device_cookie(request: func.HttpRequest, response: func.HttpResponse, token: str) -> func.HttpResponse:
    """Add the known-device cookie to a successful sign-in's response."""
    cookie = _cookie(request, token, DEVICE_TOKEN_DAYS * 86400, name=DEVICE_COOKIE, path=DEVICE_PATH)
    response.headers.add("Set-Cookie", cookie)
    return response


def refresh_token(request: func.HttpRequest) -> str:
    """The refresh token from the session cookie; 401 without one."""
    token = presented_token(request)
    if token is None:
        raise Unauthorized("There is no session; sign in", code="no_session")
    return token


def started(request: func.HttpRequest, *, access_token: str, refresh: str, expires_in: int) -> func.HttpResponse:
    """200 with the access token in the body and the refresh token in the cookie."""
    body = SessionResponse(access_token=access_token, expires_in=expires_in).model_dump()
    max_age = get_settings().refresh_token_hours * 3600
    return func.HttpResponse(
        json.dumps(body),
        status_code=200,
        headers={
            "Content-Type": "application/json",
            "Set-Cookie": _cookie(request, refresh, max_age),
            "Cache-Control": "no-store",
        },
    )


def ended(request: func.HttpRequest) -> func.HttpResponse:
    """204 that clears the cookie."""
    return func.HttpResponse(status_code=204, headers={"Set-Cookie": _cookie(request, "", 0)})
