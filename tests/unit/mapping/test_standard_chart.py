"""The shipped standard chart: complete, consistent, and every US-GAAP element spelt as the taxonomy does.

The element names are checked against the us-gaap concepts listed in edgartools' gaap_mappings.json
(tests/data/us_gaap/README.md says how the list was taken and under which licence).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from shared.standard_chart import FALLBACK, LEAD_SHEETS, SECTIONS, StandardAccount, chart, shipped

pytestmark = pytest.mark.unit

ELEMENTS = Path(__file__).resolve().parents[2] / "data" / "us_gaap" / "gaap_elements.txt"


def test_about_150_accounts_with_unique_codes_in_every_section() -> None:
    accounts = shipped()
    assert 140 <= len(accounts) <= 200
    assert len({a.code for a in accounts}) == len(accounts)
    per_section = Counter(a.section for a in accounts)
    assert set(per_section) == set(SECTIONS)
    assert min(per_section.values()) >= 4


def test_every_element_is_a_us_gaap_concept_as_spelt_in_the_taxonomy() -> None:
    known = set(ELEMENTS.read_text(encoding="utf-8").split())
    assert len(known) > 2000
    misspelt = sorted({str(a.element) for a in shipped() if a.element not in known})
    assert misspelt == []


def test_a_misspelt_element_would_be_caught() -> None:
    known = set(ELEMENTS.read_text(encoding="utf-8").split())
    assert "AccountsReceivableNetCurrent" in known
    assert "AccountsRecievableNetCurrent" not in known


def test_statements_normal_balances_and_lead_sheets_are_consistent() -> None:
    for account in shipped():
        assert account.statement == ("balance_sheet" if SECTIONS.index(account.section) < 5 else "income_statement")
        assert account.normal_balance in ("debit", "credit")
        assert account.lead_sheet in LEAD_SHEETS, account
        assert account.caption and account.name


def test_contra_accounts_sit_in_the_section_they_reduce_with_the_opposite_balance() -> None:
    standard = chart()
    for code, section in (
        ("1580", "non_current_assets"),
        ("1110", "current_assets"),
        ("3040", "equity"),
        ("4050", "revenue"),
    ):
        assert standard[code].section == section
        assert standard[code].contra, code
    assert not standard["1100"].contra
    assert not standard["2000"].contra


def test_each_section_falls_back_to_an_account_of_its_own() -> None:
    standard = chart()
    assert {standard[code].section for code in FALLBACK.values()} == set(SECTIONS)
    assert all(standard[code].section == section for section, code in FALLBACK.items())


def test_a_firm_account_joins_the_chart_but_never_shadows_a_shipped_one() -> None:
    own = StandardAccount(
        "7100",
        "Franchise fees paid",
        "operating_expenses",
        "debit",
        "T",
        "Franchise fees",
        None,
        ("royalties to franchisor",),
        firm_defined=True,
    )
    clash = StandardAccount("1000", "Something else", "equity", "credit", "P", "Other", None, firm_defined=True)
    standard = chart([own, clash])
    assert standard["7100"].firm_defined
    assert standard["1000"].name == "Petty cash"
    assert len(standard) == len(shipped()) + 1


def test_the_schemas_sections_are_the_tables_sections() -> None:
    """The API's Section literal (what OpenAPI documents) and the table's check constraint name the same ten."""
    from typing import get_args

    from functions.mapping.schemas import Section
    from shared.db.models_mapping import SECTIONS

    assert get_args(Section) == SECTIONS
