"""Loading a general ledger: the ingestion job against a plain `psql \\copy` of the same rows (the floor).

Writes a synthetic general ledger of `--lines` lines (tools/synthetic_ledger.py) as CSV, builds a
throw-away database, and then, `--runs` times each, alternating, in the same database:

- the floor: `psql -c "\\copy ..."` of the file into an equivalent table (the file's columns, typed,
  with journal_lines' six indexes: a row-number primary key and the five for the read filters), a
  fresh table each run;
- the ingestion job, through the real path: an upload session, the file in storage, POST .../ingest,
  and the jobs queue trigger run in a fresh child process (so its peak memory is the job's own):
  sniffing, parsing in chunks, validation, COPY into the dataset's own new partition, duplicate
  check, attaching the partition to journal_lines (its six indexes built in bulk), summary, all in
  one transaction.

Reports medians of seconds and lines per second, the ratio to the floor, and the job's peak RSS.

Usage: python tools/bench_ingest.py [--lines 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLOOR_TABLE = """
CREATE TABLE {name} (
  row_number bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  journal_id text NOT NULL, line_number integer NOT NULL, account_number text NOT NULL, description text,
  debit numeric(18,2), credit numeric(18,2), effective_date date NOT NULL, entered_date date, entered_time time,
  entered_by text, approved_by text, source text, period text, fiscal_year smallint
);
CREATE INDEX ON {name} (journal_id, line_number);
CREATE INDEX ON {name} (account_number, effective_date);
CREATE INDEX ON {name} (effective_date);
CREATE INDEX ON {name} (entered_by);
CREATE INDEX ON {name} (debit);
"""


def _psql_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def floor_copy(url: str, csv_path: Path, *, indexes_after: bool = False) -> float:
    """Seconds for psql's \\copy of the file into a fresh equivalent table; with `indexes_after`,
    into the bare table, and the indexes built once the rows are in (what a partition load does)."""
    name = f"floor_{uuid.uuid4().hex[:8]}"
    psql = ["psql", _psql_url(url), "-v", "ON_ERROR_STOP=1", "-q"]
    table, indexes = FLOOR_TABLE.format(name=name).split(";", 1)
    subprocess.run([*psql, "-c", table if indexes_after else table + ";" + indexes], check=True)  # noqa: S603
    started = time.perf_counter()
    columns = "journal_id, line_number, account_number, description, debit, credit, effective_date, entered_date, "
    columns += "entered_time, entered_by, approved_by, source, period, fiscal_year"
    copy = f"\\copy {name} ({columns}) FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"
    subprocess.run([*psql, "-c", copy], check=True)  # noqa: S603
    if indexes_after:
        subprocess.run([*psql, "-c", indexes], check=True)  # noqa: S603
    elapsed = time.perf_counter() - started
    subprocess.run([*psql, "-c", f"DROP TABLE {name}"], check=True)  # noqa: S603
    return elapsed


def run_job_in_child(job_id: str) -> tuple[float, float, dict[str, object]]:
    """Run one queued job in a fresh interpreter; returns (seconds, peak RSS MB, job result)."""
    from tools import job_child

    report = job_child.run(job_id)
    result = {"status": report["status"], "lines": (report["result"] or {}).get("lines"), "error": report["error"]}
    return float(report["seconds"]), float(report["peak_rss_mb"]), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from tools.bench_env import scratch

    with scratch("ingest") as (url, folder):
        _run(args, url, folder)


def _run(args: argparse.Namespace, url: str, folder: Path) -> None:
    from functions.identity import service as identity
    from functions.ingestion.service import CONTAINER, blob_key
    from shared.db.migrate import upgrade
    from shared.db.uow import UnitOfWork
    from shared.storage import get_storage
    from tests.engagement_support import new_client, new_engagement
    from tests.support import PASSWORD, request, token_for
    from tools.synthetic_ledger import LedgerSpec, write_general_ledger

    csv_path = folder / "general_ledger.csv"
    started = time.perf_counter()
    facts = write_general_ledger(csv_path, LedgerSpec(lines=args.lines))
    size_mb = csv_path.stat().st_size / 1024 / 1024
    print(f"generated {facts.lines:,} lines, {size_mb:.0f} MB, in {time.perf_counter() - started:.1f} s")

    upgrade(url)
    admin_email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    with UnitOfWork() as uow:
        firm, _ = identity.create_firm(uow=uow, name="Bench CPA", admin_email=admin_email, admin_password=PASSWORD)
    admin = token_for(admin_email)
    engagement = new_engagement(
        admin, new_client(admin), period_start="2025-01-01", period_end="2025-12-31", name="Bench"
    )["id"]

    def queue_load() -> str:
        base = f"engagements/{engagement}/uploads"
        session = request(
            "POST", base, token=admin, json_body={"filename": "gl.csv", "content_type": "text/csv"}
        ).json()
        with csv_path.open("rb") as stream:  # the client's PUT to the upload URL
            key = blob_key(firm.id, uuid.UUID(engagement), uuid.UUID(session["upload_id"]))
            get_storage().put(CONTAINER, key, stream)
        reply = request("POST", f"{base}/{session['upload_id']}/ingest", token=admin, params={"kind": "general_ledger"})
        return str(reply.json()["job_id"])

    floors, bulk_floors, loads, peaks = [], [], [], []
    for run in range(args.runs):
        floors.append(floor_copy(url, csv_path))
        bulk_floors.append(floor_copy(url, csv_path, indexes_after=True))
        seconds, peak, result = run_job_in_child(queue_load())
        if result["status"] != "succeeded" or result["lines"] != facts.lines:
            raise SystemExit(f"the load did not succeed: {result}")
        loads.append(seconds)
        peaks.append(peak)
        print(
            f"run {run + 1}: psql \\copy {floors[-1]:.2f} s (indexes built after: {bulk_floors[-1]:.2f} s), "
            f"ingestion job {seconds:.2f} s, peak RSS {peak:.0f} MB"
        )

    floor, bulk, load = statistics.median(floors), statistics.median(bulk_floors), statistics.median(loads)
    print()
    print(f"| {facts.lines:,} lines ({size_mb:.0f} MB CSV) | median of {args.runs} | lines/s |")
    print("|---|---|---|")
    print(f"| psql \\copy into an equivalent table (floor) | {floor:.2f} s | {facts.lines / floor:,.0f} |")
    print(f"| psql \\copy into the bare table, then its indexes | {bulk:.2f} s | {facts.lines / bulk:,.0f} |")
    print(f"| ingestion job (parse, validate, COPY, checks) | {load:.2f} s | {facts.lines / load:,.0f} |")
    print(f"| ratio to the floor / to the bulk-index floor | {load / floor:.2f}x / {load / bulk:.2f}x | |")
    print(f"| job peak RSS (whole process) | {max(peaks):.0f} MB | |")


if __name__ == "__main__":
    main()
