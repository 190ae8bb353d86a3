"""A run of the journal-entry tests: read the population once, run each test, write flags and scores.

The population (one general-ledger version) is read out of PostgreSQL once, with COPY, inside the
job's transaction and under its row-level security, into an Arrow table; DuckDB runs every test's
statement over it in place, on all cores. What the tests flag is written back to PostgreSQL in bulk
in the same transaction, with the journals' risk scores, so a run is either complete (flags, scores
and summary written, `analytics.completed` queued) or not there at all.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from functions.analytics import je_tests, outliers, risk
from functions.analytics.copy_out import read_table
from functions.analytics.je_tests import TESTS, Context, JeTest, Params
from shared.db.models_analytics import JeRun
from shared.db.uow import UnitOfWork

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

log = logging.getLogger(__name__)

GAP_RANGES_KEPT = 1000
FOREST_COLUMNS = (
    "row_number",
    "journal_id",
    "cents",
    "effective_date",
    "entered_date",
    "entered_time",
    "entered_by",
    "account_number",
)
DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "threads": 2,
    # A cap on what a statement's hash tables may hold in memory (beyond it they spill to the run's own
    # temporary directory): a million lines' journal and account pairs took 220 MB uncapped and 150 MB
    # at 64 MB, at 1.6 times the time; 96 MB is between.
    "memory_limit": "96MB",
    "preserve_insertion_order": False,
    # DuckDB hands freed memory back after each statement rather than keeping up to 128 MB (its default).
    "allocator_flush_threshold": "8MB",
    "allocator_bulk_deallocation_flush_threshold": "8MB",
}
INSERT_BATCH = 10_000
# The columns the tests read, as COPY writes them and Arrow types them; `cents` is the exact amount.
# Columns whose values repeat are dictionary-encoded.
COLUMNS = (
    ("row_number", "int64"),
    ("journal_id", "string"),
    ("line_number", "int32"),
    ("account_number", "dictionary"),
    ("cents", "int64"),
    ("effective_date", "date32"),
    ("entered_date", "date32"),
    ("entered_time", "time32[s]"),
    ("entered_by", "dictionary"),
    ("approved_by", "dictionary"),
    ("document_date", "date32"),
    ("period", "dictionary"),
    ("business_unit", "dictionary"),
    ("description", "dictionary"),
    ("header_description", "dictionary"),
)
SELECT_COLUMNS = ", ".join("(amount * 100)::bigint AS cents" if name == "cents" else name for name, _ in COLUMNS)
# Journal ids ending in digits, split into their prefix ("JE", "AP-2026-") and number; gaps are counted
# within each prefix's sequence, between consecutive distinct numbers.
NUMBERED = (
    "WITH ids AS (SELECT DISTINCT journal_id FROM p),"
    " split AS (SELECT journal_id, trim(journal_id) AS j, rtrim(trim(journal_id), '0123456789') AS prefix FROM ids)"
    " SELECT prefix, CAST(substr(j, length(prefix) + 1) AS BIGINT) AS n, min(journal_id) AS id"
    " FROM split WHERE length(j) - length(prefix) BETWEEN 1 AND 18 GROUP BY 1, 2"
)
GAPS = (
    "WITH steps AS (SELECT prefix, n, id, lag(n) OVER w AS prev_n, lag(id) OVER w AS prev_id FROM numbered"
    "   WINDOW w AS (PARTITION BY prefix ORDER BY n))"
    " SELECT prev_id, id AS next_id FROM steps WHERE n - prev_n > 1 ORDER BY prefix, n"
)


def _arrow_type(kind: str) -> pa.DataType:
    """Accounts, users, periods and descriptions repeat: as dictionaries a million lines take far less memory."""
    import pyarrow as pa

    return pa.dictionary(pa.int32(), pa.string()) if kind == "dictionary" else pa.type_for_alias(kind)


def load_population(uow: UnitOfWork, dataset_id: Any) -> pa.Table:
    """The dataset's lines as an Arrow table, read with COPY in the unit of work's transaction."""
    query = f"SELECT {SELECT_COLUMNS} FROM journal_lines WHERE dataset_id = %(dataset_id)s"  # nosec B608
    names = [name for name, _ in COLUMNS]
    return read_table(
        uow, query, {"dataset_id": dataset_id}, names, {name: _arrow_type(kind) for name, kind in COLUMNS}
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
    """One run's execution: the population in DuckDB, the flags gathered, then written to PostgreSQL."""

    def __init__(
        self, uow: UnitOfWork, run: JeRun, population: pa.Table, columns: Collection[str] | None = None
    ) -> None:
        import duckdb

        self.uow, self.run, self.population, self.columns = uow, run, population, columns
        self.spill = tempfile.TemporaryDirectory(prefix="aura-je-")
        self.context = Context(run.fiscal_start, run.fiscal_end, run.performance_materiality)
        self.binds = {
            "dataset_id": run.dataset_id,
            "run_id": run.id,
            "firm_id": run.firm_id,
            "engagement_id": run.engagement_id,
        }
        self.duck: duckdb.DuckDBPyConnection = duckdb.connect(config=self.config)
        self.duck.register("p", population)
        self.flags: list[pa.Table] = []
        self.debits: pa.Table | None = None

    @property
    def config(self) -> dict[str, str | bool | int | float | list[str]]:
        return {**DUCKDB_CONFIG, "temp_directory": self.spill.name}

    def close(self) -> None:
        self.duck.close()
        self.spill.cleanup()

    def journal_debits(self) -> pa.Table:
        """Each journal's debit total in cents (for ranking), kept once computed."""
        if self.debits is None:
            self.debits = self.query(
                "SELECT journal_id, sum(CASE WHEN cents > 0 THEN cents ELSE 0 END) AS debit_cents FROM p GROUP BY 1"
            )
        return self.debits

    def reconnect(self) -> None:
        """A new DuckDB connection over the population (DuckDB keeps some of what statements took until
        its connection closes), and what else was freed handed back to the system."""
        import duckdb
        import pyarrow as pa

        self.duck.close()
        self.duck = duckdb.connect(config=self.config)
        self.duck.register("p", self.population)
        pa.default_memory_pool().release_unused()
        _trim_heap()

    def release_population(self) -> None:
        """Before the memory-hungry isolation forest: keep each journal's debits (for ranking) and the
        columns the forest reads, and free the rest and DuckDB's memory (a new connection)."""
        self.journal_debits()
        self.population = self.population.select(list(FOREST_COLUMNS))
        self.reconnect()

    def keep_only_journal_index(self) -> None:
        """Once the forest has its features: `p` is just each line's journal."""
        self.population = self.population.select(["row_number", "journal_id"])
        self.reconnect()

    def query(self, sql: str, binds: dict[str, Any] | None = None) -> pa.Table:
        return self.duck.execute(sql, binds or {}).to_arrow_table()

    def profile(self, tests: list[str], params: dict[str, Params]) -> dict[str, int]:
        """Lines, and lines usable by each field and by each test, in one pass."""
        columns = {"lines": "count(*)"}
        for name, usable in je_tests.USABLE.items():
            columns[f"field:{name}"] = f"count(*) FILTER (WHERE {usable})"
        for code in tests:
            needs = je_tests.needed_fields(TESTS[code], params[code])
            if needs:
                condition = " AND ".join(f"({je_tests.USABLE[f]})" for f in needs)
                columns[f"test:{code}"] = f"count(*) FILTER (WHERE {condition})"
        select = ", ".join(f'{expr} AS "{i}"' for i, expr in enumerate(columns.values()))
        row = self.duck.execute(f"SELECT {select} FROM p").fetchone()  # nosec B608
        if row is None:
            raise RuntimeError("the population profile returned nothing")
        return dict(zip(columns, (int(v) for v in row), strict=True))

    def flag(self, code: str, found: pa.Table) -> tuple[int, int]:
        """Keep what a test yields (row_number, journal_id, score); (lines, journals) flagged."""
        import pyarrow as pa
        import pyarrow.compute as pc

        found = found.select(["row_number", "journal_id", "score"]).cast(
            pa.schema([("row_number", pa.int64()), ("journal_id", pa.string()), ("score", pa.float64())])
        )
        if found.num_rows:
            self.flags.append(found.append_column("test", pa.array([code] * found.num_rows, pa.string())))
        return found.num_rows, int(pc.count_distinct(found.column("journal_id")).as_py()) if found.num_rows else 0

    def sequence_gaps(self) -> Outcome:
        import pyarrow as pa

        numbered = self.query(NUMBERED)
        if numbered.num_rows == 0:
            return Outcome("sequence_gap", "not_applicable", {}, missing_fields=["journal_id (numeric)"])
        self.duck.register("numbered", numbered)
        gaps = self.query(GAPS)
        ranges = [list(pair) for pair in zip(gaps["prev_id"].to_pylist(), gaps["next_id"].to_pylist(), strict=True)]
        # Ids that are not a sequence at all give a gap nearly everywhere: the bordering journals are
        # joined, never searched for line by line.
        self.duck.register("bordering", pa.table({"journal_id": sorted({j for pair in ranges for j in pair})}))
        try:
            found = self.query(
                "SELECT p.row_number, p.journal_id, NULL::DOUBLE AS score FROM p SEMI JOIN bordering USING (journal_id)"
            )
        finally:
            self.duck.unregister("bordering")
            self.duck.unregister("numbered")
        lines, journals = self.flag("sequence_gap", found)
        extra = {
            "gap_count": len(ranges),
            "gap_ranges": ranges[:GAP_RANGES_KEPT],
            "gap_ranges_truncated": len(ranges) > GAP_RANGES_KEPT,
        }
        return Outcome("sequence_gap", "ran", {}, lines, journals, extra=extra)

    def resolve(self, params: Params) -> tuple[Params, str | None]:
        """Parameters that depend on the data or the engagement, made concrete; and what they rest on."""
        if not isinstance(params, je_tests.HighAmountParams):
            return params, None
        if params.threshold is not None:
            return params, "threshold"
        if self.context.performance_materiality is not None:
            return params.model_copy(
                update={"threshold": self.context.performance_materiality}
            ), "performance_materiality"
        return params.model_copy(update={"threshold": self.top_percent_threshold(params.top_percent)}), "top_percent"

    def top_percent_threshold(self, top_percent: Any) -> Any:
        """percentile_disc(1 - top/100) of |amount|: the first value whose cumulative share reaches it."""
        import math
        from decimal import Decimal

        import numpy as np

        cents = np.abs(self.population.column("cents").to_numpy())
        if cents.size == 0:
            return Decimal(0)
        share = (Decimal(100) - Decimal(top_percent)) / 100
        position = max(math.ceil(share * cents.size), 1) - 1
        return (Decimal(int(np.partition(cents, position)[position])) / 100).quantize(Decimal("0.01"))

    def run_test(self, code: str, params: Params, profile: dict[str, int]) -> Outcome:
        test = TESTS[code]
        missing = _missing(test, params, profile, self.columns)
        if missing:
            return Outcome(code, "not_applicable", je_tests.dump(params), missing_fields=missing)
        skipped = profile["lines"] - profile.get(f"test:{code}", profile["lines"])
        if code == "sequence_gap":
            return self.sequence_gaps()
        if code == "isolation_forest":
            outcome = outliers.isolation_forest(self, params)
            outcome.skipped_lines = skipped
            return outcome
        params, basis = self.resolve(params)
        if test.sql is None:
            raise RuntimeError(f"test {code} has no statement")
        sql, binds = test.sql(params, self.context)
        lines, journals = self.flag(code, self.query(sql, binds))
        extra = {"basis": basis} if basis else None
        return Outcome(code, "ran", je_tests.dump(params), lines, journals, skipped_lines=skipped, extra=extra)

    def all_flags(self) -> pa.Table:
        import pyarrow as pa

        if not self.flags:
            return pa.table(
                {
                    "row_number": pa.array([], pa.int64()),
                    "journal_id": pa.array([], pa.string()),
                    "score": pa.array([], pa.float64()),
                    "test": pa.array([], pa.string()),
                }
            )
        return pa.concat_tables(self.flags)

    def write(self, flags: pa.Table, journals: pa.Table) -> None:
        """The run's flags and journal scores, inserted in batches through the tables' policies."""
        for batch in _batches(flags):
            self.uow.session.execute(
                text(
                    "INSERT INTO je_flags (run_id, firm_id, engagement_id, test, row_number, journal_id, score)"
                    " SELECT :run_id, :firm_id, :engagement_id, u.test, u.row_number, u.journal_id, u.score"
                    " FROM unnest(CAST(:tests AS text[]), CAST(:rows AS bigint[]), CAST(:journals AS text[]),"
                    "  CAST(:scores AS float8[])) AS u(test, row_number, journal_id, score)"
                ),
                {
                    **self.binds,
                    "tests": batch.column("test").to_pylist(),
                    "rows": batch.column("row_number").to_pylist(),
                    "journals": batch.column("journal_id").to_pylist(),
                    "scores": batch.column("score").to_pylist(),
                },
            )
        for batch in _batches(journals):
            self.uow.session.execute(
                text(
                    "INSERT INTO je_journal_risks"
                    " (run_id, firm_id, engagement_id, journal_id, rank, score, tests, flagged_lines, debit_total)"
                    " SELECT :run_id, :firm_id, :engagement_id, u.journal_id, u.rank, u.hundredths::numeric / 100,"
                    "  string_to_array(u.tests, ','), u.lines, u.debit_cents::numeric / 100"
                    " FROM unnest(CAST(:journals AS text[]), CAST(:ranks AS int[]), CAST(:hundredths AS bigint[]),"
                    "  CAST(:tests AS text[]), CAST(:lines AS int[]), CAST(:debits AS bigint[]))"
                    "  AS u(journal_id, rank, hundredths, tests, lines, debit_cents)"
                ),
                {
                    **self.binds,
                    "journals": batch.column("journal_id").to_pylist(),
                    "ranks": batch.column("rank").to_pylist(),
                    "hundredths": batch.column("hundredths").to_pylist(),
                    "tests": batch.column("tests").to_pylist(),
                    "lines": batch.column("lines").to_pylist(),
                    "debits": batch.column("debit_cents").to_pylist(),
                },
            )


def _trim_heap() -> None:
    """Hand freed heap memory back to the system (glibc keeps it otherwise); a no-op elsewhere."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name:
        libc = ctypes.CDLL(name)
        if hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)


def _batches(table: pa.Table) -> Iterator[pa.Table]:
    for offset in range(0, table.num_rows, INSERT_BATCH):
        yield table.slice(offset, INSERT_BATCH)


def _missing(test: JeTest, params: Params, profile: dict[str, int], columns: Collection[str] | None) -> list[str]:
    """The fields the test needs that the population lacks: no value on any line, and (when the file's
    column mapping is known) no column in the file, so a blank Description column still counts as there."""

    def absent(field: str) -> bool:
        return profile[f"field:{field}"] == 0 and (columns is None or field not in columns)

    missing = [f for f in je_tests.needed_fields(test, params) if absent(f)]
    if test.needs_any and all(absent(f) for f in test.needs_any):
        missing.extend(f for f in test.needs_any if f not in missing)
    return missing


@dataclass
class Executed:
    outcomes: list[Outcome]
    stages: dict[str, float]  # seconds: reading the population, profiling it, scoring and writing


def execute(
    uow: UnitOfWork,
    run: JeRun,
    progress: Callable[[float], None] | None = None,
    *,
    columns: Collection[str] | None = None,
) -> Executed:
    """Run the run's tests in catalogue order, score the journals, write it all.
    `columns` are the fields the file had a column for, when ingestion recorded them."""
    params = {code: TESTS[code].params.model_validate(run.parameters.get(code, {})) for code in run.tests}
    stages: dict[str, float] = {}
    started = time.perf_counter()
    runner = Run(uow, run, load_population(uow, run.dataset_id), columns)
    _trim_heap()  # what parsing the lines took and freed
    try:
        stages["read"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        profile = runner.profile(run.tests, params)
        stages["profile"] = round(time.perf_counter() - started, 3)
        outcomes = []
        for index, code in enumerate(run.tests):
            started = time.perf_counter()
            outcome = runner.run_test(code, params[code], profile)
            outcome.seconds = round(time.perf_counter() - started, 3)
            outcomes.append(outcome)
            if progress is not None:
                progress((index + 1) / (len(run.tests) + 2))
        started = time.perf_counter()
        runner.reconnect()  # the last test's memory back before ranking
        flags = runner.all_flags()
        ran = [o.code for o in outcomes if o.status == "ran"]
        journals = risk.rank_journals(runner.duck, flags, runner.journal_debits(), ran)
        runner.write(flags, journals)
        stages["score_and_write"] = round(time.perf_counter() - started, 3)
    finally:
        runner.close()
    log.info("je tests of %s lines: %s", runner.population.num_rows, stages)
    return Executed(outcomes, stages)
