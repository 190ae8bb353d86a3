"""Turn the string batches a reader hands over into the typed batches the loader copies.

Each field is read by `parsing` according to the catalogue in `fields`, along the plan `header_match`
made from the header row; this module applies that plan batch by batch, combines the amount forms,
numbers lines, and collects problems (which refuse the file) and warnings (which do not).

Decisions the rules (docs/audit-rules.md section 3) leave open, taken here:

- Amount with an indicator: the indicator gives the sign and the amount its size, so an unsigned
  amount (ADS) and an amount already negative on a credit both read the same. A negative amount on a
  debit row is refused: it is either a sign error or a reversal, and the file cannot say which.
- Debit and credit columns are taken as given, amount = debit - credit, netting a row that has both.
  Negative values there are kept (a reversal posted as a negative debit) and counted in the
  `negative_debit_credit` warning, because an export that writes credits as negative numbers would
  otherwise double them silently; such a file should map its signed amount instead.
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

from functions.ingestion import fields, header_match
from functions.ingestion.parsing import (
    MONEY,
    NOT_AN_INDICATOR,
    NOT_AN_INTEGER,
    NULL_STRING,
    STRING,
    Parsed,
    indicator_sides,
    parse_dates,
    parse_integers,
    parse_money,
    parse_normal_balance,
    parse_times,
    parse_year,
    to_money,
    true_count,
)
from functions.ingestion.problems import MAX_LISTED, MAX_WARNING_ROWS, ProblemLog, WarningLog

DATE_ORDERS = ("dmy", "mdy")

NUL_CHARACTER = "contains a NUL character, which cannot be stored"
REQUIRED_MISSING = "required value missing"
NEGATIVE_DEBIT = "negative amount on a debit row: give amounts unsigned with the indicator"

_PLACEHOLDER_DAYS = (date(1900, 1, 1), date(9999, 12, 31))


@dataclass
class Options:
    kind: str
    column_map: dict[str, str] | None = None
    date_order: str | None = None  # "dmy" | "mdy" | None (then only unambiguous forms)
    fiscal_start: date | None = None
    fiscal_end: date | None = None


class _BatchIssues:
    """Problems of one batch, listed in row order before they reach the file's log."""

    def __init__(self, first_row: int) -> None:
        self.first_row = first_row
        self.pending: list[tuple[int, str, Any, str]] = []
        self.unlisted = 0

    def add(self, mask: pa.Array, raw: pa.Array, column: str, reason: str) -> None:
        count = true_count(mask)
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
        if column.type != STRING:
            column = pc.cast(column, STRING)
        trimmed = pc.utf8_trim_whitespace(column)
        empty = pc.equal(trimmed, "")
        return pc.if_else(empty, NULL_STRING, trimmed) if pc.any(empty).as_py() else trimmed

    # -- one field ---------------------------------------------------------------------------------

    def _value(self, name: str, values: pa.Array, issues: _BatchIssues) -> pa.Array:
        value_kind = fields.VALUE_KINDS.get(name, "text")
        if value_kind == "text":
            return values
        if value_kind == "date":
            parsed = parse_dates(values, self.options.date_order, want_time=name == "entered_date")
            if parsed.seconds is not None:
                self._entered_date_seconds = parsed.seconds
        elif value_kind == "time":
            parsed = parse_times(values)
        elif value_kind == "integer":
            parsed = parse_integers(values, pa.int32(), r"^\d{1,9}(?:\.0+)?$", NOT_AN_INTEGER)
        elif value_kind == "year":
            parsed = parse_year(values)
        elif value_kind == "indicator":
            parsed = parse_normal_balance(values)
        else:  # money outside an amount form: TB period activity
            parsed = self._money(values)
            self._note_rounding(parsed)
            self._warn_negative(parsed.values, name)
        self._report(name, values, parsed, issues, required=name in fields.REQUIRED[self.kind])
        return parsed.values

    def _report(self, name: str, raw: pa.Array, parsed: Parsed, issues: _BatchIssues, *, required: bool) -> None:
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
            zero = pa.scalar(Decimal(0), MONEY)
            net = pc.subtract(pc.fill_null(debit, zero), pc.fill_null(credit, zero))
            net = pc.if_else(neither, pa.scalar(None, net.type), net)
            return to_money(net)
        amount = self._money_field(target.signed, raw, report, target.required)
        indicator_raw = raw[target.indicator]
        is_debit, is_credit = indicator_sides(indicator_raw)
        unknown = pc.and_(indicator_raw.is_valid(), pc.invert(pc.or_(is_debit, is_credit)))
        negative_debit = pc.fill_null(pc.and_(is_debit, pc.less(amount, pa.scalar(Decimal(0), MONEY))), False)
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
        return to_money(signed)

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

    def _money(self, values: pa.Array) -> Parsed:
        parsed, mark = parse_money(values, self._decimal_mark)
        self._decimal_mark = mark
        return parsed

    # -- warnings ----------------------------------------------------------------------------------

    def _warn(self, mask: pa.Array, code: str, message: str) -> None:
        count = true_count(mask)
        if count:
            indices = pc.indices_nonzero(pc.fill_null(mask, False))[:MAX_WARNING_ROWS].to_pylist()
            self.warnings.add(code, message, rows=[self._first_row + i for i in indices], count=count)

    def _note_rounding(self, parsed: Parsed) -> None:
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
            entered_by.is_null() if entered_by is not None else pc.is_null(pa.nulls(n, STRING)),
            "blank_user",
            "lines without the user who entered them",
        )
        given = out.get("line_number")
        if given is None or given.null_count:
            journal_ids = out.get("journal_id", pa.nulls(n, STRING))
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


_ARANGE: list[pa.Array] = [pa.array([], pa.int64())]


def _arange(n: int) -> pa.Array:
    if len(_ARANGE[0]) < n:
        _ARANGE[0] = pa.array(range(max(n, 65536)), pa.int64())
    return _ARANGE[0][:n]
