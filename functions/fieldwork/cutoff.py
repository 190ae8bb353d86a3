"""Cut-off testing as values: which ledger lines fall in the window either side of the period end, in
which area, and which are flagged because their document is dated in the other period.

Cut-off errors sit at the period end: a sale invoiced in January posted to December, or a December
purchase posted in January. The test looks at lines posted within N days either side of the period
end on accounts mapped to revenue, receivables, inventory or payables, and flags a line whose document
date and posting (effective) date fall in different periods. A line without a document date cannot
be flagged; it is counted so the auditor sees how much the test could not judge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

AREAS = ("revenue", "receivables", "inventory", "payables")
# The standard chart's lead sheets (shared/standard_chart.LEAD_SHEETS) each area covers.
AREA_OF_LEAD_SHEET = {"R": "revenue", "B": "receivables", "C": "inventory", "L": "payables"}
DEFAULT_WINDOW_DAYS = 5
MAX_WINDOW_DAYS = 60


def area_of(section: str | None, lead_sheet: str | None) -> str | None:
    """The cut-off area of a standard account, or None when cut-off does not test it."""
    if section == "revenue":
        return "revenue"
    return AREA_OF_LEAD_SHEET.get(lead_sheet or "")


@dataclass(frozen=True)
class LedgerLine:
    row_number: int
    journal_id: str
    line_number: int
    account_number: str
    amount: Decimal
    effective_date: date
    document_date: date | None
    description: str | None


@dataclass(frozen=True)
class CutoffLine:
    line: LedgerLine
    area: str
    side: str  # before (on or before the period end) | after
    flagged: bool


def window(period_end: date, days: int) -> tuple[date, date]:
    """The first and last posting dates the test reads: N days before the period end (inclusive) to N after."""
    return period_end - timedelta(days=days), period_end + timedelta(days=days)


def side_of(day: date, period_end: date) -> str:
    return "before" if day <= period_end else "after"


def classify(lines: Iterable[LedgerLine], areas: Mapping[str, str], *, period_end: date, days: int) -> list[CutoffLine]:
    """The lines in the window on accounts with an area, in posting date then journal order, with their flags."""
    first, last = window(period_end, days)
    found = []
    for line in lines:
        area = areas.get(line.account_number.strip())
        if area is None or not first <= line.effective_date <= last:
            continue
        side = side_of(line.effective_date, period_end)
        flagged = line.document_date is not None and side_of(line.document_date, period_end) != side
        found.append(CutoffLine(line, area, side, flagged))
    found.sort(key=lambda c: (c.line.effective_date, c.line.journal_id, c.line.line_number, c.line.row_number))
    return found


def counts_by_area(lines: Sequence[CutoffLine]) -> dict[str, dict[str, object]]:
    """Per area: lines before and after the period end, flagged lines, lines without a document date,
    and the absolute amount of the flagged ones (what a cut-off error could move between periods)."""
    counts: dict[str, Counter[str]] = {area: Counter() for area in AREAS}
    flagged_amount: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for item in lines:
        tally = counts[item.area]
        tally[item.side] += 1
        tally["flagged"] += item.flagged
        tally["no_document_date"] += item.line.document_date is None
        if item.flagged:
            flagged_amount[item.area] += abs(item.line.amount)
    return {
        area: {
            "before": tally["before"],
            "after": tally["after"],
            "flagged": tally["flagged"],
            "no_document_date": tally["no_document_date"],
            "flagged_amount": str(flagged_amount[area].quantize(Decimal("0.01"))),
        }
        for area, tally in counts.items()
    }
