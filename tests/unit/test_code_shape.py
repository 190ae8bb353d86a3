"""The shape every capability keeps, read from the code: what a trigger may do, and what stays in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TRIGGER_MODULES = sorted({*ROOT.glob("functions/*/api.py"), *ROOT.glob("functions/*/*_api.py")})
COMMIT = re.compile(r"\.commit\(")


def test_there_are_trigger_modules_to_read() -> None:
    assert len(TRIGGER_MODULES) >= 8, TRIGGER_MODULES


@pytest.mark.parametrize("module", TRIGGER_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_triggers_never_commit_the_service_function_does(module: Path) -> None:
    """A trigger parses, calls one service function and maps its result; the service decides when its
    work is done, so a use case commits the same way whatever calls it (a trigger, a job, a test)."""
    lines = module.read_text(encoding="utf-8").splitlines()
    commits = [
        f"{module.relative_to(ROOT)}:{n}: {line.strip()}" for n, line in enumerate(lines, 1) if COMMIT.search(line)
    ]
    assert commits == [], "commit in the service function, not in the trigger:\n" + "\n".join(commits)
