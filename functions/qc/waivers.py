"""The rules of a waiver, as plain values: its reason, and when it lapses.

A waiver is the engagement partner's or a QC reviewer's decision that a failed policy need not block
finalizing (AU-C 220 / SQMS 1: the engagement partner takes responsibility for the engagement's
quality, and the firm's QC reviewer may accept a documented departure). It needs a reason a later
inspector can read (at least 20 characters), and it stays until it is withdrawn or the engagement
steps back: work reopened after the waiver was given may change what it was given on, so the
waiver must be given again on what is there then.

Whether the engagement stepped back is read from the firm's audit chain, where every status change
is recorded in order: a back step recorded after the waiver's grant (a later position in the chain)
means the waiver has lapsed. The rule is applied when waivers are read, so no message has to arrive
for a lapse to take effect.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.db.models_qc import MIN_WAIVER_REASON
from shared.errors import ValidationFailed

# The engagement's back steps (docs/audit-rules.md section 2), (from, to).
BACK_STEPS = frozenset({("planning", "draft"), ("fieldwork", "planning"), ("review", "fieldwork")})


def checked_reason(reason: str) -> str:
    """The reason without surrounding blanks; 400 naming the field when it is too short to explain anything."""
    stripped = reason.strip()
    if len(stripped) < MIN_WAIVER_REASON:
        raise ValidationFailed.field(
            "body",
            "reason",
            message=f"at least {MIN_WAIVER_REASON} characters saying why the policy is waived (got {len(stripped)})",
            detail="A waiver needs a reason",
            code="reason_too_short",
        )
    return stripped


def last_back_step(status_changes: Iterable[tuple[int, str | None, str | None]]) -> int:
    """The chain position of the latest back step among (position, from, to) status changes, or 0."""
    return max((seq for seq, before, after in status_changes if (before, after) in BACK_STEPS), default=0)


def lapsed(granted_at_seq: int, back_step_seq: int) -> bool:
    """Whether a waiver granted at this chain position fell with a later back step."""
    return back_step_seq > granted_at_seq
