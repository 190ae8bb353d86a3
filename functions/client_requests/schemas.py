"""Request and response models of client requests (the PBC list)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.http import PageQuery
from shared.http.fields import IsoDate, reject_null

Kind = Literal["document", "data"]
Status = Literal["open", "submitted", "accepted", "returned"]
MAX_TEXT = 10_000
Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=MAX_TEXT)]


class Strict(BaseModel):
    """Request bodies of this capability: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RequestCreate(Strict):
    title: Title
    description: Description = ""
    due_date: IsoDate
    assignee: uuid.UUID = Field(
        description="the client contact who answers it: a client user of the engagement's client"
    )
    kind: Kind = Field(description="document: a file for the audit file; data: a ledger or balance file to load")


class RequestUpdate(Strict):
    title: Title | None = None
    description: Description | None = None
    due_date: IsoDate | None = None
    assignee: uuid.UUID | None = None

    _not_null = field_validator("title", "description", "due_date", "assignee", mode="before")(reject_null)


class ReturnRequest(Strict):
    reason: str = Field(min_length=1, max_length=2000, description="what is wrong, in words the client will read")


class CommentCreate(Strict):
    body: str = Field(min_length=1, max_length=MAX_TEXT)


class RequestListQuery(PageQuery):
    status: Status | None = None
    overdue: bool | None = Field(None, description="true: only overdue requests; false: only those not overdue")


class MyRequestsQuery(RequestListQuery):
    mine: bool = Field(
        False,
        description=(
            "client contact: only the requests assigned to me; team member: only the engagements whose team I am on"
        ),
    )


class SummaryQuery(BaseModel):
    mine: bool = False


class CommentRead(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None
    author_is_client: bool
    body: str
    created_at: datetime


class AttachmentRead(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: uuid.UUID | None
    uploaded_by_name: str | None
    uploaded_at: datetime


class RequestRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    engagement_name: str
    title: str
    description: str
    kind: Kind
    due_date: date
    assignee_id: uuid.UUID
    assignee_name: str
    status: Status
    overdue: bool = Field(description="due before today (UTC) and not accepted")
    return_reason: str | None = Field(description="why the team returned it; kept after a new submission")
    submitted_at: datetime | None
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    last_reminded_at: datetime | None
    attachment_count: int
    comment_count: int
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class RequestDetail(RequestRead):
    attachments: list[AttachmentRead]
    comments: list[CommentRead]


class RequestSummary(BaseModel):
    total: int
    open: int = Field(description="waiting on the client: open or returned")
    overdue: int
    submitted: int = Field(description="client submissions waiting for the team's acceptance")
    accepted: int
