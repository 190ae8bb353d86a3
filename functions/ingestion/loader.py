"""Load one stored file into its dataset: stream, parse in chunks, validate, COPY, all or nothing.

The file is read once, as a stream, in batches of typed columns; each batch goes to PostgreSQL's
COPY as CSV the moment it is converted, inside the job's one transaction. A problem anywhere
(an unreadable date on row 7,312, a missing column, totals that disagree with the file's own
header) stops writing, reads on only to list the problems, and raises: the transaction rolls back,
so not one line of the file is stored and the previous version stays current. Memory is bounded by
the batch size, not the file size. Imported only by the job, so pyarrow stays off the cold start.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg import sql
from sqlalchemy.orm import Session

from functions.ingestion.aliases import ALIASES, normalize_header
from functions.ingestion.convert import Converter, Options
from functions.ingestion.fields import COLUMNS
from functions.ingestion.problems import IngestRejected, WarningLog
from functions.ingestion.sources import open_source
from shared import populations
from shared.db.models_ingestion import LINE_TABLES, Dataset

log = logging.getLogger("aura.ingestion.loader")

CENT = Decimal("0.01")
ZERO = Decimal("0")
KEYS = ("dataset_id", "firm_id", "engagement_id")


class HashingReader(io.RawIOBase):
    """Counts and hashes what the parser reads, so a file uploaded straight to storage is measured
    by the load itself instead of by a second pass over gigabytes."""

    def __init__(self, stream: BinaryIO, on_read: Callable[[int], None] | None = None) -> None:
        self._stream, self._on_read = stream, on_read
        self.size = 0
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.size += count
        self._digest.update(data)
        if self._on_read is not None:
            self._on_read(self.size)
        return count

    def drain(self) -> None:
        while self.read(1024 * 1024):
            pass

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


@dataclass
class LedgerTotals:
    """What a general ledger adds up to, gathered batch by batch while it streams past."""

    lines: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    journals: int = 0  # counted in the database once loaded: one entry per journal would grow with the file
    unbalanced: int = 0
    accounts: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    periods: dict[str, list[Any]] = field(default_factory=dict)
    first_date: date | None = None
    last_date: date | None = None

    def add(self, batch: pa.RecordBatch) -> None:
        table = pa.Table.from_batches([batch])
        amount = table["amount"]
        positive = pc.greater(amount, 0)
        debit = pc.if_else(positive, amount, pa.scalar(Decimal(0), amount.type))
        credit = pc.if_else(positive, pa.scalar(Decimal(0), amount.type), pc.negate(amount))
        self.lines += table.num_rows
        self.debit += _money(pc.sum(debit).as_py())
        self.credit += _money(pc.sum(credit).as_py())
        self.accounts.update(pc.unique(table["account_number"]).to_pylist())
        self.users.update(u for u in pc.unique(table["entered_by"]).to_pylist() if u is not None)
        dates = pc.min_max(table["effective_date"]).as_py()
        if dates["min"] is not None:
            self.first_date = min(filter(None, (self.first_date, dates["min"])))
            self.last_date = max(filter(None, (self.last_date, dates["max"])))
        month = pc.strftime(table["effective_date"], format="%Y-%m")
        key = pc.coalesce(table["period"], month)
        grouped = (
            pa.table({"key": key, "debit": debit, "credit": credit})
            .group_by("key")
            .aggregate([("debit", "sum"), ("credit", "sum"), ("debit", "count")])
            .to_pydict()
        )
        for name, debits, credits, count in zip(
            grouped["key"], grouped["debit_sum"], grouped["credit_sum"], grouped["debit_count"], strict=True
        ):
            entry = self.periods.setdefault(name, [0, ZERO, ZERO])
            entry[0] += count
            entry[1] += _money(debits)
            entry[2] += _money(credits)

    def summary(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "journals": self.journals,
            "accounts": len(self.accounts),
            "users": len(self.users),
            "debit_total": str(self.debit),
            "credit_total": str(self.credit),
            "difference": str(self.debit - self.credit),
            "unbalanced_journals": self.unbalanced,
            "first_effective_date": self.first_date.isoformat() if self.first_date else None,
            "last_effective_date": self.last_date.isoformat() if self.last_date else None,
            "periods": [
                {"period": name, "lines": v[0], "debit_total": str(v[1]), "credit_total": str(v[2])}
                for name, v in sorted(self.periods.items(), key=lambda item: _period_order(item[0]))
            ],
        }


def _period_order(name: str) -> tuple[int, str]:
    return (int(name), name) if name.isdigit() else (10**6, name)


@dataclass
class BalanceTotals:
    """What a trial balance adds up to."""

    accounts: int = 0
    closing: Decimal = ZERO
    closing_debit: Decimal = ZERO
    closing_credit: Decimal = ZERO
    opening: Decimal | None = None

    def add(self, batch: pa.RecordBatch) -> None:
        closing = batch.column(batch.schema.get_field_index("closing_balance"))
        opening = batch.column(batch.schema.get_field_index("opening_balance"))
        zero = pa.scalar(Decimal(0), closing.type)
        self.accounts += batch.num_rows
        self.closing += _money(pc.sum(closing).as_py())
        self.closing_debit += _money(pc.sum(pc.max_element_wise(closing, zero)).as_py())
        self.closing_credit -= _money(pc.sum(pc.min_element_wise(closing, zero)).as_py())
        if pc.count(opening).as_py():
            self.opening = (self.opening or ZERO) + _money(pc.sum(opening).as_py())

    def summary(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "closing_debit_total": str(self.closing_debit),
            "closing_credit_total": str(self.closing_credit),
            "difference": str(self.closing),
            "opening_balance_total": None if self.opening is None else str(self.opening),
            "has_opening_balances": self.opening is not None,
        }


@dataclass
class ChartTotals:
    accounts: int = 0

    def add(self, batch: pa.RecordBatch) -> None:
        self.accounts += batch.num_rows

    def summary(self) -> dict[str, Any]:
        return {"accounts": self.accounts}


TOTALS = {"general_ledger": LedgerTotals, "trial_balance": BalanceTotals, "chart_of_accounts": ChartTotals}


@dataclass
class Loaded:
    summary: dict[str, Any]
    warnings: list[dict[str, Any]]
    unbalanced: bool
    size_bytes: int
    sha256: str


class Staging:
    """Where COPY may write. PostgreSQL refuses COPY into a table under row-level security, so the
    small tables (trial balance, chart) are copied into a temporary table of the same shape and moved
    with one INSERT ... SELECT, which their policies and lock trigger check like any other insert."""

    def __init__(self, kind: str) -> None:
        self.columns = sql.SQL(", ").join(sql.Identifier(name) for name in COLUMNS[kind])
        self.table = sql.Identifier(LINE_TABLES[kind].__tablename__)
        self.target = sql.Identifier(f"staging_{LINE_TABLES[kind].__tablename__}")

    def open(self, cursor: Any, dataset: Dataset) -> None:
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                self.target, self.columns, self.table
            )
        )

    def copy(self) -> sql.Composed:
        return sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(self.target, self.columns)

    def close(self, cursor: Any, dataset: Dataset) -> None:
        """Move the lines, giving each its dataset, firm and engagement."""
        keys = sql.SQL(", ").join(sql.Identifier(name) for name in KEYS)
        cursor.execute(
            sql.SQL("INSERT INTO {} ({}, {}) SELECT %s, %s, %s, {} FROM {}").format(
                self.table, keys, self.columns, self.columns, self.target
            ),
            (dataset.id, dataset.firm_id, dataset.engagement_id),
        )
        cursor.execute(sql.SQL("DROP TABLE {}").format(self.target))


class JournalPartition(Staging):
    """A general ledger's lines go to a partition of their own (migration 0006): COPY into a new table
    pinned to the dataset, then attached to journal_lines, with its indexes built in bulk."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.target = sql.Identifier("journal_lines")  # until opened

    def open(self, cursor: Any, dataset: Dataset) -> None:
        cursor.execute("SELECT aura_open_journal_partition(%s)", (dataset.id,))
        self.target = sql.Identifier(cursor.fetchone()[0])

    def close(self, cursor: Any, dataset: Dataset) -> None:
        cursor.execute("SELECT aura_attach_journal_partition(%s)", (dataset.id,))


# A totals row at the foot of an export, compared with what the lines add up to: field -> summary key
FOOTER_CHECKS = {
    "general_ledger": {"debit": "debit_total", "credit": "credit_total", "amount": "difference"},
    "trial_balance": {
        "closing_debit": "closing_debit_total",
        "closing_credit": "closing_credit_total",
        "closing_balance": "difference",
    },
    "chart_of_accounts": {},
}
KEY_FIELDS = {"general_ledger": ("journal_id", "account_number"), "trial_balance": ("account_number",)}


class Footer:
    """Exports often end in a totals row: no journal, no account, only sums. Such rows at the very end
    of the file are taken as the file's own control totals instead of as lines; anywhere else a row
    without its keys is a problem like any other."""

    def __init__(self, converter: Converter) -> None:
        keys = KEY_FIELDS.get(converter.kind, ())
        self.key_headers = [converter.plan.columns[k] for k in keys if k in converter.plan.columns]
        self.rows: list[tuple[int, dict[str, Any]]] = []  # keyless rows seen last so far
        self.misplaced: list[int] = []  # keyless rows that records came after
        self.kind = converter.kind

    def split(self, first_row: int, chunk: pa.RecordBatch) -> pa.RecordBatch:
        """The chunk without keyless rows at its end; those are held as a possible footer."""
        if not self.key_headers or chunk.num_rows == 0:
            return chunk
        keyless = None
        for header in self.key_headers:
            column = chunk.column(chunk.schema.get_field_index(header))
            blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), True)
            keyless = blank if keyless is None else pc.and_(keyless, blank)
        last_keyed = pc.max(pc.indices_nonzero(pc.invert(keyless))).as_py()
        kept = 0 if last_keyed is None else last_keyed + 1
        if kept and self.rows:  # records after the held rows: those were not the foot of the file
            self.misplaced.extend(row for row, _ in self.rows)
            self.rows = []
        if kept == chunk.num_rows:
            return chunk
        held = chunk.slice(kept).to_pylist()
        self.rows.extend((first_row + kept + i, cells) for i, cells in enumerate(held))
        return chunk.slice(0, kept)

    def check(self, summary: dict[str, Any], warnings: WarningLog) -> None:
        """Compare the footer's sums with the loaded totals; a footer that disagrees refuses the file."""
        if self.misplaced:
            raise IngestRejected(
                "invalid_values",
                f"rows without {' or '.join(self.key_headers)} in the middle of the file",
                problems=[
                    {"row": row, "column": self.key_headers[0], "value": None, "reason": "required value missing"}
                    for row in self.misplaced[:100]
                ],
                problem_count=len(self.misplaced),
            )
        if not self.rows:
            return
        row, cells = self.rows[-1]
        lookup = _alias_lookup(self.kind)
        compared, problems = {}, []
        for header, value in cells.items():
            target = FOOTER_CHECKS[self.kind].get(lookup.get(normalize_header(header), ""))
            stated = _decimal(value)
            if target is None or stated is None:
                continue
            loaded = Decimal(summary[target])
            matches = abs(stated) == abs(loaded) if target != "difference" else stated == loaded
            compared[header] = str(stated)
            if not matches:
                reason = f"the totals row says {stated}; the lines add up to {loaded}"
                problems.append({"row": row, "column": header, "value": str(value), "reason": reason})
        if problems:
            raise IngestRejected(
                "control_totals_mismatch", "The file's lines do not add up to its totals row", problems=problems
            )
        summary["totals_row"] = {"row": row, **compared}
        if len(self.rows) > 1 or not compared:
            warnings.add(
                "totals_row",
                "rows without keys at the end of the file were not loaded as lines",
                rows=[r for r, _ in self.rows],
            )


def _alias_lookup(kind: str) -> dict[str, str]:
    return {normalize_header(name): field for field, names in ALIASES[kind].items() for name in (field, *names)}


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    text_value = str(value).strip().replace(",", "").replace(" ", "")
    try:
        return Decimal(text_value).quantize(CENT)
    except ArithmeticError:
        return None


def _batches(
    source_chunks: Iterator[tuple[int, pa.RecordBatch]], converter: Converter, footer: Footer
) -> Iterator[pa.RecordBatch]:
    """Typed batches while the file is clean; after the first problem, parse on only to list them."""
    for first_row, chunk in source_chunks:
        typed = converter.convert(first_row, footer.split(first_row, chunk))
        if not converter.problems:
            yield typed


def load(
    session: Session,
    dataset: Dataset,
    stream: BinaryIO,
    *,
    progress: Callable[[float], None] | None = None,
) -> Loaded:
    """Parse the dataset's file and COPY its lines in the session's transaction; raise IngestRejected
    (and store nothing) if the file cannot be taken whole."""
    options = dataset.options or {}
    expected = dataset.size_bytes or 0
    reported = [0.0]

    def on_read(size: int) -> None:
        if progress is not None and expected and size / expected - reported[0] >= 0.05:
            reported[0] = size / expected
            progress(min(0.95, reported[0]))

    reader = HashingReader(stream, on_read)
    buffered = io.BufferedReader(reader, buffer_size=1024 * 1024)
    source = open_source(buffered, kind=dataset.kind, content_type=dataset.content_type, sheet=options.get("sheet"))
    converter = Converter(
        source.header,
        Options(
            kind=dataset.kind,
            column_map=options.get("column_map"),
            date_order=options.get("date_order"),
            fiscal_start=_date(options.get("fiscal_start")),
            fiscal_end=_date(options.get("fiscal_end")),
        ),
    )
    totals = TOTALS[dataset.kind]()
    footer = Footer(converter)
    staging = JournalPartition(dataset.kind) if dataset.kind == "general_ledger" else Staging(dataset.kind)
    connection = session.connection().connection.driver_connection
    if connection is None:
        raise RuntimeError("the session has no database connection")
    started = time.perf_counter()
    # A ledger's population also goes to Parquet parts for the journal-entry run, stored with the lines.
    with populations.Snapshot() as snapshot, connection.cursor() as cursor:
        staging.open(cursor, dataset)
        with cursor.copy(staging.copy()) as copy:
            for typed in _batches(source.chunks, converter, footer):
                totals.add(typed)
                if dataset.kind == "general_ledger":
                    snapshot.add(typed)
                sink = io.BytesIO()
                pacsv.write_csv(typed, sink, pacsv.WriteOptions(include_header=False))
                copy.write(sink.getbuffer())
        converter.finish()
        copied = time.perf_counter()
        duplicates: list[tuple[int, int]] = []
        if isinstance(totals, LedgerTotals):
            duplicates = _ledger_facts(cursor, staging, totals)
        staging.close(cursor, dataset)
        snapshot.store(session, dataset)
    reader.drain()
    moved = time.perf_counter()
    warnings = converter.warnings
    if source.details.get("encoding") == "cp1252":  # a guess from bytes that are not UTF-8: say so
        warnings.add(
            "read_as_cp1252",
            "The file is not valid UTF-8, so it was read as cp1252 (Windows-1252, Excel's plain 'CSV' on "
            "Western Windows); check that accented letters read right, or save it again as CSV UTF-8",
            count=1,
        )
    summary = totals.summary()
    summary["format"] = source.format
    summary["details"] = source.details
    summary["columns"] = _mapping(converter)
    footer.check(summary, warnings)
    unbalanced = _check(dataset, summary, warnings, source.control_totals, options, duplicates)
    log.info(
        "dataset %s loaded: read, converted and staged in %.2f s, moved in %.2f s, checked in %.2f s",
        dataset.id,
        copied - started,
        moved - copied,
        time.perf_counter() - moved,
    )
    return Loaded(summary, warnings.as_list(), unbalanced, reader.size, reader.sha256)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _mapping(converter: Converter) -> dict[str, str]:
    """Which of the file's columns each field was read from, for the auditor to verify."""
    return dict(converter.plan.columns)


def _check(
    dataset: Dataset,
    summary: dict[str, Any],
    warnings: WarningLog,
    control: dict[str, Any] | None,
    options: dict[str, Any],
    duplicates: list[tuple[int, int]],
) -> bool:
    """The checks that need the whole file: control totals, balance, duplicates. Returns unbalanced."""
    if dataset.kind == "general_ledger":
        if summary["lines"] == 0:
            raise IngestRejected("no_rows", "The file has a header but no journal lines")
        if control:
            _compare_control_totals(summary, control)
        _warn_duplicates(duplicates, warnings)
        return False
    if summary["accounts"] == 0:
        raise IngestRejected("no_rows", "The file has a header but no accounts")
    if dataset.kind == "trial_balance":
        difference = Decimal(summary["difference"])
        if abs(difference) > CENT:
            message = (
                f"The trial balance does not balance: closing debits {summary['closing_debit_total']} and "
                f"closing credits {summary['closing_credit_total']} differ by {difference}"
            )
            if not options.get("allow_unbalanced"):
                raise IngestRejected(
                    "trial_balance_unbalanced",
                    message + ". To keep it, marked unbalanced, upload it again with 'Load although unbalanced' ticked",
                )
            warnings.add("unbalanced", message, count=1)
            return True
    return False


def _compare_control_totals(summary: dict[str, Any], control: dict[str, Any]) -> None:
    """A file that states its own totals (SAF-T's header) must add up to them."""
    checks = [
        ("number_of_entries", "journals", int),
        ("total_debit", "debit_total", Decimal),
        ("total_credit", "credit_total", Decimal),
    ]
    problems = []
    for stated_key, loaded_key, kind in checks:
        stated = control.get(stated_key)
        if stated is None:
            continue
        if kind(stated) != kind(summary[loaded_key]):
            problems.append(
                {
                    "row": None,
                    "column": stated_key,
                    "value": str(stated),
                    "reason": f"the file's header says {stated}; its lines add up to {summary[loaded_key]}",
                }
            )
    if problems:
        raise IngestRejected(
            "control_totals_mismatch", "The file's lines do not add up to the totals in its header", problems=problems
        )
    summary["control_totals"] = {key: str(value) for key, value in control.items()}


def _ledger_facts(cursor: Any, staging: Staging, totals: LedgerTotals) -> list[tuple[int, int]]:
    """Journals, unbalanced journals and repeated (journal_id, line_number) pairs, counted by the
    database over the loaded lines before they are attached: no row-level security to evaluate, and
    memory bounded by work_mem however many journals the file has. Returns (first row, pairs) of up
    to 10 repeated pairs."""
    cursor.execute("SET LOCAL work_mem = '64MB'")
    cursor.execute(
        sql.SQL(
            "SELECT count(*), count(*) FILTER (WHERE abs(net) >= 0.01) "
            "FROM (SELECT sum(amount) AS net FROM {} GROUP BY journal_id) AS journals"
        ).format(staging.target)
    )
    totals.journals, totals.unbalanced = cursor.fetchone()
    cursor.execute(
        sql.SQL(
            "SELECT min(row_number), count(*) OVER () FROM {} GROUP BY journal_id, line_number "
            "HAVING count(*) > 1 ORDER BY 1 LIMIT 10"
        ).format(staging.target)
    )
    rows = [(int(first), int(pairs)) for first, pairs in cursor.fetchall()]
    cursor.execute("SET LOCAL work_mem TO DEFAULT")
    return rows


def _warn_duplicates(duplicates: list[tuple[int, int]], warnings: WarningLog) -> None:
    """Two lines with the same journal id and line number: kept, but an auditor should know."""
    if duplicates:
        warnings.add(
            "duplicate_line",
            "journal lines repeat a (journal_id, line_number) pair",
            rows=[first for first, _ in duplicates],
            count=duplicates[0][1],
        )
