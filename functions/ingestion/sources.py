"""An uploaded file as a header and a stream of string batches, whatever it was saved as.

Everything downstream (header aliases, value conversion, COPY) works on one shape: column names as the
file spells them and Arrow batches of strings, each batch tagged with the spreadsheet row of its first
record, so a problem found anywhere can name the row the auditor sees in Excel (the header is row 1
when it is the first line). The file is never held whole: an upload can be a blob stream that only
reads forward, and a general ledger can be millions of lines.

The format is decided by the bytes, not by the name or the declared content type: a workbook starts
with a ZIP signature, SAF-T with `<`, anything else textual is CSV. A declared content type that
disagrees with the bytes is refused rather than guessed around, because it usually means the wrong
file was picked.

CSV rows are counted as records, not lines: a quoted value with a line break inside is one row, which
is also how Excel numbers it when it opens the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from functions.ingestion.problems import IngestRejected, ProblemLog, shown

# What the readers accept: a file, a blob download, or one of the wrappers below.
ByteStream = BinaryIO | io.RawIOBase

MAX_BATCH_ROWS = 65_536
SNIFF_BYTES = 1024 * 1024
BINARY_SNIFF_BYTES = 64 * 1024
# pyarrow reads up to 32 blocks ahead of the batch being handed out, so the block size bounds memory
# (64 MiB of raw text here); it also caps one record's length.
CSV_BLOCK_BYTES = 2 * 1024 * 1024
SNIFF_RECORDS = 50
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What each accepted content type may hold. text/plain is what many tools call any text file.
DECLARED_FORMATS = {
    "text/csv": {"csv"},
    "application/csv": {"csv"},
    "text/tab-separated-values": {"csv"},
    "text/plain": {"csv", "saft"},
    XLSX_TYPE: {"xlsx"},
    "application/xml": {"saft"},
    "text/xml": {"saft"},
}
# Types that say nothing about the content: browsers send octet-stream for unknown extensions, and on
# Windows machines with Excel installed they label every .csv as application/vnd.ms-excel. A real
# .xls is still refused, by its bytes.
UNINFORMATIVE_TYPES = {"application/octet-stream", "binary/octet-stream", "application/vnd.ms-excel"}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# Only to name a wrong file in the message; anything unlisted is caught by the control-byte test.
KNOWN_BINARY = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
# Bytes below 0x20 that text files do contain: tab, line feed, form feed, carriage return, and the
# DOS end-of-file mark some old exports still write.
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26)) + b"\x7f"
CP1252_UNDEFINED = "\ufffd"  # what cp1252 decoding with errors="replace" makes of 0x81, 0x8D, 0x8F, 0x90, 0x9D
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass
class Source:
    """A file ready to be read once, front to back.

    `chunks` reads the underlying stream lazily, so the stream must stay open until it is exhausted.
    Problems found while reading (malformed rows, bad encoding further down) are raised from the
    iteration; malformed rows are all collected first and raised after the last batch. For a CSV
    whose first megabyte is plain ASCII, `details["encoding"]` says "ascii" until the first non-ASCII
    byte shows whether the file is UTF-8 or cp1252, and is updated then.
    """

    format: str
    header: list[str]
    chunks: Iterator[tuple[int, pa.RecordBatch]]
    details: dict[str, Any]
    control_totals: dict[str, Any] | None = None


def open_source(stream: BinaryIO, *, kind: str, content_type: str | None, sheet: str | None = None) -> Source:
    """Sniff the format from the bytes, check it against the declared type, and open the right reader.

    Errors that can be seen at the start (empty, binary, wrong type, bad header, no data rows) are
    raised here, before any batch is handed out.
    """
    start = _tell(stream)
    head = _read_up_to(stream, SNIFF_BYTES)
    found = sniff_format(head, at_eof=len(head) < SNIFF_BYTES)
    _check_content_type(content_type, found)
    if found == "xlsx":
        from functions.ingestion.xlsx import open_xlsx

        return open_xlsx(_seekable(stream, head, start), sheet=sheet)
    if found == "saft":
        from functions.ingestion.saft import open_saft

        return open_saft(_rewound(stream, head, start), kind=kind)
    return open_csv(_Prefixed(head, stream))


def sniff_format(head: bytes, *, at_eof: bool) -> str:
    """The format the first bytes of a file show ("csv", "xlsx" or "saft"), or a refusal saying why."""
    if at_eof and not head.lstrip(codecs.BOM_UTF8).strip():
        raise IngestRejected("empty_file", "The file is empty" + (" (0 bytes)." if not head else ": it holds no text."))
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(EMPTY_ZIP_MAGIC):
        raise IngestRejected("unsupported_format", "The file is an empty ZIP archive, not an Excel workbook.")
    if head.startswith(OLE2_MAGIC):
        raise IngestRejected(
            "unsupported_format",
            "The file is an old-style Excel workbook (.xls) or a password-protected one, which cannot be read: "
            "open it in Excel and save it as .xlsx (without a password) or as CSV.",
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestRejected(
            "encoding_error", "The file is UTF-16 text (Excel's 'Unicode text'); save it as CSV UTF-8 instead."
        )
    if head.lstrip(codecs.BOM_UTF8).lstrip().startswith(b"<"):
        return "saft"
    for magic, what in KNOWN_BINARY:
        if head.startswith(magic):
            raise IngestRejected("binary_file", f"The file is {what}, not a CSV, Excel workbook or SAF-T file.")
    if _looks_binary(head[:BINARY_SNIFF_BYTES]):
        raise IngestRejected(
            "binary_file", "The file holds binary data, not text: upload a CSV, an Excel workbook (.xlsx) or SAF-T XML."
        )
    return "csv"


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    return controls > len(sample) // 10


def _check_content_type(content_type: str | None, found: str) -> None:
    if not content_type:
        return
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in UNINFORMATIVE_TYPES:
        return
    allowed = DECLARED_FORMATS.get(media_type)
    if allowed is None:
        accepted = ", ".join(sorted(DECLARED_FORMATS))
        raise IngestRejected(
            "content_type_mismatch",
            f"The upload was declared as {media_type}, which is not accepted here (accepted: {accepted}); "
            f"its content looks like {_FORMAT_NAMES[found]}.",
        )
    if found not in allowed:
        raise IngestRejected(
            "content_type_mismatch",
            f"The upload was declared as {media_type} but its content is {_FORMAT_NAMES[found]}; "
            "check that the right file was chosen.",
        )


_FORMAT_NAMES = {"csv": "CSV text", "xlsx": "an Excel workbook (a ZIP archive)", "saft": "XML"}


# --- CSV -------------------------------------------------------------------------------------------------


def open_csv(raw: ByteStream) -> Source:
    """Read the header and delimiter from the first megabyte, then stream the rest through pyarrow."""
    prefixed = raw if isinstance(raw, _Prefixed) else _Prefixed(b"", raw)
    if _read_up_to(prefixed, len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
        return _open_csv_text(prefixed, {"encoding": "utf-8", "bom": True})
    prefixed.rewind()
    return _open_csv_text(prefixed, {"encoding": "ascii", "bom": False})


def _open_csv_text(raw: ByteStream, details: dict[str, Any]) -> Source:
    utf8 = _ToUtf8(raw, details)
    sample = _read_up_to(utf8, SNIFF_BYTES)
    at_eof = len(sample) < SNIFF_BYTES
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(sample, final=at_eof)

    delimiter = sniff_delimiter(text, complete=at_eof)
    blank_lines, header_cells, header_end = _header_record(text, delimiter)
    if header_cells is None:
        raise IngestRejected("empty_file", "The file holds no text.")
    if _has_surrogates(header_cells) or CP1252_UNDEFINED in "".join(header_cells):
        raise IngestRejected("encoding_error", "The header row is neither valid UTF-8 nor cp1252 text.")
    header_row = blank_lines + 1
    names = check_header(header_cells, header_row=header_row)
    if at_eof and not text[header_end:].strip():
        raise IngestRejected("no_rows", "The file has a header row but no data rows.")
    details.update(delimiter=delimiter, header_row=header_row)

    rest = sample[len(text[:header_end].encode("utf-8", "surrogateescape")) :]
    # Trailing header cells left blank (a trailing delimiter) still take a field in every row; they get
    # placeholder names and are dropped, provided they really are empty.
    column_names = names + [f"\x00unnamed {i}" for i in range(len(names) + 1, len(header_cells) + 1)]
    # Full reads: pyarrow takes each read as a block, and a record may only straddle two of them.
    data = io.BufferedReader(_Prefixed(rest, utf8), buffer_size=CSV_BLOCK_BYTES)
    chunks = _csv_chunks(data, utf8, delimiter, column_names, names, header_row)
    return Source("csv", names, prefetched(chunks), details)


def sniff_delimiter(text: str, *, complete: bool) -> str:
    """The delimiter among , ; tab | that splits the first records into the same number of fields.

    Delimiters inside quoted values do not count. When several are consistent the one giving the most
    columns wins; when none is, the one that is consistent most often. With a single record the
    header alone decides; with no delimiter at all the file has one column.
    """
    counts: dict[str, list[int]] = {}
    for delimiter in DELIMITERS:
        records = [r for r in _records(text, delimiter, complete=complete, limit=SNIFF_RECORDS) if r]
        counts[delimiter] = [len(r) - 1 for r in records]
    candidates = [d for d in DELIMITERS if counts[d] and counts[d][0] > 0]
    if not candidates:
        return ","

    def score(delimiter: str) -> tuple[float, int]:
        seen = counts[delimiter]
        return sum(c == seen[0] for c in seen) / len(seen), seen[0]

    return max(candidates, key=score)


def _records(text: str, delimiter: str, *, complete: bool, limit: int) -> Iterator[list[str]]:
    lines = _lines(text, complete=complete)
    try:
        for number, record in enumerate(csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False)):
            if number >= limit:
                return
            yield record
    except csv.Error:  # a field beyond the csv module's size limit: no help in sniffing
        return


def _lines(text: str, *, complete: bool) -> Iterator[str]:
    """Lines with their terminators; a last line cut off by the end of the sample is left out."""
    for match in _LINE.finditer(text):
        line = match.group()
        if complete or line.endswith(("\n", "\r")) and match.end() < len(text):
            yield line


def _header_record(text: str, delimiter: str) -> tuple[int, list[str] | None, int]:
    """Blank lines before the header, the header's cells, and where the header ends in `text`."""
    ends: list[int] = []
    lines = _lines(text, complete=True)

    def counted() -> Iterator[str]:
        for line in lines:
            ends.append((ends[-1] if ends else 0) + len(line))
            yield line

    blank = 0
    try:
        for record in csv.reader(counted(), delimiter=delimiter, quotechar='"', strict=False):
            if any(cell.strip() for cell in record):
                return blank, record, ends[-1]
            blank += 1
    except csv.Error as error:  # above all a field beyond the csv module's size limit
        raise _unreadable_record(blank + 1, error) from error
    return blank, None, len(text)


def _unreadable_record(row: int, error: csv.Error) -> IngestRejected:
    """A header record the csv module gives up on, named with its row; the same file fails the same way,
    so this is the file's problem, told on the first delivery."""
    limit = csv.field_size_limit()
    if "field limit" not in str(error):
        return IngestRejected(
            "malformed_row",
            f"Row {row} could not be read as CSV ({error}).",
            problems=[{"row": row, "column": None, "value": None, "reason": str(error)}],
        )
    return IngestRejected(
        "field_too_large",
        f"Row {row} has a field longer than {limit:,} characters, the most a field may hold: the file is "
        "probably not split into columns as expected. Check its delimiter and quote characters, or save it "
        "again as CSV.",
        problems=[{"row": row, "column": None, "value": None, "reason": f"a field longer than {limit:,} characters"}],
    )


def check_header(cells: Sequence[str | None], *, header_row: int) -> list[str]:
    """Column names as the file spells them, without surrounding spaces and trailing blank cells.

    Refuses a blank name between named columns (the column could not be mapped or reported) and two
    names that only differ in case, spaces, underscores or hyphens (header matching could not tell
    them apart).
    """
    names = [(cell or "").strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    for position, name in enumerate(names, start=1):
        if not name:
            where = f"after {names[position - 2]!r}" if position > 1 else "the first column"
            raise IngestRejected(
                "missing_header",
                f"Column {position} ({where}) has no name in the header row (row {header_row}); "
                "name it or remove the column.",
                problems=[{"row": header_row, "column": None, "value": None, "reason": f"column {position} unnamed"}],
            )
    seen: dict[str, tuple[int, str]] = {}
    for position, name in enumerate(names, start=1):
        key = header_key(name)
        if key in seen:
            first_position, first = seen[key]
            raise IngestRejected(
                "duplicate_column",
                f"Columns {first_position} ({first!r}) and {position} ({name!r}) have the same name once case, "
                "spaces, underscores and hyphens are ignored; rename or remove one of them.",
                problems=[{"row": header_row, "column": name, "value": shown(name), "reason": "duplicate column"}],
            )
        seen[key] = (position, name)
    return names


def header_key(name: str) -> str:
    """How header names compare: `Journal_ID`, `journal id` and `JOURNAL-ID` are one name."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


def _has_surrogates(cells: list[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for cell in cells for ch in cell)


def _csv_chunks(
    data: BinaryIO,
    utf8: _ToUtf8,
    delimiter: str,
    column_names: list[str],
    names: list[str],
    header_row: int,
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """pyarrow's batches, cut so that each one is a run of consecutive rows with no blank line in it.

    pyarrow numbers the records it reads from the data (header excluded), and skips the malformed ones
    it reports; the skipped record numbers are what keeps the row numbers of later batches exact.
    """
    problems = ProblemLog()
    skipped: list[int] = []

    def on_invalid(row: Any) -> str:
        skipped.append(row.number)
        if row.text.strip():
            problems.add(
                row=header_row + row.number,
                column=None,
                value=row.text,
                reason=f"expected {row.expected_columns} fields, found {row.actual_columns}",
            )
        return "skip"

    try:  # pyarrow parses the first block here already
        reader = pacsv.open_csv(
            data,
            read_options=pacsv.ReadOptions(column_names=column_names, block_size=CSV_BLOCK_BYTES, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                newlines_in_values=True,
                ignore_empty_lines=False,  # a blank line is a row of nulls, so it keeps its number
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(column_names, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                check_utf8=False,  # checked per batch below, where the row of a bad byte is known
            ),
        )
    except pa.ArrowInvalid as error:
        raise IngestRejected("malformed_row", f"The CSV could not be read after row {header_row}: {error}") from error
    record = 1  # pyarrow's number of the next record: the first after the header
    skip_at = 0
    rows = 0
    batches = iter(reader)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except pa.ArrowInvalid as error:
            raise IngestRejected(
                "malformed_row", f"The CSV could not be read after row {header_row + record - 1}: {error}"
            ) from error
        start = 0
        while start < batch.num_rows:
            while skip_at < len(skipped) and skipped[skip_at] <= record:
                record += skipped[skip_at] == record
                skip_at += 1
            run = batch.num_rows - start
            if skip_at < len(skipped):
                run = min(run, skipped[skip_at] - record)
            first_row = header_row + record
            part = batch.slice(start, run)
            _check_encoding(part, first_row, utf8)
            part = _without_unnamed(part, names, first_row)
            for row, piece in without_empty_rows(part, first_row):
                rows += piece.num_rows
                yield row, piece
            start += run
            record += run
    if problems:
        raise problems.reject(
            "malformed_row",
            f"{problems.count} row(s) do not have the {len(column_names)} fields of the header "
            f"(delimiter: {DELIMITER_NAMES[delimiter]}); quote values that contain the delimiter.",
        )
    if not rows:
        raise IngestRejected("no_rows", "The file has a header row but no data rows.")


def _check_encoding(batch: pa.RecordBatch, first_row: int, utf8: _ToUtf8) -> None:
    if utf8.mode == "utf-8":
        try:
            batch.validate(full=True)
        except pa.ArrowInvalid:
            _raise_bad_utf8(batch, first_row)
    if utf8.saw_undefined:
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            hits = pc.indices_nonzero(pc.fill_null(pc.match_substring(column, CP1252_UNDEFINED), False))
            if len(hits):
                index = hits[0].as_py()
                raise IngestRejected(
                    "encoding_error",
                    f"Row {first_row + index}, column {_shown_name(name)!r} holds a byte that is neither UTF-8 nor "
                    "cp1252 text; save the file again as CSV UTF-8.",
                    problems=[
                        {
                            "row": first_row + index,
                            "column": _shown_name(name),
                            "value": shown(column[index].as_py()),
                            "reason": "undecodable byte",
                        }
                    ],
                )


def _raise_bad_utf8(batch: pa.RecordBatch, first_row: int) -> None:
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        for index, value in enumerate(column.cast(pa.binary()).to_pylist()):
            if value is None:
                continue
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                raise IngestRejected(
                    "encoding_error",
                    f"Row {first_row + index}, column {_shown_name(name)!r} is not valid UTF-8, although the file "
                    "started as UTF-8; it mixes encodings. Save it again as CSV UTF-8.",
                    problems=[
                        {
                            "row": first_row + index,
                            "column": _shown_name(name),
                            "value": shown(value.decode("utf-8", "replace")),
                            "reason": "invalid UTF-8",
                        }
                    ],
                ) from None
    raise IngestRejected("encoding_error", f"Rows from {first_row} on are not valid UTF-8.")


def _shown_name(name: str) -> str:
    return "(unnamed)" if name.startswith("\x00") else name


def _without_unnamed(batch: pa.RecordBatch, names: list[str], first_row: int) -> pa.RecordBatch:
    if batch.num_columns == len(names):
        return batch
    for position in range(len(names), batch.num_columns):
        column = batch.column(position)
        if column.null_count != len(column):
            index = pc.indices_nonzero(column.is_valid())[0].as_py()
            raise IngestRejected(
                "missing_header",
                f"Row {first_row + index} has a value in column {position + 1}, which has no name in the header row.",
                problems=[
                    {
                        "row": first_row + index,
                        "column": None,
                        "value": shown(column[index].as_py()),
                        "reason": f"column {position + 1} unnamed",
                    }
                ],
            )
    return batch.select(list(range(len(names))))


def without_empty_rows(batch: pa.RecordBatch, first_row: int) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Runs of consecutive rows that have at least one value, at most MAX_BATCH_ROWS each.

    A row with no value at all (a blank line, `;;;;`) carries nothing to load and would only produce
    "missing value" problems; leaving it out while keeping the numbers of the rows after it is why a
    batch may be cut in two.
    """
    if batch.num_rows == 0:
        return
    if batch.num_columns == 0 or min(c.null_count for c in batch.columns) == 0:
        runs: Iterator[tuple[int, int]] = iter([(0, batch.num_rows)])
    else:
        empty = batch.column(0).is_null()
        for column in batch.columns[1:]:
            empty = pc.and_(empty, column.is_null())
        runs = _runs(pc.indices_nonzero(pc.invert(empty)).to_pylist())
    for start, length in runs:
        for offset in range(0, length, MAX_BATCH_ROWS):
            size = min(MAX_BATCH_ROWS, length - offset)
            yield first_row + start + offset, batch.slice(start + offset, size)


def _runs(indices: list[int]) -> Iterator[tuple[int, int]]:
    """(start, length) of each stretch of consecutive numbers in a sorted list."""
    if not indices:
        return
    start = previous = indices[0]
    for index in indices[1:]:
        if index != previous + 1:
            yield start, previous - start + 1
            start = index
        previous = index
    yield start, previous - start + 1


# --- streams ---------------------------------------------------------------------------------------------


def prefetched(chunks: Iterator[tuple[int, pa.RecordBatch]]) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Reads the first batch now, so that a file that fails at once fails in open_source."""
    first = next(chunks, None)

    def resumed() -> Iterator[tuple[int, pa.RecordBatch]]:
        if first is not None:
            yield first
            yield from chunks

    return resumed()


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a forward-only stream: a peek that needs no seek."""

    def __init__(self, prefix: bytes, stream: ByteStream) -> None:
        self._prefix = memoryview(prefix)
        self._position = 0  # in the prefix
        self._stream = stream
        self._past_prefix = False

    def rewind(self) -> None:
        """Offer the prefix again from its start; only while nothing beyond it has been read."""
        if self._past_prefix:
            raise io.UnsupportedOperation("already read past the peeked bytes")
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._position < len(self._prefix):
            size = min(len(buffer), len(self._prefix) - self._position)
            buffer[:size] = self._prefix[self._position : self._position + size]
            self._position += size
            return size
        data = self._stream.read(len(buffer))
        if not data:
            return 0
        self._past_prefix = True  # only once the stream has given more: a file shorter than a peek can rewind
        buffer[: len(data)] = data
        return len(data)


class _ToUtf8(io.RawIOBase):
    """The CSV's bytes as UTF-8, deciding the encoding at the first non-ASCII byte.

    A file that is ASCII for a megabyte says nothing about its encoding yet, so the decision waits for
    the first chunk with a non-ASCII byte: valid UTF-8 there, or at least up to its first non-ASCII
    character, means UTF-8 (passed through; later bytes are validated per batch); anything else means
    cp1252 (transcoded here, chunk by chunk). A chunk
    ending in the middle of a UTF-8 character is extended by a few bytes before deciding. cp1252's
    five undefined bytes become U+FFFD, which cp1252 text can never contain, and are reported with
    their row by the reader.
    """

    def __init__(self, raw: ByteStream, details: dict[str, Any]) -> None:
        self._raw = raw
        self._details = details
        self.mode: str = details["encoding"]
        self.saw_undefined = False
        self._out = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._out:
            chunk = self._raw.read(max(len(buffer), 64 * 1024))
            if not chunk:
                return 0
            self._out = memoryview(self._convert(chunk))
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def _convert(self, chunk: bytes) -> bytes:
        if self.mode == "ascii":
            if chunk.isascii():
                return chunk
            chunk = self._decide(chunk)
        if self.mode == "cp1252":
            text = chunk.decode("cp1252", "replace")
            if CP1252_UNDEFINED in text:
                self.saw_undefined = True
            return text.encode("utf-8")
        return chunk

    def _decide(self, chunk: bytes) -> bytes:
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(chunk)
            while decoder.getstate()[0]:
                more = self._raw.read(1)
                chunk += more
                decoder.decode(more, final=not more)
            self.mode = "utf-8"
        except UnicodeDecodeError as error:
            # Valid UTF-8 characters before the bad byte: a UTF-8 file with a foreign row, which the
            # per-batch check reports with its row rather than cp1252 turning "ü" into "Ã¼" unnoticed.
            self.mode = "cp1252" if chunk[: error.start].isascii() else "utf-8"
        self._details["encoding"] = self.mode
        return chunk


def _tell(stream: BinaryIO) -> int | None:
    try:
        return stream.tell() if stream.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _read_up_to(stream: Any, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end: a network stream may return short reads."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = stream.read(remaining)
        if not data:
            break
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def _seekable(stream: BinaryIO, head: bytes, start: int | None) -> BinaryIO:
    """The whole file as a seekable stream (a ZIP directory is at the end), spooled if need be."""
    if start is not None:
        stream.seek(start)
        return stream
    import shutil
    import tempfile

    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - handed to the caller
    spool.write(head)
    shutil.copyfileobj(stream, spool, 1024 * 1024)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def _rewound(stream: BinaryIO, head: bytes, start: int | None) -> BinaryIO:
    if start is not None:
        stream.seek(start)
        return stream
    return io.BufferedReader(_Prefixed(head, stream), buffer_size=1024 * 1024)


__all__ = [
    "Source",
    "check_header",
    "header_key",
    "open_csv",
    "open_source",
    "prefetched",
    "sniff_delimiter",
    "sniff_format",
    "without_empty_rows",
]
