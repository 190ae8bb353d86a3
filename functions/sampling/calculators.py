"""Use cases of the stateless sampling calculators: plan and evaluate, nothing stored.

Each resolves the risk the request states (as risk or as confidence), runs one pure calculation, and
returns its result with the inputs it used, so the answer quotes every figure a working paper needs.
An input the calculation refuses becomes a 400 naming the body field and its value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, is_dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from functions.sampling import attribute, classical, mus, schemas
from functions.sampling.problems import InvalidInput
from shared.errors import ValidationFailed

T = TypeVar("T")


@dataclass(frozen=True)
class Calculation(Generic[T]):
    """A calculation's result and the inputs it used."""

    result: T
    inputs: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The result's figures and the inputs, flat, as the response models name them."""
        figures = asdict(self.result) if is_dataclass(self.result) and not isinstance(self.result, type) else {}
        return {**figures, **self.inputs}


@contextmanager
def _named_inputs() -> Iterator[None]:
    try:
        yield
    except InvalidInput as error:
        raise ValidationFailed.field("body", error.field, message=f"{error.message} (got {error.value})") from error


def _calculate(compute: Callable[[], T], **inputs: Any) -> Calculation[T]:
    with _named_inputs():
        return Calculation(compute(), inputs)


def plan_attribute(*, request: schemas.AttributePlanRequest) -> Calculation[attribute.Plan]:
    """Attribute sample size and allowed deviations for a test of controls."""
    risk = request.resolved_risk()
    return _calculate(
        lambda: attribute.plan(
            risk=risk,
            tolerable_rate=request.tolerable_rate,
            expected_rate=request.expected_rate,
            population_size=request.population_size,
        ),
        risk=risk,
        confidence=1 - risk,
        tolerable_rate=request.tolerable_rate,
        expected_rate=request.expected_rate,
        population_size=request.population_size,
    )


def evaluate_attribute(*, request: schemas.AttributeEvaluateRequest) -> Calculation[attribute.Evaluation]:
    """Upper deviation limit of an attribute sample and whether the control can be relied on."""
    risk = request.resolved_risk()
    return _calculate(
        lambda: attribute.evaluate(
            n=request.n,
            deviations=request.deviations,
            risk=risk,
            tolerable_rate=request.tolerable_rate,
            population_size=request.population_size,
        ),
        n=request.n,
        deviations=request.deviations,
        risk=risk,
        confidence=1 - risk,
        tolerable_rate=request.tolerable_rate,
        population_size=request.population_size,
    )


def plan_mus(*, request: schemas.MusPlanRequest) -> Calculation[mus.Plan]:
    """Monetary unit sample size and sampling interval."""
    risk = request.resolved_risk()
    return _calculate(
        lambda: mus.plan(
            book_value=request.book_value,
            tolerable_misstatement=request.tolerable_misstatement,
            expected_misstatement=request.expected_misstatement,
            risk=risk,
            expansion=request.expansion_factor,
        ),
        risk=risk,
        confidence=1 - risk,
        book_value=request.book_value,
        tolerable_misstatement=request.tolerable_misstatement,
        expected_misstatement=request.expected_misstatement,
    )


def evaluate_mus(*, request: schemas.MusEvaluateRequest) -> mus.Evaluation:
    """Upper misstatement limits of a monetary unit sample and the conclusion (the result quotes its inputs)."""
    risk = request.resolved_risk()
    items = [mus.Audited(i.key, i.book_value, i.audited_value) for i in request.items]
    return _calculate(
        lambda: mus.evaluate(
            items=items, interval=request.interval, risk=risk, tolerable_misstatement=request.tolerable_misstatement
        )
    ).result


def evaluate_classical(*, request: schemas.ClassicalEvaluateRequest) -> Calculation[classical.Estimate]:
    """Mean-per-unit, difference or ratio estimate of a population, its precision and the conclusion."""
    confidence: Decimal = 1 - request.resolved_risk()
    return _calculate(
        lambda: classical.estimate(
            method=request.method,
            population_size=request.population_size,
            book_value=request.book_value,
            book_values=[i.book_value for i in request.items],
            audited_values=[i.audited_value for i in request.items],
            confidence=confidence,
            tolerable_misstatement=request.tolerable_misstatement,
        ),
        confidence=confidence,
        tolerable_misstatement=request.tolerable_misstatement,
    )
