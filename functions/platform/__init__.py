"""Endpoints and triggers every Function App carries: health, jobs, the OpenAPI document, the outbox
relay and the jobs queue."""

import azure.functions as func

bp = func.Blueprint()

from functions.platform import api, handlers  # noqa: E402, F401  (registers the triggers on bp)
