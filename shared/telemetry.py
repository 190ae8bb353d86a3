"""Structured logs that carry invocation, correlation, firm and user ids; Application Insights in Azure.

Log calls use %-style arguments and never carry passwords, tokens or client financial data.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from shared import context
from shared.settings import Settings

_configured = False


class ContextFilter(logging.Filter):
    """Stamps every record with the ids of the invocation it belongs to."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = context.correlation_id.get()
        record.invocation_id = context.invocation_id.get()
        record.firm_id = context.firm_id.get()
        record.user_id = context.user_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None),
            "invocation_id": getattr(record, "invocation_id", None),
            "firm_id": getattr(record, "firm_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps({k: v for k, v in entry.items() if v is not None})


def configure_logging(settings: Settings) -> None:
    """Console JSON logs; OpenTelemetry to Application Insights when its connection string is set.

    In Azure (dev, prod) the exporter authenticates with the managed identity (Entra ID), never the key alone.

    Called once by the host adapter (local host or first invocation), never at import time.
    """
    global _configured
    if _configured:
        return
    _configured = True
    root = logging.getLogger()
    root.setLevel(settings.log_level.upper())
    if "FUNCTIONS_WORKER_RUNTIME" in os.environ:
        # Under the Functions host the worker's handler ships records to the host; stamp them there
        # (OpenTelemetry exports the ids as custom dimensions) rather than printing a second copy.
        for existing in root.handlers:
            existing.addFilter(ContextFilter())
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(ContextFilter())
        root.addHandler(handler)
    connection_string = settings.applicationinsights_connection_string.get_secret_value()
    if connection_string:
        from azure.monitor.opentelemetry import configure_azure_monitor

        if settings.environment in ("dev", "prod"):
            # Application Insights refuses the instrumentation key alone (local authentication is disabled):
            # in Azure the exporter signs in as the app's managed identity (Monitoring Metrics Publisher).
            from azure.identity import DefaultAzureCredential

            configure_azure_monitor(
                connection_string=connection_string, logger_name="aura", credential=DefaultAzureCredential()
            )
        else:
            configure_azure_monitor(connection_string=connection_string, logger_name="aura")
    for noisy in ("azure.core.pipeline.policies.http_logging_policy", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
