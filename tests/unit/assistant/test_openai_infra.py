"""The assistant's Azure OpenAI in infra/: off by default, keys switched off, the apps' identities with
the least role that calls a deployment, and the app settings pointing at what the module made."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.terraform import module_call, module_locals, resources, root_variables

pytestmark = pytest.mark.unit


def _one(kind: str) -> dict[str, Any]:
    found = [body for path, _, _, body in resources(kind) if path.parent.name == "openai"]
    assert len(found) == 1, kind
    return found[0]


def test_openai_is_off_unless_asked_for() -> None:
    assert root_variables()["openai_enabled"]["default"] is False
    assert module_call("openai")["count"] == "${var.openai_enabled ? 1 : 0}"


def test_the_account_takes_no_keys_and_is_private_with_private_networking() -> None:
    account = _one("azurerm_cognitive_account")
    assert account["kind"] == "OpenAI"
    assert account["local_auth_enabled"] is False
    assert account["public_network_access_enabled"] == "${var.private_networking ? false : true}"


def test_the_apps_may_call_the_deployments_and_nothing_more() -> None:
    assignment = _one("azurerm_role_assignment")
    assert assignment["role_definition_name"] == "Cognitive Services OpenAI User"
    assert assignment["scope"] == "${azurerm_cognitive_account.openai.id}"
    assert assignment["for_each"] == "${var.app_principal_ids}"
    assert "module.function_app" in module_call("openai")["app_principal_ids"]


def test_the_app_settings_name_the_module_s_endpoint_and_deployments() -> None:
    settings = module_locals("")["common_app_settings"]
    assert settings["AURA_OPENAI_ENDPOINT"] == '${var.openai_enabled ? module.openai[0].endpoint : ""}'
    assert settings["AURA_OPENAI_CHAT_DEPLOYMENT"] == '${var.openai_enabled ? module.openai[0].chat_deployment : ""}'
    assert settings["AURA_OPENAI_EMBEDDING_DEPLOYMENT"] == (
        '${var.openai_enabled ? module.openai[0].embedding_deployment : ""}'
    )
    deployments = {body["name"] for path, _, _, body in resources("azurerm_cognitive_deployment")}
    assert deployments == {"${var.chat_model.deployment}", "${var.embedding_model.deployment}"}
