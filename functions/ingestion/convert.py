"""Turn the string batches a reader hands over into the typed batches the loader copies.

Every column is read with pyarrow.compute over the whole batch: a general ledger has millions of
lines, and a Python loop per cell would take minutes where this takes seconds. Python only runs per
batch, per column, and over the few rows that go wrong (at most MAX_LISTED of them are spelled out).
Most columns are uniform, so each reader tries the common shape first and only falls back to the
slower general reading for the rows the fast one did not take.

Decisions the SPEC leaves open, taken here:

- Amounts: `1234.56`, `-1,234.56`, `1.234,56`, `1 234,56`, `1'234.56`, `(1,234.56)`, `1234.56-`, with
  `$ € £ ¥` around them. Whether `.` or `,` is the decimal mark is settled once per file
  from the first value that can only be read one way (`1,234.56`, `12,5`, `1.234.567`); a value such
  as `1,234` read before that is refused as ambiguous rather than guessed. Spaces and apostrophes are
  always thousands separators. More than two decimals are rounded half-up to cents; the
  `amount_rounded` warning is raised when the dropped digits are more than float noise (six 0s or 9s).
- Amount with an indicator: the indicator gives the sign and the amount its size, so an unsigned
  amount (ADS) and an amount already negative on a credit both read the same. A negative amount on a
  debit row is refused: it is either a sign error or a reversal, and the file cannot say which.
- Debit and credit columns are taken as given, amount = debit - credit, netting a row that has both.
  Negative values there are kept (a reversal posted as a negative debit) and counted in the
  `negative_debit_credit` warning, because an export that writes credits as negative numbers would
  otherwise double them silently; such a file should map its signed amount instead.
- Dates: ISO 8601 (`2023-12-31`, with an optional time), `YYYYMMDD`, `YYYY/MM/DD`, Excel serials
  (1900 date system, 1 = 1900-01-01, Lotus' 29 February 1900 refused; whole numbers of up to five
  digits or numbers with a fraction), and d/m/Y or m/d/Y (separators `/ . -`, two-digit years as
  POSIX %y: 69-99 -> 19xx, 00-68 -> 20xx) only when the caller names the order. Calendar days are
  checked (2023-02-30 is refused). A time part is dropped, except that an entered date may carry the
  entry time when the file has no time column. A time zone suffix is ignored: times are local as
  written.
- Times: `HHMMSS` with leading zeros missing (`93015` = 09:30:15, `0` = midnight), `HH:MM:SS`,
  `HH:MM`, an optional AM/PM, or an Excel day fraction (`0.5` = 12:00:00).
- Line numbers, when the file has none (or leaves some empty), count 1..n per journal in file order,
  carried across batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from functions.ingestion import aliases, fields, header_match
from functions.ingestion.problems import MAX_LISTED, MAX_WARNING_ROWS, ProblemLog, WarningLog

DATE_ORDERS = ("dmy", "mdy")

NUL_CHARACTER = "contains a NUL character, which cannot be stored"
REQUIRED_MISSING = "required value missing"
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
NEGATIVE_DEBIT = "negative amount on a debit row: give amounts unsigned with the indicator"
NOT_AN_INTEGER = "not a whole number"
NOT_A_YEAR = "not a year: expected YYYY"

_DATE_REASONS = {1: NOT_A_DATE, 2: AMBIGUOUS_DATE, 3: NO_SUCH_DAY}
_PLACEHOLDER_DAYS = (date(1900, 1, 1), date(9999, 12, 31))
_EPOCH_SERIAL = 25569  # Excel serial of 1970-01-01 in the 1900 date system
_MAX_SERIAL = 2958465  # 9999-12-31

_STRING = pa.string()
_MONEY = pa.decimal128(18, 2)
_CENT = pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))
_NULL_STRING = pa.scalar(None, _STRING)
_NULL_INT = pa.scalar(None, pa.int64())
_NULL_DATE = pa.scalar(None, pa.date32())
_DATE_TIME_JOINS = pa.array(["T", " "], _STRING)

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


@dataclass
class Options:
    kind: str
    column_map: dict[str, str] | None = None
    date_order: str | None = None  # "dmy" | "mdy" | None (then only unambiguous forms)
    fiscal_start: date | None = None
    fiscal_end: date | None = None


@dataclass
class _Parsed:
    """A column read as one type: the values (null where unreadable) and why each failure failed."""

    values: pa.Array
    failures: list[tuple[pa.Array, str]]
    seconds: pa.Array | None = None  # the time of day a date carried, when asked for
    rounded: pa.Array | None = None  # rows whose amount lost more than float noise to rounding


class _BatchIssues:
    """Problems of one batch, listed in row order before they reach the file's log."""

    def __init__(self, first_row: int) -> None:
        self.first_row = first_row
        self.pending: list[tuple[int, str, Any, str]] = []
        self.unlisted = 0

    def add(self, mask: pa.Array, raw: pa.Array, column: str, reason: str) -> None:
        count = _count(mask)
        if not count:
            return
        indices = pc.indices_nonzero(pc.fill_null(mask, False))[:MAX_LISTED]
        values = raw.take(indices).to_pylist()
        for index, value in zip(indices.to_pylist(), values, strict=True):
            self.pending.append((self.first_row + index, column, value, reason))
        self.unlisted += count - len(indices)

    def flush(self, log: ProblemLog) -> None:
        for row, column, value, reason in sorted(self.pending, key=lambda p: (p[0], p[1])):
            log.add(row=row, column=column, value=value, reason=reason)
        log.count += self.unlisted


class Converter:
    """Reads one file's batches in order; problems and warnings accumulate over the whole file."""

    def __init__(self, header: list[str], options: Options) -> None:
        if options.date_order not in (None, *DATE_ORDERS):
            raise ValueError(f"date_order must be one of {', '.join(DATE_ORDERS)} or None")
        self.options = options
        self.kind = options.kind
        self.plan = header_match.resolve(options.kind, header, options.column_map)
        self.problems = ProblemLog()
        self.warnings = WarningLog()
        self.schema = fields.arrow_schema(self.kind)
        self._position = {h: i for i, h in reversed(list(enumerate(self.plan.header)))}
        self._decimal_mark: str | None = None
        self._journal_lines: dict[str, int] = {}
        self._entered_date_seconds: pa.Array | None = None
        self._first_row = 0
        if self.plan.unmapped:
            self.warnings.add(
                "unmapped_columns",
                "columns not used: " + ", ".join(self.plan.unmapped),
                count=len(self.plan.unmapped),
            )

    # -- the batch ---------------------------------------------------------------------------------

    def convert(self, first_row: int, batch: pa.RecordBatch) -> pa.RecordBatch:
        n = batch.num_rows
        issues = _BatchIssues(first_row)
        self._first_row = first_row
        raw = {name: self._column(batch, header) for name, header in self.plan.columns.items()}
        for name, values in raw.items():  # PostgreSQL text cannot hold NUL; say where instead of failing the COPY
            issues.add(pc.match_substring(values, "\x00"), values, self.plan.columns[name], NUL_CHARACTER)
        out: dict[str, pa.Array] = {"row_number": pc.add(_arange(n), pa.scalar(first_row, pa.int64()))}

        for target in fields.AMOUNT_TARGETS[self.kind]:
            form = self.plan.amount_forms.get(target.target)
            if form is not None:
                out[target.target] = self._amount(target, form, raw, issues)

        for name in fields.COLUMNS[self.kind]:
            if name in out or name not in raw:
                continue
            out[name] = self._value(name, raw[name], issues)

        if self.kind == fields.GENERAL_LEDGER:
            self._general_ledger_extras(n, raw, out)
        for name in fields.REQUIRED[self.kind]:
            if name in raw and name not in {t.target for t in fields.AMOUNT_TARGETS[self.kind]}:
                issues.add(raw[name].is_null(), raw[name], self.plan.columns[name], REQUIRED_MISSING)
        self._date_warnings(out)

        issues.flush(self.problems)
        arrays = [
            out[f.name] if f.name in out else pa.nulls(n, f.type)
            for f in self.schema  # fields the file does not carry stay empty
        ]
        return pa.RecordBatch.from_arrays(
            [a if a.type == f.type else pc.cast(a, f.type) for a, f in zip(arrays, self.schema, strict=True)],
            schema=self.schema,
        )

    def finish(self) -> None:
        if self.problems:
            first = self.problems.sorted_problems()[0]
            raise self.problems.reject(
                "invalid_values",
                f"{self.problems.count} values could not be read; first: row {first['row']} column "
                f"{first['column']} value {first['value']}: {first['reason']}",
            )

    def _column(self, batch: pa.RecordBatch, header: str) -> pa.Array:
        if batch.num_columns == len(self.plan.header):
            column = batch.column(self._position[header])
        else:
            column = batch.column(batch.schema.get_field_index(header))
        if column.type != _STRING:
            column = pc.cast(column, _STRING)
        trimmed = pc.utf8_trim_whitespace(column)
        empty = pc.equal(trimmed, "")
        return pc.if_else(empty, _NULL_STRING, trimmed) if pc.any(empty).as_py() else trimmed

    # -- one field ---------------------------------------------------------------------------------

    def _value(self, name: str, values: pa.Array, issues: _BatchIssues) -> pa.Array:
        value_kind = fields.VALUE_KINDS.get(name, "text")
        if value_kind == "text":
            return values
        if value_kind == "date":
            parsed = _parse_dates(values, self.options.date_order, want_time=name == "entered_date")
            if parsed.seconds is not None:
                self._entered_date_seconds = parsed.seconds
        elif value_kind == "time":
            parsed = _parse_times(values)
        elif value_kind == "integer":
            parsed = _parse_integers(values, pa.int32(), r"^\d{1,9}(?:\.0+)?$", NOT_AN_INTEGER)
        elif value_kind == "year":
            parsed = _parse_year(values)
        elif value_kind == "indicator":
            parsed = _parse_normal_balance(values)
        else:  # money outside an amount form: TB period activity
            parsed = self._money(values)
            self._note_rounding(parsed)
            self._warn_negative(parsed.values, name)
        self._report(name, values, parsed, issues, required=name in fields.REQUIRED[self.kind])
        return parsed.values

    def _report(self, name: str, raw: pa.Array, parsed: _Parsed, issues: _BatchIssues, *, required: bool) -> None:
        header = self.plan.columns[name]
        for mask, reason in parsed.failures:
            if required:
                issues.add(mask, raw, header, reason)
            else:
                self._warn(mask, f"unreadable_{name}", f"values of {header!r} that could not be read were left empty")

    def _amount(
        self, target: fields.AmountTarget, form: str, raw: dict[str, pa.Array], issues: _BatchIssues
    ) -> pa.Array:
        report = issues if target.required else None
        if form == fields.SIGNED:
            return self._money_field(target.signed, raw, report, target.required)
        if form == fields.DEBIT_CREDIT:
            debit = self._money_field(target.debit, raw, report, required=False)
            credit = self._money_field(target.credit, raw, report, required=False)
            self._warn_negative(debit, target.debit)
            self._warn_negative(credit, target.credit)
            neither = pc.and_(debit.is_null(), credit.is_null())
            both_unread = pc.and_(neither, pc.or_(raw[target.debit].is_valid(), raw[target.credit].is_valid()))
            if target.required:
                missing = pc.and_(neither, pc.invert(both_unread))
                header = self.plan.columns[target.debit]
                issues.add(
                    missing,
                    raw[target.debit],
                    header,
                    f"{REQUIRED_MISSING}: neither {header!r} nor {self.plan.columns[target.credit]!r} has an amount",
                )
            zero = pa.scalar(Decimal(0), _MONEY)
            net = pc.subtract(pc.fill_null(debit, zero), pc.fill_null(credit, zero))
            net = pc.if_else(neither, pa.scalar(None, net.type), net)
            return _to_money(net)
        amount = self._money_field(target.signed, raw, report, target.required)
        indicator_raw = raw[target.indicator]
        lowered = pc.utf8_lower(indicator_raw)
        is_debit = pc.is_in(lowered, value_set=_DEBIT_SET)
        is_credit = pc.is_in(lowered, value_set=_CREDIT_SET)
        unknown = pc.and_(indicator_raw.is_valid(), pc.invert(pc.or_(is_debit, is_credit)))
        negative_debit = pc.fill_null(pc.and_(is_debit, pc.less(amount, pa.scalar(Decimal(0), _MONEY))), False)
        indicator_header = self.plan.columns[target.indicator]
        if target.required:
            issues.add(unknown, indicator_raw, indicator_header, NOT_AN_INDICATOR)
            issues.add(
                pc.and_(indicator_raw.is_null(), amount.is_valid()), indicator_raw, indicator_header, REQUIRED_MISSING
            )
            issues.add(negative_debit, raw[target.signed], self.plan.columns[target.signed], NEGATIVE_DEBIT)
        else:
            self._warn(unknown, f"unreadable_{target.indicator}", f"values of {indicator_header!r} were not D/C")
            self._warn(negative_debit, f"unreadable_{target.target}", NEGATIVE_DEBIT)
        size = pc.abs(amount)
        signed = pc.if_else(is_credit, pc.negate(size), pc.if_else(is_debit, size, pa.scalar(None, size.type)))
        signed = pc.if_else(negative_debit, pa.scalar(None, size.type), signed)
        return _to_money(signed)

    def _money_field(
        self, name: str, raw: dict[str, pa.Array], issues: _BatchIssues | None, required: bool
    ) -> pa.Array:
        values = raw[name]
        parsed = self._money(values)
        self._note_rounding(parsed)
        if issues is not None:
            self._report(name, values, parsed, issues, required=True)
            if required:
                issues.add(values.is_null(), values, self.plan.columns[name], REQUIRED_MISSING)
        else:
            self._report(name, values, parsed, _BatchIssues(0), required=False)
        return parsed.values

    def _money(self, values: pa.Array) -> _Parsed:
        parsed, mark = _parse_money(values, self._decimal_mark)
        self._decimal_mark = mark
        return parsed

    # -- warnings ----------------------------------------------------------------------------------

    def _warn(self, mask: pa.Array, code: str, message: str) -> None:
        count = _count(mask)
        if count:
            indices = pc.indices_nonzero(pc.fill_null(mask, False))[:MAX_WARNING_ROWS].to_pylist()
            self.warnings.add(code, message, rows=[self._first_row + i for i in indices], count=count)

    def _note_rounding(self, parsed: _Parsed) -> None:
        if parsed.rounded is not None:
            self._warn(parsed.rounded, "amount_rounded", "amounts with more than two decimals were rounded to cents")

    def _warn_negative(self, values: pa.Array, name: str) -> None:
        header = self.plan.columns[name]
        self._warn(
            pc.less(values, pa.scalar(Decimal(0), values.type)),
            "negative_debit_credit",
            f"negative values in {header!r} were taken as given (amount = debit - credit); if the export writes "
            f"credits as negative numbers, map its signed amount instead",
        )

    def _date_warnings(self, out: dict[str, pa.Array]) -> None:
        placeholders = pa.array(_PLACEHOLDER_DAYS, pa.date32())
        for values in out.values():
            if values.type == pa.date32():
                self._warn(
                    pc.is_in(values, value_set=placeholders),
                    "placeholder_date",
                    "placeholder dates (1900-01-01 or 9999-12-31) found",
                )
        start, end = self.options.fiscal_start, self.options.fiscal_end
        effective = out.get("effective_date")
        if effective is not None and start is not None and end is not None:
            outside = pc.or_(
                pc.less(effective, pa.scalar(start, pa.date32())), pc.greater(effective, pa.scalar(end, pa.date32()))
            )
            self._warn(outside, "outside_fiscal_year", f"effective dates outside the fiscal year {start} to {end}")

    # -- general ledger ----------------------------------------------------------------------------

    def _general_ledger_extras(self, n: int, raw: dict[str, pa.Array], out: dict[str, pa.Array]) -> None:
        seconds, self._entered_date_seconds = self._entered_date_seconds, None
        if "entered_time" not in raw and seconds is not None:
            out["entered_time"] = pc.cast(seconds, pa.time32("s"))
        entered_by = out.get("entered_by")
        self._warn(
            entered_by.is_null() if entered_by is not None else pc.is_null(pa.nulls(n, _STRING)),
            "blank_user",
            "lines without the user who entered them",
        )
        given = out.get("line_number")
        if given is None or given.null_count:
            journal_ids = out.get("journal_id", pa.nulls(n, _STRING))
            numbered = self._number_lines(journal_ids)
            out["line_number"] = numbered if given is None else pc.coalesce(given, numbered)

    def _number_lines(self, journal_ids: pa.Array) -> pa.Array:
        """1..n per journal in file order: a stable sort groups each journal's rows, a running
        maximum finds where each group starts, and the counts carry to the next batch."""
        n = len(journal_ids)
        if n == 0:
            return pa.array([], pa.int32())
        encoded = pc.dictionary_encode(pc.fill_null(journal_ids, ""))
        codes = encoded.indices
        order = pc.sort_indices(codes)
        sorted_codes = codes.take(order)
        positions = _arange(n)
        starts = pc.not_equal(sorted_codes[1:], sorted_codes[:-1])
        starts = pa.concat_arrays([pa.array([True]), starts])
        group_start = pc.cumulative_max(pc.if_else(starts, positions, pa.scalar(0, pa.int64())))
        within_sorted = pc.subtract(positions, group_start)
        within = within_sorted.take(pc.sort_indices(order))
        journals = encoded.dictionary.to_pylist()
        carried = pa.array([self._journal_lines.get(j, 0) for j in journals], pa.int64())
        lines = pc.add(pc.add(within, carried.take(codes)), pa.scalar(1, pa.int64()))
        counts = pa.table({"code": codes}).group_by("code").aggregate([("code", "count")])
        for code, count in zip(counts["code"].to_pylist(), counts["code_count"].to_pylist(), strict=True):
            self._journal_lines[journals[code]] = self._journal_lines.get(journals[code], 0) + count
        return pc.cast(lines, pa.int32())


_DEBIT_SET = pa.array(sorted(aliases.DEBIT_VALUES), _STRING)
_CREDIT_SET = pa.array(sorted(aliases.CREDIT_VALUES), _STRING)
_ARANGE: list[pa.Array] = [pa.array([], pa.int64())]


def _arange(n: int) -> pa.Array:
    if len(_ARANGE[0]) < n:
        _ARANGE[0] = pa.array(range(max(n, 65536)), pa.int64())
    return _ARANGE[0][:n]


def _count(mask: pa.Array) -> int:
    return int(mask.true_count)


def _match(values: pa.Array, pattern: str) -> pa.Array:
    """Whether each value matches; empty cells never do."""
    return pc.fill_null(pc.match_substring_regex(values, pattern), False)


def _to_money(values: pa.Array) -> pa.Array:
    return values if values.type == _MONEY else pc.cast(values, _MONEY)


# -- amounts ---------------------------------------------------------------------------------------


def _parse_money(values: pa.Array, mark: str | None) -> tuple[_Parsed, str | None]:
    """Amounts as decimal(18,2), and the file's decimal mark once a value has settled it."""
    try:  # the usual case: plain numbers with at most two decimals, which Arrow reads directly
        return _Parsed(pc.cast(values, _MONEY), []), mark
    except pa.ArrowInvalid:
        pass

    valid = values.is_valid()
    stripped = pc.replace_substring_regex(values, _MONEY_DECORATION, "")
    shaped = _match(stripped, _MONEY_SHAPE)
    negative = pc.or_(pc.starts_with(stripped, "("), pc.or_(pc.starts_with(stripped, "-"), pc.ends_with(stripped, "-")))
    number = pc.utf8_trim(stripped, "()+-")  # the shape allows signs and brackets only at the ends
    if mark is None or _count(pc.and_(shaped, pc.invert(_match(number, _NUMBER_BY_MARK[mark])))) > 0:
        point_ok = pc.and_(shaped, _match(number, _POINT_NUMBER))
        comma_ok = pc.and_(shaped, _match(number, _COMMA_NUMBER))
    else:  # the mark is known and every value fits it: no need to look for the other
        point_ok = comma_ok = shaped
    only_point = pc.and_(point_ok, pc.invert(comma_ok))
    only_comma = pc.and_(comma_ok, pc.invert(point_ok))
    if mark is None:
        points, commas = _count(only_point), _count(only_comma)
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
    canonical = pc.if_else(ok, canonical, _NULL_STRING)
    length = pc.utf8_length(canonical)
    point_at = pc.find_substring(canonical, ".")  # -1 when there is none
    whole_digits = pc.if_else(pc.less(point_at, 0), length, point_at)
    too_large = pc.fill_null(pc.greater(whole_digits, 16), False)
    if pc.any(too_large).as_py():
        failures.append((too_large, TOO_LARGE))
        canonical = pc.if_else(too_large, _NULL_STRING, canonical)

    rounded = None
    decimals = pc.if_else(pc.less(point_at, 0), 0, pc.subtract(pc.subtract(length, point_at), 1))
    if pc.any(pc.greater(decimals, 2)).as_py():
        amounts, rounded = _round_to_cents(canonical)
    else:
        amounts = pc.cast(canonical, _MONEY)
    amounts = pc.if_else(negative, pc.negate(amounts), amounts)
    return _Parsed(_to_money(amounts), failures, rounded=rounded), mark


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
    return pc.cast(amounts, _MONEY), rounded


# -- dates and times -------------------------------------------------------------------------------


def _parse_dates(values: pa.Array, order: str | None, *, want_time: bool) -> _Parsed:
    """Each form reads only the rows earlier forms left; a uniform column is read by the first."""
    n = len(values)
    days = pa.nulls(n, pa.date32())
    seconds = pa.nulls(n, pa.int32())
    codes = pa.nulls(n, pa.int8())
    pending = values.is_valid()
    for form in (_iso_dates, _compact_dates, _year_first_dates, _excel_dates, _day_month_dates):
        left = _count(pending)
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
    return _Parsed(days, failures, seconds=seconds if want_time else None)


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
    head = pc.if_else(shaped, pc.utf8_slice_codeunits(values, 0, 10), _NULL_STRING)
    try:
        days = pc.cast(head, pa.date32())
        matched, codes = shaped, _no_codes(n)
    except pa.ArrowInvalid:
        matched = pc.and_(shaped, _match(head, r"^\d{4}-\d{2}-\d{2}$"))
        stamps = pc.strptime(pc.if_else(matched, head, _NULL_STRING), "%Y-%m-%d", "s", error_is_null=True)
        day_given = pc.cast(pc.utf8_slice_codeunits(pc.if_else(matched, head, _NULL_STRING), 8, 10), pa.int64())
        real = pc.fill_null(pc.equal(pc.day(stamps), day_given), False)
        days = pc.if_else(real, pc.cast(stamps, pa.date32()), _NULL_DATE)
        codes = _with_code(pc.and_(matched, pc.invert(real)), 3, _no_codes(n))
    seconds = None
    timed = pc.and_(matched, longer)
    if pc.any(timed).as_py():
        seconds = _tail_seconds(pc.if_else(timed, pc.utf8_slice_codeunits(values, 10, 1_000), _NULL_STRING))
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
        text = pc.if_else(pc.equal(text, ""), _NULL_STRING, text)
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
    text = pc.if_else(matched, values, _NULL_STRING)
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
    extracted = pc.extract_regex(pc.if_else(matched, values, _NULL_STRING), pattern)
    names = [f.name for f in extracted.type if f.name not in ("hh", "mi", "ss", "ampm")]
    parts = {name: pc.cast(pc.struct_field(extracted, name), pa.int64()) for name in names}
    year, month, day = pick(parts)
    month_ok = pc.and_(pc.greater_equal(month, 1), pc.less_equal(month, 12))
    day_ok = pc.and_(pc.greater_equal(day, 1), pc.less_equal(day, 31))
    in_range = pc.fill_null(pc.and_(pc.and_(month_ok, day_ok), pc.greater_equal(year, 1)), False)
    text = pc.binary_join_element_wise(
        pc.utf8_lpad(pc.cast(year, _STRING), 4, "0"),
        pc.utf8_lpad(pc.cast(month, _STRING), 2, "0"),
        pc.utf8_lpad(pc.cast(day, _STRING), 2, "0"),
        "-",
    )
    stamp_days, real = _calendar_days(pc.if_else(in_range, text, _NULL_STRING))
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
    serial = pc.cast(pc.if_else(matched, values, _NULL_STRING), pa.float64())
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


def _parse_times(values: pa.Array) -> _Parsed:
    valid = values.is_valid()
    lengths = pc.utf8_length(values)
    for form, size in (("%H:%M:%S", 8), ("%H%M%S", 6)):
        if pc.all(pc.equal(lengths, size)).as_py() is not False:
            clock = pc.strptime(values, form, "s", error_is_null=True)
            if clock.null_count == values.null_count:
                return _Parsed(pc.cast(clock, pa.time32("s")), [])
    digits = _match(values, r"^\d{1,6}$")
    padded = pc.utf8_lpad(pc.if_else(digits, values, _NULL_STRING), 6, "0")
    from_digits = _clock_seconds(pc.strptime(padded, "%H%M%S", "s", error_is_null=True))
    clocks = _match(values, _CLOCK)
    from_clock = _seconds_from_struct(pc.extract_regex(pc.if_else(clocks, values, _NULL_STRING), _CLOCK))
    fractions = _match(values, r"^0?\.\d+$")
    day_part = pc.cast(pc.if_else(fractions, values, _NULL_STRING), pa.float64())
    from_fraction = pc.cast(pc.min_element_wise(pc.round(pc.multiply(day_part, 86400)), 86399), pa.int32(), safe=False)
    nothing = pa.scalar(None, pa.int32())
    seconds = pc.coalesce(
        pc.if_else(digits, from_digits, nothing),
        pc.if_else(clocks, from_clock, nothing),
        pc.if_else(fractions, from_fraction, nothing),
    )
    failures = [(pc.and_(valid, seconds.is_null()), NOT_A_TIME)]
    return _Parsed(pc.cast(seconds, pa.time32("s")), failures)


# -- small fields ----------------------------------------------------------------------------------


def _parse_integers(values: pa.Array, type_: pa.DataType, pattern: str, reason: str) -> _Parsed:
    if pc.all(pc.less_equal(pc.utf8_length(values), 9)).as_py() is not False:
        try:  # the usual case: plain digits
            parsed = pc.cast(values, type_)
            if pc.all(pc.greater_equal(parsed, 0)).as_py() is not False:
                return _Parsed(parsed, [])
        except pa.ArrowInvalid:
            pass
    ok = _match(values, pattern)
    text = pc.if_else(ok, values, _NULL_STRING)
    if pc.any(_match(text, r"\.")).as_py():
        text = pc.replace_substring_regex(text, r"\.0+$", "")
    failures = [(pc.and_(values.is_valid(), pc.invert(ok)), reason)]
    return _Parsed(pc.cast(text, type_), failures)


def _parse_year(values: pa.Array) -> _Parsed:
    if pc.all(pc.match_substring_regex(values, r"^\d{4}$")).as_py() is not False:
        return _Parsed(pc.cast(values, pa.int16()), [])
    text = pc.replace_substring_regex(values, r"(?i)^FY\s?|\.0+$", "")
    parsed = _parse_integers(text, pa.int16(), r"^\d{4}$", NOT_A_YEAR)
    parsed.failures = [(pc.and_(values.is_valid(), parsed.values.is_null()), NOT_A_YEAR)]
    return parsed


def _parse_normal_balance(values: pa.Array) -> _Parsed:
    lowered = pc.utf8_lower(values)
    is_debit = pc.is_in(lowered, value_set=_DEBIT_SET)
    is_credit = pc.is_in(lowered, value_set=_CREDIT_SET)
    side = pc.if_else(is_debit, pa.scalar("debit"), pc.if_else(is_credit, pa.scalar("credit"), _NULL_STRING))
    failures = [(pc.and_(values.is_valid(), side.is_null()), NOT_AN_INDICATOR)]
    return _Parsed(side, failures)
