"""HTTP triggers of analytics: journal-entry test runs and their results, triage, exports, Benford."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import azure.functions as func

from functions.analytics import bp, reads, schemas, service
from shared.auth.permissions import Permission
from shared.errors import NotFound
from shared.http import Call, Page, PageQuery, endpoint, file_response

if TYPE_CHECKING:
    from functions.analytics.benford import BenfordResult

TAGS = ["analytics"]
ENGAGEMENT = "engagements/{engagement_id:guid}"
RUNS = ENGAGEMENT + "/je-tests"
RUN = RUNS + "/{run_id:guid}"
BENFORD_MAX_BODY = 64 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@endpoint(
    bp,
    "POST",
    RUNS,
    name="run_je_tests",
    summary="Run the journal-entry tests (all, or those named) on the current general ledger; runs in a job",
    tags=TAGS,
    permission=Permission.ANALYTICS_RUN,
    body=schemas.RunCreate,
    response=schemas.RunAccepted,
    status=202,
    errors=[400, 404, 409],
)
def run_je_tests(call: Call) -> schemas.RunAccepted:
    body: schemas.RunCreate = call.body
    with call.uow() as uow:
        run = service.request_run(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            tests=list(body.tests) if body.tests else None,
            overrides=body.overrides(),
        )
        return schemas.RunAccepted(run_id=run.id, job_id=run.job_id)


@endpoint(
    bp,
    "GET",
    RUNS,
    name="get_latest_je_tests",
    summary="The latest journal-entry test run: its population and each test's counts and parameters",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.RunRead,
    errors=[404],
)
def get_latest_je_tests(call: Call) -> schemas.RunRead:
    with call.uow() as uow:
        run = service.get_run_or_raise(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), run_id=None
        )
        return schemas.RunRead.of(run)


@endpoint(
    bp,
    "GET",
    RUNS + "/runs",
    name="list_je_test_runs",
    summary="Every journal-entry test run of the engagement, newest first",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=PageQuery,
    response=Page[schemas.RunSummary],
    errors=[404],
)
def list_je_test_runs(call: Call) -> Page[schemas.RunSummary]:
    query: PageQuery = call.query
    with call.uow() as uow:
        runs, total = service.list_runs(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            offset=query.offset,
            limit=query.page_size,
        )
        items = [schemas.RunSummary.model_validate(run, from_attributes=True) for run in runs]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    RUNS + "/exceptions",
    name="get_je_exceptions",
    summary="The latest completed run's flagged journals by disposition: what is unresolved, and the exceptions",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.ExceptionSummary,
    errors=[404],
)
def get_je_exceptions(call: Call) -> schemas.ExceptionSummary:
    with call.uow() as uow:
        summary = service.get_exception_summary_or_raise(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")
        )
        return schemas.ExceptionSummary.model_validate(summary)


@endpoint(
    bp,
    "GET",
    RUN,
    name="get_je_test_run",
    summary="One journal-entry test run: status, population, and each test's counts, parameters and gaps",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.RunRead,
    errors=[404],
)
def get_je_test_run(call: Call) -> schemas.RunRead:
    with call.uow() as uow:
        run = service.get_run_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            run_id=call.route_uuid("run_id"),
        )
        return schemas.RunRead.of(run)


@endpoint(
    bp,
    "GET",
    RUN + "/tests/{code}/lines",
    name="list_je_test_lines",
    summary="The lines one test flagged, in file order, paginated; filters by account, journal and user",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.LineQuery,
    response=Page[schemas.FlaggedLine],
    errors=[404, 409],
)
def list_je_test_lines(call: Call) -> Page[schemas.FlaggedLine]:
    query: schemas.LineQuery = call.query
    with call.uow() as uow:
        lines, total = service.list_flagged_lines(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            run_id=call.route_uuid("run_id"),
            code=call.request.route_params.get("code", ""),
            account_number=query.account_number,
            journal_id=query.journal_id,
            entered_by=query.entered_by,
            offset=query.offset,
            limit=query.page_size,
        )
        items = [schemas.FlaggedLine.model_validate(line) for line in lines]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    RUN + "/journals",
    name="list_je_journals",
    summary="Flagged journals ranked by risk score (then debit total), with the tests they hit and their lines",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.JournalQuery,
    response=schemas.JournalPage,
    errors=[404, 409],
)
def list_je_journals(call: Call) -> schemas.JournalPage:
    query: schemas.JournalQuery = call.query
    with call.uow() as uow:
        ranked, total = service.list_ranked_journals(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            run_id=call.route_uuid("run_id"),
            offset=query.offset,
            limit=query.limit,
            test=query.test,
            disposition=query.disposition,
        )
        items = [schemas.JournalRisk.model_validate(journal) for journal in ranked]
        return schemas.JournalPage(items=items, total=total, limit=query.limit, offset=query.offset)


@endpoint(
    bp,
    "GET",
    RUN + "/journals/{journal_id}",
    name="get_je_journal",
    summary="One journal of the run's ledger, flagged or not: its lines with the tests each hit and each scoring "
    "test's measure, and its rank, score and disposition when flagged",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.JournalDetail,
    errors=[404, 409],
)
def get_je_journal(call: Call) -> schemas.JournalDetail:
    journal_id = call.request.route_params.get("journal_id", "")
    with call.uow() as uow:
        run = service.get_completed_run_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            run_id=call.route_uuid("run_id"),
        )
        detail = reads.journal_detail(uow, run, journal_id)
        if detail is None:
            raise NotFound(
                f"No journal {journal_id[:100]!r} in general ledger version {run.dataset_version}",
                code="journal_not_found",
            )
        return schemas.JournalDetail.model_validate(detail)


@endpoint(
    bp,
    "GET",
    RUN + "/risk-picture",
    name="get_je_risk_picture",
    summary="A completed run's flagged journals as distributions by disposition: per risk-score bucket, per "
    "month of effective date and per user (count and debit total)",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.RiskPicture,
    errors=[404, 409],
)
def get_je_risk_picture(call: Call) -> schemas.RiskPicture:
    with call.uow() as uow:
        run = service.get_completed_run_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            run_id=call.route_uuid("run_id"),
        )
        return schemas.RiskPicture.model_validate(reads.risk_picture(uow, run))


@endpoint(
    bp,
    "PUT",
    RUN + "/journals/{journal_id}/disposition",
    name="disposition_je_journal",
    summary=(
        "Disposition a flagged journal (open, investigating, explained, exception, false_positive) with a note; "
        "explained and false_positive need a senior or above on the engagement"
    ),
    tags=TAGS,
    permission=Permission.WORKPAPER_PREPARE,
    body=schemas.DispositionUpdate,
    response=schemas.DispositionRead,
    errors=[400, 404, 409],
)
def disposition_je_journal(call: Call) -> schemas.DispositionRead:
    body: schemas.DispositionUpdate = call.body
    with call.uow() as uow:
        row = service.set_disposition(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            run_id=call.route_uuid("run_id"),
            journal_id=call.request.route_params.get("journal_id", ""),
            status=body.status,
            note=body.note,
            evidence_ids=body.evidence_ids,
        )
        return schemas.DispositionRead.model_validate(row)


@endpoint(
    bp,
    "GET",
    RUN + "/export",
    name="export_je_tests",
    summary="Export the flagged lines (with their tests) or the ranked journals, as CSV or XLSX",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.ExportQuery,
    response_content_type="text/csv",
    other_content_types=[XLSX],
    errors=[404, 409],
)
def export_je_tests(call: Call) -> func.HttpResponse:
    query: schemas.ExportQuery = call.query
    with call.uow() as uow:
        file = service.export_run(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            run_id=call.route_uuid("run_id"),
            what=query.what,
            fmt=query.format,
        )
    return file_response(file.content, content_type=file.media_type, filename=file.filename)


def _benford_reply(result: BenfordResult, fmt: str, title: str) -> Any:
    if fmt == "png":
        from functions.analytics.benford_chart import chart_png

        return func.HttpResponse(
            body=chart_png(result, title=title),
            status_code=200,
            headers={"Content-Type": "image/png", "Cache-Control": "private, no-store"},
        )
    return schemas.BenfordRead.model_validate(result.to_dict())


@endpoint(
    bp,
    "POST",
    ENGAGEMENT + "/benford",
    name="engagement_benford",
    summary="Benford analysis of the current general ledger's line amounts or trial balance's closing balances",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.EngagementBenford,
    query=schemas.BenfordQuery,
    response=schemas.BenfordRead,
    other_content_types=["image/png"],
    errors=[400, 404, 409],
)
def engagement_benford(call: Call) -> Any:
    body: schemas.EngagementBenford = call.body
    with call.uow() as uow:
        result, title = service.get_engagement_benford_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            source=body.source,
            test=body.test,
            sign=body.sign,
            min_amount=body.min_amount,
        )
    return _benford_reply(result, call.query.format, title)


@endpoint(
    bp,
    "POST",
    "analytics/benford",
    name="benford",
    summary="Benford analysis of up to 2,000,000 amounts given as JSON numbers or decimal strings (read exactly)",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.AmountsBenford,
    query=schemas.BenfordQuery,
    response=schemas.BenfordRead,
    other_content_types=["image/png"],
    errors=[400, 413],
    max_body=BENFORD_MAX_BODY,
    exact_numbers=True,
)
def amounts_benford(call: Call) -> Any:
    from functions.analytics import benford  # numpy: not on the cold-start path

    body: schemas.AmountsBenford = call.body
    amounts = benford.amounts_from_text(body.amounts)
    result = benford.analyze(amounts, test=body.test, sign=body.sign, min_amount=body.min_amount)
    return _benford_reply(result, call.query.format, body.test.replace("_", " "))
