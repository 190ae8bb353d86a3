"""Finalization gates: the verdicts an engagement needs before it may be finalized (docs/audit-rules.md section 2).

The checks belong to other capabilities (QC runs the gate, reporting approves and signs the report),
which may run in other Function Apps. They record their verdicts here with `record`; the engagement
capability asks `readiness` when someone finalizes. Until a capability has recorded its verdict the
answer is "not ready", with the reason, so nothing is finalized on a missing check. A satisfied verdict
counts only while it still describes the engagement (shared/qc_freshness.py): when something a QC policy
reads changed after the run, the answer is "not ready" until QC runs again; when something the report's
PDF shows changed after the approval or the signature, or the engagement stepped back since, until the
report is drafted, approved and signed again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from shared import qc_freshness
from shared.db.models_engagement import EngagementGate
from shared.db.uow import UnitOfWork

# What each gate means when it has not passed yet, in the order an auditor would clear them.
REQUIRED_GATES = {
    "qc": "The QC gate has not passed (every blocking check must pass or be waived with a reason)",
    "report_approved": "The report has not been approved",
    "partner_signed": "No partner has signed the report",
}


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reasons: list[str]


def readiness(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> Readiness:
    """Whether every required gate has a satisfied verdict; otherwise why not."""
    rows = uow.session.scalars(select(EngagementGate).where(EngagementGate.engagement_id == engagement_id)).all()
    verdicts = {row.gate: row for row in rows}
    reasons = []
    for gate, missing in REQUIRED_GATES.items():
        verdict = verdicts.get(gate)
        if verdict is None or not verdict.satisfied:
            detail = f": {verdict.detail}" if verdict is not None and verdict.detail else ""
            reasons.append(f"{missing}{detail}")
        elif (rule := qc_freshness.RULES.get(gate)) is not None:
            changes = qc_freshness.changes_since(uow, rule, firm_id=verdict.firm_id, engagement_id=engagement_id)
            if changes:
                reasons.append(f"{missing}: {rule.reason(changes)}")
    return Readiness(ready=not reasons, reasons=reasons)


def record(uow: UnitOfWork, *, engagement_id: uuid.UUID, gate: str, satisfied: bool, detail: str = "") -> None:
    """Record (or replace) a capability's verdict on one gate of an engagement."""
    if gate not in REQUIRED_GATES:
        raise ValueError(f"unknown gate {gate}")
    if uow.firm_id is None:
        raise RuntimeError("gates are recorded inside a firm")
    values = {
        "engagement_id": engagement_id,
        "gate": gate,
        "firm_id": uow.firm_id,
        "satisfied": satisfied,
        "detail": detail,
        "recorded_by": uow.user_id,
    }
    statement = insert(EngagementGate).values(**values)
    uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=["engagement_id", "gate"],
            set_={"satisfied": satisfied, "detail": detail, "recorded_by": uow.user_id, "recorded_at": func.now()},
        )
    )
