"""HTTP triggers of quality control: run the policies, read the latest run, waive and withdraw.

The routes declare no firm permission: the service asks `require`, so client users and people who
may not see the engagement get 404, and a role on the engagement that lacks qc.run or qc.waive 403.
The writes list that 403 among their errors, so the OpenAPI document shows it.
"""

from __future__ import annotations

from functions.qc import bp, schemas, service
from shared.db.models_qc import QcRun, QcWaiver
from shared.http import Call, endpoint

TAGS = ["quality control"]
QC = "engagements/{engagement_id:guid}/qc"
WAIVERS = QC + "/waivers"


def _run(run: QcRun, stale_reason: str | None = None) -> schemas.QcRunRead:
    return schemas.QcRunRead.model_validate(
        {
            "run_id": run.id,
            "policies": run.policies,
            "passed": run.passed,
            "run_at": run.run_at,
            "run_by": run.run_by,
            "stale": {"stale": stale_reason is not None, "reason": stale_reason},
        }
    )


def _waiver(waiver: QcWaiver, name: str) -> schemas.WaiverRead:
    return schemas.WaiverRead(
        id=waiver.id,
        policy=waiver.policy,
        reason=waiver.reason,
        waived_by=waiver.waived_by,
        waived_by_name=name,
        waived_at=waiver.waived_at,
    )


@endpoint(
    bp,
    "POST",
    QC + "/run",
    name="run_qc",
    summary="Run every QC policy on the engagement as it stands; keeps the run and records the QC gate",
    tags=TAGS,
    response=schemas.QcRunRead,
    errors=[403, 404, 409],
)
def run_qc(call: Call) -> schemas.QcRunRead:
    with call.uow() as uow:
        return _run(service.run_qc(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")))


@endpoint(
    bp,
    "GET",
    QC,
    name="get_qc",
    summary="The engagement's latest QC run (404 before the first), and whether the file changed since it ran",
    tags=TAGS,
    response=schemas.QcRunRead,
    errors=[404],
)
def get_qc(call: Call) -> schemas.QcRunRead:
    engagement_id = call.route_uuid("engagement_id")
    with call.uow() as uow:
        run = service.get_latest_run_or_raise(uow=uow, principal=call.user, engagement_id=engagement_id)
        return _run(run, service.stale_reason(uow, firm_id=run.firm_id, engagement_id=engagement_id))


@endpoint(
    bp,
    "POST",
    WAIVERS,
    name="create_qc_waiver",
    summary="Waive a QC policy with a reason (engagement partner or QC reviewer); audit-logged",
    tags=TAGS,
    body=schemas.WaiverCreate,
    response=schemas.WaiverRead,
    status=201,
    errors=[403, 404, 409],
)
def create_qc_waiver(call: Call) -> schemas.WaiverRead:
    body: schemas.WaiverCreate = call.body
    with call.uow() as uow:
        waiver, name = service.create_waiver(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            policy=body.policy,
            reason=body.reason,
        )
        return _waiver(waiver, name)


@endpoint(
    bp,
    "GET",
    WAIVERS,
    name="list_qc_waivers",
    summary="The waivers in force: neither withdrawn nor lapsed by a step back of the engagement",
    tags=TAGS,
    response=schemas.WaiverList,
    errors=[404],
)
def list_qc_waivers(call: Call) -> schemas.WaiverList:
    with call.uow() as uow:
        found = service.list_waivers(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return schemas.WaiverList(items=[_waiver(waiver, name) for waiver, name in found])


@endpoint(
    bp,
    "DELETE",
    WAIVERS + "/{waiver_id:guid}",
    name="withdraw_qc_waiver",
    summary="Withdraw a waiver (engagement partner or QC reviewer); audit-logged",
    tags=TAGS,
    status=204,
    errors=[403, 404, 409],
)
def withdraw_qc_waiver(call: Call) -> None:
    with call.uow() as uow:
        service.withdraw_waiver(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            waiver_id=call.route_uuid("waiver_id"),
        )
