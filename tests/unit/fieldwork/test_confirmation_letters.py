"""Confirmation letters: each opens as a PDF (pypdf) showing the party and the amount in the wording its kind
and form call for, asking for a reply directly to the auditor."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from functions.fieldwork.confirmation_letters import Letter, amount_text, render

pytestmark = pytest.mark.unit

BASE = Letter(
    kind="receivable",
    form="positive",
    blank=False,
    second_request=False,
    firm_name="Lantern & Reed CPAs LLP",
    client_name="Harbor Lane Manufacturing Inc.",
    reply_to="senior@firm.example",
    as_of=date(2026, 12, 31),
    letter_date=date(2027, 1, 10),
    party_name="Northwind Traders",
    party_contact="Accounts payable",
    party_address="1 Harbour Road\nSeattle WA 98101",
    client_account_ref="CUST-0042",
    amount=Decimal("12345.67"),
)


def text_of(letter: Letter) -> str:
    from pypdf import PdfReader

    data = render(letter)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_a_positive_receivable_letter_shows_the_party_the_amount_and_where_to_reply() -> None:
    text = text_of(BASE)
    for shown in (
        "Harbor Lane Manufacturing Inc.",
        "Northwind Traders",
        "1 Harbour Road",
        "CUST-0042",
        "12,345.67",
        "December 31, 2026",
        "January 10, 2027",
        "reply directly to Lantern & Reed CPAs LLP at senior@firm.example",
        "does not agree with our records",
    ):
        assert shown in text, shown
    assert "SECOND REQUEST" not in text and "no reply is needed" not in text


def test_forms_and_kinds_have_their_own_wording() -> None:
    negative = text_of(replace(BASE, form="negative"))
    assert "no reply is needed" in negative and "12,345.67" in negative and "(negative)" in negative
    blank = text_of(replace(BASE, blank=True))
    assert "12,345.67" not in blank and "Please state in the space below" in blank
    bank = text_of(replace(BASE, kind="bank", party_name="First National Bank"))
    assert "First National Bank" in bank and "deposit accounts" in bank and "loan" in bank
    legal = text_of(replace(BASE, kind="legal", party_name="Dewey & Partners", amount=None))
    assert "Dewey & Partners" in legal and "litigation, claims and assessments" in legal
    assert "Amount per our records" not in legal
    debt = text_of(replace(BASE, kind="debt", amount=Decimal("-8000")))
    assert "covenant" in debt and "(8,000.00)" in debt
    second = text_of(replace(BASE, second_request=True))
    assert "SECOND REQUEST" in second


def test_amounts_are_written_with_thousands_and_negatives_in_brackets() -> None:
    assert amount_text(Decimal("1234.5")) == "1,234.50"
    assert amount_text(Decimal("-0.004")) == "0.00"
    assert amount_text(Decimal("-1000")) == "(1,000.00)"
