"""Benford analysis (docs/audit-rules.md section 5): published tables, statistics worked by hand, exact digits,
filters, errors."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import numpy as np
import pytest

from functions.analytics import benford
from functions.analytics.benford import (
    TESTS,
    amounts_from_text,
    amounts_from_units,
    analyze,
    analyze_all,
    expected_shares,
)
from shared.errors import ValidationFailed

pytestmark = pytest.mark.unit

# Nigrini, "Benford's Law" (2012), table 5.1: first digit log10(1 + 1/d) and second digit, to five decimals.
PUBLISHED_FIRST = [0.30103, 0.17609, 0.12494, 0.09691, 0.07918, 0.06695, 0.05799, 0.05115, 0.04576]
PUBLISHED_SECOND = [0.11968, 0.11389, 0.10882, 0.10433, 0.10031, 0.09668, 0.09337, 0.09035, 0.08757, 0.08500]


def counts(result):
    return {b.digits: b.observed_count for b in result.bins if b.observed_count}


def bin_of(result, digits):
    return next(b for b in result.bins if b.digits == digits)


# --------------------------------------------------------------------------- expected shares


def test_first_digit_shares_are_the_published_table():
    assert expected_shares("first_digit") == pytest.approx(PUBLISHED_FIRST, abs=5e-6)


def test_second_digit_shares_are_nigrinis_table():
    assert expected_shares("second_digit") == pytest.approx(PUBLISHED_SECOND, abs=5e-6)


def test_first_two_shares_sum_to_one_and_add_up_to_the_first_digit_shares():
    shares = expected_shares("first_two")
    assert len(shares) == 90
    assert sum(shares) == pytest.approx(1, abs=1e-12)
    assert shares[0] == pytest.approx(0.04139, abs=5e-6)  # log10(1 + 1/10)
    assert shares[-1] == pytest.approx(0.00436, abs=5e-6)  # log10(1 + 1/99)
    # The ten first-two bins of first digit d add up to log10(1 + 1/d).
    by_first_digit = [sum(shares[10 * (d - 1) : 10 * d]) for d in range(1, 10)]
    assert by_first_digit == pytest.approx(PUBLISHED_FIRST, abs=5e-6)


def test_last_two_and_summation_expect_uniform_shares():
    assert expected_shares("last_two") == pytest.approx([0.01] * 100)
    assert expected_shares("summation") == pytest.approx([1 / 90] * 90)


def test_bins_are_labelled_as_the_test_reads_them():
    amounts = amounts_from_text(["123.45"] * 10)
    labels = {test: [b.digits for b in analyze(amounts, test=test).bins] for test in TESTS}
    assert labels["first_digit"] == [str(d) for d in range(1, 10)]
    assert labels["second_digit"] == [str(d) for d in range(10)]
    assert labels["first_two"] == labels["summation"] == [str(d) for d in range(10, 100)]
    assert labels["last_two"] == [f"{d:02d}" for d in range(100)]


# --------------------------------------------------------------------------- statistics worked by hand

# Ten positive amounts of 10 or more; -5, 0, 7 and -120 fall to the default filters (positive, >= 10).
HAND = ["10", "12.50", "150", "1999.99", "25", "2000", "31", "47", "95", "99.99", "-5", "0", "7", "-120"]


def test_first_digit_statistics_by_hand():
    result = analyze(amounts_from_text(HAND), test="first_digit")
    # Digits 1: 10, 12.50, 150, 1999.99 -> 4;  2: 25, 2000 -> 2;  3: 31;  4: 47;  9: 95, 99.99 -> 2.  N = 10.
    assert result.n == 10
    assert counts(result) == {"1": 4, "2": 2, "3": 1, "4": 1, "9": 2}
    # p = .4 .2 .1 .1 0 0 0 0 .2 ; p0 = .30103 .17609 .12494 .09691 .07918 .06695 .05799 .05115 .04576
    # |p - p0| = .09897 .02391 .02494 .00309 .07918 .06695 .05799 .05115 .15424, sum .56042
    # MAD = .56042 / 9 = .062269
    assert result.mad == pytest.approx(0.062269, abs=2e-6)
    # chi-square = N * sum (p - p0)^2 / p0
    #   = 10 * (.0097951/.30103 + .0005717/.17609 + .0006220/.12494 + .0000095/.09691
    #           + .07918 + .06695 + .05799 + .05115 + .0237900/.04576)
    #   = 10 * (.032539 + .003247 + .004978 + .000099 + .07918 + .06695 + .05799 + .05115 + .519886)
    #   = 10 * .816019 = 8.1602 (p0 rounded to five decimals; exact p0 give 8.1606)
    assert result.chi_square == pytest.approx(8.1602, abs=1e-3)
    assert result.degrees_of_freedom == 8
    # cumulative p  = .4 .6 .7 .8 .8 .8 .8 .8 1
    # cumulative p0 = .30103 .47712 .60206 .69897 .77815 .84510 .90309 .95424 1
    # largest gap |.8 - .95424| = .15424 at digit 8; critical 1.358 / sqrt(10) = .42944
    assert result.ks["d"] == pytest.approx(0.15424, abs=1e-5)
    assert result.ks["critical"] == pytest.approx(0.42944, abs=1e-5)
    # Z(9) = (.15424 - 1/20) / sqrt(.04576 * .95424 / 10) = .10424 / .066080 = 1.5775
    assert bin_of(result, "9").z == pytest.approx(1.5775, abs=2e-4)
    # Z(1) = (.09897 - .05) / sqrt(.30103 * .69897 / 10) = .04897 / .145057 = .3376
    assert bin_of(result, "1").z == pytest.approx(0.3376, abs=2e-4)
    # Z(2): |p - p0| = .02391 < 1/(2N) = .05, so the numerator is floored at 0.
    assert bin_of(result, "2").z == 0
    assert bin_of(result, "9").observed_share == pytest.approx(0.2)
    assert result.flagged == []  # no Z above 1.96
    assert result.conformity == "nonconformity"  # .062 > .015
    assert any("1,000" in w for w in result.warnings)


def test_last_two_statistics_by_hand():
    result = analyze(amounts_from_text(HAND), test="last_two")
    # Last two digits of the cents: 99.99 and 1999.99 -> "99", 12.50 -> "50", the seven others -> "00".
    assert counts(result) == {"00": 7, "50": 1, "99": 2}
    # |p - p0|: .69 + .09 + .19 + 97 * .01 = 1.94 ; MAD = 1.94 / 100 = .0194
    assert result.mad == pytest.approx(0.0194)
    # chi-square = 10 * ((.69^2 + .09^2 + .19^2) / .01 + 97 * .01) = 10 * (52.03 + .97) = 530
    assert result.chi_square == pytest.approx(530)
    assert result.degrees_of_freedom == 99
    assert result.ks["d"] == pytest.approx(0.69)  # at "00": .70 - .01
    # Z("00") = (.69 - .05) / sqrt(.01 * .99 / 10) = .64 / .0314643 = 20.340
    assert bin_of(result, "00").z == pytest.approx(20.340, abs=1e-3)
    assert [b.digits for b in result.flagged] == ["00", "99"]
    # Z("99") = (.19 - .05) / .0314643 = 4.4495 ; Z("50") = (.09 - .05) / .0314643 = 1.2713, not flagged
    assert bin_of(result, "99").z == pytest.approx(4.4495, abs=1e-3)
    assert bin_of(result, "50").z == pytest.approx(1.2713, abs=1e-3)
    assert result.conformity is None
    assert any("no MAD conformity" in w for w in result.warnings)


def test_summation_statistics_by_hand():
    result = analyze(amounts_from_text(["10", "10.00", "20", "50"]), test="summation")
    # Bins 10 (two amounts, 20 of 90), 20 (one, 20 of 90), 50 (one, 50 of 90); expected 1/90 each.
    assert result.n == 4
    assert counts(result) == {"10": 2, "20": 1, "50": 1}
    assert bin_of(result, "10").observed_share == pytest.approx(2 / 9)
    assert bin_of(result, "50").observed_share == pytest.approx(5 / 9)
    # |p - p0| in 90ths: 19 + 19 + 49 + 87 * 1 = 174 ; MAD = 174 / 90 / 90 = .021481
    assert result.mad == pytest.approx(174 / 8100)
    # chi-square = N * sum (p - p0)^2 / p0 = 4 * 90 * (19^2 + 19^2 + 49^2 + 87) / 90^2 = 4 * 3210 / 90 = 142.667
    assert result.chi_square == pytest.approx(142.667, abs=1e-3)
    assert result.conformity is None
    assert any("not reliable" in w for w in result.warnings)


def test_large_spike_is_flagged_and_z_follows_the_formula():
    result = analyze(amounts_from_text(["1234"] * 100), test="first_digit")
    # Z(1) = (.69897 - 1/200) / sqrt(.30103 * .69897 / 100) = .69397 / .0458705 = 15.129
    assert bin_of(result, "1").z == pytest.approx(15.129, abs=2e-3)
    # Z(2) = (.17609 - .005) / sqrt(.17609 * .82391 / 100) = .17109 / .0380904 = 4.4917
    assert bin_of(result, "2").z == pytest.approx(4.4917, abs=2e-3)
    # Z(9) = (.04576 - .005) / sqrt(.04576 * .95424 / 100) = .04076 / .0208965 = 1.9506, just below 1.96
    assert bin_of(result, "9").z == pytest.approx(1.9506, abs=2e-3)
    assert [b.digits for b in result.flagged] == [str(d) for d in range(1, 9)]


# --------------------------------------------------------------------------- exact digits


def test_amounts_keep_their_exact_decimal_value():
    amounts = amounts_from_text(["0.1", "100.00", "99.99", "1000000000000.01", "-4.50", "7e2"])
    assert amounts.scale == 2
    assert amounts.units.tolist() == [10, 10000, 9999, 100000000000001, -450, 70000]


def test_digits_come_from_the_decimal_value():
    amounts = amounts_from_text(["0.1", "100.00", "99.99", "1000000000000.01", "-4.50", "7e2"])
    every = {"sign": "all", "min_amount": Decimal(0)}
    assert counts(analyze(amounts, test="first_two", **every)) == {"10": 3, "99": 1, "45": 1, "70": 1}
    assert counts(analyze(amounts, test="first_digit", **every)) == {"1": 3, "9": 1, "4": 1, "7": 1}
    assert counts(analyze(amounts, test="second_digit", **every)) == {"0": 4, "9": 1, "5": 1}
    # last two digits to the cent, amounts of 10 or more only (0.1 and -4.50 are left out)
    assert counts(analyze(amounts, test="last_two", **every)) == {"00": 2, "99": 1, "01": 1}


def test_no_float_truncation_in_leading_digits():
    amounts = amounts_from_text(["0.29", "0.57", "4.35"])
    # What a float computation gets wrong: 0.29 / 0.1 = 2.8999999999999995.
    assert int(0.29 / 10 ** math.floor(math.log10(0.29)) * 10) == 28
    result = analyze(amounts, test="first_two", min_amount=Decimal("0.01"))
    assert counts(result) == {"29": 1, "57": 1, "43": 1}


def test_no_float_truncation_in_last_two_digits():
    amounts = amounts_from_text(["16.15", "10.03", "1024.57"])
    assert int(float("16.15") * 100) % 100 == 14  # what a float computation gets wrong
    assert counts(analyze(amounts, test="last_two")) == {"15": 1, "03": 1, "57": 1}


def test_one_digit_amounts_read_as_a_digit_then_zero():
    # 5 is 5.0: first two digits 50, second digit 0 (only below the default min_amount of 10)
    amounts = amounts_from_text(["5", "7"])
    assert counts(analyze(amounts, test="first_two", min_amount=Decimal(1))) == {"50": 1, "70": 1}
    assert counts(analyze(amounts, test="second_digit", min_amount=Decimal(1))) == {"0": 2}


def test_last_two_digits_at_other_scales():
    # Whole amounts have no cents; a third decimal is cut (floor), not rounded.
    whole = analyze(amounts_from_text(["123", "4567"]), test="last_two")
    assert counts(whole) == {"00": 2}
    assert any("no cents" in w for w in whole.warnings)
    assert counts(analyze(amounts_from_text(["10.299", "25.5"]), test="last_two")) == {"29": 1, "50": 1}
    tenths = analyze(amounts_from_text(["12.5", "30.1"]), test="last_two")
    assert counts(tenths) == {"50": 1, "10": 1}
    assert any("ends in 0" in w for w in tenths.warnings)
    cents = analyze(amounts_from_units(np.array([1029, 999, 100000]), 2), test="last_two")
    assert counts(cents) == {"29": 1, "00": 1}  # 9.99 is below 10


def test_last_two_ignores_amounts_below_ten_whatever_min_amount():
    result = analyze(amounts_from_text(["9.99", "10.01"]), test="last_two", min_amount=Decimal(0))
    assert counts(result) == {"01": 1}


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "units", "scale"),
    [
        (["1.5", "2"], [15, 20], 1),
        ([" 007.50 ", "+3", "-0"], [750, 300, 0], 2),
        (["1.123456"], [1123456], 6),
        (["1.12345600000"], [1123456], 6),  # decimals past the sixth are allowed when they are zeros
        (["1.5e3", "2E+2"], [1500, 200], 0),
        (["15e-2", "-1.25E1"], [15, -1250], 2),
        ([".5", "5."], [5, 50], 1),
        ([12, "0.5"], [120, 5], 1),
        (np.array([7, -12]), [7, -12], 0),
        (["9223372036854775807", "-9223372036854775807"], [2**63 - 1, -(2**63 - 1)], 0),
        (["92233720368547758.07"], [2**63 - 1], 2),
        ([], [], 0),
    ],
)
def test_parsing(text, units, scale):
    amounts = amounts_from_text(text)
    assert amounts.units.tolist() == units
    assert amounts.scale == scale
    assert amounts.units.dtype == np.int64


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("abc", "not a number"),
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("NaN", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("-inf", "not a finite number"),
        ("1.1234567", "too many decimals"),
        ("1e-7", "too many decimals"),
        ("1,000.00", "not a number"),
        ("12a", "not a number"),
        ("1e+-2", "not a number"),
        ("--1", "not a number"),
        ("١٢", "not a number"),
        ("1_000", "not a number"),
        ("9223372036854775808", "too large"),
        ("-9223372036854775808", "too large"),
        ("1e19", "too large"),
        (2.5, "not float"),
        (True, "not bool"),
    ],
)
def test_bad_amount_names_its_index_and_value(bad, reason):
    with pytest.raises(ValidationFailed) as caught:
        amounts_from_text(["10", "20.5", bad, "30"])
    error = caught.value
    assert error.extra["errors"][0]["loc"] == ["body", "amounts[2]"]
    assert error.detail.startswith("amounts[2]: ")
    assert reason in error.detail
    assert repr(bad) in error.detail


def test_the_first_bad_amount_is_reported():
    with pytest.raises(ValidationFailed, match=r"amounts\[1\]: not a number"):
        amounts_from_text(["1", "x", "1.1234567"])
    with pytest.raises(ValidationFailed, match=r"amounts\[1\]: too many decimals"):
        amounts_from_text(["1", "1.1234567", "x", "1e5"])
    with pytest.raises(ValidationFailed, match=r"amounts\[2\]: empty"):
        amounts_from_text(["1", "1e5", "", "1.1234567"])


def test_too_large_depends_on_the_scale_the_other_amounts_need():
    amounts_from_text(["92233720368547758"])
    with pytest.raises(ValidationFailed, match=r"amounts\[0\]: too large") as caught:
        amounts_from_text(["92233720368547758", "0.001"])  # at 3 decimals this needs 92233720368547758000 units
    assert "92233720368547758" in caught.value.detail
    with pytest.raises(ValidationFailed, match=r"amounts\[1\]: too large"):
        amounts_from_text(["0.01", "1e17"])


def test_a_long_list_parses_exactly():
    rng = np.random.default_rng(7)
    cents = rng.integers(-(10**12), 10**12, 50_000)
    text = [f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in cents.tolist()]
    text[123] = "1.5e3"  # one exponent form among the plain numbers
    amounts = amounts_from_text(text)
    expected = cents.copy()
    expected[123] = 150000
    assert amounts.scale == 2
    assert np.array_equal(amounts.units, expected)


def test_amounts_from_units():
    amounts = amounts_from_units(np.array([1050, -20, 0], dtype=np.int32), 2)
    assert amounts.units.dtype == np.int64
    assert amounts.scale == 2
    assert not amounts.units.flags.writeable
    with pytest.raises(ValidationFailed, match="scale"):
        amounts_from_units(np.array([1]), 7)
    with pytest.raises(ValidationFailed, match=r"amounts\[1\]: too large"):
        amounts_from_units(np.array([1, -(2**63)], dtype=np.int64), 0)
    with pytest.raises(TypeError):
        amounts_from_units(np.array([1.5]), 2)


# --------------------------------------------------------------------------- filters


def test_sign_filter():
    amounts = amounts_from_text(["100", "-200", "300", "-4000", "0"])
    assert counts(analyze(amounts, test="first_digit")) == {"1": 1, "3": 1}
    assert counts(analyze(amounts, test="first_digit", sign="negative")) == {"2": 1, "4": 1}
    assert counts(analyze(amounts, test="first_digit", sign="all")) == {"1": 1, "2": 1, "3": 1, "4": 1}


def test_min_amount_compares_exactly():
    amounts = amounts_from_text(["10.004", "10.005", "10.01", "-10.005", "9.999"])
    kept = analyze(amounts, test="first_digit", sign="all", min_amount=Decimal("10.005"))
    assert kept.n == 3  # 10.005, 10.01 and the absolute value of -10.005
    assert kept.parameters == {"sign": "all", "min_amount": "10.005", "scale": 3}
    # Between two cents: 10.0001 keeps 10.01 but not 10.00.
    cents = amounts_from_text(["10.00", "10.01"])
    assert analyze(cents, test="first_digit", min_amount=Decimal("10.0001")).n == 1
    assert analyze(cents, test="first_digit", min_amount="10").n == 2
    assert analyze(cents, test="first_digit", min_amount=0).n == 2


def test_default_min_amount_is_ten():
    result = analyze(amounts_from_text(["9.99", "10", "11"]), test="first_digit")
    assert result.n == 2
    assert result.parameters["min_amount"] == "10"
    assert result.parameters["sign"] == "positive"


def test_nothing_left_is_a_validation_error():
    with pytest.raises(ValidationFailed, match="no amounts left after sign and min_amount filters"):
        analyze(amounts_from_text(["-100", "-250"]), test="first_digit")
    with pytest.raises(ValidationFailed, match="no amounts left"):
        analyze(amounts_from_text(["100"]), test="first_digit", min_amount=Decimal("1e30"))
    with pytest.raises(ValidationFailed, match="no amounts of 10 or more"):
        analyze(amounts_from_text(["5"]), test="last_two", min_amount=Decimal(1))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"test": "third_digit"}, "test"),
        ({"test": "first_digit", "sign": "both"}, "sign"),
        ({"test": "first_digit", "min_amount": Decimal("-1")}, "min_amount"),
        ({"test": "first_digit", "min_amount": "ten"}, "min_amount"),
        ({"test": "first_digit", "min_amount": Decimal("NaN")}, "min_amount"),
        ({"test": "first_digit", "min_amount": 10.0}, "min_amount"),
    ],
)
def test_bad_options_name_the_field(options, field):
    with pytest.raises(ValidationFailed) as caught:
        analyze(amounts_from_text(["100"]), **options)
    assert caught.value.extra["errors"][0]["loc"][-1] == field
    assert caught.value.detail.startswith(f"{field}: ")


# --------------------------------------------------------------------------- conformity and warnings


@pytest.mark.parametrize(
    ("test", "mad", "expected"),
    [
        ("first_digit", 0.006, "close"),
        ("first_digit", 0.0061, "acceptable"),
        ("first_digit", 0.012, "acceptable"),
        ("first_digit", 0.015, "marginal"),
        ("first_digit", 0.0151, "nonconformity"),
        ("second_digit", 0.008, "close"),
        ("second_digit", 0.010, "acceptable"),
        ("second_digit", 0.012, "marginal"),
        ("second_digit", 0.0121, "nonconformity"),
        ("first_two", 0.0012, "close"),
        ("first_two", 0.0018, "acceptable"),
        ("first_two", 0.0022, "marginal"),
        ("first_two", 0.0023, "nonconformity"),
        ("last_two", 0.5, None),
        ("summation", 0.5, None),
    ],
)
def test_mad_conformity_ranges(test, mad, expected):
    assert benford._conformity(test, mad) == expected


def test_benford_distributed_amounts_conform_closely():
    rng = np.random.default_rng(20240501)
    cents = np.floor(10 ** rng.uniform(3, 9, 200_000)).astype(np.int64)  # 10.00 to 10,000,000.00, log-uniform
    results = analyze_all(amounts_from_units(cents, 2))
    assert results["first_digit"].conformity == "close"
    assert results["second_digit"].conformity == "close"
    assert results["first_two"].conformity == "close"
    assert results["first_digit"].ks["d"] < results["first_digit"].ks["critical"]
    assert all(not r.warnings for r in (results["first_digit"], results["first_two"]))


def test_uniform_digits_do_not_conform():
    rng = np.random.default_rng(99)
    amounts = amounts_from_units(rng.integers(1000, 10000, 20_000), 0)  # first digits 1..9 equally often
    results = analyze_all(amounts)
    assert results["first_digit"].conformity == "nonconformity"
    assert results["first_two"].conformity == "nonconformity"
    assert results["first_digit"].ks["d"] > results["first_digit"].ks["critical"]
    assert "1" in {b.digits for b in results["first_digit"].flagged}


def test_warnings_follow_the_number_of_amounts():
    def warnings(n, test):
        return analyze(amounts_from_text(["123.45"] * n), test=test).warnings

    assert any("not reliable" in w for w in warnings(299, "first_two"))
    assert any("not reliable" in w for w in warnings(299, "summation"))
    assert not any("not reliable" in w for w in warnings(300, "first_two"))
    assert any("1,000" in w for w in warnings(300, "first_two"))
    assert any("1,000" in w for w in warnings(999, "first_digit"))
    assert warnings(1000, "first_digit") == []
    assert warnings(1000, "second_digit") == []


# --------------------------------------------------------------------------- analyze_all and JSON


def test_analyze_all_gives_the_same_results_as_each_test():
    rng = np.random.default_rng(3)
    amounts = amounts_from_units(rng.integers(-(10**7), 10**7, 5_000), 2)
    together = analyze_all(amounts, sign="all", min_amount=Decimal("1"))
    assert list(together) == list(TESTS)
    for test in TESTS:
        alone = analyze(amounts, test=test, sign="all", min_amount=Decimal("1"))
        assert together[test].to_dict() == alone.to_dict()


def test_analyze_all_leaves_out_last_two_when_no_amount_reaches_ten():
    results = analyze_all(amounts_from_text(["1.5", "2.25", "9.99"]), min_amount=Decimal("1"))
    assert list(results) == ["first_digit", "second_digit", "first_two", "summation"]


def test_to_dict_is_plain_json():
    result = analyze(amounts_from_text(HAND), test="first_two")
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(document) >= {"test", "n", "mad", "conformity", "chi_square", "ks", "bins", "warnings", "parameters"}
    assert document["test"] == "first_two"
    assert document["ks"] == {"d": result.ks["d"], "critical": result.ks["critical"]}
    assert document["parameters"] == {"sign": "positive", "min_amount": "10", "scale": 2}
    assert len(document["bins"]) == 90
    assert document["bins"][0] == {
        "digits": "10",
        "observed_count": 1,
        "observed_share": 0.1,
        "expected_share": pytest.approx(0.0413927),
        "z": pytest.approx(bin_of(result, "10").z),
        "flagged": False,
    }
