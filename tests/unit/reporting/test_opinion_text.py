"""The report's words: the sections each opinion needs, in order, with the basis of a modification."""

from __future__ import annotations

import re
from typing import Any

import pytest

from functions.reporting import opinion_text
from functions.reporting.document import ReportDocument, validate
from tests.unit.reporting.documents import document

pytestmark = pytest.mark.unit

BASIS = "We could not observe the count of inventories carried at 1,200,000.00 at December 31, 2025."
MANAGEMENT = "Responsibilities of Management for the Financial Statements"
AUDITOR = "Auditor's Responsibilities for the Audit of the Financial Statements"

AICPA = {
    "unmodified": ["Opinion", "Basis for Opinion", MANAGEMENT, AUDITOR],
    "qualified": ["Qualified Opinion", "Basis for Qualified Opinion", MANAGEMENT, AUDITOR],
    "adverse": ["Adverse Opinion", "Basis for Adverse Opinion", MANAGEMENT, AUDITOR],
    "disclaimer": ["Disclaimer of Opinion", "Basis for Disclaimer of Opinion", MANAGEMENT, AUDITOR],
}
PCAOB = {
    "unmodified": ["Opinion on the Financial Statements", "Basis for Opinion", "Critical Audit Matters"],
    "qualified": [
        "Qualified Opinion on the Financial Statements",
        "Basis for Qualified Opinion",
        "Critical Audit Matters",
    ],
    "adverse": ["Adverse Opinion on the Financial Statements", "Basis for Adverse Opinion", "Critical Audit Matters"],
    "disclaimer": ["Disclaimer of Opinion on the Financial Statements", "Basis for Disclaimer of Opinion"],
}


def report(opinion: str = "unmodified", **changes: Any) -> ReportDocument:
    basis = None if opinion == "unmodified" else BASIS
    return document(opinion=opinion, basis_for_modification=basis, **changes)


@pytest.mark.parametrize("opinion", list(AICPA))
def test_an_aicpa_report_has_its_sections_in_order(opinion: str) -> None:
    assert opinion_text.headings(report(opinion)) == AICPA[opinion]


@pytest.mark.parametrize("opinion", list(PCAOB))
def test_a_pcaob_report_has_its_sections_in_order(opinion: str) -> None:
    assert opinion_text.headings(report(opinion, standards="pcaob")) == PCAOB[opinion]


@pytest.mark.parametrize("standards", ["aicpa", "pcaob"])
@pytest.mark.parametrize("opinion", ["qualified", "adverse", "disclaimer"])
def test_a_modified_opinion_states_its_basis_first_in_the_basis_section(standards: str, opinion: str) -> None:
    blocks = opinion_text.blocks(report(opinion, standards=standards))
    basis_heading = next(i for i, b in enumerate(blocks) if b.kind == "heading" and b.text.startswith("Basis for"))
    assert blocks[basis_heading + 1].text == BASIS
    text = opinion_text.plain_text(report(opinion, standards=standards)).lower()
    assert f"the matter described in the {blocks[basis_heading].text} section".lower() in text


@pytest.mark.parametrize("standards", ["aicpa", "pcaob"])
@pytest.mark.parametrize("opinion", ["qualified", "adverse", "disclaimer"])
@pytest.mark.parametrize("basis", [None, "", "   "])
def test_a_modified_opinion_without_a_basis_is_refused(standards: str, opinion: str, basis: str | None) -> None:
    with pytest.raises(ValueError, match="basis_for_modification"):
        opinion_text.blocks(document(opinion=opinion, basis_for_modification=basis, standards=standards))


def test_the_opinion_comes_first_and_says_present_fairly_under_the_framework() -> None:
    unmodified = report()
    paragraph = opinion_text.opinion_paragraph(unmodified)
    assert paragraph.startswith("In our opinion, the accompanying financial statements present fairly")
    assert "in accordance with accounting principles generally accepted in the United States of America." in paragraph
    blocks = opinion_text.blocks(unmodified)
    assert [b.kind for b in blocks[:3]] == ["title", "addressee", "heading"]
    assert blocks[0].text == "Independent Auditor's Report"


def test_a_qualified_opinion_is_except_for_and_an_adverse_one_does_not_present_fairly() -> None:
    assert "except for the effects of the matter" in opinion_text.opinion_sentence(report("qualified"))
    adverse = opinion_text.opinion_sentence(report("adverse"))
    assert "do not present fairly" in adverse
    assert "because of the significance of the matter" in adverse


@pytest.mark.parametrize("standards", ["aicpa", "pcaob"])
def test_a_disclaimer_gives_no_opinion_and_says_so(standards: str) -> None:
    disclaimer = report("disclaimer", standards=standards, emphasis_of_matter="A lawsuit is pending.")
    text = opinion_text.plain_text(disclaimer)
    assert "We do not express an opinion on the" in opinion_text.opinion_paragraph(disclaimer)
    assert "In our opinion" not in text
    assert "present fairly" not in text
    assert "Emphasis of Matter" not in opinion_text.headings(disclaimer)


def test_an_emphasis_of_matter_follows_the_basis_and_does_not_modify_the_opinion() -> None:
    emphasis = "Note 12 describes a lawsuit against the Company whose outcome is uncertain."
    with_emphasis = report(emphasis_of_matter=emphasis)
    assert opinion_text.headings(with_emphasis) == [
        "Opinion",
        "Basis for Opinion",
        "Emphasis of Matter",
        MANAGEMENT,
        AUDITOR,
    ]
    blocks = opinion_text.blocks(with_emphasis)
    at = next(i for i, b in enumerate(blocks) if b.text == "Emphasis of Matter")
    assert blocks[at + 1].text == emphasis
    assert blocks[at + 2].text == "Our opinion is not modified with respect to this matter."
    pcaob = opinion_text.headings(report(standards="pcaob", emphasis_of_matter=emphasis))
    assert pcaob.index("Emphasis of Matter") == pcaob.index("Basis for Opinion") + 1


@pytest.mark.parametrize(("framework", "name"), [("tax_basis", "income tax basis"), ("cash_basis", "cash basis")])
def test_a_special_purpose_framework_gets_a_basis_of_accounting_section(framework: str, name: str) -> None:
    special = report(framework=framework)
    headings = opinion_text.headings(special)
    assert headings.index("Basis of Accounting") == headings.index("Basis for Opinion") + 1
    text = opinion_text.plain_text(special)
    assert f"the {name} of accounting" in text
    assert f"statement of assets, liabilities, and equity ({name})" in text
    assert "Basis of Accounting" not in opinion_text.headings(report(framework="ifrs"))
    assert "IFRS Accounting Standards" in opinion_text.opinion_sentence(report(framework="ifrs"))


def test_a_pcaob_report_is_addressed_to_shareholders_and_board_with_registration_and_tenure() -> None:
    pcaob = report(standards="pcaob")
    blocks = opinion_text.blocks(pcaob)
    text = opinion_text.plain_text(pcaob)
    assert blocks[0].text == "Report of Independent Registered Public Accounting Firm"
    assert blocks[1].text == "To the shareholders and the board of directors of Northwind Traders, Inc."
    assert "registered with the Public Company Accounting Oversight Board" in text
    assert "required to be independent with respect to the Company" in text
    assert "standards of the PCAOB" in text
    assert blocks[-1].text == opinion_text.TENURE_PLACEHOLDER


@pytest.mark.parametrize("standards", ["aicpa", "pcaob"])
def test_the_signature_block_names_the_firm_its_city_and_the_report_date(standards: str) -> None:
    signature = [b.text for b in opinion_text.blocks(report(standards=standards)) if b.kind == "signature"]
    assert signature == [
        "Harbor & Pine LLP",
        "Dana Whitfield, Engagement Partner",
        "Portland, Oregon",
        "March 14, 2026",
    ]
    without_city = [b.text for b in opinion_text.blocks(report(firm_city=None)) if b.kind == "signature"]
    assert without_city == ["Harbor & Pine LLP", "Dana Whitfield, Engagement Partner", "March 14, 2026"]


def test_sentences_stay_short_and_a_name_ending_in_a_full_stop_is_not_doubled() -> None:
    for opinion in AICPA:
        for standards in ("aicpa", "pcaob"):
            text = opinion_text.plain_text(report(opinion, standards=standards))
            assert ".." not in text
            blocks = opinion_text.blocks(report(opinion, standards=standards))
            sentences = [s for b in blocks for s in re.split(r"(?<=[.:])\s+(?=[A-Z])", b.text)]
            opinion_sentence = opinion_text.opinion_sentence(report(opinion, standards=standards))
            # The opinion sentence carries the elements the standards require (what, whose, when, which framework).
            assert len(opinion_sentence.split()) <= 70
            longest = max((s for s in sentences if s != opinion_sentence), key=lambda s: len(s.split()))
            assert len(longest.split()) <= 45, longest


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"framework": "gaap"}, "framework"),
        ({"standards": "iaasb"}, "standards"),
        ({"opinion": "clean"}, "opinion"),
        ({"client_name": " "}, "client_name"),
        ({"version": 0}, "version"),
    ],
)
def test_a_wrong_field_is_named(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        validate(document(**changes))  # type: ignore[arg-type]


def test_a_period_ending_before_it_starts_is_refused() -> None:
    from datetime import date

    with pytest.raises(ValueError, match="^period_end:"):
        validate(document(period_end=date(2024, 12, 31)))


def test_the_auditors_own_text_keeps_its_paragraphs_and_blank_emphasis_is_left_out() -> None:
    basis = "Inventories were not counted.\n\n  We could not satisfy ourselves\n by other means.  "
    blocks = [b.text for b in opinion_text.blocks(document(opinion="qualified", basis_for_modification=basis))]
    at = blocks.index("Basis for Qualified Opinion")
    assert blocks[at + 1 : at + 3] == [
        "Inventories were not counted.",
        "We could not satisfy ourselves by other means.",
    ]
    assert "Emphasis of Matter" not in opinion_text.headings(document(emphasis_of_matter="  \n "))
