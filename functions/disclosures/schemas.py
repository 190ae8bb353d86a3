"""Request and response models of the disclosure checklist and the drafted notes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Framework = Literal["us_gaap_private", "sec_issuer"]
Answer = Literal["yes", "no", "not_applicable"]
Topic = Literal[
    "accounting_policies",
    "revenue",
    "leases",
    "debt",
    "income_taxes",
    "related_parties",
    "subsequent_events",
    "going_concern",
    "concentrations",
    "fair_value",
]
MAX_REASON = 4_000
MAX_BODY = 20_000


class Strict(BaseModel):
    """Request bodies of this capability: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EvidenceLink(Strict):
    kind: Literal["node", "evidence"] = Field(description="a binder node (workpaper) or an evidence file")
    id: uuid.UUID


class AnswerSet(Strict):
    answer: Answer
    reason: str = Field(
        "",
        max_length=MAX_REASON,
        description="why: required when the answer is not_applicable",
        examples=["The entity has no leases longer than twelve months"],
    )
    evidence: list[EvidenceLink] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _reason_for_not_applicable(self) -> AnswerSet:
        if self.answer == "not_applicable" and not self.reason:
            raise ValueError("reason: required when the answer is not_applicable")
        return self


class SettingsUpdate(Strict):
    framework: Framework | None = Field(
        None, description="the checklist to follow; left out, it keeps the engagement's (issuer client: sec_issuer)"
    )
    notes_in_report: bool | None = Field(
        None, strict=True, description="print the approved notes in the auditor's report PDF"
    )

    @model_validator(mode="after")
    def _something_to_change(self) -> SettingsUpdate:
        if self.framework is None and self.notes_in_report is None:
            raise ValueError("framework or notes_in_report: give at least one")
        return self


class AnswerRead(BaseModel):
    answer: Answer
    reason: str
    evidence: list[EvidenceLink]
    answered_by: uuid.UUID
    answered_by_name: str
    answered_at: datetime


class ItemRead(BaseModel):
    code: str = Field(examples=["leases.maturity"])
    topic: str
    requirement: str
    citation: str = Field(examples=["ASC 842-20-50-6"])
    on: bool = Field(description="whether the engagement's data turns the item on")
    reasons: list[str] = Field(description="why it is on", examples=[["turned on by account 21700 Lease liability"]])
    answer: AnswerRead | None = None


class TopicRead(BaseModel):
    topic: str
    title: str
    on: bool = Field(description="some item of the topic is on")
    items: list[ItemRead]


class ChecklistRead(BaseModel):
    framework: Framework
    framework_chosen: bool = Field(description="chosen by hand; otherwise from the client's entity type")
    notes_in_report: bool
    trial_balance: bool = Field(description="a mapped trial balance was read (without one only registers count)")
    topics: list[TopicRead]


class NoteDraft(Strict):
    topic: Topic


class NoteUpdate(Strict):
    title: str | None = Field(None, min_length=1, max_length=200)
    body: str = Field(
        min_length=1,
        max_length=MAX_BODY,
        description="the note; every amount a reference ({{tb:21700}}), citations as [[chunk:<id>]] or "
        "[[source:<key>]]",
        examples=["Lease liabilities were {{tb:21700}} at December 31, 2026 [[source:asc-842#disclosure-maturity]]."],
    )


class CitationRead(BaseModel):
    key: str = Field(examples=["source:asc-842#disclosure-maturity"])
    document: str
    locator: str
    text: str
    kind: str


class NoteRead(BaseModel):
    id: uuid.UUID
    topic: str
    title: str
    body: str
    rendered: str = Field(description="the note as printed: references resolved, citations dropped")
    values: dict[str, str] = Field(description="each reference of the body with the amount it resolves to")
    citations: list[CitationRead]
    problems: list[str] = Field(description="what the checker finds now (a reference the data no longer gives)")
    status: Literal["draft", "approved"]
    changed_since_approval: bool = Field(
        description="approved, but the data now renders it differently from the approved text (the report prints "
        "the approved text): draft or edit it and approve it again"
    )
    drafted_with: str = Field(description="the model that drafted it: offline or azure-openai:<deployment>")
    updated_by: uuid.UUID | None
    updated_at: datetime
    approved_by: uuid.UUID | None
    approved_at: datetime | None


class NoteList(BaseModel):
    items: list[NoteRead]
