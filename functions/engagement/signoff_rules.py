"""The sign-off rules of a workpaper, as plain values, so they can be tested without a database.

A workpaper is signed in three steps: prepare -> review -> approve. The rules an audit file is
inspected against, and why each one is here:

- Order: a review needs an active prepare, an approval an active review; a reviewer must have
  something prepared to look at, an approver something reviewed.
- Once: a step has at most one active sign-off; signing it again is refused (`already_signed`),
  withdrawing and signing again is the honest way to re-sign.
- Segregation: whoever prepared a workpaper may neither review nor approve it (`same_signer`);
  checking one's own work is no check. The reviewer may approve (small teams), the rule is only
  that the preparer's work is looked at by someone else.
- Withdrawal: a signer withdraws only their own active sign-off, and every later active step goes
  with it, because it rested on the one withdrawn.
- A content change (a new version) clears the review and the approval: they vouched for a version
  that is no longer the current one. The prepare sign-off stays when the preparer makes the change
  (preparing includes revising one's own work, and the sign-off records the version it was given
  on), but goes when anyone else changes the workpaper: the preparer never saw that change.
- Renaming or moving a node, and linking or unlinking evidence, change no version and clear nothing;
  they are in the audit log.
- Only workpapers are signed. Notes are versioned but are annotations of the file, not audit
  documentation that needs a reviewer's evidence of review; folders and evidence nodes hold no work.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from shared.auth.permissions import Permission

STEPS = ("prepare", "review", "approve")
SIGNABLE_KINDS = frozenset({"workpaper"})
PERMISSION_FOR_STEP: dict[str, Permission] = {
    "prepare": Permission.WORKPAPER_PREPARE,
    "review": Permission.WORKPAPER_REVIEW,
    "approve": Permission.WORKPAPER_APPROVE,
}
# The steps whose signer must not be the preparer.
SEGREGATED_STEPS = frozenset({"review", "approve"})


@dataclass(frozen=True)
class Refusal:
    """Why a sign-off cannot be given; the service turns it into a 409 with this code."""

    code: str
    detail: str


def previous_step(step: str) -> str | None:
    index = STEPS.index(step)
    return STEPS[index - 1] if index else None


def later_steps(step: str) -> tuple[str, ...]:
    return STEPS[STEPS.index(step) + 1 :]


def refusal_to_sign(step: str, signer: uuid.UUID, active: Mapping[str, uuid.UUID]) -> Refusal | None:
    """Whether `signer` may sign `step` given the active sign-offs (step -> signer), or why not."""
    if step in active:
        return Refusal("already_signed", f"The {step} step is already signed; withdraw it first to sign again")
    before = previous_step(step)
    if before is not None and before not in active:
        return Refusal("signoff_out_of_order", f"A {step} sign-off needs an active {before} sign-off first")
    if step in SEGREGATED_STEPS and active.get("prepare") == signer:
        return Refusal("same_signer", f"The preparer of a workpaper may not also {step} it")
    return None


def refusal_to_withdraw(step: str, caller: uuid.UUID, active: Mapping[str, uuid.UUID]) -> Refusal | None:
    """Whether `caller` may withdraw `step`: only an active sign-off of their own."""
    if step not in active:
        return Refusal("signoff_not_found", f"There is no active {step} sign-off")
    if active[step] != caller:
        return Refusal("not_your_signoff", f"Only the user who signed the {step} step may withdraw it")
    return None


def cleared_by_withdrawal(step: str, active: Mapping[str, uuid.UUID]) -> tuple[str, ...]:
    """The later active steps that fall with a withdrawn one."""
    return tuple(later for later in later_steps(step) if later in active)


def cleared_by_change(editor: uuid.UUID, active: Mapping[str, uuid.UUID]) -> tuple[str, ...]:
    """The active steps a new version of the content clears (see the module docstring)."""
    cleared = [step for step in ("review", "approve") if step in active]
    if "prepare" in active and active["prepare"] != editor:
        cleared.insert(0, "prepare")
    return tuple(cleared)


def change_reason(version: int, editor: str, reason: str | None) -> str:
    """The text kept on a sign-off cleared by a content change."""
    text = f"content changed in version {version} by {editor}"
    return f"{text}: {reason}" if reason else text
