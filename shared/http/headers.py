"""The headers every API response carries, set in one place (`dispatch`) so that no endpoint forgets one.

An answer holds a firm's data or a user's tokens: no cache may keep it (`no-store`, the tokens of a
sign-in included), a browser must not guess a JSON or CSV body to be HTML and run it (`nosniff`), and
no answer is a page to render, run scripts in or frame (`default-src 'none'; frame-ancestors 'none'`).
A handler may send a cache rule of its own only if it keeps `no-store` (a download's `private,
no-store`), and a page its own policy (the API reference, which allows its one stylesheet).
"""

from __future__ import annotations

import azure.functions as func

NOSNIFF = "nosniff"
NO_STORE = "no-store"
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def secured(response: func.HttpResponse) -> func.HttpResponse:
    """The response with nosniff, a cache rule that stores nothing, and a content policy."""
    headers = response.headers
    headers["X-Content-Type-Options"] = NOSNIFF
    directives = {part.strip().lower() for part in (headers.get("Cache-Control") or "").split(",")}
    if NO_STORE not in directives:
        headers["Cache-Control"] = NO_STORE
    if not headers.get("Content-Security-Policy"):
        headers["Content-Security-Policy"] = API_POLICY
    return response
