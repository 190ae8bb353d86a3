"""Structured logs carry the invocation's ids and never a password or token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from shared import context
from shared.telemetry import ContextFilter, JsonFormatter


def _capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger(f"aura.test.{id(stream)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, stream


@pytest.mark.unit
def test_records_carry_correlation_invocation_firm_and_user() -> None:
    logger, stream = _capture()
    with context.bound(correlation_id="corr-1", invocation_id="inv-1", firm_id="firm-1", user_id="user-1"):
        logger.info("did %s", "something")
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "did something"
    assert (entry["correlation_id"], entry["invocation_id"], entry["firm_id"], entry["user_id"]) == (
        "corr-1",
        "inv-1",
        "firm-1",
        "user-1",
    )


@pytest.mark.unit
def test_ids_do_not_leak_between_invocations() -> None:
    logger, stream = _capture()
    with context.bound(correlation_id="first", firm_id="firm-a"):
        pass
    logger.info("outside")
    entry = json.loads(stream.getvalue())
    assert "correlation_id" not in entry
    assert "firm_id" not in entry


@pytest.mark.usefixtures("database")
@pytest.mark.integration
def test_a_login_logs_neither_the_password_nor_the_tokens(caplog: pytest.LogCaptureFixture) -> None:
    from tests.support import PASSWORD, create_firm, login, request

    admin = create_firm()
    request("GET", "health")  # imports function_app, which configures logging, before capturing starts
    with caplog.at_level(logging.DEBUG):
        tokens = login(admin.email)
        request("POST", "auth/login", json_body={"email": admin.email, "password": "wrong-password-x"})
        request("POST", "auth/refresh", json_body={"refresh_token": tokens["refresh_token"]})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /api/auth/login" in logged
    for secret in (PASSWORD, "wrong-password-x", tokens["access_token"], tokens["refresh_token"]):
        assert secret not in logged
