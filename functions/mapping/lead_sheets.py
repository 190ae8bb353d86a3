"""Lead sheets: the mapped final trial balance grouped by lead-sheet letter, one working paper each.

Per account: the prior year, the client's unadjusted balance, the recorded adjustments and the final
balance, debit positive as on the trial balance; per lead sheet the totals of each column. Only
confirmed mappings are placed; the rest are listed apart, so the lead sheets add up to the trial
balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shared.mapped_tb import MappedLine
from shared.standard_chart import LEAD_SHEETS, Chart

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Row:
    account_number: str
    account_name: str
    standard_code: str | None
    prior: Decimal | None
    unadjusted: Decimal
    adjustments: Decimal
    final: Decimal


@dataclass
class LeadSheet:
    letter: str
    title: str
    rows: list[Row] = field(default_factory=list)

    def total(self, column: str) -> Decimal | None:
        values = [getattr(row, column) for row in self.rows]
        if any(value is None for value in values):
            return None
        return sum(values, ZERO)


def _row(line: MappedLine) -> Row:
    return Row(
        line.account_number,
        line.account_name,
        line.standard_code,
        line.prior,
        line.unadjusted,
        line.adjustments,
        line.final,
    )


def build(lines: Sequence[MappedLine], chart: Chart) -> tuple[list[LeadSheet], list[Row]]:
    """The lead sheets in letter order, and the accounts not yet confirmed (unplaced)."""
    sheets: dict[str, LeadSheet] = {}
    unplaced: list[Row] = []
    for line in lines:
        account = chart.by_code.get(line.standard_code or "") if line.confirmed else None
        if account is None:
            unplaced.append(_row(line))
            continue
        sheet = sheets.setdefault(
            account.lead_sheet, LeadSheet(account.lead_sheet, LEAD_SHEETS.get(account.lead_sheet, account.lead_sheet))
        )
        sheet.rows.append(_row(line))
    return [sheets[letter] for letter in sorted(sheets)], unplaced
