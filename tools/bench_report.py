"""The auditor's report PDF of a 300-account engagement: seconds and size (targets: under 3 s, under 2 MB).

The engagement is tests/unit/reporting/documents.large_document: --accounts confirmed accounts spread over
the standard chart with prior-year comparatives, a journal-entry testing summary, the Benford first-digit
result and two samples. Timed per run: building the balance sheet and income statement from the mapped
lines (shared/statements.py) and rendering the PDF (functions/reporting/pdf.py); the database reads the
service does before are not included. The first run in the process (imports, font registration) is
shown apart; the median is over the --runs that follow. Every run must give the same SHA-256.

Usage: python tools/bench_report.py [--accounts 300] [--runs 7]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from functions.reporting import pdf  # noqa: E402
from tests.unit.reporting.documents import accounts, document  # noqa: E402

TARGET_SECONDS = 3.0
TARGET_BYTES = 2_000_000


def one_run(count: int) -> tuple[float, bytes]:
    lines = accounts(count)
    started = time.perf_counter()
    data = pdf.render(document(lines))  # builds the two statements, then renders
    return time.perf_counter() - started, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    first, data = one_run(args.accounts)
    times, digests = [], {hashlib.sha256(data).hexdigest()}
    for _ in range(args.runs):
        seconds, data = one_run(args.accounts)
        times.append(seconds)
        digests.add(hashlib.sha256(data).hexdigest())
    median = statistics.median(times)
    same = len(digests) == 1
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(f"accounts: {args.accounts}; runs: {args.runs} (after a first run of {first:.3f} s with imports and fonts)")
    print(f"median: {median:.3f} s (min {min(times):.3f} s, max {max(times):.3f} s); target under {TARGET_SECONDS} s")
    print(f"size: {len(data):,} bytes ({len(data) / 1_000_000:.3f} MB), {pages} pages; target under 2 MB")
    print(f"sha256: {', '.join(sorted(digests))} ({'the same in every run' if same else 'DIFFERS BETWEEN RUNS'})")
    ok = median < TARGET_SECONDS and len(data) < TARGET_BYTES and same
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
