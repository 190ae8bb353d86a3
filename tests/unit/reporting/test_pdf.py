"""The report's PDF: what a reader finds in it (read back with pypdf), fonts embedded, and the same bytes
for the same document in any process (the signed digest depends on it)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess  # nosec B404 - runs this interpreter on a fixed script
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from functions.reporting import opinion_text, pdf
from tests.unit.reporting.documents import PRIOR_TOTAL_ASSETS, TOTAL_ASSETS, document, large_document

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
BASIS = "We could not observe the count of inventories carried at 1,200,000.00."
DIGEST_SCRIPT = """
import hashlib, sys
from tests.unit.reporting.documents import document
from functions.reporting import pdf
import functions.reporting.pdf
print("reportlab imported at module import:", "reportlab" in sys.modules)
print(hashlib.sha256(pdf.render(document(opinion="qualified", basis_for_modification=%r))).hexdigest())
"""


def reader(data: bytes) -> Any:
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def pages_text(data: bytes) -> list[str]:
    """Each page's text with runs of white space as one space."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader(data).pages]


@pytest.fixture(scope="module")
def qualified() -> bytes:
    return pdf.render(document(opinion="qualified", basis_for_modification=BASIS))


def test_the_same_document_gives_the_same_bytes_and_digest(qualified: bytes) -> None:
    again = pdf.render(document(opinion="qualified", basis_for_modification=BASIS))
    assert again == qualified
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(qualified).hexdigest()
    other_version = pdf.render(document(opinion="qualified", basis_for_modification=BASIS, version=2))
    assert other_version != qualified


@pytest.mark.slow  # starts a Python process: 2-5 s on a shared machine
def test_another_process_with_another_hash_seed_gives_the_same_digest(qualified: bytes) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "Asia/Tokyo"}
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run(  # nosec B603 - this interpreter, a fixed script
        [sys.executable, "-c", DIGEST_SCRIPT % BASIS], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    imported_early, digest = done.stdout.strip().splitlines()
    assert imported_early == "reportlab imported at module import: False"
    assert digest == hashlib.sha256(qualified).hexdigest()


def test_the_pdf_holds_the_client_the_opinion_and_the_balance_sheet_totals(qualified: bytes) -> None:
    pages = pages_text(qualified)
    text = " ".join(pages)
    assert "Northwind Traders, Inc." in pages[0]
    sentence = opinion_text.opinion_sentence(document(opinion="qualified", basis_for_modification=BASIS))
    assert sentence.startswith("In our opinion, except for the effects of the matter")
    assert sentence in text
    assert "Basis for Qualified Opinion " + BASIS in text
    balance_sheet = next(page for page in pages if "Balance Sheet" in page)
    assets, prior_assets = pdf.amount(TOTAL_ASSETS), pdf.amount(PRIOR_TOTAL_ASSETS)
    assert (assets, prior_assets) == ("6,800.00", "6,300.00")
    assert f"Total assets {assets} {prior_assets}" in balance_sheet
    assert f"Total liabilities and equity {assets} {prior_assets}" in balance_sheet
    assert "As of December 31, 2025 and December 31, 2024" in balance_sheet


def test_the_income_statement_shows_comparatives_subtotals_and_negatives_in_parentheses(qualified: bytes) -> None:
    income = next(page for page in pages_text(qualified) if "Statement of Income" in page)
    assert "Gross profit 4,000.00 3,500.00" in income
    assert "Total other income (expense) (100.00) (150.00)" in income
    assert "Net income 1,500.00 500.00" in income


def test_the_appendix_holds_the_je_tests_the_benford_chart_and_the_samples(qualified: bytes) -> None:
    text = " ".join(pages_text(qualified))
    assert "over 1,000,000 lines in 84,213 journals" in text
    assert "Entries posted on a weekend or holiday weekend 1,204 311" in text
    assert "mean absolute deviation 0.0051; conformity: marginal" in text
    assert "First digit" in text and "Expected (Benford)" in text  # the chart's axis and legend
    assert "5 1,020 10.2% 7.9%" in text  # the digit that stands out
    assert "2,500,000.00 58 1 12,400.00 61,250.00" in text


def test_without_a_ledger_or_samples_the_appendix_says_so() -> None:
    text = " ".join(pages_text(pdf.render(document(benford=None, je_summary=None, samples=()))))
    assert "No ledger was analyzed." in text
    assert "No journal-entry testing run is recorded." in text
    assert "No samples are recorded." in text


def test_every_page_is_numbered_with_the_client_and_version_in_the_footer(qualified: bytes) -> None:
    pages = pages_text(qualified)
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Northwind Traders, Inc. · Independent Auditor's Report, version 1" in page


def test_every_font_is_embedded_truetype_and_the_dates_are_the_report_date(qualified: bytes) -> None:
    pdf_file = reader(qualified)
    fonts = {}
    for page in pdf_file.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        assert "Vera" in name, name
        assert "/FontFile2" in font["/FontDescriptor"], name
    assert pdf_file.metadata["/CreationDate"] == "D:20260314000000+00'00'"
    assert pdf_file.metadata["/ModDate"] == "D:20260314000000+00'00'"
    assert pdf_file.metadata["/Author"] == "Harbor & Pine LLP"


def test_a_disclaimer_pdf_gives_no_opinion() -> None:
    data = pdf.render(document(opinion="disclaimer", basis_for_modification=BASIS))
    text = " ".join(pages_text(data))
    assert "We do not express an opinion on the accompanying financial statements of Northwind Traders, Inc." in text
    assert "In our opinion" not in text


def test_a_modified_opinion_without_basis_renders_nothing() -> None:
    with pytest.raises(ValueError, match="basis_for_modification"):
        pdf.render(document(opinion="adverse"))


def test_amounts_have_thousands_separators_and_parentheses() -> None:
    assert pdf.amount(Decimal("1234567.891")) == "1,234,567.89"
    assert pdf.amount(Decimal("-1000")) == "(1,000.00)"
    assert pdf.amount(Decimal("0")) == "0.00"
    assert pdf.amount(None) == ""


def test_a_300_account_engagement_renders_balanced_fast_and_small() -> None:
    big = large_document(300)
    sheet = big.statement("balance_sheet")
    assert sheet is not None and sheet.balanced
    started = time.perf_counter()
    data = pdf.render(big)
    elapsed = time.perf_counter() - started
    pages = pages_text(data)
    first, last = (
        pages.index(next(p for p in pages if "Balance Sheet" in p)),
        pages.index(next(p for p in pages if "Statement of Income" in p)),
    )
    balance_sheet = " ".join(pages[first:last])  # the balance sheet runs over two pages
    total = pdf.amount(sheet.subtotals["total_assets"].current)
    assert f"Total assets {total}" in balance_sheet
    assert f"Total liabilities and equity {total}" in balance_sheet
    assert len(data) < 2_000_000
    assert elapsed < 3.0 * 3  # the 3 s target, with room for a busy shared machine


def test_a_first_year_engagement_without_comparatives_shows_one_column() -> None:
    from shared import statements
    from tests.unit.reporting.documents import SMALL, STANDARD

    first_year = document(
        statements=(
            statements.build(SMALL, STANDARD, "balance_sheet", with_prior=False),
            statements.build(SMALL, STANDARD, "income_statement", with_prior=False),
        )
    )
    pages = pages_text(pdf.render(first_year))
    balance_sheet = next(page for page in pages if "Balance Sheet" in page)
    assert "As of December 31, 2025 " in balance_sheet and "December 31, 2024" not in balance_sheet
    assert "Total assets 6,800.00 Current liabilities" in balance_sheet
    assert "For the year ended December 31, 2025" in next(page for page in pages if "Statement of Income" in page)


def test_unmapped_accounts_and_an_unbalanced_sheet_are_shown_not_hidden() -> None:
    from shared import statements
    from shared.mapped_tb import MappedLine
    from tests.unit.reporting.documents import SMALL, STANDARD

    unmapped = MappedLine("999", "Suspense", None, None, "pending", Decimal("250.00"), Decimal(0), None)
    text = " ".join(pages_text(pdf.render(document([*SMALL, unmapped]))))
    assert "999 Suspense pending 250.00" in text
    without_cash = [line for line in SMALL if line.account_number != "100"]
    sheet = statements.build(without_cash, STANDARD, "balance_sheet")
    assert not sheet.balanced and sheet.difference == Decimal("-1500.00")
    text = " ".join(pages_text(pdf.render(document(without_cash))))
    assert "Total assets differ from total liabilities and equity by (1,500.00)." in text


def test_names_with_markup_characters_and_an_empty_ledger_render() -> None:
    from tests.unit.reporting.documents import benford

    empty = benford()
    empty = type(empty)(tuple(type(d)(d.digit, 0, 0.0, d.expected) for d in empty.digits), mad=None, conformity=None)
    data = pdf.render(document(client_name="Smith & Sons <Holdings>", benford=empty))
    text = " ".join(pages_text(data))
    assert "To the Board of Directors of Smith & Sons <Holdings>" in text
    assert "0 amounts." in text


def test_renders_on_several_threads_at_once_give_the_same_bytes() -> None:
    from concurrent.futures import ThreadPoolExecutor

    documents = [document(), document(standards="pcaob"), document(opinion="adverse", basis_for_modification=BASIS)]
    alone = [hashlib.sha256(pdf.render(d)).hexdigest() for d in documents]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda d: hashlib.sha256(pdf.render(d)).hexdigest(), documents * 2))
    assert together == alone * 2
    assert len(set(alone)) == 3


def test_a_long_client_name_is_shortened_in_the_footer_not_over_the_page_number() -> None:
    name = "The Extraordinarily Long-Named Consolidated Holding Company of the Pacific Northwest, Incorporated"
    pages = pages_text(pdf.render(document(client_name=name)))
    assert name in pages[0]  # the report names it in full
    footer = pages[-1][pages[-1].rindex("The Extraordinarily") :]
    assert footer.startswith("The Extraordinarily Long-Named Consolidated")
    assert f"… · Independent Auditor's Report, version 1 Page {len(pages)} of {len(pages)}" in footer
