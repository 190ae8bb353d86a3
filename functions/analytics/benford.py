"""Benford analysis of amounts (docs/audit-rules.md section 5, after Nigrini): digit tests, MAD, chi-square, KS and Z.

Amounts are held as exact integers in units of 10**-scale, so every digit comes from the recorded decimal
value and never from a float. Digits are extracted once per call with integer arithmetic on numpy arrays.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from shared.errors import ValidationFailed

TESTS = ("first_digit", "second_digit", "first_two", "last_two", "summation")
SIGNS = ("positive", "negative", "all")
Sign = Literal["positive", "negative", "all"]

MAX_SCALE = 6
INT64_MAX = 2**63 - 1
Z_CRITICAL = 1.96  # two-sided 5%
KS_FACTOR = 1.358  # 95% critical value of D is KS_FACTOR / sqrt(N)
LAST_TWO_FLOOR = 10  # the last-two digits test only looks at amounts of 10 or more (audit-rules.md section 5)
FEW_VALUES = 1_000
UNRELIABLE_BELOW = 300  # first-two and summation
# MAD upper bounds of close / acceptable / marginal conformity (audit-rules.md section 5); above: nonconformity.
MAD_RANGES: dict[str, tuple[float, float, float]] = {
    "first_digit": (0.006, 0.012, 0.015),
    "second_digit": (0.008, 0.010, 0.012),
    "first_two": (0.0012, 0.0018, 0.0022),
}
CONFORMITY = ("close", "acceptable", "marginal", "nonconformity")

_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$"
_FAST_LENGTH = 30  # plain numbers up to this many characters take the vectorized path

Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------- amounts


@dataclass(frozen=True, eq=False)
class Amounts:
    """Exact amounts: `units` (signed int64) in units of 10**-scale; scale is 0..6."""

    units: Int64Array
    scale: int

    def __len__(self) -> int:
        return int(self.units.shape[0])


def amounts_from_units(units: npt.ArrayLike, scale: int) -> Amounts:
    """Amounts already held as integers, e.g. cents (scale 2) read from the database."""
    if isinstance(scale, bool) or not isinstance(scale, int) or not 0 <= scale <= MAX_SCALE:
        raise ValidationFailed.field(
            "body", "scale", message=f"must be an integer from 0 to {MAX_SCALE} (got {scale!r})"
        )
    array = np.asarray(units)
    if array.ndim != 1:
        raise ValueError(f"units must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"units must be integers, got {array.dtype}")
    if array.dtype.kind == "u" and array.size and int(array.max()) > INT64_MAX:
        index = int(np.argmax(array > INT64_MAX))
        raise _invalid(index, int(array[index]), "too large")
    array = array.astype(np.int64, copy=False)
    if array.size and int(array.min()) == -INT64_MAX - 1:  # its absolute value has no int64
        index = int(np.argmin(array))
        raise _invalid(index, int(array[index]), "too large")
    view = array.view()
    view.flags.writeable = False
    return Amounts(units=view, scale=scale)


def amounts_from_text(values: Sequence[str | int]) -> Amounts:
    """Parse decimal text ("1234.5", "-0.07", "1.5e3") or integers exactly; scale = most decimals written.

    Plain numbers of up to 30 characters and 6 decimals go through Arrow's exact decimal cast; the rare other
    forms (exponents, long texts, more decimals) through Decimal, one by one. Decimals past the sixth must be
    zeros; the scale is capped at six.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(values, type=pa.string(), from_pandas=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        text = pa.array([_as_text(index, value) for index, value in enumerate(values)], type=pa.string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    n = len(text)
    if n == 0:
        return amounts_from_units(np.zeros(0, dtype=np.int64), 0)

    trimmed = pc.utf8_trim_whitespace(text)
    plain = _numpy(pc.fill_null(pc.match_substring_regex(trimmed, _PLAIN_NUMBER), False)).astype(bool)
    length = _numpy(pc.fill_null(pc.binary_length(trimmed), 0)).astype(np.int64)
    dot = _numpy(pc.fill_null(pc.find_substring(trimmed, "."), -1)).astype(np.int64)
    decimals = np.where(dot >= 0, length - dot - 1, 0)
    fast = plain & (decimals <= MAX_SCALE) & (length <= _FAST_LENGTH)

    # The rest, in order: exponent forms and long texts parse through Decimal; the first bad value is refused.
    slow: dict[int, tuple[bool, int, int]] = {}
    slow_decimals = 0
    slow_indices = np.flatnonzero(~fast)
    for index, raw in zip(slow_indices.tolist(), text.take(pa.array(slow_indices)).to_pylist(), strict=True):
        parsed = _parse_slow(raw)
        if isinstance(parsed, str):
            raise _invalid(index, raw, parsed)
        negative, coefficient, exponent, written_decimals = parsed
        slow[index] = (negative, coefficient, exponent)
        slow_decimals = max(slow_decimals, written_decimals)
    scale = min(max(int(decimals[fast].max(initial=0)), slow_decimals), MAX_SCALE)

    # decimal128(38, scale) holds every fast value exactly (<= 30 digits + 6 decimals); its 128-bit unscaled
    # integers are read as (low, high) int64 words and fit int64 when high only extends low's sign (and -2**63,
    # whose absolute value has no int64, is refused too).
    exact = pc.cast(pc.if_else(pa.array(fast), trimmed, "0"), pa.decimal128(38, scale))
    words = np.frombuffer(exact.buffers()[1], dtype="<i8")[2 * exact.offset : 2 * (exact.offset + n)].reshape(n, 2)
    units = words[:, 0].astype(np.int64)
    overflow = _first_index(fast & ((words[:, 1] != (units >> 63)) | (units == -INT64_MAX - 1)))

    for index, (negative, coefficient, exponent) in slow.items():
        if overflow is not None and index > overflow:
            break
        value = coefficient * 10 ** (exponent + scale)  # exponent + scale >= 0: scale covers every value's decimals
        if value > INT64_MAX:
            overflow = index
            break
        units[index] = -value if negative else value
    if overflow is not None:
        largest = Decimal(INT64_MAX).scaleb(-scale)
        raise _invalid(overflow, text[overflow].as_py(), f"too large (at most {largest} with {scale} decimals)")
    return amounts_from_units(units, scale)


def _numpy(array: Any) -> npt.NDArray[Any]:
    return np.asarray(array.to_numpy(zero_copy_only=False))


def _as_text(index: int, value: object) -> str | None:
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return str(int(value))
    raise _invalid(index, value, "must be a number written as text or an integer, not " + type(value).__name__)


_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:s?nan[0-9]*|inf|infinity)", re.IGNORECASE)


def _parse_slow(raw: str | None) -> tuple[bool, int, int, int] | str:
    """(negative, coefficient without trailing zeros, its exponent, decimals as written), or why it is refused."""
    text = (raw or "").strip()
    if not text:
        return "empty"
    if _NOT_FINITE.fullmatch(text):
        return "not a finite number"
    if not _NUMBER.fullmatch(text):
        return "not a number"
    sign, digit_tuple, exponent = Decimal(text).as_tuple()
    if not isinstance(exponent, int):  # the pattern admits no NaN or Infinity
        return "not a finite number"
    written_decimals = min(max(0, -exponent), MAX_SCALE)
    coefficient = "".join(map(str, digit_tuple)).lstrip("0")
    significant = coefficient.rstrip("0")
    if not significant:
        return (False, 0, 0, written_decimals)
    exponent += len(coefficient) - len(significant)
    if -exponent > MAX_SCALE:
        return "too many decimals (at most 6)"
    if len(significant) + exponent > len(str(INT64_MAX)):
        return f"too large (at most {INT64_MAX})"
    return (bool(sign), int(significant), exponent, written_decimals)


def _first_index(mask: npt.NDArray[np.bool_]) -> int | None:
    return int(np.argmax(mask)) if mask.any() else None


def _invalid(index: int, value: object, reason: str) -> ValidationFailed:
    shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "..."
    return ValidationFailed.field("body", f"amounts[{index}]", message=f"{reason} (got {shown!r})")


# --------------------------------------------------------------------------- expected shares


def _expected(test: str) -> FloatArray:
    """Benford shares: first digit log10(1 + 1/d); second digit sums that law over first digits; last two uniform."""
    if test == "first_digit":
        return np.log10(1 + 1 / np.arange(1, 10))
    if test == "second_digit":
        first = np.arange(1, 10)[:, None]
        shares: FloatArray = np.log10(1 + 1 / (10 * first + np.arange(10)[None, :])).sum(axis=0)
        return shares
    if test == "first_two":
        return np.log10(1 + 1 / np.arange(10, 100))
    if test == "last_two":
        return np.full(100, 1 / 100)
    return np.full(90, 1 / 90)  # summation


def expected_shares(test: str) -> list[float]:
    """The expected share of each bin of `test`, in bin order."""
    _check_test(test)
    return [float(share) for share in _expected(test)]


def _labels(test: str) -> list[str]:
    if test == "first_digit":
        return [str(d) for d in range(1, 10)]
    if test == "second_digit":
        return [str(d) for d in range(10)]
    if test == "last_two":
        return [f"{d:02d}" for d in range(100)]
    return [str(d) for d in range(10, 100)]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Bin:
    """One digit bin; for summation, observed_count counts amounts and observed_share is the share of the sum."""

    digits: str
    observed_count: int
    observed_share: float
    expected_share: float
    z: float
    flagged: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "digits": self.digits,
            "observed_count": self.observed_count,
            "observed_share": self.observed_share,
            "expected_share": self.expected_share,
            "z": self.z,
            "flagged": self.flagged,
        }


@dataclass(frozen=True)
class BenfordResult:
    test: str
    n: int
    mad: float
    conformity: str | None
    chi_square: float
    degrees_of_freedom: int
    ks: dict[str, float]
    bins: list[Bin]
    warnings: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> list[Bin]:
        return [b for b in self.bins if b.flagged]

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "n": self.n,
            "mad": self.mad,
            "conformity": self.conformity,
            "chi_square": self.chi_square,
            "degrees_of_freedom": self.degrees_of_freedom,
            "ks": dict(self.ks),
            "bins": [b.to_dict() for b in self.bins],
            "warnings": list(self.warnings),
            "parameters": dict(self.parameters),
        }


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True, eq=False)
class _Digits:
    """Digits of the kept absolute amounts, extracted once for all five tests."""

    magnitudes: Int64Array  # absolute units, zero and below-min_amount removed
    first_two: Int64Array  # 10..99; a one-digit amount counts as d0 (5 is 5.0)
    last_two: Int64Array  # 0..99 of the amounts >= 10 only


def analyze(
    amounts: Amounts, *, test: str, sign: Sign = "positive", min_amount: Decimal | int | str = Decimal(10)
) -> BenfordResult:
    """One Benford test on the amounts left after the sign and min_amount filters."""
    _check_test(test)
    digits, parameters = _prepare(amounts, sign, min_amount)
    return _run(test, digits, parameters, amounts.scale)


def analyze_all(
    amounts: Amounts, *, sign: Sign = "positive", min_amount: Decimal | int | str = Decimal(10)
) -> dict[str, BenfordResult]:
    """The five tests with digits extracted once.

    A test with nothing to count (last_two when no amount reaches 10) is left out of the result.
    """
    digits, parameters = _prepare(amounts, sign, min_amount)
    results: dict[str, BenfordResult] = {}
    for test in TESTS:
        if test == "last_two" and digits.last_two.size == 0:
            continue
        results[test] = _run(test, digits, parameters, amounts.scale)
    return results


def _check_test(test: str) -> None:
    if test not in TESTS:
        raise ValidationFailed.field("query", "test", message=f"must be one of {', '.join(TESTS)} (got {test!r})")


def _prepare(amounts: Amounts, sign: str, min_amount: Decimal | int | str) -> tuple[_Digits, dict[str, Any]]:
    if sign not in SIGNS:
        raise ValidationFailed.field("query", "sign", message=f"must be one of {', '.join(SIGNS)} (got {sign!r})")
    threshold = _min_units(min_amount, amounts.scale)
    units = amounts.units
    if sign == "positive":
        magnitudes = units[units > 0]
    elif sign == "negative":
        magnitudes = -units[units < 0]
    else:
        magnitudes = np.abs(units[units != 0])
    if threshold > INT64_MAX:
        magnitudes = magnitudes[:0]
    elif threshold > 1:
        magnitudes = magnitudes[magnitudes >= threshold]
    if magnitudes.size == 0:
        raise ValidationFailed(
            "no amounts left after sign and min_amount filters",
            errors=[{"loc": ["body", "amounts"], "msg": "no amounts left after sign and min_amount filters",
                     "type": "value_error"}],
        )  # fmt: skip
    parameters: dict[str, Any] = {"sign": sign, "min_amount": str(_decimal_min(min_amount)), "scale": amounts.scale}
    return _extract(magnitudes, amounts.scale), parameters


def _decimal_min(min_amount: Decimal | int | str) -> Decimal:
    refused = ValidationFailed.field(
        "query", "min_amount", message=f"must be a decimal number of 0 or more (got {min_amount!r})"
    )
    if isinstance(min_amount, bool) or not isinstance(min_amount, Decimal | int | str):
        raise refused
    try:
        value = min_amount if isinstance(min_amount, Decimal) else Decimal(str(min_amount).strip())
    except InvalidOperation:
        raise refused from None
    if not value.is_finite() or value < 0:
        raise refused
    return value


def _min_units(min_amount: Decimal | int | str, scale: int) -> int:
    """Smallest absolute units kept: ceil(min_amount * 10**scale), in exact integers."""
    _, digit_tuple, exponent = _decimal_min(min_amount).as_tuple()
    if not isinstance(exponent, int):  # _decimal_min admits finite values only
        raise ValueError(f"min_amount {min_amount!r} is not finite")
    coefficient = int("".join(map(str, digit_tuple)) or "0")
    shift = exponent + scale
    if coefficient == 0:
        return 0
    if shift > 40:
        return INT64_MAX + 1
    power: int = 10 ** abs(shift)
    return coefficient * power if shift >= 0 else -(-coefficient // power)


def _extract(magnitudes: Int64Array, scale: int) -> _Digits:
    """Leading digits by exact integer division (digit count found by searching the powers of ten)."""
    count = np.searchsorted(_POW10, magnitudes, side="right")  # number of decimal digits, 1..19
    leading = magnitudes // _POW10[np.maximum(count - 2, 0)]
    first_two = np.where(count == 1, leading * 10, leading)

    big = magnitudes[magnitudes >= LAST_TWO_FLOOR * 10**scale]
    if scale >= 2:
        cents = big // 10 ** (scale - 2)
        last_two = cents % 100
    else:  # units * 10**(2 - scale) taken mod 100 without overflow
        last_two = (big % 10**scale) * 10 ** (2 - scale)
    return _Digits(magnitudes=magnitudes, first_two=first_two, last_two=last_two)


def _run(test: str, digits: _Digits, parameters: dict[str, Any], scale: int) -> BenfordResult:
    expected = _expected(test)
    if test == "first_digit":
        counts = np.bincount(digits.first_two // 10 - 1, minlength=9)
    elif test == "second_digit":
        counts = np.bincount(digits.first_two % 10, minlength=10)
    elif test == "first_two":
        counts = np.bincount(digits.first_two - 10, minlength=90)
    elif test == "last_two":
        counts = np.bincount(digits.last_two, minlength=100)
    else:
        counts = np.bincount(digits.first_two - 10, minlength=90)
    n = int(counts.sum())
    if n == 0:
        raise ValidationFailed(
            "no amounts of 10 or more left for the last-two digits test",
            errors=[{"loc": ["body", "amounts"], "msg": "no amounts of 10 or more for the last-two digits test",
                     "type": "value_error"}],
        )  # fmt: skip
    if test == "summation":
        # Sums in float64: only the share of the total is needed, and int64 sums could overflow.
        sums = np.bincount(digits.first_two - 10, weights=digits.magnitudes.astype(np.float64), minlength=90)
        observed = sums / sums.sum()
    else:
        observed = counts / n
    return _statistics(test, n, counts, observed, expected, parameters, scale)


def _statistics(
    test: str,
    n: int,
    counts: npt.NDArray[np.int64],
    observed: FloatArray,
    expected: FloatArray,
    parameters: dict[str, Any],
    scale: int,
) -> BenfordResult:
    """MAD, chi-square, KS and per-bin Z as docs/audit-rules.md section 5 defines them."""
    gap = np.abs(observed - expected)
    mad = float(gap.mean())  # MAD = mean |p - p0|
    # chi-square = sum (O - E)^2 / E with O = N p, E = N p0; for summation p is the share of the sum (Nigrini).
    chi_square = float(n * ((observed - expected) ** 2 / expected).sum())
    ks_d = float(np.abs(np.cumsum(observed) - np.cumsum(expected)).max())  # D = max |F_obs - F_exp|
    # Z = (|p - p0| - 1/(2N)) / sqrt(p0 (1 - p0) / N), numerator floored at 0.
    z = np.maximum(gap - 1 / (2 * n), 0) / np.sqrt(expected * (1 - expected) / n)

    bins = [
        Bin(
            digits=label,
            observed_count=int(count),
            observed_share=float(share),
            expected_share=float(expectation),
            z=float(z_value),
            flagged=bool(z_value > Z_CRITICAL),
        )
        for label, count, share, expectation, z_value in zip(_labels(test), counts, observed, expected, z, strict=True)
    ]
    return BenfordResult(
        test=test,
        n=n,
        mad=mad,
        conformity=_conformity(test, mad),
        chi_square=chi_square,
        degrees_of_freedom=len(bins) - 1,
        ks={"d": ks_d, "critical": KS_FACTOR / math.sqrt(n)},
        bins=bins,
        warnings=_warnings(test, n, scale),
        parameters={**parameters, **({"last_two_min_amount": str(LAST_TWO_FLOOR)} if test == "last_two" else {})},
    )


def _conformity(test: str, mad: float) -> str | None:
    ranges = MAD_RANGES.get(test)
    if ranges is None:
        return None
    for label, bound in zip(CONFORMITY, ranges, strict=False):
        if mad <= bound:
            return label
    return CONFORMITY[-1]


def _warnings(test: str, n: int, scale: int) -> list[str]:
    warnings: list[str] = []
    if test in ("first_two", "summation") and n < UNRELIABLE_BELOW:
        warnings.append(f"only {n} amounts: the {_NAMES[test]} test is not reliable below {UNRELIABLE_BELOW}")
    elif n < FEW_VALUES:
        warnings.append(f"only {n} amounts: below {FEW_VALUES:,} the {_NAMES[test]} test is indicative only")
    if test not in MAD_RANGES:
        warnings.append(
            f"no MAD conformity ranges exist for the {_NAMES[test]} test (docs/audit-rules.md section 5): "
            "read the Z and chi-square"
        )
    if test == "last_two" and scale == 0:
        warnings.append("the amounts have no cents, so every last-two digit pair is 00")
    elif test == "last_two" and scale == 1:
        warnings.append("the amounts have one decimal only, so every last-two digit pair ends in 0")
    return warnings


_NAMES = {
    "first_digit": "first-digit",
    "second_digit": "second-digit",
    "first_two": "first-two digits",
    "last_two": "last-two digits",
    "summation": "summation",
}
