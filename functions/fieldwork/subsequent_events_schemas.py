"""Request and response models of the subsequent events register and the next-period ledger review."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from shared.http.fields import IsoDate, reject_null

EventType = Literal["recognized", "nonrecognized"]
Status = Literal["open", "resolved"]
Source = Literal["inquiry", "minutes", "ledger_review", "legal_letter", "other"]
Decision = Literal["no_event", "event"]
MAX_TEXT = 4_000


def _finite(value: Decimal) -> Decimal:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2), AfterValidator(_finite)]
PositiveMoney = Annotated[Decimal, Field(max_digits=18, decimal_places=2, ge=0), AfterValidator(_finite)]


class Strict(BaseModel):
    """Request bodies of the register: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EntryLineIn(Strict):
    account_number: str = Field(min_length=1, max_length=100)
    debit: PositiveMoney = Decimal(0)
    credit: PositiveMoney = Decimal(0)


class ProposedEntry(Strict):
    """The adjusting entry a recognized event leads to, proposed to the client."""

    lines: list[EntryLineIn] = Field(min_length=2, max_length=50)


class SubsequentEventCreate(Strict):
    event_date: IsoDate = Field(description="after the balance-sheet date (the period end)")
    description: str = Field(min_length=1, max_length=MAX_TEXT)
    event_type: EventType = Field(
        description="recognized: conditions that existed at the balance-sheet date (adjust, Type I); "
        "nonrecognized: conditions that arose after it (disclose, Type II)"
    )
    amount: Money | None = None
    source: Source
    status: Status = "open"
    disclosure: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    adjustment: ProposedEntry | None = Field(
        None, description="recognized only: write this as a proposed adjusting entry, with the event as its reason"
    )
    adjustment_id: uuid.UUID | None = Field(None, description="recognized only: link an existing adjusting entry")


class SubsequentEventUpdate(Strict):
    event_date: IsoDate | None = None
    description: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    event_type: EventType | None = None
    amount: Money | None = None
    source: Source | None = None
    status: Status | None = None
    disclosure: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    adjustment_id: uuid.UUID | None = None

    _not_null = field_validator("event_date", "description", "event_type", "source", "status", mode="before")(
        reject_null
    )


class LinkedAdjustment(BaseModel):
    id: uuid.UUID
    number: int
    kind: str
    amount: Decimal


class SubsequentEventRead(BaseModel):
    id: uuid.UUID
    event_date: date
    description: str
    event_type: EventType
    amount: Decimal | None
    status: Status
    source: Source
    disclosure: str | None
    adjustment: LinkedAdjustment | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    reviewed_by: uuid.UUID | None
    reviewed_at: datetime | None


class ReviewThrough(BaseModel):
    reviewed_through: date
    note: str | None
    updated_by: uuid.UUID | None
    updated_at: datetime


class SubsequentEventsRead(BaseModel):
    period_end: date
    review: ReviewThrough | None = Field(description="through which date the subsequent events review was done")
    events: list[SubsequentEventRead]


class ReviewThroughUpdate(Strict):
    reviewed_through: IsoDate = Field(description="the last date the review covered: on or after the period end")
    note: str | None = Field(None, max_length=MAX_TEXT)


class LedgerQuery(BaseModel):
    threshold: Decimal | None = Field(
        None, gt=0, max_digits=18, decimal_places=2, description="default: the clearly trivial threshold"
    )


class LedgerLineRead(BaseModel):
    row_number: int
    journal_id: str
    line_number: int
    account_number: str
    account_name: str | None
    amount: Decimal
    effective_date: date
    document_date: date | None
    description: str | None
    decision: Decision | None
    event_id: uuid.UUID | None
    note: str | None
    decided_by: uuid.UUID | None
    decided_at: datetime | None


class LedgerReviewRead(BaseModel):
    dataset_id: uuid.UUID
    dataset_version: int
    period_end: date
    covers_through: date | None = Field(description="the ledger's last posting date; after the period end or nothing")
    threshold: Decimal
    threshold_source: Literal["clearly_trivial", "parameter"]
    lines: list[LedgerLineRead]
    total: int
    truncated: bool


class LedgerDecisionUpdate(Strict):
    dataset_id: uuid.UUID = Field(description="the ledger version the line is from (the review's dataset_id)")
    decision: Decision
    event_id: uuid.UUID | None = Field(None, description="decision event: the register's event the line led to")
    note: str | None = Field(None, max_length=MAX_TEXT)
