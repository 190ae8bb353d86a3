"""Reading a general ledger of a million rows (over 100 MB of CSV) from a forward-only stream in bounded
memory. It lives here, marked slow, rather than among the unit tests: writing and reading 100 MB is not
what a developer waits for on every change (make test-fast); make test runs it."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pytest

from functions.ingestion.sources import open_source
from tests.unit.ingestion.test_sources import ForwardOnly

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_million_rows_stream_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("JE Number;Line;Account;Amount;Effective Date;Entered By;Description;Source;Period;Currency\n")
        for i in range(1_000_000):
            out.write(
                f"JE{i // 4:08d};{i % 4 + 1};{4000 + i % 97};{(i * 7919) % 100000 / 100:.2f};2024-{i % 12 + 1:02d}-"
                f"{i % 28 + 1:02d};user{i % 13};Zahlung für Rechnung {i} an Lieferant {i % 500} laut Vertrag;"
                f"AP;{i % 12 + 1};EUR\n"
            )
    assert path.stat().st_size > 100_000_000

    tracemalloc.start()
    base = pa.total_allocated_bytes()
    peak_arrow = 0
    rows = 0
    last_row = 0
    started = time.perf_counter()
    stream = ForwardOnly(path, max_read=4 << 20)
    try:
        source = open_source(stream, kind="general_ledger", content_type="text/csv")  # type: ignore[arg-type]
        for first_row, batch in source.chunks:
            rows += batch.num_rows
            last_row = first_row + batch.num_rows - 1
            peak_arrow = max(peak_arrow, pa.total_allocated_bytes() - base)
    finally:
        stream.close()
    elapsed = time.perf_counter() - started
    _, peak_python = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert rows == 1_000_000
    assert last_row == 1_000_001
    assert source.details["encoding"] == "utf-8"
    assert peak_python < 200 * 1024 * 1024
    assert peak_arrow < 200 * 1024 * 1024
    print(  # the figure is the point of running this test with -s
        f"\n1,000,000 rows in {elapsed:.2f} s ({rows / elapsed:,.0f} rows/s); "
        f"peak Python {peak_python / 1e6:.1f} MB, peak Arrow {peak_arrow / 1e6:.1f} MB"
    )
