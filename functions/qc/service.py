"""Use cases of quality control: run the policies and record the gate, and waive or withdraw a policy.

Runs and waivers are the firm's working papers: client users never see them (404, and row-level
security hides them). Running needs qc.run (partner, manager, firm_admin, qc_reviewer); waiving needs
qc.waive, which only the partner (on the team, or firm-wide), the firm admin and the QC reviewer hold.
A run on a finalized engagement, like every write, is refused with 409 engagement_locked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from functions.qc import policies, reads, waivers
from shared import audit_log, clock, gates, qc_freshness
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.events import EngagementStatusChanged
from shared.db.models import AuditRecord, User
from shared.db.models_engagement import EngagementGate
from shared.db.models_qc import QcRun, QcWaiver
from shared.db.uow import UnitOfWork
from shared.engagement_access import EngagementAccess, record, require
from shared.errors import Conflict, NotFound

GATE = "qc"
WAIVE_REFUSAL = "Only the engagement partner or a QC reviewer may waive or withdraw a QC policy"
RUN_REFUSAL = "Your role on this engagement does not allow running QC"


# --- waivers as they stand ------------------------------------------------------------------------


def _last_back_step(uow: UnitOfWork, access: EngagementAccess) -> int:
    """The chain position of the engagement's latest back step (0 when it never stepped back)."""
    engagement_id = str(access.id)
    rows = uow.session.execute(
        select(AuditRecord.chain_seq, AuditRecord.data["from"].astext, AuditRecord.data["to"].astext).where(
            AuditRecord.firm_id == access.engagement.firm_id,
            AuditRecord.action == "engagement.status_changed",
            AuditRecord.data.has_key("engagement_id"),
            AuditRecord.data["engagement_id"].astext == engagement_id,
        )
    )
    return waivers.last_back_step((int(seq), before, after) for seq, before, after in rows)


def _open_waivers(uow: UnitOfWork, access: EngagementAccess, *, for_update: bool = False) -> list[QcWaiver]:
    query = (
        select(QcWaiver)
        .where(QcWaiver.engagement_id == access.id, QcWaiver.withdrawn_at.is_(None))
        .order_by(QcWaiver.waived_at, QcWaiver.id)
    )
    if for_update:
        query = query.with_for_update()
    return list(uow.session.scalars(query))


@dataclass(frozen=True)
class Waivers:
    active: list[QcWaiver]
    lapsed: list[QcWaiver]


def _waivers(uow: UnitOfWork, access: EngagementAccess, *, for_update: bool = False) -> Waivers:
    back_step = _last_back_step(uow, access)
    active: list[QcWaiver] = []
    lapsed: list[QcWaiver] = []
    for waiver in _open_waivers(uow, access, for_update=for_update):
        (lapsed if waivers.lapsed(waiver.audit_seq, back_step) else active).append(waiver)
    return Waivers(active, lapsed)


def _as_waiver(waiver: QcWaiver) -> dict[str, str]:
    return {
        "id": str(waiver.id),
        "reason": waiver.reason,
        "waived_by": str(waiver.waived_by),
        "waived_at": waiver.waived_at.isoformat(),
    }


# --- runs -----------------------------------------------------------------------------------------


def run_qc(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> QcRun:
    """Run every policy on the engagement as it stands, keep the run and record the QC gate."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.QC_RUN,
        refusal=RUN_REFUSAL,
    )
    # Where the engagement's audit trail stood before the snapshot is read: a change after this point may be
    # missing from the verdict, and shared/gates.readiness then calls the gate stale (shared/qc_freshness.py).
    as_of = qc_freshness.position(uow, firm_id=access.engagement.firm_id, engagement_id=engagement_id)
    state = reads.snapshot(uow, engagement_id=engagement_id)
    active = {waiver.policy: _as_waiver(waiver) for waiver in _waivers(uow, access).active}
    results = policies.evaluate(state, active)
    passed = policies.gate_passed(results)
    failed = policies.failed_codes(results)
    run = QcRun(
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        passed=passed,
        policies=[result.as_dict() for result in results],
        run_by=principal.user_id,
    )
    uow.session.add(run)
    uow.session.flush()
    gates.record(
        uow,
        engagement_id=engagement_id,
        gate=GATE,
        satisfied=passed,
        detail="" if passed else "failed: " + ", ".join(failed),
    )
    record(
        uow,
        qc_freshness.RUN_ACTION,
        engagement_id=engagement_id,
        target_type="qc_run",
        target_id=run.id,
        passed=passed,
        failed=failed,
        waived=[result.code for result in results if result.status == "waived"],
        as_of=as_of,
    )
    uow.commit()
    return run


def get_latest_run_or_raise(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> QcRun:
    """The engagement's newest QC run."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=Permission.ENGAGEMENT_READ)
    run = uow.session.scalar(
        select(QcRun).where(QcRun.engagement_id == engagement_id).order_by(QcRun.run_at.desc(), QcRun.id).limit(1)
    )
    if run is None:
        raise NotFound("QC has not been run on this engagement yet", code="qc_run_not_found")
    return run


def stale_reason(uow: UnitOfWork, *, firm_id: uuid.UUID, engagement_id: uuid.UUID) -> str | None:
    """Why the latest run no longer describes the engagement (shared/qc_freshness.py, one query), or None
    while nothing it looked at changed after it read the engagement."""
    changes = qc_freshness.changes_since_run(uow, firm_id=firm_id, engagement_id=engagement_id)
    return qc_freshness.stale_reason(changes) if changes else None


# --- waivers --------------------------------------------------------------------------------------


def list_waivers(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> list[tuple[QcWaiver, str]]:
    """The waivers in force (neither withdrawn nor lapsed by a back step), with who gave each."""
    access = require(uow, principal=principal, engagement_id=engagement_id, permission=Permission.ENGAGEMENT_READ)
    return _with_names(uow, _waivers(uow, access).active)


def _with_names(uow: UnitOfWork, found: list[QcWaiver]) -> list[tuple[QcWaiver, str]]:
    ids = {waiver.waived_by for waiver in found}
    names = (
        {row.id: row.display_name or row.email for row in uow.session.scalars(select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    return [(waiver, names.get(waiver.waived_by, "")) for waiver in found]


def create_waiver(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, policy: str, reason: str
) -> tuple[QcWaiver, str]:
    """Waive a policy with a reason; it reads `waived` on the next run until withdrawn or a back step."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.QC_WAIVE,
        refusal=WAIVE_REFUSAL,
    )
    reason = waivers.checked_reason(reason)
    standing = _waivers(uow, access, for_update=True)
    if any(waiver.policy == policy for waiver in standing.active):
        raise Conflict(f"The policy {policy} is already waived; withdraw that waiver first", code="already_waived")
    now = clock.now()
    for old in standing.lapsed:
        if old.policy == policy:
            old.withdrawn_at = now
            old.withdrawn_reason = "lapsed: the engagement stepped back after it was given"
    uow.session.flush()
    waiver_id = uuid.uuid4()
    # The grant's position in the firm's audit chain dates the waiver against the engagement's back steps.
    seq = audit_log.append_now(
        uow,
        "qc.waiver_granted",
        target_type="qc_waiver",
        target_id=waiver_id,
        data={"engagement_id": str(engagement_id), "policy": policy, "reason": reason},
    )
    waiver = QcWaiver(
        id=waiver_id,
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        policy=policy,
        reason=reason,
        waived_by=principal.user_id,
        audit_seq=seq,
    )
    uow.session.add(waiver)
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise Conflict(f"The policy {policy} is already waived", code="already_waived") from error
    uow.commit()
    return _with_names(uow, [waiver])[0]


def withdraw_waiver(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, waiver_id: uuid.UUID) -> None:
    """Withdraw a waiver in force; if the latest run relied on it, the QC gate no longer passes."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.QC_WAIVE,
        refusal=WAIVE_REFUSAL,
    )
    waiver = next((w for w in _waivers(uow, access, for_update=True).active if w.id == waiver_id), None)
    if waiver is None:
        raise NotFound("No waiver in force with that id", code="waiver_not_found")
    waiver.withdrawn_at = clock.now()
    waiver.withdrawn_by = principal.user_id
    waiver.withdrawn_reason = "withdrawn"
    latest = uow.session.scalar(
        select(QcRun).where(QcRun.engagement_id == engagement_id).order_by(QcRun.run_at.desc(), QcRun.id).limit(1)
    )
    relied = latest is not None and any(
        item.get("code") == waiver.policy and item.get("status") == "waived" for item in latest.policies
    )
    if relied:
        gates.record(
            uow,
            engagement_id=engagement_id,
            gate=GATE,
            satisfied=False,
            detail=f"the waiver of {waiver.policy} was withdrawn; run QC again",
        )
    uow.session.flush()
    record(
        uow,
        "qc.waiver_withdrawn",
        engagement_id=engagement_id,
        target_type="qc_waiver",
        target_id=waiver.id,
        policy=waiver.policy,
        gate_reopened=relied,
    )
    uow.commit()


def on_status_changed(uow: UnitOfWork, event: EngagementStatusChanged) -> None:
    """A back step (section 2) reopens a satisfied QC gate: the waivers it counted have lapsed and the work
    it looked at is being changed, so QC must run again before the engagement can be finalized."""
    if (event.from_status, event.to_status) not in waivers.BACK_STEPS:
        return
    gate = uow.session.scalar(
        select(EngagementGate)
        .where(EngagementGate.engagement_id == event.engagement_id, EngagementGate.gate == GATE)
        .with_for_update()
    )
    if gate is None or not gate.satisfied:
        return
    gates.record(
        uow,
        engagement_id=event.engagement_id,
        gate=GATE,
        satisfied=False,
        detail=f"the engagement went back from {event.from_status} to {event.to_status}; run QC again",
    )
