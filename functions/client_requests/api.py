"""HTTP triggers of client requests (the PBC list).

Routes under an engagement answer both the team and the engagement's client contacts; the service
decides who may do what (404 for an engagement the caller cannot see). `requests` lists across
engagements: a client contact's own list, and the team's home.
"""

from __future__ import annotations

import uuid

import azure.functions as func

from functions.client_requests import bp, schemas, service
from functions.client_requests.service import RequestView, Summary
from shared.db.models_client_requests import ClientRequestComment
from shared.http import Call, Page, endpoint, file_response

TAGS = ["client requests"]
REQUESTS = "engagements/{engagement_id:guid}/requests"
REQUEST = REQUESTS + "/{request_id:guid}"


def _read(view: RequestView) -> dict[str, object]:
    row = view.request
    return {
        "id": row.id,
        "engagement_id": row.engagement_id,
        "engagement_name": view.engagement_name,
        "title": row.title,
        "description": row.description,
        "kind": row.kind,
        "due_date": row.due_date,
        "assignee_id": row.assignee_id,
        "assignee_name": view.assignee_name,
        "status": row.status,
        "overdue": view.overdue,
        "return_reason": row.return_reason,
        "submitted_at": row.submitted_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "last_reminded_at": row.last_reminded_at,
        "attachment_count": view.attachment_count,
        "comment_count": view.comment_count,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _detail(view: RequestView) -> schemas.RequestDetail:
    attachments = [
        schemas.AttachmentRead(
            id=item.id,
            filename=item.filename,
            content_type=item.content_type,
            size_bytes=item.size_bytes,
            sha256=item.sha256,
            uploaded_by=item.uploaded_by,
            uploaded_by_name=name,
            uploaded_at=item.uploaded_at,
        )
        for item, name in view.attachments
    ]
    comments = [_comment(item, name, by_client) for item, name, by_client in view.comments]
    fields = _read(view) | {"attachment_count": len(attachments), "comment_count": len(comments)}
    return schemas.RequestDetail.model_validate({**fields, "attachments": attachments, "comments": comments})


def _comment(row: ClientRequestComment, name: str | None, by_client: bool) -> schemas.CommentRead:
    return schemas.CommentRead(
        id=row.id,
        author_id=row.author_id,
        author_name=name,
        author_is_client=by_client,
        body=row.body,
        created_at=row.created_at,
    )


def _page(views: list[RequestView], total: int, page: int, page_size: int) -> Page[schemas.RequestRead]:
    items = [schemas.RequestRead.model_validate(_read(view)) for view in views]
    return Page[schemas.RequestRead](items=items, page=page, page_size=page_size, total=total)


def _summary(summary: Summary) -> schemas.RequestSummary:
    return schemas.RequestSummary(
        total=summary.total,
        open=summary.open,
        overdue=summary.overdue,
        submitted=summary.submitted,
        accepted=summary.accepted,
    )


def _ids(call: Call) -> tuple[uuid.UUID, uuid.UUID]:
    return call.route_uuid("engagement_id"), call.route_uuid("request_id")


# --- under an engagement -----------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    REQUESTS,
    name="create_client_request",
    summary="Ask the client for a document or data by a date, assigned to one of the client's contacts",
    tags=TAGS,
    body=schemas.RequestCreate,
    response=schemas.RequestDetail,
    status=201,
    errors=[400, 403, 404, 409],
)
def create_client_request(call: Call) -> schemas.RequestDetail:
    body: schemas.RequestCreate = call.body
    with call.uow() as uow:
        view = service.create_request(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            title=body.title,
            description=body.description,
            due_date=body.due_date,
            assignee_id=body.assignee,
            kind=body.kind,
        )
        return _detail(view)


@endpoint(
    bp,
    "GET",
    REQUESTS,
    name="list_client_requests",
    summary="The engagement's requests to the client, soonest due first, with overdue flags",
    tags=TAGS,
    query=schemas.RequestListQuery,
    response=Page[schemas.RequestRead],
    errors=[404],
)
def list_client_requests(call: Call) -> Page[schemas.RequestRead]:
    query: schemas.RequestListQuery = call.query
    with call.uow() as uow:
        views, total = service.list_requests(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            status=query.status,
            overdue=query.overdue,
            offset=query.offset,
            limit=query.page_size,
        )
        return _page(views, total, query.page, query.page_size)


@endpoint(
    bp,
    "GET",
    REQUESTS + "/summary",
    name="summarize_client_requests",
    summary="The engagement's request counts: waiting on the client, overdue, waiting for acceptance, accepted",
    tags=TAGS,
    response=schemas.RequestSummary,
    errors=[404],
)
def summarize_client_requests(call: Call) -> schemas.RequestSummary:
    with call.uow() as uow:
        return _summary(service.summarize(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")))


@endpoint(
    bp,
    "GET",
    REQUEST,
    name="get_client_request",
    summary="One request with the files sent against it and its comments",
    tags=TAGS,
    response=schemas.RequestDetail,
    errors=[404],
)
def get_client_request(call: Call) -> schemas.RequestDetail:
    engagement_id, request_id = _ids(call)
    with call.uow() as uow:
        view = service.get_request_or_raise(
            uow=uow, principal=call.user, engagement_id=engagement_id, request_id=request_id
        )
        return _detail(view)


@endpoint(
    bp,
    "PATCH",
    REQUEST,
    name="update_client_request",
    summary="Change a request's title, description, due date or assignee (the team)",
    tags=TAGS,
    body=schemas.RequestUpdate,
    response=schemas.RequestDetail,
    errors=[400, 403, 404, 409],
)
def update_client_request(call: Call) -> schemas.RequestDetail:
    body: schemas.RequestUpdate = call.body
    engagement_id, request_id = _ids(call)
    with call.uow() as uow:
        view = service.update_request(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            request_id=request_id,
            changes=body.model_dump(exclude_unset=True),
        )
        return _detail(view)


@endpoint(
    bp,
    "POST",
    REQUEST + "/accept",
    name="accept_client_request",
    summary="Accept what the client submitted (a senior or above on the team); the request is closed",
    tags=TAGS,
    response=schemas.RequestDetail,
    errors=[403, 404, 409],
)
def accept_client_request(call: Call) -> schemas.RequestDetail:
    engagement_id, request_id = _ids(call)
    with call.uow() as uow:
        view = service.accept_request(uow=uow, principal=call.user, engagement_id=engagement_id, request_id=request_id)
        return _detail(view)


@endpoint(
    bp,
    "POST",
    REQUEST + "/return",
    name="return_client_request",
    summary="Return what the client submitted with a reason (a senior or above on the team); they send again",
    tags=TAGS,
    body=schemas.ReturnRequest,
    response=schemas.RequestDetail,
    errors=[400, 403, 404, 409],
)
def return_client_request(call: Call) -> schemas.RequestDetail:
    body: schemas.ReturnRequest = call.body
    engagement_id, request_id = _ids(call)
    with call.uow() as uow:
        view = service.return_request(
            uow=uow, principal=call.user, engagement_id=engagement_id, request_id=request_id, reason=body.reason
        )
        return _detail(view)


@endpoint(
    bp,
    "POST",
    REQUEST + "/comments",
    name="comment_client_request",
    summary="Comment on a request (the team or the client)",
    tags=TAGS,
    body=schemas.CommentCreate,
    response=schemas.CommentRead,
    status=201,
    errors=[400, 404, 409],
)
def comment_client_request(call: Call) -> schemas.CommentRead:
    body: schemas.CommentCreate = call.body
    engagement_id, request_id = _ids(call)
    principal = call.user
    with call.uow() as uow:
        comment = service.add_comment(
            uow=uow, principal=principal, engagement_id=engagement_id, request_id=request_id, body=body.body
        )
        return _comment(comment, None, principal.client_id is not None)


@endpoint(
    bp,
    "POST",
    REQUEST + "/attachments",
    name="attach_client_request_file",
    summary=(
        "Send a file against a request as the raw body (name in X-Filename or ?filename=); "
        "the request becomes submitted, waiting for the team's acceptance"
    ),
    tags=TAGS,
    raw_body_types=service.ACCEPTED_TYPES,
    response=schemas.AttachmentRead,
    status=201,
    errors=[400, 403, 404, 409, 413, 415],
)
def attach_client_request_file(call: Call) -> schemas.AttachmentRead:
    request = call.request
    header_name = request.headers.get("X-Filename")
    filename, source = (header_name, "X-Filename") if header_name else (request.params.get("filename"), "filename")
    engagement_id, request_id = _ids(call)
    with call.uow() as uow:
        item = service.attach_file(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            request_id=request_id,
            data=call.raw_body(),
            filename=filename,
            filename_source=source,
            content_type=(request.headers.get("Content-Type") or "").split(";")[0].strip().lower(),
        )
        return schemas.AttachmentRead(
            id=item.id,
            filename=item.filename,
            content_type=item.content_type,
            size_bytes=item.size_bytes,
            sha256=item.sha256,
            uploaded_by=item.uploaded_by,
            uploaded_by_name=None,
            uploaded_at=item.uploaded_at,
        )


@endpoint(
    bp,
    "GET",
    REQUEST + "/attachments/{attachment_id:guid}",
    name="download_client_request_file",
    summary="Download a file sent against a request, checked against its recorded SHA-256",
    tags=TAGS,
    response_content_type="application/octet-stream",
    errors=[404],
)
def download_client_request_file(call: Call) -> func.HttpResponse:
    engagement_id, request_id = _ids(call)
    with call.uow() as uow:
        content = service.read_attachment(
            uow=uow,
            principal=call.user,
            engagement_id=engagement_id,
            request_id=request_id,
            attachment_id=call.route_uuid("attachment_id"),
        )
    return file_response(
        content.data, content_type=content.attachment.content_type, filename=content.attachment.filename
    )


# --- across engagements ----------------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    "requests",
    name="list_my_client_requests",
    summary=(
        "Requests across the engagements the caller sees: a client contact's list (mine: assigned to me), "
        "a team member's (mine: the engagements whose team I am on); filter status=submitted for acceptance"
    ),
    tags=TAGS,
    query=schemas.MyRequestsQuery,
    response=Page[schemas.RequestRead],
)
def list_my_client_requests(call: Call) -> Page[schemas.RequestRead]:
    query: schemas.MyRequestsQuery = call.query
    with call.uow() as uow:
        views, total = service.list_my_requests(
            uow=uow,
            principal=call.user,
            mine=query.mine,
            status=query.status,
            overdue=query.overdue,
            offset=query.offset,
            limit=query.page_size,
        )
        return _page(views, total, query.page, query.page_size)


@endpoint(
    bp,
    "GET",
    "requests/summary",
    name="summarize_my_client_requests",
    summary="The counts of the caller's firm-wide request list, for the home dashboard",
    tags=TAGS,
    query=schemas.SummaryQuery,
    response=schemas.RequestSummary,
)
def summarize_my_client_requests(call: Call) -> schemas.RequestSummary:
    query: schemas.SummaryQuery = call.query
    with call.uow() as uow:
        return _summary(service.summarize_mine(uow=uow, principal=call.user, mine=query.mine))
