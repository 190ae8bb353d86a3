"""Telemetry goes to Application Insights with the managed identity in Azure, and without a credential locally."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from azure.identity import DefaultAzureCredential

from shared import telemetry
from shared.settings import Settings

pytestmark = pytest.mark.unit

CONNECTION_STRING = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.invalid/"


@pytest.fixture
def exporter_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Records what configure_logging hands the Azure Monitor distro instead of starting it (no network)."""
    import azure.monitor.opentelemetry

    calls: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> None:
        calls.append(kwargs)

    monkeypatch.setattr(azure.monitor.opentelemetry, "configure_azure_monitor", record)
    monkeypatch.setattr(telemetry, "_configured", False)
    monkeypatch.delenv("FUNCTIONS_WORKER_RUNTIME", raising=False)
    for name in ("AURA_ARGON2_TIME_COST", "AURA_ARGON2_MEMORY_KIB", "AURA_ARGON2_PARALLELISM"):
        monkeypatch.delenv(name, raising=False)  # outside the tests' environment their cheap hash is refused
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    noisy_levels = {
        name: logging.getLogger(name).level
        for name in ("azure.core.pipeline.policies.http_logging_policy", "uvicorn.access")
    }
    yield calls
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, noisy_level in noisy_levels.items():
        logging.getLogger(name).setLevel(noisy_level)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_in_azure_the_exporter_signs_in_with_the_managed_identity(
    environment: str, exporter_calls: list[dict[str, Any]]
) -> None:
    settings = Settings(AURA_ENVIRONMENT=environment, APPLICATIONINSIGHTS_CONNECTION_STRING=CONNECTION_STRING)
    telemetry.configure_logging(settings)
    assert len(exporter_calls) == 1
    kwargs = exporter_calls[0]
    assert kwargs["connection_string"] == CONNECTION_STRING
    assert kwargs["logger_name"] == "aura"
    assert isinstance(kwargs["credential"], DefaultAzureCredential)


@pytest.mark.parametrize("environment", ["local", "test"])
def test_locally_the_exporter_gets_no_credential(environment: str, exporter_calls: list[dict[str, Any]]) -> None:
    settings = Settings(AURA_ENVIRONMENT=environment, APPLICATIONINSIGHTS_CONNECTION_STRING=CONNECTION_STRING)
    telemetry.configure_logging(settings)
    assert exporter_calls == [{"connection_string": CONNECTION_STRING, "logger_name": "aura"}]


def test_without_a_connection_string_nothing_is_exported(exporter_calls: list[dict[str, Any]]) -> None:
    telemetry.configure_logging(Settings(AURA_ENVIRONMENT="prod", APPLICATIONINSIGHTS_CONNECTION_STRING=""))
    assert exporter_calls == []
