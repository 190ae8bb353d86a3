"""A run of the journal-entry tests: read the population once, run each test, write flags and scores.

The population (one general-ledger version) is read out of PostgreSQL once, with COPY, inside the
job's transaction and under its row-level security, block by block into a DuckDB table in the run's own
database file; DuckDB runs every test over it, on all cores (the `Engine`). The population is never
whole in Python's memory: DuckDB keeps what its budget holds and reads the rest back from its file.
Each test knows how it runs (je_tests.py); the runner only decides whether it can (the fields it
needs), runs it, and keeps what it flags in DuckDB (`FlagStore`).

Memory: DuckDB's budget is a share of the instance (or AURA_ANALYTICS_MEMORY_MB); beyond it every
operator the tests use spills to the run's temporary directory, and the statements that hold state per
journal (account pairs) run in hash partitions of the journals when the population is large for the
budget. Nothing flagged is held in Python: flags go from DuckDB to PostgreSQL by COPY, in batches.

Two phases, each written in its own transaction by the job (service.execute_run): the rule-based tests
and their flags (`run_rules`), then the models (the Isolation Forest) with their flags and every flagged
journal's risk score and rank (`run_models`).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from functions.analytics import je_tests, risk
from functions.analytics.copy_out import copy_blocks
from functions.analytics.je_tests import TESTS, Context, JeTest, NotApplicable, Params
from shared import populations
from shared.db.models_analytics import JeRun
from shared.db.uow import UnitOfWork
from shared.populations import COLUMNS
from shared.settings import get_settings

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from functions.analytics.flag_blocks import Blocks

log = logging.getLogger(__name__)

DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "threads": 2,
    # No statement needs its rows in the order they were read: without it, DuckDB streams and spills more.
    "preserve_insertion_order": False,
    # DuckDB hands freed memory back after each statement rather than keeping up to 128 MB (its default).
    "allocator_flush_threshold": "8MB",
    "allocator_bulk_deallocation_flush_threshold": "8MB",
}
# DuckDB's share of the instance: the rest holds the interpreter and its libraries, a block of the population
# being read, and the forest (its features, one float32 row per line, and scikit-learn). Within it, a
# population gets what its size calls for (the tests of a million lines ran in 96 MB, spilling a little, and
# more only made the process larger): beyond its budget DuckDB spills to the run's temporary directory.
BUDGET_SHARE = 0.25
BUDGET_MIN_MB, BUDGET_MAX_MB = 64, 2048
BUDGET_PER_MILLION_LINES_MB = 128
# What a statement holding per-journal state (account pairs) takes per line of the population: one statement
# over a million ADS lines ran in 64 MB, not in 40. Such statements run in hash partitions of the journals when
# the budget's half cannot hold them at once.
PASS_BYTES_PER_LINE = 64
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def instance_memory_mb() -> int:
    """The memory this process may use: its cgroup's limit (v2, then v1) when one is set below the
    machine's, else the machine's physical memory."""
    import os

    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in _CGROUP_LIMITS:
        try:
            raw = Path(path).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if raw.isdigit() and 0 < int(raw) < physical:  # "max", or v1's 2**63 rounded: no limit
            return int(raw) >> 20
    return physical >> 20


def memory_budget_mb(lines: int | None = None) -> int:
    """DuckDB's memory budget: AURA_ANALYTICS_MEMORY_MB when set, else what `lines` lines call for, within a
    share of the instance (a 2 GB Flex Consumption instance allows 512 MB), clamped."""
    configured = get_settings().analytics_memory_mb
    if configured:
        return configured
    allowed = min(max(int(instance_memory_mb() * BUDGET_SHARE), BUDGET_MIN_MB), BUDGET_MAX_MB)
    if lines is None:
        return allowed
    return min(allowed, max(BUDGET_MIN_MB, -(-lines * BUDGET_PER_MILLION_LINES_MB // 1_000_000)))


# The columns the tests read (shared/populations.py), as COPY writes them and Arrow types them.
SELECT_COLUMNS = ", ".join("(amount * 100)::bigint AS cents" if name == "cents" else name for name, _ in COLUMNS)


def population_types() -> dict[str, pa.DataType]:
    """The population's columns and their Arrow types, in order."""
    return {name: populations.arrow_type(kind) for name, kind in COLUMNS}


# The population's columns as DuckDB stores them (the dictionaries are DuckDB's own strings).
_SQL_TYPES = {"int64": "BIGINT", "int32": "INTEGER", "date32": "DATE", "time32[s]": "TIME", "dictionary": "VARCHAR"}
POPULATION_TABLE = "CREATE TABLE p ({})".format(
    ", ".join(f"{name} {_SQL_TYPES.get(kind, 'VARCHAR')}" for name, kind in COLUMNS)
)


# How DuckDB reads the population's CSV as COPY writes it: NULL is an unquoted empty field, "" an empty string.
CSV_OPTIONS = (
    "header = false, auto_detect = false, delim = ',', quote = '\"', escape = '\"', nullstr = '',"
    " allow_quoted_nulls = false, columns = {{{}}}".format(
        ", ".join(f"'{name}': '{_SQL_TYPES.get(kind, 'VARCHAR')}'" for name, kind in COLUMNS)
    )
)
# The population as the Parquet parts stored with the ledger, read where they are: copying them into a table of
# the run's database file first cost 2.7 s of writing for a million ADS lines, and the tests scan Parquet about as
# fast as the table (1.56 s against 1.2 to 1.5 s for twelve statements; half the CPU in all).
POPULATION_VIEW = "CREATE VIEW p AS SELECT {} FROM read_parquet([{{files}}])".format(  # nosec B608 - our own columns
    ", ".join(f"CAST({name} AS {_SQL_TYPES.get(kind, 'VARCHAR')}) AS {name}" for name, kind in COLUMNS)
)


@dataclass(frozen=True)
class Parts:
    """The population as the Parquet parts ingestion stored beside the lines (shared/populations.py): how many
    lines they hold, and how to write them as files into a folder."""

    lines: int
    fetch: Callable[[Path], Iterable[Path]]


# DuckDB's budget while it reads the population's CSV into its table, one thread: its reader needs more than
# 64 MB, and more only keeps more of the table in memory before it goes to the file.
LOAD_BUDGET_MB = 128
# DuckDB's budget while the forest's features are read (a sort of the lines, which spills) and the forest grows.
FOREST_BUDGET_MB = 64


def load_population(uow: UnitOfWork, dataset_id: Any) -> Iterator[bytes]:
    """The dataset's lines as CSV blocks (COPY, in the unit of work's transaction)."""
    query = f"SELECT {SELECT_COLUMNS} FROM journal_lines WHERE dataset_id = %(dataset_id)s"  # nosec B608
    return copy_blocks(uow, query, {"dataset_id": dataset_id})


# Each journal's debit total in cents, which ranking needs after the forest has narrowed the population.
DEBITS = (
    "CREATE TABLE debits AS"
    " SELECT journal_id, sum(CASE WHEN cents > 0 THEN cents ELSE 0 END) AS debit_cents FROM p GROUP BY 1"
)


class Engine:
    """DuckDB over one population (the table `p`): what the tests query (je_tests.Engine), with the memory
    they take handed back between them. Use as a context manager; closing it removes its spill directory."""

    def __init__(self, population: pa.Table | Parts | Iterable[bytes], context: Context) -> None:
        """Over `population`: an Arrow table (small populations, tests), the Parquet parts stored with the
        ledger (written into the run's temporary directory, where DuckDB reads them as they are), or the CSV
        blocks COPY hands over, which go to a file there for DuckDB's own reader (then the file goes)."""
        import duckdb
        import pyarrow as pa

        self.context = context
        self.spill = tempfile.TemporaryDirectory(prefix="aura-je-")
        # A database file of its own rather than an in-memory one: the population and the tables the run builds
        # (its flags, the journals' debits) outlive a reconnect, and beyond the budget their blocks stay on disk.
        self.database = str(Path(self.spill.name) / "run.duckdb")
        self.has_debits = False
        if isinstance(population, pa.Table):
            self.budget_mb = memory_budget_mb(population.num_rows)
            self.duck: duckdb.DuckDBPyConnection = duckdb.connect(self.database, config=self.config)
            self.duck.execute(POPULATION_TABLE)
            with self.registered("block", population):
                self.duck.execute("INSERT INTO p BY NAME SELECT * FROM block")
        elif isinstance(population, Parts):
            self._read_parts(population)
        else:
            self._read_csv(population)
        row = self.duck.execute("SELECT count(*) FROM p").fetchone()
        self.lines = int(row[0]) if row else 0
        self.budget_mb = memory_budget_mb(self.lines)
        self.reconnect()  # what reading took, handed back; the population stays in the run's database file

    def _read_csv(self, blocks: Iterable[bytes]) -> None:
        """The CSV blocks written to a file, read by DuckDB into `p` (on one thread, within LOAD_BUDGET_MB),
        and the file removed: the population is never whole in Python's memory."""
        import duckdb

        path = Path(self.spill.name) / "population.csv"
        lines = 0
        with path.open("wb") as out:
            for block in blocks:
                out.write(block)
                lines += block.count(b"\n")  # about the lines (a quoted description may hold a line break)
        self.budget_mb = min(memory_budget_mb(lines), LOAD_BUDGET_MB)
        self.duck = duckdb.connect(self.database, config={**self.config, "threads": 1})
        self.duck.execute(POPULATION_TABLE)
        statement = f"INSERT INTO p SELECT * FROM read_csv($path, {CSV_OPTIONS})"  # noqa: S608  # nosec B608
        self.duck.execute(statement, {"path": str(path)})
        path.unlink()

    def _read_parts(self, parts: Parts) -> None:
        """The Parquet parts as files of the run's temporary directory (removed with it), and `p` a view of them."""
        import duckdb

        files = [str(path) for path in parts.fetch(Path(self.spill.name))]
        self.budget_mb = memory_budget_mb(parts.lines)
        self.duck = duckdb.connect(self.database, config=self.config)
        listed = ", ".join("'{}'".format(name.replace("'", "''")) for name in files)  # our own temporary files
        self.duck.execute(POPULATION_VIEW.format(files=listed))

    @property
    def config(self) -> dict[str, str | bool | int | float | list[str]]:
        return {**DUCKDB_CONFIG, "memory_limit": f"{self.budget_mb}MB", "temp_directory": self.spill.name}

    @property
    def passes(self) -> int:
        share = self.budget_mb * 2**20 // 2
        return max(1, -(-self.lines * PASS_BYTES_PER_LINE // share))

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.duck.close()
        self.spill.cleanup()

    def query(self, sql: str, binds: dict[str, Any] | None = None) -> pa.Table:
        return self.duck.execute(sql, binds or {}).to_arrow_table()

    def batches(self, sql: str, rows: int) -> Iterator[pa.RecordBatch]:
        """The statement's result in Arrow batches of at most `rows` rows, as DuckDB produces them."""
        yield from self.duck.execute(sql).to_arrow_reader(rows)

    @contextmanager
    def registered(self, name: str, table: pa.Table) -> Iterator[None]:
        self.duck.register(name, table)
        try:
            yield
        finally:
            self.duck.unregister(name)

    def journal_debits(self) -> pa.Table:
        """Each journal's debit total in cents (for ranking), kept as the table `debits` once computed."""
        self.keep_debits()
        return self.query("SELECT journal_id, debit_cents FROM debits")

    def keep_debits(self) -> None:
        """The table `debits`, computed once while the population still has its amounts."""
        if not self.has_debits:
            self.duck.execute(DEBITS)
            self.has_debits = True

    def reconnect(self, budget_mb: int | None = None) -> None:
        """A new DuckDB connection to the run's database (DuckDB keeps what statements took, and the blocks
        it cached, until its connection closes), within `budget_mb` if given (else the run's budget), and
        what else was freed handed back to the system."""
        import duckdb
        import pyarrow as pa

        self.duck.close()
        config = self.config if budget_mb is None else {**self.config, "memory_limit": f"{budget_mb}MB"}
        self.duck = duckdb.connect(self.database, config=config)
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


def _flags(found: pa.Table) -> pa.Table:
    """What a test yields (row_number, journal_id, score), typed. (The test's code is not repeated on every
    line: FlagStore.add knows it, and for 620,000 lines the column took 17 MB beside DuckDB's budget.)"""
    import pyarrow as pa

    return found.select(["row_number", "journal_id", "score"]).cast(
        pa.schema([("row_number", pa.int64()), ("journal_id", pa.string()), ("score", pa.float64())])
    )


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
    flags = _flags(found.flags)
    outcome.flagged_lines = flags.num_rows
    outcome.flagged_journals = int(pc.count_distinct(flags.column("journal_id")).as_py())
    return outcome, flags


def execution_order(codes: Sequence[str]) -> list[str]:
    """The tests in the order asked, except that those narrowing the population run after the rest."""
    return sorted(codes, key=lambda code: TESTS[code].narrows_population)


class FlagStore:
    """What a run's tests flag, kept in the engine's DuckDB database (which spills) rather than in Python:
    a test that scores its lines (`JeTest.scored`) keeps (row, journal, score) per line; any other sets
    its bit (its index in the run's tests) on the lines it flags, one row per line once combined."""

    def __init__(self, engine: Engine, codes: Sequence[str]) -> None:
        self.engine, self.bits = engine, {code: index for index, code in enumerate(codes)}
        engine.duck.execute(
            "CREATE TABLE IF NOT EXISTS flag_bits (row_number BIGINT, journal_id VARCHAR, bit TINYINT);"
            " CREATE TABLE IF NOT EXISTS flag_scores"
            " (test VARCHAR, row_number BIGINT, journal_id VARCHAR, score DOUBLE)"
        )

    def add(self, code: str, flags: pa.Table) -> None:
        with self.engine.registered("found", flags):
            if TESTS[code].scored:
                self.engine.duck.execute(
                    "INSERT INTO flag_scores SELECT $code, row_number, journal_id, score FROM found", {"code": code}
                )
            else:
                self.engine.duck.execute(
                    "INSERT INTO flag_bits SELECT row_number, journal_id, $bit FROM found", {"bit": self.bits[code]}
                )

    def combine(self) -> None:
        """The flagged lines, once each, with the bits of the tests that flagged them (`flag_lines`)."""
        self.engine.duck.execute(
            "CREATE OR REPLACE TABLE flag_lines AS SELECT row_number, any_value(journal_id) AS journal_id,"
            " bit_or(1::BIGINT << bit) AS tests FROM flag_bits GROUP BY row_number;"
            " DROP TABLE flag_bits"
        )

    def tested_lines(self) -> str:
        """A query of every flagged line with the bits of all its tests, the scored ones included."""
        cases = " ".join(f"WHEN '{code}' THEN {bit}" for code, bit in self.bits.items() if TESTS[code].scored)
        scored = f"1::BIGINT << (CASE test {cases} END)" if cases else "0::BIGINT"
        return (
            "SELECT row_number, any_value(journal_id) AS journal_id, bit_or(tests) AS tests FROM ("  # nosec B608
            " SELECT row_number, journal_id, tests FROM flag_lines"
            f" UNION ALL SELECT row_number, journal_id, {scored} FROM flag_scores) GROUP BY row_number"
        )


COPY_BATCH = 200_000


def copy_in(
    uow: UnitOfWork,
    run: JeRun,
    table: str,
    columns: dict[str, str],
    engine: Engine,
    query: str,
    *,
    ranked: bool = False,
) -> int:
    """The DuckDB query's rows, stored in `table` as the run's. PostgreSQL takes no COPY into a table with
    row-level security, so the rows are COPYed (CSV, in batches as DuckDB hands them over: never all in
    Python at once) into a temporary table, then inserted from it in one statement, through the table's
    policies. `columns` are the query's columns and their PostgreSQL types; when `ranked`, the last is `rank`,
    the position of each row in the query's order, numbered here. Returns how many rows."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    connection = uow.session.connection().connection.driver_connection
    if connection is None:
        raise RuntimeError("the unit of work has no database connection")
    names = ", ".join(columns)
    typed = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    options = pacsv.WriteOptions(include_header=False)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE aura_copy_in ({typed}) ON COMMIT DROP")
        with cursor.copy(f"COPY aura_copy_in ({names}) FROM STDIN (FORMAT csv)") as copy:
            position = 0
            for batch in engine.duck.execute(query).to_arrow_reader(COPY_BATCH):
                if ranked:
                    ranks = pa.array(range(position + 1, position + batch.num_rows + 1), pa.int32())
                    batch = batch.append_column("rank", ranks)
                    position += batch.num_rows
                block = io.BytesIO()
                pacsv.write_csv(batch, block, options)
                copy.write(block.getbuffer())
        cursor.execute(
            f"INSERT INTO {table} (run_id, firm_id, engagement_id, {names})"  # nosec B608 - our own names
            f" SELECT %(run_id)s, %(firm_id)s, %(engagement_id)s, {names} FROM aura_copy_in",
            {"run_id": run.id, "firm_id": run.firm_id, "engagement_id": run.engagement_id},
        )
        rows = int(cursor.rowcount)
        cursor.execute("DROP TABLE aura_copy_in")
    return rows


def write_rule_flags(uow: UnitOfWork, run: JeRun, store: FlagStore) -> dict[str, int]:
    """The rule-based tests' flags: each test's blocks of flagged lines (flag_blocks.py: a test flagging 620,000
    of a million lines is at most 123 rows of 1 kB, not 620,000 rows), encoded from DuckDB's batches of flagged lines;
    and one row per scored line (a test that scores)."""
    from functions.analytics import flag_blocks  # numpy: off the HTTP cold start, which imports this module

    engine = store.engine
    blocks = flag_blocks.merge(
        flag_blocks.encode(batch.column("row_number").to_numpy(), batch.column("tests").to_numpy())
        for batch in engine.batches("SELECT row_number, tests FROM flag_lines", COPY_BATCH)
    )
    return {"blocks": insert_blocks(uow, run, blocks), "scores": write_scores(uow, run, engine)}


# One statement for all of a run's blocks (the lock trigger runs once a statement), from arrays of their fields.
INSERT_BLOCKS = text(
    "INSERT INTO je_flag_blocks (run_id, firm_id, engagement_id, bit, block, lines, bits)"
    " SELECT :run_id, :firm_id, :engagement_id, * FROM unnest(CAST(:bit AS smallint[]),"
    " CAST(:block AS integer[]), CAST(:lines AS integer[]), CAST(:bits AS bytea[]))"
)


def insert_blocks(uow: UnitOfWork, run: JeRun, blocks: Blocks) -> int:
    """The blocks stored as the run's (je_flag_blocks); how many."""
    if len(blocks):
        uow.session.execute(
            INSERT_BLOCKS,
            {
                "run_id": run.id,
                "firm_id": run.firm_id,
                "engagement_id": run.engagement_id,
                "bit": blocks.bit.tolist(),
                "block": blocks.block.tolist(),
                "lines": blocks.lines.tolist(),
                "bits": [row.tobytes() for row in blocks.bits],
            },
        )
    return len(blocks)


def write_scores(uow: UnitOfWork, run: JeRun, engine: Engine) -> int:
    """The scored flags not written yet; they are then moved aside (`written_scores`)."""
    columns = {"test": "text", "row_number": "bigint", "score": "float8"}
    query = "SELECT test, row_number, score FROM flag_scores ORDER BY test, row_number"  # the table's key order
    count = copy_in(uow, run, "je_flag_scores", columns, engine, query)
    engine.duck.execute(
        "CREATE TABLE IF NOT EXISTS written_scores AS SELECT * FROM flag_scores LIMIT 0;"
        " INSERT INTO written_scores SELECT * FROM flag_scores; DELETE FROM flag_scores"
    )
    return count


def write_journal_risks(uow: UnitOfWork, run: JeRun, store: FlagStore, ran: Sequence[str]) -> int:
    """Every flagged journal's risk score and rank, computed by DuckDB over the flagged lines and COPYed."""
    engine = store.engine
    engine.duck.execute(
        "CREATE OR REPLACE VIEW all_scores AS SELECT * FROM written_scores UNION ALL SELECT * FROM flag_scores"
    )
    # Each step kept as a table before the next: one aggregate, join or sort at a time holds less (a
    # million ADS lines are ranked within 40 MB this way, not in one statement).
    lines = store.tested_lines().replace("FROM flag_scores", "FROM all_scores")
    engine.duck.execute(f"CREATE OR REPLACE TABLE ranked_lines AS {lines}")
    engine.duck.execute(
        f"CREATE OR REPLACE TABLE ranked_journals AS {risk.journals_query('SELECT * FROM ranked_lines')}"
    )
    scored = risk.scored_query("SELECT * FROM ranked_journals", "debits", store.bits, ran)
    engine.duck.execute(f"CREATE OR REPLACE TABLE ranked_scores AS {scored}")
    ranked = "SELECT * FROM ranked_scores"
    columns = {
        "journal_id": "text",
        "score": "numeric",
        "tests": "text[]",
        "flagged_lines": "integer",
        "debit_total": "numeric",
        "rank": "integer",
    }
    return copy_in(
        uow,
        run,
        "je_journal_risks",
        columns,
        engine,
        "SELECT journal_id, printf('%d.%02d', hundredths // 100, hundredths % 100) AS score,"  # nosec B608
        " '{' || tests || '}' AS tests, lines AS flagged_lines,"
        f" printf('%d.%02d', debit_cents // 100, debit_cents % 100) AS debit_total FROM ({ranked})"
        f" ORDER BY {risk.RANK_ORDER}",
        ranked=True,
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


@dataclass
class Executed:
    outcomes: list[Outcome]
    stages: dict[str, float]  # seconds: reading the population, profiling it, the tests, writing


@dataclass
class Execution:
    """A run in progress, between its two transactions: the engine over the population, what the rule
    tests found, and what remains (the models: tests that narrow the population)."""

    run: JeRun
    engine: Engine
    store: FlagStore
    params: dict[str, Params]
    outcomes: dict[str, Outcome]
    stages: dict[str, float]
    profile: dict[str, int] | None = None

    @property
    def models(self) -> list[str]:
        return [code for code in self.run.tests if TESTS[code].narrows_population]

    def results(self) -> list[dict[str, Any]]:
        """Every test's result in the run's order; a model not yet computed reads `scoring`."""
        found = []
        for code in self.run.tests:
            outcome = self.outcomes.get(code) or Outcome(code, "scoring", je_tests.dump(self.params[code]))
            found.append(outcome.as_dict())
        return found


class _RssTrace:
    """When AURA_ANALYTICS_TRACE_RSS is set (benchmarks): the process's resident memory sampled every 20 ms
    on a thread, its peak per stage reported beside the stage's seconds (`rss_mb:<stage>`)."""

    def __init__(self) -> None:
        import os
        import threading

        self.peak = 0
        self.enabled = bool(os.environ.get("AURA_ANALYTICS_TRACE_RSS"))
        if self.enabled:
            threading.Thread(target=self._sample, daemon=True).start()

    @staticmethod
    def rss_mb() -> int:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) >> 10
        return 0

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.rss_mb())
            time.sleep(0.02)

    def mark(self, stages: dict[str, float], name: str) -> None:
        if self.enabled:
            key = f"rss_mb:{name}"
            stages[key] = max(stages.get(key, 0.0), float(max(self.peak, self.rss_mb())))
            self.peak = 0


_TRACE: _RssTrace | None = None


def _timed(stages: dict[str, float], name: str, started: float, detail: str | None = None) -> float:
    global _TRACE  # noqa: PLW0603 - one sampler a process
    now = time.perf_counter()
    stages[name] = round(stages.get(name, 0.0) + now - started, 3)
    if _TRACE is None:
        _TRACE = _RssTrace()
    _TRACE.mark(stages, detail or name)
    return time.perf_counter()


# scikit-learn is imported while the rule tests run (outliers.warm_up) up to this many lines: its 136 MB beside
# DuckDB's budget are worth the 1.6 s they save on a ledger of a few million lines, not on ten million, where
# the rule tests hold the most memory (DuckDB's whole budget) and the import is a second of minutes.
WARM_UP_LINES = 2_000_000


def start(uow: UnitOfWork, run: JeRun) -> Execution:
    """The population read (its Parquet parts, else its lines by COPY, in the unit of work's transaction) and
    DuckDB over it."""
    params = {code: TESTS[code].params.model_validate(run.parameters.get(code, {})) for code in run.tests}
    context = Context(run.fiscal_start, run.fiscal_end, run.performance_materiality)
    stages: dict[str, float] = {}
    global _TRACE  # noqa: PLW0603 - one sampler a process
    if _TRACE is None:
        _TRACE = _RssTrace()
    started = time.perf_counter()
    stored = populations.stored_lines(uow.session, run.dataset_id)
    if any(TESTS[code].narrows_population for code in run.tests) and 0 < stored <= WARM_UP_LINES:
        from functions.analytics import outliers

        outliers.warm_up()
    if stored:
        dataset_id = run.dataset_id
        source: Parts | Iterator[bytes] = Parts(
            stored, lambda folder: populations.fetch(uow.session, dataset_id, folder)
        )
    else:  # a ledger loaded before its population was stored beside it: read from its lines
        source = load_population(uow, run.dataset_id)
    engine = Engine(source, context)
    _trim_heap()  # what parsing the lines took and freed
    _timed(stages, "read", started)
    return Execution(run, engine, FlagStore(engine, run.tests), params, {}, stages)


def run_rules(
    uow: UnitOfWork,
    execution: Execution,
    progress: Callable[[float], None] | None = None,
    *,
    columns: Collection[str] | None = None,
    write: bool = True,
) -> None:
    """Every test but the models, and their flags written (COPY) in the unit of work's transaction unless
    `write` is false (a redelivery of a run whose rule results are committed: ranking needs them again).
    `columns` are the fields the file had a column for, when ingestion recorded them."""
    engine, run, stages = execution.engine, execution.run, execution.stages
    started = time.perf_counter()
    execution.profile = engine.profile(run.tests, execution.params)
    started = _timed(stages, "profile", started)
    engine.keep_debits()
    rules = [code for code in run.tests if code not in execution.models]
    for index, code in enumerate(rules):
        started = time.perf_counter()
        outcome, flags = run_test(engine, code, execution.params[code], execution.profile, columns)
        outcome.seconds = round(time.perf_counter() - started, 3)
        execution.outcomes[code] = outcome
        if flags is not None:
            execution.store.add(code, flags)
        if progress is not None:
            progress((index + 1) / (len(run.tests) + 2))
        _timed(stages, "rules", started, code)
    started = time.perf_counter()
    execution.store.combine()
    if write:
        written = write_rule_flags(uow, run, execution.store)
        log.info("rule flags of run %s written: %s", run.id, written)
    _timed(stages, "write_rules", started)


def run_models(uow: UnitOfWork, execution: Execution) -> None:
    """The models (the Isolation Forest), their flags, and every flagged journal's risk score and rank,
    written (COPY) in the unit of work's transaction."""
    engine, run, stages = execution.engine, execution.run, execution.stages
    profile = execution.profile or engine.profile(run.tests, execution.params)
    # What the rule tests took and the population's blocks DuckDB cached, back before the forest; while it
    # grows, DuckDB (which only sorts the lines for its features) keeps within less, spilling beyond it.
    engine.reconnect(min(engine.budget_mb, FOREST_BUDGET_MB))
    for code in execution.models:
        started = time.perf_counter()
        outcome, flags = run_test(engine, code, execution.params[code], profile)
        outcome.seconds = round(time.perf_counter() - started, 3)
        execution.outcomes[code] = outcome
        if flags is not None:
            execution.store.add(code, flags)
        _timed(stages, "models", started, code)
    started = time.perf_counter()
    engine.reconnect()  # the forest's memory back before ranking
    write_scores(uow, run, engine)
    ran = [code for code in run.tests if execution.outcomes[code].status == "ran"]
    write_journal_risks(uow, run, execution.store, ran)
    _timed(stages, "score_and_write", started)
    log.info("je tests of %s lines: %s", engine.lines, stages)


def execute(
    uow: UnitOfWork,
    run: JeRun,
    progress: Callable[[float], None] | None = None,
    *,
    columns: Collection[str] | None = None,
) -> Executed:
    """Run the run's tests, score the journals, write it all in one transaction (the job commits the rule
    results first itself: service.execute_run); outcomes in the run's (catalogue) order."""
    execution = start(uow, run)
    with execution.engine:
        run_rules(uow, execution, progress, columns=columns)
        run_models(uow, execution)
    return Executed([execution.outcomes[code] for code in run.tests], execution.stages)
