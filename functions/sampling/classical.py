"""Classical variables sampling: mean-per-unit, difference and ratio estimation, and stratified selection.

Estimators (Cochran, Sampling Techniques, 3rd ed., chapters 2, 6; AICPA Audit Sampling Guide, chapter 7):
- mean per unit:  Y = N x mean(a),            SE = N x s_a / sqrt(n) x sqrt(1 - n/N)
- difference:     Y = BV + N x mean(a - b),   SE = N x s_(a-b) / sqrt(n) x sqrt(1 - n/N)
- ratio:          Y = BV x sum(a) / sum(b),   SE = N x s_e / sqrt(n) x sqrt(1 - n/N), e = a - R x b
- precision = z x SE with z = Phi^-1(1 - (1 - confidence) / 2) (two-sided, normal)
- projected misstatement = BV - Y; accept when |BV - Y| + precision <= tolerable misstatement
  (the whole interval of the misstatement lies within plus or minus the tolerable misstatement)
- stratified (separate estimators, Cochran chapters 5 and 6): Y = sum of Y_h, each stratum estimated by
  the method above on its own N_h, BV_h and sample; SE = sqrt(sum SE_h^2); a stratum sampled whole adds its
  audited total with no sampling error, any other needs at least 2 items sampled
Stratification:
- boundaries "equal_value": items sorted by book value, cut where the running total of |book value|
  crosses each 1/L of the whole, so each stratum holds about the same value;
  "cumulative_sqrt_f" (Dalenius-Hodges 1959): book values put into equal-width classes (at most 100),
  cut at the class edges where the running sum of sqrt(class count) crosses each 1/L of its total
- Neyman allocation: n_h = n x N_h S_h / sum(N_h S_h), S_h the standard deviation of book values in stratum h;
  largest remainders make the sizes add up to n; a stratum never gets more than it holds, nor fewer than
  one item while n allows; the spare goes to the others by the same rule
Money is Decimal; the normal quantile is the only float. s uses n - 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from functions.sampling.problems import InvalidInput
from functions.sampling.selection import RandomStream, draw

CENT = Decimal("0.01")
Method = Literal["mean_per_unit", "difference", "ratio"]
Boundaries = Literal["equal_value", "cumulative_sqrt_f"]
Conclusion = Literal["accept", "reject"]
MAX_CLASSES = 100


@dataclass(frozen=True)
class Estimate:
    method: Method
    population_size: int
    n: int  # sample size
    book_value: Decimal
    point_estimate: Decimal  # estimated audited value of the population
    projected_misstatement: Decimal  # book value - estimate: positive means overstated
    standard_error: Decimal
    z: Decimal
    precision: Decimal  # z x SE
    lower_limit: Decimal  # of the audited value
    upper_limit: Decimal
    conclusion: Conclusion | None
    formula: str


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _standard_deviation(values: Sequence[Decimal]) -> Decimal:
    if len(values) < 2:
        return Decimal(0)
    mean = _mean(values)
    return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / (len(values) - 1)).sqrt()


def z_value(confidence: Decimal) -> Decimal:
    """Two-sided normal quantile Phi^-1(1 - (1 - confidence) / 2), to 6 places."""
    from scipy.stats import norm

    if not Decimal(0) < confidence < Decimal(1):
        raise InvalidInput("confidence", confidence, "must be between 0 and 1 (e.g. 0.95)")
    return Decimal(float(norm.ppf(1 - (1 - float(confidence)) / 2))).quantize(Decimal("0.000001"), ROUND_HALF_UP)


FORMULAS: dict[Method, str] = {
    "mean_per_unit": "Y = N x mean(audited); SE = N x s / sqrt(n) x sqrt(1 - n/N)",
    "difference": "Y = BV + N x mean(audited - book); SE = N x s_d / sqrt(n) x sqrt(1 - n/N)",
    "ratio": "Y = BV x sum(audited) / sum(book); SE = N x s_e / sqrt(n) x sqrt(1 - n/N), e = audited - R x book",
}


def _check_method(method: str) -> None:
    if method not in FORMULAS:
        raise InvalidInput("method", method, f"must be one of {', '.join(FORMULAS)}")


def _point_and_spread(
    method: Method,
    population_size: int,
    book_value: Decimal,
    book_values: Sequence[Decimal],
    audited: Sequence[Decimal],
) -> tuple[Decimal, Decimal]:
    """The estimated audited value Y and the standard deviation s behind its standard error (see FORMULAS)."""
    if method == "mean_per_unit":
        return Decimal(population_size) * _mean(audited), _standard_deviation(audited)
    if method == "difference":
        differences = [a - b for a, b in zip(audited, book_values, strict=True)]
        return book_value + Decimal(population_size) * _mean(differences), _standard_deviation(differences)
    book_sum = sum(book_values, Decimal(0))
    if book_sum == 0:
        raise InvalidInput("book_values", book_sum, "add up to 0: the ratio audited / book is undefined")
    ratio = sum(audited, Decimal(0)) / book_sum
    residuals = [a - ratio * b for a, b in zip(audited, book_values, strict=True)]
    return book_value * ratio, (sum((e * e for e in residuals), Decimal(0)) / (len(audited) - 1)).sqrt()


def _conclusion(misstatement: Decimal, precision: Decimal, tolerable_misstatement: Decimal | None) -> Conclusion | None:
    if tolerable_misstatement is None:
        return None
    return "accept" if abs(misstatement) + precision <= tolerable_misstatement else "reject"


def estimate(
    *,
    method: Method,
    population_size: int,
    book_value: Decimal,
    book_values: Sequence[Decimal],
    audited_values: Sequence[Decimal],
    confidence: Decimal,
    tolerable_misstatement: Decimal | None = None,
) -> Estimate:
    """The population's audited value estimated from the sample, its precision, and the conclusion."""
    n = len(audited_values)
    _check_method(method)
    if n < 2:
        raise InvalidInput("audited_values", n, "need at least 2 sample items to estimate a standard deviation")
    if len(book_values) != n:
        raise InvalidInput("book_values", len(book_values), f"must pair one to one with the {n} audited values")
    if population_size < n:
        raise InvalidInput("population_size", population_size, f"is smaller than the sample of {n}")
    if tolerable_misstatement is not None and tolerable_misstatement <= 0:
        raise InvalidInput("tolerable_misstatement", tolerable_misstatement, "must be above 0")
    z = z_value(confidence)
    big_n = Decimal(population_size)
    correction = (1 - Decimal(n) / big_n).sqrt()
    point, spread = _point_and_spread(method, population_size, book_value, book_values, audited_values)
    error = big_n * spread / Decimal(n).sqrt() * correction
    precision = (z * error).quantize(CENT, ROUND_HALF_UP)
    point = point.quantize(CENT, ROUND_HALF_UP)
    misstatement = book_value - point
    return Estimate(
        method=method,
        population_size=population_size,
        n=n,
        book_value=book_value,
        point_estimate=point,
        projected_misstatement=misstatement,
        standard_error=error.quantize(CENT, ROUND_HALF_UP),
        z=z,
        precision=precision,
        lower_limit=point - precision,
        upper_limit=point + precision,
        conclusion=_conclusion(misstatement, precision, tolerable_misstatement),
        formula=FORMULAS[method] + "; precision = z x SE",
    )


@dataclass(frozen=True)
class StratumSample:
    """One stratum's population (N_h items, recorded total BV_h) and its audited sample."""

    number: int
    population_size: int
    book_value: Decimal
    book_values: Sequence[Decimal]
    audited_values: Sequence[Decimal]


@dataclass(frozen=True)
class StratumEstimate:
    number: int
    population_size: int
    n: int  # sample size in the stratum
    book_value: Decimal
    point_estimate: Decimal
    standard_error: Decimal  # 0 when the stratum was sampled whole


@dataclass(frozen=True)
class StratifiedEstimate:
    method: Method
    population_size: int
    n: int  # sample size, all strata together
    book_value: Decimal
    point_estimate: Decimal
    projected_misstatement: Decimal
    standard_error: Decimal
    z: Decimal
    precision: Decimal
    lower_limit: Decimal
    upper_limit: Decimal
    conclusion: Conclusion | None
    strata: list[StratumEstimate]
    formula: str


def estimate_stratified(
    *,
    method: Method,
    strata: Sequence[StratumSample],
    confidence: Decimal,
    tolerable_misstatement: Decimal | None = None,
) -> StratifiedEstimate:
    """Each stratum estimated on its own (separate estimators), the estimates and their variances added up."""
    _check_method(method)
    if not strata:
        raise InvalidInput("strata", 0, "no strata to estimate")
    if tolerable_misstatement is not None and tolerable_misstatement <= 0:
        raise InvalidInput("tolerable_misstatement", tolerable_misstatement, "must be above 0")
    z = z_value(confidence)
    rows: list[StratumEstimate] = []
    point_total = variance_total = Decimal(0)
    for stratum in strata:
        n_h, big_n = len(stratum.audited_values), stratum.population_size
        if len(stratum.book_values) != n_h:
            raise InvalidInput(
                "book_values",
                len(stratum.book_values),
                f"of stratum {stratum.number} must pair with its audited values",
            )
        if not 1 <= n_h <= big_n:
            raise InvalidInput("strata", stratum.number, f"stratum {stratum.number} has {n_h} of {big_n} items sampled")
        if n_h == big_n:  # sampled whole: its audited value is known, with no sampling error
            point, variance = sum(stratum.audited_values, Decimal(0)), Decimal(0)
        elif n_h < 2:
            raise InvalidInput(
                "strata",
                stratum.number,
                f"stratum {stratum.number} has 1 of {big_n} items sampled: its spread needs at least 2",
            )
        else:
            point, spread = _point_and_spread(
                method, big_n, stratum.book_value, stratum.book_values, stratum.audited_values
            )
            variance = Decimal(big_n) ** 2 * spread**2 / n_h * (1 - Decimal(n_h) / big_n)
        point_total += point
        variance_total += variance
        rows.append(
            StratumEstimate(
                number=stratum.number,
                population_size=big_n,
                n=n_h,
                book_value=stratum.book_value,
                point_estimate=point.quantize(CENT, ROUND_HALF_UP),
                standard_error=variance.sqrt().quantize(CENT, ROUND_HALF_UP),
            )
        )
    book_value = sum((s.book_value for s in strata), Decimal(0))
    error = variance_total.sqrt()
    precision = (z * error).quantize(CENT, ROUND_HALF_UP)
    point_total = point_total.quantize(CENT, ROUND_HALF_UP)
    misstatement = book_value - point_total
    return StratifiedEstimate(
        method=method,
        population_size=sum(s.population_size for s in strata),
        n=sum(r.n for r in rows),
        book_value=book_value,
        point_estimate=point_total,
        projected_misstatement=misstatement,
        standard_error=error.quantize(CENT, ROUND_HALF_UP),
        z=z,
        precision=precision,
        lower_limit=point_total - precision,
        upper_limit=point_total + precision,
        conclusion=_conclusion(misstatement, precision, tolerable_misstatement),
        strata=rows,
        formula=f"Y = sum Y_h, Y_h by stratum: {FORMULAS[method]}; SE = sqrt(sum SE_h^2); precision = z x SE",
    )


@dataclass(frozen=True)
class Stratum:
    number: int  # 1 = smallest book values
    lower: Decimal  # smallest book value in the stratum
    upper: Decimal  # largest
    count: int
    total: Decimal
    standard_deviation: Decimal
    allocation: int
    selected: list[int]  # positions in the population given, ascending


@dataclass(frozen=True)
class Stratification:
    boundaries: Boundaries
    n: int  # sample size, all strata together
    strata: list[Stratum]
    formula: str


def _cuts_equal_value(values: list[Decimal], strata: int) -> list[int]:
    """Sizes of each stratum (items sorted ascending) so the |values| split about evenly."""
    total = sum((abs(v) for v in values), Decimal(0))
    sizes, running, target_index, count = [], Decimal(0), 1, 0
    for value in values:
        running += abs(value)
        count += 1
        if target_index < strata and running >= total * target_index / strata:
            sizes.append(count)
            count = 0
            target_index += 1
    sizes.append(count)
    return [s for s in sizes if s]


def _cuts_sqrt_f(values: list[Decimal], strata: int) -> list[int]:
    low, high = values[0], values[-1]
    if low == high:
        return [len(values)]
    classes = min(MAX_CLASSES, len(values))
    width = (high - low) / classes
    counts = [0] * classes
    for value in values:
        counts[min(classes - 1, int((value - low) / width))] += 1
    roots = [math.sqrt(c) for c in counts]
    total = sum(roots)
    sizes, running, target_index, count = [], 0.0, 1, 0
    for class_count, root in zip(counts, roots, strict=True):
        running += root
        count += class_count
        if target_index < strata and running >= total * target_index / strata - 1e-12:
            sizes.append(count)
            count = 0
            target_index += 1
    sizes.append(count)
    return [s for s in sizes if s]


def neyman(counts: Sequence[int], deviations: Sequence[Decimal], n: int) -> list[int]:
    """n_h proportional to N_h x S_h, whole numbers adding to n, within 1..N_h (see module notes)."""
    floor_each = 1 if n >= len(counts) else 0
    fixed: dict[int, int] = {}
    while True:
        free = [h for h in range(len(counts)) if h not in fixed]
        remaining = n - sum(fixed.values())
        weights = [Decimal(counts[h]) * deviations[h] for h in free]
        total = sum(weights, Decimal(0))
        shares = [
            remaining * w / total if total else Decimal(remaining) * counts[h] / sum(counts[f] for f in free)
            for w, h in zip(weights, free, strict=True)
        ]
        whole = [int(s) for s in shares]
        order = sorted(range(len(free)), key=lambda i: shares[i] - whole[i], reverse=True)
        for i in order[: remaining - sum(whole)]:
            whole[i] += 1
        # Cap the strata that would get more than they hold first; only then lift the ones left empty.
        over = [h for i, h in enumerate(free) if whole[i] > counts[h]]
        under = [h for i, h in enumerate(free) if whole[i] < min(floor_each, counts[h])]
        for h in over:
            fixed[h] = counts[h]
        if not over:
            for h in under:
                fixed[h] = min(floor_each, counts[h])
        if not over and not under:
            allocation = dict(fixed)
            allocation.update({h: whole[i] for i, h in enumerate(free)})
            return [allocation[h] for h in range(len(counts))]


def stratify(
    *, items: Sequence[tuple[str, Decimal]], strata: int, n: int, seed: int, boundaries: Boundaries
) -> Stratification:
    """Strata by book value, Neyman allocation, and a random selection in each stratum from the seed."""
    if not 1 <= strata <= 50:
        raise InvalidInput("strata", strata, "must be from 1 to 50")
    if not items:
        raise InvalidInput("items", 0, "the population is empty")
    if not 1 <= n <= len(items):
        raise InvalidInput("n", n, f"must be from 1 to the population size {len(items)}")
    if boundaries not in ("equal_value", "cumulative_sqrt_f"):
        raise InvalidInput("boundaries", boundaries, "must be equal_value or cumulative_sqrt_f")
    order = sorted(range(len(items)), key=lambda i: (items[i][1], i))
    values = [items[i][1] for i in order]
    sizes = _cuts_equal_value(values, strata) if boundaries == "equal_value" else _cuts_sqrt_f(values, strata)
    groups, start = [], 0
    for size in sizes:
        groups.append(order[start : start + size])
        start += size
    deviations = [_standard_deviation([items[i][1] for i in group]) for group in groups]
    allocation = neyman([len(g) for g in groups], deviations, n)
    stream = RandomStream(seed)
    result = []
    for number, (group, spread, take) in enumerate(zip(groups, deviations, allocation, strict=True), start=1):
        picked = sorted(group[p] for p in draw(stream, len(group), take)) if take else []
        group_values = [items[i][1] for i in group]
        result.append(
            Stratum(
                number=number,
                lower=min(group_values),
                upper=max(group_values),
                count=len(group),
                total=sum(group_values, Decimal(0)),
                standard_deviation=spread.quantize(CENT, ROUND_HALF_UP),
                allocation=take,
                selected=picked,
            )
        )
    return Stratification(
        boundaries=boundaries,
        n=n,
        strata=result,
        formula="Neyman: n_h = n x N_h S_h / sum(N_h S_h); simple random selection within each stratum",
    )
