"""The rules of a PBC item worked by hand: the status flow, the overdue boundary, the daily reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from functions.client_requests import pbc

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 7)


def test_the_flow_open_submitted_accepted_or_returned_and_submitted_again() -> None:
    assert pbc.next_status("open", "submit") == "submitted"
    assert pbc.next_status("submitted", "accept") == "accepted"
    assert pbc.next_status("submitted", "return") == "returned"
    assert pbc.next_status("returned", "submit") == "submitted"
    assert pbc.next_status("submitted", "submit") == "submitted"  # a second file before the decision


@pytest.mark.parametrize(
    ("status", "step"),
    [("open", "accept"), ("open", "return"), ("returned", "accept"), ("accepted", "submit"), ("accepted", "return")],
)
def test_steps_the_flow_refuses(status: str, step: str) -> None:
    assert pbc.next_status(status, step) is None


def test_due_today_is_not_overdue_due_yesterday_is_unless_accepted() -> None:
    assert pbc.is_overdue(due_date=TODAY, status="open", today=TODAY) is False
    assert pbc.is_overdue(due_date=date(2026, 12, 6), status="open", today=TODAY) is True
    assert pbc.is_overdue(due_date=date(2026, 12, 6), status="submitted", today=TODAY) is True
    assert pbc.is_overdue(due_date=date(2026, 12, 6), status="accepted", today=TODAY) is False


def test_reminders_within_two_days_or_overdue_once_a_day() -> None:
    def due(on: date, status: str = "open", last: datetime | None = None) -> bool:
        return pbc.reminder_due(due_date=on, status=status, today=TODAY, last_reminded_at=last)

    assert due(date(2026, 12, 9)) is True  # in two days
    assert due(date(2026, 12, 10)) is False  # in three
    assert due(date(2026, 11, 1)) is True  # long overdue
    assert due(date(2026, 12, 9), status="returned") is True
    assert due(date(2026, 12, 9), status="submitted") is False  # waits on the team, not the client
    assert due(date(2026, 12, 9), status="accepted") is False
    assert due(date(2026, 12, 9), last=datetime(2026, 12, 7, 0, 1, tzinfo=UTC)) is False  # already today
    assert due(date(2026, 12, 9), last=datetime(2026, 12, 6, 23, 59, tzinfo=UTC)) is True  # yesterday


def test_a_return_reason_needs_a_few_words() -> None:
    assert pbc.reason_problem("wrong") is not None
    assert pbc.reason_problem("wrong year") is not None
    assert pbc.reason_problem("This is the 2025 statement") is None
