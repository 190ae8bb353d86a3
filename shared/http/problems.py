"""RFC 9457 problem documents for every error that leaves the API."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.errors import AppError, TooManyRequests, ValidationFailed

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    correlation_id: str | None = None
    errors: list[ProblemError] | None = None


def validation_failed(exc: ValidationError, *loc: str | int, detail: str | None = None) -> ValidationFailed:
    """Pydantic's complaint as a 400 whose `errors` name each field from where the request holds it.

    `loc` is where the validated value sits (body, query, body/parameters/<test>); without `detail`
    the first error is the message, e.g. "parameters.gaps.min_gap: Input should be greater than 0".
    """
    errors = [
        {"loc": [*loc, *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_input=False)
    ]
    if detail is None:
        first = errors[0]
        detail = f"{'.'.join(str(part) for part in first['loc'][1:])}: {first['msg']}"
    return ValidationFailed(detail, errors=errors)


def problem_body(error: AppError, *, instance: str | None, correlation_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:aura:problem:{error.code}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "instance": instance,
        "correlation_id": correlation_id,
    }
    body.update(error.extra)
    return body


def problem_response(
    error: AppError, *, instance: str | None = None, correlation_id: str | None = None
) -> func.HttpResponse:
    headers = {"Content-Type": PROBLEM_CONTENT_TYPE}
    if correlation_id:
        headers["X-Correlation-ID"] = correlation_id
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="aura"'
    return func.HttpResponse(
        json.dumps(problem_body(error, instance=instance, correlation_id=correlation_id), default=str),
        status_code=error.status,
        headers=headers,
    )
