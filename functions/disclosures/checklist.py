"""Which checklist items the engagement's data switches on, and why: plain values in, plain values out.

An item is on when one of its triggers (checklist_data.py) fires on the mapped final trial balance, the
registers or the going-concern indicators; each firing trigger gives a reason a reviewer can check
("turned on by account 21700 Lease liability"). An account counts when it is mapped to a standard
account (confirmed or only suggested: a suggested lease account should already raise the lease items)
and has a balance this year or last.

The going-concern indicators are the three one year's trial balance decides alone (working capital
below zero, equity with the year's result below zero, a net loss for the year), decided by
shared/going_concern.py as financial analysis decides them beside its ratios (AU-C 570.A3); a reason
names the indicator by the title the analysis shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from functions.disclosures.checklist_data import Framework, Item, Trigger, items_for
from shared import going_concern as gc
from shared.mapped_tb import INCOME_STATEMENT_SECTIONS, MappedLine

ZERO = Decimal("0")
SECTION_NAMES = {
    "current_assets": "current assets",
    "non_current_assets": "non-current assets",
    "current_liabilities": "current liabilities",
    "non_current_liabilities": "non-current liabilities",
    "equity": "equity",
    "revenue": "revenue",
    "cost_of_sales": "cost of sales",
    "operating_expenses": "operating expenses",
    "other_income_expense": "other income and expense",
    "income_tax": "income tax",
}


@dataclass(frozen=True)
class RelatedParty:
    id: str
    name: str


@dataclass(frozen=True)
class Event:
    id: str
    description: str
    event_type: str  # recognized | nonrecognized


@dataclass(frozen=True)
class Registers:
    related_parties: tuple[RelatedParty, ...] = ()
    subsequent_events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class ItemState:
    item: Item
    on: bool
    reasons: tuple[str, ...]


def _has_balance(line: MappedLine) -> bool:
    return line.standard_code is not None and (line.final != ZERO or (line.prior or ZERO) != ZERO)


def indicators(lines: Iterable[MappedLine]) -> dict[str, bool]:
    """The going-concern indicators of the year from the mapped final balances, which are debit positive:
    credit sections are negated into the figures the statements show."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line.section is not None:
            totals[line.section] += line.final
    net_income = -sum((totals[section] for section in INCOME_STATEMENT_SECTIONS), ZERO)
    return gc.of_the_year(
        current_assets=totals["current_assets"],
        current_liabilities=-totals["current_liabilities"],
        equity=-totals["equity"] + net_income,
        net_income=net_income,
    )


def _in_sentence(title: str) -> str:
    return title[:1].lower() + title[1:]


def _account(line: MappedLine) -> str:
    return f"account {line.account_number} {line.account_name}"


def _reasons(trigger: Trigger, lines: Sequence[MappedLine], registers: Registers, flags: dict[str, bool]) -> list[str]:
    if trigger.kind == "always":
        return ["required for every engagement under this framework"]
    if trigger.kind == "accounts":
        return [f"turned on by {_account(line)}" for line in lines if line.standard_code in trigger.values]
    if trigger.kind == "section":
        found = [line for line in lines if line.section in trigger.values]
        if not found:
            return []
        names = ", ".join(SECTION_NAMES.get(section, section) for section in trigger.values)
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        return [f"turned on by the {names} accounts ({_account(found[0])}{more})"]
    if trigger.kind == "register":
        reasons: list[str] = []
        if "related_parties" in trigger.values:
            reasons += [f"turned on by related party {party.name}" for party in registers.related_parties]
        if "subsequent_events" in trigger.values:
            reasons += [
                f"turned on by the {event.event_type} subsequent event: {event.description}"
                for event in registers.subsequent_events
                if event.event_type == "nonrecognized"
            ]
        return reasons
    return [
        f"turned on by the going-concern indicator: {_in_sentence(gc.TITLES[code])}"
        for code in trigger.values
        if flags.get(code)
    ]


def evaluate(framework: Framework, lines: Sequence[MappedLine], registers: Registers) -> list[ItemState]:
    """Every item of the framework's checklist, on or off, with the reasons it is on."""
    with_balance = [line for line in lines if _has_balance(line)]
    flags = indicators(lines)
    states = []
    for item in items_for(framework):
        reasons: list[str] = []
        for trigger in item.triggers:
            reasons += [reason for reason in _reasons(trigger, with_balance, registers, flags) if reason not in reasons]
        states.append(ItemState(item, bool(reasons), tuple(reasons)))
    return states
