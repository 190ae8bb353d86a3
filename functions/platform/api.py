"""HTTP triggers: health, jobs, audit log, the OpenAPI document and its human page."""

from __future__ import annotations

import azure.functions as func

from functions.platform import bp, schemas, service
from shared.auth.permissions import Permission
from shared.http import Call, Page, endpoint
from shared.http.openapi import DOCS_POLICY
from shared.settings import get_settings


@endpoint(
    bp,
    "GET",
    "health",
    name="health",
    summary="Liveness and database reachability",
    tags=["platform"],
    anonymous=True,
    response=schemas.HealthRead,
    errors=[503],
)
def health(call: Call) -> func.HttpResponse:
    up = service.database_is_up()
    body = schemas.HealthRead(
        status="healthy" if up else "unhealthy",
        version=get_settings().version,
        database="ok" if up else "unreachable",
    )
    return func.HttpResponse(body.model_dump_json(), status_code=200 if up else 503, mimetype="application/json")


@endpoint(
    bp,
    "GET",
    "jobs/{job_id:guid}",
    name="get_job",
    summary="A job's status, progress and outcome",
    tags=["platform"],
    response=schemas.JobRead,
)
def get_job(call: Call) -> schemas.JobRead:
    with call.uow() as uow:
        job = service.get_job_or_raise(uow=uow, job_id=call.route_uuid("job_id"), principal=call.user)
        return schemas.JobRead.model_validate(job, from_attributes=True)


@endpoint(
    bp,
    "GET",
    "audit-log",
    name="list_audit_log",
    summary="The firm's audit log, newest first; filtered by actor, action (or its start), target and dates",
    tags=["platform"],
    permission=Permission.AUDIT_LOG_READ,
    query=schemas.AuditLogQuery,
    response=Page[schemas.AuditRecordRead],
)
def list_audit_log(call: Call) -> Page[schemas.AuditRecordRead]:
    query: schemas.AuditLogQuery = call.query
    filters = query.model_dump(exclude={"page", "page_size"})
    with call.uow() as uow:
        rows, total = service.list_audit_records(uow=uow, offset=query.offset, limit=query.page_size, filters=filters)
        items = [schemas.AuditRecordRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    "audit-log/verification",
    name="verify_audit_log",
    summary="Walk the firm's hash chain and name the first broken link",
    tags=["platform"],
    permission=Permission.AUDIT_LOG_READ,
    response=schemas.AuditVerificationRead,
)
def verify_audit_log(call: Call) -> schemas.AuditVerificationRead:
    with call.uow() as uow:
        result = service.verify_audit_log(uow=uow)
    return schemas.AuditVerificationRead(
        ok=result.ok, checked=result.checked, first_broken_seq=result.first_broken_seq, reason=result.reason
    )


@endpoint(
    bp,
    "GET",
    "openapi.json",
    name="openapi_document",
    summary="This API's OpenAPI 3.1 document",
    tags=["platform"],
    anonymous=True,
    response=schemas.OpenApiDocument,
)
def openapi_document(call: Call) -> func.HttpResponse:
    return func.HttpResponse(service.openapi_document(get_settings().version), mimetype="application/json")


@endpoint(
    bp,
    "GET",
    "events.json",
    name="events_document",
    summary="The AsyncAPI 3.0 document of every event and job command, with their payload schemas",
    tags=["platform"],
    anonymous=True,
    response=schemas.EventsDocument,
)
def events_document(call: Call) -> func.HttpResponse:
    settings = get_settings()
    body = service.events_document(settings.version, settings.events_topic, settings.jobs_queue)
    return func.HttpResponse(body, mimetype="application/json")


@endpoint(
    bp,
    "GET",
    "docs",
    name="api_docs",
    summary="Human-readable API reference",
    tags=["platform"],
    anonymous=True,
    response_content_type="text/html",
)
def api_docs(call: Call) -> func.HttpResponse:
    page = service.docs_page(get_settings().version)
    return func.HttpResponse(
        page, mimetype="text/html", charset="utf-8", headers={"Content-Security-Policy": DOCS_POLICY}
    )
