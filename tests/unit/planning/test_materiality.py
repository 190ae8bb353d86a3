"""Materiality figures of docs/audit-rules.md section 6 for every benchmark and risk level, worked by hand.

Each expected amount is the arithmetic in its comment, rounded to cents half up; performance and
clearly trivial are taken from the rounded overall figure.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.planning import materiality
from shared.errors import ValidationFailed

pytestmark = pytest.mark.unit

D = Decimal

# (benchmark, amount, overall, {risk level: performance}, clearly trivial)
CASES = [
    (
        "profit_before_tax",
        D("2468013.57"),
        D("123400.68"),  # 2,468,013.57 x 5% = 123,400.6785 -> 123,400.68
        {
            "low": D("92550.51"),  # 123,400.68 x 75% = 92,550.51
            "moderate": D("80210.44"),  # 123,400.68 x 65% = 80,210.442 -> 80,210.44
            "high": D("61700.34"),  # 123,400.68 x 50% = 61,700.34
        },
        D("6170.03"),  # 123,400.68 x 5% = 6,170.034 -> 6,170.03
    ),
    (
        "revenue",
        D("1234566.50"),
        D("12345.67"),  # 1,234,566.50 x 1% = 12,345.665 -> 12,345.67 (half up; half even would give .66)
        {
            "low": D("9259.25"),  # 12,345.67 x 75% = 9,259.2525 -> 9,259.25
            "moderate": D("8024.69"),  # 12,345.67 x 65% = 8,024.6855 -> 8,024.69
            "high": D("6172.84"),  # 12,345.67 x 50% = 6,172.835 -> 6,172.84 (half up)
        },
        D("617.28"),  # 12,345.67 x 5% = 617.2835 -> 617.28
    ),
    (
        "total_assets",
        D("48000000.00"),
        D("480000.00"),  # 48,000,000.00 x 1% = 480,000.00
        {
            "low": D("360000.00"),  # 480,000 x 75%
            "moderate": D("312000.00"),  # 480,000 x 65%
            "high": D("240000.00"),  # 480,000 x 50%
        },
        D("24000.00"),  # 480,000 x 5%
    ),
    (
        "equity",
        D("7654321.09"),
        D("153086.42"),  # 7,654,321.09 x 2% = 153,086.4218 -> 153,086.42
        {
            "low": D("114814.82"),  # 153,086.42 x 75% = 114,814.815 -> 114,814.82 (half up)
            "moderate": D("99506.17"),  # 153,086.42 x 65% = 99,506.173 -> 99,506.17
            "high": D("76543.21"),  # 153,086.42 x 50% = 76,543.21
        },
        D("7654.32"),  # 153,086.42 x 5% = 7,654.321 -> 7,654.32
    ),
]


@pytest.mark.parametrize(
    ("benchmark", "amount", "overall", "performance", "trivial", "risk_level"),
    [
        (benchmark, amount, overall, performance[level], trivial, level)
        for benchmark, amount, overall, performance, trivial in CASES
        for level in ("low", "moderate", "high")
    ],
)
def test_figures_for_each_benchmark_and_risk_level(
    benchmark: str, amount: Decimal, overall: Decimal, performance: Decimal, trivial: Decimal, risk_level: str
) -> None:
    figures = materiality.compute(benchmark, amount, risk_level)
    assert figures.percentage == materiality.DEFAULT_PERCENTAGES[benchmark]
    assert (figures.overall, figures.performance, figures.clearly_trivial) == (overall, performance, trivial)
    for value in (figures.overall, figures.performance, figures.clearly_trivial):
        assert value.as_tuple().exponent == -2, "amounts are stated in cents"


def test_the_default_percentages_are_those_of_the_spec() -> None:
    spec = {"profit_before_tax": D("5"), "revenue": D("1"), "total_assets": D("1"), "equity": D("2")}
    assert spec == materiality.DEFAULT_PERCENTAGES


def test_an_override_within_range_is_applied() -> None:
    figures = materiality.compute("profit_before_tax", D("2468013.57"), "moderate", D("3.5"))
    # 2,468,013.57 x 3.5% = 86,380.47495 -> 86,380.47; x 65% = 56,147.3055 -> 56,147.31; x 5% = 4,319.0235 -> 4,319.02
    assert (figures.percentage, figures.overall, figures.performance, figures.clearly_trivial) == (
        D("3.5"),
        D("86380.47"),
        D("56147.31"),
        D("4319.02"),
    )


# The allowed range is half to twice the default: PBT 2.5..10, revenue and total assets 0.5..2, equity 1..4.
@pytest.mark.parametrize(
    ("benchmark", "low", "high"),
    [
        ("profit_before_tax", D("2.5"), D("10")),
        ("revenue", D("0.5"), D("2")),
        ("total_assets", D("0.5"), D("2")),
        ("equity", D("1"), D("4")),
    ],
)
def test_override_bounds_are_inclusive(benchmark: str, low: Decimal, high: Decimal) -> None:
    amount = D("1000000.00")
    assert materiality.compute(benchmark, amount, "high", low).overall == amount * low / 100
    assert materiality.compute(benchmark, amount, "high", high).overall == amount * high / 100
    for outside in (low - D("0.01"), high + D("0.01")):
        with pytest.raises(ValidationFailed) as refused:
            materiality.compute(benchmark, amount, "high", outside)
        error = refused.value.extra["errors"][0]
        assert error["loc"] == ["body", "percentage"]
        assert str(outside) in error["msg"]
        assert f"{materiality.plain(low)} to {materiality.plain(high)}" in error["msg"]


@pytest.mark.parametrize("profit", [D("0"), D("-125000.00")])
def test_profit_before_tax_at_or_below_zero_cannot_be_the_benchmark(profit: Decimal) -> None:
    with pytest.raises(ValidationFailed) as refused:
        materiality.compute("profit_before_tax", profit, "moderate")
    assert refused.value.code == "benchmark_not_positive"
    error = refused.value.extra["errors"][0]
    assert error["loc"] == ["body", "amount"]
    assert str(profit) in error["msg"]
    assert "profit before tax" in error["msg"]


def test_a_negative_equity_cannot_be_the_benchmark_either() -> None:
    with pytest.raises(ValidationFailed) as refused:
        materiality.compute("equity", D("-50000.00"), "low")
    assert "equity of -50000.00" in refused.value.extra["errors"][0]["msg"]


def test_alternatives_put_every_known_benchmark_side_by_side() -> None:
    chosen = materiality.compute("revenue", D("1234566.50"), "high")
    rows = materiality.alternatives(
        chosen, {"total_assets": D("48000000.00"), "profit_before_tax": D("-10.00"), "equity": D("7654321.09")}
    )
    by_benchmark = {row["benchmark"]: row for row in rows}
    assert [row["benchmark"] for row in rows] == ["profit_before_tax", "revenue", "total_assets", "equity"]
    assert [row["benchmark"] for row in rows if row["chosen"]] == ["revenue"]
    # The chosen one as computed: 12,345.67 overall, x 50% = 6,172.84, x 5% = 617.28.
    assert by_benchmark["revenue"]["overall_materiality"] == D("12345.67")
    assert by_benchmark["revenue"]["performance_materiality"] == D("6172.84")
    # Total assets at its default 1% and the same high risk: 480,000; x 50% = 240,000; x 5% = 24,000.
    assets = by_benchmark["total_assets"]
    assert (assets["percentage"], assets["overall_materiality"], assets["performance_materiality"]) == (
        D("1"),
        D("480000.00"),
        D("240000.00"),
    )
    assert assets["clearly_trivial"] == D("24000.00")
    # Equity at 2%: 153,086.42; x 50% = 76,543.21.
    assert by_benchmark["equity"]["performance_materiality"] == D("76543.21")
    # A loss cannot serve; it is shown with the reason.
    loss = by_benchmark["profit_before_tax"]
    assert loss["usable"] is False
    assert loss["overall_materiality"] is None
    assert "-10.00" in loss["unusable_reason"]


def test_alternatives_leave_out_unknown_benchmarks() -> None:
    chosen = materiality.compute("total_assets", D("48000000.00"), "low")
    assert [row["benchmark"] for row in materiality.alternatives(chosen, {})] == ["total_assets"]


def test_side_by_side_amounts_must_agree_with_the_chosen_amount() -> None:
    materiality.check_benchmark_amounts("revenue", D("100.00"), {"revenue": D("100.00"), "equity": D("5.00")})
    with pytest.raises(ValidationFailed) as refused:
        materiality.check_benchmark_amounts("revenue", D("100.00"), {"revenue": D("90.00")})
    error = refused.value.extra["errors"][0]
    assert error["loc"] == ["body", "benchmark_amounts", "revenue"]
    assert "90.00" in error["msg"]


def test_the_method_cites_each_formula_with_its_numbers() -> None:
    text = materiality.method(materiality.compute("equity", D("7654321.09"), "moderate"))
    lines = text.splitlines()
    assert lines[0] == "overall materiality = equity 7654321.09 x 2% = 153086.42"
    assert lines[1] == "performance materiality = overall 153086.42 x 65% (moderate risk) = 99506.17"
    assert lines[2] == "clearly trivial = overall 153086.42 x 5% = 7654.32"
    assert "ROUND_HALF_UP" in lines[3]


def test_unknown_benchmark_or_risk_level_is_named() -> None:
    with pytest.raises(ValidationFailed) as refused:
        materiality.compute("net_income", D("1.00"), "low")
    assert refused.value.extra["errors"][0]["loc"] == ["body", "benchmark"]
    with pytest.raises(ValidationFailed) as refused:
        materiality.compute("revenue", D("1.00"), "extreme")
    assert refused.value.extra["errors"][0]["loc"] == ["body", "risk_level"]
