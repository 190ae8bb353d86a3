"""Monetary unit sampling: plan, systematic selection from a recorded seed, cell (Stringer) evaluation.

Formulas (AICPA Audit Sampling Guide, chapter 6 and Appendix C; docs/audit-rules.md section 7):
- confidence factor RF(k) = Poisson upper limit for k misstatements = Gamma^-1(1 - risk; k + 1, 1), to
  6 places (exact_factor). The guide's evaluation table prints it rounded up to cents (confidence_factor;
  95%: 3.00, 4.75, 6.30; 90%: 2.31, 3.89, 5.33), shown on the plan for a hand check.
- planning and evaluation use the same factor, exact_factor: the sizes then equal the guide's Table C-1
  (10% risk, TM 0.5% of BV: 461; 2.31 would give 462), and a sample of the planned size with no
  misstatement is accepted (RF(0) x interval <= RF(0) x BV / n <= TM - EM x EF). Evaluating with the
  tabled 3.00 after sizing with 2.995732 would reject such a sample (3.00 x interval slightly over TM).
- sample size n = ceil(BV x RF(0) / (TM - EM x EF))
- expansion factor EF: the guide's table by risk of incorrect acceptance (5%: 1.6, 10%: 1.5, ...)
- sampling interval = BV / n, rounded down to the cent (so the selection reaches at least n units)
- selection: monetary units start, start + interval, ... with start uniform in [0.01, interval] drawn
  from the seed; the item holding a unit is selected; items >= interval always are (high-value items)
- basic precision = RF(0) x interval
- projected misstatement = tainting x interval (tainting = misstatement / book value) below the
  interval; the actual misstatement for high-value items
- incremental allowance = sum over taintings ranked largest first of (RF(k) - RF(k-1) - 1) x projected_k
- upper misstatement limit = basic precision + projected + incremental allowance + high-value misstatements;
  accept when it is <= TM. Overstatements and understatements are bounded separately, each the same way.
Money is Decimal throughout; each projected and incremental line is rounded to the cent as on a working
paper. Only the gamma quantile is a float.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

from functions.sampling.problems import InvalidInput
from functions.sampling.selection import RandomStream

CENT = Decimal("0.01")
# Expansion factors for expected misstatement by risk of incorrect acceptance (the guide's table;
# reproduced e.g. in Whittington & Pany, Principles of Auditing, "Expansion Factors for Expected Misstatement").
EXPANSION_FACTORS: dict[Decimal, Decimal] = {
    Decimal("0.01"): Decimal("1.9"),
    Decimal("0.05"): Decimal("1.6"),
    Decimal("0.10"): Decimal("1.5"),
    Decimal("0.15"): Decimal("1.4"),
    Decimal("0.20"): Decimal("1.3"),
    Decimal("0.25"): Decimal("1.25"),
    Decimal("0.30"): Decimal("1.2"),
    Decimal("0.37"): Decimal("1.15"),
    Decimal("0.50"): Decimal("1.0"),
}
Conclusion = Literal["accept", "reject"]


def poisson_upper_limit(misstatements: int, risk: Decimal) -> float:
    """Gamma^-1(1 - risk; k + 1): the mean misstatement count not exceeded at confidence 1 - risk."""
    from scipy.stats import gamma

    return float(gamma.ppf(1 - float(risk), misstatements + 1))


def confidence_factor(misstatements: int, risk: Decimal) -> Decimal:
    """RF(k) as the guide's table prints it: the Poisson upper limit rounded up to cents (display only)."""
    return Decimal(poisson_upper_limit(misstatements, risk)).quantize(CENT, rounding=ROUND_CEILING)


FACTOR_PLACES = Decimal("0.000001")


def exact_factor(misstatements: int, risk: Decimal) -> Decimal:
    """RF(k) to 6 places: the one factor both the sample size and the evaluation are computed with."""
    return Decimal(poisson_upper_limit(misstatements, risk)).quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)


def _check_risk(risk: Decimal) -> None:
    if not Decimal(0) < risk < Decimal(1):
        raise InvalidInput("risk", risk, "must be between 0 and 1 (e.g. 0.05 for 95% confidence)")


def _money(name: str, value: Decimal, *, positive: bool = True) -> Decimal:
    if not value.is_finite() or (value <= 0 if positive else value < 0):
        raise InvalidInput(name, value, "must be above 0" if positive else "must be 0 or more")
    return value


@dataclass(frozen=True)
class Plan:
    n: int  # sample size: sampling units (monetary units) to select
    interval: Decimal
    confidence_factor: Decimal  # RF(0) as tabled (rounded up to cents), for a hand check against the guide
    confidence_factor_exact: Decimal  # RF(0) used in the size and in the evaluation, 6 places
    expansion_factor: Decimal
    formula: str


def plan(
    *,
    book_value: Decimal,
    tolerable_misstatement: Decimal,
    risk: Decimal,
    expected_misstatement: Decimal = Decimal(0),
    expansion: Decimal | None = None,
) -> Plan:
    """Sample size and interval for a population of book value BV (positive items)."""
    _check_risk(risk)
    _money("book_value", book_value)
    _money("tolerable_misstatement", tolerable_misstatement)
    _money("expected_misstatement", expected_misstatement, positive=False)
    if tolerable_misstatement > book_value:
        raise InvalidInput(
            "tolerable_misstatement",
            tolerable_misstatement,
            f"exceeds the book value {book_value}: no sample is needed",
        )
    factor = expansion if expansion is not None else EXPANSION_FACTORS.get(risk)
    if factor is None:
        if expected_misstatement:
            known = ", ".join(f"{r}" for r in EXPANSION_FACTORS)
            raise InvalidInput(
                "risk", risk, f"has no published expansion factor (known: {known}); give expansion_factor"
            )
        factor = Decimal(1)
    headroom = tolerable_misstatement - expected_misstatement * factor
    if headroom <= 0:
        raise InvalidInput(
            "expected_misstatement",
            expected_misstatement,
            f"x expansion factor {factor} leaves nothing of the tolerable misstatement {tolerable_misstatement}",
        )
    exact = exact_factor(0, risk)
    size = math.ceil(book_value * exact / headroom)
    interval = (book_value / size).quantize(CENT, rounding=ROUND_FLOOR)
    if interval < CENT:
        raise InvalidInput("book_value", book_value, f"is too small for {size} sampling units of at least one cent")
    return Plan(
        n=size,
        interval=interval,
        confidence_factor=confidence_factor(0, risk),
        confidence_factor_exact=exact,
        expansion_factor=factor,
        formula="n = ceil(BV x RF(0) / (TM - EM x EF)); interval = BV / n rounded down to the cent",
    )


@dataclass(frozen=True)
class Selected:
    position: int  # 0-based position of the item in the population given
    key: str
    book_value: Decimal
    hits: int  # monetary units of the item selected
    high_value: bool  # book value >= interval: always selected, evaluated at its actual misstatement


@dataclass(frozen=True)
class Selection:
    random_start: Decimal
    interval: Decimal
    population_value: Decimal  # positive items only: the population MUS samples
    population_count: int
    excluded_count: int  # items of zero or negative book value: outside MUS, to be tested another way
    excluded_value: Decimal
    sampled: list[Selected]
    high_value: list[Selected]


def select(*, items: Sequence[tuple[str, Decimal]], interval: Decimal, seed: int) -> Selection:
    """Systematic selection of monetary units from a random start drawn from the seed."""
    import numpy as np

    if not interval.is_finite() or interval < CENT:
        raise InvalidInput("interval", interval, "must be at least 0.01")
    interval_cents = int((interval / CENT).to_integral_value(rounding=ROUND_FLOOR))
    positions, cents = [], []
    excluded_count, excluded_value = 0, Decimal(0)
    for position, (_, value) in enumerate(items):
        if not value.is_finite():
            raise InvalidInput("book_value", value, f"of item {position + 1} is not a number")
        if value <= 0:
            excluded_count += 1
            excluded_value += value
            continue
        positions.append(position)
        cents.append(int((value / CENT).to_integral_value(rounding=ROUND_HALF_UP)))
    start = RandomStream(seed).below(interval_cents) + 1
    sampled: list[Selected] = []
    high: list[Selected] = []
    total = sum(cents)
    if cents:
        cumulative = np.cumsum(np.asarray(cents, dtype=np.int64))
        points = np.arange(start, total + 1, interval_cents, dtype=np.int64)
        holders = np.searchsorted(cumulative, points, side="left")
        for index, hits in zip(*np.unique(holders, return_counts=True), strict=True):
            position = positions[int(index)]
            key, value = items[position]
            chosen = Selected(position, key, value, int(hits), value >= interval)
            (high if chosen.high_value else sampled).append(chosen)
    return Selection(
        random_start=Decimal(start) * CENT,
        interval=interval,
        population_value=Decimal(total) * CENT,
        population_count=len(cents),
        excluded_count=excluded_count,
        excluded_value=excluded_value,
        sampled=sampled,
        high_value=high,
    )


@dataclass(frozen=True)
class Audited:
    key: str
    book_value: Decimal
    audited_value: Decimal


@dataclass(frozen=True)
class Line:
    key: str
    book_value: Decimal
    audited_value: Decimal
    misstatement: Decimal  # book - audited: positive overstates, negative understates
    tainting: Decimal | None  # None for high-value items
    projected: Decimal  # tainting x interval, or the actual misstatement for high-value items
    rank: int | None  # 1 = largest tainting, among misstatements of the same direction below the interval
    confidence_factor: Decimal | None  # RF(rank), exact_factor (6 places)
    incremental_allowance: Decimal


@dataclass(frozen=True)
class Bound:
    basic_precision: Decimal
    projected_misstatement: Decimal  # below-interval projections plus high-value actuals
    incremental_allowance: Decimal
    upper_limit: Decimal


@dataclass(frozen=True)
class Evaluation:
    interval: Decimal
    risk: Decimal
    tolerable_misstatement: Decimal
    overstatement: Bound
    understatement: Bound
    lines: list[Line]  # misstated items only, overstatements first, each by rank
    conclusion: Conclusion
    formula: str


def _bound(
    misstated: list[Audited], *, sign: int, interval: Decimal, risk: Decimal, basic: Decimal
) -> tuple[Bound, list[Line]]:
    lines: list[Line] = []
    below: list[tuple[Decimal, Audited]] = []
    high_total = Decimal(0)
    for item in misstated:
        amount = (item.book_value - item.audited_value) * sign
        if item.book_value >= interval:
            high_total += amount
            lines.append(
                Line(
                    item.key,
                    item.book_value,
                    item.audited_value,
                    amount * sign,
                    None,
                    amount * sign,
                    None,
                    None,
                    Decimal(0),
                )
            )
        else:
            below.append((amount / item.book_value, item))
    below.sort(key=lambda pair: pair[0], reverse=True)
    previous = exact_factor(0, risk)
    projected_total = incremental_total = Decimal(0)
    for rank, (tainting, item) in enumerate(below, start=1):
        factor = exact_factor(rank, risk)
        projected = (tainting * interval).quantize(CENT, rounding=ROUND_HALF_UP)
        incremental = ((factor - previous - 1) * projected).quantize(CENT, rounding=ROUND_HALF_UP)
        previous = factor
        projected_total += projected
        incremental_total += incremental
        lines.append(
            Line(
                item.key,
                item.book_value,
                item.audited_value,
                (item.book_value - item.audited_value),
                (tainting * sign).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
                projected * sign,
                rank,
                factor,
                incremental,
            )
        )
    projected_all = projected_total + high_total
    bound = Bound(basic, projected_all, incremental_total, basic + projected_all + incremental_total)
    return bound, lines


def evaluate(
    *, items: Sequence[Audited], interval: Decimal, risk: Decimal, tolerable_misstatement: Decimal
) -> Evaluation:
    """Upper misstatement limits (over and under) from the audited sample; accept when both are <= TM."""
    _check_risk(risk)
    _money("interval", interval)
    _money("tolerable_misstatement", tolerable_misstatement)
    for index, item in enumerate(items):
        if not item.book_value.is_finite() or item.book_value <= 0:
            raise InvalidInput("book_value", item.book_value, f"of item {index + 1} ({item.key}) must be above 0")
        if not item.audited_value.is_finite():
            raise InvalidInput("audited_value", item.audited_value, f"of item {index + 1} ({item.key}) is not a number")
    basic = (exact_factor(0, risk) * interval).quantize(CENT, rounding=ROUND_HALF_UP)
    over, over_lines = _bound(
        [i for i in items if i.book_value > i.audited_value], sign=1, interval=interval, risk=risk, basic=basic
    )
    under, under_lines = _bound(
        [i for i in items if i.book_value < i.audited_value], sign=-1, interval=interval, risk=risk, basic=basic
    )
    accept = over.upper_limit <= tolerable_misstatement and under.upper_limit <= tolerable_misstatement
    return Evaluation(
        interval=interval,
        risk=risk,
        tolerable_misstatement=tolerable_misstatement,
        overstatement=over,
        understatement=under,
        lines=over_lines + under_lines,
        conclusion="accept" if accept else "reject",
        formula="ULM = RF(0) x interval + projected + sum (RF(k) - RF(k-1) - 1) x projected_k + high-value actuals",
    )
