"""Every CSV and XLSX file the system hands out is written here, so none can carry a live formula.

A spreadsheet takes a cell whose text starts with `=`, `+`, `-` or `@` (or a tab or carriage return,
which it skips before looking) as a formula: a journal memo or a sample name reading
`=HYPERLINK("http://evil.example.com")` becomes a link in the auditor's copy, and `=cmd|...` worse
(OWASP, "CSV injection"). Text from a client's ledger or a user's entry is therefore never written as
it came: such a cell is prefixed with an apostrophe, the prefix Excel itself uses for "this is text".
Numbers stay numbers (a negative amount is a number, not text starting with `-`). In XLSX every text
cell is written as an inline string, never as a formula or an error value, whatever it holds.

`plain` undoes the prefix for text read back from a file this module wrote (a filled-in workbook).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# A worksheet holds 1,048,576 rows; what does not fit is cut (a header takes one of them).
XLSX_MAX_ROWS = 1_048_576
# Control characters an XLSX cell may not hold (the XML 1.0 set; openpyxl refuses them with an error).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_TEXT_LIMIT = 32_767


def inert(value: Any) -> Any:
    """The value as a cell no spreadsheet evaluates: text starting with a formula trigger gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return QUOTE + value
    return value


def plain(text: str) -> str:
    """Text read back from one of our files, without the apostrophe `inert` put before it."""
    if text.startswith(QUOTE) and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def csv_file(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV as Excel opens it without asking (UTF-8 with a byte-order mark, CRLF); None is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([inert(name) for name in header])
    for row in rows:
        writer.writerow(["" if value is None else inert(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its rows after an optional header, and number formats by column (0-based)."""

    title: str
    rows: Iterable[Sequence[Any]]
    header: Sequence[str] | None = None
    number_formats: Mapping[int, str] = field(default_factory=dict)


def xlsx_file(*sheets: Sheet) -> bytes:
    """An .xlsx of the sheets, streamed row by row (openpyxl's write-only workbook: little memory)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:31])
        room = XLSX_MAX_ROWS
        if spec.header is not None:
            sheet.append([_text_cell(sheet, name) for name in spec.header])
            room -= 1
        for count, row in enumerate(spec.rows):
            if count >= room:
                break
            sheet.append([_cell(sheet, value, spec.number_formats.get(column)) for column, value in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: Any, value: Any, number_format: str | None) -> Any:
    if isinstance(value, str):
        return _text_cell(sheet, value)
    if number_format is None or value is None or isinstance(value, bool):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _text_cell(sheet: Any, text: str) -> Any:
    """Text as an inline string. openpyxl infers a formula from a leading `=` (which `inert` never leaves)
    and an error value from `#N/A` and its kind; only those get a cell of their own, typed as text, so the
    common case costs no extra object."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    value = _NOT_XML.sub("\ufffd", str(inert(text)))[:_XLSX_TEXT_LIMIT]
    if not value.startswith("=") and value not in ERROR_CODES:
        return value
    cell = WriteOnlyCell(sheet)
    cell.value = value
    cell.data_type = "s"
    return cell
