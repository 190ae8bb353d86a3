"""A journal-entry test that could not look at the lines says so, instead of reading as clean.

A ledger whose Entered Time and Entered By columns are there but blank on every line: "after hours"
and "rare user" could test nothing, so they are not_applicable naming the missing field, never
"ran, 0 flagged". A ledger where only some lines carry a user: the test ran on those, and says how many.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics_support import load_general_ledger, run_tests

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def journal(number: int, *, time: str = "", user: str = "") -> list[dict[str, Any]]:
    common = {"Journal ID": f"J{number}", "Effective Date": "2026-03-02", "Entered Time": time, "Entered By": user}
    return [
        {**common, "Line": 1, "Account": "1000", "Debit": "150.00", "Credit": ""},
        {**common, "Line": 2, "Account": "4000", "Debit": "", "Credit": "150.00"},
    ]


def test_a_test_that_skipped_every_line_is_not_applicable_with_the_missing_field() -> None:
    ws = load_general_ledger([line for n in range(1, 86) for line in journal(n)])  # 170 lines, blank time and user
    results = run_tests(ws, ["after_hours", "rare_user"]).results

    for code, field in (("after_hours", "entered_time"), ("rare_user", "entered_by")):
        result = results[code]
        assert result["status"] == "not_applicable", result
        assert result["missing_fields"] == [field]
        assert result["skipped_lines"] == 170 and result["flagged_lines"] == 0


def test_a_partial_skip_says_on_how_many_lines_the_test_ran() -> None:
    rows = [line for n in range(1, 41) for line in journal(n, user="akim" if n <= 30 else "")]
    rows += journal(41, user="zed", time="23:30:00")
    ws = load_general_ledger(rows)
    result = run_tests(ws, ["rare_user"]).results["rare_user"]

    assert result["status"] == "ran"
    assert (result["lines_tested"], result["lines_total"], result["skipped_lines"]) == (62, 82, 20)
