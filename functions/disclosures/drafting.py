"""Draft notes from the engagement's data: one template per topic, every amount written as a reference.

The templates are the offline drafting and what a model is given to improve (`worded`, through the
model port shared.llm; a model's text that loses a reference or adds a figure is not kept). They use
only references that resolve (`values`), so a draft passes the checker as generated. Text that comes from
the registers (a party's name, an event's description) is quoted only when it holds no figure of its
own; otherwise the draft points to the register instead of copying a number nobody bound to a source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pydantic

from functions.disclosures import checklist_data as data
from functions.disclosures import references
from functions.disclosures.references import literal_numbers
from functions.disclosures.sources import EventFigures, PartyFigures
from shared import going_concern
from shared.llm import LanguageModel, Passage, grounded_messages
from shared.mapped_tb import MappedLine

CURRENT_DEBT = ("2080", "2085", "2090", "2110")
LONG_TERM_DEBT = ("2500", "2510", "2520", "2530", "2540", "2560")
CURRENT_TAX = ("9000", "9020", "9030")
DEFERRED_TAX = ("9010",)
TAX_BALANCES = ("1170", "1660", "2060", "2570")


@dataclass(frozen=True)
class Facts:
    client_name: str
    period_end: date
    lines: Sequence[MappedLine]
    values: Mapping[str, Decimal]
    parties: Sequence[PartyFigures] = ()
    events: Sequence[EventFigures] = ()
    indicators: Mapping[str, bool] = field(default_factory=dict)
    citations: Mapping[str, Sequence[str]] = field(default_factory=dict)  # topic -> ["chunk:<uuid>", ...]


def long_date(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _ref(facts: Facts, key: str) -> str | None:
    return "{{" + key + "}}" if key in facts.values else None


def _quotable(text: str) -> bool:
    return bool(text.strip()) and not literal_numbers(text)


def _accounts(facts: Facts, codes: Sequence[str]) -> list[str]:
    """`Lease liability (account 21700): {{tb:21700}}` for each account on these codes with a balance."""
    found = []
    for line in facts.lines:
        ref = _ref(facts, f"tb:{line.account_number}")
        if line.standard_code in codes and ref is not None and _quotable(line.account_name):
            prior = _ref(facts, f"tb:{line.account_number}:prior")
            found.append(f"{line.account_name}: {ref}" + (f" (prior year {prior})" if prior else ""))
        elif line.standard_code in codes and ref is not None:
            found.append(f"the account {{{{tb:{line.account_number}}}}}")
    return found


def _listed(parts: Sequence[str]) -> str:
    return "; ".join(parts) + "." if parts else ""


def _policies(facts: Facts) -> str:
    name = facts.client_name if _quotable(facts.client_name) else "the Company"
    return (
        f"Basis of presentation. The financial statements of {name} "
        "have been prepared in accordance with accounting principles generally accepted in the United States "
        "of America. Use of estimates. Preparing financial statements requires management to make estimates "
        "and assumptions that affect the amounts reported; actual results could differ from those estimates."
    )


def _revenue(facts: Facts) -> str:
    total = _ref(facts, "section:revenue")
    text = "The Company recognizes revenue when control of the promised goods or services passes to the customer."
    if total:
        prior = _ref(facts, "section:revenue:prior")
        text += f" Revenue for the year ended {long_date(facts.period_end)} was {total}" + (
            f" (prior year {prior})." if prior else "."
        )
    revenue_codes = [line.standard_code for line in facts.lines if line.section == "revenue" and line.standard_code]
    parts = _accounts(facts, revenue_codes)
    if parts:
        text += " Revenue by source: " + _listed(parts)
    balances = _accounts(facts, data.CONTRACT_BALANCE_CODES)
    if balances:
        text += " Contract balances at the year end: " + _listed(balances)
    return text


def _leases(facts: Facts) -> str:
    parts = _accounts(facts, data.LEASE_CODES)
    return (
        "The Company leases assets under operating and finance leases and recognizes a right-of-use asset and a "
        f"lease liability for each lease with a term of more than twelve months. At {long_date(facts.period_end)}: "
        + _listed(parts)
        + " A maturity analysis of the undiscounted lease payments for each of the next five years and thereafter, "
        "reconciled to the lease liabilities, is to be completed from the lease schedules."
    )


def _debt(facts: Facts) -> str:
    current = _accounts(facts, CURRENT_DEBT)
    long_term = _accounts(facts, LONG_TERM_DEBT)
    text = f"Borrowings at {long_date(facts.period_end)}."
    if current:
        text += " Due within one year: " + _listed(current)
    if long_term:
        text += " Due after one year: " + _listed(long_term)
    interest = _accounts(facts, data.INTEREST_CODES)
    if interest:
        text += " Interest cost for the year: " + _listed(interest)
    return text + (
        " The maturities for each of the five years after the balance sheet date, the interest rates, collateral "
        "and covenants are to be completed from the loan agreements."
    )


def _taxes(facts: Facts) -> str:
    text = f"Income tax expense for the year ended {long_date(facts.period_end)}."
    for label, codes in (
        ("Current", CURRENT_TAX),
        ("Deferred", DEFERRED_TAX),
        ("Tax balances at the year end", TAX_BALANCES),
    ):
        parts = _accounts(facts, codes)
        if parts:
            text += f" {label}: " + _listed(parts)
    return text


def _related(facts: Facts) -> str:
    text = "The Company had the following transactions and balances with related parties."
    for party in facts.parties:
        total = _ref(facts, f"rp:{party.id}:total")
        name = party.name if _quotable(party.name) else "A party in the related-party register"
        relationship = party.relationship.replace("_", " ")
        if total:
            text += f" {name} ({relationship}): transactions during the year of {total}."
        else:
            text += f" {name} ({relationship}): no transactions confirmed during the year."
    balances = _accounts(facts, data.RELATED_CODES)
    if balances:
        text += " Balances at the year end: " + _listed(balances)
    return text


def _events(facts: Facts) -> str:
    text = (
        "The Company evaluated subsequent events through the date the financial statements were available to be issued."
    )
    for event in facts.events:
        if event.event_type != "nonrecognized":
            continue
        description = event.description.strip().rstrip(".") if _quotable(event.description) else None
        text += (
            f" {description}." if description else " An event in the subsequent events register requires disclosure."
        )
        amount = _ref(facts, f"se:{event.id}:amount")
        if amount:
            text += f" Its estimated financial effect is {amount}."
    return text


def _going_concern(facts: Facts) -> str:
    text = (
        "Management evaluated whether there are conditions or events that raise substantial doubt about the "
        "Company's ability to continue as a going concern within one year after the date the financial "
        "statements are available to be issued."
    )
    assets, liabilities = _ref(facts, "section:current_assets"), _ref(facts, "section:current_liabilities")
    if facts.indicators.get(going_concern.NEGATIVE_WORKING_CAPITAL):
        text += " Current liabilities exceed current assets" + (
            f" (current assets {assets}, current liabilities {liabilities})." if assets and liabilities else "."
        )
    if facts.indicators.get(going_concern.NEGATIVE_EQUITY):
        text += " Total liabilities exceed total assets."
    if facts.indicators.get(going_concern.NET_LOSS):
        text += " The Company incurred a net loss for the year."
    return text + " Management's plans to address these conditions are described below."


def _concentrations(facts: Facts) -> str:
    cash = _accounts(facts, data.CASH_CODES)
    text = (
        "The Company maintains its cash with financial institutions; balances at times exceed federally insured limits."
    )
    if cash:
        text += " Cash balances at the year end: " + _listed(cash)
    receivables = _accounts(facts, data.RECEIVABLE_CODES)
    if receivables:
        text += " Receivables, which the Company does not generally secure: " + _listed(receivables)
    return text


def _fair_value(facts: Facts) -> str:
    parts = _accounts(facts, data.FAIR_VALUE_CODES)
    return (
        "Fair value is the price that would be received to sell an asset or paid to transfer a liability in "
        "an orderly transaction between market participants. Items measured at fair value at the year end: "
        + _listed(parts)
        + " Their level in the fair value hierarchy is to be completed from the valuation workpapers."
    )


TEMPLATES: dict[str, Callable[[Facts], str]] = {
    "accounting_policies": _policies,
    "revenue": _revenue,
    "leases": _leases,
    "debt": _debt,
    "income_taxes": _taxes,
    "related_parties": _related,
    "subsequent_events": _events,
    "going_concern": _going_concern,
    "concentrations": _concentrations,
    "fair_value": _fair_value,
}


def draft(topic: str, facts: Facts) -> str:
    """The topic's note from the engagement's data, with its citations appended."""
    body = TEMPLATES[topic](facts).strip()
    cited = " ".join(f"[[{key}]]" for key in facts.citations.get(topic, ()))
    return f"{body} {cited}".strip()


DRAFT_SYSTEM = (
    "You draft one note to the financial statements of an audit client. Passage [1] is a draft built from the "
    "engagement's data; improve its wording only. Keep every {{...}} reference and [[...]] citation exactly as "
    "written, write no figure as digits (each amount must stay a reference), add no citation, and answer with "
    "the note's text in `body`."
)


class DraftedNote(pydantic.BaseModel):
    """The model's answer when drafting a note; the offline provider keeps the template (passage 1)."""

    body: str

    @classmethod
    def offline_answer(cls, _draft: Any, _question: str, passages: list[Passage]) -> DraftedNote:
        return cls(body=passages[0].text if passages else "")


def worded(template: str, title: str, model: LanguageModel) -> tuple[str, str]:
    """The model's wording of a template draft, and who drafted it. The model's text is kept only when it
    has exactly the template's references and citations and writes no figure; otherwise the template."""
    passages = [Passage(1, f"Draft note: {title}", template)]
    answer = model.complete(grounded_messages(f"Draft the note on {title}.", passages, DRAFT_SYSTEM), DraftedNote)
    body = answer.body.strip() if isinstance(answer, DraftedNote) else ""
    kept = set(references.references(template)) | set(references.citations(template))
    found = set(references.references(body)) | set(references.citations(body))
    if not body or found != kept or literal_numbers(body):
        return template, f"{model.name} (template kept: the model's text changed a reference or wrote a figure)"
    return body, model.name
