"""The subsequent events register's rules as values (AU-C 560 / AS 2801).

A subsequent event happens after the balance-sheet date. A recognized one (Type I) gives evidence of
a condition that existed at that date: the statements are adjusted. A nonrecognized one (Type II)
concerns a condition that arose after it: the statements disclose it instead. So an event is
resolved only when it has what its type leads to, and a nonrecognized event never links an
adjusting entry. Each rule answers the field it concerns and why, or None.
"""

from __future__ import annotations

from datetime import date


def date_problem(event_date: date, period_end: date) -> str | None:
    """Why the date cannot be a subsequent event's, or None."""
    if event_date <= period_end:
        return f"must be after the balance-sheet date {period_end.isoformat()} (got {event_date.isoformat()})"
    return None


def type_problem(*, event_type: str, status: str, has_adjustment: bool, has_disclosure: bool) -> tuple[str, str] | None:
    """The field and the reason the event is not consistent with its type and status, or None."""
    if event_type == "nonrecognized" and has_adjustment:
        return "adjustment_id", "a nonrecognized (Type II) event is disclosed, not adjusted"
    if status == "resolved" and event_type == "recognized" and not has_adjustment:
        return "status", "a recognized event is resolved once its adjusting entry is linked"
    if status == "resolved" and event_type == "nonrecognized" and not has_disclosure:
        return "status", "a nonrecognized event is resolved once its disclosure is written"
    return None
