"""Request and response models of samples stored on an engagement."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from functions.sampling.schemas import Amount, AmountOrZero, Rate, RateOrZero, RiskOrConfidence, SignedAmount, Strict
from functions.sampling.selection import SEED_LIMIT
from shared.db.models_sampling import Sample, SampleItem
from shared.http import PageQuery

Method = Literal["mus", "random", "stratified", "attribute"]
MAX_UPLOADED_ITEMS = 100_000


class PopulationItem(Strict):
    key: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=500)
    book_value: SignedAmount


class PopulationSpec(Strict):
    source: Literal["trial_balance", "general_ledger", "items"]
    account: str | None = Field(None, min_length=1, max_length=100, description="general_ledger: one account's lines")
    amounts: Literal["absolute", "as_recorded"] = Field(
        "absolute", description="book values as absolute amounts (credits count as positive) or as recorded"
    )
    items: list[PopulationItem] | None = Field(None, max_length=MAX_UPLOADED_ITEMS, description="source items only")


class MusParameters(RiskOrConfidence):
    tolerable_misstatement: Amount
    expected_misstatement: AmountOrZero = Decimal(0)
    expansion_factor: Decimal | None = Field(None, gt=0, le=5, max_digits=6, allow_inf_nan=False)


class RandomParameters(Strict):
    n: int = Field(ge=1, le=100_000, strict=True, description="sample size: items to select")


class StratifiedParameters(Strict):
    n: int = Field(ge=1, le=100_000, strict=True, description="sample size, all strata together")
    strata: int = Field(4, ge=1, le=50, strict=True)
    boundaries: Literal["equal_value", "cumulative_sqrt_f"] = "equal_value"


class AttributeParameters(RiskOrConfidence):
    tolerable_rate: Rate
    expected_rate: RateOrZero = Decimal(0)


PARAMETERS: dict[str, type[Strict]] = {
    "mus": MusParameters,
    "random": RandomParameters,
    "stratified": StratifiedParameters,
    "attribute": AttributeParameters,
}


class SampleCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    method: Method
    population: PopulationSpec
    parameters: dict[str, Any] = Field(description="by method: see MusParameters, RandomParameters, ...")
    seed: int | None = Field(None, ge=0, lt=SEED_LIMIT, strict=True, description="default: drawn and recorded")


class SampleItemRead(BaseModel):
    line: int
    population_position: int
    key: str
    description: str | None
    book_value: Decimal
    high_value: bool
    hits: int
    stratum: int | None
    audited_value: Decimal | None
    deviation: bool | None
    note: str | None
    audited_at: datetime | None

    @classmethod
    def of(cls, item: SampleItem) -> SampleItemRead:
        return cls(
            line=item.line,
            population_position=item.population_position,
            key=item.item_key,
            description=item.description,
            book_value=item.book_value,
            high_value=item.high_value,
            hits=item.hits,
            stratum=item.stratum,
            audited_value=item.audited_value,
            deviation=item.deviation,
            note=item.note,
            audited_at=item.audited_at,
        )


class SampleSummary(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    name: str
    method: Method
    population: dict[str, Any]
    parameters: dict[str, Any]
    design: dict[str, Any]
    seed: int
    algorithm: str
    evaluation: dict[str, Any] | None
    evaluated_at: datetime | None
    item_count: int
    audited_count: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def fields_of(sample: Sample, item_count: int, audited_count: int) -> dict[str, Any]:
        columns = ("id", "engagement_id", "name", "method", "population", "parameters", "design", "seed")
        more = ("algorithm", "evaluation", "evaluated_at", "created_at", "updated_at")
        return {
            **{name: getattr(sample, name) for name in columns + more},
            "item_count": item_count,
            "audited_count": audited_count,
        }

    @classmethod
    def of(cls, sample: Sample, item_count: int, audited_count: int) -> SampleSummary:
        return cls(**cls.fields_of(sample, item_count, audited_count))


class SampleRead(SampleSummary):
    items: list[SampleItemRead] = Field(description="selected items below the interval (or all, for other methods)")
    high_value_items: list[SampleItemRead] = Field(description="MUS: items at or above the interval, all selected")

    @classmethod
    def of_items(cls, sample: Sample, items: list[SampleItem]) -> SampleRead:
        audited = sum(1 for i in items if i.audited_value is not None or i.deviation is not None)
        return cls(
            **cls.fields_of(sample, len(items), audited),
            items=[SampleItemRead.of(i) for i in items if not i.high_value],
            high_value_items=[SampleItemRead.of(i) for i in items if i.high_value],
        )


class SampleQuery(PageQuery):
    pass


class ItemUpdate(Strict):
    line: int = Field(ge=1, strict=True)
    audited_value: SignedAmount | None = None
    deviation: bool | None = None
    note: str | None = Field(None, max_length=2000)


class ItemsUpdate(Strict):
    items: list[ItemUpdate] = Field(min_length=1, max_length=MAX_UPLOADED_ITEMS)


class SampleEvaluate(RiskOrConfidence):
    """Overrides for the evaluation; MUS and attribute samples default to their own risk, the others to 95%."""

    estimator: Literal["mean_per_unit", "difference", "ratio"] | None = Field(
        None, description="random and stratified samples: the classical estimator (default difference)"
    )
    tolerable_misstatement: Amount | None = Field(None, description="default: the sample's parameter, if any")
    tolerable_rate: Rate | None = Field(None, description="attribute samples; default: the sample's parameter")
