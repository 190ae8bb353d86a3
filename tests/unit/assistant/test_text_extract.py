"""Evidence text with where it came from: PDF pages, DOCX paragraphs, sheet rows, CSV and text; a file
that does not parse gives nothing instead of failing the index."""

from __future__ import annotations

import io
import zipfile

import pytest

from shared import text_extract

pytestmark = pytest.mark.unit


def _pdf(*pages: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    document = canvas.Canvas(out)
    for text in pages:
        document.drawString(72, 720, text)
        document.showPage()
    document.save()
    return out.getvalue()


def _docx(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", xml)
    return out.getvalue()


def test_pdf_text_is_cited_by_page() -> None:
    pieces = text_extract.extract("lease.PDF", _pdf("Monthly rent 9,400.00", "Term five years"))
    assert pieces == [("page 1", "Monthly rent 9,400.00"), ("page 2", "Term five years")]


def test_docx_paragraphs_are_read_from_the_xml() -> None:
    pieces = text_extract.extract("minutes.docx", _docx("The board approved the loan.", "", "Dividend: none."))
    assert pieces == [("paragraph 1", "The board approved the loan."), ("paragraph 3", "Dividend: none.")]


def test_sheet_rows_are_grouped_and_cited_by_sheet_and_rows() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Aging"
    sheet.append(["Customer", "Balance"])
    for n in range(1, 25):
        sheet.append([f"Customer {n}", n * 100])
    out = io.BytesIO()
    workbook.save(out)

    pieces = text_extract.extract("aging.xlsx", out.getvalue())

    assert [locator for locator, _ in pieces] == ["Aging!rows 1-20", "Aging!rows 21-25"]
    assert pieces[0][1].splitlines()[:2] == ["Customer | Balance", "Customer 1 | 100"]
    assert pieces[1][1].splitlines()[-1] == "Customer 24 | 2400"


def test_csv_and_text_files() -> None:
    assert text_extract.extract("list.csv", b"a,b\n1,2\n") == [("rows 1-2", "a | b\n1 | 2")]
    assert text_extract.extract("memo.txt", "Café payments".encode()) == [("text", "Café payments")]


def test_unknown_broken_and_oversized_files_give_no_text() -> None:
    assert text_extract.extract("photo.png", b"\x89PNG") == []
    assert text_extract.extract("broken.pdf", b"%PDF-1.4 not really") == []
    assert text_extract.extract("broken.docx", b"not a zip") == []
    assert text_extract.extract("big.txt", b"x" * (text_extract.MAX_BYTES + 1)) == []
