"""Queries of a completed run: a test's flagged lines, the journals ranked by risk with their lines, the
triage counts and exceptions, and the rows of its exports. Nothing here checks access (service.py does
before it calls) and nothing writes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select

from functions.analytics.triage import EXCEPTIONS_LISTED
from shared import journal_lines as lines
from shared.db.models_analytics import JeDisposition, JeFlag, JeJournalRisk, JeRun
from shared.db.models_ingestion import JournalLine
from shared.db.uow import UnitOfWork


def _disposition_of(run: JeRun) -> Any:
    """The join of a run's journal risks to their dispositions (which belong to the dataset version)."""
    return and_(JeDisposition.dataset_id == run.dataset_id, JeDisposition.journal_id == JeJournalRisk.journal_id)


def _flagged_lines(run: JeRun, test: str) -> Any:
    return (
        lines.of_dataset(run.dataset_id)
        .add_columns(JeFlag.score)
        .join(
            JeFlag,
            and_(
                JeFlag.run_id == run.id,
                JeFlag.test == test,
                JournalLine.dataset_id == run.dataset_id,
                JournalLine.row_number == JeFlag.row_number,
            ),
        )
    )


def test_lines(
    uow: UnitOfWork,
    run: JeRun,
    test: str,
    *,
    account_number: str | None,
    journal_id: str | None,
    entered_by: str | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the lines a test flagged, in file order, with the test's score for each."""
    query = _flagged_lines(run, test)
    if account_number:
        query = query.where(func.btrim(JournalLine.account_number) == account_number.strip())
    if journal_id:
        query = query.where(JournalLine.journal_id == journal_id)
    if entered_by:
        query = query.where(func.lower(func.btrim(JournalLine.entered_by)) == entered_by.strip().lower())
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.execute(query.order_by(JeFlag.row_number).offset(offset).limit(limit)).all()
    names = lines.account_names(uow, run.engagement_id, [line.account_number for line, _ in rows])
    return [lines.values(line, lines.VIEW_FIELDS, names, score=score) for line, score in rows], int(total)


@dataclass
class RankedJournal:
    """A flagged journal as the ranking shows it: its risk, its disposition, every line of it."""

    journal_id: str
    rank: int
    score: Decimal
    tests: list[str]
    flagged_lines: int
    debit_total: Decimal
    disposition: JeDisposition | None
    lines: list[dict[str, Any]]


def ranked_journals(
    uow: UnitOfWork,
    run: JeRun,
    *,
    offset: int,
    limit: int,
    test: str | None = None,
    disposition: str | None = None,
) -> tuple[list[RankedJournal], int]:
    """Flagged journals by rank (score, then debit total), each with its disposition and all its lines."""
    query = select(JeJournalRisk, JeDisposition).outerjoin(JeDisposition, _disposition_of(run))
    query = query.where(JeJournalRisk.run_id == run.id)
    if test:
        query = query.where(JeJournalRisk.tests.contains([test]))
    if disposition == "open":
        query = query.where((JeDisposition.status.is_(None)) | (JeDisposition.status == "open"))
    elif disposition:
        query = query.where(JeDisposition.status == disposition)
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.execute(query.order_by(JeJournalRisk.rank).offset(offset).limit(limit)).all()
    found = _journal_lines(uow, run, [risk.journal_id for risk, _ in rows])
    ranked = [
        RankedJournal(
            journal_id=risk.journal_id,
            rank=risk.rank,
            score=risk.score,
            tests=risk.tests,
            flagged_lines=risk.flagged_lines,
            debit_total=risk.debit_total,
            disposition=dispo,
            lines=found.get(risk.journal_id, []),
        )
        for risk, dispo in rows
    ]
    return ranked, int(total)


def _journal_lines(uow: UnitOfWork, run: JeRun, journals: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every line of these journals, with the tests each line hit in the run."""
    if not journals:
        return {}
    hits: dict[int, list[str]] = defaultdict(list)
    for row_number, test in uow.session.execute(
        select(JeFlag.row_number, JeFlag.test)
        .where(JeFlag.run_id == run.id, JeFlag.journal_id.in_(journals))
        .order_by(JeFlag.row_number, JeFlag.test)
    ):
        hits[row_number].append(test)
    by_journal = lines.of_journals(uow.session, run.dataset_id, journals)
    names = lines.account_names(
        uow, run.engagement_id, [line.account_number for j in by_journal.values() for line in j]
    )
    return {
        journal_id: [
            lines.values(line, lines.VIEW_FIELDS, names, tests=hits.get(line.row_number, [])) for line in found
        ]
        for journal_id, found in by_journal.items()
    }


def latest_completed(uow: UnitOfWork, engagement_id: uuid.UUID) -> JeRun | None:
    return uow.session.scalar(
        select(JeRun)
        .where(JeRun.engagement_id == engagement_id, JeRun.status == "completed")
        .order_by(JeRun.created_at.desc(), JeRun.id)
        .limit(1)
    )


def disposition_counts(uow: UnitOfWork, run: JeRun) -> dict[str, int]:
    """The run's flagged journals by disposition; a journal not yet dispositioned counts as open."""
    status = func.coalesce(JeDisposition.status, "open")
    counted = (
        select(status.label("status"), func.count().label("n"))
        .select_from(JeJournalRisk)
        .outerjoin(JeDisposition, _disposition_of(run))
        .where(JeJournalRisk.run_id == run.id)
        .group_by(status)
    )
    return {row.status: int(row.n) for row in uow.session.execute(counted)}


def exceptions(uow: UnitOfWork, run: JeRun) -> list[Any]:
    """The journals concluded to be exceptions, by rank (the first EXCEPTIONS_LISTED): id, score, tests, note."""
    return list(
        uow.session.execute(
            select(JeJournalRisk.journal_id, JeJournalRisk.score, JeJournalRisk.tests, JeDisposition.note)
            .join(JeDisposition, _disposition_of(run))
            .where(JeJournalRisk.run_id == run.id, JeDisposition.status == "exception")
            .order_by(JeJournalRisk.rank)
            .limit(EXCEPTIONS_LISTED)
        ).all()
    )


def flagged_line_rows(uow: UnitOfWork, run: JeRun) -> Any:
    """Every flagged line once, with the tests it hit and its journal's score and rank, in file order (export)."""
    tests = (
        select(JeFlag.row_number, func.array_agg(JeFlag.test).label("tests"))
        .where(JeFlag.run_id == run.id)
        .group_by(JeFlag.row_number)
        .subquery()
    )
    return uow.session.execute(
        lines.of_dataset(run.dataset_id)
        .add_columns(tests.c.tests, JeJournalRisk.score, JeJournalRisk.rank)
        .join(tests, and_(JournalLine.dataset_id == run.dataset_id, JournalLine.row_number == tests.c.row_number))
        .join(JeJournalRisk, and_(JeJournalRisk.run_id == run.id, JeJournalRisk.journal_id == JournalLine.journal_id))
        .order_by(JournalLine.row_number)
        .execution_options(yield_per=10_000)
    )


def journal_rows(uow: UnitOfWork, run: JeRun) -> Any:
    """Every flagged journal by rank with its disposition's status and note (export)."""
    return uow.session.execute(
        select(JeJournalRisk, JeDisposition.status, JeDisposition.note)
        .outerjoin(JeDisposition, _disposition_of(run))
        .where(JeJournalRisk.run_id == run.id)
        .order_by(JeJournalRisk.rank)
        .execution_options(yield_per=10_000)
    )
