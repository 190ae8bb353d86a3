"""Request and response models of the assistant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

MAX_QUESTION = 2_000
ChunkKind = Literal["workpaper", "evidence", "review_note", "trial_balance", "journal_test", "source"]


class AskRequest(BaseModel):
    question: str = Field(
        min_length=3,
        max_length=MAX_QUESTION,
        description="a question about the engagement, in plain words",
        examples=["Why was journal JE-1042 flagged?"],
    )


class Citation(BaseModel):
    """A passage the answer rests on, and where it comes from."""

    number: int = Field(description="the [n] that marks it in the answer", examples=[1])
    chunk_id: uuid.UUID
    document: str = Field(description="the document's name", examples=["B-1 Cash"])
    locator: str = Field(description="where in the document: page, rows, section, account", examples=["page 2"])
    kind: ChunkKind
    text: str = Field(description="the passage itself")


class AskResponse(BaseModel):
    answer: str = Field(description="the answer, each statement followed by the [n] of its passage")
    citations: list[Citation]
    provider: str = Field(description="the model that answered: offline or azure-openai:<deployment>")


class AssistantStatus(BaseModel):
    provider: str = Field(description="the model that answers: offline or azure-openai:<deployment>")
    chunk_count: int = Field(description="passages of this engagement the caller's questions can draw on")
    indexed_at: datetime | None = Field(description="when the engagement was last indexed; null before the first time")
    stale: bool | None = Field(
        description="a document changed since the index was built (it is rebuilt on the next question); "
        "null for client users"
    )
