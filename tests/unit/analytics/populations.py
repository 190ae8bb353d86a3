"""Populations of journal lines made by hand, as the runner holds them (an Arrow table), for unit tests."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pyarrow as pa

from functions.analytics import runner
from functions.analytics.je_tests import Context

FY = Context(date(2026, 1, 1), date(2026, 12, 31), None)
PLACEHOLDER = date(1900, 1, 1)
TUESDAY = date(2026, 3, 3)
CLEAN: dict[str, Any] = {
    "journal_id": "J1",
    "line_number": 1,
    "account_number": "5000",
    "cents": 110_011,
    "effective_date": TUESDAY,
    "entered_date": TUESDAY,
    "entered_time": time(10, 15),
    "entered_by": "alice",
    "approved_by": "manager",
    "document_date": TUESDAY,
    "period": "3",
    "business_unit": None,
    "description": "Invoice 1001",
    "header_description": "Monthly posting",
}


def line(journal_id: str = "J1", cents: int = 110_011, **fields: Any) -> dict[str, Any]:
    return CLEAN | {"journal_id": journal_id, "cents": cents} | fields


def journal(journal_id: str, *cents: int, **fields: Any) -> list[dict[str, Any]]:
    """A journal of lines with these signed amounts (in cents), numbered 1, 2, ...; `fields` on every line."""
    return [line(journal_id, amount, line_number=n, **fields) for n, amount in enumerate(cents, start=1)]


def population(*lines: dict[str, Any] | list[dict[str, Any]]) -> pa.Table:
    """The lines (or journals of lines) as the runner's Arrow population, row numbers from 2."""
    flat: list[dict[str, Any]] = []
    for item in lines:
        flat.extend(item if isinstance(item, list) else [item])
    rows = [item | {"row_number": number} for number, item in enumerate(flat, start=2)]
    return pa.Table.from_pylist(rows, schema=pa.schema(list(runner.population_types().items())))
