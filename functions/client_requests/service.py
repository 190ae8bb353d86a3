"""Use cases of client requests: the team's PBC list, the client's answers, the team's decision.

The team (engagement.update) asks; a client contact of the engagement's client answers with files;
a senior or above on the team (workpaper.review) accepts, or returns with a reason. Both sides
comment. Client users reach these use cases (`require(..., clients=True)`) and row-level security
lets them see their client's engagements' requests and nothing else. Every write is in the audit log.

A file sent against a request is stored as evidence is (in the evidence container, under the
request's own key, with the SHA-256 measured here) and kept in the request's attachments. A data
request's accepted file is not loaded by this capability: the senior loads it on the Data tab.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import unquote

from sqlalchemy import ColumnElement, Select, and_, case, func, select

from functions.client_requests import pbc
from shared import clock
from shared.auth.permissions import CLIENT_ROLES, Permission
from shared.auth.principal import Principal
from shared.db.models import User
from shared.db.models_client_requests import ClientRequest, ClientRequestAttachment, ClientRequestComment
from shared.db.models_engagement import Engagement, EngagementMember
from shared.db.uow import UnitOfWork
from shared.engagement_access import EngagementAccess, is_client_user, record, require
from shared.errors import AppError, Conflict, NotFound, PayloadTooLarge, ValidationFailed
from shared.storage import BlobStorage, get_storage, sanitize_filename
from shared.uploads import EVIDENCE_TYPES

CONTAINER = "evidence"  # what a client sends against a request is evidence, kept beside the team's own
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024  # the Functions host's own request limit, as for evidence
ACCEPTED_TYPES = EVIDENCE_TYPES
TARGET = "client_request"
ASKERS = Permission.ENGAGEMENT_UPDATE
DECIDERS = Permission.WORKPAPER_REVIEW
SENDERS = Permission.DATA_UPLOAD
NOT_AN_ASKER = "Only the engagement's senior, manager or partner may ask the client for something"
NOT_A_DECIDER = "Only a senior or above on the engagement's team may accept or return what the client sent"
NOT_A_SENDER = "Your role may not send files against a request"


@dataclass
class RequestView:
    request: ClientRequest
    engagement_name: str
    assignee_name: str
    attachment_count: int = 0
    comment_count: int = 0
    attachments: list[tuple[ClientRequestAttachment, str | None]] = field(default_factory=list)
    comments: list[tuple[ClientRequestComment, str | None, bool]] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return pbc.is_overdue(due_date=self.request.due_date, status=self.request.status, today=today())


@dataclass
class Summary:
    total: int = 0
    open: int = 0
    overdue: int = 0
    submitted: int = 0
    accepted: int = 0


def today() -> date:
    """Today in UTC, by the process's clock."""
    return clock.now().date()


def blob_key(firm_id: uuid.UUID, engagement_id: uuid.UUID, request_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    return f"firms/{firm_id}/engagements/{engagement_id}/client-requests/{request_id}/{attachment_id}"


# --- reading ---------------------------------------------------------------------------------------


def _name(user: User | None) -> str:
    return (user.display_name or user.email) if user is not None else ""


def _views(uow: UnitOfWork, rows: Sequence[ClientRequest]) -> list[RequestView]:
    if not rows:
        return []
    ids = [row.id for row in rows]
    engagements: dict[uuid.UUID, str] = dict(
        uow.session.execute(
            select(Engagement.id, Engagement.name).where(Engagement.id.in_({row.engagement_id for row in rows}))
        ).all()
    )
    users = {
        user.id: user for user in uow.session.scalars(select(User).where(User.id.in_({r.assignee_id for r in rows})))
    }
    attachments: dict[uuid.UUID, int] = dict(
        uow.session.execute(
            select(ClientRequestAttachment.request_id, func.count())
            .where(ClientRequestAttachment.request_id.in_(ids))
            .group_by(ClientRequestAttachment.request_id)
        ).all()
    )
    comments: dict[uuid.UUID, int] = dict(
        uow.session.execute(
            select(ClientRequestComment.request_id, func.count())
            .where(ClientRequestComment.request_id.in_(ids))
            .group_by(ClientRequestComment.request_id)
        ).all()
    )
    return [
        RequestView(
            row,
            engagement_name=engagements.get(row.engagement_id, ""),
            assignee_name=_name(users.get(row.assignee_id)),
            attachment_count=attachments.get(row.id, 0),
            comment_count=comments.get(row.id, 0),
        )
        for row in rows
    ]


def _filters(status: str | None, overdue: bool | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if status is not None:
        where.append(ClientRequest.status == status)
    late = and_(ClientRequest.status != pbc.ACCEPTED, ClientRequest.due_date < today())
    if overdue is True:
        where.append(late)
    elif overdue is False:
        where.append(~late)
    return where


def _page(uow: UnitOfWork, query: Select[Any], *, offset: int, limit: int) -> tuple[list[RequestView], int]:
    total = uow.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = uow.session.scalars(
        query.order_by(ClientRequest.due_date, ClientRequest.created_at, ClientRequest.id).offset(offset).limit(limit)
    ).all()
    return _views(uow, rows), total


def list_requests(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    status: str | None = None,
    overdue: bool | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[RequestView], int]:
    """The engagement's requests, soonest due first."""
    require(uow, principal=principal, engagement_id=engagement_id, clients=True)
    query = select(ClientRequest).where(ClientRequest.engagement_id == engagement_id, *_filters(status, overdue))
    return _page(uow, query, offset=offset, limit=limit)


def _across_engagements(principal: Principal, *, mine: bool) -> list[ColumnElement[bool]]:
    """Which requests a caller's firm-wide list holds, in code as row-level security holds it in the database."""
    if is_client_user(principal):
        if principal.client_id is None:
            return [ClientRequest.id.is_(None)]
        where: list[ColumnElement[bool]] = [
            ClientRequest.engagement_id.in_(select(Engagement.id).where(Engagement.client_id == principal.client_id))
        ]
        if mine:
            where.append(ClientRequest.assignee_id == principal.user_id)
        return where
    on_team = ClientRequest.engagement_id.in_(
        select(EngagementMember.engagement_id).where(EngagementMember.user_id == principal.user_id)
    )
    if mine or not principal.can(Permission.ENGAGEMENT_READ_ALL):
        return [on_team]
    return []


def list_my_requests(
    *,
    uow: UnitOfWork,
    principal: Principal,
    mine: bool,
    status: str | None = None,
    overdue: bool | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[RequestView], int]:
    """Requests across the engagements the caller sees: a client contact's own list, a team member's work."""
    query = select(ClientRequest).where(*_across_engagements(principal, mine=mine), *_filters(status, overdue))
    return _page(uow, query, offset=offset, limit=limit)


def _summary(uow: UnitOfWork, where: list[ColumnElement[bool]]) -> Summary:
    waiting = ClientRequest.status.in_((pbc.OPEN, pbc.RETURNED))
    late = and_(ClientRequest.status != pbc.ACCEPTED, ClientRequest.due_date < today())
    row = uow.session.execute(
        select(
            func.count(),
            func.count(case((waiting, 1))),
            func.count(case((late, 1))),
            func.count(case((ClientRequest.status == pbc.SUBMITTED, 1))),
            func.count(case((ClientRequest.status == pbc.ACCEPTED, 1))),
        ).where(*where)
    ).one()
    return Summary(*row)


def summarize(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> Summary:
    """The engagement's counts: waiting on the client, overdue, waiting for acceptance, accepted."""
    require(uow, principal=principal, engagement_id=engagement_id, clients=True)
    return _summary(uow, [ClientRequest.engagement_id == engagement_id])


def summarize_mine(*, uow: UnitOfWork, principal: Principal, mine: bool) -> Summary:
    """The same counts across the engagements of the caller's firm-wide list, for the home dashboard."""
    return _summary(uow, _across_engagements(principal, mine=mine))


def _request_or_raise(
    uow: UnitOfWork, *, engagement_id: uuid.UUID, request_id: uuid.UUID, lock: bool = False
) -> ClientRequest:
    query = select(ClientRequest).where(ClientRequest.id == request_id, ClientRequest.engagement_id == engagement_id)
    if lock:
        query = query.with_for_update()
    row = uow.session.scalar(query)
    if row is None:
        raise NotFound("No such request", code="request_not_found")
    return row


def get_request_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, request_id: uuid.UUID
) -> RequestView:
    """One request with its files and comments, oldest first."""
    require(uow, principal=principal, engagement_id=engagement_id, clients=True)
    return _detail(uow, _request_or_raise(uow, engagement_id=engagement_id, request_id=request_id))


def _detail(uow: UnitOfWork, row: ClientRequest) -> RequestView:
    view = _views(uow, [row])[0]
    author = User.__table__.alias("author")
    attachments = uow.session.execute(
        select(ClientRequestAttachment, author.c.display_name, author.c.email)
        .outerjoin(author, author.c.id == ClientRequestAttachment.uploaded_by)
        .where(ClientRequestAttachment.request_id == row.id)
        .order_by(ClientRequestAttachment.uploaded_at, ClientRequestAttachment.id)
    ).all()
    view.attachments = [(item, name or email) for item, name, email in attachments]
    comments = uow.session.execute(
        select(ClientRequestComment, author.c.display_name, author.c.email, author.c.client_id)
        .outerjoin(author, author.c.id == ClientRequestComment.author_id)
        .where(ClientRequestComment.request_id == row.id)
        .order_by(ClientRequestComment.created_at, ClientRequestComment.id)
    ).all()
    view.comments = [(item, name or email, client is not None) for item, name, email, client in comments]
    return view


# --- the team's writes -----------------------------------------------------------------------------


def _assignee_or_raise(uow: UnitOfWork, access: EngagementAccess, assignee_id: uuid.UUID, where: str) -> User:
    """A client contact of the engagement's client, active, else 400 naming the field."""
    user = uow.session.get(User, assignee_id)
    if user is None or user.firm_id != access.engagement.firm_id:
        problem = "no such user"
    elif not set(user.roles) & CLIENT_ROLES or user.client_id != access.engagement.client_id:
        problem = "not a client contact of this engagement's client"
    elif not user.is_active:
        problem = "the user is deactivated"
    else:
        return user
    raise ValidationFailed.field(where, "assignee", message=f"{problem} ({assignee_id})", code="invalid_assignee")


def create_request(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    title: str,
    description: str,
    due_date: date,
    assignee_id: uuid.UUID,
    kind: str,
) -> RequestView:
    """Ask the client for a document or data by a date, assigned to one client contact."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        clients=True,
        permission=ASKERS,
        refusal=NOT_AN_ASKER,
    )
    _assignee_or_raise(uow, access, assignee_id, "body")
    row = ClientRequest(
        id=uuid.uuid4(),
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        title=title,
        description=description,
        kind=kind,
        due_date=due_date,
        assignee_id=assignee_id,
        status=pbc.OPEN,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    uow.session.add(row)
    uow.session.flush()
    record(
        uow,
        "client_request.created",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=row.id,
        title=title,
        kind=kind,
        due_date=due_date.isoformat(),
        assignee_id=str(assignee_id),
    )
    uow.commit()
    return _detail(uow, row)


def update_request(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    request_id: uuid.UUID,
    changes: dict[str, Any],
) -> RequestView:
    """Change a request's title, description, due date or assignee; an accepted one is closed."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        clients=True,
        permission=ASKERS,
        refusal=NOT_AN_ASKER,
    )
    row = _request_or_raise(uow, engagement_id=engagement_id, request_id=request_id, lock=True)
    if row.status == pbc.ACCEPTED:
        raise Conflict("The request was accepted and is closed", code="request_closed")
    if "assignee" in changes:
        _assignee_or_raise(uow, access, changes["assignee"], "body")
        changes["assignee_id"] = changes.pop("assignee")
    changed: dict[str, Any] = {}
    for name, value in changes.items():
        if getattr(row, name) != value:
            changed[name] = value.isoformat() if isinstance(value, date) else str(value)
            setattr(row, name, value)
    if changed:
        row.updated_by = principal.user_id
        uow.session.flush()
        record(
            uow, "client_request.updated", engagement_id=engagement_id, target_type=TARGET, target_id=row.id, **changed
        )
        uow.commit()
    return _detail(uow, row)


def _decide(
    uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, request_id: uuid.UUID, step: str
) -> ClientRequest:
    require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        clients=True,
        permission=DECIDERS,
        refusal=NOT_A_DECIDER,
    )
    row = _request_or_raise(uow, engagement_id=engagement_id, request_id=request_id, lock=True)
    target = pbc.next_status(row.status, step)
    if target is None:
        raise Conflict(
            f"A request that is {row.status} cannot be {'accepted' if step == 'accept' else 'returned'}: "
            "only what the client submitted can",
            code="invalid_request_status",
            request_status=row.status,
        )
    row.status = target
    row.decided_by = principal.user_id
    row.decided_at = clock.now()
    row.updated_by = principal.user_id
    return row


def accept_request(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, request_id: uuid.UUID
) -> RequestView:
    """Take what the client submitted: the request is closed."""
    row = _decide(uow, principal, engagement_id, request_id, "accept")
    uow.session.flush()
    record(uow, "client_request.accepted", engagement_id=engagement_id, target_type=TARGET, target_id=row.id)
    uow.commit()
    return _detail(uow, row)


def return_request(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, request_id: uuid.UUID, reason: str
) -> RequestView:
    """Send the request back to the client with what is wrong; they submit again."""
    problem = pbc.reason_problem(reason)
    if problem:
        raise ValidationFailed.field("body", "reason", message=problem)
    row = _decide(uow, principal, engagement_id, request_id, "return")
    row.return_reason = reason
    uow.session.flush()
    record(
        uow, "client_request.returned", engagement_id=engagement_id, target_type=TARGET, target_id=row.id, reason=reason
    )
    uow.commit()
    return _detail(uow, row)


# --- both sides --------------------------------------------------------------------------------------


def add_comment(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, request_id: uuid.UUID, body: str
) -> ClientRequestComment:
    """A comment on a request, by the team or the client."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        clients=True,
        permission=(Permission.ENGAGEMENT_READ, Permission.CLIENT_PORTAL),
    )
    row = _request_or_raise(uow, engagement_id=engagement_id, request_id=request_id)
    comment = ClientRequestComment(
        id=uuid.uuid4(),
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        request_id=row.id,
        author_id=principal.user_id,
        body=body,
    )
    uow.session.add(comment)
    uow.session.flush()
    record(
        uow,
        "client_request.commented",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=row.id,
        comment_id=str(comment.id),
        by_client=not access.internal,
    )
    uow.commit()
    return comment


def attach_file(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    request_id: uuid.UUID,
    data: bytes,
    filename: str | None,
    filename_source: str,
    content_type: str,
    storage: BlobStorage | None = None,
) -> ClientRequestAttachment:
    """Send a file against a request: it is stored with its SHA-256 and the request becomes submitted."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        clients=True,
        permission=SENDERS,
        refusal=NOT_A_SENDER,
    )
    row = _request_or_raise(uow, engagement_id=engagement_id, request_id=request_id, lock=True)
    target = pbc.next_status(row.status, "submit")
    if target is None:
        raise Conflict("The request was accepted and is closed", code="request_closed")
    name = sanitize_filename(unquote(filename or ""))
    if not name:
        shown = "missing" if not filename else f"nothing usable left of {filename[:80]!r}"
        raise ValidationFailed.field("header", filename_source, message=f"a file name is required ({shown})")
    if not data:
        raise ValidationFailed(
            "The body is empty: send the file's bytes",
            errors=[{"loc": ["body"], "msg": "empty body", "type": "missing"}],
        )
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise PayloadTooLarge(f"A file sent against a request may be at most {MAX_ATTACHMENT_BYTES} bytes")
    sha256 = hashlib.sha256(data).hexdigest()
    firm_id = access.engagement.firm_id
    attachment = ClientRequestAttachment(
        id=uuid.uuid4(),
        firm_id=firm_id,
        engagement_id=engagement_id,
        request_id=row.id,
        filename=name,
        content_type=content_type[:100],
        size_bytes=len(data),
        sha256=sha256,
        uploaded_by=principal.user_id,
    )
    attachment.blob_key = blob_key(firm_id, engagement_id, row.id, attachment.id)
    uow.session.add(attachment)
    previous = row.status
    row.status = target
    row.submitted_at = clock.now()
    row.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "client_request.submitted",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=row.id,
        attachment_id=str(attachment.id),
        filename=name,
        size_bytes=len(data),
        sha256=sha256,
        previous_status=previous,
    )
    # The row is flushed before the blob is written, so a refusal stores nothing; a blob whose
    # transaction then fails is deleted again (an orphan blob is harmless, a row without bytes is not).
    storage = storage or get_storage()
    storage.put(CONTAINER, attachment.blob_key, io.BytesIO(data), content_type=content_type, overwrite=False)
    try:
        uow.commit()
    except Exception:
        with contextlib.suppress(Exception):
            storage.delete(CONTAINER, attachment.blob_key)
        raise
    return attachment


@dataclass
class AttachmentContent:
    attachment: ClientRequestAttachment
    data: bytes


def read_attachment(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    request_id: uuid.UUID,
    attachment_id: uuid.UUID,
    storage: BlobStorage | None = None,
) -> AttachmentContent:
    """A file sent against a request, checked against its recorded SHA-256; the download is audited."""
    require(uow, principal=principal, engagement_id=engagement_id, clients=True)
    row = _request_or_raise(uow, engagement_id=engagement_id, request_id=request_id)
    attachment = uow.session.scalar(
        select(ClientRequestAttachment).where(
            ClientRequestAttachment.id == attachment_id, ClientRequestAttachment.request_id == row.id
        )
    )
    if attachment is None:
        raise NotFound("No such file on this request", code="attachment_not_found")
    data = (storage or get_storage()).get(CONTAINER, attachment.blob_key)
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise AppError("The stored file no longer matches its recorded SHA-256", code="attachment_integrity_failed")
    record(
        uow,
        "client_request.downloaded",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=row.id,
        attachment_id=str(attachment.id),
        filename=attachment.filename,
    )
    uow.commit()
    return AttachmentContent(attachment, data)
