"""Triage of flagged journals: the auditor's disposition of each, and what is still open.

A disposition belongs to a journal of a dataset version, not to a run: a re-run of the same version
(with other parameters, say) shows the triage already done, and a new version starts afresh. Each
change is recorded in the engagement's audit trail with the previous status. These are the rules;
service.py applies them and reads.py reads what they count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.auth.permissions import Permission
from shared.db.models_analytics import DISPOSITIONS
from shared.errors import ValidationFailed

UNRESOLVED = ("open", "investigating")
CONCLUSIONS = ("explained", "exception", "false_positive")  # a note is required to conclude on a journal
# Concluding that a flag needs no further work takes a reviewer (senior or above on the engagement): the
# QC gate reads these conclusions. Anyone who prepares may investigate, note, or call it an exception.
CLEARING = ("explained", "false_positive")
EXCEPTIONS_LISTED = 500


def check_note(status: str, note: str | None) -> None:
    """A conclusion on a journal needs a note saying why."""
    if status in CONCLUSIONS and not (note or "").strip():
        raise ValidationFailed.field("body", "note", message=f"a note is required to conclude {status!r}")


def permission_for(status: str) -> Permission:
    """What the caller's role on the engagement must grant to set `status`."""
    return Permission.WORKPAPER_REVIEW if status in CLEARING else Permission.WORKPAPER_PREPARE


def refusal(status: str) -> str:
    """Why a role without `permission_for(status)` is refused, and what it may do instead."""
    if status not in CLEARING:
        return "Your role on this engagement does not allow dispositioning journals"
    return (
        f"Concluding a journal as {status!r} needs a senior or above on the engagement; "
        "you may set 'investigating' and add a note"
    )


def summary(counts: Mapping[str, int], exceptions: Sequence[Any]) -> dict[str, Any]:
    """Flagged journals by disposition (every disposition named, undispositioned counted as open), what
    is unresolved, and the journals concluded to be exceptions."""
    by_status = dict.fromkeys(DISPOSITIONS, 0) | dict(counts)
    return {
        "flagged_journals": sum(by_status.values()),
        "by_status": by_status,
        "unresolved": sum(by_status[s] for s in UNRESOLVED),
        "exceptions": [
            {"journal_id": r.journal_id, "score": r.score, "tests": r.tests, "note": r.note} for r in exceptions
        ],
    }
