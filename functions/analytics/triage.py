"""Triage of flagged journals: the auditor's disposition of each, and what is still open.

A disposition belongs to a journal of a dataset version, not to a run: a re-run of the same version
(with other parameters, say) shows the triage already done, and a new version starts afresh. Each
change is recorded in the engagement's audit trail with the previous status.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from functions.analytics import service
from shared.auth.principal import Principal
from shared.db.models_analytics import DISPOSITIONS, JeDisposition, JeJournalRisk, JeRun
from shared.db.models_engagement import EvidenceFile
from shared.db.uow import UnitOfWork
from shared.engagement_access import get_internal_engagement_or_raise, record
from shared.errors import NotFound, ValidationFailed

UNRESOLVED = ("open", "investigating")
EXCEPTIONS_LISTED = 500


def set_disposition(
    uow: UnitOfWork,
    *,
    principal: Principal,
    engagement_id: uuid.UUID,
    run_id: uuid.UUID,
    journal_id: str,
    status: str,
    note: str | None,
    evidence_ids: list[uuid.UUID],
) -> JeDisposition:
    """Disposition a journal the run flagged; 404 when it flagged no such journal."""
    # A write: a finalized engagement answers engagement_locked before anything is looked up.
    get_internal_engagement_or_raise(uow, principal=principal, engagement_id=engagement_id, for_write=True)
    run = service.completed_run(uow, principal=principal, engagement_id=engagement_id, run_id=run_id)
    flagged = uow.session.scalar(
        select(JeJournalRisk.journal_id).where(JeJournalRisk.run_id == run.id, JeJournalRisk.journal_id == journal_id)
    )
    if flagged is None:
        raise NotFound("The run flagged no journal with that id", code="journal_not_flagged")
    if status in ("explained", "exception", "false_positive") and not (note or "").strip():
        raise ValidationFailed.field("body", "note", message=f"a note is required to conclude {status!r}")
    wanted = list(dict.fromkeys(evidence_ids))
    if wanted:
        found = set(
            uow.session.scalars(
                select(EvidenceFile.id).where(
                    EvidenceFile.engagement_id == run.engagement_id, EvidenceFile.id.in_(wanted)
                )
            )
        )
        missing = [str(e) for e in wanted if e not in found]
        if missing:
            raise ValidationFailed.field(
                "body",
                "evidence_ids",
                message=f"no evidence {missing[0]} in this engagement",
                code="evidence_not_found",
            )
    row = uow.session.scalar(
        select(JeDisposition)
        .where(JeDisposition.dataset_id == run.dataset_id, JeDisposition.journal_id == journal_id)
        .with_for_update()
    )
    previous = None if row is None else row.status
    if row is None:
        row = JeDisposition(
            firm_id=run.firm_id,
            engagement_id=run.engagement_id,
            dataset_id=run.dataset_id,
            journal_id=journal_id,
        )
        uow.session.add(row)
    row.status, row.note, row.evidence_ids, row.updated_by = status, note, wanted, principal.user_id
    uow.session.flush()
    uow.session.refresh(row)
    record(
        uow,
        "je_tests.dispositioned",
        engagement_id=run.engagement_id,
        target_type="je_journal",
        target_id=journal_id,
        dataset_id=str(run.dataset_id),
        run_id=str(run.id),
        status=status,
        previous_status=previous,
        evidence=len(wanted),
    )
    uow.commit()
    return row


def summary(uow: UnitOfWork, *, principal: Principal, engagement_id: uuid.UUID) -> dict[str, Any]:
    """The latest completed run's flagged journals by disposition (undispositioned count as open), and the
    exceptions; 404 before a run has completed."""
    get_internal_engagement_or_raise(uow, principal=principal, engagement_id=engagement_id)
    run = latest_completed(uow, engagement_id)
    if run is None:
        raise NotFound("The engagement has no completed journal-entry test run", code="no_run")
    status = func.coalesce(JeDisposition.status, "open")
    joined = (
        select(status.label("status"), func.count().label("n"))
        .select_from(JeJournalRisk)
        .outerjoin(
            JeDisposition,
            (JeDisposition.dataset_id == run.dataset_id) & (JeDisposition.journal_id == JeJournalRisk.journal_id),
        )
        .where(JeJournalRisk.run_id == run.id)
        .group_by(status)
    )
    by_status = dict.fromkeys(DISPOSITIONS, 0) | {row.status: int(row.n) for row in uow.session.execute(joined)}
    exceptions = uow.session.execute(
        select(JeJournalRisk.journal_id, JeJournalRisk.score, JeJournalRisk.tests, JeDisposition.note)
        .join(
            JeDisposition,
            (JeDisposition.dataset_id == run.dataset_id) & (JeDisposition.journal_id == JeJournalRisk.journal_id),
        )
        .where(JeJournalRisk.run_id == run.id, JeDisposition.status == "exception")
        .order_by(JeJournalRisk.rank)
        .limit(EXCEPTIONS_LISTED)
    ).all()
    return {
        "run_id": run.id,
        "dataset_id": run.dataset_id,
        "dataset_version": run.dataset_version,
        "flagged_journals": sum(by_status.values()),
        "by_status": by_status,
        "unresolved": sum(by_status[s] for s in UNRESOLVED),
        "exceptions": [
            {"journal_id": r.journal_id, "score": r.score, "tests": r.tests, "note": r.note} for r in exceptions
        ],
    }


def latest_completed(uow: UnitOfWork, engagement_id: uuid.UUID) -> JeRun | None:
    return uow.session.scalar(
        select(JeRun)
        .where(JeRun.engagement_id == engagement_id, JeRun.status == "completed")
        .order_by(JeRun.created_at.desc(), JeRun.id)
        .limit(1)
    )
