"""Monetary unit sampling against the AICPA Audit Sampling Guide's tables, and a worked evaluation by hand.

Sources:
- Confidence factors: the guide's MUS evaluation table of confidence factors by number of overstatement
  misstatements and risk of incorrect acceptance, reproduced as "Exhibit FA.2 PPS Confidence Factors for
  Sample Evaluation ... Source: AICPA" (solutioninn.com study-help question 29038940), columns 5% and 10%,
  rows 0-20; the 20% and 50% columns are checked too.
- Sample sizes: the guide's Appendix C, Table C-1 "Monetary Unit Sample Size Determination Tables", rows
  "ratio of expected to tolerable misstatement = 0" at 5% and 10% risk of incorrect acceptance, columns
  tolerable misstatement as a percentage of population 50% ... 0.5% (Wiley doi 10.1002/9781119448617.app3,
  transcribed in jfa's tests/testthat/test-aicpa-appendix-c.R; the same rows appear as "Exhibit 8.7 Monetary
  Unit Sample Size Determination Table" on transtutors.com question 735017, incl. 461 at 10% / 0.5%).
- Expansion factors: the guide's "Expansion factors for expected misstatement" (1%: 1.9, 5%: 1.6, 10%: 1.5,
  15%: 1.4, 20%: 1.3, 25%: 1.25, 30%: 1.2, 37%: 1.15, 50%: 1.0), as reproduced in Whittington & Pany,
  Principles of Auditing, "Table 2: Expansion Factors for Expected Misstatement", and in University of Florida
  ACG 5637 notes (L12 part 18).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.sampling import mus
from functions.sampling.problems import InvalidInput

pytestmark = pytest.mark.unit

D = Decimal

FACTORS = {
    "0.05": "3.00 4.75 6.30 7.76 9.16 10.52 11.85 13.15 14.44 15.71 16.97 18.21 19.45 20.67 21.89 23.10 24.31 "
    "25.50 26.70 27.88 29.07",
    "0.10": "2.31 3.89 5.33 6.69 8.00 9.28 10.54 11.78 13.00 14.21 15.41 16.60 17.79 18.96 20.13 21.30 22.46 "
    "23.61 24.76 25.91 27.05",
    "0.20": "1.61 3.00 4.28 5.52 6.73 7.91 9.08 10.24 11.38 12.52 13.66 14.78 15.90 17.02 18.13 19.24 20.34 "
    "21.44 22.54 23.64 24.73",
    "0.50": "0.70 1.68 2.68 3.68 4.68 5.68 6.67 7.67 8.67 9.67 10.67 11.67 12.67 13.67 14.67 15.67 16.67 "
    "17.67 18.67 19.67 20.67",
}


@pytest.mark.parametrize("risk", sorted(FACTORS))
def test_confidence_factors_equal_the_guides_table(risk: str) -> None:
    published = [D(v) for v in FACTORS[risk].split()]
    assert [mus.confidence_factor(k, D(risk)) for k in range(len(published))] == published


def test_the_factors_named_in_the_issue() -> None:
    assert [mus.confidence_factor(k, D("0.05")) for k in range(3)] == [D("3.00"), D("4.75"), D("6.30")]
    assert [mus.confidence_factor(k, D("0.10")) for k in range(3)] == [D("2.31"), D("3.89"), D("5.33")]


TOLERABLE_SHARE = ["0.50", "0.30", "0.10", "0.08", "0.06", "0.05", "0.04", "0.03", "0.02", "0.01", "0.005"]
TABLE_C1_ZERO_EXPECTED = {
    "0.05": [6, 10, 30, 38, 50, 60, 75, 100, 150, 300, 600],  # Table C-1, 5% risk, ratio 0 row
    "0.10": [5, 8, 24, 29, 39, 47, 58, 77, 116, 231, 461],  # Table C-1, 10% risk, ratio 0 row
}


@pytest.mark.parametrize("risk", sorted(TABLE_C1_ZERO_EXPECTED))
def test_sample_sizes_with_no_expected_misstatement_equal_table_c1(risk: str) -> None:
    book_value = D("2000000")
    sizes = [
        mus.plan(book_value=book_value, tolerable_misstatement=book_value * D(share), risk=D(risk)).n
        for share in TOLERABLE_SHARE
    ]
    assert sizes == TABLE_C1_ZERO_EXPECTED[risk]


def test_the_size_uses_the_unrounded_factor_as_table_c1_does() -> None:
    # 10% risk, tolerable 0.5% of BV: -ln(0.10) = 2.302585 / 0.005 = 460.5 -> 461 (Table C-1); the tabled
    # factor 2.31 would give 462. The plan shows both factors so either hand check is possible.
    result = mus.plan(book_value=D("1000000"), tolerable_misstatement=D("5000"), risk=D("0.10"))
    assert (result.n, result.confidence_factor, result.confidence_factor_exact) == (
        461,
        D("2.31"),
        D("2.302585"),
    )
    assert result.interval == D("2169.19")  # 1,000,000 / 461 = 2,169.197... rounded down to the cent


def test_plan_with_expected_misstatement_uses_the_expansion_factor() -> None:
    # 5% risk: EF 1.6. n = ceil(2,500,000 x 2.995732 / (125,000 - 27,722 x 1.6))
    #                    = ceil(7,489,330 / 80,644.80) = ceil(92.87) = 93; interval 2,500,000 / 93 = 26,881.72
    five = mus.plan(
        book_value=D("2500000"), tolerable_misstatement=D("125000"), expected_misstatement=D("27722"), risk=D("0.05")
    )
    assert (five.n, five.interval, five.expansion_factor) == (93, D("26881.72"), D("1.6"))
    # 10% risk: EF 1.5. n = ceil(1,000,000 x 2.302585 / (50,000 - 10,000 x 1.5)) = ceil(65.79) = 66;
    # interval 1,000,000 / 66 = 15,151.5151... -> 15,151.51
    ten = mus.plan(
        book_value=D("1000000"), tolerable_misstatement=D("50000"), expected_misstatement=D("10000"), risk=D("0.10")
    )
    assert (ten.n, ten.interval, ten.expansion_factor) == (66, D("15151.51"), D("1.5"))


def test_expected_misstatement_that_eats_the_tolerable_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        mus.plan(
            book_value=D("1000000"), tolerable_misstatement=D("50000"), expected_misstatement=D("40000"), risk=D("0.05")
        )
    assert caught.value.field == "expected_misstatement"  # 40,000 x 1.6 = 64,000 > 50,000
    with pytest.raises(InvalidInput) as unknown:
        mus.plan(
            book_value=D("1000000"), tolerable_misstatement=D("50000"), expected_misstatement=D("1000"), risk=D("0.07")
        )
    assert unknown.value.field == "risk"  # no published expansion factor at 7%


def test_worked_evaluation_by_hand() -> None:
    """Interval 20,000 at 5% risk; three overstatements below the interval, one above, one understatement.

    The factors are the ones the sample size is computed with (Poisson upper limits to 6 places; the guide's
    table prints them rounded up to cents: 3.00, 4.75, 6.30, 7.76): 2.995732, 4.743865, 6.295794, 7.753657.
    Overstatements below the interval, taintings ranked largest first:
        b  BV    800  AV    200  misstatement   600  tainting 0.75  projected 0.75 x 20,000 = 15,000
        a  BV  5,000  AV  4,000  misstatement 1,000  tainting 0.20  projected 0.20 x 20,000 =  4,000
        c  BV 12,500  AV 11,250  misstatement 1,250  tainting 0.10  projected 0.10 x 20,000 =  2,000
    High-value item (BV >= interval): d BV 45,000 AV 42,000, actual misstatement 3,000.
    Basic precision      RF(0) x interval = 2.995732 x 20,000                              = 59,914.64
    Projected            15,000 + 4,000 + 2,000 + 3,000                                    = 24,000.00
    Incremental allowance (4.743865 - 2.995732 - 1) x 15,000 = 0.748133 x 15,000 = 11,222.00 (11,221.995)
                          (6.295794 - 4.743865 - 1) x  4,000 = 0.551929 x  4,000 =  2,207.72 (2,207.716)
                          (7.753657 - 6.295794 - 1) x  2,000 = 0.457863 x  2,000 =    915.73 (915.726)
                                                                                       = 14,345.45
    Upper misstatement limit (overstatement)                                               = 98,260.09
    (With the tabled factors the same sample gives 98,370: 20,000 x (3.00 + 0.75 x 1.75 + 0.20 x 1.55
    + 0.10 x 1.46) + 3,000.)
    Understatement: e BV 1,000 AV 1,100, tainting 0.10, projected 2,000, allowance 0.748133 x 2,000 = 1,496.27,
    limit 59,914.64 + 2,000 + 1,496.27 = 63,410.91.
    """
    items = [
        mus.Audited("a", D("5000"), D("4000")),
        mus.Audited("b", D("800"), D("200")),
        mus.Audited("c", D("12500"), D("11250")),
        mus.Audited("d", D("45000"), D("42000")),
        mus.Audited("e", D("1000"), D("1100")),
        mus.Audited("f", D("300"), D("300")),
    ]
    result = mus.evaluate(items=items, interval=D("20000"), risk=D("0.05"), tolerable_misstatement=D("100000"))
    over = result.overstatement
    assert (over.basic_precision, over.projected_misstatement, over.incremental_allowance, over.upper_limit) == (
        D("59914.64"),
        D("24000.00"),
        D("14345.45"),
        D("98260.09"),
    )
    assert result.understatement.upper_limit == D("63410.91")
    assert result.conclusion == "accept"  # 98,260.09 <= 100,000
    ranked = [(line.key, line.rank, line.incremental_allowance) for line in result.lines if line.rank]
    assert ranked == [("b", 1, D("11222.00")), ("a", 2, D("2207.72")), ("c", 3, D("915.73")), ("e", 1, D("1496.27"))]
    high = next(line for line in result.lines if line.key == "d")
    assert (high.tainting, high.projected) == (None, D("3000"))
    assert "f" not in {line.key for line in result.lines}  # no misstatement, no line

    tighter = mus.evaluate(items=items, interval=D("20000"), risk=D("0.05"), tolerable_misstatement=D("95000"))
    assert tighter.conclusion == "reject"  # 98,260.09 > 95,000


def test_no_misstatements_leaves_only_basic_precision() -> None:
    items = [mus.Audited(str(i), D("1000"), D("1000")) for i in range(5)]
    result = mus.evaluate(items=items, interval=D("16666.66"), risk=D("0.10"), tolerable_misstatement=D("40000"))
    # 2.302585 (= -ln 0.10, the factor the size is computed with) x 16,666.66 = 38,376.4006 -> 38,376.40
    assert result.overstatement.upper_limit == D("38376.40")
    assert result.conclusion == "accept"


def _expected_holders(values: list[Decimal], start: Decimal, interval: Decimal) -> dict[int, int]:
    """Walk the cumulative book values and count the units start, start + interval, ... each item holds."""
    holders: dict[int, int] = {}
    point, cumulative, total = start, D(0), sum((v for v in values if v > 0), D(0))
    positive = [(i, v) for i, v in enumerate(values) if v > 0]
    index = 0
    while point <= total:
        while cumulative + positive[index][1] < point:
            cumulative += positive[index][1]
            index += 1
        holders[positive[index][0]] = holders.get(positive[index][0], 0) + 1
        point += interval
    return holders


POPULATION = [
    D(v) for v in ["120.00", "25000.50", "0", "-75.10", "7000.00", "310.25", "18000.00", "9999.99", "41000.00"]
]
POPULATION += [D(v) for v in ["2500.00", "860.40", "15000.00", "4300.00", "1.00", "22000.00", "6400.00"]]


def test_systematic_selection_takes_the_units_from_the_random_start() -> None:
    items = [(f"item-{i}", v) for i, v in enumerate(POPULATION)]
    selection = mus.select(items=items, interval=D("20000"), seed=20240131)
    assert D("0.01") <= selection.random_start <= D("20000")
    assert (selection.excluded_count, selection.excluded_value) == (2, D("-75.10"))
    assert selection.population_value == sum((v for v in POPULATION if v > 0), D(0))
    chosen = {s.position: s.hits for s in selection.sampled + selection.high_value}
    assert chosen == _expected_holders(POPULATION, selection.random_start, D("20000"))
    # Every item at or above the interval is selected and listed apart from the rest.
    assert {s.key for s in selection.high_value} == {"item-1", "item-8", "item-14"}
    assert all(s.book_value < D("20000") for s in selection.sampled)
    assert sum(chosen.values()) == int(selection.population_value / 20000) + (
        1 if selection.population_value % 20000 >= selection.random_start else 0
    )


def test_selection_repeats_for_the_same_seed_and_moves_with_another() -> None:
    items = [(str(i), D(1000 + (i * 7919) % 5000)) for i in range(400)]
    first = mus.select(items=items, interval=D("25000"), seed=11)
    again = mus.select(items=items, interval=D("25000"), seed=11)
    other = mus.select(items=items, interval=D("25000"), seed=12)
    assert first == again
    assert first.random_start != other.random_start
    assert [s.key for s in first.sampled] != [s.key for s in other.sampled]


@pytest.mark.parametrize(
    ("risk", "book_value", "tolerable"),
    [
        ("0.05", "1000000", "49950"),  # n 60, interval 16,666.66: 3.00 x interval = 49,999.98 > TM
        ("0.10", "2000000", "10000"),  # Table C-1's 461: 2.31 x 4,338.39 = 10,021.68 > TM
        ("0.05", "2500000", "125000"),
    ],
)
def test_a_sample_of_the_planned_size_with_no_misstatement_is_accepted(
    risk: str, book_value: str, tolerable: str
) -> None:
    # Plan for TM, draw that many monetary units from a population of that book value, find nothing:
    # the auditor must be able to conclude the population is not misstated by more than TM.
    planned = mus.plan(book_value=D(book_value), tolerable_misstatement=D(tolerable), risk=D(risk))
    share = D(book_value) / 1000
    items = [(f"inv-{i}", share) for i in range(1000)]
    drawn = mus.select(items=items, interval=planned.interval, seed=20261207)
    assert sum(s.hits for s in drawn.sampled + drawn.high_value) == planned.n
    audited = [mus.Audited(s.key, s.book_value, s.book_value) for s in drawn.sampled + drawn.high_value]
    result = mus.evaluate(items=audited, interval=planned.interval, risk=D(risk), tolerable_misstatement=D(tolerable))
    assert result.overstatement.upper_limit <= D(tolerable)
    assert result.conclusion == "accept"
    # The evaluation's basic precision uses the very factor the size was computed with.
    assert result.overstatement.basic_precision == (planned.confidence_factor_exact * planned.interval).quantize(
        D("0.01"), rounding="ROUND_HALF_UP"
    )
