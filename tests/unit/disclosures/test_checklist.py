"""The checklist turns items on from a constructed trial balance and registers, and says why each is on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.disclosures import checklist, checklist_data
from functions.disclosures.checklist import Event, Registers, RelatedParty
from shared.mapped_tb import MappedLine

pytestmark = pytest.mark.unit


def line(
    number: str, name: str, code: str | None, section: str | None, final: str, prior: str | None = None
) -> MappedLine:
    return MappedLine(
        account_number=number,
        account_name=name,
        standard_code=code,
        section=section,
        status="confirmed" if code else "pending",
        unadjusted=Decimal(final),
        adjustments=Decimal("0"),
        prior=Decimal(prior) if prior is not None else None,
    )


HEALTHY = [
    line("10100", "Operating account", "1010", "current_assets", "500000"),
    line("40000", "Sales", "4000", "revenue", "-900000"),
    line("50000", "Cost of sales", "5000", "cost_of_sales", "400000"),
    line("30000", "Retained earnings", "3030", "equity", "-0.00"),
]


def by_code(states: list[checklist.ItemState]) -> dict[str, checklist.ItemState]:
    return {state.item.code: state for state in states}


def test_a_lease_liability_account_turns_on_the_lease_items_naming_the_account() -> None:
    lines = [*HEALTHY, line("21700", "Lease liability", "2550", "non_current_liabilities", "-125000")]
    states = by_code(checklist.evaluate("us_gaap_private", lines, Registers()))
    for code in ("leases.general", "leases.cost", "leases.maturity", "leases.rates_terms"):
        assert states[code].on
        assert states[code].reasons == ("turned on by account 21700 Lease liability",)
    without = by_code(checklist.evaluate("us_gaap_private", HEALTHY, Registers()))
    assert not without["leases.maturity"].on and without["leases.maturity"].reasons == ()


def test_debt_and_tax_accounts_turn_on_their_items_and_a_zero_balance_does_not() -> None:
    lines = [
        *HEALTHY,
        line("22000", "Bank loan", "2500", "non_current_liabilities", "-300000"),
        line("26000", "Income tax payable", "2060", "current_liabilities", "0", prior="0"),
        line("90000", "Tax expense", "9000", "income_tax", "42000"),
    ]
    states = by_code(checklist.evaluate("us_gaap_private", lines, Registers()))
    assert states["debt.maturities"].reasons == ("turned on by account 22000 Bank loan",)
    assert states["taxes.components"].reasons == (
        "turned on by account 90000 Tax expense",
        "turned on by the income tax accounts (account 90000 Tax expense)",
    )


def test_an_unmapped_account_turns_nothing_on() -> None:
    lines = [*HEALTHY, line("21700", "Lease liability", None, None, "-125000")]
    assert not by_code(checklist.evaluate("us_gaap_private", lines, Registers()))["leases.general"].on


def test_the_registers_turn_on_related_party_and_subsequent_event_items() -> None:
    registers = Registers(
        related_parties=(RelatedParty("p1", "Jane Founder"),),
        subsequent_events=(
            Event("e1", "Warehouse destroyed by fire", "nonrecognized"),
            Event("e2", "Customer bankruptcy settled", "recognized"),
        ),
    )
    states = by_code(checklist.evaluate("us_gaap_private", HEALTHY, registers))
    assert states["related.transactions"].reasons == ("turned on by related party Jane Founder",)
    assert states["events.nonrecognized"].reasons == (
        "turned on by the nonrecognized subsequent event: Warehouse destroyed by fire",
    )
    quiet = by_code(checklist.evaluate("us_gaap_private", HEALTHY, Registers()))
    assert not quiet["related.transactions"].on and not quiet["events.nonrecognized"].on
    assert quiet["events.evaluation_date"].on  # every private-company statement says it


def test_going_concern_items_follow_the_indicators_of_the_trial_balance() -> None:
    healthy = by_code(checklist.evaluate("us_gaap_private", HEALTHY, Registers()))
    assert not healthy["going_concern.conditions"].on
    distressed = [
        line("10100", "Operating account", "1010", "current_assets", "20000"),
        line("20000", "Trade payables", "2000", "current_liabilities", "-90000"),
        line("40000", "Sales", "4000", "revenue", "-100000"),
        line("60000", "Salaries", "6000", "operating_expenses", "170000"),
    ]
    assert checklist.indicators(distressed) == {
        "negative_working_capital": True,
        "negative_equity": True,
        "net_loss": True,
    }
    states = by_code(checklist.evaluate("us_gaap_private", distressed, Registers()))
    assert states["going_concern.conditions"].reasons == (
        "turned on by the going-concern indicator: negative working capital"
        " (current liabilities exceed current assets)",
        "turned on by the going-concern indicator: negative equity (liabilities exceed assets)",
        "turned on by the going-concern indicator: net loss for the year",
    )


def test_the_issuer_checklist_adds_regulation_s_x_and_drops_private_company_alternatives() -> None:
    private = {item.code for item in checklist_data.items_for("us_gaap_private")}
    issuer = {item.code for item in checklist_data.items_for("sec_issuer")}
    assert {"debt.liens", "debt.defaults", "related.face_amounts", "taxes.expense_detail"} <= issuer - private
    assert {"revenue.disaggregation_private", "events.evaluation_date"} <= private - issuer
    assert all(
        checklist_data.BY_CODE[code].citation.startswith("Regulation S-X") for code in ("debt.liens", "debt.defaults")
    )


def test_every_item_cites_a_section_and_names_a_known_topic() -> None:
    for item in checklist_data.ITEMS:
        assert item.topic in checklist_data.TOPICS, item.code
        assert item.citation.startswith(("ASC ", "Regulation S-X ")), item.code
        assert item.triggers, item.code
    assert len(checklist_data.BY_CODE) == len(checklist_data.ITEMS)
    for framework in checklist_data.FRAMEWORKS:
        assert {item.topic for item in checklist_data.items_for(framework)} == set(checklist_data.TOPICS)


def test_the_topics_are_the_notes_table_s_in_its_order() -> None:
    from shared.db.models_disclosures import NOTE_TOPICS

    assert tuple(checklist_data.TOPICS) == NOTE_TOPICS
