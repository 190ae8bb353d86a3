"""What a note's references resolve to: the engagement's figures as plain values, keyed as the references are.

Built from the mapped final trial balance (every account, its caption and section) and the registers
(related-party transactions confirmed by the auditor, subsequent events with an amount). An account is
shown on its normal side (interest expense as a positive debit, a lease liability as a positive credit),
an account not yet mapped with its ledger sign (debit positive); captions and sections are signed as the
statements present them and add the confirmed mappings only, like the statements.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from shared.mapped_tb import MappedLine
from shared.standard_chart import StandardAccount
from shared.statements import CREDIT_SECTIONS

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PartyFigures:
    id: str
    name: str
    relationship: str
    total: Decimal  # confirmed transactions, absolute amounts added
    transactions: int


@dataclass(frozen=True)
class EventFigures:
    id: str
    description: str
    event_type: str
    amount: Decimal | None


def slug(caption: str) -> str:
    """`Operating lease liabilities, non-current` -> `operating-lease-liabilities-non-current`."""
    return re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-")


def _line_sign(line: MappedLine, chart: Mapping[str, StandardAccount]) -> int:
    """An account is presented on its normal side (a credit-normal account's credit balance is positive);
    an unmapped one keeps its ledger sign."""
    account = chart.get(line.standard_code or "")
    return -1 if account is not None and account.normal_balance == "credit" else 1


def _section_sign(section: str) -> int:
    return -1 if section in CREDIT_SECTIONS else 1


def values(
    lines: Iterable[MappedLine],
    chart: Mapping[str, StandardAccount],
    parties: Iterable[PartyFigures] = (),
    events: Iterable[EventFigures] = (),
) -> dict[str, Decimal]:
    """Every reference the engagement's data can resolve; `chart` is the standard chart by code."""
    found: dict[str, Decimal] = {}
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        sign = _line_sign(line, chart)
        found[f"tb:{line.account_number}"] = sign * line.final
        if line.prior is not None:
            found[f"tb:{line.account_number}:prior"] = sign * line.prior
        if not line.confirmed or line.standard_code is None or line.section is None:
            continue
        sign = _section_sign(line.section)
        keys = [f"section:{line.section}"]
        if line.standard_code in chart:
            keys.append(f"caption:{slug(chart[line.standard_code].caption)}")
        for key in keys:
            totals[key] += sign * line.final
            if line.prior is not None:
                totals[f"{key}:prior"] += sign * line.prior
    found.update(totals)
    for party in parties:
        found[f"rp:{party.id}:total"] = party.total
    for event in events:
        if event.amount is not None:
            found[f"se:{event.id}:amount"] = event.amount
    return found
