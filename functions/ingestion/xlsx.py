"""An Excel workbook as the same header-and-string-batches a CSV gives.

A workbook is a ZIP of XML parts, so two things are checked before any part is parsed: that its ZIP
directory does not promise more than can be unpacked safely (a few kilobytes can inflate to
gigabytes), and that it is a workbook at all. The parts are then read here with expat rather than
through openpyxl, which spent almost all of an upload's time building objects this module throws
away: the worksheet is parsed in chunks straight into rows of cell text, and only the shared strings
and the styles (which cells are dates) are held, as openpyxl holds them. Every part is refused if it
declares a DOCTYPE or entities, so nothing is ever expanded.

Cells become the text Excel shows in the General format, so the converter sees one kind of input
whatever the file was saved as: account 1000 stored as the number 1000.0 reads "1000", a date cell
reads "2017-01-04". Cell values are read as openpyxl reads them (its date-format test and serial
conversion are used as they are). Row numbers are the sheet's own, as Excel shows them, even when
rows above the header or between records are empty.
"""

from __future__ import annotations

import math
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, BinaryIO
from xml.parsers import expat

import pyarrow as pa
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

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
# The worksheet is inflated and parsed this much at a time; the rows one chunk holds are all that waits.
READ_CHUNK_BYTES = 1024 * 1024

_OTHER_ZIPS = (
    ("xl/workbook.bin", "an Excel binary workbook (.xlsb); save it as .xlsx or CSV"),
    ("word/document.xml", "a Word document"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
    ("content.xml", "an OpenDocument file; save it as .xlsx or CSV"),
)

# expat reports a namespaced name as "namespace local-name" (namespace_separator=" "), so a part
# written with prefixes (<x:row>, as some generators do) reads the same as one without.
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
_RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships "
_SHARED_STRINGS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_WORKBOOK = "xl/workbook.xml"
_STYLES = "xl/styles.xml"
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _PHONETIC = (_MAIN + tag for tag in ("row", "c", "v", "is", "t", "rPh"))


def open_xlsx(stream: BinaryIO, *, sheet: str | None = None) -> Source:
    """The first worksheet, or the one named (case-insensitively), of a seekable .xlsx stream."""
    check_zip(stream)
    stream.seek(0)
    archive = zipfile.ZipFile(stream)  # check_zip has opened it once already
    try:
        with _reading_workbook():
            book = _book(archive)
        title, part = _worksheet(book, sheet)
        rows = _rows(archive, part, book)
        header_row, header_cells = _header(rows, title)
        names = check_header(header_cells, header_row=header_row)
        details = {"sheet": title, "sheets": [name for name, _ in book.sheets], "header_row": header_row}
        chunks = prefetched(_chunks(archive, rows, names, title))
    except BaseException:
        archive.close()
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


# --- XML parts --------------------------------------------------------------------------------------------


_Handler = Callable[..., None]
_UNREADABLE = (expat.ExpatError, KeyError, ValueError, IndexError, zipfile.BadZipFile, zlib.error, EOFError, OSError)


def _unsafe(error: Exception) -> IngestRejected:
    return IngestRejected(
        "unsafe_xml",
        f"The workbook contains XML that declares entities or external references ({type(error).__name__}); "
        "it is refused unread. Save it again from Excel.",
    )


@contextmanager
def _reading_workbook() -> Iterator[None]:
    """The workbook's own parts (not the sheet) failing: the file cannot be opened at all."""
    try:
        yield
    except DefusedXmlException as error:
        raise _unsafe(error) from error
    except _UNREADABLE as error:
        raise IngestRejected(
            "unsupported_format", f"The workbook could not be opened ({error}); save it again as .xlsx or CSV."
        ) from error


def _refuse_doctype(name: str, system_id: str | None, public_id: str | None, _internal: bool) -> None:
    """Workbook parts never need a DTD; one is only there to declare entities, so it is refused outright."""
    raise DTDForbidden(name, system_id, public_id)


def _refuse_entity(
    name: str,
    _parameter: bool,
    value: str | None,
    base: str | None,
    system_id: str | None,
    public_id: str | None,
    notation: str | None,
) -> None:
    raise EntitiesForbidden(name, value, base, system_id, public_id, notation)


def _parser(start: _Handler, end: _Handler | None = None, text: _Handler | None = None) -> Any:
    """An expat parser that refuses any DOCTYPE or entity declaration instead of expanding it."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.buffer_text = True  # one text call per run of characters, not one per line or entity
    parser.buffer_size = 64 * 1024
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _parse(archive: zipfile.ZipFile, name: str, parser: Any) -> Iterator[None]:
    """Feed a part to the parser a chunk at a time, pausing after each so its results can be taken."""
    with archive.open(name) as part:
        while chunk := part.read(READ_CHUNK_BYTES):
            parser.Parse(chunk, False)
            yield
    parser.Parse(b"", True)
    yield


def _parse_all(archive: zipfile.ZipFile, name: str, parser: Any) -> None:
    for _ in _parse(archive, name, parser):
        pass


# --- the workbook: sheets, shared strings, date styles -------------------------------------------------------


@dataclass
class _Book:
    """What every cell of a sheet may need: its sheets' parts, the shared strings and which styles are dates."""

    sheets: list[tuple[str, str]] = field(default_factory=list)  # (name, part) in workbook order
    epoch: datetime = WINDOWS_EPOCH
    strings: list[str] = field(default_factory=list)
    date_styles: frozenset[int] = frozenset()
    timedelta_styles: frozenset[int] = frozenset()


def _book(archive: zipfile.ZipFile) -> _Book:
    """The workbook parts openpyxl would read for a read-only, values-only sheet, and nothing else."""
    book = _Book()
    listed, book.epoch = _workbook_sheets(archive)
    relationships = _relationships(archive, "xl/_rels/workbook.xml.rels")
    parts = set(archive.namelist())
    for name, relationship_id in listed:
        if relationship_id is None:
            continue  # openpyxl drops such a sheet too
        kind, target = relationships[relationship_id]
        if target in parts and "chartsheet" not in kind:
            book.sheets.append((name, target))
    strings = next((target for kind, target in relationships.values() if kind == _SHARED_STRINGS_TYPE), None)
    if strings is None and "xl/sharedStrings.xml" in parts:
        strings = "xl/sharedStrings.xml"
    if strings is not None and strings in parts:
        book.strings = _shared_strings(archive, strings)
    if _STYLES in parts:
        book.date_styles, book.timedelta_styles = _date_styles(archive)
    return book


def _workbook_sheets(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str | None]], datetime]:
    """Sheet names and relationship ids in workbook order, and the date system (1900 or 1904)."""
    sheets: list[tuple[str, str | None]] = []
    epoch = [WINDOWS_EPOCH]

    def start(name: str, attributes: dict[str, str]) -> None:
        if name == _MAIN + "sheet":
            sheets.append((attributes.get("name", ""), attributes.get(_RELATIONSHIP_ID)))
        elif name == _MAIN + "workbookPr" and attributes.get("date1904", "").lower() in ("1", "true"):
            epoch[0] = CALENDAR_MAC_1904

    _parse_all(archive, _WORKBOOK, _parser(start))
    return sheets, epoch[0]


def _relationships(archive: zipfile.ZipFile, name: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, part path in the ZIP), targets resolved against the part's folder."""
    folder = posixpath.dirname(posixpath.dirname(name))  # xl/_rels/workbook.xml.rels -> xl
    found: dict[str, tuple[str, str]] = {}

    def start(tag: str, attributes: dict[str, str]) -> None:
        if tag != _PACKAGE_RELS + "Relationship" or attributes.get("TargetMode") == "External":
            return
        target = attributes.get("Target", "")
        target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[attributes.get("Id", "")] = (attributes.get("Type", ""), target)

    _parse_all(archive, name, _parser(start))
    return found


def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    """Each <si> as its plain text: its <t>, or its rich-text runs' <t>s joined; phonetic runs left out."""
    strings: list[str] = []
    reader = _TextRuns(_MAIN + "si", lambda text: strings.append(text.replace("x005F_", "")))  # as openpyxl does
    _parse_all(archive, name, _parser(reader.start, reader.end, reader.text))
    return strings


class _TextRuns:
    """Collects the text of an <si> or <is> element: <t> directly in it or in its <r> runs, not in <rPh>."""

    def __init__(self, container: str, done: Callable[[str], None]) -> None:
        self.container, self.done = container, done
        self.parts: list[str] = []
        self.inside = self.collecting = self.phonetic = False

    def start(self, name: str, _attributes: Any = None) -> None:
        if name == _TEXT:
            self.collecting = self.inside and not self.phonetic
        elif name == self.container:
            self.inside, self.parts = True, []
        elif name == _PHONETIC:
            self.phonetic = True

    def end(self, name: str) -> None:
        if name == _TEXT:
            self.collecting = False
        elif name == self.container:
            self.inside = False
            self.done("".join(self.parts))
        elif name == _PHONETIC:
            self.phonetic = False

    def text(self, data: str) -> None:
        if self.collecting:
            self.parts.append(data)


def _date_styles(archive: zipfile.ZipFile) -> tuple[frozenset[int], frozenset[int]]:
    """Which cell style indexes show a number as a date or time, and which of those as a duration.

    The style's number format is looked up the way openpyxl does (custom <numFmts> first, then the
    built-in ids) and tested with openpyxl's own is_date_format and is_timedelta_format.
    """
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_xfs = [False]

    def start(name: str, attributes: dict[str, str]) -> None:
        if name == _MAIN + "numFmt":
            custom[int(attributes.get("numFmtId", "0"))] = attributes.get("formatCode", "")
        elif name == _MAIN + "cellXfs":
            in_cell_xfs[0] = True
        elif name == _MAIN + "xf" and in_cell_xfs[0]:
            formats.append(int(attributes.get("numFmtId", "0")))

    def end(name: str) -> None:
        if name == _MAIN + "cellXfs":
            in_cell_xfs[0] = False

    _parse_all(archive, _STYLES, _parser(start, end))
    codes = [custom[number] if number in custom else builtin_format_code(number) for number in formats]
    dates = frozenset(index for index, code in enumerate(codes) if is_date_format(code))
    durations = frozenset(index for index, code in enumerate(codes) if is_timedelta_format(code))
    return dates, durations


def _worksheet(book: _Book, wanted: str | None) -> tuple[str, str]:
    """(name, part) of the first sheet, or of the one named: exactly, else ignoring case and spaces."""
    if wanted is None:
        if not book.sheets:
            raise IngestRejected("sheet_not_found", "The workbook has no worksheet.")
        return book.sheets[0]
    matches = [sheet for sheet in book.sheets if sheet[0] == wanted] or [
        sheet for sheet in book.sheets if sheet[0].strip().casefold() == wanted.strip().casefold()
    ]
    if not matches:
        raise IngestRejected(
            "sheet_not_found",
            f"The workbook has no sheet {wanted!r}; its sheets are: "
            + ", ".join(repr(name) for name, _ in book.sheets)
            + ".",
        )
    return matches[0]


# --- the worksheet: rows of cell text ---------------------------------------------------------------------


_Row = tuple[int, list[str | None]]


def _rows(archive: zipfile.ZipFile, part: str, book: _Book) -> Iterator[_Row]:
    """The sheet's rows that have a value, as (Excel row number, cell texts), read a chunk at a time.

    Empty rows are left out; the gap in the numbers is what tells the batches apart.
    """
    reader = _SheetReader(book)
    parser = _parser(reader.start, reader.end, reader.text)
    try:
        for _ in _parse(archive, part, parser):
            yield from reader.rows
            reader.rows.clear()
    except DefusedXmlException as error:
        raise _unsafe(error) from error
    except _UNREADABLE as error:
        raise IngestRejected("unsupported_format", f"The worksheet XML is damaged ({error}).") from error


class _SheetReader:
    """expat handlers that turn worksheet XML into rows of cell text, as openpyxl's reader would value them.

    A row is numbered by its r attribute, else one past the row before; a row numbered at or below one
    already read is dropped, as openpyxl drops it. A cell's column is its r attribute's letters, else the
    one after the cell before; a row is as wide as its last cell.
    """

    def __init__(self, book: _Book) -> None:
        self.book = book
        self.columns: dict[str, int] = {}
        self.rows: list[_Row] = []  # finished, waiting to be taken after the chunk
        self.number = 0
        self.next_number = 1
        self.cells: list[tuple[int, str | None]] = []
        self.column = 0
        self.kind = "n"
        self.style = 0
        self.value: str | None = None  # <v>
        self.inline: str | None = None  # <is>
        self.collecting = False  # inside <v>
        self.dates: dict[tuple[str, int], str | None] = {}  # ledgers repeat a few hundred dates
        self.runs = _TextRuns(_INLINE, self._inline_done)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == _CELL:
            reference = attributes.get("r")
            if reference:
                letters = reference.rstrip("0123456789")
                self.column = self.columns.get(letters) or self._column(letters)
            else:
                self.column += 1
            self.kind = attributes.get("t", "n")
            style = attributes.get("s")
            self.style = int(style) if style else 0
            self.value = self.inline = None
        elif name == _VALUE:
            self.collecting = True
        elif name == _ROW:
            self._start_row(attributes.get("r"))
        else:
            self.runs.start(name)

    def end(self, name: str) -> None:
        if name == _VALUE:
            self.collecting = False
        elif name == _CELL:
            self.cells.append((self.column, self._cell_text()))
        elif name == _ROW:
            self._end_row()
        else:
            self.runs.end(name)

    def text(self, data: str) -> None:
        if self.collecting:  # usually one call per value; more only where a chunk or buffer ends in it
            self.value = data if self.value is None else self.value + data
        elif self.runs.collecting:
            self.runs.parts.append(data)

    def _inline_done(self, text: str) -> None:
        self.inline = text

    def _column(self, letters: str) -> int:
        """A column's index from its letters, remembered: a sheet names the same few columns on every row."""
        column: int = column_index_from_string(letters)
        self.columns[letters] = column
        return column

    def _start_row(self, reference: str | None) -> None:
        if reference is None:
            self.number += 1
        else:
            try:
                self.number = int(reference)
            except ValueError:
                number = float(reference)
                if not number.is_integer():
                    raise ValueError(f"{reference} is not a valid row number") from None
                self.number = int(number)
        self.column = 0
        self.cells = []

    def _end_row(self) -> None:
        cells, number = self.cells, self.number
        if not cells or number < self.next_number:
            return
        self.next_number = number + 1
        texts: list[str | None] = [None] * cells[-1][0]
        width = len(texts)
        for column, text in cells:
            if 0 < column <= width:
                texts[column - 1] = text
        if any(text is not None for text in texts):
            self.rows.append((number, texts))

    def _cell_text(self) -> str | None:
        """The cell's value as cell_text shows it; what openpyxl makes of each type, then its General text."""
        kind, value = self.kind, self.value
        if kind == "s" and value is not None:
            return self.book.strings[int(value)] or None
        if kind == "inlineStr":
            return self.inline or None
        if value is None:
            return None
        if kind == "n":
            return self._number_text(value)
        if kind == "b":
            return "TRUE" if int(value) else "FALSE"
        if kind == "d":
            return cell_text(from_ISO8601(value))
        return value  # str (a formula's text), e (an error such as #N/A): the text as stored

    def _date_text(self, number: float) -> str:
        try:
            moment = from_excel(number, self.book.epoch, timedelta=self.style in self.book.timedelta_styles)
        except (OverflowError, ValueError):
            return "#VALUE!"  # openpyxl's reading of a date serial out of range
        return cell_text(moment) or ""

    def _number_text(self, value: str) -> str | None:
        number: float = float(value) if "." in value or "E" in value or "e" in value else int(value)
        if self.style in self.book.date_styles:
            key = (value, self.style)
            text = self.dates.get(key)
            if text is None:
                text = self._date_text(number)
                if len(self.dates) < 100_000:
                    self.dates[key] = text
            return text
        return str(number) if isinstance(number, int) else number_text(number)  # cell_text, without its dispatch


# --- header and batches -----------------------------------------------------------------------------------


def _header(rows: Iterator[_Row], title: str) -> tuple[int, list[str | None]]:
    for number, cells in rows:
        if any(cell is not None and cell.strip() for cell in cells):
            return number, cells
    raise IngestRejected("empty_file", f"The sheet {title!r} is empty.")


def _chunks(
    archive: zipfile.ZipFile, rows: Iterator[_Row], names: list[str], title: str
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Rows collected into batches of consecutive rows; an empty (left-out) row ends a batch."""
    width = len(names)
    limit = max(1, min(MAX_BATCH_ROWS, MAX_BATCH_CELLS // max(width, 1)))
    columns: list[list[str | None]] = [[] for _ in names]
    first_row = previous = 0
    yielded = 0

    def batch() -> pa.RecordBatch:
        arrays = [pa.array(values, type=pa.string()) for values in columns]
        for values in columns:
            values.clear()
        return pa.RecordBatch.from_arrays(arrays, names=names)

    try:
        for number, cells in rows:
            _check_beyond_header(cells, width, number, title)
            if columns[0] and number != previous + 1:
                yielded += len(columns[0])
                yield first_row, batch()
            if not columns[0]:
                first_row = number
            previous = number
            cells += [None] * (width - len(cells))
            for column, cell in zip(columns, cells, strict=False):
                column.append(cell)
            if len(columns[0]) >= limit:
                yielded += len(columns[0])
                yield first_row, batch()
        if columns[0]:
            yielded += len(columns[0])
            yield first_row, batch()
    finally:
        archive.close()
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
