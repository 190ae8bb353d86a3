"""The approved notes in the report's PDF: printed after the statements, numbered, only when given."""

from __future__ import annotations

import dataclasses

import pytest

from functions.reporting import pdf
from functions.reporting.document import Note
from tests.unit.reporting.documents import document
from tests.unit.reporting.test_pdf import pages_text

pytestmark = pytest.mark.unit

NOTES = (
    Note("Leases", "The Company leases its warehouse. Lease liability: 118,000.40 (prior year 130,000.00)."),
    Note("Debt", "Borrowings at December 31, 2026.\nDue after one year: Bank loan: 60,000.00."),
)


def test_the_notes_follow_the_statements_numbered_in_order() -> None:
    pages = pages_text(pdf.render(dataclasses.replace(document(), notes=NOTES)))
    notes_page = next(i for i, text in enumerate(pages) if "Notes to the Financial Statements" in text)
    statements = max(i for i, text in enumerate(pages) if "Statement of Income" in text)
    appendix = next(i for i, text in enumerate(pages) if "Appendix: Analytics Performed" in text)
    assert statements < notes_page < appendix
    text = pages[notes_page]
    assert "1. Leases" in text and "Lease liability: 118,000.40 (prior year 130,000.00)." in text
    assert "2. Debt" in text and "Due after one year: Bank loan: 60,000.00." in text
    assert text.index("1. Leases") < text.index("2. Debt")


def test_without_notes_the_report_has_no_notes_page() -> None:
    pages = pages_text(pdf.render(document()))
    assert not any("Notes to the Financial Statements" in text for text in pages)
