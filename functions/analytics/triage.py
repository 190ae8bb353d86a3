"""Triage of flagged journals: the auditor's disposition of each, and what is still open.

A disposition belongs to a journal of a dataset version, not to a run: a re-run of the same version
(with other parameters, say) shows the triage already done, and a new version starts afresh. Each
change is recorded in the engagement's audit trail with the previous status. These are the rules;
service.py applies them and reads.py reads what they count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.db.models_analytics import DISPOSITIONS
from shared.errors import ValidationFailed

UNRESOLVED = ("open", "investigating")
CONCLUSIONS = ("explained", "exception", "false_positive")  # a note is required to conclude on a journal
EXCEPTIONS_LISTED = 500


def check_note(status: str, note: str | None) -> None:
    """A conclusion on a journal needs a note saying why."""
    if status in CONCLUSIONS and not (note or "").strip():
        raise ValidationFailed.field("body", "note", message=f"a note is required to conclude {status!r}")


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
