"""Queries of a run: a test's flagged lines, the journals ranked by risk with their lines, the triage
counts and exceptions, and the rows of its exports. Nothing here checks access (service.py does before
it calls) and nothing writes.

A flagged line is one row of `je_line_flags` whose bitmask names the tests that flagged it (bit i: the
run's i-th test); a test that scores its lines (`JeTest.scored`) has a row per line in `je_flag_scores`
instead (models_analytics.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, literal, null, select, union_all

from functions.analytics.je_tests import TESTS
from functions.analytics.triage import EXCEPTIONS_LISTED
from shared import journal_lines as lines
from shared.db.models_analytics import JeDisposition, JeFlagScore, JeJournalRisk, JeLineFlag, JeRun
from shared.db.models_ingestion import JournalLine
from shared.db.uow import UnitOfWork


def _disposition_of(run: JeRun) -> Any:
    """The join of a run's journal risks to their dispositions (which belong to the dataset version)."""
    return and_(JeDisposition.dataset_id == run.dataset_id, JeDisposition.journal_id == JeJournalRisk.journal_id)


def tests_of(run: JeRun, mask: int) -> list[str]:
    """The run's tests whose bits are set in a line's mask."""
    return [code for index, code in enumerate(run.tests) if mask >> index & 1]


def _flagged_lines(run: JeRun, test: str) -> Any:
    """The version's lines the test flagged, with the test's score for each (None for a test that does not
    score)."""
    if TESTS[test].scored:
        flagged = and_(
            JeFlagScore.run_id == run.id, JeFlagScore.test == test, JeFlagScore.row_number == JournalLine.row_number
        )
        return lines.of_dataset(run.dataset_id).add_columns(JeFlagScore.score).join(JeFlagScore, flagged)
    bit = 1 << run.tests.index(test)
    flagged = and_(
        JeLineFlag.run_id == run.id,
        JeLineFlag.row_number == JournalLine.row_number,
        JeLineFlag.tests.op("&")(bit) != 0,
    )
    return lines.of_dataset(run.dataset_id).add_columns(null().label("score")).join(JeLineFlag, flagged)


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
    known = [r["flagged_lines"] for r in run.results or [] if r["code"] == test]
    if known and not (account_number or journal_id or entered_by):
        total = known[0]  # what the run counted: no count over half a million flags for a page
    else:
        total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.execute(query.order_by(JournalLine.row_number).offset(offset).limit(limit)).all()
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
    by_journal = lines.of_journals(uow.session, run.dataset_id, journals)
    hits = flagged_tests(uow, run, [line.row_number for found in by_journal.values() for line in found])
    names = lines.account_names(
        uow, run.engagement_id, [line.account_number for j in by_journal.values() for line in j]
    )
    return {
        journal_id: [
            lines.values(line, lines.VIEW_FIELDS, names, tests=hits.get(line.row_number, [])) for line in found
        ]
        for journal_id, found in by_journal.items()
    }


def flagged_tests(uow: UnitOfWork, run: JeRun, row_numbers: list[int]) -> dict[int, list[str]]:
    """The tests (by code, in alphabetical order) that flagged each of these lines; unflagged lines absent."""
    if not row_numbers:
        return {}
    found: dict[int, set[str]] = {}
    for row_number, mask in uow.session.execute(
        select(JeLineFlag.row_number, JeLineFlag.tests).where(
            JeLineFlag.run_id == run.id, JeLineFlag.row_number.in_(row_numbers)
        )
    ):
        found.setdefault(row_number, set()).update(tests_of(run, mask))
    for row_number, test in uow.session.execute(
        select(JeFlagScore.row_number, JeFlagScore.test).where(
            JeFlagScore.run_id == run.id, JeFlagScore.row_number.in_(row_numbers)
        )
    ):
        found.setdefault(row_number, set()).add(test)
    return {row_number: sorted(tests) for row_number, tests in found.items()}


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


def flagged_line_rows(uow: UnitOfWork, run: JeRun) -> Iterator[tuple[Any, list[str], Any, Any]]:
    """Every flagged line once, with the tests it hit and its journal's score and rank, in file order (export)."""
    either = union_all(
        select(JeLineFlag.row_number, JeLineFlag.tests, null().label("test")).where(JeLineFlag.run_id == run.id),
        select(JeFlagScore.row_number, literal(0).label("tests"), JeFlagScore.test).where(JeFlagScore.run_id == run.id),
    ).subquery()
    flagged = (
        select(
            either.c.row_number,
            func.bit_or(either.c.tests).label("mask"),
            func.array_remove(func.array_agg(either.c.test), None).label("scored"),
        )
        .group_by(either.c.row_number)
        .subquery()
    )
    rows = uow.session.execute(
        lines.of_dataset(run.dataset_id)
        .add_columns(flagged.c.mask, flagged.c.scored, JeJournalRisk.score, JeJournalRisk.rank)
        .join(flagged, JournalLine.row_number == flagged.c.row_number)
        .join(JeJournalRisk, and_(JeJournalRisk.run_id == run.id, JeJournalRisk.journal_id == JournalLine.journal_id))
        .order_by(JournalLine.row_number)
        .execution_options(yield_per=10_000)
    )
    for line, mask, scored, score, rank in rows:
        yield line, sorted(set(tests_of(run, mask)) | set(scored)), score, rank


def journal_rows(uow: UnitOfWork, run: JeRun) -> Any:
    """Every flagged journal by rank with its disposition's status and note (export)."""
    return uow.session.execute(
        select(JeJournalRisk, JeDisposition.status, JeDisposition.note)
        .outerjoin(JeDisposition, _disposition_of(run))
        .where(JeJournalRisk.run_id == run.id)
        .order_by(JeJournalRisk.rank)
        .execution_options(yield_per=10_000)
    )
