"""Adjusting entries: the checks an entry must pass, and the summary of unadjusted differences.

An entry has at least two lines, each a debit or a credit (positive, never both), on accounts the
engagement's trial balance knows, and its debits equal its credits; a refusal names the line, the
field and the value, or the difference. Recorded entries change the final trial balance; proposed
and passed (waived) ones are the uncorrected misstatements, summarised against materiality and the
clearly-trivial threshold (docs/audit-rules.md section 6): each entry's effect on profit, whether it
is clearly trivial, and whether their total reaches performance or overall materiality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.errors import ValidationFailed
from shared.mapped_tb import INCOME_STATEMENT_SECTIONS

ZERO = Decimal("0.00")
KINDS = ("proposed", "recorded", "passed")
UNCORRECTED = ("proposed", "passed")


@dataclass(frozen=True)
class EntryLine:
    account_number: str
    debit: Decimal
    credit: Decimal


def check(lines: Sequence[EntryLine], known_accounts: set[str]) -> Decimal:
    """The entry's total (its debits), or a 400 naming what is wrong."""
    if len(lines) < 2:
        raise ValidationFailed.field(
            "body", "lines", message=f"an adjusting entry needs at least two lines, got {len(lines)}"
        )
    for index, line in enumerate(lines):
        where = ("body", "lines", str(index))
        if line.debit < 0 or line.credit < 0:
            field_name = "debit" if line.debit < 0 else "credit"
            raise ValidationFailed.field(
                *where, field_name, message=f"{getattr(line, field_name)} is negative; amounts are positive"
            )
        if (line.debit == 0) == (line.credit == 0):
            raise ValidationFailed.field(
                *where,
                "debit",
                message=f"line {index + 1} must have either a debit or a credit (debit {line.debit}, "
                f"credit {line.credit})",
            )
        if line.account_number not in known_accounts:
            raise ValidationFailed.field(
                *where,
                "account_number",
                message=f"account {line.account_number!r} is not in the engagement's trial balance",
                code="unknown_account",
            )
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits:
        raise ValidationFailed(
            f"The entry does not balance: debits {debits} and credits {credits} differ by {debits - credits}",
            errors=[
                {
                    "loc": ["body", "lines"],
                    "msg": f"debits {debits} - credits {credits} = {debits - credits}",
                    "type": "value_error",
                }
            ],
            code="adjustment_unbalanced",
            difference=str(debits - credits),
        )
    return debits


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
