"""The OpenAPI document and the HTML reference, built in-process from the registered endpoints."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

import functions.identity  # noqa: F401  (importing registers the endpoints)
import functions.platform  # noqa: F401
from shared.http.endpoint import ENDPOINTS, EndpointSpec
from shared.http.openapi import build_document, render_docs
from shared.http.problems import PROBLEM_CONTENT_TYPE

pytestmark = pytest.mark.unit

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document(version="t")


def _path(spec: EndpointSpec) -> str:
    return "/api/" + re.sub(r"\{(\w+):[^}]*\}", r"{\1}", spec.route)


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert method in HTTP_METHODS, f"{path} has a non-method key {method}"
            yield path, method, operation


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/components/schemas/"), ref
    name = ref.removeprefix("#/components/schemas/")
    assert name in document["components"]["schemas"], f"{ref} does not resolve"
    return document["components"]["schemas"][name]


def test_the_document_is_openapi_3_1_and_json(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == "t"
    assert document["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert json.loads(json.dumps(document)) == document


def test_the_known_endpoints_are_registered() -> None:
    expected = {"health", "openapi_document", "api_docs", "login", "me", "list_users", "get_user", "create_user"}
    assert expected <= set(ENDPOINTS)


def test_every_endpoint_has_exactly_one_operation(document: dict[str, Any]) -> None:
    operations = list(_operations(document))
    assert len(operations) == len(ENDPOINTS)
    ids = [op["operationId"] for _, _, op in operations]
    assert sorted(ids) == sorted(ENDPOINTS)
    for name, spec in ENDPOINTS.items():
        operation = document["paths"][_path(spec)][spec.method.lower()]
        assert operation["operationId"] == name
        assert operation["summary"] == spec.summary


def test_route_constraints_are_dropped_from_paths(document: dict[str, Any]) -> None:
    assert "/api/users/{user_id}" in document["paths"]
    assert set(document["paths"]["/api/users/{user_id}"]) == {"get"}
    assert "/api/users/{user_id}/roles" in document["paths"]
    assert not any(":" in path for path in document["paths"])
    get_user = document["paths"]["/api/users/{user_id}"]["get"]
    assert get_user["parameters"] == [
        {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    ]


def test_path_parameters_match_the_path_template(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        in_path = set(re.findall(r"\{(\w+)\}", path))
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == in_path, f"{method.upper()} {path}"


def test_anonymous_endpoints_need_no_credentials(document: dict[str, Any]) -> None:
    anonymous = {name for name, spec in ENDPOINTS.items() if spec.anonymous}
    assert {"login", "health", "openapi_document"} <= anonymous
    for _, _, operation in _operations(document):
        spec = ENDPOINTS[operation["operationId"]]
        if spec.anonymous:
            assert operation["security"] == []
            # 401 only where the endpoint itself refuses credentials (a wrong password, a used token)
            assert ("401" in operation["responses"]) == (401 in spec.errors), spec.name
        else:
            assert "security" not in operation  # inherits the document's bearer requirement
    assert "401" not in document["paths"]["/api/health"]["get"]["responses"]


def test_protected_endpoints_list_401_and_403_when_a_permission_is_needed(document: dict[str, Any]) -> None:
    for name, spec in ENDPOINTS.items():
        if spec.anonymous:
            continue
        responses = document["paths"][_path(spec)][spec.method.lower()]["responses"]
        assert "401" in responses, name
        # A permission checked at the HTTP layer, or a role refusal the service makes and the endpoint declares
        # (QC's run and waivers: client users get 404 there, so no firm permission can sit in front).
        assert ("403" in responses) == (spec.permission is not None or 403 in spec.errors), name
    assert "403" in document["paths"]["/api/users"]["post"]["responses"]
    assert "403" not in document["paths"]["/api/auth/me"]["get"]["responses"]


def test_json_bodies_list_400_413_415_and_a_resolvable_schema(document: dict[str, Any]) -> None:
    with_body = [spec for spec in ENDPOINTS.values() if spec.body is not None]
    assert {"login", "create_user"} <= {spec.name for spec in with_body}
    for spec in with_body:
        operation = document["paths"][_path(spec)][spec.method.lower()]
        assert {"400", "413", "415"} <= set(operation["responses"]), spec.name
        body = operation["requestBody"]
        assert body["required"] is True
        assert list(body["content"]) == ["application/json"]
        schema = _resolve(document, body["content"]["application/json"]["schema"]["$ref"])
        assert schema["type"] == "object"
        assert set(spec.body.model_fields) <= set(schema["properties"]), spec.name
    login = document["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"email", "password"} <= set(_resolve(document, login["$ref"])["required"])


def test_endpoints_without_a_body_have_no_request_body(document: dict[str, Any]) -> None:
    for spec in ENDPOINTS.values():
        if spec.body is None and not spec.raw_body_types:
            assert "requestBody" not in document["paths"][_path(spec)][spec.method.lower()], spec.name


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    refs = set(_refs(document))
    assert refs, "the document has no $ref at all"
    for ref in refs:
        _resolve(document, ref)


def test_errors_are_problem_json(document: dict[str, Any]) -> None:
    seen = 0
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                seen += 1
                assert list(response["content"]) == [PROBLEM_CONTENT_TYPE], f"{method} {path} {status}"
                problem = _resolve(document, response["content"][PROBLEM_CONTENT_TYPE]["schema"]["$ref"])
                assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
                assert response["description"]
    assert seen


def test_success_responses_describe_what_is_returned(document: dict[str, Any]) -> None:
    me = document["paths"]["/api/auth/me"]["get"]["responses"]["200"]
    assert set(_resolve(document, me["content"]["application/json"]["schema"]["$ref"])["properties"]) >= {
        "user",
        "firm",
        "roles",
        "permissions",
    }
    assert "201" in document["paths"]["/api/users"]["post"]["responses"]
    assert "204" in document["paths"]["/api/auth/logout"]["post"]["responses"]
    docs = document["paths"]["/api/docs"]["get"]["responses"]
    assert list(docs["200"]["content"]) == ["text/html"]


def test_the_openapi_document_endpoint_is_documented_as_it_answers(document: dict[str, Any]) -> None:
    """GET /api/openapi.json answers 200 with JSON; the document must not say 204 No Content.

    A generated client would otherwise discard the body of the one endpoint that describes the API.
    """
    from functions.platform.api import openapi_document

    actual = openapi_document(None)  # type: ignore[arg-type]  # the handler does not read the call
    assert actual.status_code == 200
    assert actual.mimetype == "application/json"

    responses = document["paths"]["/api/openapi.json"]["get"]["responses"]
    assert "204" not in responses
    assert "application/json" in responses["200"]["content"]


def test_render_docs_lists_every_path_without_scripts(document: dict[str, Any]) -> None:
    page = render_docs(document)
    assert page.startswith("<!doctype html>")
    assert "<script" not in page.lower()
    assert "Aura API t" in page
    for path, method, operation in _operations(document):
        assert f"<td class=m>{method.upper()}</td><td><code>{html.escape(path)}</code></td>" in page
        assert html.escape(operation["summary"]) in page
    rows = page.count("<tr>") - 1  # the header row
    assert rows == len(ENDPOINTS)


def test_render_docs_escapes_what_it_shows() -> None:
    document = build_document(version="<b>1</b>")
    document["paths"]["/api/x"] = {
        "get": {"summary": "<img src=x onerror=alert(1)>", "responses": {"200": {"description": "ok"}}}
    }
    page = render_docs(document)
    assert "<img" not in page
    assert "<b>1</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_redirect_among_the_statuses_is_documented_with_location_and_no_problem_body() -> None:
    spec = EndpointSpec(
        name="fetch_thing",
        method="GET",
        route="things/{thing_id:guid}/content",
        summary="A thing's bytes, or a redirect to them",
        tags=(),
        permission=None,
        anonymous=False,
        body=None,
        query=None,
        response=None,
        status=200,
        errors=(307, 404),
        response_content_type="*/*",
        route_params=("thing_id",),
    )
    path = build_document(version="t", specs={spec.name: spec})["paths"]["/api/things/{thing_id}/content"]
    responses = path["get"]["responses"]
    assert set(responses) == {"200", "307", "400", "401", "404"}
    assert "content" not in responses["307"]
    assert responses["307"]["headers"]["Location"]["schema"] == {"type": "string", "format": "uri"}
    assert list(responses["404"]["content"]) == [PROBLEM_CONTENT_TYPE]


def test_the_evidence_download_documents_its_redirect_and_query() -> None:
    import functions.engagement  # noqa: F401  (registers the engagement endpoints)

    path = "/api/engagements/{engagement_id}/evidence/{evidence_id}/content"
    operation = build_document(version="t")["paths"][path]["get"]
    assert "Location" in operation["responses"]["307"]["headers"]
    redirect = next(p for p in operation["parameters"] if p["name"] == "redirect")
    assert redirect["in"] == "query" and not redirect["required"]
    assert (redirect["schema"]["type"], redirect["schema"]["default"]) == ("boolean", False)
    assert "307" in redirect["description"]
