"""A general ledger's population as Parquet, kept beside its lines for the journal-entry run (issue 16).

The loader holds every batch of a ledger's lines typed as Arrow on its way to COPY; `Snapshot` also writes
the columns the journal-entry tests read into Parquet parts of at most PART_LINES lines (files in a
temporary directory while the COPY runs), and `Snapshot.store` inserts them into `population_parts`
in the load's own transaction (migration 0028): the parts exist exactly when the lines do. A run then
gives DuckDB those files (`fetch`) instead of reading a million rows out of PostgreSQL as CSV.

The parts are the firm's data like the lines: row-level security (the internal rule) guards them, and
nothing here checks access. `FORMAT` is the version of the column set: a run uses parts of the current
format only, and reads the lines themselves for a dataset that has none (loaded before the parts existed).

pyarrow is imported only where it is used (the loader and the JE job), never on the HTTP cold start.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from shared.db.models_ingestion import Dataset, PopulationPart

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

FORMAT = 1
PART_LINES = 500_000  # lines per part: about 10 MB of Parquet for the ADS layout, one part in memory at a time
ROW_GROUP_LINES = 65_536

# The columns the journal-entry tests read, in order, with their Arrow kinds; `cents` is the line's exact
# amount in cents. The load's `amount` (decimal, two places) becomes `cents`; every other column is the
# loaded one as it is. Columns whose values repeat are dictionaries in memory (Parquet encodes them so too).
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


def arrow_type(kind: str) -> pa.DataType:
    """Accounts, users, periods and descriptions repeat: as dictionaries a million lines take far less memory."""
    import pyarrow as pa

    return pa.dictionary(pa.int32(), pa.string()) if kind == "dictionary" else pa.type_for_alias(kind)


def schema() -> pa.Schema:
    """The parts' columns as stored: the dictionaries as plain strings (Parquet dictionary-encodes them)."""
    import pyarrow as pa

    return pa.schema([(name, pa.string() if kind == "dictionary" else arrow_type(kind)) for name, kind in COLUMNS])


def population_of(lines: pa.RecordBatch) -> pa.RecordBatch:
    """A batch of loaded lines (the loader's typed general-ledger batch) as the population's columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for name, _ in COLUMNS:
        if name == "cents":
            amount = lines.column(lines.schema.get_field_index("amount"))
            hundredfold = pc.multiply_checked(amount, pa.scalar(100, pa.decimal128(3, 0)))
            columns.append(pc.cast(hundredfold, pa.int64()))
        else:
            columns.append(lines.column(lines.schema.get_field_index(name)))
    return pa.RecordBatch.from_arrays(columns, schema=schema())


class Snapshot:
    """The Parquet parts of one load, written as its batches go by; `store` inserts them. Use as a context
    manager: closing it removes the files."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="aura-population-")
        self.parts: list[tuple[Path, int]] = []  # each part's file and lines
        self._writer: pq.ParquetWriter | None = None
        self._lines = 0

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, lines: pa.RecordBatch) -> None:
        """A batch of loaded lines, in load order, into the current part (a new one when it is full)."""
        population = population_of(lines)
        start = 0
        while start < population.num_rows:
            if self._writer is None:
                self._open()
            take = min(population.num_rows - start, PART_LINES - self._lines)
            assert self._writer is not None  # noqa: S101 - opened above  # nosec B101
            self._writer.write_batch(population.slice(start, take), row_group_size=ROW_GROUP_LINES)
            self._lines += take
            start += take
            if self._lines == PART_LINES:
                self._finish()

    def _open(self) -> None:
        import pyarrow.parquet as pq

        path = Path(self.folder.name) / f"part-{len(self.parts):05d}.parquet"
        self._writer = pq.ParquetWriter(path, schema(), compression="snappy")
        self.parts.append((path, 0))

    def _finish(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            path, _ = self.parts[-1]
            self.parts[-1] = (path, self._lines)
            self._lines = 0

    def store(self, session: Session, dataset: Dataset) -> int:
        """Insert the parts as the dataset's, in the session's transaction, one part in memory at a time;
        returns how many lines they hold."""
        self._finish()
        stored = 0
        for index, (path, lines) in enumerate(self.parts):
            # A Core insert: the ORM would keep every part's bytes in its identity map until the commit.
            session.execute(
                insert(PopulationPart).values(
                    dataset_id=dataset.id,
                    part=index,
                    firm_id=dataset.firm_id,
                    engagement_id=dataset.engagement_id,
                    lines=lines,
                    format=FORMAT,
                    parquet=path.read_bytes(),
                )
            )
            stored += lines
        return stored

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.folder.cleanup()


def stored_lines(session: Session, dataset_id: Any) -> int:
    """How many lines the dataset's parts of the current format hold (0: it has none)."""
    found = session.scalar(
        select(func.coalesce(func.sum(PopulationPart.lines), 0)).where(
            PopulationPart.dataset_id == dataset_id, PopulationPart.format == FORMAT
        )
    )
    return int(found or 0)


def fetch(session: Session, dataset_id: Any, folder: Path) -> Iterator[Path]:
    """The dataset's parts of the current format written as files into `folder`, in order, one part read
    from the database at a time."""
    parts = session.scalars(
        select(PopulationPart.part)
        .where(PopulationPart.dataset_id == dataset_id, PopulationPart.format == FORMAT)
        .order_by(PopulationPart.part)
    ).all()
    for part in parts:
        data = session.scalar(
            select(PopulationPart.parquet).where(PopulationPart.dataset_id == dataset_id, PopulationPart.part == part)
        )
        if data is None:  # pragma: no cover - the part was listed in the same transaction
            raise RuntimeError(f"population part {part} of dataset {dataset_id} vanished")
        path = folder / f"part-{part:05d}.parquet"
        path.write_bytes(data)
        yield path
