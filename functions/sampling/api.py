"""HTTP triggers of the stateless sampling calculators: plan and evaluate, nothing stored.

Every firm person may use them (engagement.read); the answers carry the inputs, the formula and the
factors used, so a working paper can quote them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from decimal import Decimal
from typing import TypeVar

from functions.sampling import attribute, bp, classical, mus, schemas
from functions.sampling.problems import InvalidInput
from shared.auth.permissions import Permission
from shared.errors import ValidationFailed
from shared.http import Call, endpoint

SAMPLING = ["sampling"]
T = TypeVar("T")


@contextmanager
def _named_inputs(*prefix: str) -> Iterator[None]:
    """An input the calculation refuses becomes a 400 naming the body field and its value."""
    try:
        yield
    except InvalidInput as error:
        raise ValidationFailed.field(
            "body", *prefix, error.field, message=f"{error.message} (got {error.value})"
        ) from error


def _calculate(compute: Callable[[], T]) -> T:
    with _named_inputs():
        return compute()


@endpoint(
    bp,
    "POST",
    "sampling/attribute/plan",
    name="plan_attribute_sample",
    summary="Attribute sample size and allowed deviations for a test of controls (exact binomial or hypergeometric)",
    tags=SAMPLING,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.AttributePlanRequest,
    response=schemas.AttributePlanRead,
    errors=[400],
    exact_numbers=True,
)
def plan_attribute_sample(call: Call) -> schemas.AttributePlanRead:
    body: schemas.AttributePlanRequest = call.body
    risk = body.resolved_risk()
    result = _calculate(
        lambda: attribute.plan(
            risk=risk,
            tolerable_rate=body.tolerable_rate,
            expected_rate=body.expected_rate,
            population_size=body.population_size,
        )
    )
    return schemas.AttributePlanRead(
        **asdict(result),
        risk=risk,
        confidence=1 - risk,
        tolerable_rate=body.tolerable_rate,
        expected_rate=body.expected_rate,
        population_size=body.population_size,
    )


@endpoint(
    bp,
    "POST",
    "sampling/attribute/evaluate",
    name="evaluate_attribute_sample",
    summary="Upper deviation limit of an attribute sample and whether the control can be relied on",
    tags=SAMPLING,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.AttributeEvaluateRequest,
    response=schemas.AttributeEvaluationRead,
    errors=[400],
    exact_numbers=True,
)
def evaluate_attribute_sample(call: Call) -> schemas.AttributeEvaluationRead:
    body: schemas.AttributeEvaluateRequest = call.body
    risk = body.resolved_risk()
    result = _calculate(
        lambda: attribute.evaluate(
            n=body.n,
            deviations=body.deviations,
            risk=risk,
            tolerable_rate=body.tolerable_rate,
            population_size=body.population_size,
        )
    )
    return schemas.AttributeEvaluationRead(
        **asdict(result),
        n=body.n,
        deviations=body.deviations,
        risk=risk,
        confidence=1 - risk,
        tolerable_rate=body.tolerable_rate,
        population_size=body.population_size,
    )


@endpoint(
    bp,
    "POST",
    "sampling/mus/plan",
    name="plan_mus_sample",
    summary="Monetary unit sample size and sampling interval",
    tags=SAMPLING,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.MusPlanRequest,
    response=schemas.MusPlanRead,
    errors=[400],
    exact_numbers=True,
)
def plan_mus_sample(call: Call) -> schemas.MusPlanRead:
    body: schemas.MusPlanRequest = call.body
    risk = body.resolved_risk()
    result = _calculate(
        lambda: mus.plan(
            book_value=body.book_value,
            tolerable_misstatement=body.tolerable_misstatement,
            expected_misstatement=body.expected_misstatement,
            risk=risk,
            expansion=body.expansion_factor,
        )
    )
    return schemas.MusPlanRead(
        **asdict(result),
        risk=risk,
        confidence=1 - risk,
        book_value=body.book_value,
        tolerable_misstatement=body.tolerable_misstatement,
        expected_misstatement=body.expected_misstatement,
    )


@endpoint(
    bp,
    "POST",
    "sampling/mus/evaluate",
    name="evaluate_mus_sample",
    summary="Upper misstatement limits of a monetary unit sample (cell / Stringer) and the conclusion",
    tags=SAMPLING,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.MusEvaluateRequest,
    response=schemas.MusEvaluationRead,
    errors=[400],
    exact_numbers=True,
    max_body=4 * 1024 * 1024,
)
def evaluate_mus_sample(call: Call) -> schemas.MusEvaluationRead:
    body: schemas.MusEvaluateRequest = call.body
    risk = body.resolved_risk()
    items = [mus.Audited(i.key, i.book_value, i.audited_value) for i in body.items]
    result = _calculate(
        lambda: mus.evaluate(
            items=items, interval=body.interval, risk=risk, tolerable_misstatement=body.tolerable_misstatement
        )
    )
    return mus_evaluation_read(result)


def mus_evaluation_read(result: mus.Evaluation) -> schemas.MusEvaluationRead:
    return schemas.MusEvaluationRead(
        interval=result.interval,
        risk=result.risk,
        confidence=1 - result.risk,
        tolerable_misstatement=result.tolerable_misstatement,
        overstatement=schemas.BoundRead(**asdict(result.overstatement)),
        understatement=schemas.BoundRead(**asdict(result.understatement)),
        lines=[schemas.LineRead(**asdict(line), high_value=line.tainting is None) for line in result.lines],
        conclusion=result.conclusion,
        formula=result.formula,
    )


@endpoint(
    bp,
    "POST",
    "sampling/classical/evaluate",
    name="evaluate_classical_sample",
    summary="Mean-per-unit, difference or ratio estimate of a population, its precision and the conclusion",
    tags=SAMPLING,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.ClassicalEvaluateRequest,
    response=schemas.ClassicalEvaluationRead,
    errors=[400],
    exact_numbers=True,
    max_body=4 * 1024 * 1024,
)
def evaluate_classical_sample(call: Call) -> schemas.ClassicalEvaluationRead:
    body: schemas.ClassicalEvaluateRequest = call.body
    confidence: Decimal = 1 - body.resolved_risk()
    result = _calculate(
        lambda: classical.estimate(
            method=body.method,
            population_size=body.population_size,
            book_value=body.book_value,
            book_values=[i.book_value for i in body.items],
            audited_values=[i.audited_value for i in body.items],
            confidence=confidence,
            tolerable_misstatement=body.tolerable_misstatement,
        )
    )
    return schemas.ClassicalEvaluationRead(
        **asdict(result), confidence=confidence, tolerable_misstatement=body.tolerable_misstatement
    )
