"""Every API response says: store nothing, sniff nothing, render nothing; the API reference page allows only
its own stylesheet.

Every HTTP function of the app is called through the real trigger, as the Functions host would call it,
once without credentials (mostly 401 or 415, some 200) and the answers a signed-in user gets most are
called for real: the tokens of a sign-in, a page of JSON, a 204, a download, a 304 of the binder's poll.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

import azure.functions as func
import pytest

from tests.engagement_support import workspace
from tests.support import Reply, in_process_host, login, request, unique_email

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

_PARAM = re.compile(r"\{\*?(\w+)(?::(\w+))?[^}]*\}")


def _path(template: str) -> str:
    def value(match: re.Match[str]) -> str:
        return {"guid": str(uuid.uuid4()), "int": "1"}.get(match.group(2) or "", "x")

    return _PARAM.sub(value, template)


def _every_route_unauthenticated() -> list[tuple[str, Reply]]:
    host = in_process_host()
    answers = []
    for route in host.http_routes:
        path = _path(route.template.template)
        for method in sorted(route.methods):
            resolved = host.resolve("/" + path, method)
            assert isinstance(resolved, tuple), f"{method} {path} does not resolve to its own route"
            req = func.HttpRequest(
                method, f"http://localhost/api/{path}", headers={}, params={}, route_params=resolved[1], body=b""
            )
            response = route.function.invoke(req)
            reply = Reply(response.status_code, dict(response.headers), b"")
            answers.append((f"{method} /api/{path} -> {response.status_code}", reply))
    return answers


def _assert_safe(what: str, reply: Reply) -> None:
    headers = {name.lower(): value for name, value in reply.headers.items()}
    assert headers.get("x-content-type-options") == "nosniff", what
    assert "no-store" in {part.strip() for part in headers.get("cache-control", "").split(",")}, what
    policy = headers.get("content-security-policy", "")
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy, what


def test_every_function_answers_with_the_headers_even_without_credentials(database: str) -> None:
    answers = _every_route_unauthenticated()
    assert len(answers) >= 80, "every HTTP function of the app was called"
    assert {reply.status for _, reply in answers} >= {200, 401, 415}
    for what, reply in answers:
        _assert_safe(what, reply)


def test_the_tokens_of_a_sign_in_are_not_stored_nor_sniffed() -> None:
    ws = workspace()
    email = unique_email("headers")
    created = request(
        "POST",
        "users",
        token=ws.admin.token,
        json_body={"email": email, "password": "correct horse battery staple", "roles": ["staff"]},
    )
    assert created.status == 201, created.body
    reply = request("POST", "auth/login", json_body={"email": email, "password": "correct horse battery staple"})
    assert reply.status == 200 and "access_token" in reply.json()
    _assert_safe("POST /api/auth/login -> 200", reply)
    refreshed = request("POST", "auth/refresh", json_body={"refresh_token": login(email)["refresh_token"]})
    assert refreshed.status == 200, refreshed.body
    _assert_safe("POST /api/auth/refresh -> 200", refreshed)
    wrong = request("POST", "auth/login", json_body={"email": email, "password": "not the password at all"})
    assert wrong.status == 401
    _assert_safe("POST /api/auth/login -> 401", wrong)


def test_answers_a_signed_in_user_gets_carry_them() -> None:
    ws = workspace()
    listed = request("GET", "engagements", token=ws.admin.token)
    assert listed.status == 200
    _assert_safe("GET /api/engagements -> 200", listed)
    binder = ws.call("GET", "binder", ws.admin)
    assert binder.status == 200 and binder.headers.get("ETag")
    _assert_safe("GET binder -> 200", binder)
    unchanged = ws.call("GET", "binder", ws.admin, headers={"If-None-Match": binder.headers["ETag"]})
    assert unchanged.status == 304
    _assert_safe("GET binder -> 304", unchanged)
    staff = ws.person("sam", "staff", team_role="staff")
    removed = ws.call("DELETE", f"team/{staff.user_id}", ws.admin)
    assert removed.status == 204, removed.body
    _assert_safe("DELETE team member -> 204", removed)
    forbidden = ws.call("POST", "transitions", staff, json_body={"to": "planning"})
    assert forbidden.status in (403, 404)
    _assert_safe("POST transitions as staff -> 4xx", forbidden)


def test_the_api_reference_allows_only_its_own_stylesheet() -> None:
    page = request("GET", "docs")
    assert page.status == 200 and page.body.startswith(b"<!doctype html>")
    _assert_safe("GET /api/docs", page)
    policy = page.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'none'" and "script-src" not in directives
    styles = re.findall(r"<style>(.*?)</style>", page.body.decode(), re.DOTALL)
    assert len(styles) == 1 and "<script" not in page.body.decode()
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert directives["style-src"] == f"'sha256-{digest}'", "the page's stylesheet is the one the policy allows"
