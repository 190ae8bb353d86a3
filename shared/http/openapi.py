"""The OpenAPI 3.1 document, built from the registered endpoints and their pydantic models."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.http.endpoint import ENDPOINTS, EndpointSpec
from shared.http.problems import PROBLEM_CONTENT_TYPE, Problem

_CONSTRAINT = re.compile(r"\{(\w+)(?::[^}]*)?\}")
# Route parameters the host constrains to GUIDs ({name:guid}); any other (a journal id, a test code) is text.
_GUID_PARAM = re.compile(r"\{(\w+):guid\}")
_ERROR_DESCRIPTIONS = {
    400: "The request is not valid (field paths in `errors`)",
    401: "Missing, expired or invalid credentials",
    403: "The caller's role does not allow this",
    404: "Not found, or not visible to the caller",
    409: "Conflicts with the current state",
    413: "The body is too large",
    415: "Unsupported Content-Type",
    422: "The request cannot be carried out",
    429: "Too many requests (see Retry-After)",
    503: "A dependency is unavailable",
}


def _redirect() -> dict[str, Any]:
    """A redirect listed among an endpoint's other statuses: no body, the target in Location."""
    return {
        "description": "Redirect: fetch the resource from the URL in Location",
        "headers": {"Location": {"required": True, "schema": {"type": "string", "format": "uri"}}},
    }


def _error_statuses(spec: EndpointSpec) -> list[int]:
    statuses = set(spec.errors)
    if spec.body or spec.query or spec.route_params:
        statuses.add(400)
    if spec.body:
        statuses |= {413, 415}
    if spec.raw_body_types:
        statuses |= {413, 415}
    if not spec.anonymous:
        statuses.add(401)
    if spec.permission is not None:
        statuses.add(403)
    if spec.route_params:
        statuses.add(404)
    return sorted(statuses)


def _query_parameters(model: type[BaseModel], schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        field = model.model_fields.get(name)
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": (field.description if field else None) or prop.get("title", name),
                "schema": {k: v for k, v in prop.items() if k != "title"},
            }
        )
    return parameters


def build_document(*, version: str, specs: dict[str, EndpointSpec] | None = None) -> dict[str, Any]:
    specs = specs if specs is not None else ENDPOINTS
    models: list[tuple[type[BaseModel], Any]] = [(Problem, "serialization")]
    for spec in specs.values():
        if spec.body:
            models.append((spec.body, "validation"))
        if spec.response:
            models.append((spec.response, "serialization"))
    key_map, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = defs.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return key_map[(model, mode)]  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for spec in sorted(specs.values(), key=lambda s: (s.route, s.method)):
        path = _CONSTRAINT.sub(r"{\1}", "/api/" + spec.route)
        operation: dict[str, Any] = {
            "operationId": spec.name,
            "summary": spec.summary,
            "tags": list(spec.tags),
            "responses": {},
        }
        if spec.anonymous:
            operation["security"] = []
        guids = set(_GUID_PARAM.findall(spec.route))
        parameters = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
            if p in guids
            else {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in spec.route_params
        ]
        if spec.query:
            query_schema = spec.query.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(query_schema.pop("$defs", {}))
            parameters.extend(_query_parameters(spec.query, query_schema))
        if parameters:
            operation["parameters"] = parameters
        if spec.body:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(spec.body, "validation")}},
            }
        elif spec.raw_body_types:
            operation["requestBody"] = {
                "required": True,
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in spec.raw_body_types},
            }
        success: dict[str, Any] = {"description": "Success"}
        if spec.response:
            success["content"] = {spec.response_content_type: {"schema": ref(spec.response, "serialization")}}
        elif spec.response_content_type != "application/json":
            success["content"] = {spec.response_content_type: {"schema": {"type": "string"}}}
        for media_type in spec.other_content_types:
            success.setdefault("content", {})[media_type] = {"schema": {"type": "string", "format": "binary"}}
        status = (
            204
            if spec.response is None and spec.status == 200 and spec.response_content_type == "application/json"
            else spec.status
        )
        operation["responses"][str(status)] = success
        for code in _error_statuses(spec):
            operation["responses"][str(code)] = (
                _redirect()
                if 300 <= code < 400
                else {
                    "description": _ERROR_DESCRIPTIONS.get(code, "Error"),
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": ref(Problem, "serialization")}},
                }
            )
        paths.setdefault(path, {})[spec.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Aura API",
            "version": version,
            "description": "Audit platform for CPA firms. Errors are RFC 9457 problem+json with a stable `code`.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
    }


DOCS_STYLE = (
    "body{font:14px system-ui;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.m{font-weight:bold}"
)
# The page's policy: its one stylesheet (by hash), nothing else loaded, run, framed or submitted, so text
# from the document that escaped its escaping still could not act.
DOCS_POLICY = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(DOCS_STYLE.encode()).digest()).decode()}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def render_docs(document: dict[str, Any]) -> str:
    """A self-contained HTML page listing every operation (no scripts, no CDN: works offline)."""
    rows = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            statuses = ", ".join(op["responses"].keys())
            params = ", ".join(p["name"] for p in op.get("parameters", []))
            body = ""
            if "requestBody" in op:
                content = op["requestBody"]["content"]
                body = ", ".join(
                    (schema.get("$ref", "").rsplit("/", 1)[-1] or media)
                    for media, spec in content.items()
                    for schema in [spec["schema"]]
                )
            auth = "public" if op.get("security") == [] else "bearer"
            rows.append(
                "<tr>"
                f"<td class=m>{html.escape(method.upper())}</td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op['summary'])}</td><td>{html.escape(params)}</td>"
                f"<td>{html.escape(body)}</td><td>{html.escape(statuses)}</td><td>{auth}</td></tr>"
            )
    title = html.escape(document["info"]["title"])
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title}</title><style>{DOCS_STYLE}</style></head><body>"
        f"<h1>{title} {html.escape(document['info']['version'])}</h1>"
        "<p>The machine-readable document is at <a href=/api/openapi.json>/api/openapi.json</a>. "
        "Send <code>Authorization: Bearer &lt;access_token&gt;</code> from <code>POST /api/auth/login</code>.</p>"
        "<table><tr><th>Method</th><th>Path</th><th>Summary</th><th>Parameters</th><th>Body</th>"
        "<th>Responses</th><th>Auth</th></tr>" + "".join(rows) + "</table></body></html>"
    )
