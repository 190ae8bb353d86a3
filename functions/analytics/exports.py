"""Exports of a run for the working papers: the flagged lines and the ranked journals, as CSV or XLSX.

Cells that a spreadsheet would read as a formula (=, +, -, @ first) are prefixed with an apostrophe
(OWASP CSV injection); numbers stay numbers. XLSX is written by openpyxl's write-only workbook.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from functions.analytics import reads
from shared.db.models_analytics import JeDisposition, JeJournalRisk, JeRun
from shared.db.uow import UnitOfWork

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


def line_rows(uow: UnitOfWork, run: JeRun) -> Iterator[tuple[Any, ...]]:
    for line, tests, score, rank in reads.flagged_line_rows(uow, run):
        yield (
            rank,
            score,
            ", ".join(sorted(tests)),
            line.journal_id,
            line.line_number,
            line.account_number,
            max(line.amount, 0),
            max(-line.amount, 0),
            line.effective_date,
            line.entered_date,
            line.entered_time,
            line.entered_by,
            line.approved_by,
            line.description,
            line.row_number,
        )


def journal_rows(uow: UnitOfWork, run: JeRun) -> Iterator[tuple[Any, ...]]:
    from sqlalchemy import and_, select

    rows = uow.session.execute(
        select(JeJournalRisk, JeDisposition.status, JeDisposition.note)
        .outerjoin(
            JeDisposition,
            and_(JeDisposition.dataset_id == run.dataset_id, JeDisposition.journal_id == JeJournalRisk.journal_id),
        )
        .where(JeJournalRisk.run_id == run.id)
        .order_by(JeJournalRisk.rank)
        .execution_options(yield_per=10_000)
    )
    for risk, status, note in rows:
        yield (
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


def export(uow: UnitOfWork, run: JeRun, *, what: str, fmt: str) -> bytes:
    header, rows = (
        (LINE_HEADER, line_rows(uow, run)) if what == "flagged_lines" else (JOURNAL_HEADER, journal_rows(uow, run))
    )
    return to_csv(header, rows) if fmt == "csv" else to_xlsx(what, header, rows)
