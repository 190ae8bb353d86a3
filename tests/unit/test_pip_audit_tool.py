"""tools/pip_audit.py never reports a pass for a check that did not happen. The outputs below are the
shapes pip-audit 2.10 printed on this machine: every lookup refused (exit 0, "No known vulnerabilities
found"), no network (a traceback), and a report with a vulnerability."""

from __future__ import annotations

import json

import pytest

from tools.pip_audit import CHECKED, NOT_CHECKED, UNREACHABLE, VULNERABLE, verdict

pytestmark = pytest.mark.unit

EDITABLE = {"name": "aura", "skip_reason": "distribution marked as editable"}


def _skipped(name: str, version: str) -> dict[str, str]:
    return {"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} ({version})"}


def _report(*dependencies: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_every_lookup_refused_is_not_checked_although_pip_audit_exits_0() -> None:
    stdout = _report(_skipped("alembic", "1.20.1"), EDITABLE, _skipped("anyio", "4.16.0"))
    result = verdict(0, stdout, "No known vulnerabilities found\n")
    assert result.status == NOT_CHECKED
    assert result.message.startswith(UNREACHABLE)
    assert "alembic (1.20.1)" in result.message


def test_no_network_is_not_checked_and_says_why() -> None:
    stderr = (
        "Traceback (most recent call last):\n  ...\n"
        "requests.exceptions.ProxyError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded "
        "with url: /pypi/alembic/1.20.1/json\n"
    )
    result = verdict(1, "", stderr)
    assert result.status == NOT_CHECKED
    assert result.message.splitlines()[0] == UNREACHABLE
    assert "Max retries exceeded" in result.message


def test_any_other_crash_fails_with_pip_audit_s_own_words() -> None:
    result = verdict(1, "", "pip_audit: error: unrecognized arguments: --bogus\n")
    assert result.status == 1
    assert "unrecognized arguments: --bogus" in result.message


def test_a_known_vulnerability_fails_and_is_named_with_its_fix() -> None:
    vulnerable = {
        "name": "jinja2",
        "version": "3.1.2",
        "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": [], "description": ""}],
    }
    stdout = _report({"name": "alembic", "version": "1.20.1", "vulns": []}, vulnerable, EDITABLE)
    result = verdict(1, stdout, "")
    assert result.status == VULNERABLE
    assert "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in result.message


def test_some_dependencies_not_looked_up_are_named_and_fail() -> None:
    stdout = _report({"name": "alembic", "version": "1.20.1", "vulns": []}, _skipped("anyio", "4.16.0"))
    result = verdict(0, stdout, "")
    assert result.status == NOT_CHECKED
    assert "could not check 1 of 2 dependencies: anyio" in result.message


def test_every_dependency_checked_and_clean_passes() -> None:
    stdout = _report({"name": "alembic", "version": "1.20.1", "vulns": []}, EDITABLE)
    result = verdict(0, stdout, "No known vulnerabilities found\n")
    assert result.status == CHECKED
    assert result.message == "pip-audit: no known vulnerabilities in 1 dependencies"
