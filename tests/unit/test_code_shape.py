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


# --- literal lists kept equal to the catalogue they copy ---------------------------------------------


def _ts_list(path: str, name: str) -> tuple[str, ...]:
    """The string items of `export const NAME = [...]` in a portal source file."""
    text = (ROOT / path).read_text(encoding="utf-8")
    found = re.search(rf"export const {name} = \[(.*?)\]", text, re.DOTALL)
    assert found, f"{path} has no {name} list"
    return tuple(re.findall(r"'([^']*)'", found.group(1)))


def test_the_test_codes_written_out_are_the_catalogue_in_its_order() -> None:
    """The API's TestCode (a Literal, so the OpenAPI document lists the codes) and the portal's TEST_CODES
    copy functions/analytics/je_tests.TESTS: a test added there must be added to both."""
    from typing import get_args

    from functions.analytics import schemas
    from functions.analytics.je_tests import TESTS

    assert get_args(schemas.TestCode) == tuple(TESTS)
    assert _ts_list("portal/src/pages/je/shared.ts", "TEST_CODES") == tuple(TESTS)


def test_the_dispositions_written_out_are_the_database_s() -> None:
    from typing import get_args

    from functions.analytics import schemas
    from shared.db.models_analytics import DISPOSITIONS

    assert get_args(schemas.Disposition) == DISPOSITIONS
    assert _ts_list("portal/src/pages/je/shared.ts", "DISPOSITIONS") == DISPOSITIONS


# --- one journal-line read model ----------------------------------------------------------------------


def test_a_journal_line_has_one_schema_in_every_capability() -> None:
    """Ingestion's journal lines and analytics' flagged lines show a line through shared/journal_lines.py."""
    from functions.analytics import schemas as analytics
    from functions.ingestion import schemas as ingestion
    from shared import journal_lines

    assert issubclass(analytics.FlaggedLine, journal_lines.JournalLineView)
    assert ingestion.JournalLineRead is journal_lines.JournalLineRead
