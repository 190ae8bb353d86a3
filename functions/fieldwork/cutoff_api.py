"""Cut-off tests' HTTP functions: entries either side of the period end, and the samples made of them.

The routes declare no firm permission: the service asks `require`, so client users and people who
may not see the engagement get 404, and a role on the engagement without the permission 403.
"""

from __future__ import annotations

from functions.fieldwork import bp, cutoff_service
from functions.fieldwork.cutoff_schemas import (
    CutoffLineRead,
    CutoffRunCreate,
    CutoffRunList,
    CutoffRunRead,
    CutoffRunSummary,
    CutoffSelectionRead,
    SelectionCreate,
    SelectionRead,
)
from shared.http import Call, endpoint

TAGS = ["cut-off"]
RUNS = "engagements/{engagement_id:guid}/cutoff/runs"
RUN = RUNS + "/{run_id:guid}"


def _run(view: cutoff_service.RunView) -> CutoffRunRead:
    return CutoffRunRead(
        **CutoffRunSummary.model_validate(view.run).model_dump(),
        lines=[CutoffLineRead.model_validate(line) for line in view.lines],
        selections=[CutoffSelectionRead.model_validate(selection) for selection in view.selections],
    )


@endpoint(
    bp,
    "POST",
    RUNS,
    name="run_cutoff",
    summary="Run a cut-off test on the current ledger: revenue, receivables, inventory and payables lines "
    "within N days of the period end, flagged when the document date is in the other period",
    tags=TAGS,
    body=CutoffRunCreate,
    response=CutoffRunRead,
    status=201,
    errors=[400, 403, 404, 409],
)
def run_cutoff(call: Call) -> CutoffRunRead:
    body: CutoffRunCreate = call.body
    with call.uow() as uow:
        view = cutoff_service.run_cutoff(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), window_days=body.window_days
        )
        return _run(view)


@endpoint(
    bp,
    "GET",
    RUNS,
    name="list_cutoff_runs",
    summary="The engagement's cut-off runs, newest first, with their counts by area",
    tags=TAGS,
    response=CutoffRunList,
    errors=[404],
)
def list_cutoff_runs(call: Call) -> CutoffRunList:
    with call.uow() as uow:
        runs = cutoff_service.list_runs(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return CutoffRunList(items=[CutoffRunSummary.model_validate(run) for run in runs])


@endpoint(
    bp,
    "GET",
    RUN,
    name="get_cutoff_run",
    summary="One cut-off run with its lines in order and the samples made from it",
    tags=TAGS,
    response=CutoffRunRead,
    errors=[404],
)
def get_cutoff_run(call: Call) -> CutoffRunRead:
    with call.uow() as uow:
        view = cutoff_service.get_run_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            run_id=call.route_uuid("run_id"),
        )
        return _run(view)


@endpoint(
    bp,
    "POST",
    RUN + "/selection",
    name="create_cutoff_selection",
    summary="Make lines of a run a sample (all flagged, chosen positions, or n at random from a seed); "
    "sampling's endpoints then show, export and evaluate it",
    tags=TAGS,
    body=SelectionCreate,
    response=SelectionRead,
    status=201,
    errors=[400, 403, 404, 409],
)
def create_cutoff_selection(call: Call) -> SelectionRead:
    body: SelectionCreate = call.body
    run_id = call.route_uuid("run_id")
    with call.uow() as uow:
        sample = cutoff_service.create_selection(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), run_id=run_id, data=body
        )
        return SelectionRead(
            sample_id=sample.id,
            run_id=run_id,
            method=sample.method,
            item_count=int(sample.parameters["n"]),
            seed=sample.seed,
            algorithm=sample.algorithm,
        )
