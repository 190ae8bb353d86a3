"""Related parties in the ledger: a party is found under another spelling, not inside another word, and
its lines carry the red flags AU-C 550 asks about."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from functions.fieldwork.related_parties import is_round, match_descriptions, near_period_end, normalise

pytestmark = pytest.mark.unit

LEDGER = [
    "Management fee - Smyth Holdings LLC",
    "SMITH HOLDINGS, INC. loan repayment",
    "Blacksmith Holdings rent",
    "Office supplies Staples",
    "Smith Family Trust distribution",
]


def test_a_party_is_found_despite_a_spelling_difference_and_its_legal_form() -> None:
    found = match_descriptions(LEDGER, ["Smith Holdings"])
    assert set(found) == {"Management fee - Smyth Holdings LLC", "SMITH HOLDINGS, INC. loan repayment"}
    assert found["SMITH HOLDINGS, INC. loan repayment"].score == 100
    assert 88 <= found["Management fee - Smyth Holdings LLC"].score < 100


def test_a_name_inside_another_word_or_a_different_party_is_not_a_match() -> None:
    found = match_descriptions(LEDGER, ["Smith Holdings"])
    assert "Blacksmith Holdings rent" not in found
    assert "Smith Family Trust distribution" not in found
    assert match_descriptions(LEDGER, ["Staples Office Supplies Corp"]) == {}


def test_an_alias_finds_what_the_name_does_not_and_names_itself() -> None:
    found = match_descriptions(["Wire to JPS Ventures"], ["Jane P. Smith", "JPS Ventures"])
    assert {description: match.name for description, match in found.items()} == {"Wire to JPS Ventures": "JPS Ventures"}


def test_normalising_drops_case_punctuation_and_legal_forms() -> None:
    assert normalise("The Smyth Holdings, L.L.C.") == "smyth holdings l l c"
    assert normalise("Smyth Holdings LLC") == "smyth holdings"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("25000.00", True), ("-3000", True), ("25000.01", False), ("999", False), ("0", False)],
)
def test_round_amounts_are_non_zero_multiples_of_the_base(amount: str, expected: bool) -> None:
    assert is_round(Decimal(amount)) is expected


def test_period_end_timing_counts_days_either_side() -> None:
    end = date(2026, 12, 31)
    assert near_period_end(date(2026, 12, 26), end, 5)
    assert near_period_end(date(2027, 1, 5), end, 5)
    assert not near_period_end(date(2026, 12, 25), end, 5)
    assert not near_period_end(date(2027, 1, 6), end, 5)
