"""Request and response models of the stateless sampling calculators (attribute, MUS, classical)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from functions.sampling import mus
from shared.errors import ValidationFailed

MAX_ITEMS = 20_000


def _between_0_and_1(value: Decimal) -> Decimal:
    if not value.is_finite() or not Decimal(0) < value < Decimal(1):
        raise ValueError(f"must be above 0 and below 1 (a rate, e.g. 0.05 for 5%), got {value}")
    return value


def _rate_or_zero(value: Decimal) -> Decimal:
    if not value.is_finite() or not Decimal(0) <= value < Decimal(1):
        raise ValueError(f"must be from 0 to below 1 (a rate, e.g. 0.01 for 1%), got {value}")
    return value


def _positive(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise ValueError(f"must be above 0, got {value}")
    return value


def _not_negative(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError(f"must be 0 or more, got {value}")
    return value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError(f"must be a number, got {value}")
    return value


Rate = Annotated[Decimal, Field(max_digits=12), AfterValidator(_between_0_and_1)]
RateOrZero = Annotated[Decimal, Field(max_digits=12), AfterValidator(_rate_or_zero)]
Amount = Annotated[Decimal, Field(max_digits=20, decimal_places=2), AfterValidator(_positive)]
AmountOrZero = Annotated[Decimal, Field(max_digits=20, decimal_places=2), AfterValidator(_not_negative)]
SignedAmount = Annotated[Decimal, Field(max_digits=20, decimal_places=2), AfterValidator(_finite)]


class Strict(BaseModel):
    """Request bodies: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RiskOrConfidence(Strict):
    risk: Rate | None = Field(
        None, description="risk of overreliance / incorrect acceptance, e.g. 0.05", examples=["0.05"]
    )
    confidence: Rate | None = Field(None, description="1 - risk, e.g. 0.95; give this or risk", examples=["0.95"])

    def resolved_risk(self, *where: str) -> Decimal:
        """The risk the auditor gave, directly or as 1 - confidence; exactly one of the two."""
        at = where or ("body",)
        if self.risk is not None and self.confidence is not None:
            if self.risk != 1 - self.confidence:
                raise ValidationFailed.field(
                    *at, "confidence", message=f"{self.confidence} disagrees with risk {self.risk}; give one of them"
                )
            return self.risk
        if self.risk is not None:
            return self.risk
        if self.confidence is not None:
            return 1 - self.confidence
        raise ValidationFailed.field(
            *at, "risk", message="give risk (e.g. 0.05) or confidence (e.g. 0.95), got neither"
        )


# --- attribute sampling ------------------------------------------------------------------------------


class AttributePlanRequest(RiskOrConfidence):
    tolerable_rate: Rate = Field(description="tolerable deviation rate, e.g. 0.05", examples=["0.05"])
    expected_rate: RateOrZero = Field(Decimal(0), description="expected population deviation rate", examples=["0.01"])
    population_size: int | None = Field(
        None, ge=1, le=1_000_000_000, strict=True, description="when given, the hypergeometric (without replacement)"
    )


class AttributePlanRead(BaseModel):
    n: int = Field(description="sample size")
    allowed_deviations: int
    risk: Decimal
    confidence: Decimal
    tolerable_rate: Decimal
    expected_rate: Decimal
    population_size: int | None
    distribution: Literal["binomial", "hypergeometric"]
    achieved_risk: Decimal = Field(description="P(X <= allowed deviations) at the tolerable rate, for this size")
    formula: str


class AttributeEvaluateRequest(RiskOrConfidence):
    n: int = Field(ge=1, le=1_000_000, strict=True, description="sample size: items tested", examples=[100])
    deviations: int = Field(ge=0, strict=True)
    tolerable_rate: Rate | None = Field(None, description="when given, the conclusion rely | do_not_rely")
    population_size: int | None = Field(None, ge=1, le=1_000_000_000, strict=True)


class AttributeEvaluationRead(BaseModel):
    n: int = Field(description="sample size")
    deviations: int
    risk: Decimal
    confidence: Decimal
    sample_deviation_rate: Decimal
    upper_deviation_limit: Decimal = Field(description="one-sided upper limit, rounded up to 0.01%")
    allowance_for_sampling_risk: Decimal
    tolerable_rate: Decimal | None
    population_size: int | None
    risk_at_tolerable_rate: Decimal | None
    conclusion: Literal["rely", "do_not_rely"] | None
    distribution: Literal["binomial", "hypergeometric"]
    formula: str


# --- monetary unit sampling ---------------------------------------------------------------------------


class MusPlanRequest(RiskOrConfidence):
    book_value: Amount = Field(description="the population's book value (its positive items)", examples=["2500000.00"])
    tolerable_misstatement: Amount = Field(examples=["125000.00"])
    expected_misstatement: AmountOrZero = Field(Decimal(0), examples=["20000.00"])
    expansion_factor: Decimal | None = Field(
        None, gt=0, le=5, max_digits=6, allow_inf_nan=False, description="default: the guide's table for the risk"
    )


class MusPlanRead(BaseModel):
    n: int = Field(description="sample size: monetary units to select")
    interval: Decimal
    confidence_factor: Decimal = Field(description="RF(0) as tabled, rounded up to cents")
    confidence_factor_exact: Decimal = Field(description="RF(0) = -ln(risk), the factor the size is computed with")
    expansion_factor: Decimal
    risk: Decimal
    confidence: Decimal
    book_value: Decimal
    tolerable_misstatement: Decimal
    expected_misstatement: Decimal
    formula: str


class AuditedItem(Strict):
    key: str = Field(min_length=1, max_length=200, description="the item's reference, as selected")
    book_value: Amount
    audited_value: SignedAmount


class MusEvaluateRequest(RiskOrConfidence):
    interval: Amount
    tolerable_misstatement: Amount
    items: list[AuditedItem] = Field(
        min_length=1, max_length=MAX_ITEMS, description="every sampled item, high-value items included"
    )


class BoundRead(BaseModel):
    basic_precision: Decimal
    projected_misstatement: Decimal
    incremental_allowance: Decimal
    upper_limit: Decimal


class LineRead(BaseModel):
    key: str
    book_value: Decimal
    audited_value: Decimal
    misstatement: Decimal
    tainting: Decimal | None
    projected: Decimal
    rank: int | None
    confidence_factor: Decimal | None
    incremental_allowance: Decimal
    high_value: bool


class MusEvaluationRead(BaseModel):
    interval: Decimal
    risk: Decimal
    confidence: Decimal
    tolerable_misstatement: Decimal
    overstatement: BoundRead
    understatement: BoundRead
    lines: list[LineRead]
    conclusion: Literal["accept", "reject"]
    formula: str

    @classmethod
    def of(cls, result: mus.Evaluation) -> MusEvaluationRead:
        return cls(
            interval=result.interval,
            risk=result.risk,
            confidence=1 - result.risk,
            tolerable_misstatement=result.tolerable_misstatement,
            overstatement=BoundRead(**asdict(result.overstatement)),
            understatement=BoundRead(**asdict(result.understatement)),
            lines=[LineRead(**asdict(line), high_value=line.tainting is None) for line in result.lines],
            conclusion=result.conclusion,
            formula=result.formula,
        )


# --- classical variables ------------------------------------------------------------------------------


class ClassicalItem(Strict):
    key: str | None = Field(None, max_length=200)
    book_value: SignedAmount
    audited_value: SignedAmount


class ClassicalEvaluateRequest(RiskOrConfidence):
    method: Literal["mean_per_unit", "difference", "ratio"]
    population_size: int = Field(ge=2, le=1_000_000_000, strict=True)
    book_value: SignedAmount = Field(description="the population's recorded total")
    tolerable_misstatement: Amount | None = None
    items: list[ClassicalItem] = Field(min_length=2, max_length=MAX_ITEMS)


class ClassicalEvaluationRead(BaseModel):
    method: Literal["mean_per_unit", "difference", "ratio"]
    population_size: int
    n: int = Field(description="sample size")
    book_value: Decimal
    point_estimate: Decimal
    projected_misstatement: Decimal
    standard_error: Decimal
    z: Decimal
    precision: Decimal
    lower_limit: Decimal
    upper_limit: Decimal
    confidence: Decimal
    tolerable_misstatement: Decimal | None
    conclusion: Literal["accept", "reject"] | None
    formula: str
