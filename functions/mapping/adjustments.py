"""Adjusting entries: the summary of unadjusted differences.

An entry passes the checks of shared/adjusting_entries.py when it is added. Recorded entries
change the final trial balance; proposed and passed (waived) ones are the uncorrected misstatements,
summarised against materiality and the clearly-trivial threshold (docs/audit-rules.md section 6):
each entry's effect on profit, whether it is clearly trivial, and whether their total reaches
performance or overall materiality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.adjusting_entries import ZERO, EntryLine
from shared.mapped_tb import INCOME_STATEMENT_SECTIONS

KINDS = ("proposed", "recorded", "passed")
UNCORRECTED = ("proposed", "passed")


@dataclass(frozen=True)
class Entry:
    number: int
    kind: str
    description: str
    lines: Sequence[EntryLine]


@dataclass(frozen=True)
class Difference:
    number: int
    kind: str
    description: str
    amount: Decimal  # the entry's total debits
    profit_effect: Decimal  # what correcting it would add to profit (negative: lower profit)
    clearly_trivial: bool | None  # None without materiality


@dataclass(frozen=True)
class Summary:
    differences: list[Difference]
    profit_effect: Decimal  # the total of the uncorrected misstatements' effects on profit
    overall: Decimal | None
    performance: Decimal | None
    clearly_trivial: Decimal | None
    conclusion: str  # no_materiality | none | clearly_trivial | below_performance | below_overall | material
    unmapped_accounts: list[str]


def profit_effect(entry: Entry, sections: Mapping[str, str | None]) -> Decimal:
    """Credits to income statement accounts less debits to them: the entry's effect on profit."""
    return -sum(
        (
            line.debit - line.credit
            for line in entry.lines
            if sections.get(line.account_number) in INCOME_STATEMENT_SECTIONS
        ),
        ZERO,
    )


def summarise(
    entries: Sequence[Entry],
    sections: Mapping[str, str | None],
    materiality: tuple[Decimal, Decimal, Decimal] | None,
) -> Summary:
    """The summary of unadjusted differences: the proposed and passed entries against materiality."""
    overall, performance, trivial = materiality if materiality else (None, None, None)
    differences = []
    unmapped: set[str] = set()
    for entry in entries:
        if entry.kind not in UNCORRECTED:
            continue
        amount = sum((line.debit for line in entry.lines), ZERO)
        unmapped |= {line.account_number for line in entry.lines if sections.get(line.account_number) is None}
        differences.append(
            Difference(
                entry.number,
                entry.kind,
                entry.description,
                amount,
                profit_effect(entry, sections),
                None if trivial is None else amount <= trivial,
            )
        )
    total = sum((d.profit_effect for d in differences), ZERO)
    return Summary(
        differences,
        total,
        overall,
        performance,
        trivial,
        _conclusion(differences, total, materiality),
        sorted(unmapped),
    )


def _conclusion(
    differences: Sequence[Difference], total: Decimal, materiality: tuple[Decimal, Decimal, Decimal] | None
) -> str:
    if not differences:
        return "none"
    if materiality is None:
        return "no_materiality"
    overall, performance, trivial = materiality
    size = max(abs(total), max(d.amount for d in differences))
    if all(d.clearly_trivial for d in differences) and abs(total) <= trivial:
        return "clearly_trivial"
    if size < performance:
        return "below_performance"
    if size < overall:
        return "below_overall"
    return "material"
