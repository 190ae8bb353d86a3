"""Classical variables estimators, worked by hand, and stratified selection."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.sampling import classical
from functions.sampling.problems import InvalidInput

pytestmark = pytest.mark.unit

D = Decimal
# N = 500 items, recorded total 250,000; five items sampled:
BOOK = [D(v) for v in (500, 400, 600, 500, 400)]  # sum 2,400
AUDITED = [D(v) for v in (500, 400, 580, 480, 390)]  # sum 2,350
Z95 = D("1.959964")  # Phi^-1(0.975)


def run(method: classical.Method, tolerable: str | None = "10000") -> classical.Estimate:
    return classical.estimate(
        method=method,
        population_size=500,
        book_value=D("250000"),
        book_values=BOOK,
        audited_values=AUDITED,
        confidence=D("0.95"),
        tolerable_misstatement=D(tolerable) if tolerable else None,
    )


def test_normal_quantile() -> None:
    assert classical.z_value(D("0.95")) == Z95
    assert classical.z_value(D("0.90")) == D("1.644854")


def test_difference_estimation_by_hand() -> None:
    """Differences a - b: 0, 0, -20, -20, -10; mean -10; deviations 10, 10, -10, -10, 0 -> s^2 = 400 / 4, s = 10.

    Y  = 250,000 + 500 x (-10) = 245,000; projected misstatement 5,000 (overstated)
    SE = 500 x 10 / sqrt(5) x sqrt(1 - 5/500) = 500 x 4.472136 x 0.994987 = 2,224.86
    precision = 1.959964 x 2,224.8595 = 4,360.64; 5,000 + 4,360.64 = 9,360.64 <= 10,000 -> accept
    """
    result = run("difference")
    assert (result.point_estimate, result.projected_misstatement) == (D("245000.00"), D("5000.00"))
    assert (result.standard_error, result.precision) == (D("2224.86"), D("4360.64"))
    assert (result.lower_limit, result.upper_limit) == (D("240639.36"), D("249360.64"))
    assert result.conclusion == "accept"
    assert run("difference", "9000").conclusion == "reject"  # 9,360.64 > 9,000


def test_mean_per_unit_by_hand() -> None:
    """Audited mean 470; deviations 30, -70, 110, 10, -80 -> sum of squares 24,400, s^2 = 6,100, s = 78.102497.

    Y  = 500 x 470 = 235,000; projected misstatement 15,000
    SE = 500 x 78.102497 / 2.236068 x 0.994987 = 17,376.71; precision = 1.959964 x 17,376.7085 = 34,057.72
    """
    result = run("mean_per_unit", "60000")
    assert (result.point_estimate, result.projected_misstatement) == (D("235000.00"), D("15000.00"))
    assert (result.standard_error, result.precision) == (D("17376.71"), D("34057.72"))
    assert result.conclusion == "accept"  # 15,000 + 34,057.72 = 49,057.72 <= 60,000
    assert run("mean_per_unit").conclusion == "reject"


def test_ratio_estimation_by_hand() -> None:
    """R = 2,350 / 2,400 = 0.9791667; Y = 250,000 x R = 244,791.67; misstatement 5,208.33.

    Residuals a - R b: 10.416667, 8.333333, -7.5, -9.583333, -1.666667; sum of squares 328.819444,
    s_e^2 = 82.204861, s_e = 9.066690; SE = 500 x 9.066690 / 2.236068 x 0.994987 = 2,017.21;
    precision = 1.959964 x 2,017.2111 = 3,953.66
    """
    result = run("ratio")
    assert (result.point_estimate, result.projected_misstatement) == (D("244791.67"), D("5208.33"))
    assert (result.standard_error, result.precision) == (D("2017.21"), D("3953.66"))
    assert result.conclusion == "accept"  # 5,208.33 + 3,953.66 = 9,161.99 <= 10,000


def test_no_conclusion_without_a_tolerable_misstatement() -> None:
    assert run("ratio", None).conclusion is None


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InvalidInput) as short:
        classical.estimate(
            method="difference", population_size=10, book_value=D(1), book_values=[D(1)], audited_values=[D(1)],
            confidence=D("0.95"),
        )  # fmt: skip
    assert short.value.field == "audited_values"
    with pytest.raises(InvalidInput) as small:
        classical.estimate(
            method="difference", population_size=4, book_value=D(1), book_values=BOOK, audited_values=AUDITED,
            confidence=D("0.95"),
        )  # fmt: skip
    assert small.value.field == "population_size"


def population() -> list[tuple[str, Decimal]]:
    """600 items: many small, fewer mid-sized, a few large (book values that are easy to reason about)."""
    items = [(f"s{i}", D(100 + i)) for i in range(400)]  # 100 .. 499
    items += [(f"m{i}", D(2000 + 10 * i)) for i in range(150)]  # 2,000 .. 3,490
    items += [(f"l{i}", D(20000 + 1000 * i)) for i in range(50)]  # 20,000 .. 69,000
    return items


def test_equal_value_strata_hold_about_the_same_value_and_neyman_favours_spread() -> None:
    items = population()
    result = classical.stratify(items=items, strata=3, n=60, seed=5, boundaries="equal_value")
    total = sum((v for _, v in items), D(0))
    assert sum(s.count for s in result.strata) == 600
    assert sum(s.allocation for s in result.strata) == 60
    # Every stratum's value is within one largest item (69,000) of a third of the whole.
    for stratum in result.strata:
        assert abs(stratum.total - total / 3) <= D(69000)
        assert len(stratum.selected) == stratum.allocation
        chosen = [items[p][1] for p in stratum.selected]
        assert all(stratum.lower <= v <= stratum.upper for v in chosen)
    # Neyman: n_h proportional to N_h x S_h; check against the shown figures (largest remainder rounding).
    weights = [s.count * s.standard_deviation for s in result.strata]
    for stratum, weight in zip(result.strata, weights, strict=True):
        assert abs(stratum.allocation - 60 * weight / sum(weights)) < 1 + D("0.01")
    # Strata are ordered by value and do not overlap.
    assert all(a.upper <= b.lower for a, b in zip(result.strata, result.strata[1:], strict=False))


def test_cumulative_sqrt_f_boundaries_by_hand() -> None:
    """100 equal-width classes over 100..69,000: width 689, class of v = int((v - 100) / 689).

    class 0 (100-788): the 400 small items, sqrt 20; class 2: 2,000-2,160, 17 items, sqrt 4.12;
    class 3: 2,170-2,850, 69 items, sqrt 8.31; class 4: 2,860-3,490, 64 items, sqrt 8;
    the 50 large items 1,000 apart each sit alone in a class (1,000 > 689): sqrt 1 each.
    Total 20 + 4.12 + 8.31 + 8 + 50 = 90.43; cuts where the running sum first reaches 30.14 and 60.29:
    after class 3 (32.43), then after the 20th large item (40.43 + 20 = 60.43).
    """
    items = population()
    result = classical.stratify(items=items, strata=3, n=45, seed=5, boundaries="cumulative_sqrt_f")
    shape = [(s.count, s.lower, s.upper) for s in result.strata]
    assert shape == [(486, D(100), D(2850)), (84, D(2860), D(39000)), (30, D(40000), D(69000))]
    assert sum(s.allocation for s in result.strata) == 45


def test_stratified_selection_is_reproducible_from_the_seed() -> None:
    items = population()
    one = classical.stratify(items=items, strata=4, n=40, seed=99, boundaries="equal_value")
    two = classical.stratify(items=items, strata=4, n=40, seed=99, boundaries="equal_value")
    three = classical.stratify(items=items, strata=4, n=40, seed=100, boundaries="equal_value")
    assert one == two
    assert [s.selected for s in one.strata] != [s.selected for s in three.strata]


def test_neyman_never_allocates_more_than_a_stratum_holds() -> None:
    # The second stratum's spread would claim 9 of 10, but it holds only 3 items.
    assert classical.neyman([50, 3], [D(1), D(1000)], 10) == [7, 3]
    assert classical.neyman([10, 10, 10], [D(0), D(0), D(0)], 6) == [2, 2, 2]  # no spread: by size


def stratum(number: int, size: int, total: str, book: list[str], audited: list[str]) -> classical.StratumSample:
    return classical.StratumSample(number, size, D(total), [D(v) for v in book], [D(v) for v in audited])


STRATA = [
    stratum(1, 100, "50000", ["500", "400", "600", "500"], ["500", "400", "580", "480"]),
    stratum(2, 10, "100000", ["10000", "12000"], ["10000", "11000"]),
    stratum(3, 2, "60000", ["30000", "30000"], ["30000", "29000"]),  # sampled whole
]


def test_stratified_difference_estimation_by_hand() -> None:
    """Separate difference estimates by stratum, variances added.

    Stratum 1: N 100, BV 50,000; differences 0, 0, -20, -20, mean -10, s^2 = 400 / 3
        Y_1 = 50,000 + 100 x (-10) = 49,000;   SE_1^2 = 100^2 x (400/3) / 4 x (1 - 4/100) = 320,000
    Stratum 2: N 10, BV 100,000; differences 0, -1,000, mean -500, s^2 = 500,000
        Y_2 = 100,000 + 10 x (-500) = 95,000;  SE_2^2 = 10^2 x 500,000 / 2 x (1 - 2/10) = 20,000,000
    Stratum 3: both items audited: Y_3 = 30,000 + 29,000 = 59,000, no sampling error
    Y = 203,000 against BV 210,000: projected misstatement 7,000
    SE = sqrt(20,320,000) = 4,507.77; precision = 1.959964 x 4,507.7711 = 8,835.07
    7,000 + 8,835.07 = 15,835.07: accept at a tolerable 16,000, reject at 15,000
    """
    result = classical.estimate_stratified(
        method="difference", strata=STRATA, confidence=D("0.95"), tolerable_misstatement=D("16000")
    )
    assert (result.population_size, result.n, result.book_value) == (112, 8, D("210000"))
    assert (result.point_estimate, result.projected_misstatement) == (D("203000.00"), D("7000.00"))
    assert (result.standard_error, result.precision) == (D("4507.77"), D("8835.07"))
    assert (result.lower_limit, result.upper_limit) == (D("194164.93"), D("211835.07"))
    assert result.conclusion == "accept"
    rows = [(s.number, s.n, s.point_estimate, s.standard_error) for s in result.strata]
    assert rows == [(1, 4, D("49000.00"), D("565.69")), (2, 2, D("95000.00"), D("4472.14")), (3, 2, D("59000.00"), 0)]
    tighter = classical.estimate_stratified(
        method="difference", strata=STRATA, confidence=D("0.95"), tolerable_misstatement=D("15000")
    )
    assert tighter.conclusion == "reject"


@pytest.mark.parametrize("method", ["mean_per_unit", "difference", "ratio"])
def test_one_stratum_gives_the_unstratified_estimate(method: classical.Method) -> None:
    whole = classical.estimate_stratified(
        method=method,
        strata=[classical.StratumSample(1, 500, D("250000"), BOOK, AUDITED)],
        confidence=D("0.95"),
        tolerable_misstatement=D("10000"),
    )
    plain = run(method)
    same = ("point_estimate", "projected_misstatement", "standard_error", "precision", "conclusion")
    assert [getattr(whole, name) for name in same] == [getattr(plain, name) for name in same]


def test_a_stratum_with_one_item_of_many_cannot_be_estimated() -> None:
    with pytest.raises(InvalidInput) as caught:
        classical.estimate_stratified(
            method="difference",
            strata=[*STRATA[:2], stratum(4, 30, "900", ["30"], ["30"])],
            confidence=D("0.95"),
        )
    assert (caught.value.field, caught.value.value) == ("strata", 4)
    assert "1 of 30" in caught.value.message
