"""The number checker: a note's figures come from references, its citations from what the caller can see."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.disclosures import references

pytestmark = pytest.mark.unit

VALUES = {"tb:21700": Decimal("125000.00"), "tb:21700:prior": Decimal("98000.50"), "section:revenue": Decimal("-3.2")}
VISIBLE = {"chunk:6f1c1f0e-5a3b-4c55-9d0e-1b8a2a6f0c11", "source:sx-4-08#b"}


def test_a_note_whose_figures_are_all_references_passes_and_renders_them() -> None:
    body = (
        "Lease liabilities at December 31, 2026 were {{tb:21700}} ({{tb:21700:prior}} in 2025), as "
        "ASC 842-20-50-6 and Regulation S-X 4-08(b) ask [[chunk:6f1c1f0e-5a3b-4c55-9d0e-1b8a2a6f0c11]]."
    )
    assert references.check(body, VALUES, VISIBLE) == []
    assert references.render(body, VALUES) == (
        "Lease liabilities at December 31, 2026 were 125,000.00 (98,000.50 in 2025), as "
        "ASC 842-20-50-6 and Regulation S-X 4-08(b) ask."
    )
    assert references.resolved(body, VALUES) == {"tb:21700": "125,000.00", "tb:21700:prior": "98,000.50"}


def test_a_planted_figure_is_refused_by_its_text_with_the_reference_that_gives_it() -> None:
    problems = references.check("Lease liabilities were 125,000.00 and 7,250 was paid.", VALUES, VISIBLE)
    assert [(p.kind, p.text) for p in problems] == [("literal_number", "125,000.00"), ("literal_number", "7,250")]
    assert "{{tb:21700}}" in problems[0].message
    assert "no source gives it" in problems[1].message and "write the reference" in problems[0].message


@pytest.mark.parametrize("planted", ["5.25%", "a rate of 6", "0.5", "1,000,000"])
def test_any_literal_amount_or_rate_is_refused(planted: str) -> None:
    problems = references.check(f"The loan bears {planted} interest.", VALUES, VISIBLE)
    assert [p.kind for p in problems] == ["literal_number"]


@pytest.mark.parametrize(
    "allowed",
    [
        "December 31, 2026",
        "March 2027",
        "2026-12-31",
        "12/31/2026",
        "fiscal 2026",
        "ASC 606-10-50-5",
        "ASC 842-20-50-4(g)",
        "Topic 842",
        "Regulation S-X 4-08(k)",
        "S-X Rule 5-02.22",
        "Note 3",
        "AU-C 570",
    ],
)
def test_dates_years_and_section_numbers_may_be_written(allowed: str) -> None:
    assert references.check(f"See {allowed}.", VALUES, VISIBLE) == []


def test_a_reference_that_resolves_to_nothing_is_refused_by_name() -> None:
    problems = references.check("Debt was {{tb:99999}}.", VALUES, VISIBLE)
    assert [(p.kind, p.text) for p in problems] == [("unknown_reference", "{{tb:99999}}")]
    assert references.render("Debt was {{tb:99999}}.", VALUES) == "Debt was [unresolved tb:99999]."


def test_a_fabricated_citation_is_refused_by_name() -> None:
    fabricated = "[[chunk:00000000-0000-4000-8000-000000000000]]"
    problems = references.check(f"Policies follow ASC 235-10-50-1 {fabricated} [[source:sx-4-08#b]].", VALUES, VISIBLE)
    assert [(p.kind, p.text) for p in problems] == [("unknown_citation", fabricated)]


def test_negative_amounts_are_in_parentheses_and_the_chunk_ids_are_read() -> None:
    body = "Revenue {{section:revenue}} [[chunk:6f1c1f0e-5a3b-4c55-9d0e-1b8a2a6f0c11]] [[chunk:not-a-uuid]]"
    assert references.render(body, VALUES) == "Revenue (3.20)"
    assert [str(i) for i in references.chunk_ids(body)] == ["6f1c1f0e-5a3b-4c55-9d0e-1b8a2a6f0c11"]
    assert references.citations(body) == ["chunk:6f1c1f0e-5a3b-4c55-9d0e-1b8a2a6f0c11", "chunk:not-a-uuid"]
