"""What two capabilities need has one home in shared/, read from the code: a capability that writes its
own copy (an access check, a download's headers, pydantic's errors as a problem, an upload session, the
current materiality) fails here, naming the file and line, before the copies drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
CAPABILITY_MODULES = sorted(ROOT.glob("functions/**/*.py"))


def _uses(pattern: str, *, outside: str = "") -> list[str]:
    found = re.compile(pattern)
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in CAPABILITY_MODULES
        if not (outside and path.relative_to(ROOT).as_posix().startswith(outside))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if found.search(line)
    ]


def test_there_are_capability_modules_to_read() -> None:
    assert len(CAPABILITY_MODULES) >= 60, CAPABILITY_MODULES


def test_every_access_check_under_an_engagement_is_require() -> None:
    """shared.engagement_access.require(write=, permission=) is the one check; no capability wraps the
    look-up with its own visibility, lock and permission rules."""
    assert _uses(r"\bget_(internal_)?engagement_or_raise\b") == []


def test_every_download_leaves_through_file_response() -> None:
    """shared.http.file_response sets the name, nosniff and no-store; a capability setting its own
    Content-Disposition can forget one of them (the sample workbook did)."""
    assert _uses(r"Content-Disposition|X-Content-Type-Options") == []


def test_pydantic_errors_become_a_problem_in_one_place() -> None:
    """shared.http.problems.validation_failed names each field from where the request holds it."""
    assert _uses(r"\.errors\(\s*include_url") == []


def test_upload_sessions_have_one_lifecycle() -> None:
    """shared.uploads opens, checks, stores, discards and sweeps every kind of upload session."""
    assert _uses(r"\bupload_target\(|aura_firms_with_abandoned\w*\(") == []


def test_the_current_materiality_is_asked_in_one_place() -> None:
    """Planning owns the materiality versions; the others ask shared.materiality which one is current
    instead of reading planning's table in their own way."""
    assert _uses(r"models_planning import .*\bMateriality\b", outside="functions/planning/") == []


def test_the_going_concern_indicators_are_decided_in_one_place() -> None:
    """shared.going_concern holds the indicators' codes, titles and thresholds; financial analysis and the
    disclosures checklist both decide with it, so the same trial balance cannot raise an indicator in one
    and not in the other (their own copies once disagreed on negative equity and on every title)."""
    own_copy = (
        r"\b(INTEREST_COVERAGE|CURRENT_RATIO)_FLOOR\s*="  # a threshold
        r"|\bINDICATOR_TITLES\b"  # a title
        r"|\"(negative_working_capital|negative_equity)\":"  # a rule keyed by its code
    )
    assert _uses(own_copy) == []
