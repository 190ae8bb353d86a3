"""Request and response models of cut-off tests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from functions.fieldwork.cutoff import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from shared.random_selection import SEED_LIMIT

Area = Literal["revenue", "receivables", "inventory", "payables"]
Mode = Literal["flagged", "chosen", "random"]


class Strict(BaseModel):
    """Request bodies of cut-off tests: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CutoffRunCreate(Strict):
    window_days: int = Field(
        DEFAULT_WINDOW_DAYS,
        ge=0,
        le=MAX_WINDOW_DAYS,
        strict=True,
        description="days either side of the period end whose postings the test reads",
    )


class SelectionCreate(Strict):
    mode: Mode = Field(description="flagged: every flagged line; chosen: the positions given; random: n from a seed")
    positions: list[StrictInt] | None = Field(
        None, max_length=10_000, description="chosen only: the lines' positions in the run (0-based)"
    )
    n: int | None = Field(None, ge=1, le=100_000, strict=True, description="random only: how many lines")
    seed: int | None = Field(
        None, ge=0, lt=SEED_LIMIT, strict=True, description="random only: the seed (a new one is recorded if left out)"
    )
    name: str | None = Field(None, min_length=1, max_length=200, description="the sample's name")


class CutoffLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    row_number: int
    journal_id: str
    line_number: int
    account_number: str
    account_name: str | None
    area: Area
    amount: Decimal
    effective_date: date
    document_date: date | None
    side: Literal["before", "after"]
    flagged: bool
    description: str | None


class CutoffSelectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sample_id: uuid.UUID
    how: dict[str, Any]
    created_at: datetime


class CutoffRunSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    engagement_id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_version: int
    period_end: date
    window_days: int
    parameters: dict[str, Any]
    counts: dict[str, Any] = Field(description="per area: before, after, flagged, no_document_date, flagged_amount")
    line_count: int
    flagged_count: int
    created_by: uuid.UUID | None
    created_at: datetime


class CutoffRunRead(CutoffRunSummary):
    lines: list[CutoffLineRead]
    selections: list[CutoffSelectionRead]


class CutoffRunList(BaseModel):
    items: list[CutoffRunSummary]


class SelectionRead(BaseModel):
    sample_id: uuid.UUID
    run_id: uuid.UUID
    method: str
    item_count: int
    seed: int
    algorithm: str
