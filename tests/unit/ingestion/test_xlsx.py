"""Reading Excel uploads: cell text, sheets, row numbers, and the workbooks refused before parsing."""

from __future__ import annotations

import hashlib
import io
import json
import re
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


def test_a_plain_doctype_is_refused_too() -> None:
    data = workbook({"GL": [["a"], ["1"]]})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    error = rejected(replaced(data, {"xl/worksheets/sheet1.xml": b"<!DOCTYPE worksheet>" + sheet}))
    assert error.code == "unsafe_xml"


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml"])
def test_entity_expansion_in_any_other_part_is_refused(part: str) -> None:
    with zipfile.ZipFile(io.BytesIO(HAND_WRITTEN)) as archive:
        content = archive.read(part)
    content = LAUGHS + content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else LAUGHS + content
    error = rejected(replaced(HAND_WRITTEN, {part: content}))
    assert error.code == "unsafe_xml"
    assert "entities" in error.message


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml"])
def test_damaged_workbook_part_is_unsupported(part: str) -> None:
    with zipfile.ZipFile(io.BytesIO(HAND_WRITTEN)) as archive:
        content = archive.read(part)
    error = rejected(replaced(HAND_WRITTEN, {part: content[: len(content) // 2]}))
    assert error.code == "unsupported_format"
    assert "could not be opened" in error.message


def test_damaged_worksheet_xml_is_unsupported() -> None:
    data = workbook({"GL": [["a"]] + [[str(i)] for i in range(100)]})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    error = rejected(replaced(data, {"xl/worksheets/sheet1.xml": sheet.replace(b"</row>", b"</rov>", 50)}))
    assert error.code == "unsupported_format"
    assert "damaged" in error.message


# --- cell types, styles and rows as openpyxl read them ------------------------------------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HAND_WRITTEN_SHEET = (
    f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><dimension ref="A1:B2"/><sheetData>'
    # the header: shared strings (plain, rich text with a phonetic run, escaped, x005F_, empty), then numbers
    '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c>'
    '<c r="D2" t="s"><v>3</v></c><c r="E2" t="s"><v>5</v></c><c r="F2"><v>1</v></c><c r="G2"><v>2</v></c>'
    '<c r="H2"><v>3</v></c><c r="I2"><v>4</v></c><c r="J2"><v>5</v></c><c r="K2"><v>6</v></c>'
    '<c r="L2"><v>7</v></c></row>'
    # booleans, an error, a formula's text, an inline rich string, then one number in each cell style
    '<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="b"><v>0</v></c><c r="C3" t="e"><v>#N/A</v></c>'
    '<c r="D3" t="str"><f>A1</f><v>formula text</v></c>'
    '<c r="E3" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r><rPh sb="0" eb="1"><t>X</t></rPh></is></c>'
    '<c r="F3" s="1"><v>43466</v></c><c r="G3" s="2"><v>1.2604166666666667</v></c><c r="H3" s="3"><v>43466.75</v></c>'
    '<c r="I3" s="4"><v>3.5</v></c><c r="J3" s="5"><v>-2.5E-3</v></c><c r="K3" s="6"><v>0.5</v></c>'
    '<c r="L3" s="7"><v>0.0104166</v></c></row>'
    # no r attributes: the row and its cells count on
    '<row><c t="s"><v>4</v></c><c><v/></c><c s="1"><v>0</v></c><c s="1"><v>59</v></c><c s="1"><v>61</v></c>'
    '<c s="1"><v>1e10</v></c><c t="d"><v>2024-03-01T10:00:00</v></c><c s="1"><v>43466.99999999</v></c>'
    '<c t="inlineStr"/><c t="str"><v></v></c><c><v>1E+22</v></c><c><v>123456789012345678</v></c></row>'
    # a gap, then rows numbered at or below one already read, which openpyxl drops
    '<row r="6"><c r="A6" t="str"><v>x</v></c><c r="C6" t="str"><v>z</v></c></row>'
    '<row r="5"><c r="A5" t="str"><v>dropped</v></c></row><row r="6"><c r="A6" t="str"><v>dup</v></c></row>'
    # a row is as wide as its last cell; a row number may be written as a float
    '<row r="8"><c r="B8"><v>7</v></c><c r="A8"><v>8</v></c></row><row r="9.0"><c r="A9"><v>9</v></c></row>'
    "</sheetData></worksheet>"
)
HAND_WRITTEN_STYLES = (
    f'<?xml version="1.0"?><styleSheet xmlns="{MAIN_NS}"><numFmts count="5">'
    '<numFmt numFmtId="164" formatCode="[h]:mm:ss"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="166" formatCode="&quot;d&quot;0.00"/><numFmt numFmtId="167" formatCode="[Red]0.00"/>'
    '<numFmt numFmtId="168" formatCode="hh:mm"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/>'
    '<xf numFmtId="166"/><xf numFmtId="167"/><xf numFmtId="168"/><xf numFmtId="47"/></cellXfs></styleSheet>'
)
HAND_WRITTEN_STRINGS = (
    f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}"><si><t>plain</t></si>'
    '<si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>'
    '<si><t xml:space="preserve">  spaced &amp; escaped  </t></si><si><t>a_x005F_x000D_b</t></si><si><t/></si>'
    "<si><t>Æøå</t></si></sst>"
)


def hand_written(sheet: str = HAND_WRITTEN_SHEET, *, date1904: bool = False) -> bytes:
    """A workbook written part by part, as other programs than openpyxl write them."""
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{spreadsheet}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{spreadsheet}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{spreadsheet}.sharedStrings+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{spreadsheet}.styles+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{rels}">'
        f'<Relationship Id="rId1" Type="{office}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="{office}">'
        + ('<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>")
        + '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{rels}">'
        f'<Relationship Id="rId1" Type="{office}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{office}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{office}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": HAND_WRITTEN_STYLES,
        "xl/sharedStrings.xml": HAND_WRITTEN_STRINGS,
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


HAND_WRITTEN = hand_written()
HAND_WRITTEN_HEADER = ["plain", "rich text", "spaced & escaped", "a_x000D_b", "Æøå", "1", "2", "3", "4", "5", "6", "7"]


def hand_written_rows(dates: tuple[str, str, str, str, str]) -> list[tuple[int, list[str | None]]]:
    """What openpyxl read from the hand-written sheet; dates differ with the date system."""
    day, moment, before_leap, after_leap, next_day = dates
    third: list[str | None] = ["TRUE", "FALSE", "#N/A", "formula text", "inline", day, "30:15:00", moment]
    return [
        (3, third + ["3.5", "-0.0025", "12:00:00", "00:15:00"]),
        (4, [None, None, "00:00:00", before_leap, after_leap, "#VALUE!", "2024-03-01T10:00:00", next_day, None, None]
         + ["10000000000000000000000", "123456789012345678"]),
        (6, ["x", None, "z"] + [None] * 9),
        (8, ["8"] + [None] * 11),
        (9, ["9"] + [None] * 11),
    ]  # fmt: skip


def values_of(source: Source) -> list[tuple[int, list[str | None]]]:
    return [(number, list(row.values())) for number, row in rows_of(source)]


def test_cell_types_and_number_formats_read_as_openpyxl_read_them() -> None:
    source = opened(HAND_WRITTEN)
    assert source.header == HAND_WRITTEN_HEADER
    assert source.details["header_row"] == 2
    dates = ("2019-01-01", "2019-01-01T18:00:00", "1900-02-28", "1900-03-01", "2019-01-02")
    assert values_of(source) == hand_written_rows(dates)
    assert [(first_row, batch.num_rows) for first_row, batch in opened(HAND_WRITTEN).chunks] == [(3, 2), (6, 1), (8, 2)]


def test_the_1904_date_system() -> None:
    dates = ("2023-01-02", "2023-01-02T18:00:00", "1904-02-29", "1904-03-02", "2023-01-03")
    assert values_of(opened(hand_written(date1904=True))) == hand_written_rows(dates)


def test_prefixed_element_names_read_the_same() -> None:
    sheet = HAND_WRITTEN_SHEET.replace(f'<worksheet xmlns="{MAIN_NS}">', f'<x:worksheet xmlns:x="{MAIN_NS}">')
    sheet = re.sub(r"<(/?)(?!x:|\?)([a-zA-Z]+)", r"<\1x:\2", sheet)
    assert "<x:row" in sheet
    assert values_of(opened(hand_written(sheet))) == values_of(opened(HAND_WRITTEN))


def test_chunk_boundaries_anywhere_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    data = workbook(
        {"GL": [["a", "b", "c"]] + [[f"text {i} &<>", i * 1.5, date(2024, 1, 1 + i % 28)] for i in range(300)]}
    )
    whole = values_of(opened(data))
    for size in (1, 7, 64, 4096):
        monkeypatch.setattr(xlsx, "READ_CHUNK_BYTES", size)
        assert values_of(opened(data)) == whole
    assert whole[0] == (2, ["text 0 &<>", "0", "2024-01-01"])
    assert len(whole) == 300


def test_workbooks_are_read_without_openpyxl(no_openpyxl: None) -> None:
    assert rows_of(opened(workbook({"GL": [["a"], ["1"]]}))) == [(2, {"a": "1"})]


# Every batch of the Excel view's ledger sheet as openpyxl read it (first row, then each row's cells in
# column order), as the SHA-256 of its JSON: reading it any other way must give the very same text.
EXCEL_VIEW_LEDGER_SHA256 = "3816a5eef186873ede282cbaf0c4149863186bc054c45b2b7c65b306a2a19a88"


def test_excel_view_ledger_sheet_reads_exactly_as_openpyxl_read_it(excel_view: Path) -> None:
    with excel_view.open("rb") as stream:
        source = open_source(stream, kind="general_ledger", content_type=XLSX_TYPE, sheet="Kontospesifikasjoner")
        batches = [[first_row, batch.to_pylist()] for first_row, batch in source.chunks]
    digest = hashlib.sha256(json.dumps(batches, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    rows = [row for _, batch in batches for row in batch]
    assert [(first_row, len(batch)) for first_row, batch in batches] == [(2, 215)]
    totals = {name: value for name, value in rows[-1].items() if value is not None}
    assert totals == {
        "Antall": "0",
        "Avgiftsbeløp": "671153.25",
        "Beløp": "0",
        "Beløp/Deb": "9487049.35",
        "Beløp/Kre": "-9487049.35",
        "Dimensjonsbeløp": "4427689",
    }
    assert rows[-2]["Leverandørnavn"] == "Råvareleverandøren AS"
    assert (rows[-2]["Bilagsnr."], rows[-2]["Inngående balanse"], rows[-2]["Utgående balanse"]) == (
        "1057",
        "-175000",
        "-212025",
    )
    assert (rows[0]["Posteringsdato"], rows[0]["Dimensjonskode"], rows[0]["Avgiftsprosent"]) == (
        "2017-01-05",
        "Produksjon (102)",
        "25",
    )
    assert digest == EXCEL_VIEW_LEDGER_SHA256
