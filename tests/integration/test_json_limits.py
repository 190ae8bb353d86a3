"""Nesting and size limits on JSON, checked before parsing, through the real triggers.

Found by an attack on the served API: JSON nested 989 levels or more was a 500 on every JSON endpoint,
the unauthenticated login included (RecursionError in json.loads), and a workpaper nested 256 levels
deep was saved but every read of it was a 500 (too deep to serialize). Now a body nested deeper than 64
levels is a 400 naming the limit on every endpoint, and a workpaper's content has its own limits
(AURA_WORKPAPER_MAX_DEPTH, AURA_WORKPAPER_MAX_KB) below what the API can send back.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from shared.auth.permissions import ROLE_PERMISSIONS
from shared.http.endpoint import ENDPOINTS
from shared.settings import get_settings
from tests.engagement_support import Workspace, workspace
from tests.support import create_firm, in_process_host, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TOO_DEEP = "JSON nested deeper than 64 levels"
JSON_HEADERS = {"Content-Type": "application/json"}


def nested(depth: int, leaf: Any = "bottom") -> dict[str, Any]:
    """An object `depth` levels deep: {"level": {"level": ... {"leaf": leaf}}}."""
    value: dict[str, Any] = {"leaf": leaf}
    for _ in range(depth - 1):
        value = {"level": value}
    return value


def deep_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# --- every JSON body --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 989, 100_000])
def test_deep_json_on_the_login_is_a_400_naming_the_limit(depth: int) -> None:
    reply = request("POST", "auth/login", body=deep_array(depth), headers=JSON_HEADERS)
    assert reply.status == 400, reply.body
    problem = reply.json()
    assert problem["detail"] == TOO_DEEP
    assert problem["errors"] == [{"loc": ["body"], "msg": TOO_DEEP, "type": "json_too_deep"}]
    assert reply.headers["Content-Type"] == "application/problem+json"


def test_brackets_inside_strings_do_not_count_and_64_levels_still_parse() -> None:
    """The scan skips string contents (escaped quotes included), so only real nesting is refused."""
    tricky = '{"email": "nobody@example.com", "password": "a\\"[[' + "[" * 100 + "{" * 100 + '"}'
    reply = request("POST", "auth/login", body=tricky.encode(), headers=JSON_HEADERS)
    assert reply.status == 401, reply.body  # parsed, and refused as wrong credentials
    at_the_limit = request("POST", "auth/login", body=deep_array(64), headers=JSON_HEADERS)
    assert at_the_limit.status == 400 and at_the_limit.json()["detail"] != TOO_DEEP, at_the_limit.body


def _path(route: str) -> str:
    def value(match: re.Match[str]) -> str:
        constraint = match.group(2) or ""
        return str(uuid.uuid4()) if constraint == "guid" else "1" if constraint == "int" else "x"

    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, route)


def test_every_endpoint_with_a_json_body_refuses_deep_json_with_a_400() -> None:
    in_process_host()  # imports function_app, which registers every endpoint
    admin = create_firm("Deep CPA")
    token = token_for(admin.email)
    held = ROLE_PERMISSIONS["firm_admin"]
    answers: dict[str, int] = {}
    for name, spec in sorted(ENDPOINTS.items()):
        if spec.body is None:
            continue
        reply = request(spec.method, _path(spec.route), body=deep_array(989), headers=JSON_HEADERS, token=token)
        answers[name] = reply.status
        if spec.permission is not None and spec.permission not in held:
            assert reply.status == 403, (name, reply.body)  # refused before the body is read
        else:
            assert (reply.status, reply.json()["detail"]) == (400, TOO_DEEP), (name, reply.body)
    assert answers.get("login") == 400 and len(answers) > 30, answers


# --- workpapers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return workspace()


def _cash_folder(ws: Workspace) -> str:
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    return str(next(node["id"] for node in nodes if node["kind"] == "folder"))


def _new_workpaper(ws: Workspace, content: dict[str, Any] | None = None) -> Any:
    body = {"parent_id": _cash_folder(ws), "kind": "workpaper", "title": "Deep", "content": content or {}}
    return ws.call("POST", "binder/nodes", ws.person("sam", "staff", team_role="staff"), json_body=body)


def test_a_workpaper_nested_256_levels_is_refused_with_a_400(ws: Workspace) -> None:
    staff = ws.person("sam", "staff", team_role="staff")
    created = _new_workpaper(ws, nested(256))
    assert created.status == 400, created.body
    assert created.json()["detail"] == TOO_DEEP

    node = _new_workpaper(ws).json()["id"]
    saved = ws.call("PUT", f"binder/nodes/{node}/content", staff, json_body={"content": nested(256), "version": 1})
    assert saved.status == 400, saved.body
    assert saved.json()["detail"] == TOO_DEEP
    assert ws.call("GET", f"binder/nodes/{node}", staff).json()["version"] == 1, "nothing was saved"


def test_a_workpaper_one_level_past_its_limit_is_refused_naming_the_limit(ws: Workspace) -> None:
    limit = get_settings().workpaper_max_depth
    staff = ws.person("sam", "staff", team_role="staff")
    node = _new_workpaper(ws).json()["id"]
    saved = ws.call(
        "PUT", f"binder/nodes/{node}/content", staff, json_body={"content": nested(limit + 1), "version": 1}
    )
    assert saved.status == 400, saved.body
    assert saved.json()["errors"] == [
        {"loc": ["body", "content"], "msg": f"Content nested deeper than {limit} levels", "type": "content_too_deep"}
    ]
    created = _new_workpaper(ws, nested(limit + 1))
    assert created.status == 400, created.body
    assert created.json()["errors"][0]["type"] == "content_too_deep"


def test_a_workpaper_at_its_depth_limit_is_saved_and_read_back(ws: Workspace) -> None:
    limit = get_settings().workpaper_max_depth
    staff = ws.person("sam", "staff", team_role="staff")
    created = _new_workpaper(ws, nested(limit, leaf="created"))
    assert created.status == 201, created.body
    node = created.json()["id"]
    saved = ws.call(
        "PUT", f"binder/nodes/{node}/content", staff, json_body={"content": nested(limit, leaf="saved"), "version": 1}
    )
    assert saved.status == 200, saved.body

    read = ws.call("GET", f"binder/nodes/{node}", staff)
    assert read.status == 200, read.body
    assert read.json()["content"] == nested(limit, leaf="saved")
    for version, leaf in ((1, "created"), (2, "saved")):
        old = ws.call("GET", f"binder/nodes/{node}/versions/{version}", staff)
        assert old.status == 200, old.body
        assert old.json()["content"] == nested(limit, leaf=leaf)


def test_a_workpaper_over_its_size_limit_is_refused_naming_the_limit(ws: Workspace) -> None:
    limit_kb = get_settings().workpaper_max_kb
    staff = ws.person("sam", "staff", team_role="staff")
    node = _new_workpaper(ws).json()["id"]
    at_limit = {"text": "x" * (limit_kb * 1024 - len('{"text":""}'))}
    saved = ws.call("PUT", f"binder/nodes/{node}/content", staff, json_body={"content": at_limit, "version": 1})
    assert saved.status == 200, saved.body
    assert ws.call("GET", f"binder/nodes/{node}", staff).json()["content"] == at_limit

    over = {"text": at_limit["text"] + "y"}
    refused = ws.call("PUT", f"binder/nodes/{node}/content", staff, json_body={"content": over, "version": 2})
    assert refused.status == 400, refused.body
    size = limit_kb * 1024 + 1
    assert refused.json()["errors"] == [
        {
            "loc": ["body", "content"],
            "msg": f"Content is {size} bytes as JSON; the limit is {limit_kb} KiB",
            "type": "content_too_large",
        }
    ]


def test_deep_json_in_a_column_map_query_parameter_is_a_400(ws: Workspace) -> None:
    """JSON travels in a query string too: the column map of an upload and of its preview."""
    column_map = "[" * 989 + "]" * 989
    for sub_path in ("datasets", "datasets/preview"):
        reply = ws.call(
            "POST",
            sub_path,
            ws.admin,
            body=b"journal_id,amount\nJ1,1.00\n",
            headers={"Content-Type": "text/csv"},
            params={"kind": "general_ledger", "column_map": column_map},
        )
        assert reply.status == 400, (sub_path, reply.body)
        assert reply.json()["errors"][0]["loc"] == ["query", "column_map"], reply.body
        assert TOO_DEEP in reply.json()["errors"][0]["msg"], reply.body
