"""Response models of the home summary: every visible engagement's progress and the caller's tasks."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from functions.engagement.schemas import EngagementRole, Status


class SummaryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include_finalized: bool = Field(False, description="also the finalized engagements (their figures no longer move)")


class EngagementProgressRead(BaseModel):
    """One engagement's progress figures; null where the caller may not read them (client users)."""

    engagement_id: uuid.UUID
    name: str
    status: Status
    locked: bool
    my_role: EngagementRole | None
    workpapers_total: int | None = Field(description="workpapers in the binder")
    workpapers_signed: int | None = Field(description="workpapers with an active approval sign-off")
    open_review_notes: int | None = Field(description="review notes in status open")
    unresolved_je_exceptions: int | None = Field(
        description="flagged journals of the latest completed JE run still open or investigated; 0 before any run"
    )
    je_run_id: uuid.UUID | None = Field(description="the latest completed JE run, or null")
    loaded_kinds: list[str] | None = Field(description="kinds of client data with a current (loaded) version")
    awaiting_acceptance: int | None = Field(description="client submissions waiting for the team's acceptance")
    materiality_set: bool | None = Field(description="whether a materiality has been determined")


class NoteTask(BaseModel):
    engagement_id: uuid.UUID
    engagement_name: str
    note_id: uuid.UUID
    node_id: uuid.UUID
    node_index_code: str | None
    node_title: str
    body: str


class SignoffTask(BaseModel):
    engagement_id: uuid.UUID
    engagement_name: str
    node_id: uuid.UUID
    index_code: str | None
    title: str
    step: Literal["review", "approve"] = Field(description="the sign-off waiting for the caller")


class SubmissionTask(BaseModel):
    engagement_id: uuid.UUID
    engagement_name: str
    dataset_id: uuid.UUID
    kind: str
    filename: str


class EngagementSummaryRead(BaseModel):
    items: list[EngagementProgressRead] = Field(description="the visible engagements, in the list's order")
    truncated: bool = Field(description="more engagements are visible than the summary covers")
    notes_assigned_to_me: list[NoteTask]
    waiting_for_my_signoff: list[SignoffTask]
    submissions_to_accept: list[SubmissionTask]
