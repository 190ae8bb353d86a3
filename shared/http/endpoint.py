"""The HTTP endpoint decorator: one place that parses, authenticates, authorizes and answers errors.

A capability's trigger declares its route, permission and models; the handler it wraps receives a
`Call` with the principal and the validated body and query, and returns a pydantic model (or None).
Every endpoint is also recorded for the OpenAPI document.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError

from shared import context
from shared.auth.authenticate import authenticate
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.uow import UnitOfWork, unit_of_work
from shared.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from shared.http.headers import secured
from shared.http.json_input import parse_json
from shared.http.problems import problem_response, validation_failed

log = logging.getLogger("aura.http")

JSON = "application/json"
# Raised by the lock triggers of migration 0003 on any write under a finalized engagement.
LOCKED_SQLSTATE = "AU001"
DEFAULT_MAX_BODY = 1024 * 1024
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_ROUTE_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


@dataclass(frozen=True)
class EndpointSpec:
    name: str
    method: str
    route: str
    summary: str
    tags: tuple[str, ...]
    permission: Permission | None
    anonymous: bool
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    raw_body_types: tuple[str, ...] = ()
    response_content_type: str = JSON
    route_params: tuple[str, ...] = field(default=())
    max_body: int = DEFAULT_MAX_BODY
    exact_numbers: bool = False
    other_content_types: tuple[str, ...] = ()


# function name -> spec, for the OpenAPI document; filled as capability modules are imported
ENDPOINTS: dict[str, EndpointSpec] = {}


@dataclass
class Call:
    """What a handler gets: the request, who made it, and its validated parts."""

    request: func.HttpRequest
    principal: Principal | None
    body: Any
    query: Any
    correlation_id: str
    spec: EndpointSpec

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthorized()
        return self.principal

    def route_uuid(self, name: str) -> uuid.UUID:
        """A route parameter as a UUID; a malformed one cannot name anything, so 404."""
        try:
            return uuid.UUID(self.request.route_params.get(name, ""))
        except ValueError as exc:
            raise NotFound(f"No {name.removesuffix('_id')} with that id") from exc

    def uow(self) -> UnitOfWork:
        return unit_of_work(self.principal, correlation_id=self.correlation_id)

    def raw_body(self) -> bytes:
        return self.request.get_body()


Handler = Callable[[Call], Any]


def endpoint(
    bp: func.Blueprint,
    method: str,
    route: str,
    *,
    name: str,
    summary: str,
    tags: Sequence[str] = (),
    permission: Permission | None = None,
    anonymous: bool = False,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: Sequence[int] = (),
    raw_body_types: Sequence[str] = (),
    response_content_type: str = JSON,
    max_body: int = DEFAULT_MAX_BODY,
    exact_numbers: bool = False,
    other_content_types: Sequence[str] = (),
) -> Callable[[Handler], Handler]:
    """Register `handler(call)` as the HTTP trigger `name` for `method /api/<route>`.

    `max_body` raises the 1 MiB limit of a JSON body; `exact_numbers` hands JSON numbers with a fraction or
    exponent to the body model as their text, so decimal amounts are never rounded through a float;
    `other_content_types` are media types the handler may answer with instead (a chart, a spreadsheet)."""
    spec = EndpointSpec(
        name=name,
        method=method.upper(),
        route=route,
        summary=summary,
        tags=tuple(tags),
        permission=permission,
        anonymous=anonymous,
        body=body,
        query=query,
        response=response,
        status=status,
        errors=tuple(errors),
        raw_body_types=tuple(raw_body_types),
        response_content_type=response_content_type,
        route_params=tuple(_ROUTE_PARAM.findall(route)),
        max_body=max_body,
        exact_numbers=exact_numbers,
        other_content_types=tuple(other_content_types),
    )

    def decorate(handler: Handler) -> Handler:
        def trigger(req: func.HttpRequest) -> func.HttpResponse:
            return dispatch(spec, handler, req)

        trigger.__name__ = name
        trigger.__qualname__ = name
        bp.function_name(name)(
            bp.route(route=route, methods=[spec.method], auth_level=func.AuthLevel.ANONYMOUS)(trigger)
        )
        if name in ENDPOINTS:
            raise RuntimeError(f"endpoint {name} is defined twice")
        ENDPOINTS[name] = spec
        return handler

    return decorate


def _correlation_id(req: func.HttpRequest) -> str:
    supplied = req.headers.get("X-Correlation-ID") or ""
    return supplied if _CORRELATION_ID.match(supplied) else str(uuid.uuid4())


def _parse_json_body(spec: EndpointSpec, req: func.HttpRequest, model: type[BaseModel]) -> BaseModel:
    raw = req.get_body() or b""
    if len(raw) > spec.max_body:
        raise PayloadTooLarge(f"The body may be at most {spec.max_body} bytes")
    content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise UnsupportedMediaType(f"Send the body as {JSON}", code="unsupported_media_type")
    data = parse_json(raw, exact_numbers=spec.exact_numbers)  # depth bounded before parsing
    _reject_unstorable(data, ["body"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(exc, "body", detail="The body is not valid") from exc


def _reject_unstorable(value: Any, loc: list[str | int]) -> None:
    """Refuse text PostgreSQL cannot store: NUL characters and lone UTF-16 surrogates (valid JSON)."""
    if isinstance(value, str):
        if "\x00" in value or not value.isprintable() and _has_surrogate(value):
            raise ValidationFailed(
                "Text may not contain NUL characters or unpaired surrogates",
                errors=[{"loc": loc, "msg": "NUL character or unpaired surrogate", "type": "string_unstorable"}],
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_unstorable(key, loc)
            _reject_unstorable(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_unstorable(item, [*loc, index])


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_raw_body(spec: EndpointSpec, req: func.HttpRequest) -> None:
    content_type = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in spec.raw_body_types:
        raise UnsupportedMediaType(
            f"Content-Type {content_type or '(none)'} is not accepted; send one of {', '.join(spec.raw_body_types)}"
        )


def _parse_query(req: func.HttpRequest, model: type[BaseModel]) -> BaseModel:
    _reject_unstorable(dict(req.params), ["query"])
    try:
        return model.model_validate(dict(req.params))
    except ValidationError as exc:
        raise validation_failed(exc, "query", detail="The query string is not valid") from exc


def _render(spec: EndpointSpec, result: Any, correlation_id: str) -> func.HttpResponse:
    headers = {"X-Correlation-ID": correlation_id}
    if isinstance(result, func.HttpResponse):
        result.headers["X-Correlation-ID"] = correlation_id
        return result
    if result is None:
        return func.HttpResponse(status_code=204 if spec.status in (200, 204) else spec.status, headers=headers)
    if isinstance(result, BaseModel):
        payload = result.model_dump_json(by_alias=True)
    else:
        payload = json.dumps(result, default=str)
    headers["Content-Type"] = JSON
    return func.HttpResponse(payload, status_code=spec.status, headers=headers)


def dispatch(spec: EndpointSpec, handler: Handler, req: func.HttpRequest) -> func.HttpResponse:
    correlation_id = _correlation_id(req)
    started = time.perf_counter()
    instance = urlsplit(req.url).path or f"/api/{spec.route}"
    with context.bound(correlation_id=correlation_id, invocation_id=str(uuid.uuid4())):
        try:
            principal = None if spec.anonymous else authenticate(req.headers.get("Authorization"))
            with context.bound(
                firm_id=str(principal.firm_id) if principal and principal.firm_id else None,
                user_id=str(principal.user_id) if principal else None,
            ):
                if spec.permission is not None and (principal is None or not principal.can(spec.permission)):
                    raise Forbidden("Your role does not allow this", code="forbidden")
                if spec.raw_body_types:
                    _check_raw_body(spec, req)
                body = _parse_json_body(spec, req, spec.body) if spec.body else None
                query = _parse_query(req, spec.query) if spec.query else None
                call = Call(req, principal, body, query, correlation_id, spec)
                response = _render(spec, handler(call), correlation_id)
        except AppError as error:
            response = problem_response(error, instance=instance, correlation_id=correlation_id)
        except DBAPIError as error:
            # The database's own guards: a write under a finalized engagement (trigger, SQLSTATE AU001).
            if getattr(error.orig, "sqlstate", None) != LOCKED_SQLSTATE:
                log.exception("unhandled database error in %s", spec.name)
                response = problem_response(AppError(), instance=instance, correlation_id=correlation_id)
            else:
                locked = Conflict("The engagement is finalized and locked", code="engagement_locked")
                response = problem_response(locked, instance=instance, correlation_id=correlation_id)
        except Exception:
            log.exception("unhandled error in %s", spec.name)
            response = problem_response(AppError(), instance=instance, correlation_id=correlation_id)
        log.info(
            "%s %s -> %s in %.1f ms",
            spec.method,
            instance,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return secured(response)
