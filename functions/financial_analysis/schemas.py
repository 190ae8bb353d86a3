"""Request and response models of financial analysis: ratios, flux, going-concern indicators, trends."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_EXPLANATION = 10_000


class AnalysisQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_threshold: Decimal | None = Field(
        None,
        ge=0,
        max_digits=20,
        decimal_places=2,
        allow_inf_nan=False,
        description="flux: a change must exceed this amount (strictly) to be flagged; "
        "default the current performance materiality",
    )
    percent_threshold: Decimal | None = Field(
        None,
        ge=0,
        max_digits=9,
        decimal_places=4,
        allow_inf_nan=False,
        description="flux: a change must exceed this percent of the prior amount (strictly); default 10",
    )


class TrendsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "png"] = Field("json", description="png: the monthly chart")


class RatioRead(BaseModel):
    code: str
    title: str
    formula: str
    unit: Literal["ratio", "days"] = Field(description="ratio: 4 decimals (a margin 0.2500 is 25%); days: 1 decimal")
    value: Decimal | None = Field(description="the current year's value; null when its denominator is zero")
    prior: Decimal | None = Field(description="the prior year's value; null without a prior-year trial balance")
    change: Decimal | None = Field(description="value - prior")
    inputs: dict[str, Decimal] = Field(description="the current year's amounts the ratio is computed from")
    prior_inputs: dict[str, Decimal] | None
    reason: str | None = Field(None, description="why value is null")
    prior_reason: str | None = Field(None, description="why prior is null")


class ExplanationRead(BaseModel):
    key: str
    text: str
    updated_by: uuid.UUID | None
    updated_at: datetime


class FluxLineRead(BaseModel):
    key: str = Field(description="account:<number> or caption:<section>.<caption slug>; stable across reads")
    level: Literal["caption", "account"]
    label: str
    section: str | None
    caption: str | None
    account_number: str | None
    current: Decimal
    prior: Decimal | None
    change: Decimal | None
    percent: Decimal | None = Field(description="change / |prior| x 100; null when prior is zero or missing")
    flagged: bool
    explanation: ExplanationRead | None = None


class FluxThresholds(BaseModel):
    amount: Decimal
    amount_source: Literal["request", "performance_materiality", "none"] = Field(
        description="none: no materiality is determined yet and none was given, so the amount test is 0"
    )
    percent: Decimal


class IndicatorRead(BaseModel):
    code: str
    title: str
    triggered: bool | None = Field(description="null when the figures to decide are missing")
    figures: dict[str, Decimal | None]
    note: str | None = None


class FinancialAnalysisRead(BaseModel):
    comparatives: str | None = Field(
        description="prior_year_trial_balance, opening_balances (balance sheet only), or null"
    )
    unconfirmed_accounts: int = Field(description="accounts whose mapping is not confirmed: left out of the ratios")
    ratios: list[RatioRead]
    flux: list[FluxLineRead]
    flux_thresholds: FluxThresholds
    indicators: list[IndicatorRead]


class ExplanationWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=MAX_EXPLANATION, description="why the line moved, and the evidence")


class TrendMonth(BaseModel):
    month: str = Field(description="YYYY-MM")
    revenue: Decimal
    cost_of_sales: Decimal
    operating_expenses: Decimal
    cash_movement: Decimal = Field(description="net of the lines posted to cash accounts (debit positive: inflow)")


class TrendsRead(BaseModel):
    dataset_id: uuid.UUID | None = Field(description="the current general ledger; null before one is loaded")
    months: list[TrendMonth]
    unmapped_lines: int = Field(description="lines whose account has no confirmed mapping: left out")
