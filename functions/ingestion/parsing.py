"""Reading a column of text cells as one type: amounts, dates, times, whole numbers, years, D/C.

Every column is read with pyarrow.compute over the whole batch: a general ledger has millions of
lines, and a Python loop per cell would take minutes where this takes seconds. Python only runs per
batch, per column, and over the few rows that go wrong (at most MAX_LISTED of them are spelled out).
Most columns are uniform, so each reader tries the common shape first and only falls back to the
slower general reading for the rows the fast one did not take.

Decisions the rules (docs/audit-rules.md section 3) leave open, taken here:

- Amounts: `1234.56`, `-1,234.56`, `1.234,56`, `1 234,56`, `1'234.56`, `(1,234.56)`, `1234.56-`, with
  `$ € £ ¥` around them. Whether `.` or `,` is the decimal mark is settled once per file
  from the first value that can only be read one way (`1,234.56`, `12,5`, `1.234.567`); a value such
  as `1,234` read before that is refused as ambiguous rather than guessed. Spaces and apostrophes are
  always thousands separators. More than two decimals are rounded half-up to cents; the
  `amount_rounded` warning is raised when the dropped digits are more than float noise (six 0s or 9s).
- Dates: ISO 8601 (`2023-12-31`, with an optional time), `YYYYMMDD`, `YYYY/MM/DD`, Excel serials
  (1900 date system, 1 = 1900-01-01, Lotus' 29 February 1900 refused; whole numbers of up to five
  digits or numbers with a fraction), and d/m/Y or m/d/Y (separators `/ . -`, two-digit years as
  POSIX %y: 69-99 -> 19xx, 00-68 -> 20xx) only when the caller names the order. Calendar days are
  checked (2023-02-30 is refused). A time part is dropped, except that an entered date may carry the
  entry time when the file has no time column. A time zone suffix is ignored: times are local as
  written.
- Times: `HHMMSS` with leading zeros missing (`93015` = 09:30:15, `0` = midnight), `HH:MM:SS`,
  `HH:MM`, an optional AM/PM, or an Excel day fraction (`0.5` = 12:00:00).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from functions.ingestion.aliases import CREDIT_VALUES, DEBIT_VALUES

NOT_AN_AMOUNT = "not an amount: expected a number such as 1234.56, -1,234.56, (1 234,56), 1234.56- or € 12,50"
AMBIGUOUS_AMOUNT = (
    "ambiguous amount: the separator may mark thousands or decimals and no other value in the file settles "
    "which; write the decimals (1,234.00 or 1.234,00)"
)
MIXED_AMOUNT = "amount uses a different decimal mark from the rest of the file"
TOO_LARGE = "amount too large: more than 16 digits before the decimal mark"
NOT_A_DATE = "not a date: expected YYYY-MM-DD, YYYYMMDD, an Excel serial or (with date_order) d/m/Y"
AMBIGUOUS_DATE = "ambiguous date; pass date_order=dmy or mdy"
NO_SUCH_DAY = "not a calendar day"
NOT_A_TIME = "not a time: expected HH:MM:SS, HH:MM or HHMMSS"
NOT_AN_INDICATOR = "not a debit/credit indicator: expected D/C, Dr/Cr, Debit/Credit or S/H"
NOT_AN_INTEGER = "not a whole number"
NOT_A_YEAR = "not a year: expected YYYY"

_DATE_REASONS = {1: NOT_A_DATE, 2: AMBIGUOUS_DATE, 3: NO_SUCH_DAY}
_EPOCH_SERIAL = 25569  # Excel serial of 1970-01-01 in the 1900 date system
_MAX_SERIAL = 2958465  # 9999-12-31

STRING = pa.string()
MONEY = pa.decimal128(18, 2)
_CENT = pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))
NULL_STRING = pa.scalar(None, STRING)
_NULL_INT = pa.scalar(None, pa.int64())
_NULL_DATE = pa.scalar(None, pa.date32())
_DATE_TIME_JOINS = pa.array(["T", " "], STRING)

_MONEY_DECORATION = r"[\s'\x{a0}\x{202f}\x{2009}$€£¥]"
_MONEY_SHAPE = r"^(?:\((?:\d[\d.,]*|[.,]\d+)\)|[-+]?(?:\d[\d.,]*|[.,]\d+)|\d[\d.,]*-)$"
_POINT_NUMBER = r"^(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)?(?:\.\d+)?$"
_COMMA_NUMBER = r"^(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+)?(?:,\d+)?$"
_NUMBER_BY_MARK = {".": _POINT_NUMBER, ",": _COMMA_NUMBER}
_CLOCK = (
    r"^(?:\d{4}-\d{2}-\d{2}[T ])?(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?\s?(?P<ampm>[AaPp][Mm])?$"
)
_TIME_TAIL = (
    r"(?:[T ](?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?\s?(?P<ampm>[AaPp][Mm])?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DEBIT_SET = pa.array(sorted(DEBIT_VALUES), STRING)
_CREDIT_SET = pa.array(sorted(CREDIT_VALUES), STRING)


@dataclass
class Parsed:
    """A column read as one type: the values (null where unreadable) and why each failure failed."""

    values: pa.Array
    failures: list[tuple[pa.Array, str]]
    seconds: pa.Array | None = None  # the time of day a date carried, when asked for
    rounded: pa.Array | None = None  # rows whose amount lost more than float noise to rounding


def true_count(mask: pa.Array) -> int:
    return int(mask.true_count)


def _match(values: pa.Array, pattern: str) -> pa.Array:
    """Whether each value matches; empty cells never do."""
    return pc.fill_null(pc.match_substring_regex(values, pattern), False)


def to_money(values: pa.Array) -> pa.Array:
    return values if values.type == MONEY else pc.cast(values, MONEY)


# -- amounts ---------------------------------------------------------------------------------------


def parse_money(values: pa.Array, mark: str | None) -> tuple[Parsed, str | None]:
    """Amounts as decimal(18,2), and the file's decimal mark once a value has settled it."""
    try:  # the usual case: plain numbers with at most two decimals, which Arrow reads directly
        return Parsed(pc.cast(values, MONEY), []), mark
    except pa.ArrowInvalid:
        pass

    valid = values.is_valid()
    stripped = pc.replace_substring_regex(values, _MONEY_DECORATION, "")
    shaped = _match(stripped, _MONEY_SHAPE)
    negative = pc.or_(pc.starts_with(stripped, "("), pc.or_(pc.starts_with(stripped, "-"), pc.ends_with(stripped, "-")))
    number = pc.utf8_trim(stripped, "()+-")  # the shape allows signs and brackets only at the ends
    if mark is None or true_count(pc.and_(shaped, pc.invert(_match(number, _NUMBER_BY_MARK[mark])))) > 0:
        point_ok = pc.and_(shaped, _match(number, _POINT_NUMBER))
        comma_ok = pc.and_(shaped, _match(number, _COMMA_NUMBER))
    else:  # the mark is known and every value fits it: no need to look for the other
        point_ok = comma_ok = shaped
    only_point = pc.and_(point_ok, pc.invert(comma_ok))
    only_comma = pc.and_(comma_ok, pc.invert(point_ok))
    if mark is None:
        points, commas = true_count(only_point), true_count(only_comma)
        if points or commas:
            mark = "." if points >= commas else ","

    failures = [(pc.and_(valid, pc.invert(pc.or_(point_ok, comma_ok))), NOT_AN_AMOUNT)]
    if mark == ".":
        ok = point_ok
        failures.append((only_comma, MIXED_AMOUNT))
        canonical = pc.replace_substring(number, ",", "")
    elif mark == ",":
        ok = comma_ok
        failures.append((only_point, MIXED_AMOUNT))
        canonical = pc.replace_substring(pc.replace_substring(number, ".", ""), ",", ".")
    else:
        separated = _match(number, r"[.,]")
        ok = pc.and_(pc.and_(point_ok, comma_ok), pc.invert(separated))
        failures.append((pc.and_(pc.and_(point_ok, comma_ok), separated), AMBIGUOUS_AMOUNT))
        canonical = number
    canonical = pc.if_else(ok, canonical, NULL_STRING)
    length = pc.utf8_length(canonical)
    point_at = pc.find_substring(canonical, ".")  # -1 when there is none
    whole_digits = pc.if_else(pc.less(point_at, 0), length, point_at)
    too_large = pc.fill_null(pc.greater(whole_digits, 16), False)
    if pc.any(too_large).as_py():
        failures.append((too_large, TOO_LARGE))
        canonical = pc.if_else(too_large, NULL_STRING, canonical)

    rounded = None
    decimals = pc.if_else(pc.less(point_at, 0), 0, pc.subtract(pc.subtract(length, point_at), 1))
    if pc.any(pc.greater(decimals, 2)).as_py():
        amounts, rounded = _round_to_cents(canonical)
    else:
        amounts = pc.cast(canonical, MONEY)
    amounts = pc.if_else(negative, pc.negate(amounts), amounts)
    return Parsed(to_money(amounts), failures, rounded=rounded), mark


def _round_to_cents(canonical: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Half-up to cents in integers: the third decimal alone decides, so no float is involved."""
    whole = pc.replace_substring_regex(canonical, r"\..*$", "")
    whole = pc.if_else(pc.equal(whole, ""), pa.scalar("0"), whole)
    fraction = pc.utf8_rpad(pc.replace_substring_regex(canonical, r"^\d*\.?", ""), 3, "0")
    cents = pc.add(
        pc.multiply(pc.cast(whole, pa.int64()), 100), pc.cast(pc.utf8_slice_codeunits(fraction, 0, 2), pa.int64())
    )
    round_up = pc.greater_equal(pc.utf8_slice_codeunits(fraction, 2, 3), "5")
    cents = pc.add(cents, pc.cast(round_up, pa.int64()))
    dropped = pc.utf8_slice_codeunits(fraction, 2, 1_000_000)
    rounded = pc.invert(pc.fill_null(pc.match_substring_regex(dropped, r"^(?:0*|0{6,}\d*|9{6,}\d*)$"), True))
    amounts = pc.multiply(pc.cast(cents, pa.decimal128(19, 0)), _CENT)
    return pc.cast(amounts, MONEY), rounded


# -- dates and times -------------------------------------------------------------------------------


def parse_dates(values: pa.Array, order: str | None, *, want_time: bool) -> Parsed:
    """Each form reads only the rows earlier forms left; a uniform column is read by the first."""
    n = len(values)
    days = pa.nulls(n, pa.date32())
    seconds = pa.nulls(n, pa.int32())
    codes = pa.nulls(n, pa.int8())
    pending = values.is_valid()
    for form in (_iso_dates, _compact_dates, _year_first_dates, _excel_dates, _day_month_dates):
        left = true_count(pending)
        if not left:
            break
        subset = values if left == n else values.filter(pending)
        matched, form_days, form_seconds, form_codes = form(subset, order)
        if left == n:
            days, codes = form_days, form_codes
            seconds = form_seconds if form_seconds is not None else seconds
            pending = pc.and_(pending, pc.invert(matched))
        else:
            days = pc.replace_with_mask(days, pending, form_days)
            codes = pc.replace_with_mask(codes, pending, form_codes)
            if form_seconds is not None:
                seconds = pc.replace_with_mask(seconds, pending, form_seconds)
            pending = pc.replace_with_mask(pending, pending, pc.invert(matched))
    failures = [(pending, NOT_A_DATE)]
    for code, reason in _DATE_REASONS.items():
        failures.append((pc.fill_null(pc.equal(codes, pa.scalar(code, pa.int8())), False), reason))
    return Parsed(days, failures, seconds=seconds if want_time else None)


_DateForm = tuple[pa.Array, pa.Array, pa.Array | None, pa.Array]


def _no_codes(n: int) -> pa.Array:
    return pa.nulls(n, pa.int8())


def _with_code(bad: pa.Array, code: int, codes: pa.Array) -> pa.Array:
    return pc.if_else(bad, pa.scalar(code, pa.int8()), codes)


def _iso_dates(values: pa.Array, order: str | None) -> _DateForm:
    n = len(values)
    dashed = pc.equal(pc.utf8_slice_codeunits(values, 4, 5), "-")
    if not pc.any(dashed).as_py():
        return pc.fill_null(dashed, False), pa.nulls(n, pa.date32()), None, _no_codes(n)
    lengths = pc.utf8_length(values)
    if pc.all(pc.and_(dashed, pc.equal(lengths, 10))).as_py() is not False:
        try:  # the usual case: every value a real YYYY-MM-DD; Arrow's own cast checks the calendar
            return values.is_valid(), pc.cast(values, pa.date32()), None, _no_codes(n)
        except pa.ArrowInvalid:
            pass
    longer = pc.fill_null(pc.greater(lengths, 10), False)
    joined = pc.is_in(pc.utf8_slice_codeunits(values, 10, 11), value_set=_DATE_TIME_JOINS)
    shaped = pc.and_(values.is_valid(), pc.or_(pc.fill_null(pc.equal(lengths, 10), False), joined))
    head = pc.if_else(shaped, pc.utf8_slice_codeunits(values, 0, 10), NULL_STRING)
    try:
        days = pc.cast(head, pa.date32())
        matched, codes = shaped, _no_codes(n)
    except pa.ArrowInvalid:
        matched = pc.and_(shaped, _match(head, r"^\d{4}-\d{2}-\d{2}$"))
        stamps = pc.strptime(pc.if_else(matched, head, NULL_STRING), "%Y-%m-%d", "s", error_is_null=True)
        day_given = pc.cast(pc.utf8_slice_codeunits(pc.if_else(matched, head, NULL_STRING), 8, 10), pa.int64())
        real = pc.fill_null(pc.equal(pc.day(stamps), day_given), False)
        days = pc.if_else(real, pc.cast(stamps, pa.date32()), _NULL_DATE)
        codes = _with_code(pc.and_(matched, pc.invert(real)), 3, _no_codes(n))
    seconds = None
    timed = pc.and_(matched, longer)
    if pc.any(timed).as_py():
        seconds = _tail_seconds(pc.if_else(timed, pc.utf8_slice_codeunits(values, 10, 1_000), NULL_STRING))
        bad_tail = pc.and_(timed, seconds.is_null())
        codes = _with_code(bad_tail, 1, codes)
        days = pc.if_else(bad_tail, _NULL_DATE, days)
    return matched, days, seconds, codes


def _tail_seconds(tails: pa.Array) -> pa.Array:
    """Seconds of day from a date's time part; null where it is not a time."""
    if pc.all(pc.equal(pc.utf8_length(tails), 9)).as_py() is not False:
        clock = pc.strptime(pc.utf8_slice_codeunits(tails, 1, 9), "%H:%M:%S", "s", error_is_null=True)
        if clock.null_count == tails.null_count:
            return _clock_seconds(clock)
    return _seconds_from_struct(pc.extract_regex(tails, "^" + _TIME_TAIL))


def _clock_seconds(clock: pa.Array) -> pa.Array:
    return pc.cast(pc.cast(clock, pa.time32("s")), pa.int32())


def _seconds_from_struct(extracted: pa.StructArray) -> pa.Array:
    def part(name: str) -> pa.Array:
        text = pc.struct_field(extracted, name)
        text = pc.if_else(pc.equal(text, ""), NULL_STRING, text)
        return pc.cast(text, pa.int64())

    hours, minutes, secs = part("hh"), part("mi"), pc.fill_null(part("ss"), 0)
    ampm = pc.utf8_lower(pc.struct_field(extracted, "ampm"))
    is_pm, is_am = pc.equal(ampm, "pm"), pc.equal(ampm, "am")
    clock12 = pc.or_(is_am, is_pm)
    past_twelve = pc.fill_null(pc.and_(clock12, pc.greater(hours, 12)), False)
    from_twelve = pc.if_else(pc.equal(hours, 12), 0, hours)
    hours = pc.if_else(clock12, pc.add(from_twelve, pc.if_else(is_pm, 12, 0)), hours)
    hours = pc.if_else(past_twelve, _NULL_INT, hours)
    return _seconds_of_day(hours, minutes, secs)


def _seconds_of_day(hours: pa.Array, minutes: pa.Array, secs: pa.Array) -> pa.Array:
    ok = pc.and_(pc.and_(pc.less(hours, 24), pc.less(minutes, 60)), pc.less(secs, 60))
    total = pc.add(pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)), secs)
    return pc.cast(pc.if_else(ok, total, _NULL_INT), pa.int32())


def _compact_dates(values: pa.Array, order: str | None) -> _DateForm:
    n = len(values)
    if pc.all(pc.equal(pc.utf8_length(values), 8)).as_py() is not False:
        stamps = pc.strptime(values, "%Y%m%d", "s", error_is_null=True)
        if stamps.null_count == values.null_count:
            try:  # every value YYYYMMDD: the day must survive parsing unchanged (no 30 February)
                real = pc.equal(pc.day(stamps), pc.cast(pc.utf8_slice_codeunits(values, 6, 8), pa.int64()))
            except pa.ArrowInvalid:
                real = None
            if real is not None and pc.all(real).as_py() is not False:
                return values.is_valid(), pc.cast(stamps, pa.date32()), None, _no_codes(n)
    matched = _match(values, r"^\d{8}$")
    if not pc.any(matched).as_py():
        return matched, pa.nulls(n, pa.date32()), None, _no_codes(n)
    text = pc.if_else(matched, values, NULL_STRING)
    iso = pc.binary_join_element_wise(*(pc.utf8_slice_codeunits(text, a, b) for a, b in ((0, 4), (4, 6), (6, 8))), "-")
    days, real = _calendar_days(iso)
    return matched, days, None, _with_code(pc.and_(matched, pc.invert(real)), 3, _no_codes(n))


def _calendar_days(iso: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Days from YYYY-MM-DD text of digits, and which were real calendar days (2023-02-30 is not)."""
    try:
        days = pc.cast(iso, pa.date32())
        return days, days.is_valid()
    except pa.ArrowInvalid:
        stamps = pc.strptime(iso, "%Y-%m-%d", "s", error_is_null=True)
        real = pc.fill_null(pc.equal(pc.day(stamps), pc.cast(pc.utf8_slice_codeunits(iso, 8, 10), pa.int64())), False)
        return pc.if_else(real, pc.cast(stamps, pa.date32()), _NULL_DATE), real


def _year_first_dates(values: pa.Array, order: str | None) -> _DateForm:
    pattern = r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})" + _TIME_TAIL
    return _parts_dates(values, pattern, lambda parts: (parts["y"], parts["m"], parts["d"]))


def _day_month_dates(values: pa.Array, order: str | None) -> _DateForm:
    pattern = r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{2}|\d{4})" + _TIME_TAIL
    if order is None:
        n = len(values)
        matched = _match(values, pattern)
        return matched, pa.nulls(n, pa.date32()), pa.nulls(n, pa.int32()), _with_code(matched, 2, _no_codes(n))

    def pick(parts: dict[str, pa.Array]) -> tuple[pa.Array, pa.Array, pa.Array]:
        year = parts["y"]
        short = pc.less(year, 100)
        century = pc.if_else(pc.less(year, 69), 2000, 1900)
        year = pc.if_else(short, pc.add(year, century), year)
        return (year, parts["b"], parts["a"]) if order == "dmy" else (year, parts["a"], parts["b"])

    return _parts_dates(values, pattern, pick)


def _parts_dates(values: pa.Array, pattern: str, pick: Any) -> _DateForm:
    """Dates whose parts need a regular expression to find; slower, so only for the rows left over."""
    n = len(values)
    matched = _match(values, pattern)
    if not pc.any(matched).as_py():
        return matched, pa.nulls(n, pa.date32()), None, _no_codes(n)
    extracted = pc.extract_regex(pc.if_else(matched, values, NULL_STRING), pattern)
    names = [f.name for f in extracted.type if f.name not in ("hh", "mi", "ss", "ampm")]
    parts = {name: pc.cast(pc.struct_field(extracted, name), pa.int64()) for name in names}
    year, month, day = pick(parts)
    month_ok = pc.and_(pc.greater_equal(month, 1), pc.less_equal(month, 12))
    day_ok = pc.and_(pc.greater_equal(day, 1), pc.less_equal(day, 31))
    in_range = pc.fill_null(pc.and_(pc.and_(month_ok, day_ok), pc.greater_equal(year, 1)), False)
    text = pc.binary_join_element_wise(
        pc.utf8_lpad(pc.cast(year, STRING), 4, "0"),
        pc.utf8_lpad(pc.cast(month, STRING), 2, "0"),
        pc.utf8_lpad(pc.cast(day, STRING), 2, "0"),
        "-",
    )
    stamp_days, real = _calendar_days(pc.if_else(in_range, text, NULL_STRING))
    seconds = _seconds_from_struct(extracted)
    has_time = pc.fill_null(pc.not_equal(pc.struct_field(extracted, "hh"), ""), False)
    bad_time = pc.and_(has_time, seconds.is_null())
    codes = _with_code(pc.and_(matched, pc.invert(real)), 3, _no_codes(n))
    codes = _with_code(pc.and_(real, bad_time), 1, codes)
    good = pc.and_(real, pc.invert(bad_time))
    days = pc.if_else(good, stamp_days, _NULL_DATE)
    return matched, days, seconds, codes


def _excel_dates(values: pa.Array, order: str | None) -> _DateForm:
    n = len(values)
    matched = _match(values, r"^(?:\d{1,5}|\d{1,7}\.\d+)$")
    if not pc.any(matched).as_py():
        return matched, pa.nulls(n, pa.date32()), None, _no_codes(n)
    serial = pc.cast(pc.if_else(matched, values, NULL_STRING), pa.float64())
    whole = pc.floor(serial)
    in_range = pc.fill_null(pc.and_(pc.greater_equal(whole, 1), pc.less_equal(whole, _MAX_SERIAL)), False)
    lotus_leap_day = pc.fill_null(pc.equal(whole, 60), False)
    day_number = pc.cast(whole, pa.int64(), safe=False)
    # serials before the phantom 29 February 1900 count from 1899-12-31, later ones from 1899-12-30
    offset = pc.if_else(pc.less(day_number, 60), _EPOCH_SERIAL - 1, _EPOCH_SERIAL)
    good = pc.and_(in_range, pc.invert(lotus_leap_day))
    since_epoch = pc.cast(pc.if_else(good, pc.subtract(day_number, offset), _NULL_INT), pa.int32())
    days = pc.cast(since_epoch, pa.date32())
    seconds = pc.cast(pc.round(pc.multiply(pc.subtract(serial, whole), 86400)), pa.int64(), safe=False)
    seconds = pc.cast(pc.min_element_wise(seconds, 86399), pa.int32())
    codes = _with_code(pc.and_(matched, pc.invert(in_range)), 1, _no_codes(n))
    codes = _with_code(pc.and_(matched, lotus_leap_day), 3, codes)
    return matched, days, seconds, codes


def parse_times(values: pa.Array) -> Parsed:
    valid = values.is_valid()
    lengths = pc.utf8_length(values)
    for form, size in (("%H:%M:%S", 8), ("%H%M%S", 6)):
        if pc.all(pc.equal(lengths, size)).as_py() is not False:
            clock = pc.strptime(values, form, "s", error_is_null=True)
            if clock.null_count == values.null_count:
                return Parsed(pc.cast(clock, pa.time32("s")), [])
    digits = _match(values, r"^\d{1,6}$")
    padded = pc.utf8_lpad(pc.if_else(digits, values, NULL_STRING), 6, "0")
    from_digits = _clock_seconds(pc.strptime(padded, "%H%M%S", "s", error_is_null=True))
    clocks = _match(values, _CLOCK)
    from_clock = _seconds_from_struct(pc.extract_regex(pc.if_else(clocks, values, NULL_STRING), _CLOCK))
    fractions = _match(values, r"^0?\.\d+$")
    day_part = pc.cast(pc.if_else(fractions, values, NULL_STRING), pa.float64())
    from_fraction = pc.cast(pc.min_element_wise(pc.round(pc.multiply(day_part, 86400)), 86399), pa.int32(), safe=False)
    nothing = pa.scalar(None, pa.int32())
    seconds = pc.coalesce(
        pc.if_else(digits, from_digits, nothing),
        pc.if_else(clocks, from_clock, nothing),
        pc.if_else(fractions, from_fraction, nothing),
    )
    failures = [(pc.and_(valid, seconds.is_null()), NOT_A_TIME)]
    return Parsed(pc.cast(seconds, pa.time32("s")), failures)


# -- small fields ----------------------------------------------------------------------------------


def parse_integers(values: pa.Array, type_: pa.DataType, pattern: str, reason: str) -> Parsed:
    if pc.all(pc.less_equal(pc.utf8_length(values), 9)).as_py() is not False:
        try:  # the usual case: plain digits
            parsed = pc.cast(values, type_)
            if pc.all(pc.greater_equal(parsed, 0)).as_py() is not False:
                return Parsed(parsed, [])
        except pa.ArrowInvalid:
            pass
    ok = _match(values, pattern)
    text = pc.if_else(ok, values, NULL_STRING)
    if pc.any(_match(text, r"\.")).as_py():
        text = pc.replace_substring_regex(text, r"\.0+$", "")
    failures = [(pc.and_(values.is_valid(), pc.invert(ok)), reason)]
    return Parsed(pc.cast(text, type_), failures)


def parse_year(values: pa.Array) -> Parsed:
    if pc.all(pc.match_substring_regex(values, r"^\d{4}$")).as_py() is not False:
        return Parsed(pc.cast(values, pa.int16()), [])
    text = pc.replace_substring_regex(values, r"(?i)^FY\s?|\.0+$", "")
    parsed = parse_integers(text, pa.int16(), r"^\d{4}$", NOT_A_YEAR)
    parsed.failures = [(pc.and_(values.is_valid(), parsed.values.is_null()), NOT_A_YEAR)]
    return parsed


def indicator_sides(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Which cells say debit and which say credit, in any spelling of the alias table (D, Dr, Soll, H, ...)."""
    lowered = pc.utf8_lower(values)
    return pc.is_in(lowered, value_set=_DEBIT_SET), pc.is_in(lowered, value_set=_CREDIT_SET)


def parse_normal_balance(values: pa.Array) -> Parsed:
    is_debit, is_credit = indicator_sides(values)
    side = pc.if_else(is_debit, pa.scalar("debit"), pc.if_else(is_credit, pa.scalar("credit"), NULL_STRING))
    failures = [(pc.and_(values.is_valid(), side.is_null()), NOT_AN_INDICATOR)]
    return Parsed(side, failures)
