"""HTTP triggers of the stateless sampling calculators: plan and evaluate, nothing stored.

Every firm person may use them (engagement.read); the answers carry the inputs, the formula and the
factors used, so a working paper can quote them.
"""

from __future__ import annotations

from functions.sampling import bp, calculators, schemas
from shared.auth.permissions import Permission
from shared.http import Call, endpoint

SAMPLING = ["sampling"]


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
    result = calculators.plan_attribute(request=call.body)
    return schemas.AttributePlanRead(**result.fields())


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
    result = calculators.evaluate_attribute(request=call.body)
    return schemas.AttributeEvaluationRead(**result.fields())


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
    result = calculators.plan_mus(request=call.body)
    return schemas.MusPlanRead(**result.fields())


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
    result = calculators.evaluate_mus(request=call.body)
    return schemas.MusEvaluationRead.of(result)


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
    result = calculators.evaluate_classical(request=call.body)
    return schemas.ClassicalEvaluationRead(**result.fields())
