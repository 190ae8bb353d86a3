"""An Excel workbook as the same header-and-string-batches a CSV gives.

A workbook is a ZIP of XML parts, so two things are checked before openpyxl sees it: that its ZIP
directory does not promise more than can be unpacked safely (a few kilobytes can inflate to
gigabytes), and that it is a workbook at all. openpyxl then reads in read-only mode, one row at a
time, through defusedxml, so a part that declares entities is refused instead of expanded.

Cells become the text Excel shows in the General format, so the converter sees one kind of input
whatever the file was saved as: account 1000 stored as the number 1000.0 reads "1000", a date cell
reads "2017-01-04". Row numbers are the sheet's own, as Excel shows them, even when rows above the
header or between records are empty.
"""

from __future__ import annotations

import math
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, BinaryIO

import openpyxl
import pyarrow as pa
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from functions.ingestion.problems import IngestRejected, shown
from functions.ingestion.sources import MAX_BATCH_ROWS, Source, check_header, prefetched

MAX_UNCOMPRESSED_BYTES = 1024**3
MAX_COMPRESSION_RATIO = 200
# Small parts compress very well (a sheet of repeated empty styles, say) without being any danger;
# the ratio test is for parts big enough to matter.
RATIO_CHECK_FROM_BYTES = 1024 * 1024
# A batch is built from Python strings before it becomes Arrow; bounding its cells bounds that memory
# for wide sheets too.
MAX_BATCH_CELLS = 512 * 1024

_OTHER_ZIPS = (
    ("xl/workbook.bin", "an Excel binary workbook (.xlsb); save it as .xlsx or CSV"),
    ("word/document.xml", "a Word document"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
    ("content.xml", "an OpenDocument file; save it as .xlsx or CSV"),
)


def open_xlsx(stream: BinaryIO, *, sheet: str | None = None) -> Source:
    """The first worksheet, or the one named (case-insensitively), of a seekable .xlsx stream."""
    check_zip(stream)
    stream.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on styles and extensions it skips
        try:
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except DefusedXmlException as error:
            raise _unsafe(error) from error
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError, SyntaxError) as error:
            cause = _defused_cause(error)  # openpyxl rewraps what its XML parser raised in a ValueError
            if cause is not None:
                raise _unsafe(cause) from error
            raise IngestRejected(
                "unsupported_format", f"The workbook could not be opened ({error}); save it again as .xlsx or CSV."
            ) from error
    try:
        worksheet = _worksheet(workbook, sheet)
        worksheet.reset_dimensions()  # the stored dimensions are often wrong; read every row there is
        rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
        header_row, header_cells = _header(rows, worksheet.title)
        names = check_header(header_cells, header_row=header_row)
        details = {"sheet": worksheet.title, "sheets": list(workbook.sheetnames), "header_row": header_row}
        chunks = prefetched(_chunks(workbook, rows, names, worksheet.title))
    except BaseException:
        workbook.close()
        raise
    return Source("xlsx", names, chunks, details)


def check_zip(stream: BinaryIO) -> None:
    """Refuse, from the ZIP directory alone, a file that would inflate beyond what is safe or is no workbook.

    The sizes in the directory are what zipfile holds every entry to when it inflates it (a part that
    inflates to more than declared fails its check), so checking them up front is enough.
    """
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as error:
        raise IngestRejected(
            "unsupported_format", "The file starts like an Excel workbook but is not a readable ZIP archive."
        ) from error
    with archive:
        entries = archive.infolist()
        total = sum(entry.file_size for entry in entries)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise IngestRejected(
                "zip_bomb",
                f"The workbook would unpack to {total / 1024**3:.1f} GiB, more than the 1 GiB allowed; "
                "split it or export it as CSV.",
            )
        for entry in entries:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size >= RATIO_CHECK_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise IngestRejected(
                    "zip_bomb",
                    f"The workbook part {entry.filename!r} is compressed {ratio:,.0f} to 1, more than any real "
                    "workbook; it is refused as a possible ZIP bomb.",
                )
        names = set(archive.namelist())
    for part, what in _OTHER_ZIPS:
        if part in names:
            raise IngestRejected("unsupported_format", f"The file is {what}, not an Excel workbook (.xlsx).")
    if "[Content_Types].xml" not in names:
        raise IngestRejected(
            "unsupported_format", "The file is a ZIP archive, not an Excel workbook; upload the .xlsx or CSV itself."
        )


def _unsafe(error: Exception) -> IngestRejected:
    return IngestRejected(
        "unsafe_xml",
        f"The workbook contains XML that declares entities or external references ({type(error).__name__}); "
        "it is refused unread. Save it again from Excel.",
    )


def _defused_cause(error: BaseException) -> DefusedXmlException | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _worksheet(workbook: Any, wanted: str | None) -> Any:
    if wanted is None:
        if not workbook.worksheets:
            raise IngestRejected("sheet_not_found", "The workbook has no worksheet.")
        return workbook.worksheets[0]
    titles = [ws.title for ws in workbook.worksheets]
    matches = [ws for ws in workbook.worksheets if ws.title == wanted] or [
        ws for ws in workbook.worksheets if ws.title.strip().casefold() == wanted.strip().casefold()
    ]
    if not matches:
        raise IngestRejected(
            "sheet_not_found",
            f"The workbook has no sheet {wanted!r}; its sheets are: " + ", ".join(repr(t) for t in titles) + ".",
        )
    return matches[0]


def _header(rows: Iterator[tuple[int, tuple[Any, ...]]], title: str) -> tuple[int, list[str | None]]:
    for number, values in _guarded(rows):
        cells = [cell_text(value) for value in values]
        if any(cell is not None and cell.strip() for cell in cells):
            return number, cells
    raise IngestRejected("empty_file", f"The sheet {title!r} is empty.")


def _guarded(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Worksheet XML is parsed while rows are read: turn its failures into refusals."""
    try:
        yield from rows
    except DefusedXmlException as error:
        raise _unsafe(error) from error
    except SyntaxError as error:  # xml.etree.ElementTree.ParseError
        raise IngestRejected("unsupported_format", f"The worksheet XML is damaged ({error}).") from error


def _chunks(
    workbook: Any, rows: Iterator[tuple[int, tuple[Any, ...]]], names: list[str], title: str
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Rows collected into batches of consecutive non-empty rows; an empty row ends a batch."""
    width = len(names)
    limit = max(1, min(MAX_BATCH_ROWS, MAX_BATCH_CELLS // max(width, 1)))
    columns: list[list[str | None]] = [[] for _ in names]
    first_row = 0
    yielded = 0

    def batch() -> pa.RecordBatch:
        arrays = [pa.array(values, type=pa.string()) for values in columns]
        for values in columns:
            values.clear()
        return pa.RecordBatch.from_arrays(arrays, names=names)

    try:
        for number, values in _guarded(rows):
            cells = [cell_text(value) for value in values]
            _check_beyond_header(cells, width, number, title)
            if not any(cell is not None for cell in cells):
                if columns and columns[0]:
                    yielded += len(columns[0])
                    yield first_row, batch()
                continue
            if not columns[0]:
                first_row = number
            cells += [None] * (width - len(cells))
            for column, cell in zip(columns, cells, strict=False):
                column.append(cell)
            if len(columns[0]) >= limit:
                yielded += len(columns[0])
                yield first_row, batch()
        if columns and columns[0]:
            yielded += len(columns[0])
            yield first_row, batch()
    finally:
        workbook.close()
    if not yielded:
        raise IngestRejected("no_rows", f"The sheet {title!r} has a header row but no data rows.")


def _check_beyond_header(cells: list[str | None], width: int, number: int, title: str) -> None:
    for index in range(width, len(cells)):
        if cells[index] is not None:
            letter = get_column_letter(index + 1)
            raise IngestRejected(
                "missing_header",
                f"Sheet {title!r}, cell {letter}{number} has a value, but column {letter} has no header.",
                problems=[{"row": number, "column": None, "value": shown(cells[index]), "reason": "unnamed column"}],
            )


def cell_text(value: Any) -> str | None:
    """A cell as the text Excel shows for it in the General format; None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, datetime):
        moment: datetime = _to_second(value)
        if moment.time() == time(0):
            return moment.date().isoformat()
        return moment.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        moment = _to_second(datetime.combine(date(2000, 1, 1), value))
        return moment.time().isoformat(timespec="seconds")
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        sign = "-" if seconds < 0 else ""
        hours, rest = divmod(abs(seconds), 3600)
        return f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _to_second(moment: datetime) -> datetime:
    """Excel shows times to the second, rounded; serials often land a millisecond off."""
    if moment.microsecond >= 500_000:
        moment += timedelta(seconds=1)
    return moment.replace(microsecond=0)


def number_text(value: float) -> str:
    """A float as Excel shows it: at most 15 significant digits, never in exponent form.

    Excel keeps 15 significant digits; digits beyond are binary noise from formulas (0.1+0.2 is stored
    as 0.30000000000000004 and shown as 0.3). Whole numbers lose their ".0", which matters for account
    numbers stored as numbers.
    """
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = format(Decimal(format(value, ".15g")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
