"""Request and response models of the accounting estimates and their retrospective review."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from shared.http.fields import reject_null

Kind = Literal[
    "allowance_doubtful_accounts",
    "inventory_obsolescence",
    "warranty",
    "impairment",
    "useful_lives",
    "fair_value",
    "other",
]
Side = Literal["debit", "credit"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Account = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2, allow_inf_nan=False)]
MAX_TEXT = 10_000


class Strict(BaseModel):
    """Request bodies of the estimates: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _AuditorFigure(Strict):
    """The auditor's range (low and high together) or point, never both."""

    auditor_low: Money | None = None
    auditor_high: Money | None = None
    auditor_point: Money | None = None

    @model_validator(mode="after")
    def _range_or_point(self) -> _AuditorFigure:
        low, high, point = self.auditor_low, self.auditor_high, self.auditor_point
        if (low is None) != (high is None):
            raise ValueError(f"auditor_low and auditor_high go together (got low {low}, high {high})")
        if low is not None and high is not None and low > high:
            raise ValueError(f"auditor_low {low} is above auditor_high {high}")
        if point is not None and low is not None:
            raise ValueError("give the auditor's range (auditor_low, auditor_high) or auditor_point, not both")
        return self


class EstimateCreate(_AuditorFigure):
    name: Name = Field(examples=["Allowance for doubtful accounts"])
    kind: Kind
    account_number: Account = Field(description="the estimate's own account (the allowance, the provision)")
    counter_account_number: Account | None = Field(
        None, description="where a correction goes on the other side, usually the expense"
    )
    increases_with: Side = Field(
        "credit", description="the side that makes the estimate larger: credit for an allowance or provision"
    )
    management_estimate: Money = Field(description="management's point estimate")
    basis: str | None = Field(None, max_length=MAX_TEXT, description="how the auditor developed the range or point")


class EstimateUpdate(Strict):
    """Only what is sent changes; the auditor's figure is replaced whole when any part of it is sent."""

    name: Name | None = None
    kind: Kind | None = None
    account_number: Account | None = None
    counter_account_number: Account | None = None
    increases_with: Side | None = None
    management_estimate: Money | None = None
    auditor_low: Money | None = None
    auditor_high: Money | None = None
    auditor_point: Money | None = None
    basis: str | None = Field(None, max_length=MAX_TEXT)

    _not_null = field_validator("name", "kind", "account_number", "increases_with", "management_estimate")(reject_null)

    @model_validator(mode="after")
    def _figure(self) -> EstimateUpdate:
        sent = self.model_fields_set & {"auditor_low", "auditor_high", "auditor_point"}
        if sent:
            _AuditorFigure(
                auditor_low=self.auditor_low, auditor_high=self.auditor_high, auditor_point=self.auditor_point
            )
        return self


class EstimateAdjustmentLink(BaseModel):
    id: uuid.UUID
    number: int
    kind: str
    amount: Decimal
    current: bool = Field(description="the entry's amount is still the estimate's difference")


class EstimateRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    name: str
    kind: Kind
    account_number: str
    counter_account_number: str | None
    increases_with: Side
    management_estimate: Decimal
    auditor_low: Decimal | None
    auditor_high: Decimal | None
    auditor_point: Decimal | None
    auditor_figure: Decimal | None = Field(
        description="what management's estimate is measured against: the point, or the nearest bound of the range "
        "(management's own figure when inside it)"
    )
    difference: Decimal | None = Field(
        description="management's estimate less the auditor's figure; zero inside the range, null without a figure"
    )
    basis: str | None
    adjustment: EstimateAdjustmentLink | None = Field(description="the proposed adjusting entry the difference became")
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


class EstimatesRead(BaseModel):
    items: list[EstimateRead]
    total_difference: Decimal = Field(description="the differences' absolute amounts, summed")


class EstimateAdjustmentProposal(Strict):
    description: str | None = Field(
        None, max_length=MAX_TEXT, description="the entry's description; by default it names the estimate"
    )


class EstimateReviewCreate(Strict):
    name: Name = Field(examples=["Warranty provision 2025"])
    kind: Kind
    prior_estimate: Money = Field(description="last year's estimate")
    actual_outcome: Money = Field(description="what it turned out to be")
    notes: str | None = Field(None, max_length=MAX_TEXT)


class EstimateReviewUpdate(Strict):
    name: Name | None = None
    kind: Kind | None = None
    prior_estimate: Money | None = None
    actual_outcome: Money | None = None
    notes: str | None = Field(None, max_length=MAX_TEXT)

    _not_null = field_validator("name", "kind", "prior_estimate", "actual_outcome")(reject_null)


class EstimateReviewRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    name: str
    kind: Kind
    prior_estimate: Decimal
    actual_outcome: Decimal
    difference: Decimal = Field(description="actual outcome less the prior estimate")
    direction: Literal["over", "under", "exact"] = Field(
        description="over: the estimate was higher than the outcome; under: lower"
    )
    notes: str | None
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


class EstimateBiasRead(BaseModel):
    reviewed: int
    over: int
    under: int
    exact: int
    indicated: bool = Field(description="most differences lean one way: a possible management bias")
    leaning: Literal["over", "under"] | None
    rule: str


class EstimateReviewsRead(BaseModel):
    items: list[EstimateReviewRead]
    bias: EstimateBiasRead
