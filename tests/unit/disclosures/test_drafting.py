"""Drafted notes: every number in a generated draft is a reference that resolves to the engagement's data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from functions.disclosures import checklist_data, drafting, references, sources
from functions.disclosures.sources import EventFigures, PartyFigures
from shared.standard_chart import chart
from tests.unit.disclosures.test_checklist import line

pytestmark = pytest.mark.unit

LINES = [
    line("10100", "Operating account", "1010", "current_assets", "20000", prior="35000"),
    line("11000", "Trade receivables", "1100", "current_assets", "15000"),
    line("12900", "Due from Founder Holdings", "1150", "current_assets", "4000"),
    line("15900", "Right-of-use asset", "1590", "non_current_assets", "110000"),
    line("20000", "Trade payables", "2000", "current_liabilities", "-90000"),
    line("21000", "Current portion of bank loan", "2090", "current_liabilities", "-25000"),
    line("21700", "Lease liability", "2550", "non_current_liabilities", "-118000.40", prior="-130000"),
    line("22000", "Bank loan", "2500", "non_current_liabilities", "-300000"),
    line("40000", "Product sales", "4000", "revenue", "-700000", prior="-650000"),
    line("40100", "Services", "4010", "revenue", "-200000"),
    line("80100", "Interest on bank loan", "8010", "other_income_expense", "21000"),
    line("90000", "Current tax", "9000", "income_tax", "12000"),
    line("16600", "Deferred tax asset", "1660", "non_current_assets", "3000"),
    line("99999", "Suspense 2026 batch 7", None, None, "55"),
]
CHART = chart().by_code
PARTIES = [
    PartyFigures("p-1", "Founder Holdings LLC", "owner", Decimal("48000"), 3),
    PartyFigures("p-2", "Shop 24", "affiliate", Decimal("10"), 1),
]
EVENTS = [
    EventFigures("e-1", "On February 3 the Company agreed to sell its warehouse", "nonrecognized", Decimal("750000")),
    EventFigures("e-2", "A lawsuit for 2,000,000 was filed", "nonrecognized", None),
]
VALUES = sources.values(LINES, CHART, PARTIES, EVENTS)
FACTS = drafting.Facts(
    client_name="Acme Tools Inc.",
    period_end=date(2026, 12, 31),
    lines=LINES,
    values=VALUES,
    parties=PARTIES,
    events=EVENTS,
    indicators={"negative_working_capital": True, "negative_equity": False, "net_loss": False},
    citations={"leases": ["source:asc-842#disclosure"]},
)


def test_the_references_resolve_to_presented_amounts() -> None:
    assert VALUES["tb:21700"] == Decimal("118000.40")  # a liability, presented as a positive credit
    assert VALUES["tb:21700:prior"] == Decimal("130000")
    assert VALUES["tb:10100"] == Decimal("20000")
    assert VALUES["tb:80100"] == Decimal("21000")  # interest expense: a debit-normal account, positive
    assert VALUES["section:other_income_expense"] == Decimal("-21000")  # net other income, as the statement shows it
    assert VALUES["tb:99999"] == Decimal("55")  # unmapped: its ledger sign, and in no caption
    assert VALUES["section:revenue"] == Decimal("900000")
    assert VALUES["caption:revenue"] == Decimal("900000")
    assert VALUES["caption:operating-lease-liabilities-non-current"] == Decimal("118000.40")
    assert VALUES["section:current_liabilities"] == Decimal("115000")
    assert VALUES["rp:p-1:total"] == Decimal("48000")
    assert VALUES["se:e-1:amount"] == Decimal("750000")
    assert "se:e-2:amount" not in VALUES


@pytest.mark.parametrize("topic", list(checklist_data.TOPICS))
def test_every_template_draft_passes_the_checker(topic: str) -> None:
    body = drafting.draft(topic, FACTS)
    assert references.check(body, VALUES, {"source:asc-842#disclosure"}) == [], body


def test_the_lease_note_binds_its_figures_and_cites_its_source() -> None:
    body = drafting.draft("leases", FACTS)
    assert "Lease liability: {{tb:21700}} (prior year {{tb:21700:prior}})" in body
    assert body.endswith("[[source:asc-842#disclosure]]")
    assert "Lease liability: 118,000.40 (prior year 130,000.00)" in references.render(body, VALUES)


def test_the_debt_note_splits_maturities_from_the_mapped_balances() -> None:
    rendered = references.render(drafting.draft("debt", FACTS), VALUES)
    assert "Due within one year: Current portion of bank loan: 25,000.00." in rendered
    assert "Due after one year: Bank loan: 300,000.00." in rendered
    assert "Interest on bank loan: 21,000.00" in rendered


def test_register_text_with_figures_of_its_own_is_not_copied() -> None:
    related = references.render(drafting.draft("related_parties", FACTS), VALUES)
    assert "Founder Holdings LLC (owner): transactions during the year of 48,000.00." in related
    assert "Shop 24" not in related and "A party in the related-party register (affiliate)" in related
    events = references.render(drafting.draft("subsequent_events", FACTS), VALUES)
    assert "Its estimated financial effect is 750,000.00." in events
    assert "2,000,000" not in events and "An event in the subsequent events register requires disclosure." in events
    assert "On February 3" not in events  # a day of the month without its year reads as a figure


def test_going_concern_names_the_conditions_found() -> None:
    rendered = references.render(drafting.draft("going_concern", FACTS), VALUES)
    assert "(current assets 39,000.00, current liabilities 115,000.00)." in rendered
    assert "Current liabilities exceed current assets" in rendered
    assert "net loss" not in rendered


class Rewording:
    """A hand-written model: answers with the text it was built with, whatever it is asked."""

    def __init__(self, body: str, name: str = "azure-openai:test") -> None:
        self.body, self.name = body, name
        self.asked: list[str] = []

    def complete(self, messages: list[Any], schema: Any = None) -> Any:
        self.asked.append(messages[-1]["content"])
        return schema(body=self.body)

    def embed(self, texts: list[str], *, query: bool = False) -> Any:
        raise AssertionError("drafting embeds nothing")


TEMPLATE = "Lease liability: {{tb:21700}}. [[source:asc-842#disclosure-maturity]]"


def test_the_offline_model_keeps_the_template() -> None:
    from shared.llm import OfflineModel

    assert drafting.worded(TEMPLATE, "Leases", OfflineModel()) == (TEMPLATE, "offline")


def test_a_model_s_rewording_is_kept_when_it_keeps_every_reference_and_adds_no_figure() -> None:
    better = "At the year end the lease liability was {{tb:21700}} [[source:asc-842#disclosure-maturity]]."
    model = Rewording(better)
    assert drafting.worded(TEMPLATE, "Leases", model) == (better, "azure-openai:test")
    assert TEMPLATE in model.asked[0]  # the template is the passage the model works from


@pytest.mark.parametrize(
    "bad",
    [
        "The lease liability was 118,000.40 [[source:asc-842#disclosure-maturity]].",  # a figure, its reference lost
        "The lease liability was {{tb:21700}}, at a rate of 5%. [[source:asc-842#disclosure-maturity]]",
        "The lease liability was {{tb:21700}} [[source:asc-842#disclosure-maturity]] [[source:asc-842#recognition]].",
        "",
    ],
)
def test_a_model_s_text_that_changes_a_reference_or_writes_a_figure_is_not_kept(bad: str) -> None:
    body, drafted_with = drafting.worded(TEMPLATE, "Leases", Rewording(bad))
    assert body == TEMPLATE
    assert drafted_with.startswith("azure-openai:test (template kept")
