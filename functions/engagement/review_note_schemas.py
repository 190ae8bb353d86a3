"""Request and response models of review notes: a reviewer's question on a binder node and its thread."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.engagement.schemas import Strict
from shared.http import PageQuery

ReviewNoteStatus = Literal["open", "addressed", "cleared"]
MAX_BODY = 10_000


class ReviewNoteCreate(Strict):
    node_id: uuid.UUID
    body: str = Field(min_length=1, max_length=MAX_BODY)
    blocking: bool = Field(
        True, strict=True, description="whether the note must be cleared before the engagement is finalized"
    )
    assignee_id: uuid.UUID | None = Field(None, description="a member of the engagement team who should answer it")


class ReviewNoteUpdate(Strict):
    body: str | None = Field(None, min_length=1, max_length=MAX_BODY)
    blocking: bool | None = Field(None, strict=True)
    assignee_id: uuid.UUID | None = Field(None, description="null takes the note off its assignee")

    @model_validator(mode="after")
    def _no_null_body_or_blocking(self) -> ReviewNoteUpdate:
        # assignee_id may be cleared with null; a note always has a body and a blocking flag.
        for name in ("body", "blocking"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ReplyCreate(Strict):
    body: str = Field(min_length=1, max_length=MAX_BODY)


class ReviewNoteTransition(Strict):
    to: ReviewNoteStatus
    comment: str | None = Field(
        None, max_length=MAX_BODY, description="kept as a reply; required when reopening a cleared note"
    )


class ReplyRead(BaseModel):
    id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: datetime


class ReviewNoteRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    node_id: uuid.UUID
    node_index_code: str | None
    node_title: str
    body: str
    status: ReviewNoteStatus
    blocking: bool
    author_id: uuid.UUID
    assignee_id: uuid.UUID | None
    addressed_at: datetime | None
    addressed_by: uuid.UUID | None
    cleared_at: datetime | None
    cleared_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    my_transitions: list[ReviewNoteStatus] = Field(
        default_factory=list,
        description="what the caller may move the note to now (the raiser clears, the assignee addresses)",
    )


class ReviewNoteDetail(ReviewNoteRead):
    replies: list[ReplyRead]


class ReviewNoteQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    status: ReviewNoteStatus | None = None
    node_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    blocking: bool | None = None
