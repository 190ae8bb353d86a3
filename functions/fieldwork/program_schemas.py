"""Request and response models of the procedure library and the engagement's audit program."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.http.fields import reject_null

Assertion = Literal[
    "existence",
    "completeness",
    "accuracy",
    "valuation",
    "cut_off",
    "rights_and_obligations",
    "presentation",
    "occurrence",
    "classification",
]
AreaCode = Literal[
    "cash",
    "receivables",
    "inventory",
    "fixed_assets",
    "payables",
    "revenue",
    "expenses",
    "equity",
    "journal_entries",
    "other",
]
Nature = Literal["test_of_controls", "substantive_analytical", "test_of_details"]
RiskResponse = Literal["routine", "significant_risk", "fraud_risk", "controls_reliance"]
Status = Literal["not_started", "in_progress", "completed", "not_applicable"]
MAX_TEXT = 10_000
MAX_LINKS = 200


class Strict(BaseModel):
    """Request bodies of this capability: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- the library ----------------------------------------------------------------------------------


class LibraryProcedureCreate(Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", examples=["F-CASH-01"])
    title: str = Field(min_length=1, max_length=300)
    objective: str = Field(min_length=1, max_length=MAX_TEXT)
    assertions: list[Assertion] = Field(min_length=1, max_length=9)
    areas: list[AreaCode] = Field(min_length=1, max_length=10)
    risk_responses: list[RiskResponse] = Field(default_factory=list, max_length=4)
    nature: Nature


class LibraryProcedureUpdate(Strict):
    title: str | None = Field(None, min_length=1, max_length=300)
    objective: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    assertions: list[Assertion] | None = Field(None, min_length=1, max_length=9)
    areas: list[AreaCode] | None = Field(None, min_length=1, max_length=10)
    risk_responses: list[RiskResponse] | None = Field(None, max_length=4)
    nature: Nature | None = None
    retired: bool | None = Field(None, strict=True, description="a retired procedure is no longer offered")

    _not_null = field_validator("title", "objective", "assertions", "areas", "risk_responses", "nature", "retired")(
        reject_null
    )


class StarterVisibility(Strict):
    code: str = Field(min_length=1, max_length=40, description="a starter procedure's code", examples=["CASH-01"])
    hidden: bool = Field(strict=True)


class LibraryProcedureRead(BaseModel):
    id: uuid.UUID | None = Field(description="the firm's procedure's id; none for a starter procedure")
    code: str
    source: Literal["starter", "firm"]
    title: str
    objective: str
    assertions: list[str]
    areas: list[str]
    risk_responses: list[str]
    nature: Nature
    hidden: bool = Field(description="a starter procedure the firm hid")
    retired: bool = Field(description="a firm procedure the firm retired")


class AreaRead(BaseModel):
    code: str
    label: str


class LibraryRead(BaseModel):
    areas: list[AreaRead]
    procedures: list[LibraryProcedureRead]


class LibraryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include_hidden: bool = Field(False, description="also list hidden starter and retired firm procedures")


# --- the program ----------------------------------------------------------------------------------


class ProgramProcedureCreate(Strict):
    """From the library (library_code), or a custom procedure (title, area, nature, ...)."""

    library_code: str | None = Field(None, min_length=1, max_length=40)
    title: str | None = Field(None, min_length=1, max_length=300)
    objective: str = Field("", max_length=MAX_TEXT)
    area: AreaCode | None = None
    assertions: list[Assertion] = Field(default_factory=list, max_length=9)
    nature: Nature | None = None
    risk_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_LINKS)


class ProgramProcedureUpdate(Strict):
    owner_id: uuid.UUID | None = None
    status: Status | None = None
    na_reason: str | None = Field(None, max_length=MAX_TEXT)
    conclusion: str | None = Field(None, max_length=MAX_TEXT)
    workpaper_node_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_LINKS)
    sample_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_LINKS)
    evidence_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_LINKS)
    risk_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_LINKS)
    title: str | None = Field(None, min_length=1, max_length=300)
    objective: str | None = Field(None, max_length=MAX_TEXT)

    _not_null = field_validator(
        "status", "conclusion", "workpaper_node_ids", "sample_ids", "evidence_ids", "risk_ids", "title", "objective"
    )(reject_null)


class ProgramOrder(Strict):
    procedure_ids: list[uuid.UUID] = Field(min_length=1, max_length=2000, description="every procedure, in order")


class LinkRead(BaseModel):
    id: uuid.UUID
    label: str


class ProgramProcedureRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    source: Literal["starter", "firm", "custom", "generic"]
    library_code: str | None
    area: str
    title: str
    objective: str
    assertions: list[str]
    nature: Nature
    position: int
    owner_id: uuid.UUID | None
    status: Status
    na_reason: str | None
    conclusion: str
    risk_ids: list[uuid.UUID]
    workpaper_node_ids: list[uuid.UUID]
    sample_ids: list[uuid.UUID]
    evidence_ids: list[uuid.UUID]
    risks: list[LinkRead] = Field(description="the linked risks that still exist: area / assertion")
    workpapers: list[LinkRead] = Field(description="the linked workpapers that still exist, with their sign-offs")
    signed_workpapers: list[uuid.UUID] = Field(description="linked workpapers with active prepare and review")
    samples: list[LinkRead]
    completed_by: uuid.UUID | None
    completed_at: datetime | None
    updated_at: datetime


class UncoveredRisk(BaseModel):
    id: uuid.UUID
    area: str
    assertion: str
    reason: str


class ProgramRead(BaseModel):
    areas: list[AreaRead]
    procedures: list[ProgramProcedureRead]
    uncovered_risks: list[UncoveredRisk] = Field(
        description="risks no procedure answers, or significant/fraud risks with no substantive one"
    )
    added: int = Field(0, description="procedures a generation added")
