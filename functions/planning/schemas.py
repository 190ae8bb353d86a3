"""Request and response models of materiality and risk assessment."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.http import PageQuery
from shared.http.fields import reject_null

Benchmark = Literal["profit_before_tax", "revenue", "total_assets", "equity"]
Level = Literal["low", "moderate", "high"]
Assertion = Literal["existence", "completeness", "accuracy", "valuation", "cut_off", "presentation"]
Money = Annotated[Decimal, Field(max_digits=20, decimal_places=2, allow_inf_nan=False)]
MAX_TEXT = 10_000
MAX_PROCEDURES = 200


class Strict(BaseModel):
    """Request bodies of this capability: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- materiality -----------------------------------------------------------------------------------


class BenchmarkAmounts(Strict):
    profit_before_tax: Money | None = None
    revenue: Money | None = None
    total_assets: Money | None = None
    equity: Money | None = None


class MaterialityCreate(Strict):
    benchmark: Benchmark
    percentage: Decimal | None = Field(
        None,
        gt=0,
        max_digits=7,
        decimal_places=4,
        allow_inf_nan=False,
        description="in percent; the default for the benchmark when left out, else within 0.5x to 2x of it",
        examples=[5, 3.5],
    )
    amount: Money | None = Field(
        None,
        description="the benchmark's amount; when left out, taken from the engagement's confirmed mapping of its "
        "trial balance (and the other benchmarks' amounts with it)",
        examples=["2468013.57"],
    )
    benchmark_amounts: BenchmarkAmounts = Field(
        default_factory=BenchmarkAmounts, description="amounts of other benchmarks, shown side by side"
    )
    risk_level: Level = Field(description="engagement risk, which sets performance materiality (75/65/50%)")
    rationale: str = Field(min_length=1, max_length=MAX_TEXT, description="why this benchmark and percentage")


class AlternativeRead(BaseModel):
    benchmark: Benchmark
    benchmark_amount: Decimal
    default_percentage: Decimal
    percentage: Decimal | None
    overall_materiality: Decimal | None
    performance_materiality: Decimal | None
    clearly_trivial: Decimal | None
    chosen: bool
    usable: bool
    unusable_reason: str | None


class MaterialityRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    version: int
    benchmark: Benchmark
    benchmark_amount: Decimal
    percentage: Decimal = Field(description="in percent")
    risk_level: Level
    overall_materiality: Decimal
    performance_materiality: Decimal
    clearly_trivial: Decimal
    rationale: str
    alternatives: list[AlternativeRead]
    method: str = Field(description="the formulas with this version's numbers, one per line")
    rounding: str
    created_by: uuid.UUID | None
    created_at: datetime
    current: bool
    warnings: list[str] = Field(
        default_factory=list,
        description="when determined: e.g. profit before tax more than 30% from the prior year's (not stable)",
    )


# --- risks -----------------------------------------------------------------------------------------


class RiskCreate(Strict):
    area: str = Field(min_length=1, max_length=200, description="the account or area", examples=["Revenue"])
    assertion: Assertion
    description: str = Field(min_length=1, max_length=MAX_TEXT)
    inherent_risk: Level
    control_risk: Level
    fraud_risk: bool = Field(False, strict=True)
    significant_risk: bool = Field(False, strict=True)
    procedure_node_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=MAX_PROCEDURES, description="binder workpapers that answer the risk"
    )


class RiskUpdate(Strict):
    area: str | None = Field(None, min_length=1, max_length=200)
    assertion: Assertion | None = None
    description: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    inherent_risk: Level | None = None
    control_risk: Level | None = None
    fraud_risk: bool | None = Field(None, strict=True)
    significant_risk: bool | None = Field(None, strict=True)
    procedure_node_ids: list[uuid.UUID] | None = Field(None, max_length=MAX_PROCEDURES)

    _not_null = field_validator(
        "area",
        "assertion",
        "description",
        "inherent_risk",
        "control_risk",
        "fraud_risk",
        "significant_risk",
        "procedure_node_ids",
    )(reject_null)


class ResponseRead(BaseModel):
    """The planned nature, extent and timing of the procedures (functions/planning/risk.py)."""

    rmm: Level
    nature: Literal["substantive_only", "controls_and_substantive"]
    tests_of_details_required: bool
    controls_tested_this_period: bool
    extent: Level
    detection_risk: Decimal
    assurance_factor: Decimal
    sample_size_multiplier: Decimal
    timing: Literal["period_end", "interim_allowed"]
    unpredictability: bool
    notes: list[str]


class ProcedureRead(BaseModel):
    node_id: uuid.UUID
    index_code: str | None
    title: str
    kind: str


class RiskRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    area: str
    assertion: Assertion
    description: str
    inherent_risk: Level
    control_risk: Level
    fraud_risk: bool
    significant_risk: bool
    rmm: Level = Field(description="risk of material misstatement: inherent x control risk")
    response: ResponseRead
    procedure_node_ids: list[uuid.UUID]
    procedures: list[ProcedureRead] = Field(description="the linked binder nodes that still exist")
    created_by: uuid.UUID | None
    created_at: datetime
    updated_by: uuid.UUID | None
    updated_at: datetime


class RiskQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    area: str | None = Field(None, max_length=200)
    assertion: Assertion | None = None
    significant: bool | None = Field(None, description="only significant (true) or other (false) risks")
