"""Accounting estimates: the difference to the auditor's range or point, the entry that corrects it, and
the retrospective review's bias indicator, on figures worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.fieldwork.estimates import bias, correcting_lines, difference, direction
from shared.adjusting_entries import EntryLine

pytestmark = pytest.mark.unit

D = Decimal


@pytest.mark.parametrize(
    ("management", "low", "high", "point", "expected"),
    [
        ("50000", "45000", "60000", None, "0"),  # inside the range: reasonable
        ("40000", "45000", "60000", None, "-5000"),  # below: to the low bound
        ("65000", "45000", "60000", None, "5000"),  # above: to the high bound
        ("45000", "45000", "60000", None, "0"),  # on a bound
        ("50000", None, None, "52500", "-2500"),  # against a point
    ],
)
def test_the_difference_is_to_the_nearest_bound_or_the_point(
    management: str, low: str | None, high: str | None, point: str | None, expected: str
) -> None:
    def amount(value: str | None) -> Decimal | None:
        return None if value is None else D(value)

    assert difference(D(management), low=amount(low), high=amount(high), point=amount(point)) == D(expected)


def test_without_an_auditor_figure_there_is_no_difference_yet() -> None:
    assert difference(D("50000"), low=None, high=None, point=None) is None


def test_an_allowance_below_the_range_is_raised_by_a_credit_to_it_and_a_debit_to_the_expense() -> None:
    lines = correcting_lines(D("-5000"), account="1150", counter_account="6400", increases_with="credit")
    assert lines == [EntryLine("1150", D("0.00"), D("5000")), EntryLine("6400", D("5000"), D("0.00"))]


def test_an_allowance_above_the_range_is_lowered_the_other_way() -> None:
    lines = correcting_lines(D("5000"), account="1150", counter_account="6400", increases_with="credit")
    assert lines == [EntryLine("1150", D("5000"), D("0.00")), EntryLine("6400", D("0.00"), D("5000"))]


def test_an_asset_at_fair_value_overstated_is_credited() -> None:
    lines = correcting_lines(D("1200"), account="1700", counter_account="7100", increases_with="debit")
    assert lines == [EntryLine("1700", D("0.00"), D("1200")), EntryLine("7100", D("1200"), D("0.00"))]


def test_direction_of_a_prior_estimate_against_its_outcome() -> None:
    assert direction(D("100"), D("80")) == "over"
    assert direction(D("100"), D("120")) == "under"
    assert direction(D("100"), D("100")) == "exact"


def test_estimates_leaning_one_way_raise_the_bias_indicator_with_the_counts() -> None:
    # Three of four estimates came in lower than management said: 3/4 >= 2/3.
    found = bias([(D("100"), D("80")), (D("50"), D("40")), (D("70"), D("60")), (D("30"), D("35"))])
    assert (found.reviewed, found.over, found.under, found.exact) == (4, 3, 1, 0)
    assert found.indicated and found.leaning == "over"


def test_exactly_two_thirds_the_same_way_is_enough() -> None:
    found = bias([(D("100"), D("120")), (D("50"), D("60")), (D("70"), D("60"))])
    assert found.indicated and found.leaning == "under" and (found.over, found.under) == (1, 2)


def test_mixed_differences_do_not_raise_it() -> None:
    found = bias([(D("100"), D("80")), (D("50"), D("60")), (D("70"), D("70")), (D("30"), D("20")), (D("9"), D("10"))])
    assert (found.reviewed, found.over, found.under, found.exact) == (5, 2, 2, 1)
    assert not found.indicated and found.leaning is None


def test_too_few_reviewed_estimates_do_not_raise_it_however_they_lean() -> None:
    found = bias([(D("100"), D("80")), (D("50"), D("40"))])
    assert found.over == 2 and not found.indicated
