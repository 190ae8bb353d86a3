"""Exports of a run for the working papers: the flagged lines and the ranked journals, as CSV or XLSX.

Cells that a spreadsheet would read as a formula (=, +, -, @ first) are prefixed with an apostrophe
(OWASP CSV injection); numbers stay numbers. XLSX is written by openpyxl's write-only workbook.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.journal_lines import credit, debit

XLSX_ROWS = 1_048_575  # a worksheet's rows below its header
LINE_HEADER = (
    "rank",
    "journal_score",
    "tests",
    "journal_id",
    "line_number",
    "account_number",
    "debit",
    "credit",
    "effective_date",
    "entered_date",
    "entered_time",
    "entered_by",
    "approved_by",
    "description",
    "row_number",
)
JOURNAL_HEADER = ("rank", "journal_id", "score", "tests", "flagged_lines", "debit_total", "disposition", "note")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def line_row(line: Any, tests: Iterable[str], score: Any, rank: Any) -> tuple[Any, ...]:
    """A flagged line's export row: its journal's rank and score, the tests it hit, the line."""
    return (
        rank,
        score,
        ", ".join(sorted(tests)),
        line.journal_id,
        line.line_number,
        line.account_number,
        debit(line.amount),
        credit(line.amount),
        line.effective_date,
        line.entered_date,
        line.entered_time,
        line.entered_by,
        line.approved_by,
        line.description,
        line.row_number,
    )


def journal_row(risk: Any, status: str | None, note: str | None) -> tuple[Any, ...]:
    """A flagged journal's export row; a journal not yet dispositioned is open."""
    return (
        risk.rank,
        risk.journal_id,
        risk.score,
        ", ".join(risk.tests),
        risk.flagged_lines,
        risk.debit_total,
        status or "open",
        note,
    )


def to_csv(header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(header))
    for count, row in enumerate(rows):
        if count >= XLSX_ROWS:
            break
        sheet.append([float(v) if isinstance(v, Decimal) else _safe(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    content: bytes


def export(what: str, fmt: str, rows: Iterable[tuple[Any, ...]], *, dataset_version: int) -> Export:
    """The rows (line_row or journal_row tuples, as `what` says) as a CSV or XLSX file of the run."""
    header = LINE_HEADER if what == "flagged_lines" else JOURNAL_HEADER
    content = to_csv(header, rows) if fmt == "csv" else to_xlsx(what, header, rows)
    return Export(f"je-tests-v{dataset_version}-{what}.{fmt}", MEDIA[fmt], content)
