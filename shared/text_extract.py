"""Plain text out of the evidence a firm keeps (PDF, DOCX, XLSX, CSV, text), with where each piece came from.

The assistant cites a page, a sheet's row or a paragraph, so extraction returns (locator, text) pairs
rather than one string. DOCX is read as the XML it is (defusedxml, no python-docx); XLSX with openpyxl
in read-only mode; PDF with pypdf. Anything else, or a file that does not parse, gives nothing: a
broken upload must not stop the engagement from being indexed.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Sequence

log = logging.getLogger(__name__)

# Bigger files are not read for text: their pages would dominate the index and the time to build it.
MAX_BYTES = 20 * 1024 * 1024
_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ROWS_PER_PIECE = 20


def extract(filename: str, data: bytes) -> list[tuple[str, str]]:
    """(locator, text) pieces of the file, in document order; empty when the type is not one we read."""
    if len(data) > MAX_BYTES:
        return []
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    reader = _READERS.get(suffix)
    if reader is None:
        return []
    try:
        return [(locator, text.strip()) for locator, text in reader(data) if text.strip()]
    except Exception as error:  # noqa: BLE001 - any parser failure means "no text", never a failed index
        log.warning("no text extracted from %s: %s", filename, type(error).__name__)
        return []


def _pdf(data: bytes) -> list[tuple[str, str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [(f"page {number}", page.extract_text() or "") for number, page in enumerate(reader.pages, start=1)]


def _docx(data: bytes) -> list[tuple[str, str]]:
    from defusedxml import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(archive.read("word/document.xml"))
    pieces = []
    for number, paragraph in enumerate(root.iter(f"{_WORD_NS}p"), start=1):
        text = "".join(node.text or "" for node in paragraph.iter(f"{_WORD_NS}t"))
        pieces.append((f"paragraph {number}", text))
    return pieces


def _xlsx(data: bytes) -> list[tuple[str, str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    pieces = []
    try:
        for sheet in workbook.worksheets:
            pieces.extend(_row_pieces(sheet.title, sheet.iter_rows(values_only=True)))
    finally:
        workbook.close()
    return pieces


def _csv(data: bytes) -> list[tuple[str, str]]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    return _row_pieces("", rows)


def _row_pieces(sheet: str, rows: Iterable[Sequence[object]]) -> list[tuple[str, str]]:
    """Rows in groups of _ROWS_PER_PIECE, each group cited by its row range (`Sheet!rows 1-20`)."""
    pieces: list[tuple[str, str]] = []
    lines: list[str] = []
    first = number = 1
    for number, row in enumerate(rows, start=1):
        cells = [str(value) for value in row if value is not None and str(value).strip()]
        if cells:
            lines.append(" | ".join(cells))
        if number - first + 1 == _ROWS_PER_PIECE:
            if lines:
                pieces.append((_rows_locator(sheet, first, number), "\n".join(lines)))
            lines, first = [], number + 1
    if lines:
        pieces.append((_rows_locator(sheet, first, number), "\n".join(lines)))
    return pieces


def _rows_locator(sheet: str, first: int, last: int) -> str:
    rows = f"rows {first}-{last}" if last > first else f"row {first}"
    return f"{sheet}!{rows}" if sheet else rows


def _text(data: bytes) -> list[tuple[str, str]]:
    return [("text", data.decode("utf-8", errors="replace"))]


_READERS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "xlsm": _xlsx, "csv": _csv, "txt": _text, "md": _text}
