"""The one writer of CSV and XLSX files: text that a spreadsheet would evaluate is written inert, numbers stay
numbers, and no other module writes such files on its own."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from shared.exports import Sheet, csv_file, inert, plain, xlsx_file

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ['=HYPERLINK("http://evil.example.com")', "+1", "-cmd", "@SUM(A1)", "\tx", "\rx"]


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/"))


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_evaluate_gets_an_apostrophe_and_reads_back_plain(text: str) -> None:
    assert inert(text) == "'" + text
    assert plain(inert(text)) == text


def test_numbers_and_ordinary_text_are_left_as_they_are() -> None:
    for value in (-5, Decimal("-250.00"), -0.5, 0, "Sale", "a=b", "'quoted", None, date(2026, 3, 2)):
        assert inert(value) == value
    assert plain("'quoted") == "'quoted", "an apostrophe before ordinary text is the text's own"


def test_the_csv_prefixes_hostile_text_and_writes_negative_numbers_as_numbers() -> None:
    data = csv_file(["name", "amount"], [[text, Decimal("-1.50")] for text in HOSTILE] + [["-", None]])
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["name", "amount"]
    assert [row[0] for row in rows[1:-1]] == ["'" + text for text in HOSTILE]
    assert {row[1] for row in rows[1:-1]} == {"-1.50"}
    assert rows[-1] == ["'-", ""]


def test_the_xlsx_holds_no_formula_only_inline_text_and_numbers() -> None:
    rows = [[text, Decimal("-1.50"), -3, "#N/A", "bell\x07"] for text in HOSTILE]
    data = xlsx_file(Sheet("Hostile =1", rows, header=["=name", "amount", "count", "code", "control"]))
    xml = _sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml
    assert 't="e"' not in xml, "#N/A from a memo is text, not an error value"
    assert re.search(r't="inlineStr"', xml)
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["'=name", "amount", "count", "code", "control"]
    # XML reads a carriage return as a line feed: the cell still starts with the apostrophe.
    assert [row[0] for row in values[1:]] == ["'" + text.replace("\r", "\n") for text in HOSTILE]
    assert {(row[1], row[2], row[3], row[4]) for row in values[1:]} == {(-1.5, -3, "#N/A", "bell\ufffd")}
    assert all(sheet.cell(row=r, column=2).data_type == "n" for r in range(2, len(HOSTILE) + 2))


def test_xlsx_sheets_keep_their_order_titles_and_number_formats() -> None:
    data = xlsx_file(
        Sheet("Sample", [[1, Decimal("1234.50")]], header=["Line", "Book value"], number_formats={1: "#,##0.00"}),
        Sheet("Design", [["Seed", "7"]]),
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Sample", "Design"]
    assert book["Sample"]["B2"].number_format == "#,##0.00" and book["Sample"]["B2"].value == 1234.5
    assert book["Sample"]["A2"].number_format == "General"
    assert [[c.value for c in row] for row in book["Design"].iter_rows()] == [["Seed", "7"]]


def test_no_other_module_writes_a_csv_or_a_workbook() -> None:
    """A writer of its own could forget the neutralising (the sampling workbook did): shared/exports.py is
    the only one. Reading files (ingestion, a filled-in workbook) is not writing them."""
    writer = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|\.save\(\s*(out|buffer)")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("functions", "shared", "aura_local")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "shared" / "exports.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if writer.search(line)
    ]
    assert found == []
