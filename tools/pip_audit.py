"""pip-audit that never passes without having checked.

Asked about a package it cannot look up, pip-audit skips it ("Dependency not found on PyPI and could
not be audited"); when no lookup gets through, it skips every package and still reports "No known
vulnerabilities found" with exit status 0. Without a network at all it fails with a traceback. This
wrapper runs it with a JSON report and says which of these happened:

  0  every dependency was checked and none has a known vulnerability
  1  a dependency has a known vulnerability (listed)
  2  not checked: the vulnerability database could not be reached, or some dependencies could not be
     looked up (named). A check that did not run is not a pass, so this fails too; CI reaches the
     database, and offline `make bandit` runs the rest of the security check.

Usage: python tools/pip_audit.py [extra pip-audit arguments]
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNREACHABLE = "pip-audit could not reach the vulnerability database: not checked"
# What requests and urllib3 say when no connection to the database could be made.
NETWORK_FAILURES = (
    "ConnectionError",
    "ProxyError",
    "ConnectTimeout",
    "ReadTimeout",
    "SSLError",
    "Max retries exceeded",
    "NameResolutionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
)
EDITABLE = "distribution marked as editable"

CHECKED, VULNERABLE, NOT_CHECKED = 0, 1, 2


@dataclass(frozen=True)
class Verdict:
    status: int
    message: str


def verdict(returncode: int, stdout: str, stderr: str) -> Verdict:
    """What one pip-audit run (`--format json`) established, from its exit status and output."""
    try:
        report: dict[str, Any] = json.loads(stdout)
    except ValueError:
        if any(marker in stderr for marker in NETWORK_FAILURES):
            return Verdict(NOT_CHECKED, f"{UNREACHABLE}\n  {_last_line(stderr)}")
        return Verdict(returncode or NOT_CHECKED, f"pip-audit failed (exit status {returncode}):\n{stderr.strip()}")

    dependencies: list[dict[str, Any]] = report.get("dependencies", [])
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    unaudited = [dep for dep in dependencies if "skip_reason" in dep and EDITABLE not in dep["skip_reason"]]
    if unaudited and not audited:
        return Verdict(NOT_CHECKED, f"{UNREACHABLE}\n  {unaudited[0]['skip_reason']} (and every other dependency)")

    lines = [
        f"{dep['name']} {dep['version']}: {vuln['id']}"
        + (f" (fixed in {', '.join(vuln['fix_versions'])})" if vuln.get("fix_versions") else " (no fix yet)")
        for dep in audited
        for vuln in dep.get("vulns", [])
    ]
    if unaudited:
        names = ", ".join(f"{dep['name']} ({dep['skip_reason']})" for dep in unaudited)
        lines.append(f"pip-audit could not check {len(unaudited)} of {len(dependencies)} dependencies: {names}")
    if any(dep.get("vulns") for dep in audited):
        count = sum(len(dep["vulns"]) for dep in audited)
        return Verdict(VULNERABLE, "\n".join([f"pip-audit found {count} known vulnerabilities:", *lines]))
    if unaudited:
        return Verdict(NOT_CHECKED, "\n".join(lines))
    return Verdict(CHECKED, f"pip-audit: no known vulnerabilities in {len(audited)} dependencies")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main(argv: list[str]) -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    result = subprocess.run(  # noqa: S603 - our own venv's pip-audit, fixed arguments
        [str(pip_audit), "--progress-spinner", "off", "--skip-editable", "--format", "json", *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    outcome = verdict(result.returncode, result.stdout, result.stderr)
    print(outcome.message, file=sys.stdout if outcome.status == CHECKED else sys.stderr)
    return outcome.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
