"""Error types that cross layers; shared.http turns them into RFC 9457 problem+json responses.

Each carries a stable `code` that clients may switch on; the message is for people and never holds
secrets or client financial data.
"""

from __future__ import annotations

from typing import Any

# The members RFC 9457 gives every problem, and the stable code: extras never take these names.
RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "code"})


class AppError(Exception):
    """Base of every error that should reach the caller as a problem document."""

    status = 500
    code = "internal_error"
    title = "Internal error"

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        clash = RESERVED_MEMBERS.intersection(extra)
        if clash:
            # An extra named like a problem member would overwrite it (a dataset's `status` in place of 409).
            raise ValueError(f"problem extras may not be named {sorted(clash)}")
        self.extra = extra


class ValidationFailed(AppError):
    status = 400
    code = "validation_error"
    title = "The request is not valid"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail, errors=errors or [], **extra)

    @classmethod
    def field(
        cls,
        *loc: str,
        message: str,
        detail: str | None = None,
        type: str = "value_error",  # noqa: A002 - the key pydantic's own errors use
        code: str | None = None,
    ) -> ValidationFailed:
        """A 400 about one field: `loc` says where (body, header, path, ...) and which, `message` what is wrong."""
        return cls(
            detail or f"{loc[-1]}: {message}", errors=[{"loc": list(loc), "msg": message, "type": type}], code=code
        )


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    title = "Authentication is required"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    title = "The request body is too large"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


class Unprocessable(AppError):
    status = 422
    code = "unprocessable"
    title = "The request cannot be carried out"


class TooManyRequests(AppError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 60, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; raised at first use, never at import."""
