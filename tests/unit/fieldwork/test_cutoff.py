"""Cut-off windows and flags on a constructed ledger, worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from functions.fieldwork import cutoff
from functions.fieldwork.cutoff import LedgerLine

pytestmark = pytest.mark.unit

END = date(2026, 12, 31)
AREAS = {"4000": "revenue", "1100": "receivables", "1200": "inventory", "2000": "payables"}


def line(row: int, account: str, amount: str, posted: date, document: date | None) -> LedgerLine:
    return LedgerLine(row, f"J{row}", 1, account, Decimal(amount), posted, document, None)


LEDGER = [
    line(1, "4000", "-100.00", date(2026, 12, 30), date(2026, 12, 30)),  # before, same period
    line(2, "4000", "-250.00", date(2026, 12, 31), date(2027, 1, 3)),  # before, document after: flagged
    line(3, "1100", "250.00", date(2027, 1, 2), date(2026, 12, 29)),  # after, document before: flagged
    line(4, "2000", "-80.00", date(2027, 1, 5), None),  # after, no document date: not judged
    line(5, "1200", "40.00", date(2026, 12, 26), date(2027, 1, 1)),  # last day in, flagged
    line(6, "1200", "40.00", date(2026, 12, 25), date(2027, 1, 1)),  # one day before the window
    line(7, "2000", "-60.00", date(2027, 1, 6), date(2026, 12, 1)),  # one day after the window
    line(8, "1000", "500.00", date(2026, 12, 31), date(2027, 1, 2)),  # cash: no cut-off area
]


def test_the_window_holds_n_days_either_side_and_flags_documents_in_the_other_period() -> None:
    found = cutoff.classify(LEDGER, AREAS, period_end=END, days=5)
    assert [(c.line.row_number, c.area, c.side, c.flagged) for c in found] == [
        (5, "inventory", "before", True),
        (1, "revenue", "before", False),
        (2, "revenue", "before", True),
        (3, "receivables", "after", True),
        (4, "payables", "after", False),
    ]


def test_a_window_of_zero_days_reads_the_period_end_only() -> None:
    found = cutoff.classify(LEDGER, AREAS, period_end=END, days=0)
    assert [c.line.row_number for c in found] == [2]


def test_counts_by_area_add_up_the_flagged_amounts() -> None:
    counts = cutoff.counts_by_area(cutoff.classify(LEDGER, AREAS, period_end=END, days=5))
    assert counts["revenue"] == {
        "before": 2,
        "after": 0,
        "flagged": 1,
        "no_document_date": 0,
        "flagged_amount": "250.00",
    }
    assert counts["payables"] == {
        "before": 0,
        "after": 1,
        "flagged": 0,
        "no_document_date": 1,
        "flagged_amount": "0.00",
    }
    assert counts["inventory"]["flagged_amount"] == "40.00"


def test_areas_come_from_the_section_or_the_lead_sheet() -> None:
    assert cutoff.area_of("revenue", "R") == "revenue"
    assert cutoff.area_of("current_assets", "B") == "receivables"
    assert cutoff.area_of("current_assets", "C") == "inventory"
    assert cutoff.area_of("current_liabilities", "L") == "payables"
    assert cutoff.area_of("current_assets", "A") is None
    assert cutoff.area_of(None, None) is None
