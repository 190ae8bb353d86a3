"""Whether a gate's verdict still describes the engagement (docs/audit-rules.md section 11).

A verdict judges the engagement as it stood when it was given: a QC run judges the file it read, an
approval and a signature the report's PDF as it rendered (its statements from the mapped final trial
balance, the journal-entry run, the samples, the engagement's own details). A change afterwards to what
the verdict looked at leaves a verdict that no longer describes the file. Every such change is written to
the firm's audit log in the transaction that makes it (shared/engagement_access.record), and a firm's
appends serialize on one lock held until commit, so the log's ids follow the order in which changes
became visible. A verdict keeps, in its own audit record (`qc.run`, `report.approved`, `report.signed`),
`as_of`: the newest audit record about the engagement committed when it started reading. A change the
verdict could not have seen committed later, so its record has a greater id.

Each gate has a `Rule`: the action of the record that keeps `as_of`, and the kinds of change that make
it stale (each as the reason names it). `changes_since` is one statement on the engagement's part of the
log (its index), read by shared/gates.readiness, so the engagement capability learns at finalize time, in
its own transaction, that a verdict predates a change: no event to wait for, no race with the finalize.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, func, or_, select, tuple_

from shared.db.models import AuditRecord
from shared.db.uow import UnitOfWork

NAMED = 3  # kinds of change named in the reason; the rest are counted
STATUS_CHANGED = "engagement.status_changed"
# docs/audit-rules.md section 2: the three back steps (as functions/engagement enforces them).
BACK_STEPS = frozenset({("planning", "draft"), ("fieldwork", "planning"), ("review", "fieldwork")})
BACK_STEP = "the engagement stepped back"


@dataclass(frozen=True)
class Rule:
    """How fresh one gate's verdict is: the record that keeps its `as_of`, and what makes it stale."""

    verdict: str  # the audit action of the verdict's record, which carries `as_of`
    changes: Mapping[str, str]  # audited action -> what the reason names
    lead: str  # "QC ran", "The report was approved"
    again: str  # what to do: "run it again"
    back_steps: bool = False  # a step back of the engagement (section 2) counts as a change too

    def reason(self, changes: list[str]) -> str:
        """ "<lead> before <what>; <again>", the first NAMED kinds named and the rest counted."""
        named = changes[:NAMED]
        what = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        more = len(changes) - len(named)
        if more:
            what += f" (and {more} other kind{'s' if more > 1 else ''} of change)"
        return f"{self.lead} before {what}; {self.again}"


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
    "program.generated": "the audit program was generated",
    "program.procedure_added": "a procedure was added to the audit program",
    "program.procedure_updated": "a procedure of the audit program was changed",
    "program.procedure_removed": "a procedure was removed from the audit program",
    "subsequent_event.created": "a subsequent event was recorded",
    "subsequent_event.updated": "a subsequent event was changed",
    "subsequent_event.deleted": "a subsequent event was deleted",
    "subsequent_events.reviewed_through": "the subsequent events review date changed",
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

# The audited changes to what the report's PDF shows (functions/reporting/reads.py): the engagement's own
# details (period, framework), the statements of the mapped final trial balance (client data, mappings,
# adjusting entries), the journal-entry run and what its flagged journals turned out to be, the general
# ledger's first digits and the samples, and the approved disclosure notes it may print. Materiality and the
# team are not in the PDF (the signer is the partner who signs).
REPORT_CHANGES: dict[str, str] = {
    "engagement.updated": "the engagement's details changed",
    "dataset.ingested": "client data was loaded",
    "dataset.accepted": "client data was accepted",
    "mapping.set": "an account's mapping was set",
    "mapping.confirmed": "mappings were confirmed",
    "adjustment.created": "an adjusting entry was recorded",
    "adjustment.updated": "an adjusting entry was changed",
    "adjustment.deleted": "an adjusting entry was deleted",
    "je_tests.completed": "a journal-entry run completed",
    "je_tests.dispositioned": "a flagged journal's disposition changed",
    "sample.created": "a sample was drawn",
    "sample.items_updated": "a sample's items were changed",
    "sample.evaluated": "a sample was evaluated",
    "disclosure.note_approved": "a disclosure note was approved",
    "disclosure.note_approval_withdrawn": "a disclosure note's approval was withdrawn",
    "disclosure.settings_changed": "the disclosure settings changed",
}
REPORT_AGAIN = "draft, approve and sign it again"

QC = Rule(verdict=RUN_ACTION, changes=CHANGES, lead="QC ran", again="run it again")
REPORT_APPROVED = Rule(
    verdict="report.approved",
    changes=REPORT_CHANGES,
    lead="The report was approved",
    again=REPORT_AGAIN,
    back_steps=True,
)
REPORT_SIGNED = Rule(
    verdict="report.signed", changes=REPORT_CHANGES, lead="The report was signed", again=REPORT_AGAIN, back_steps=True
)
# Each gate of shared/gates.py whose verdict is only as fresh as the file.
RULES: dict[str, Rule] = {"qc": QC, "report_approved": REPORT_APPROVED, "partner_signed": REPORT_SIGNED}


def about(firm_id: uuid.UUID, engagement_id: uuid.UUID) -> list[Any]:
    """The engagement's records in the firm's log (the conditions of its activity index)."""
    return [
        AuditRecord.firm_id == firm_id,
        AuditRecord.data.has_key("engagement_id"),
        AuditRecord.data["engagement_id"].astext == str(engagement_id),
    ]


def position(uow: UnitOfWork, *, firm_id: uuid.UUID, engagement_id: uuid.UUID) -> int:
    """The id of the newest committed audit record about the engagement (0 before any). Read before a
    verdict reads the engagement, it is the verdict's `as_of`: every change it cannot see has a greater id."""
    return int(
        uow.session.scalar(select(func.coalesce(func.max(AuditRecord.id), 0)).where(*about(firm_id, engagement_id)))
        or 0
    )


def is_back_step() -> ColumnElement[bool]:
    """An audit record of a step back of the engagement (section 2)."""
    return and_(
        AuditRecord.action == STATUS_CHANGED,
        tuple_(AuditRecord.data["from"].astext, AuditRecord.data["to"].astext).in_(sorted(BACK_STEPS)),
    )


def _tracked(rule: Rule) -> ColumnElement[bool]:
    tracked = AuditRecord.action.in_(tuple(rule.changes))
    return or_(tracked, is_back_step()) if rule.back_steps else tracked


def changes_since(uow: UnitOfWork, rule: Rule, *, firm_id: uuid.UUID, engagement_id: uuid.UUID) -> list[str]:
    """What changed after the latest verdict of `rule` read the engagement, each kind once, first change
    first ([] when nothing did, or no verdict was recorded: a verdict not recorded through its audited
    action has no `as_of` to compare). A verdict's record without `as_of` counts from its own id."""
    about_it = about(firm_id, engagement_id)
    as_of = (
        select(func.coalesce(AuditRecord.data["as_of"].astext.cast(BigInteger), AuditRecord.id))
        .where(*about_it, AuditRecord.action == rule.verdict)
        .order_by(AuditRecord.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = uow.session.execute(
        select(AuditRecord.action)
        .where(*about_it, _tracked(rule), AuditRecord.id > as_of)
        .group_by(AuditRecord.action)
        .order_by(func.min(AuditRecord.id))
    )
    return list(dict.fromkeys(rule.changes.get(action, BACK_STEP) for (action,) in rows))


def changes_since_run(uow: UnitOfWork, *, firm_id: uuid.UUID, engagement_id: uuid.UUID) -> list[str]:
    """What changed after the latest QC run read the engagement ([] when nothing did, or QC never ran)."""
    return changes_since(uow, QC, firm_id=firm_id, engagement_id=engagement_id)


def stale_reason(changes: list[str]) -> str:
    """The QC gate's reason when its verdict is stale: "QC ran before <what> changed; run it again"."""
    return QC.reason(changes)
