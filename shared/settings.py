"""Application settings, read once from the environment (app settings in Azure).

Every field is listed in local.settings.example.json. Reading settings does no I/O, so importing the
app stays cheap; secrets go through `secret()`, which falls back to Key Vault (once, lazily) when the
environment leaves them empty and AURA_KEY_VAULT_URL is set.
"""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ALL_CAPABILITIES = (
    "identity",
    "engagement",
    "ingestion",
    "analytics",
    "planning",
    "sampling",
    "mapping",
    "qc",
    "reporting",
    "financial_analysis",
    "client_requests",
    "fieldwork",
    "disclosures",
    "assistant",
)

# Secret fields and the Key Vault secret names they are read from when AURA_KEY_VAULT_URL is set.
KEY_VAULT_SECRETS = {
    "jwt_secret": "aura-jwt-secret",  # nosec B105 - the name of a Key Vault secret, not a secret
    "smtp_password": "aura-smtp-password",  # nosec B105
}


# The production cost of a password hash: OWASP's recommended argon2id configuration (Password Storage Cheat
# Sheet: 19 MiB, 2 passes, 1 lane; about 18 ms of one core here). docs/security.md says why not more.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1
# The least a deployed environment accepts: OWASP's equivalent configurations run from 46 MiB x 1 pass to
# 7 MiB x 5 passes, so at least 7 MiB and 35 MiB-passes in all.
ARGON2_FLOOR_MEMORY_KIB = 7 * 1024
ARGON2_FLOOR_WORK_KIB = 35 * 1024


class Settings(BaseSettings):
    """Every setting the app reads; names are the environment variable names, case-insensitive."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["local", "test", "dev", "prod"] = Field("local", alias="AURA_ENVIRONMENT")
    capabilities: str = Field("all", alias="AURA_CAPABILITIES")
    version: str = Field("0.1.0", alias="AURA_VERSION")
    log_level: str = Field("INFO", alias="AURA_LOG_LEVEL")

    database_url: str = Field("", alias="DATABASE_URL")
    db_pool_size: int = Field(5, alias="AURA_DB_POOL_SIZE", ge=1, le=50)
    db_max_overflow: int = Field(5, alias="AURA_DB_MAX_OVERFLOW", ge=0, le=50)
    db_entra_auth: bool = Field(False, alias="AURA_DB_ENTRA_AUTH")

    jwt_secret: SecretStr = Field(SecretStr(""), alias="AURA_JWT_SECRET")
    jwt_issuer: str = Field("aura", alias="AURA_JWT_ISSUER")
    access_token_minutes: int = Field(15, alias="AURA_ACCESS_TOKEN_MINUTES", ge=1, le=60)
    refresh_token_hours: int = Field(8, alias="AURA_REFRESH_TOKEN_HOURS", ge=1, le=24)
    # How long an instance trusts its last look at a session before asking the database again; a session
    # ended on another instance stops working within this many seconds (shared/auth/sessions.py).
    session_cache_seconds: int = Field(5, alias="AURA_SESSION_CACHE_SECONDS", ge=0, le=60)
    # How many proxies in front of the Functions host append to X-Forwarded-For (1 behind API Management):
    # the client address used to limit sign-in attempts is the entry the outermost trusted one appended.
    trusted_proxy_hops: int = Field(0, alias="AURA_TRUSTED_PROXY_HOPS", ge=0, le=5)
    # The cost of a password hash. Production keeps the defaults or raises them; the tests set cheap ones,
    # since they hash thousands of passwords. A deployed environment refuses less than OWASP's minimum.
    argon2_time_cost: int = Field(ARGON2_TIME_COST, alias="AURA_ARGON2_TIME_COST", ge=1, le=20)
    argon2_memory_kib: int = Field(ARGON2_MEMORY_KIB, alias="AURA_ARGON2_MEMORY_KIB", ge=8, le=4 * 1024 * 1024)
    argon2_parallelism: int = Field(ARGON2_PARALLELISM, alias="AURA_ARGON2_PARALLELISM", ge=1, le=16)
    entra_tenant_id: str = Field("", alias="AURA_ENTRA_TENANT_ID")
    entra_audience: str = Field("", alias="AURA_ENTRA_AUDIENCE")

    key_vault_url: str = Field("", alias="AURA_KEY_VAULT_URL")

    bus_transport: Literal["local", "servicebus"] = Field("local", alias="AURA_BUS_TRANSPORT")
    servicebus_namespace: str = Field("", alias="ServiceBusConnection__fullyQualifiedNamespace")
    events_topic: str = Field("events", alias="AURA_EVENTS_TOPIC")
    jobs_queue: str = Field("jobs", alias="AURA_JOBS_QUEUE")

    storage_backend: Literal["local", "azure"] = Field("local", alias="AURA_STORAGE_BACKEND")
    local_storage_dir: str = Field(".aura/blobs", alias="AURA_LOCAL_STORAGE_DIR")
    storage_account_url: str = Field("", alias="AURA_STORAGE_ACCOUNT_URL")
    storage_connection_string: SecretStr = Field(SecretStr(""), alias="AURA_STORAGE_CONNECTION_STRING")

    email_backend: Literal["folder", "smtp"] = Field("folder", alias="AURA_EMAIL_BACKEND")
    local_mail_dir: str = Field(".aura/mail", alias="AURA_LOCAL_MAIL_DIR")
    email_from: str = Field("aura@localhost", alias="AURA_EMAIL_FROM")
    smtp_host: str = Field("", alias="AURA_SMTP_HOST")
    smtp_port: int = Field(587, alias="AURA_SMTP_PORT")
    smtp_username: str = Field("", alias="AURA_SMTP_USERNAME")
    smtp_password: SecretStr = Field(SecretStr(""), alias="AURA_SMTP_PASSWORD")
    # The portal's address: links in e-mails and local upload URLs start with it. When it is not set,
    # `aura serve --port N` sets it to http://127.0.0.1:N, the address it serves.
    public_base_url: str = Field("http://127.0.0.1:7071", alias="AURA_PUBLIC_BASE_URL")
    # A file sent as a request body; larger ones go straight to storage (the host's own limit is 100 MB).
    max_direct_upload_mb: int = Field(100, alias="AURA_MAX_DIRECT_UPLOAD_MB", ge=1, le=100)
    # A workpaper's or note's content: how deeply nested, and how large as compact JSON. Request bodies
    # stop at 64 levels and 1 MiB (shared/http), so the content limits stay below both.
    workpaper_max_depth: int = Field(32, alias="AURA_WORKPAPER_MAX_DEPTH", ge=2, le=60)
    workpaper_max_kb: int = Field(512, alias="AURA_WORKPAPER_MAX_KB", ge=1, le=1000)
    # The journal-entry tests' engine (DuckDB) budget in MB, beyond which it spills to disk; 0 sizes it from the
    # instance's memory (cgroup limit, else physical: functions/analytics/runner.memory_budget_mb).
    analytics_memory_mb: int = Field(0, alias="AURA_ANALYTICS_MEMORY_MB", ge=0, le=1_048_576)
    confirmation_second_request_days: int = Field(14, alias="AURA_CONFIRMATION_SECOND_REQUEST_DAYS", ge=1, le=90)

    # Azure OpenAI for the assistant (shared/llm.py): the account's endpoint and its deployments, reached with
    # the app's managed identity. Empty endpoint or chat deployment: the offline provider answers instead.
    openai_endpoint: str = Field("", alias="AURA_OPENAI_ENDPOINT")
    openai_chat_deployment: str = Field("", alias="AURA_OPENAI_CHAT_DEPLOYMENT")
    openai_embedding_deployment: str = Field("", alias="AURA_OPENAI_EMBEDDING_DEPLOYMENT")
    openai_api_version: str = Field("2024-10-21", alias="AURA_OPENAI_API_VERSION")

    applicationinsights_connection_string: SecretStr = Field(
        SecretStr(""), alias="APPLICATIONINSIGHTS_CONNECTION_STRING"
    )

    @model_validator(mode="after")
    def _password_cost_at_least_owasp_minimum(self) -> Settings:
        """Only the test suite may hash below OWASP's minimum: a deployed app or the local host refuses to start."""
        if self.environment != "test" and (
            self.argon2_memory_kib < ARGON2_FLOOR_MEMORY_KIB
            or self.argon2_memory_kib * self.argon2_time_cost < ARGON2_FLOOR_WORK_KIB
        ):
            raise ValueError(
                f"AURA_ARGON2_MEMORY_KIB={self.argon2_memory_kib} with AURA_ARGON2_TIME_COST={self.argon2_time_cost} "
                f"is below OWASP's argon2id minimum (at least {ARGON2_FLOOR_MEMORY_KIB} KiB and "
                f"{ARGON2_FLOOR_WORK_KIB} KiB x passes); only AURA_ENVIRONMENT=test may hash more cheaply"
            )
        return self

    def enabled_capabilities(self) -> tuple[str, ...]:
        """The capability names this Function App registers, validated against the known ones."""
        raw = self.capabilities.strip().lower()
        if raw in ("", "all"):
            return ALL_CAPABILITIES
        names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
        unknown = [name for name in names if name not in ALL_CAPABILITIES]
        if unknown:
            raise ValueError(f"AURA_CAPABILITIES names unknown capabilities: {', '.join(unknown)}")
        return names


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings from the environment; no I/O beyond reading it."""
    return Settings()


@functools.cache
def _key_vault_secret(vault_url: str, secret_name: str) -> str:
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.secrets import SecretClient

    client = SecretClient(vault_url=vault_url, credential=DefaultAzureCredential())
    return client.get_secret(secret_name).value or ""


def secret(field: str, settings: Settings | None = None) -> str:
    """A secret setting: from the environment (a Key Vault reference in Azure) or, when empty and
    AURA_KEY_VAULT_URL is set, read once from Key Vault under the name in KEY_VAULT_SECRETS."""
    settings = settings or get_settings()
    value: SecretStr = getattr(settings, field)
    if value.get_secret_value() or not settings.key_vault_url:
        return value.get_secret_value()
    return _key_vault_secret(settings.key_vault_url, KEY_VAULT_SECRETS[field])
