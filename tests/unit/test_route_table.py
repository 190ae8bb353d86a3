"""The local host's route table answers every path as trying each route's expression in precedence order
would: the same route and parameters, the same 405 methods, the same 404."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest

from aura_local.delivery import BoundFunction
from aura_local.host import HttpRoute, RouteTable, RouteTemplate

pytestmark = pytest.mark.unit

E = "6f1c9a52-3f0e-4c8e-9a57-0c2b2f1d9e10"
SAMPLES = {"int": "7", "long": "7", "bool": "true", "guid": E, "alpha": "abc", "decimal": "1.5", "double": "1e3"}


def _route(template: str, *methods: str) -> HttpRoute:
    function = cast(BoundFunction, object())
    return HttpRoute(function, RouteTemplate.compile(template), frozenset(methods or ("GET",)))


def _every_route(table: RouteTable, path: str, method: str) -> Any:
    """Resolution as it was: every route's expression in precedence order."""
    allowed: set[str] = set()
    for route in table.routes:
        params = route.template.match(path)
        if params is None:
            continue
        if method in route.methods:
            return route.template.template, params
        allowed.update(route.methods)
    return frozenset(allowed) if allowed else None


def _through_table(table: RouteTable, path: str, method: str) -> Any:
    allowed: set[str] = set()
    for route in table.candidates(path):
        params = route.template.match(path)
        if params is None:
            continue
        if method in route.methods:
            return route.template.template, params
        allowed.update(route.methods)
    return frozenset(allowed) if allowed else None


def _filled(template: str) -> str:
    """A path the template matches: each parameter replaced by a value its constraint accepts."""

    def value(match: re.Match[str]) -> str:
        spec = match.group(1).lstrip("*").rstrip("?").partition("=")[0]
        _, *constraints = spec.split(":")
        return SAMPLES.get(constraints[0].lower(), "x1") if constraints else "x1"

    return "/" + re.sub(r"\{([^{}]+)\}", value, template.strip("/"))


def _variants(path: str) -> list[str]:
    return [
        path,
        path + "/",
        path + "//",
        path.upper(),
        path + "/extra",
        path.rsplit("/", 1)[0],
        "/" + path,
        path.replace("/", "//", 1),
        path + "/\u212a",  # KELVIN SIGN, which a case-insensitive expression matches as k
        "/unknown" + path,
    ]


SYNTHETIC = [
    _route("engagements"),
    _route("engagements/{engagement_id:guid}", "GET", "DELETE"),
    _route("engagements/{engagement_id:guid}/binder"),
    _route("engagements/{engagement_id:guid}/binder", "POST"),
    _route("engagements/{engagement_id}/notes/{note_id:guid}"),
    _route("engagements/{engagement_id:guid}/files/{*path}"),
    _route("items/{page:int?}"),
    _route("{tenant}/settings"),
    _route("health"),
    _route("Mixed/Case/K"),
    _route("reports/{name}.{ext}"),
    _route(""),
]


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_synthetic_routes_resolve_as_a_full_scan_does(method: str) -> None:
    table = RouteTable(SYNTHETIC)
    paths = [variant for route in SYNTHETIC for variant in _variants(_filled(route.template.template))]
    paths += ["/", "", "/mixed/case/\u212a", "/items", "/items/3/4", f"/engagements/{E}/files/a/b/c"]
    for path in paths:
        assert _through_table(table, path, method) == _every_route(table, path, method), path


def test_the_apps_routes_resolve_as_a_full_scan_does() -> None:
    from tests.support import in_process_host

    table = in_process_host().route_table
    assert len(table.routes) > 100
    for route in table.routes:
        for path in _variants(_filled(route.template.template)):
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                assert _through_table(table, path, method) == _every_route(table, path, method), (path, method)


def test_a_route_is_found_without_trying_the_others() -> None:
    from tests.support import in_process_host

    table = in_process_host().route_table
    tried = list(table.candidates(f"/engagements/{E}/review-notes/{E}"))
    assert 0 < len(tried) < 10
