"""Materiality per docs/audit-rules.md section 6: overall from one benchmark, performance by risk, clearly trivial.

Percentages are in percent (5 means 5%). Every amount is a Decimal rounded to cents with ROUND_HALF_UP;
performance materiality and the clearly-trivial threshold are taken from the rounded overall figure,
so the three stored amounts reproduce from each other exactly.

Formulas:
- overall materiality = benchmark amount x percentage / 100 (defaults: PBT 5, revenue 1, total assets 1, equity 2)
- allowed percentage = default x 0.5 .. default x 2 (docs/audit-rules.md section 6)
- performance materiality = overall x 75% (low risk), 65% (moderate) or 50% (high) / 100
- clearly trivial = overall x 5 / 100
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.errors import ValidationFailed

BENCHMARKS = ("profit_before_tax", "revenue", "total_assets", "equity")
RISK_LEVELS = ("low", "moderate", "high")
DEFAULT_PERCENTAGES = {
    "profit_before_tax": Decimal("5"),
    "revenue": Decimal("1"),
    "total_assets": Decimal("1"),
    "equity": Decimal("2"),
}
PERFORMANCE_PERCENTAGES = {"low": Decimal("75"), "moderate": Decimal("65"), "high": Decimal("50")}
CLEARLY_TRIVIAL_PERCENTAGE = Decimal("5")
LOWEST_OVERRIDE, HIGHEST_OVERRIDE = Decimal("0.5"), Decimal("2")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ROUNDING = "ROUND_HALF_UP"
LABELS = {
    "profit_before_tax": "profit before tax",
    "revenue": "revenue",
    "total_assets": "total assets",
    "equity": "equity",
}


@dataclass(frozen=True)
class Figures:
    """One materiality determination: its inputs and the three amounts."""

    benchmark: str
    benchmark_amount: Decimal
    percentage: Decimal
    risk_level: str
    overall: Decimal
    performance: Decimal
    clearly_trivial: Decimal


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A number as people write it: no exponent, no trailing zeros (10, 2.5, 0.75)."""
    return f"{value.normalize():f}"


def _percent(value: Decimal) -> str:
    return plain(value) + "%"


def allowed_range(benchmark: str) -> tuple[Decimal, Decimal]:
    """The percentages an auditor may choose for the benchmark: half to twice its default."""
    default = DEFAULT_PERCENTAGES[benchmark]
    return default * LOWEST_OVERRIDE, default * HIGHEST_OVERRIDE


def _check_choice(benchmark: str, risk_level: str) -> None:
    if benchmark not in BENCHMARKS:
        raise ValidationFailed.field(
            "body", "benchmark", message=f"{benchmark!r} is not one of {', '.join(BENCHMARKS)}"
        )
    if risk_level not in RISK_LEVELS:
        raise ValidationFailed.field(
            "body", "risk_level", message=f"{risk_level!r} is not one of {', '.join(RISK_LEVELS)}"
        )


def _check_amount(benchmark: str, amount: Decimal, loc: tuple[str, ...]) -> None:
    if not amount.is_finite():
        raise ValidationFailed.field(*loc, message=f"{amount} is not a number")
    if amount > 0:
        return
    if benchmark == "profit_before_tax":
        raise ValidationFailed.field(
            *loc,
            message=f"profit before tax of {amount} cannot be the benchmark: it must be positive "
            "(choose revenue, total assets or equity for a loss or break-even year)",
            detail="Profit before tax that is zero or negative cannot be the benchmark",
            code="benchmark_not_positive",
        )
    raise ValidationFailed.field(
        *loc,
        message=f"{LABELS[benchmark]} of {amount} cannot be the benchmark: it must be positive",
        detail=f"{LABELS[benchmark].capitalize()} must be positive to serve as the benchmark",
        code="benchmark_not_positive",
    )


def _check_percentage(benchmark: str, percentage: Decimal) -> None:
    low, high = allowed_range(benchmark)
    if not percentage.is_finite() or not low <= percentage <= high:
        raise ValidationFailed.field(
            "body",
            "percentage",
            message=f"{percentage} is outside the allowed range {plain(low)} to {plain(high)} for "
            f"{LABELS[benchmark]} (0.5x to 2x its default of {plain(DEFAULT_PERCENTAGES[benchmark])})",
            detail=f"percentage {percentage} is outside {plain(low)}..{plain(high)}",
        )


def compute(benchmark: str, amount: Decimal, risk_level: str, percentage: Decimal | None = None) -> Figures:
    """Overall, performance and clearly-trivial materiality for one benchmark and risk level."""
    _check_choice(benchmark, risk_level)
    _check_amount(benchmark, amount, ("body", "amount"))
    if percentage is None:
        percentage = DEFAULT_PERCENTAGES[benchmark]
    _check_percentage(benchmark, percentage)
    overall = cents(amount * percentage / HUNDRED)
    performance = cents(overall * PERFORMANCE_PERCENTAGES[risk_level] / HUNDRED)
    clearly_trivial = cents(overall * CLEARLY_TRIVIAL_PERCENTAGE / HUNDRED)
    return Figures(benchmark, amount, percentage, risk_level, overall, performance, clearly_trivial)


def alternatives(chosen: Figures, amounts: Mapping[str, Decimal]) -> list[dict[str, Any]]:
    """Every benchmark whose amount is known, side by side with the chosen one, in BENCHMARKS order.

    The chosen benchmark appears at its applied percentage, the others at their defaults and at the
    same risk level; a benchmark that cannot serve (PBT at a loss, say) is listed with the reason."""
    known = {**amounts, chosen.benchmark: chosen.benchmark_amount}
    rows: list[dict[str, Any]] = []
    for benchmark in BENCHMARKS:
        if benchmark not in known:
            continue
        amount = known[benchmark]
        row: dict[str, Any] = {
            "benchmark": benchmark,
            "benchmark_amount": amount,
            "default_percentage": DEFAULT_PERCENTAGES[benchmark],
            "chosen": benchmark == chosen.benchmark,
        }
        if benchmark == chosen.benchmark:
            figures: Figures | None = chosen
        else:
            try:
                figures = compute(benchmark, amount, chosen.risk_level)
            except ValidationFailed as refusal:
                figures = None
                row["unusable_reason"] = refusal.extra["errors"][0]["msg"]
        row.update(
            percentage=figures.percentage if figures else None,
            overall_materiality=figures.overall if figures else None,
            performance_materiality=figures.performance if figures else None,
            clearly_trivial=figures.clearly_trivial if figures else None,
            usable=figures is not None,
        )
        row.setdefault("unusable_reason", None)
        rows.append(row)
    return rows


def check_benchmark_amounts(benchmark: str, amount: Decimal, amounts: Mapping[str, Decimal]) -> None:
    """The side-by-side amounts must be numbers, and agree with `amount` on the chosen benchmark."""
    for name, value in amounts.items():
        if not value.is_finite():
            raise ValidationFailed.field("body", "benchmark_amounts", name, message=f"{value} is not a number")
    given = amounts.get(benchmark)
    if given is not None and given != amount:
        raise ValidationFailed.field(
            "body",
            "benchmark_amounts",
            benchmark,
            message=f"{given} differs from amount {amount} for the chosen benchmark {benchmark}",
        )


STABLE_CHANGE = Decimal("30")  # percent: profit before tax further from the prior year's is not stable


def stability_warnings(benchmark: str, amount: Decimal, prior_profit_before_tax: Decimal | None) -> list[str]:
    """docs/audit-rules.md section 6: profit before tax serves only when stable, here within 30% of the
    prior year's (from the mapped prior-year trial balance); otherwise a warning, not a refusal, since
    the auditor may still judge it the right measure."""
    if benchmark != "profit_before_tax" or prior_profit_before_tax is None:
        return []
    if prior_profit_before_tax <= 0:
        return [
            f"profit before tax was {prior_profit_before_tax} in the prior year (a loss or nil): it is not a "
            "stable benchmark; consider revenue, total assets or equity"
        ]
    change = (amount - prior_profit_before_tax) / prior_profit_before_tax * HUNDRED
    if abs(change) <= STABLE_CHANGE:
        return []
    return [
        f"profit before tax of {amount} is {plain(abs(change).quantize(Decimal('0.1')))}% "
        f"{'above' if change > 0 else 'below'} the prior year's {prior_profit_before_tax} (more than "
        f"{plain(STABLE_CHANGE)}%): it is not a stable benchmark; consider revenue, total assets or equity"
    ]


def method(figures: Figures) -> str:
    """The formulas with this determination's numbers, one line each, for the working paper."""
    label = LABELS[figures.benchmark]
    performance_percentage = PERFORMANCE_PERCENTAGES[figures.risk_level]
    return "\n".join(
        (
            f"overall materiality = {label} {figures.benchmark_amount} x {_percent(figures.percentage)} "
            f"= {figures.overall}",
            f"performance materiality = overall {figures.overall} x {_percent(performance_percentage)} "
            f"({figures.risk_level} risk) = {figures.performance}",
            f"clearly trivial = overall {figures.overall} x {_percent(CLEARLY_TRIVIAL_PERCENTAGE)} "
            f"= {figures.clearly_trivial}",
            f"amounts rounded to cents, {ROUNDING}; performance and clearly trivial from the rounded overall "
            "(docs/audit-rules.md section 6)",
        )
    )
