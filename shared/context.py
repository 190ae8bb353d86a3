"""Per-invocation context (correlation, invocation, firm, user) carried in context variables.

Set by the HTTP and message adapters as an invocation starts; read by logging and the unit of work.
Context variables follow the worker thread that runs the invocation, so nothing leaks between them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
invocation_id: ContextVar[str | None] = ContextVar("invocation_id", default=None)
firm_id: ContextVar[str | None] = ContextVar("firm_id", default=None)
user_id: ContextVar[str | None] = ContextVar("user_id", default=None)


@contextlib.contextmanager
def bound(**values: str | None) -> Iterator[None]:
    """Set some of the context variables for the duration of a block, then restore them."""
    variables = {
        "correlation_id": correlation_id,
        "invocation_id": invocation_id,
        "firm_id": firm_id,
        "user_id": user_id,
    }
    tokens = [(variables[name], variables[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)
