"""HTTP triggers of the auditor's report: drafts, the PDF, approval, signature and verification.

Reads need engagement.read; drafting engagement.update, approval report.approve through the caller's
role on the team (a manager or partner there), signature report.sign both as a firm role and on the
team (a partner of the firm who is a partner on the team: the engagement partner). Every write under a
finalized engagement answers 409 engagement_locked.
"""

from __future__ import annotations

import azure.functions as func

from functions.reporting import bp, schemas, service
from shared.auth.permissions import Permission
from shared.db.models_reporting import Report
from shared.http import Call, endpoint, file_response

TAGS = ["reports"]
REPORTS = "engagements/{engagement_id:guid}/reports"
REPORT = REPORTS + "/{report_id:guid}"


def _read(report: Report, *, archived: bool, stale_reason: str | None = None) -> schemas.ReportRead:
    fields = {column.key: getattr(report, column.key) for column in Report.__table__.columns}
    stale = {"stale": stale_reason is not None, "reason": stale_reason}
    return schemas.ReportRead.model_validate({**fields, "archived": archived, "stale": stale})


def _one(call: Call, report: Report) -> schemas.ReportRead:
    with call.uow() as uow:
        return _read(report, archived=bool(service.archived_ids(uow, [report.id])))


@endpoint(
    bp,
    "POST",
    REPORTS,
    name="create_report",
    summary="Draft the next version of the auditor's report; earlier unsigned versions are superseded",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ReportCreate,
    response=schemas.ReportRead,
    status=201,
    errors=[400, 404, 409],
)
def create_report(call: Call) -> schemas.ReportRead:
    body: schemas.ReportCreate = call.body
    with call.uow() as uow:
        report = service.create_report(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            opinion=body.opinion,
            basis_for_modification=body.basis_for_modification,
            emphasis_of_matter=body.emphasis_of_matter,
            report_date=body.report_date,
            standards=body.standards,
        )
        return _read(report, archived=False)


@endpoint(
    bp,
    "GET",
    REPORTS,
    name="list_reports",
    summary="Every version of the engagement's report, newest first",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.ReportList,
    errors=[404],
)
def list_reports(call: Call) -> schemas.ReportList:
    with call.uow() as uow:
        reports = service.list_reports(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        archived = service.archived_ids(uow, [report.id for report in reports])
        stale = service.stale_reasons(uow, reports)
        return schemas.ReportList(
            items=[
                _read(report, archived=report.id in archived, stale_reason=stale.get(report.id)) for report in reports
            ]
        )


@endpoint(
    bp,
    "GET",
    REPORT,
    name="get_report",
    summary="One version of the report",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.ReportRead,
    errors=[404],
)
def get_report(call: Call) -> schemas.ReportRead:
    with call.uow() as uow:
        report = service.get_report_or_raise(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            report_id=call.route_uuid("report_id"),
        )
        stale = service.stale_reasons(uow, [report])
        return _read(report, archived=bool(service.archived_ids(uow, [report.id])), stale_reason=stale.get(report.id))


@endpoint(
    bp,
    "GET",
    REPORT + "/pdf",
    name="get_report_pdf",
    summary="The report as a PDF: a draft rendered now, a signed report's exact signed bytes",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response_content_type=service.PDF,
    errors=[404],
)
def get_report_pdf(call: Call) -> func.HttpResponse:
    with call.uow() as uow:
        found = service.get_pdf(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            report_id=call.route_uuid("report_id"),
        )
    return file_response(found.data, content_type=service.PDF, filename=found.filename)


@endpoint(
    bp,
    "POST",
    REPORT + "/approve",
    name="approve_report",
    summary="Approve the draft for the partner's signature (a manager or partner on the team)",
    tags=TAGS,
    # report.approve is checked on the caller's role on the team (a senior made the engagement's manager
    # approves), in the service.
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.ReportRead,
    errors=[403, 404, 409],
)
def approve_report(call: Call) -> schemas.ReportRead:
    with call.uow() as uow:
        report = service.approve_report(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            report_id=call.route_uuid("report_id"),
        )
        return _read(report, archived=False)


@endpoint(
    bp,
    "POST",
    REPORT + "/sign",
    name="sign_report",
    summary="The engagement partner signs the approved report, re-entering their password "
    "(Entra ID users: a token from a sign-in of the last 5 minutes)",
    tags=TAGS,
    permission=Permission.REPORT_SIGN,
    body=schemas.ReportSign,
    response=schemas.SignatureRead,
    errors=[401, 403, 404, 409, 429],
)
def sign_report(call: Call) -> schemas.SignatureRead:
    body: schemas.ReportSign = call.body
    report = service.sign_report(
        open_uow=call.uow,
        principal=call.user,
        engagement_id=call.route_uuid("engagement_id"),
        report_id=call.route_uuid("report_id"),
        password=body.password,
        authorization=call.request.headers.get("Authorization"),
    )
    return schemas.SignatureRead.model_validate(
        {
            "id": report.id,
            "status": report.status,
            "sha256": report.sha256,
            "signed_by": report.signed_by,
            "signed_at": report.signed_at,
            "signature_method": report.signature_method,
        }
    )


@endpoint(
    bp,
    "GET",
    REPORT + "/verification",
    name="verify_report",
    summary="Read the stored report back and compare its SHA-256 with the signed one",
    tags=TAGS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.VerificationRead,
    errors=[404, 409],
)
def verify_report(call: Call) -> schemas.VerificationRead:
    with call.uow() as uow:
        found = service.verify(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            report_id=call.route_uuid("report_id"),
        )
        return schemas.VerificationRead(
            report_id=found.report.id,
            sha256=found.report.sha256 or "",
            stored_sha256=found.stored_sha256,
            matches=found.matches,
            immutable=found.immutable,
            stored_at=found.stored_at or found.report.updated_at,
            container=found.container,
            blob_name=found.blob_name,
        )
