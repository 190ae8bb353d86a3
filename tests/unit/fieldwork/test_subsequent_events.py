"""The subsequent events register's rules: the date after the balance-sheet date, and what each type
allows and needs before it is resolved."""

from __future__ import annotations

from datetime import date

import pytest

from functions.fieldwork.subsequent_events import date_problem, type_problem

pytestmark = pytest.mark.unit

END = date(2026, 12, 31)


def test_an_event_is_after_the_balance_sheet_date() -> None:
    assert date_problem(date(2027, 1, 1), END) is None
    assert date_problem(END, END) == "must be after the balance-sheet date 2026-12-31 (got 2026-12-31)"
    assert date_problem(date(2026, 6, 30), END) is not None


@pytest.mark.parametrize(
    ("event_type", "status", "adjustment", "disclosure", "expected"),
    [
        ("recognized", "open", False, False, None),
        ("recognized", "resolved", True, False, None),
        ("recognized", "resolved", False, True, "status"),
        ("nonrecognized", "open", False, False, None),
        ("nonrecognized", "resolved", False, True, None),
        ("nonrecognized", "resolved", False, False, "status"),
        ("nonrecognized", "open", True, True, "adjustment_id"),
    ],
)
def test_what_each_type_allows_and_needs_to_be_resolved(
    event_type: str, status: str, adjustment: bool, disclosure: bool, expected: str | None
) -> None:
    found = type_problem(event_type=event_type, status=status, has_adjustment=adjustment, has_disclosure=disclosure)
    assert (found[0] if found else None) == expected
