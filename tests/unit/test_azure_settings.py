"""Both configurations load: the app settings Terraform gives a Function App, and the local defaults.

In Azure every connection must be identity-based (no key, no password): Service Bus by namespace name,
Blob Storage by account URL, PostgreSQL with an Entra ID token as the password. Locally the same code takes
the local paths. Clients are only constructed here, never called, so the test needs no network.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.bus.transport import ServiceBusTransport, build_transport
from shared.db.engine import ENTRA_DB_SCOPE, EntraTokenProvider, engine_from_settings
from shared.settings import Settings
from shared.storage import AzureBlobStorage, LocalFolderStorage, build_storage

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]

NAMESPACE = "sb-aura-prod-abc123.servicebus.windows.net"
ACCOUNT_URL = "https://stauraproddtabc123.blob.core.windows.net/"
APP_NAME = "func-aura-prod-api-abc123"
DB_HOST = "psql-aura-prod-abc123.postgres.database.azure.com"

# What infra/ sets on a Function App (see common_app_settings in infra/main.tf), with the Key Vault reference
# for the JWT secret already resolved by the platform, as the worker sees it.
AZURE_ENV = {
    "AURA_ENVIRONMENT": "prod",
    "AURA_CAPABILITIES": "identity,engagement",
    "DATABASE_URL": f"postgresql+psycopg://{APP_NAME}@{DB_HOST}:5432/aura?sslmode=require",
    "AURA_DB_ENTRA_AUTH": "true",
    "AURA_JWT_SECRET": "resolved-from-key-vault-" + "x" * 32,
    "AURA_KEY_VAULT_URL": "https://kv-aura-prod-abc123.vault.azure.net/",
    "AURA_BUS_TRANSPORT": "servicebus",
    "ServiceBusConnection__fullyQualifiedNamespace": NAMESPACE,
    "AURA_STORAGE_BACKEND": "azure",
    "AURA_STORAGE_ACCOUNT_URL": ACCOUNT_URL,
    "AURA_STORAGE_CONNECTION_STRING": "",
}


def _local_env() -> dict[str, str]:
    values: dict[str, str] = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    return values


@pytest.fixture
def azure_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in AZURE_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AURA_ARGON2_TIME_COST", "AURA_ARGON2_MEMORY_KIB", "AURA_ARGON2_PARALLELISM"):
        monkeypatch.delenv(name, raising=False)  # infra sets none: the tests' cheap cost is refused in prod
    return Settings()


@pytest.fixture
def local_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    for name, value in _local_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AURA_LOCAL_STORAGE_DIR", str(tmp_path / "blobs"))
    return Settings()


def test_azure_settings_load(azure_settings: Settings) -> None:
    assert azure_settings.enabled_capabilities() == ("identity", "engagement")
    assert azure_settings.db_entra_auth is True
    assert azure_settings.servicebus_namespace == NAMESPACE


def test_azure_service_bus_is_reached_by_namespace_with_the_app_identity(azure_settings: Settings) -> None:
    from azure.identity import DefaultAzureCredential

    transport = build_transport(azure_settings)
    assert isinstance(transport, ServiceBusTransport)
    client = transport._client
    assert client.fully_qualified_namespace == NAMESPACE
    assert isinstance(client._credential, DefaultAzureCredential)
    transport.close()


def test_azure_blob_storage_is_reached_by_account_url_with_the_app_identity(azure_settings: Settings) -> None:
    from azure.identity import DefaultAzureCredential

    storage = build_storage(azure_settings)
    assert isinstance(storage, AzureBlobStorage)
    assert storage.service_client.url == ACCOUNT_URL
    assert storage.service_client.account_name == "stauraproddtabc123"
    assert isinstance(storage.service_client.credential, DefaultAzureCredential)


def test_azure_database_login_is_the_app_identity_with_an_entra_token_as_password(azure_settings: Settings) -> None:
    engine = engine_from_settings(azure_settings)
    try:
        assert engine.url.username == APP_NAME
        assert engine.url.password is None
        assert engine.url.host == DB_HOST
        assert engine.url.query["sslmode"] == "require"
        assert engine.dialect.dispatch.do_connect, "the Entra token must be set as the password on every new connection"
    finally:
        engine.dispose()


@dataclass
class _Token:
    token: str
    expires_on: int


class _FakeCredential:
    """Hands out numbered tokens valid for `lifetime` seconds and records the scopes asked for."""

    def __init__(self, lifetime: int) -> None:
        self.lifetime = lifetime
        self.scopes: list[str] = []

    def get_token(self, scope: str) -> _Token:
        self.scopes.append(scope)
        return _Token(f"token-{len(self.scopes)}", int(time.time()) + self.lifetime)


def test_entra_token_is_asked_for_the_postgres_scope_and_reused_while_fresh() -> None:
    credential = _FakeCredential(lifetime=3600)
    provider = EntraTokenProvider(credential)
    assert provider() == "token-1"
    assert provider() == "token-1"
    assert credential.scopes == [ENTRA_DB_SCOPE]
    assert ENTRA_DB_SCOPE == "https://ossrdbms-aad.database.windows.net/.default"


def test_entra_token_is_renewed_before_it_expires() -> None:
    # Valid for four more minutes: inside the five-minute margin, so every new connection gets a new token.
    credential = _FakeCredential(lifetime=240)
    provider = EntraTokenProvider(credential)
    assert provider() == "token-1"
    assert provider() == "token-2"


def test_local_settings_load_and_take_the_local_paths(local_settings: Settings) -> None:
    assert local_settings.bus_transport == "local"
    assert build_transport(local_settings) is None  # the local host plays Service Bus
    assert isinstance(build_storage(local_settings), LocalFolderStorage)
    engine = engine_from_settings(local_settings)
    try:
        assert not engine.dialect.dispatch.do_connect, "locally the password comes from DATABASE_URL, not Entra ID"
        assert engine.url.username == "postgres"
    finally:
        engine.dispose()
