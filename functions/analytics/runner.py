"""A run of the journal-entry tests: read the population once, run each test, write flags and scores.

The population (one general-ledger version) is read out of PostgreSQL once, with COPY, inside the
job's transaction and under its row-level security, into an Arrow table; DuckDB runs every test over
it in place, on all cores (the `Engine`). Each test knows how it runs (je_tests.py); the runner only
decides whether it can (the fields it needs), runs it, and keeps what it flags. What the tests flag is
written back to PostgreSQL in bulk in the same transaction, with the journals' risk scores, so a run
is either complete (flags, scores and summary written, `analytics.completed` queued) or not there at all.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from functions.analytics import je_tests, risk
from functions.analytics.copy_out import read_table
from functions.analytics.je_tests import TESTS, Context, JeTest, NotApplicable, Params
from shared.db.models_analytics import JeRun
from shared.db.uow import UnitOfWork

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

log = logging.getLogger(__name__)

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


def _arrow_type(kind: str) -> pa.DataType:
    """Accounts, users, periods and descriptions repeat: as dictionaries a million lines take far less memory."""
    import pyarrow as pa

    return pa.dictionary(pa.int32(), pa.string()) if kind == "dictionary" else pa.type_for_alias(kind)


def population_types() -> dict[str, pa.DataType]:
    """The population's columns and their Arrow types, in order."""
    return {name: _arrow_type(kind) for name, kind in COLUMNS}


def load_population(uow: UnitOfWork, dataset_id: Any) -> pa.Table:
    """The dataset's lines as an Arrow table, read with COPY in the unit of work's transaction."""
    query = f"SELECT {SELECT_COLUMNS} FROM journal_lines WHERE dataset_id = %(dataset_id)s"  # nosec B608
    types = population_types()
    return read_table(uow, query, {"dataset_id": dataset_id}, list(types), types)


class Engine:
    """DuckDB over one population (`p`): what the tests query (je_tests.Engine), with the memory they take
    handed back between them. Use as a context manager; closing it removes its spill directory."""

    def __init__(self, population: pa.Table, context: Context) -> None:
        import duckdb

        self.population, self.context = population, context
        self.spill = tempfile.TemporaryDirectory(prefix="aura-je-")
        self.duck: duckdb.DuckDBPyConnection = duckdb.connect(config=self.config)
        self.duck.register("p", population)
        self.debits: pa.Table | None = None

    @property
    def config(self) -> dict[str, str | bool | int | float | list[str]]:
        return {**DUCKDB_CONFIG, "temp_directory": self.spill.name}

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.duck.close()
        self.spill.cleanup()

    def query(self, sql: str, binds: dict[str, Any] | None = None) -> pa.Table:
        return self.duck.execute(sql, binds or {}).to_arrow_table()

    @contextmanager
    def registered(self, name: str, table: pa.Table) -> Iterator[None]:
        self.duck.register(name, table)
        try:
            yield
        finally:
            self.duck.unregister(name)

    def journal_debits(self) -> pa.Table:
        """Each journal's debit total in cents (for ranking), kept once computed."""
        if self.debits is None:
            self.debits = self.query(
                "SELECT journal_id, sum(CASE WHEN cents > 0 THEN cents ELSE 0 END) AS debit_cents FROM p GROUP BY 1"
            )
        return self.debits

    def narrow(self, columns: Sequence[str]) -> None:
        """Keep only these columns of the population, and free the rest and DuckDB's memory (a new
        connection); each journal's debits, which ranking needs, are kept first."""
        self.journal_debits()
        self.population = self.population.select(list(columns))
        self.reconnect()

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

    def profile(self, tests: Sequence[str], params: dict[str, Params]) -> dict[str, int]:
        """Lines, and lines usable by each field and by each test, in one pass."""
        columns = {"lines": "count(*)"}
        for name, usable in je_tests.USABLE.items():
            columns[f"field:{name}"] = f"count(*) FILTER (WHERE {usable})"
        for code in tests:
            needs = TESTS[code].needed_fields(params[code])
            if needs:
                condition = " AND ".join(f"({je_tests.USABLE[f]})" for f in needs)
                columns[f"test:{code}"] = f"count(*) FILTER (WHERE {condition})"
        select = ", ".join(f'{expr} AS "{i}"' for i, expr in enumerate(columns.values()))
        row = self.duck.execute(f"SELECT {select} FROM p").fetchone()  # nosec B608
        if row is None:
            raise RuntimeError("the population profile returned nothing")
        return dict(zip(columns, (int(v) for v in row), strict=True))


@dataclass
class Outcome:
    code: str
    status: str
    parameters: dict[str, Any]
    flagged_lines: int = 0
    flagged_journals: int = 0
    missing_fields: list[str] | None = None
    skipped_lines: int = 0
    lines_total: int | None = None
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
            "lines_total": self.lines_total,
            "lines_tested": None if self.lines_total is None else self.lines_total - self.skipped_lines,
            "weight": TESTS[self.code].weight,
            "seconds": self.seconds,
        }
        return data | (self.extra or {})


def _missing(test: JeTest, params: Params, profile: dict[str, int], columns: Collection[str] | None) -> list[str]:
    """The fields the test needs that the population lacks: no value on any line, and (when the file's
    column mapping is known) no column in the file, so a blank Description column still counts as there."""

    def absent(field: str) -> bool:
        return profile[f"field:{field}"] == 0 and (columns is None or field not in columns)

    missing = [f for f in test.needed_fields(params) if absent(f)]
    if test.needs_any and all(absent(f) for f in test.needs_any):
        missing.extend(f for f in test.needs_any if f not in missing)
    return missing


def _flags(code: str, found: pa.Table) -> pa.Table:
    """What a test yields (row_number, journal_id, score), typed, with the test's code on every line."""
    import pyarrow as pa

    found = found.select(["row_number", "journal_id", "score"]).cast(
        pa.schema([("row_number", pa.int64()), ("journal_id", pa.string()), ("score", pa.float64())])
    )
    return found.append_column("test", pa.array([code] * found.num_rows, pa.string()))


def run_test(
    engine: Engine, code: str, params: Params, profile: dict[str, int], columns: Collection[str] | None = None
) -> tuple[Outcome, pa.Table | None]:
    """Run one test when the population has what it needs: its outcome, and the lines it flagged."""
    import pyarrow.compute as pc

    test = TESTS[code]
    missing = _missing(test, params, profile, columns)
    if missing:
        return Outcome(code, "not_applicable", je_tests.dump(params), missing_fields=missing), None
    total = profile["lines"]
    skipped = total - profile.get(f"test:{code}", total)
    if total and skipped == total:
        # A test that could look at no line did not run, whatever its zero says: "Ran, 0 flagged" would read
        # as clean. The missing fields are those no line has, else all the test needs (no line has them all).
        needs = test.needed_fields(params)
        empty = [f for f in needs if profile.get(f"field:{f}", 0) == 0] or list(needs)
        return Outcome(code, "not_applicable", je_tests.dump(params), missing_fields=empty, skipped_lines=total), None
    try:
        found = test.run(engine, params)
    except NotApplicable as absent:
        return Outcome(code, "not_applicable", je_tests.dump(params), missing_fields=absent.missing), None
    outcome = Outcome(
        code, "ran", je_tests.dump(found.params), skipped_lines=skipped, lines_total=total, extra=found.extra or None
    )
    if found.flags is None or found.flags.num_rows == 0:
        return outcome, None
    flags = _flags(code, found.flags)
    outcome.flagged_lines = flags.num_rows
    outcome.flagged_journals = int(pc.count_distinct(flags.column("journal_id")).as_py())
    return outcome, flags


def execution_order(codes: Sequence[str]) -> list[str]:
    """The tests in the order asked, except that those narrowing the population run after the rest."""
    return sorted(codes, key=lambda code: TESTS[code].narrows_population)


def _all_flags(flags: list[pa.Table]) -> pa.Table:
    import pyarrow as pa

    if not flags:
        return pa.table(
            {
                "row_number": pa.array([], pa.int64()),
                "journal_id": pa.array([], pa.string()),
                "score": pa.array([], pa.float64()),
                "test": pa.array([], pa.string()),
            }
        )
    return pa.concat_tables(flags)


def write(uow: UnitOfWork, run: JeRun, flags: pa.Table, journals: pa.Table) -> None:
    """The run's flags and journal scores, inserted in batches through the tables' policies."""
    binds = {"run_id": run.id, "firm_id": run.firm_id, "engagement_id": run.engagement_id}
    for batch in _batches(flags):
        uow.session.execute(
            text(
                "INSERT INTO je_flags (run_id, firm_id, engagement_id, test, row_number, journal_id, score)"
                " SELECT :run_id, :firm_id, :engagement_id, u.test, u.row_number, u.journal_id, u.score"
                " FROM unnest(CAST(:tests AS text[]), CAST(:rows AS bigint[]), CAST(:journals AS text[]),"
                "  CAST(:scores AS float8[])) AS u(test, row_number, journal_id, score)"
            ),
            {
                **binds,
                "tests": batch.column("test").to_pylist(),
                "rows": batch.column("row_number").to_pylist(),
                "journals": batch.column("journal_id").to_pylist(),
                "scores": batch.column("score").to_pylist(),
            },
        )
    for batch in _batches(journals):
        uow.session.execute(
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
                **binds,
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
    """Run the run's tests, score the journals, write it all; outcomes in the run's (catalogue) order.
    `columns` are the fields the file had a column for, when ingestion recorded them."""
    params = {code: TESTS[code].params.model_validate(run.parameters.get(code, {})) for code in run.tests}
    context = Context(run.fiscal_start, run.fiscal_end, run.performance_materiality)
    stages: dict[str, float] = {}
    started = time.perf_counter()
    engine = Engine(load_population(uow, run.dataset_id), context)
    _trim_heap()  # what parsing the lines took and freed
    with engine:
        stages["read"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        profile = engine.profile(run.tests, params)
        stages["profile"] = round(time.perf_counter() - started, 3)
        outcomes: dict[str, Outcome] = {}
        flagged: list[pa.Table] = []
        for index, code in enumerate(execution_order(run.tests)):
            started = time.perf_counter()
            outcome, flags = run_test(engine, code, params[code], profile, columns)
            outcome.seconds = round(time.perf_counter() - started, 3)
            outcomes[code] = outcome
            if flags is not None:
                flagged.append(flags)
            if progress is not None:
                progress((index + 1) / (len(run.tests) + 2))
        started = time.perf_counter()
        engine.reconnect()  # the last test's memory back before ranking
        flags = _all_flags(flagged)
        ran = [code for code in run.tests if outcomes[code].status == "ran"]
        journals = risk.rank_journals(engine.duck, flags, engine.journal_debits(), ran)
        write(uow, run, flags, journals)
        stages["score_and_write"] = round(time.perf_counter() - started, 3)
    log.info("je tests of %s lines: %s", engine.population.num_rows, stages)
    return Executed([outcomes[code] for code in run.tests], stages)
