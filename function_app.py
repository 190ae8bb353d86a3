"""The one FunctionApp: registers the platform blueprint and the capabilities in AURA_CAPABILITIES.

It only composes. Capability packages are imported only when enabled, so each Function App loads
just its own code; clients (database, Service Bus, Blob, Key Vault) are built lazily on first use.
"""

import importlib

import azure.functions as func

from shared.settings import get_settings
from shared.telemetry import configure_logging

settings = get_settings()
configure_logging(settings)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(importlib.import_module("functions.platform").bp)
for capability in settings.enabled_capabilities():
    app.register_functions(importlib.import_module(f"functions.{capability}").bp)
