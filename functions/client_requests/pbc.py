"""The rules of a PBC item, as plain values: its status flow, when it is overdue, when to remind.

A request is open until the client sends something (submitted); the team then accepts it, or returns
it with a reason and the client sends again. Overdue means the due date has passed (a request due
today is not overdue yet) and the team has not accepted it. The assignee is reminded of a request due
within two days, or overdue, at most once per calendar day (UTC).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

OPEN, SUBMITTED, ACCEPTED, RETURNED = "open", "submitted", "accepted", "returned"
REMIND_WITHIN = timedelta(days=2)
MIN_REASON_WORDS = 3

# status -> what may happen to it: "submit" (the client sent a file), "accept", "return" (the team's decision)
FLOW: dict[str, dict[str, str]] = {
    OPEN: {"submit": SUBMITTED},
    SUBMITTED: {"submit": SUBMITTED, "accept": ACCEPTED, "return": RETURNED},
    RETURNED: {"submit": SUBMITTED},
    ACCEPTED: {},
}


def next_status(status: str, step: str) -> str | None:
    """The status after `step`, or None when the flow does not allow it from `status`."""
    return FLOW.get(status, {}).get(step)


def is_overdue(*, due_date: date, status: str, today: date) -> bool:
    return status != ACCEPTED and due_date < today


def reminder_due(*, due_date: date, status: str, today: date, last_reminded_at: datetime | None) -> bool:
    """Whether the assignee gets a reminder today: not accepted, due within two days or overdue, and not
    reminded yet today. Only an open or returned request waits on the client; a submitted one waits on
    the team, so its assignee is not chased."""
    if status not in (OPEN, RETURNED):
        return False
    if due_date > today + REMIND_WITHIN:
        return False
    return last_reminded_at is None or last_reminded_at.date() < today


def reason_problem(reason: str) -> str | None:
    """Why a return reason is not enough for the client to act on, or None."""
    if len(reason.split()) < MIN_REASON_WORDS:
        return f"say what is wrong in at least {MIN_REASON_WORDS} words, for the client to act on"
    return None
