"""Suggestions, method by method, on charts written for these tests: each method is exercised, and the
order of evidence (prior year, firm rules, what the firm taught, similarity, numbering) holds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.mapping.suggest import Account, Knowledge, suggest
from functions.mapping.suggest.classifier import MIN_EXAMPLES, Example, Taught
from functions.mapping.suggest.firm_rules import Rule, matches
from functions.mapping.suggest.numbering import Plan
from functions.mapping.suggest.synonyms import normalise
from shared.standard_chart import chart

pytestmark = pytest.mark.unit

DR, CR = Decimal("1000.00"), Decimal("-1000.00")
STANDARD = chart()


def section_of(code: str | None) -> str | None:
    return STANDARD[code].section if code else None


def one(account: Account, knowledge: Knowledge | None = None) -> tuple[str | None, str]:
    found = suggest([account], STANDARD, knowledge)[0]
    return found.standard_code, found.method


@pytest.mark.parametrize(
    ("written", "means"),
    [
        ("Trade debtors", "trade receivables"),
        ("Creditors control", "payables control"),
        ("Stock", "inventory"),
        ("Turnover UK", "revenue uk"),
        ("A/R - trade", "accounts receivable trade"),
        ("A/P", "accounts payable"),
        ("Accum. depr. - vehicles", "accumulated depreciation vehicles"),
        ("COGS", "cost of goods sold"),
        ("SG&A", "selling general and administrative"),
        ("PP&E", "property plant and equipment"),
        ("Amortisation of licences", "amortization of licenses"),
        ("Common stock", "common stock"),
        ("Treasury stock", "treasury stock"),
    ],
)
def test_accounting_language_is_brought_to_one_vocabulary(written: str, means: str) -> None:
    assert normalise(written) == means


@pytest.mark.parametrize(
    ("name", "balance", "section"),
    [
        ("Trade debtors", DR, "current_assets"),
        ("Trade creditors", CR, "current_liabilities"),
        ("Stock - finished goods", DR, "current_assets"),
        ("Turnover", CR, "revenue"),
        ("Accum. depr. - vehicles", CR, "non_current_assets"),
        ("Allowance for bad debts", CR, "current_assets"),
        ("Depreciation", DR, "operating_expenses"),
        ("Interest", CR, "other_income_expense"),
        ("Interest", DR, "other_income_expense"),
        ("Accrued utilities", CR, "current_liabilities"),
        ("Prepaid expenses - software", DR, "current_assets"),
    ],
)
def test_similarity_with_kind_words_and_sign_places_the_account(name: str, balance: Decimal, section: str) -> None:
    code, method = one(Account("9", name, balance))
    assert (section_of(code), method) == (section, "similarity")


def test_a_contra_account_keeps_the_section_of_what_it_reduces() -> None:
    found = suggest(
        [Account("1510", "Motor vehicles", DR), Account("1515", "Motor vehicles - accumulated depreciation", CR)],
        STANDARD,
    )
    assert [f.standard_code for f in found] == ["1550", "1580"]
    assert {section_of(f.standard_code) for f in found} == {"non_current_assets"}
    assert STANDARD["1580"].contra


def test_the_sign_tells_interest_income_from_interest_expense() -> None:
    received, paid = suggest([Account("1", "Interest", CR), Account("2", "Interest", DR)], STANDARD)
    assert (received.standard_code, paid.standard_code) == ("8000", "8010")


def test_every_suggestion_has_a_confidence_and_up_to_three_alternatives_other_than_itself() -> None:
    found = suggest([Account("1200", "Accounts receivable - trade", DR)], STANDARD)[0]
    assert found.standard_code == "1100"
    assert 0.9 <= found.confidence <= 1
    assert len(found.alternatives) == 3
    assert found.standard_code not in {a.standard_code for a in found.alternatives}
    assert all(0 <= a.confidence <= found.confidence for a in found.alternatives)


def test_numbering_is_learned_from_the_chart_itself_not_a_fixed_table() -> None:
    # This chart numbers its expenses 1xxx and its assets 5xxx: the opposite of the usual plan.
    accounts = [
        Account("1000", "Salaries and wages", DR),
        Account("1010", "Office rent", DR),
        Account("1020", "Xyzzy 44", DR),  # says nothing: only its neighbours can place it
        Account("1030", "Telephone and internet", DR),
        Account("1040", "Advertising", DR),
        Account("5000", "Cash at bank", DR),
        Account("5010", "Trade debtors", DR),
        Account("5020", "Qwerty 7", DR),
        Account("5030", "Prepayments", DR),
        Account("5040", "Petty cash", DR),
    ]
    found = {f.account_number: f for f in suggest(accounts, STANDARD)}
    assert (found["1020"].method, section_of(found["1020"].standard_code)) == ("numbering", "operating_expenses")
    assert (found["5020"].method, section_of(found["5020"].standard_code)) == ("numbering", "current_assets")
    assert found["1020"].confidence < 0.75


def test_the_nearest_landmarks_vote_and_hierarchical_numbers_keep_their_order() -> None:
    plan = Plan([("100", "current_assets"), ("10010", "current_assets"), ("101", "current_assets"), ("200", "equity")])
    vote = plan.vote("10020")
    assert vote is not None and vote.section == "current_assets"
    assert Plan([]).vote("1000") is None


def test_firm_rules_match_number_ranges_and_name_patterns() -> None:
    by_range = Rule("number_range", "4010", start="4500", end="4599")
    by_name = Rule("name_pattern", "6240", pattern="*courier*")
    assert matches(by_range, "4510", "anything") and matches(by_range, "4599-01", "x")
    assert not matches(by_range, "4600", "x") and not matches(by_range, "449", "x")
    assert matches(by_name, "1", "DHL Courier charges") and not matches(by_name, "1", "Postage")


def test_every_method_is_exercised_in_its_order_of_precedence() -> None:
    taught = Taught(
        [Example("Gizmo pool", "6300")]
        + [Example(f"Widget sales region {i}", "4000") for i in range(MIN_EXAMPLES // 2)]
        + [Example(f"Freight bills lane {i}", "6240") for i in range(MIN_EXAMPLES // 2)],
        set(STANDARD.by_code),
    )
    assert taught.model is not None
    knowledge = Knowledge(
        prior={"1100": ("Receivables - trade", "1150")},  # last year the reviewer put it in related parties
        rules=[Rule("number_range", "4010", start="4500", end="4599")],
        taught=taught,
    )
    accounts = [
        Account("1100", "Receivables trade", DR),  # prior year: same number, similar name
        Account("4510", "Accounts receivable", DR),  # a firm rule wins over the name
        Account("6100", "Gizmo pool", DR),  # the firm's reviewers mapped this name before
        Account("6110", "Widget sales region north", CR),  # the classifier knows these
        Account("1200", "Cash at bank", DR),  # plain similarity
        Account("1210", "Petty cash", DR),
        Account("1220", "Zork 12", DR),  # nothing in the name: numbering
        Account("1230", "Savings account", DR),
    ]
    found = {f.account_number: (f.standard_code, f.method) for f in suggest(accounts, STANDARD, knowledge)}
    assert found["1100"] == ("1150", "prior_year")
    assert found["4510"] == ("4010", "rule")
    assert found["6100"] == ("6300", "model")
    assert found["6110"] == ("4000", "model")
    assert found["1200"] == ("1010", "similarity")
    assert found["1220"][1] == "numbering" and section_of(found["1220"][0]) == "current_assets"


def test_a_renamed_account_is_not_taken_from_the_prior_year() -> None:
    knowledge = Knowledge(prior={"1100": ("Receivables - trade", "1150")})
    assert one(Account("1100", "Bank loan", CR), knowledge) == ("2500", "similarity")


def test_without_enough_examples_there_is_no_classifier_only_memory() -> None:
    taught = Taught([Example("Gizmo pool", "6300")], set(STANDARD.by_code))
    assert taught.model is None
    assert taught.predict(["Gizmo"]) == [None]
    remembered = taught.remembered("GIZMO  pool")
    assert remembered is not None and remembered.standard_code == "6300"


def test_an_account_without_a_name_or_neighbours_gets_no_suggestion() -> None:
    found = suggest([Account("", "", None)], STANDARD)[0]
    assert (found.standard_code, found.confidence) == (None, 0.0)
