"""Reading Excel uploads: cell text, sheets, row numbers, and the workbooks refused before parsing."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from functions.ingestion import xlsx
from functions.ingestion.problems import IngestRejected
from functions.ingestion.sources import XLSX_TYPE, Source, open_source
from functions.ingestion.xlsx import cell_text, number_text
from tests.unit.ingestion.test_sources import ForwardOnly, rows_of

pytestmark = pytest.mark.unit

EXCEL_VIEW = Path(__file__).parents[2] / "data" / "saf-t" / "saft-financial-example-888888888-excel-view.xlsx"


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An .xlsx with the given rows; an empty list leaves its row out of the file, as Excel does."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replaced(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The same ZIP with some parts' content replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, parts.get(entry.filename, source.read(entry.filename)))
    return out.getvalue()


def opened(data: bytes, sheet: str | None = None, content_type: str | None = XLSX_TYPE) -> Source:
    return open_source(io.BytesIO(data), kind="general_ledger", content_type=content_type, sheet=sheet)


def rejected(data: bytes, sheet: str | None = None) -> IngestRejected:
    with pytest.raises(IngestRejected) as caught:
        for _ in opened(data, sheet).chunks:
            pass
    return caught.value


# --- cells -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("", None),
        ("  kept as is ", "  kept as is "),
        (True, "TRUE"),
        (False, "FALSE"),
        (1000, "1000"),
        (-7, "-7"),
        (1000.0, "1000"),
        (-0.0, "0"),
        (1234.56, "1234.56"),
        (-1234.5, "-1234.5"),
        (0.1 + 0.2, "0.3"),
        (2312.4999999999995, "2312.5"),
        (1e-05, "0.00001"),
        (1.5e-07, "0.00000015"),
        (1.5e20, "150000000000000000000"),
        (123456789012345.67, "123456789012346"),
        (datetime(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1, 13, 45, 10), "2024-03-01T13:45:10"),
        (datetime(2024, 3, 1, 13, 45, 9, 999_000), "2024-03-01T13:45:10"),
        (datetime(2024, 3, 1, 23, 59, 59, 600_000), "2024-03-02"),
        (date(2024, 3, 2), "2024-03-02"),
        (time(9, 5, 7), "09:05:07"),
        (time(0, 0), "00:00:00"),
        (timedelta(hours=30, minutes=5), "30:05:00"),
        (Decimal("1E+3"), "1000"),
    ],
)
def test_cell_text(value: Any, text: str | None) -> None:
    assert cell_text(value) == text


def test_number_text_never_uses_exponents() -> None:
    for value in (1e-10, 3.14e-5, 9.99e14, 1e16, 2.5e-300):
        assert "e" not in number_text(value).lower()


def test_cells_written_by_excel_types_read_as_text() -> None:
    row = [
        datetime(2024, 3, 1),
        datetime(2024, 3, 1, 13, 45, 10),
        date(2024, 3, 2),
        time(9, 5, 7),
        1000,
        1000.0,
        1234.56,
        0.1 + 0.2,
        1e-05,
        True,
        False,
        None,
        "JE-1",
    ]
    header = [f"c{i}" for i in range(len(row))]
    source = opened(workbook({"GL": [header, row]}))
    assert rows_of(source) == [
        (
            2,
            dict(
                zip(
                    header,
                    [
                        "2024-03-01",
                        "2024-03-01T13:45:10",
                        "2024-03-02",
                        "09:05:07",
                        "1000",
                        "1000",
                        "1234.56",
                        "0.3",
                        "0.00001",
                        "TRUE",
                        "FALSE",
                        None,
                        "JE-1",
                    ],
                    strict=True,
                )
            ),
        )
    ]


def test_header_cells_are_text_too() -> None:
    source = opened(workbook({"S": [[" Account ", 2024, datetime(2024, 1, 31)], ["1000", 5, 6]]}))
    assert source.header == ["Account", "2024", "2024-01-31"]


# --- sheets and rows ------------------------------------------------------------------------------------------


def test_first_sheet_by_default() -> None:
    source = opened(workbook({"GL": [["a"], ["1"]], "TB": [["b"], ["2"]]}))
    assert source.format == "xlsx"
    assert source.details == {"sheet": "GL", "sheets": ["GL", "TB"], "header_row": 1}
    assert rows_of(source) == [(2, {"a": "1"})]


@pytest.mark.parametrize("asked", ["TB", "tb", " Tb "])
def test_named_sheet_matches_case_insensitively(asked: str) -> None:
    source = opened(workbook({"GL": [["a"], ["1"]], "TB": [["b"], ["2"]]}), sheet=asked)
    assert source.details["sheet"] == "TB"
    assert rows_of(source) == [(2, {"b": "2"})]


def test_missing_sheet_names_the_sheets_there_are() -> None:
    error = rejected(workbook({"GL": [["a"], ["1"]], "Trial Balance": [["b"], ["2"]]}), sheet="Journal")
    assert error.code == "sheet_not_found"
    assert "'Journal'" in error.message
    assert "'GL', 'Trial Balance'" in error.message


def test_rows_are_numbered_as_excel_shows_them() -> None:
    rows = [[], [], ["JE", "Amount"], ["1", 10], ["2", 20], [], [None, None], ["3", 30], []]
    source = opened(workbook({"GL": rows}))
    assert source.details["header_row"] == 3
    chunks = [(first_row, batch.num_rows) for first_row, batch in source.chunks]
    assert chunks == [(4, 2), (8, 1)]


def test_wide_sheets_make_smaller_batches_with_exact_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_BATCH_CELLS", 9)
    source = opened(workbook({"GL": [["a", "b", "c"]] + [[str(i), i, i] for i in range(2, 12)]}))
    chunks = list(source.chunks)
    assert [(first_row, batch.num_rows) for first_row, batch in chunks] == [(2, 3), (5, 3), (8, 3), (11, 1)]
    for first_row, batch in chunks:
        assert batch.column("a").to_pylist()[0] == str(first_row)


def test_trailing_unnamed_columns_without_values_are_dropped() -> None:
    source = opened(workbook({"GL": [["a", "b", "", None], ["1", "2", None, ""]]}))
    assert source.header == ["a", "b"]
    assert rows_of(source) == [(2, {"a": "1", "b": "2"})]


def test_value_under_an_unnamed_column_is_refused_with_its_cell() -> None:
    error = rejected(workbook({"GL": [["a", "b"], ["1", "2"], ["3", "4", "stray"]]}))
    assert error.code == "missing_header"
    assert "C3" in error.message
    assert error.problems[0]["row"] == 3


def test_blank_header_between_named_columns_is_refused() -> None:
    error = rejected(workbook({"GL": [["a", None, "c"], ["1", "2", "3"]]}))
    assert error.code == "missing_header"


def test_duplicate_header_is_refused() -> None:
    error = rejected(workbook({"GL": [["Entry No", "entry_no"], ["1", "2"]]}))
    assert error.code == "duplicate_column"
    assert "'Entry No'" in error.message
    assert "'entry_no'" in error.message


def test_empty_sheet_and_header_only_sheet() -> None:
    assert rejected(workbook({"GL": []})).code == "empty_file"
    error = rejected(workbook({"GL": [["a", "b"], [], [None, ""]]}))
    assert error.code == "no_rows"
    assert "'GL'" in error.message


def test_forward_only_stream_is_spooled() -> None:
    data = workbook({"GL": [["a"], ["1"], ["2"]]})
    source = open_source(ForwardOnly(data, max_read=1000), kind="general_ledger", content_type=None)  # type: ignore[arg-type]
    assert rows_of(source) == [(2, {"a": "1"}), (3, {"a": "2"})]


# --- the SAF-T example's Excel view ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def excel_view() -> Path:
    """The Excel view published with the Norwegian SAF-T Financial example file."""
    return EXCEL_VIEW


def test_excel_view_sheets(excel_view: Path) -> None:
    with excel_view.open("rb") as stream:
        source = open_source(stream, kind="general_ledger", content_type=XLSX_TYPE)
        assert source.details["sheets"] == [
            "Disclaimer",
            "Dimensjoner",
            "Avgiftssatser",
            "Kontoer",
            "Kontospesifikasjoner",
            "Kunder",
            "Leverandører",
        ]
        assert source.details["sheet"] == "Disclaimer"


def test_excel_view_ledger_sheet(excel_view: Path) -> None:
    with excel_view.open("rb") as stream:
        source = open_source(stream, kind="general_ledger", content_type=XLSX_TYPE, sheet="kontospesifikasjoner")
        rows = rows_of(source)
    assert len(rows) == 215
    assert (rows[0][0], rows[-1][0]) == (2, 216)
    assert source.header[:5] == ["År", "Periode", "Transaksjonstype", "Kontonr.", "Kontonavn"]
    assert len(source.header) == 43
    first = rows[0][1]
    assert first["Kontonr."] == "4000"
    assert first["Bilagsdato"] == "2017-01-04"
    assert first["Beløp/Deb"] == "10000"
    assert first["Avgiftsbasis"] == "10000.00"


def test_excel_view_accounts_sheet(excel_view: Path) -> None:
    with excel_view.open("rb") as stream:
        source = open_source(stream, kind="trial_balance", content_type=None, sheet="Kontoer")
        rows = rows_of(source)
    assert source.header == [
        "Kontonr.",
        "Kontonavn",
        "Kontotype",
        "Inngående balanse",
        "Utgående balanse",
        "Standard kontonr.",
        "Grupperingskategori",
        "Grupperingskode",
        "Dato opprettet",
    ]
    assert len(rows) == 23
    assert rows[0] == (
        2,
        {
            "Kontonr.": "1250",
            "Kontonavn": "Inventar",
            "Kontotype": "GL",
            "Inngående balanse": "132500",
            "Utgående balanse": "145500",
            "Standard kontonr.": "12 - Transportmidler, inventar, maskiner o.l.",
            "Grupperingskategori": None,
            "Grupperingskode": None,
            "Dato opprettet": "2015-01-01",
        },
    )


# --- refused before or while parsing ------------------------------------------------------------------------


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl must not see this file")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_highly_compressed_part_is_a_zip_bomb(no_openpyxl: None) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"<row/>" * (1 << 18)
            for _ in range(48):  # 72 MiB that deflate to about 70 KiB
                part.write(block)
    assert len(buffer.getvalue()) < 1024 * 1024
    error = rejected(buffer.getvalue())
    assert error.code == "zip_bomb"
    assert "xl/worksheets/sheet1.xml" in error.message


def test_directory_promising_more_than_a_gibibyte_is_a_zip_bomb(no_openpyxl: None) -> None:
    data = bytearray(workbook({"GL": [["a"], ["1"]]}))
    offset = data.find(b"PK\x01\x02")
    patched = 0
    while offset != -1:  # uncompressed size is at offset 24 of each central directory record
        data[offset + 24 : offset + 28] = struct.pack("<I", 0x20000000)
        patched += 1
        offset = data.find(b"PK\x01\x02", offset + 4)
    assert patched >= 3
    error = rejected(bytes(data))
    assert error.code == "zip_bomb"
    assert "GiB" in error.message


def test_word_document_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    error = rejected(buffer.getvalue())
    assert error.code == "unsupported_format"
    assert "Word" in error.message


def test_damaged_workbook_is_unsupported() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert rejected(buffer.getvalue()).code == "unsupported_format"


def test_openpyxl_parses_through_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


# Five levels: 100,000 "lol"s if expanded, enough to show expansion, small enough not to hang if it were.
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (level, (b"&lol%d;" % (level - 1) if level > 2 else b"&lol;") * 10)
        for level in range(2, 6)
    )
    + b"]>\n"
)


def test_entity_expansion_in_a_worksheet_is_refused() -> None:
    sheet = LAUGHS + (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol5;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = replaced(workbook({"GL": [["a"], ["1"]]}), {"xl/worksheets/sheet1.xml": sheet})
    error = rejected(data)
    assert error.code == "unsafe_xml"
    assert "entities" in error.message


def test_entity_expansion_in_the_workbook_part_is_refused() -> None:
    data = workbook({"GL": [["a"], ["1"]]})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = archive.read("xl/workbook.xml")
    if book.startswith(b"<?xml"):
        book = book.split(b"?>", 1)[1]
    book = LAUGHS + book.replace(b"<workbookPr", b"<fileVersion appName='&lol5;'/><workbookPr", 1)
    assert rejected(replaced(data, {"xl/workbook.xml": book})).code == "unsafe_xml"
