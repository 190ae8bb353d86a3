"""Journal-entry test runs: queued by a user or by a general ledger's ingestion, run in a job, read back.

A run is bound to one general-ledger dataset version and the parameters it was asked with (every
test's defaults merged with the caller's overrides, stored in full), the engagement's fiscal year and
its performance materiality at the time. Once finished it never changes; a re-run is a new run.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import bindparam, func, select

from functions.analytics import exports, je_tests, reads, runner, triage
from functions.analytics.je_tests import TESTS
from shared import clock
from shared.auth.principal import Principal
from shared.bus.events import AnalyticsCompleted, DatasetIngested, RunJeTests
from shared.datasets import current_dataset
from shared.db.models_analytics import JeDisposition, JeJournalRisk, JeRun
from shared.db.models_engagement import Engagement, EvidenceFile
from shared.db.models_ingestion import Dataset
from shared.db.uow import UnitOfWork
from shared.engagement_access import LOCKED_STATUS, record, require
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.http.problems import validation_failed
from shared.jobs import JobFailed, ProgressReporter, create_job
from shared.materiality import current_performance_materiality

if TYPE_CHECKING:
    from functions.analytics.benford import BenfordResult, Sign

JOB_KIND = RunJeTests.type


def validate_tests(
    tests: list[str] | None, overrides: dict[str, dict[str, Any]] | None
) -> tuple[list[str], dict[str, Any]]:
    """The tests to run, in catalogue order, and every one's full parameters; errors name test and field."""
    requested = tests or list(TESTS)
    unknown = [code for code in requested if code not in TESTS]
    if unknown:
        raise ValidationFailed.field(
            "body", "tests", message=f"unknown test {unknown[0]!r}; known: {', '.join(TESTS)}", code="unknown_test"
        )
    extra = sorted(set(overrides or {}) - set(requested))
    if extra:
        raise ValidationFailed.field(
            "body", "parameters", extra[0], message=f"parameters given for {extra[0]!r}, which is not run"
        )
    params: dict[str, Any] = {}
    for code in (c for c in TESTS if c in requested):
        try:
            params[code] = je_tests.dump(TESTS[code].params.model_validate((overrides or {}).get(code, {})))
        except ValidationError as exc:
            raise validation_failed(exc, "body", "parameters", code) from exc
    return list(params), params


def queue_run(
    uow: UnitOfWork,
    *,
    engagement: Engagement,
    dataset: Dataset,
    trigger: str,
    tests: list[str] | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    created_by: uuid.UUID | None = None,
) -> JeRun:
    """A queued run of the dataset and the job that will execute it, in the caller's transaction."""
    codes, params = validate_tests(tests, overrides)
    run = JeRun(
        id=uuid.uuid4(),
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        dataset_id=dataset.id,
        dataset_version=dataset.version,
        trigger=trigger,
        status="queued",
        tests=codes,
        parameters=params,
        fiscal_start=engagement.period_start,
        fiscal_end=engagement.period_end,
        performance_materiality=current_performance_materiality(uow, engagement_id=engagement.id),
        created_by=created_by,
    )
    uow.session.add(run)
    uow.session.flush()
    job = create_job(
        uow, kind=JOB_KIND, params={"run_id": str(run.id)}, created_by=created_by, engagement_id=engagement.id
    )
    run.job_id = job.id
    record(
        uow,
        "je_tests.queued",
        engagement_id=engagement.id,
        target_type="je_run",
        target_id=run.id,
        trigger=trigger,
        dataset_version=dataset.version,
        tests=codes,
    )
    return run


def request_run(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    tests: list[str] | None,
    overrides: dict[str, dict[str, Any]] | None,
) -> JeRun:
    """Queue a manual run of the current general ledger with the given tests and parameters."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True)
    dataset = current_dataset(uow, engagement_id=engagement_id, kind="general_ledger")
    if dataset is None:
        raise Conflict("The engagement has no general ledger loaded yet", code="no_general_ledger")
    run = queue_run(
        uow,
        engagement=access.engagement,
        dataset=dataset,
        trigger="manual",
        tests=tests,
        overrides=overrides,
        created_by=principal.user_id,
    )
    uow.commit()
    return run


def on_dataset_ingested(*, uow: UnitOfWork, event: DatasetIngested) -> JeRun | None:
    """The automatic run after a general ledger loads (background scope), unless it is no longer current."""
    if event.kind != "general_ledger":
        return None
    engagement = uow.session.get(Engagement, event.engagement_id)
    dataset = uow.session.get(Dataset, event.dataset_id)
    if engagement is None or dataset is None or engagement.status == LOCKED_STATUS:
        return None
    current = current_dataset(uow, engagement_id=engagement.id, kind="general_ledger")
    if current is None or current.id != dataset.id:
        return None
    return queue_run(uow, engagement=engagement, dataset=dataset, trigger="automatic")


def execute_run(uow: UnitOfWork, *, run_id: uuid.UUID, progress: ProgressReporter) -> dict[str, Any]:
    """The job, in two transactions: the rule-based tests' results and flags are committed first (the run
    is `scoring`, its results readable), then the models (the Isolation Forest) and the journal risk
    scores complete it. A failure in the second leaves the run failed with the rule results intact; a
    redelivery of a `scoring` run computes only what the second transaction writes; one of a finished
    run is a no-op."""
    started = time.perf_counter()
    run = uow.session.get(JeRun, run_id, with_for_update=True)
    if run is None:
        raise JobFailed("run_missing", "The run no longer exists")
    if run.status in ("completed", "failed"):
        return _job_result(run)
    engagement = uow.session.get(Engagement, run.engagement_id)
    if engagement is None or engagement.status == LOCKED_STATUS:
        raise JobFailed("engagement_locked", "The engagement is finalized and locked")
    dataset = uow.session.get(Dataset, run.dataset_id)
    if dataset is None or dataset.status != "succeeded":
        raise JobFailed("dataset_unavailable", "The general ledger of this run is not loaded")
    summary = dataset.summary or {}
    columns = summary.get("columns")
    known = set(columns) if isinstance(columns, dict) else None
    execution = runner.start(uow, run)
    with execution.engine:
        if run.status == "scoring":  # the same rule results again, for ranking; they are written already
            runner.run_rules(uow, execution, progress, columns=known, write=False)
        else:
            run.status = "running"
            runner.run_rules(uow, execution, progress, columns=known)
            run.population = {
                "journals": int(summary.get("journals", 0)),
                "lines": int(summary.get("lines", 0)),
                "debit_total": str(summary.get("debit_total", "0")),
                "credit_total": str(summary.get("credit_total", "0")),
            }
            run.results, run.status = execution.results(), "scoring"
            uow.commit()  # the first transaction: the rule-based results are readable from here on
            execution.stages["rules_readable"] = round(time.perf_counter() - started, 3)
            run = uow.session.get(JeRun, run_id, with_for_update=True, populate_existing=True)
            if run is None or run.status != "scoring":
                raise JobFailed("run_missing", "The run no longer exists")
            execution.run = run
        runner.run_models(uow, execution)
    run.results = execution.results()
    run.status, run.completed_at = "completed", clock.now()
    counts = {r["code"]: r["flagged_lines"] for r in run.results if r["status"] == "ran"}
    uow.publish(
        AnalyticsCompleted(engagement_id=run.engagement_id, run_id=run.id, dataset_id=run.dataset_id, counts=counts)
    )
    record(
        uow,
        "je_tests.completed",
        engagement_id=run.engagement_id,
        target_type="je_run",
        target_id=run.id,
        counts=counts,
    )
    return _job_result(run) | {"seconds": execution.stages}


def fail_run(uow: UnitOfWork, *, run_id: uuid.UUID, error: dict[str, Any]) -> None:
    """The run failed: with the error, and, when its rule-based results were committed (`scoring`), those
    results kept and the models that were being computed marked failed."""
    run = uow.session.get(JeRun, run_id, with_for_update=True)
    if run is not None and run.status in ("queued", "running", "scoring"):
        if run.results:
            run.results = [r | {"status": "failed"} if r["status"] == "scoring" else r for r in run.results]
        run.status, run.error, run.completed_at = "failed", error, clock.now()


def _job_result(run: JeRun) -> dict[str, Any]:
    return {
        "run_id": str(run.id),
        "status": run.status,
        "counts": {r["code"]: r["flagged_lines"] for r in run.results or [] if r["status"] == "ran"},
    }


# Built once: the latest run is what the journal-entry tests page reads on every visit.
_LATEST_RUN = (
    select(JeRun)
    .where(JeRun.engagement_id == bindparam("engagement_id"))
    .order_by(JeRun.created_at.desc(), JeRun.id)
    .limit(1)
)


def get_run_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, run_id: uuid.UUID | None
) -> JeRun:
    """A run of the engagement, or its latest when run_id is None; 404 otherwise."""
    require(uow, principal=principal, engagement_id=engagement_id)
    if run_id is None:
        run = uow.session.scalar(_LATEST_RUN, {"engagement_id": engagement_id})
        if run is None:
            raise NotFound("The engagement has no journal-entry test run yet", code="no_run")
        return run
    run = uow.session.scalar(select(JeRun).where(JeRun.engagement_id == engagement_id, JeRun.id == run_id))
    if run is None:
        raise NotFound("No run with that id", code="run_not_found")
    return run


def get_completed_run_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, run_id: uuid.UUID
) -> JeRun:
    """A run whose results are all written; 409 while it is queued, running, scoring or failed."""
    run = get_run_or_raise(uow=uow, principal=principal, engagement_id=engagement_id, run_id=run_id)
    if run.status != "completed":
        raise Conflict(f"The run is {run.status}; its results are not available", code="run_not_completed")
    return run


def _test_result_or_raise(run: JeRun, code: str) -> dict[str, Any]:
    """The run's result for one test; 404 when the run did not include it."""
    for result in run.results or []:
        if result["code"] == code:
            return result
    raise NotFound(f"The run did not include the test {code!r}", code="test_not_in_run")


def list_runs(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, offset: int, limit: int
) -> tuple[list[JeRun], int]:
    """The engagement's runs, newest first, one page of them and how many there are."""
    require(uow, principal=principal, engagement_id=engagement_id)
    query = select(JeRun).where(JeRun.engagement_id == engagement_id)
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    runs = uow.session.scalars(query.order_by(JeRun.created_at.desc(), JeRun.id).offset(offset).limit(limit))
    return list(runs), int(total)


# --- a completed run's results ---------------------------------------------------------------------


def list_flagged_lines(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    run_id: uuid.UUID,
    code: str,
    account_number: str | None,
    journal_id: str | None,
    entered_by: str | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the lines a test flagged, in file order; 404 when it was not in the run. A rule-based
    test's lines are readable once the run is `scoring` (its results committed), and stay so if the
    models then fail."""
    run = get_run_or_raise(uow=uow, principal=principal, engagement_id=engagement_id, run_id=run_id)
    if run.status in ("queued", "running"):
        raise Conflict(f"The run is {run.status}; its results are not available", code="run_not_completed")
    if run.status != "completed" and _test_result_or_raise(run, code)["status"] != "ran":
        raise Conflict(f"The run is {run.status}; this test's results are not available", code="run_not_completed")
    _test_result_or_raise(run, code)
    return reads.test_lines(
        uow,
        run,
        code,
        account_number=account_number,
        journal_id=journal_id,
        entered_by=entered_by,
        offset=offset,
        limit=limit,
    )


def list_ranked_journals(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    run_id: uuid.UUID,
    offset: int,
    limit: int,
    test: str | None,
    disposition: str | None,
) -> tuple[list[reads.RankedJournal], int]:
    """A completed run's flagged journals by rank, each with its disposition and its lines."""
    run = get_completed_run_or_raise(uow=uow, principal=principal, engagement_id=engagement_id, run_id=run_id)
    return reads.ranked_journals(uow, run, offset=offset, limit=limit, test=test, disposition=disposition)


def export_run(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, run_id: uuid.UUID, what: str, fmt: str
) -> exports.Export:
    """A completed run's flagged lines (with their tests) or ranked journals, as a CSV or XLSX file."""
    run = get_completed_run_or_raise(uow=uow, principal=principal, engagement_id=engagement_id, run_id=run_id)
    if what == "flagged_lines":
        rows = (exports.line_row(*row) for row in reads.flagged_line_rows(uow, run))
    else:
        rows = (exports.journal_row(*row) for row in reads.journal_rows(uow, run))
    return exports.export(what, fmt, rows, dataset_version=run.dataset_version)


# --- triage ----------------------------------------------------------------------------------------


def set_disposition(
    *,
    uow: UnitOfWork,
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
    require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=triage.permission_for(status),
        refusal=triage.refusal(status),
    )
    run = get_completed_run_or_raise(uow=uow, principal=principal, engagement_id=engagement_id, run_id=run_id)
    flagged = uow.session.scalar(
        select(JeJournalRisk.journal_id).where(JeJournalRisk.run_id == run.id, JeJournalRisk.journal_id == journal_id)
    )
    if flagged is None:
        raise NotFound("The run flagged no journal with that id", code="journal_not_flagged")
    triage.check_note(status, note)
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


def get_exception_summary_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID
) -> dict[str, Any]:
    """The latest completed run's flagged journals by disposition (undispositioned count as open), and the
    exceptions; 404 before a run has completed."""
    require(uow, principal=principal, engagement_id=engagement_id)
    run = reads.latest_completed(uow, engagement_id)
    if run is None:
        raise NotFound("The engagement has no completed journal-entry test run", code="no_run")
    return {
        "run_id": run.id,
        "dataset_id": run.dataset_id,
        "dataset_version": run.dataset_version,
        **triage.summary(reads.disposition_counts(uow, run), reads.exceptions(uow, run)),
    }


# --- Benford of the engagement's data --------------------------------------------------------------


def get_engagement_benford_or_raise(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    source: str,
    test: str,
    sign: Sign,
    min_amount: Decimal,
) -> tuple[BenfordResult, str]:
    """One Benford test on the engagement's current ledger or trial balance, and a title for its chart."""
    from functions.analytics import benford, benford_source  # numpy: not on the cold-start path

    require(uow, principal=principal, engagement_id=engagement_id)
    dataset = benford_source.loaded_dataset(uow, engagement_id, source)
    amounts = benford.amounts_from_units(benford_source.cents(uow, dataset), 2)
    result = benford.analyze(amounts, test=test, sign=sign, min_amount=min_amount)
    return result, f"{source.replace('_', ' ')} v{dataset.version}: {test.replace('_', ' ')}"
