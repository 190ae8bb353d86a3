"""Attribute sampling for tests of controls: how many items to test, and what the deviations found mean.

Sample size (AICPA Audit Sampling Guide, Appendix A method; docs/audit-rules.md section 7): the smallest n with
    P(X <= ceil(n x expected rate) | n, tolerable rate) <= risk of overreliance,
X binomial(n, tolerable rate); or, when the population size N is given, hypergeometric with
ceil(N x tolerable rate) deviations in the population (sampling without replacement, exact for any N).
We use the hypergeometric whenever N is given rather than only past some n/N: it is the exact
model of drawing without replacement and tends to the binomial as N grows, so there is no threshold
to defend. Rates are Decimals and ceil(n x expected) is exact (no 14.000000000000002 deviations).

Evaluation: the upper deviation limit is the one-sided Clopper-Pearson bound
    p_U = Beta^-1(1 - risk; k + 1, n - k)         (k deviations in n; 1 when k = n),
or with N the largest population deviation count K whose P(X <= k | N, K, n) still exceeds the risk,
shown as K / N. Rely on the control when P(X <= k | at the tolerable rate) <= risk, which is the
same as p_U <= tolerable rate. The limit is rounded up to 0.01% (the guide's tables round up to 0.1%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from functions.sampling.problems import InvalidInput

MAX_SAMPLE_SIZE = 100_000
RATE_PLACES = Decimal("0.0001")
Distribution = Literal["binomial", "hypergeometric"]
Conclusion = Literal["rely", "do_not_rely"]


@dataclass(frozen=True)
class Plan:
    n: int  # sample size
    allowed_deviations: int
    achieved_risk: Decimal  # P(X <= allowed | n, tolerable rate): at most the risk asked for
    distribution: Distribution
    formula: str


@dataclass(frozen=True)
class Evaluation:
    sample_deviation_rate: Decimal
    upper_deviation_limit: Decimal
    allowance_for_sampling_risk: Decimal
    risk_at_tolerable_rate: Decimal | None  # P(X <= deviations) were the population at the tolerable rate
    conclusion: Conclusion | None
    distribution: Distribution
    formula: str


def _check_rate(name: str, value: Decimal, *, zero_allowed: bool = False) -> None:
    low_ok = value >= 0 if zero_allowed else value > 0
    if not (low_ok and value < 1):
        raise InvalidInput(
            name, value, "must be a rate from 0 to 1 (e.g. 0.05 for 5%)" + ("" if zero_allowed else ", above 0")
        )


def _check_risk(risk: Decimal) -> None:
    if not Decimal("0") < risk < Decimal("1"):
        raise InvalidInput("risk", risk, "must be between 0 and 1 (e.g. 0.05 for 95% confidence)")


def _check_population(population_size: int | None) -> None:
    if population_size is not None and population_size < 1:
        raise InvalidInput("population_size", population_size, "must be at least 1")


def deviations_in_population(population_size: int, tolerable_rate: Decimal) -> int:
    """The fewest deviations that put a population of N at the tolerable rate: ceil(N x rate)."""
    return math.ceil(Fraction(tolerable_rate) * population_size)


def _cdf(k: object, n: object, tolerable_rate: Decimal, population_size: int | None) -> object:
    from scipy.stats import binom, hypergeom

    if population_size is None:
        return binom.cdf(k, n, float(tolerable_rate))
    return hypergeom.cdf(k, population_size, deviations_in_population(population_size, tolerable_rate), n)


def plan(
    *, risk: Decimal, tolerable_rate: Decimal, expected_rate: Decimal = Decimal(0), population_size: int | None = None
) -> Plan:
    """The smallest sample, and the deviations it may show, that support reliance at the risk given."""
    import numpy as np

    _check_risk(risk)
    _check_rate("tolerable_rate", tolerable_rate)
    _check_rate("expected_rate", expected_rate, zero_allowed=True)
    _check_population(population_size)
    if expected_rate >= tolerable_rate:
        raise InvalidInput("expected_rate", expected_rate, f"must be below the tolerable rate {tolerable_rate}")
    expected = Fraction(expected_rate)
    limit = MAX_SAMPLE_SIZE if population_size is None else min(MAX_SAMPLE_SIZE, population_size)
    block = 4096
    for first in range(1, limit + 1, block):
        sizes = np.arange(first, min(first + block, limit + 1), dtype=np.int64)
        # ceil(n x p/q) in integers: exact, unlike n * 0.035 in floating point
        allowed = -((-sizes * expected.numerator) // expected.denominator)
        risks = np.asarray(_cdf(allowed, sizes, tolerable_rate, population_size))
        hits = np.flatnonzero(risks <= float(risk))
        if hits.size:
            i = int(hits[0])
            return Plan(
                n=int(sizes[i]),
                allowed_deviations=int(allowed[i]),
                achieved_risk=_rate(float(risks[i]), ROUND_CEILING),
                distribution="binomial" if population_size is None else "hypergeometric",
                formula="smallest n with P(X <= ceil(n x expected_rate) | n, tolerable_rate) <= risk",
            )
    if population_size is not None and limit == population_size:
        raise InvalidInput(
            "expected_rate",
            expected_rate,
            f"is too close to the tolerable rate {tolerable_rate}: even all {population_size} items would not do",
        )
    raise InvalidInput(
        "expected_rate",
        expected_rate,
        f"is too close to the tolerable rate {tolerable_rate}: more than {MAX_SAMPLE_SIZE} items would be needed",
    )


def _rate(value: float | Fraction, rounding: str) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(value)
    return exact.quantize(RATE_PLACES, rounding=rounding)


def _hypergeometric_upper(deviations: int, n: int, population_size: int, risk: Decimal) -> int:
    """Largest K with P(X <= k | N, K, n) > risk (that probability falls as K grows): binary search."""
    from scipy.stats import hypergeom

    low, high = deviations, population_size - (n - deviations)  # K is possible only in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if hypergeom.cdf(deviations, population_size, middle, n) > float(risk):
            low = middle
        else:
            high = middle - 1
    return low


def evaluate(
    *,
    n: int,
    deviations: int,
    risk: Decimal,
    tolerable_rate: Decimal | None = None,
    population_size: int | None = None,
) -> Evaluation:
    """The sample's deviation rate, its upper limit at the risk, and whether the control can be relied on."""
    from scipy.stats import beta

    _check_risk(risk)
    _check_population(population_size)
    if n < 1:
        raise InvalidInput("n", n, "must be at least 1")
    if population_size is not None and n > population_size:
        raise InvalidInput("n", n, f"exceeds the population size {population_size}")
    if not 0 <= deviations <= n:
        raise InvalidInput("deviations", deviations, f"must be from 0 to the sample size {n}")
    if tolerable_rate is not None:
        _check_rate("tolerable_rate", tolerable_rate)

    if population_size is None:
        upper = 1.0 if deviations == n else float(beta.ppf(1 - float(risk), deviations + 1, n - deviations))
        limit = _rate(upper, ROUND_CEILING)
        formula = "p_U = Beta^-1(1 - risk; k + 1, n - k), one-sided Clopper-Pearson"
    else:
        bound = _hypergeometric_upper(deviations, n, population_size, risk)
        limit = _rate(Fraction(bound, population_size), ROUND_CEILING)
        formula = "p_U = K_U / N, K_U the largest K with P(X <= k | N, K, n) > risk (hypergeometric)"
    sample_rate = _rate(Fraction(deviations, n), ROUND_HALF_UP)

    at_tolerable: Decimal | None = None
    conclusion: Conclusion | None = None
    if tolerable_rate is not None:
        probability = float(_cdf(deviations, n, tolerable_rate, population_size))  # type: ignore[arg-type]
        at_tolerable = _rate(probability, ROUND_HALF_UP)
        conclusion = "rely" if probability <= float(risk) else "do_not_rely"
    return Evaluation(
        sample_deviation_rate=sample_rate,
        upper_deviation_limit=limit,
        allowance_for_sampling_risk=limit - sample_rate,
        risk_at_tolerable_rate=at_tolerable,
        conclusion=conclusion,
        distribution="binomial" if population_size is None else "hypergeometric",
        formula=formula,
    )
