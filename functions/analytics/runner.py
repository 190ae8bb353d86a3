"""A run of the journal-entry tests: profile the population, run each test into je_flags, score journals.

Everything happens in the job's one transaction, so a run is either complete (its flags, scores and
summary all written, the run marked completed and `analytics.completed` queued) or not there at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from functions.analytics import je_tests, outliers, risk
from functions.analytics.je_tests import TESTS, Context, JeTest, Params
from shared.db.models_analytics import JeRun
from shared.db.uow import UnitOfWork

log = logging.getLogger(__name__)

POPULATION = "p AS NOT MATERIALIZED (SELECT * FROM journal_lines WHERE dataset_id = :dataset_id)"
GAP_RANGES_KEPT = 1000
# Journal ids ending in digits, split into their prefix ("JE", "AP-2026-") and number; gaps are counted
# within each prefix's sequence, between consecutive distinct numbers.
GAPS = (
    "split AS (SELECT btrim(p.journal_id) AS j, rtrim(btrim(p.journal_id), '0123456789') AS prefix,"
    "   p.journal_id FROM p),"
    " ids AS (SELECT prefix, substr(j, length(prefix) + 1)::bigint AS n, min(journal_id) AS id FROM split"
    "   WHERE length(j) - length(prefix) BETWEEN 1 AND 18 GROUP BY 1, 2),"
    " steps AS (SELECT prefix, n, id, lag(n) OVER w AS prev_n, lag(id) OVER w AS prev_id FROM ids"
    "   WINDOW w AS (PARTITION BY prefix ORDER BY n)),"
    " gaps AS (SELECT prefix, prev_id, id AS next_id, n FROM steps WHERE n - prev_n > 1)"
)


@dataclass
class Outcome:
    code: str
    status: str
    parameters: dict[str, Any]
    flagged_lines: int = 0
    flagged_journals: int = 0
    missing_fields: list[str] | None = None
    skipped_lines: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "code": self.code,
            "title": TESTS[self.code].title,
            "status": self.status,
            "flagged_lines": self.flagged_lines,
            "flagged_journals": self.flagged_journals,
            "parameters": self.parameters,
            "missing_fields": self.missing_fields or [],
            "skipped_lines": self.skipped_lines,
            "weight": TESTS[self.code].weight,
            "seconds": self.seconds,
        }
        return data | (self.extra or {})


class Run:
    """One run's execution against the database, in the caller's transaction."""

    def __init__(self, uow: UnitOfWork, run: JeRun) -> None:
        self.uow, self.run = uow, run
        self.context = Context(run.fiscal_start, run.fiscal_end, run.performance_materiality)
        self.binds = {
            "dataset_id": run.dataset_id,
            "run_id": run.id,
            "firm_id": run.firm_id,
            "engagement_id": run.engagement_id,
        }

    def execute(self, sql: str, binds: dict[str, Any] | None = None) -> Any:
        return self.uow.session.execute(text(sql), {**self.binds, **(binds or {})})

    def profile(self, tests: list[str], params: dict[str, Params]) -> dict[str, int]:
        """Lines, and lines usable by each field and by each test, in one scan."""
        columns = {"lines": "count(*)"}
        for name, usable in je_tests.USABLE.items():
            columns[f"field:{name}"] = f"count(*) FILTER (WHERE {usable})"
        for code in tests:
            needs = je_tests.needed_fields(TESTS[code], params[code])
            if needs:
                condition = " AND ".join(f"({je_tests.USABLE[f]})" for f in needs)
                columns[f"test:{code}"] = f"count(*) FILTER (WHERE {condition})"
        names = list(columns)
        select = ", ".join(f'{expr} AS "{i}"' for i, expr in enumerate(columns.values()))
        row = self.execute(f"WITH {POPULATION} SELECT {select} FROM p").one()  # nosec B608
        return dict(zip(names, (int(v) for v in row), strict=True))

    def flag(self, code: str, statement: je_tests.Statement) -> tuple[int, int]:
        """Insert what a test's statement yields; (lines, journals) flagged."""
        sql, binds = statement
        counted = self.execute(
            f"WITH {POPULATION}, flagged AS ({sql}),"  # nosec B608
            " ins AS (INSERT INTO je_flags (run_id, firm_id, engagement_id, test, row_number, journal_id, score)"
            " SELECT :run_id, :firm_id, :engagement_id, :test, row_number, journal_id, score FROM flagged"
            " RETURNING journal_id)"
            " SELECT count(*), count(DISTINCT journal_id) FROM ins",
            {**binds, "test": code},
        ).one()
        return int(counted[0]), int(counted[1])

    def sequence_gaps(self) -> Outcome:
        found = self.execute(
            f"WITH {POPULATION}, {GAPS} SELECT (SELECT count(*) FROM ids), (SELECT count(*) FROM gaps),"  # nosec B608
            " (SELECT coalesce(jsonb_agg(jsonb_build_array(prev_id, next_id) ORDER BY prefix, n), '[]')"
            f"  FROM (SELECT * FROM gaps ORDER BY prefix, n LIMIT {GAP_RANGES_KEPT}) kept)"
        ).one()
        numeric, gap_count, ranges = int(found[0]), int(found[1]), found[2]
        if numeric == 0:
            return Outcome("sequence_gap", "not_applicable", {}, missing_fields=["journal_id (numeric)"])
        lines, journals = self.flag(
            "sequence_gap",
            (
                f"WITH {GAPS} SELECT p.row_number, p.journal_id, NULL::float8 AS score FROM p"  # nosec B608
                " WHERE p.journal_id IN (SELECT prev_id FROM gaps UNION SELECT next_id FROM gaps)",
                {},
            ),
        )
        extra = {"gap_count": gap_count, "gap_ranges": ranges, "gap_ranges_truncated": gap_count > len(ranges)}
        return Outcome("sequence_gap", "ran", {}, lines, journals, extra=extra)

    def resolve(self, code: str, params: Params) -> Params:
        """Parameters that depend on the data or the engagement, made concrete and recorded."""
        if isinstance(params, je_tests.HighAmountParams) and params.threshold is None:
            if self.context.performance_materiality is not None:
                return params.model_copy(update={"threshold": self.context.performance_materiality})
            share = Decimal(1) - params.top_percent / 100
            threshold = self.execute(
                f"WITH {POPULATION} SELECT percentile_disc(:share) WITHIN GROUP (ORDER BY abs(p.amount)) FROM p",  # nosec B608
                {"share": share},
            ).scalar_one()
            return params.model_copy(update={"threshold": threshold})
        return params

    def run_test(self, code: str, params: Params, profile: dict[str, int]) -> Outcome:
        test = TESTS[code]
        missing = _missing(test, params, profile)
        if missing:
            return Outcome(code, "not_applicable", je_tests.dump(params), missing_fields=missing)
        skipped = profile["lines"] - profile.get(f"test:{code}", profile["lines"])
        if code == "sequence_gap":
            return self.sequence_gaps()
        if code == "isolation_forest":
            outcome = outliers.isolation_forest(self, params)
            outcome.skipped_lines = skipped
            return outcome
        params = self.resolve(code, params)
        if test.sql is None:
            raise RuntimeError(f"test {code} has no statement")
        lines, journals = self.flag(code, test.sql(params, self.context))
        extra = {"basis": _high_amount_basis(params, self.context)} if code == "high_amount" else None
        return Outcome(code, "ran", je_tests.dump(params), lines, journals, skipped_lines=skipped, extra=extra)


def _missing(test: JeTest, params: Params, profile: dict[str, int]) -> list[str]:
    missing = [f for f in je_tests.needed_fields(test, params) if profile[f"field:{f}"] == 0]
    if test.needs_any and all(profile[f"field:{f}"] == 0 for f in test.needs_any):
        missing.extend(f for f in test.needs_any if f not in missing)
    return missing


def _high_amount_basis(params: Params, ctx: Context) -> str:
    if ctx.performance_materiality is not None and getattr(params, "threshold", None) == ctx.performance_materiality:
        return "performance_materiality"
    return "top_percent"


def execute(uow: UnitOfWork, run: JeRun, progress: Callable[[float], None] | None = None) -> list[Outcome]:
    """Run the run's tests in catalogue order, score the journals, and return each test's outcome."""
    params = {code: TESTS[code].params.model_validate(run.parameters.get(code, {})) for code in run.tests}
    runner = Run(uow, run)
    profile = runner.profile(run.tests, params)
    outcomes = []
    for index, code in enumerate(run.tests):
        started = time.perf_counter()
        outcome = runner.run_test(code, params[code], profile)
        outcome.seconds = round(time.perf_counter() - started, 3)
        log.info("je test %s: %s lines in %.2f s", code, outcome.flagged_lines, outcome.seconds)
        outcomes.append(outcome)
        if progress is not None:
            progress((index + 1) / (len(run.tests) + 1))
    ran = [o.code for o in outcomes if o.status == "ran"]
    risk.score_journals(runner, ran)
    return outcomes
