"""Whether the QC gate's verdict still describes the engagement (docs/audit-rules.md section 11).

A QC run judges the engagement as it stood when the run read it; a sign-off withdrawn, a review note
written, materiality changed or new client data loaded afterwards leaves a verdict that no longer
describes the file. Every such change is written to the firm's audit log in the transaction that makes
it (shared/engagement_access.record), and a firm's appends serialize on one lock held until commit, so
the log's ids follow the order in which changes became visible. A run keeps, in its own `qc.run`
record, `as_of`: the newest audit record about the engagement committed when it started reading.
A change the run could not have seen committed later, so its record has a greater id.

`changes_since_run` is one statement on the engagement's part of the log (its index), read by
shared/gates.readiness, so the engagement capability learns at finalize time, in its own transaction,
that QC ran before something changed: no event to wait for, no race with the finalize.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, func, select

from shared.db.models import AuditRecord
from shared.db.uow import UnitOfWork

RUN_ACTION = "qc.run"

# The audited changes to what a QC policy reads, each as the reason will name it.
CHANGES: dict[str, str] = {
    "binder.node_created": "a binder node was added",
    "binder.node_updated": "a binder node was changed",
    "binder.node_moved": "a binder node was moved",
    "binder.node_deleted": "a binder node was deleted",
    "workpaper.content_saved": "a workpaper's content was changed",
    "workpaper.signed": "a workpaper was signed off",
    "workpaper.signoff_withdrawn": "a sign-off was withdrawn",
    "workpaper.signoff_cleared": "a sign-off was withdrawn",  # a later step, withdrawn with an earlier one
    "evidence.uploaded": "evidence was uploaded",
    "evidence.linked": "evidence was linked",
    "evidence.unlinked": "evidence was unlinked",
    "review_note.created": "a review note was written",
    "review_note.updated": "a review note was changed",
    "review_note.addressed": "a review note was addressed",
    "review_note.reopened": "a review note was reopened",
    "review_note.cleared": "a review note was cleared",
    "materiality.created": "materiality changed",
    "risk.created": "a risk was added",
    "risk.updated": "a risk was changed",
    "risk.deleted": "a risk was deleted",
    "dataset.ingested": "client data was loaded",
    "dataset.accepted": "client data was accepted",
    "mapping.set": "an account's mapping was set",
    "mapping.confirmed": "mappings were confirmed",
    "adjustment.created": "an adjusting entry was recorded",
    "adjustment.updated": "an adjusting entry was changed",
    "adjustment.deleted": "an adjusting entry was deleted",
    "je_tests.completed": "a journal-entry run completed",
    "je_tests.dispositioned": "a flagged journal's disposition changed",
    "engagement.member_added": "a team member was added",
    "engagement.member_removed": "a team member was removed",
    "engagement.member_role_changed": "a team member's role changed",
}
NAMED = 3  # kinds of change named in the reason; the rest are counted


def _about(firm_id: uuid.UUID, engagement_id: uuid.UUID) -> list[Any]:
    """The engagement's records in the firm's log (the conditions of its activity index)."""
    return [
        AuditRecord.firm_id == firm_id,
        AuditRecord.data.has_key("engagement_id"),
        AuditRecord.data["engagement_id"].astext == str(engagement_id),
    ]


def position(uow: UnitOfWork, *, firm_id: uuid.UUID, engagement_id: uuid.UUID) -> int:
    """The id of the newest committed audit record about the engagement (0 before any). Read before a run
    reads the engagement, it is the run's `as_of`: every change the run cannot see has a greater id."""
    return int(
        uow.session.scalar(select(func.coalesce(func.max(AuditRecord.id), 0)).where(*_about(firm_id, engagement_id)))
        or 0
    )


def changes_since_run(uow: UnitOfWork, *, firm_id: uuid.UUID, engagement_id: uuid.UUID) -> list[str]:
    """What changed after the latest QC run read the engagement, each kind once, first change first
    ([] when nothing did, or QC never ran: a verdict not recorded by a run has no `as_of` to compare)."""
    about = _about(firm_id, engagement_id)
    as_of = (
        select(func.coalesce(AuditRecord.data["as_of"].astext.cast(BigInteger), AuditRecord.id))
        .where(*about, AuditRecord.action == RUN_ACTION)
        .order_by(AuditRecord.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = uow.session.execute(
        select(AuditRecord.action)
        .where(*about, AuditRecord.action.in_(tuple(CHANGES)), AuditRecord.id > as_of)
        .group_by(AuditRecord.action)
        .order_by(func.min(AuditRecord.id))
    )
    return list(dict.fromkeys(CHANGES[action] for (action,) in rows))


def stale_reason(changes: list[str]) -> str:
    """The gate's reason when its verdict is stale: "QC ran before <what> changed; run it again"."""
    named = changes[:NAMED]
    what = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    more = len(changes) - len(named)
    if more:
        what += f" (and {more} other kind{'s' if more > 1 else ''} of change)"
    return f"QC ran before {what}; run it again"
