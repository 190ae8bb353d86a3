"""Exports of a run for the working papers: the flagged lines and the ranked journals, as CSV or XLSX.

The files are written by shared/exports.py, which keeps a journal id or memo that reads as a formula
inert; this module only says which rows and columns a run exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Sheet, csv_file, xlsx_file
from shared.journal_lines import credit, debit

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


MEDIA = {"csv": CSV_MEDIA_TYPE, "xlsx": XLSX_MEDIA_TYPE}


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    content: bytes


def export(what: str, fmt: str, rows: Iterable[tuple[Any, ...]], *, dataset_version: int) -> Export:
    """The rows (line_row or journal_row tuples, as `what` says) as a CSV or XLSX file of the run."""
    header = LINE_HEADER if what == "flagged_lines" else JOURNAL_HEADER
    content = csv_file(header, rows) if fmt == "csv" else xlsx_file(Sheet(what, rows, header=header))
    return Export(f"je-tests-v{dataset_version}-{what}.{fmt}", MEDIA[fmt], content)
