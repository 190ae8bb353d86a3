"""Queries of a run: a test's flagged lines, the journals ranked by risk with their lines, the triage
counts and exceptions, and the rows of its exports. Nothing here checks access (service.py does before
it calls) and nothing writes.

A rule test's flagged lines are bitmaps of blocks of lines in `je_flag_blocks` (flag_blocks.py; `bit` i:
the run's i-th test): a page of a test's lines decodes only the blocks that hold it, and the export
decodes a block at a time. A test that scores its lines (`JeTest.scored`) has a row per line in
`je_flag_scores` instead (models_analytics.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Text, and_, any_, bindparam, func, null, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from functions.analytics.je_tests import TESTS
from functions.analytics.triage import EXCEPTIONS_LISTED
from shared import journal_lines as lines
from shared.db.models_analytics import DISPOSITIONS, JeDisposition, JeFlagBlock, JeFlagScore, JeJournalRisk, JeRun
from shared.db.models_ingestion import JournalLine
from shared.db.uow import UnitOfWork


def _disposition_of(run: JeRun) -> Any:
    """The join of a run's journal risks to their dispositions (which belong to the dataset version)."""
    return and_(JeDisposition.dataset_id == run.dataset_id, JeDisposition.journal_id == JeJournalRisk.journal_id)


def tests_of(run: JeRun, mask: int) -> list[str]:
    """The run's tests whose bits are set in a line's mask."""
    return [code for index, code in enumerate(run.tests) if mask >> index & 1]


def _scored_lines(run: JeRun, test: str) -> Any:
    """The version's lines a scoring test flagged, with the test's score for each."""
    flagged = and_(
        JeFlagScore.run_id == run.id, JeFlagScore.test == test, JeFlagScore.row_number == JournalLine.row_number
    )
    return lines.of_dataset(run.dataset_id).add_columns(JeFlagScore.score).join(JeFlagScore, flagged)


def _filtered_rows(
    uow: UnitOfWork, run: JeRun, test: str, conditions: list[Any], offset: int, limit: int
) -> tuple[list[int], int]:
    """The row numbers of one page of a rule test's flagged lines that meet the conditions, and how many do:
    the lines that meet them (row numbers only), then the blocks that hold those lines, read and tested."""
    import numpy as np

    from functions.analytics import flag_blocks  # numpy: kept off the HTTP cold start

    matching = np.fromiter(
        uow.session.scalars(
            select(JournalLine.row_number).where(JournalLine.dataset_id == run.dataset_id, *conditions)
        ),
        np.int64,
    )
    if not matching.size:
        return [], 0
    numbers = np.unique(matching // flag_blocks.BLOCK_LINES).tolist()
    blocks = uow.session.execute(
        select(JeFlagBlock.bit, JeFlagBlock.block, JeFlagBlock.bits).where(
            JeFlagBlock.run_id == run.id,
            JeFlagBlock.bit == run.tests.index(test),
            JeFlagBlock.block == any_(_bigints("blocks", numbers)),
        )
    ).all()
    flagged = np.sort(matching[flag_blocks.masks_of(blocks, matching) != 0])
    return flagged[offset : offset + limit].tolist(), int(flagged.size)


def _page_of_blocks(uow: UnitOfWork, run: JeRun, test: str, offset: int, limit: int) -> tuple[list[int], int]:
    """The row numbers of one page of a rule test's flagged lines, in file order, and how many it flagged:
    the blocks' counts say which blocks hold the page, and only those are read and decoded."""
    from functions.analytics import flag_blocks  # numpy: kept off the HTTP cold start

    bit = run.tests.index(test)
    counts = uow.session.execute(
        select(JeFlagBlock.block, JeFlagBlock.lines)
        .where(JeFlagBlock.run_id == run.id, JeFlagBlock.bit == bit)
        .order_by(JeFlagBlock.block)
    ).all()
    wanted: list[int] = []
    before = skip = 0
    for block, count in counts:
        if before + count > offset and before < offset + limit:
            if not wanted:
                skip = offset - before
            wanted.append(block)
        before += count
    if not wanted or limit <= 0:
        return [], before
    found = uow.session.execute(
        select(JeFlagBlock.block, JeFlagBlock.bits).where(
            JeFlagBlock.run_id == run.id, JeFlagBlock.bit == bit, JeFlagBlock.block.in_(wanted)
        )
    ).all()
    rows = flag_blocks.decode((block, bits) for block, bits in found)
    return rows[skip : skip + limit].tolist(), before


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
    conditions = []
    if account_number:
        conditions.append(func.btrim(JournalLine.account_number) == account_number.strip())
    if journal_id:
        conditions.append(JournalLine.journal_id == journal_id)
    if entered_by:
        conditions.append(func.lower(func.btrim(JournalLine.entered_by)) == entered_by.strip().lower())
    if TESTS[test].scored:
        query = _scored_lines(run, test).where(*conditions)
        known = [r["flagged_lines"] for r in run.results or [] if r["code"] == test]
        if known and not conditions:
            total = known[0]  # what the run counted: no count over the flags for a page
        else:
            total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.execute(query.order_by(JournalLine.row_number).offset(offset).limit(limit)).all()
    else:
        if conditions:
            page, total = _filtered_rows(uow, run, test, conditions, offset, limit)
        else:
            page, total = _page_of_blocks(uow, run, test, offset, limit)
        query = lines.of_dataset(run.dataset_id, JournalLine.row_number == any_(_bigints("rows", page)))
        found = uow.session.execute(query.add_columns(null().label("score")).order_by(JournalLine.row_number))
        rows = found.all() if page else []
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
    from functions.analytics import flag_blocks  # numpy: kept off the HTTP cold start

    if not row_numbers:
        return {}
    found: dict[int, set[str]] = {}
    numbers = sorted({row_number // flag_blocks.BLOCK_LINES for row_number in row_numbers})
    blocks = uow.session.execute(
        select(JeFlagBlock.bit, JeFlagBlock.block, JeFlagBlock.bits).where(
            JeFlagBlock.run_id == run.id, JeFlagBlock.block.in_(numbers)
        )
    ).all()
    for row_number, mask in zip(row_numbers, flag_blocks.masks_of(blocks, row_numbers).tolist(), strict=True):
        if mask:
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
    """Every flagged line once, with the tests it hit and its journal's score and rank, in file order (export):
    a block of lines at a time (its flags decoded, its scored lines and its flagged lines read), so a ledger
    of ten million lines is never whole in memory."""
    from functions.analytics import flag_blocks  # numpy: kept off the HTTP cold start

    scored = [code for code in run.tests if TESTS[code].scored]
    numbers = set(uow.session.scalars(select(JeFlagBlock.block).where(JeFlagBlock.run_id == run.id).distinct()).all())
    numbers.update(
        uow.session.scalars(
            select((JeFlagScore.row_number // flag_blocks.BLOCK_LINES).label("block"))
            .where(JeFlagScore.run_id == run.id, JeFlagScore.test.in_(scored))
            .distinct()
        ).all()
    )
    for number in sorted(numbers):
        yield from _flagged_block_rows(uow, run, int(number), scored)


def _flagged_block_rows(
    uow: UnitOfWork, run: JeRun, number: int, scored: list[str]
) -> Iterator[tuple[Any, list[str], Any, Any]]:
    """The export's rows of one block of lines (flagged_line_rows)."""
    from functions.analytics import flag_blocks  # numpy: kept off the HTTP cold start

    tests: dict[int, set[str]] = {}
    for bit, bits in uow.session.execute(
        select(JeFlagBlock.bit, JeFlagBlock.bits).where(JeFlagBlock.run_id == run.id, JeFlagBlock.block == number)
    ):
        for row_number in flag_blocks.rows_of(number, bits).tolist():
            tests.setdefault(row_number, set()).add(run.tests[bit])
    first = number * flag_blocks.BLOCK_LINES
    for row_number, test in uow.session.execute(
        select(JeFlagScore.row_number, JeFlagScore.test).where(
            JeFlagScore.run_id == run.id,
            JeFlagScore.test.in_(scored),
            JeFlagScore.row_number >= first,
            JeFlagScore.row_number < first + flag_blocks.BLOCK_LINES,
        )
    ):
        tests.setdefault(row_number, set()).add(test)
    if not tests:
        return
    found = list(
        uow.session.scalars(
            lines.of_dataset(run.dataset_id, JournalLine.row_number == any_(_bigints("rows", sorted(tests)))).order_by(
                JournalLine.row_number
            )
        )
    )
    # Each journal's risk looked up by its key: a join would read every risk of the run for each block.
    journals = sorted({line.journal_id for line in found})
    risks = {
        journal_id: (score, rank)
        for journal_id, score, rank in uow.session.execute(
            select(JeJournalRisk.journal_id, JeJournalRisk.score, JeJournalRisk.rank).where(
                JeJournalRisk.run_id == run.id, JeJournalRisk.journal_id == any_(_texts("journals", journals))
            )
        )
    }
    for line in found:
        if line.journal_id in risks:
            score, rank = risks[line.journal_id]
            yield line, sorted(tests[line.row_number]), score, rank


def _bigints(name: str, values: list[int]) -> Any:
    """A list of integers bound as one array parameter (not a parameter each, as `in_` would)."""
    return bindparam(name, values, ARRAY(BigInteger))


def _texts(name: str, values: list[str]) -> Any:
    """A list of strings bound as one array parameter."""
    return bindparam(name, values, ARRAY(Text))


def journal_rows(uow: UnitOfWork, run: JeRun) -> Any:
    """Every flagged journal by rank with its disposition's status and note (export)."""
    return uow.session.execute(
        select(JeJournalRisk, JeDisposition.status, JeDisposition.note)
        .outerjoin(JeDisposition, _disposition_of(run))
        .where(JeJournalRisk.run_id == run.id)
        .order_by(JeJournalRisk.rank)
        .execution_options(yield_per=10_000)
    )


# --- one journal, and the picture of risk --------------------------------------------------------------


def journal_detail(uow: UnitOfWork, run: JeRun, journal_id: str) -> dict[str, Any] | None:
    """One journal of the run's ledger: its lines, each with the tests it hit and each scoring test's
    measure, and the journal's rank, score and disposition when the run flagged it (None: no such journal)."""
    found = lines.of_journal(uow.session, run.dataset_id, journal_id)
    if not found:
        return None
    rows = [line.row_number for line in found]
    hits = flagged_tests(uow, run, rows)
    scores: dict[int, dict[str, float]] = {}
    for row_number, test, score in uow.session.execute(
        select(JeFlagScore.row_number, JeFlagScore.test, JeFlagScore.score).where(
            JeFlagScore.run_id == run.id, JeFlagScore.row_number.in_(rows)
        )
    ):
        scores.setdefault(row_number, {})[test] = score
    names = lines.account_names(uow, run.engagement_id, [line.account_number for line in found])
    risk = uow.session.execute(
        select(JeJournalRisk, JeDisposition)
        .outerjoin(JeDisposition, _disposition_of(run))
        .where(JeJournalRisk.run_id == run.id, JeJournalRisk.journal_id == journal_id)
    ).first()
    return {
        "run_id": run.id,
        "journal_id": found[0].journal_id,
        "flagged": risk is not None,
        "rank": risk[0].rank if risk else None,
        "score": risk[0].score if risk else None,
        "tests": risk[0].tests if risk else [],
        "debit_total": sum((lines.debit(line.amount) for line in found), Decimal(0)),
        "disposition": risk[1] if risk else None,
        "lines": [
            lines.values(
                line,
                lines.VIEW_FIELDS,
                names,
                tests=hits.get(line.row_number, []),
                scores=scores.get(line.row_number, {}),
            )
            for line in found
        ],
    }


SCORE_BUCKETS = 10  # of 10 points each: 0-10, 10-20, ... 90-100 (100 falls in the last)
USERS_SHOWN = 12  # the users with the largest flagged amounts; the rest are summed as "others"

# One pass over the run's flagged journals, grouped three ways at once: by score bucket, by the month of
# the journal's effective date, and by the user who entered it; each by disposition (none yet: open).
# Everything is aggregated in the database: no line or journal comes to Python, only the groups.
RISK_PICTURE = text(
    """
    WITH j AS (
      SELECT r.journal_id, r.score, r.debit_total, coalesce(d.status, 'open') AS status
      FROM je_journal_risks r
      LEFT JOIN je_dispositions d ON d.dataset_id = :dataset AND d.journal_id = r.journal_id
      WHERE r.run_id = :run
    ), l AS (
      SELECT jl.journal_id, min(jl.effective_date) AS effective_date, min(btrim(jl.entered_by)) AS entered_by
      FROM journal_lines jl
      WHERE jl.dataset_id = :dataset AND jl.journal_id IN (SELECT journal_id FROM j)
      GROUP BY jl.journal_id
    ), x AS (
      SELECT j.status, j.debit_total,
             least(floor(j.score / 10)::int, 9) AS bucket,
             to_char(l.effective_date, 'YYYY-MM') AS month,
             coalesce(nullif(l.entered_by, ''), '') AS entered_by
      FROM j JOIN l USING (journal_id)
    )
    SELECT bucket, month, entered_by, status, count(*) AS journals, sum(debit_total) AS amount,
           grouping(bucket) AS no_bucket, grouping(month) AS no_month
    FROM x
    GROUP BY GROUPING SETS ((bucket, status), (month, status), (entered_by, status))
    """
)


def risk_picture(uow: UnitOfWork, run: JeRun) -> dict[str, Any]:
    """The run's flagged journals as three distributions, each by disposition: count and debit total per
    risk-score bucket, per month of effective date, and per user who entered them."""
    buckets: dict[int, dict[str, list[Any]]] = {b: {} for b in range(SCORE_BUCKETS)}
    months: dict[str, dict[str, list[Any]]] = {}
    users: dict[str, dict[str, list[Any]]] = {}
    for row in uow.session.execute(RISK_PICTURE, {"run": run.id, "dataset": run.dataset_id}):
        cell = [int(row.journals), row.amount or Decimal(0)]
        if not row.no_bucket:
            buckets[int(row.bucket)][row.status] = cell
        elif not row.no_month:
            months.setdefault(row.month, {})[row.status] = cell
        else:
            users.setdefault(row.entered_by, {})[row.status] = cell
    by_amount = sorted(users, key=lambda user: (-sum(c[1] for c in users[user].values()), user))
    shown, rest = by_amount[:USERS_SHOWN], by_amount[USERS_SHOWN:]
    others: dict[str, list[Any]] = {}
    for user in rest:
        for status, (count, amount) in users[user].items():
            total = others.setdefault(status, [0, Decimal(0)])
            total[0] += count
            total[1] += amount
    return {
        "run_id": run.id,
        "score_buckets": [
            _bar(f"{b * 10}–{b * 10 + 10}", buckets[b], low=b * 10, high=b * 10 + 10) for b in range(SCORE_BUCKETS)
        ],
        "months": [_bar(month, months.get(month, {})) for month in _every_month(sorted(months))],
        "users": [_bar(user or "(no user)", users[user]) for user in shown]
        + ([_bar(f"{len(rest)} other users", others)] if rest else []),
    }


def _every_month(found: list[str]) -> list[str]:
    """The months from the first to the last found, none skipped (a month without flags shows as empty)."""
    if not found:
        return []
    year, month = map(int, found[0].split("-"))
    end = tuple(map(int, found[-1].split("-")))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _bar(label: str, cells: dict[str, list[Any]], low: int | None = None, high: int | None = None) -> dict[str, Any]:
    by_status = [
        {"disposition": status, "journals": cells.get(status, [0, 0])[0], "amount": cells.get(status, [0, 0])[1]}
        for status in DISPOSITIONS
    ]
    return {
        "label": label,
        "score_from": low,
        "score_to": high,
        "journals": sum(item["journals"] for item in by_status),
        "amount": sum((Decimal(item["amount"]) for item in by_status), Decimal(0)),
        "by_disposition": by_status,
    }
