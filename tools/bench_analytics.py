"""Journal-entry testing and Benford on a full year: Aura's analytics against a naive pandas baseline.

Writes the synthetic general ledger (tools/synthetic_ledger.py, `--lines` lines of the `--shape` preset:
default, ads, large-journals or wide-text), loads it through the ingestion job into a throw-away
database, and then, `--runs` times, in the same database:

- the whole battery of docs/audit-rules.md section 4 as one journal-entry test run: POST .../je-tests and the
  jobs queue trigger in a fresh child process (so its peak RSS is the job's own), reporting the
  seconds of each test as the run records them, the nine classic tests together, and the whole job;
- the five Benford tests on every line amount: the amounts read from the database as exact cents,
  then digits and statistics for the five tests.

Beside it, in the same run, tools/analytics_baseline.py: the same tests written the way public audit
scripts do (read_csv, pivot tables, row-wise apply), on the same CSV, timed `--baseline-runs` times.
The flagged counts of every test must be equal, or the benchmark fails.

Reports medians, and the seconds and peak resident memory of the load and of every run (each job in a
process of its own). With `--compare DIR` (a checkout of another commit, e.g. `git worktree add /tmp/before
HEAD~2`), each run is also made by that checkout's code, in turn with ours in the same database and the same
minutes (an A/B on a shared machine): both sides' medians are printed, and their results must be equal.

Usage: python tools/bench_analytics.py [--shape default] [--lines 1000000] [--runs 3] [--baseline-runs 1]
[--no-baseline] [--memory-mb N] [--compare DIR]; at 10,000,000 lines the pandas baseline takes long
(--no-baseline), and on a machine larger than a Function App's instance --memory-mb 512 gives the job the
budget a 2 GB instance would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LARGE = 2_000_000  # above it, one run and no baseline unless asked


def run_job_in_child(job_id: str, checkout: Path = ROOT) -> dict[str, Any]:
    """The job in a worker of its own (running `checkout`'s code), with the environment the Function Apps have
    (infra/main.tf: two malloc arenas; requirements.txt: no pandas, which only the development tools
    install); it must succeed."""
    import json
    import subprocess  # nosec B404 - our own interpreter and script
    import tempfile

    from tools import job_child

    with tempfile.TemporaryDirectory(prefix="aura-bench-no-pandas-") as folder:
        # DuckDB and scikit-learn import pandas whenever it is installed (about 40 MB of a worker's memory); the
        # Function Apps do not install it, so neither does the measured worker have it.
        (Path(folder) / "pandas").mkdir()
        (Path(folder) / "pandas" / "__init__.py").write_text(
            'raise ImportError("pandas is not installed in the Function Apps")\n', encoding="utf-8"
        )
        path = os.pathsep.join(p for p in (folder, os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "MALLOC_ARENA_MAX": "2", "AURA_ANALYTICS_TRACE_RSS": "1", "PYTHONPATH": path}
        if checkout == ROOT:  # AURA_ANALYTICS_TRACE_RSS: the peak memory of each stage
            report = job_child.run(job_id, env=env)
        else:
            script = str(checkout / "tools" / "job_child.py")
            out = subprocess.run(  # noqa: S603  # nosec B603 - our own interpreter and the other checkout's script
                [sys.executable, script, job_id], check=True, capture_output=True, text=True, env=env
            )
            report = json.loads(out.stdout.strip().splitlines()[-1])
    if report["status"] != "succeeded":
        raise SystemExit(f"the job did not succeed: {report}")
    return report


def main() -> None:
    from tools.synthetic_ledger import SHAPES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--shape", default="default", choices=sorted(SHAPES), help="the synthetic ledger's preset")
    parser.add_argument("--runs", type=int, help=f"default 3, 1 above {LARGE:,} lines")
    parser.add_argument("--baseline-runs", type=int, help=f"default 1, none above {LARGE:,} lines (pandas takes long)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the pandas baseline (a quick look only)")
    parser.add_argument(
        "--compare",
        type=Path,
        help="a checkout of another commit: each run is made by its code too, in turn with ours (an A/B)",
    )
    parser.add_argument(
        "--memory-mb",
        type=int,
        help="DuckDB's budget for the job (AURA_ANALYTICS_MEMORY_MB), as an instance smaller than this machine"
        " would give it: 512 on a 2 GB Flex Consumption instance (a quarter); else what the ledger calls for",
    )
    args = parser.parse_args()
    if args.memory_mb:
        os.environ["AURA_ANALYTICS_MEMORY_MB"] = str(args.memory_mb)  # the job's worker inherits it
    large = args.lines > LARGE
    args.runs = args.runs if args.runs is not None else (1 if large else 3)
    args.baseline_runs = args.baseline_runs if args.baseline_runs is not None else (0 if large else 1)

    from tools.bench_env import scratch

    with scratch("analytics") as (url, folder):
        _run(args, url, folder)


def _load(url: str, csv_path: Path) -> tuple[str, str, uuid.UUID]:
    """A firm, an engagement for fiscal 2025 and the ledger loaded: (admin token, engagement id, firm id)."""
    from functions.identity import service as identity
    from functions.ingestion.service import CONTAINER, blob_key
    from shared.db.migrate import upgrade
    from shared.db.uow import UnitOfWork
    from shared.storage import get_storage
    from tests.engagement_support import new_client, new_engagement
    from tests.support import PASSWORD, request, token_for

    upgrade(url)
    admin_email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    with UnitOfWork() as uow:
        firm, _ = identity.create_firm(uow=uow, name="Bench CPA", admin_email=admin_email, admin_password=PASSWORD)
    admin = token_for(admin_email)
    engagement = new_engagement(
        admin, new_client(admin), period_start="2025-01-01", period_end="2025-12-31", name="Bench"
    )["id"]
    base = f"engagements/{engagement}/uploads"
    session = request("POST", base, token=admin, json_body={"filename": "gl.csv", "content_type": "text/csv"}).json()
    with csv_path.open("rb") as stream:
        get_storage().put(CONTAINER, blob_key(firm.id, uuid.UUID(engagement), uuid.UUID(session["upload_id"])), stream)
    reply = request("POST", f"{base}/{session['upload_id']}/ingest", token=admin, params={"kind": "general_ledger"})
    started = time.perf_counter()
    report = run_job_in_child(str(reply.json()["job_id"]))
    print(
        f"loaded through the ingestion job in {time.perf_counter() - started:.1f} s,"
        f" peak RSS {float(report['peak_rss_mb']):.0f} MB"
    )
    return admin, engagement, firm.id


def _benford(firm_id: uuid.UUID, engagement: str) -> tuple[float, float, dict[str, list[int]]]:
    """(seconds to read the amounts, seconds for the five tests, counts per bin of each test)."""
    from functions.analytics import benford, benford_source
    from shared.db.uow import UnitOfWork

    started = time.perf_counter()
    with UnitOfWork(firm_id=firm_id, system=True) as uow:
        dataset = benford_source.loaded_dataset(uow, uuid.UUID(engagement), "general_ledger")
        cents = benford_source.cents(uow, dataset)
    read = time.perf_counter() - started
    started = time.perf_counter()
    results = benford.analyze_all(benford.amounts_from_units(cents, 2))
    seconds = time.perf_counter() - started
    return read, seconds, {test: [b.observed_count for b in result.bins] for test, result in results.items()}


def _run(args: argparse.Namespace, url: str, folder: Path) -> None:
    from functions.analytics.je_tests import CLASSIC  # imported once the settings are in the environment
    from tests.support import request
    from tools.synthetic_ledger import LedgerSpec, write_general_ledger

    csv_path = folder / "general_ledger.csv"
    spec = LedgerSpec(lines=args.lines, shape=args.shape)
    facts = write_general_ledger(csv_path, spec)
    print(
        f"generated {facts.lines:,} lines of the {spec.shape} shape ({facts.journals:,} journals,"
        f" {len(facts.accounts):,} accounts, {len(facts.users):,} users), {csv_path.stat().st_size / 2**20:.0f} MB"
    )
    admin, engagement, firm_id = _load(url, csv_path)

    per_test: dict[str, list[float]] = {}
    classic, totals, peaks, reads, analyses, readable = [], [], [], [], [], []
    counts: dict[str, tuple[int, int]] = {}
    benford_bins: dict[str, list[int]] = {}
    cpus: list[float] = []
    compared: list[dict[str, Any]] = []
    for run in range(args.runs):
        if args.compare:
            compared.append(_compare_run(args.compare, engagement, admin))
        reply = request("POST", f"engagements/{engagement}/je-tests", token=admin, json_body={})
        before = _children_cpu()
        report = run_job_in_child(str(reply.json()["job_id"]))
        cpus.append(_children_cpu() - before)
        latest = request("GET", f"engagements/{engagement}/je-tests", token=admin).json()
        for test in latest["tests"]:
            per_test.setdefault(test["code"], []).append(test["seconds"])
            if test["status"] == "ran":
                counts[test["code"]] = (test["flagged_lines"], test["flagged_journals"])
        stages = report["result"]["seconds"]  # type: ignore[index]
        # "Together with the data in the database": reading the population out of PostgreSQL counts.
        classic.append(
            stages["read"] + stages["profile"] + sum(t["seconds"] for t in latest["tests"] if t["code"] in CLASSIC)
        )
        totals.append(float(report["seconds"]))  # type: ignore[arg-type]
        readable.append(float(stages.get("rules_readable", totals[-1])))  # the rule results committed
        peaks.append(float(report["peak_rss_mb"]))  # type: ignore[arg-type]
        read, analysis, benford_bins = _benford(firm_id, engagement)
        reads.append(read)
        analyses.append(analysis)
        if compared and compared[-1]["results"] != _comparable(latest["tests"]):
            raise SystemExit(f"run {run + 1}: the results differ from those of {args.compare}'s code")
        print(
            f"run {run + 1}: battery {totals[-1]:.2f} s (classic nine {classic[-1]:.2f} s),"
            f" peak RSS {peaks[-1]:.0f} MB, CPU {cpus[-1]:.2f} s (user+sys); stages {stages};"
            f" Benford read {read:.2f} s + five tests {analysis:.2f} s"
        )

    baseline_times: list[float] = []
    baseline_counts: dict[str, tuple[int, int]] = {}
    baseline_timings: dict[str, list[float]] = {}
    baseline_benford: list[float] = []
    baseline_bins: dict[str, list[int]] = {}
    for run in range(0 if args.no_baseline else args.baseline_runs):
        from tools import analytics_baseline

        started = time.perf_counter()
        baseline_counts = analytics_baseline.run_baseline(csv_path, fiscal_end=date(2025, 12, 31))
        baseline_times.append(time.perf_counter() - started)
        for code, seconds in analytics_baseline.timings.items():
            if not code.startswith("benford"):
                baseline_timings.setdefault(code, []).append(seconds)
        started = time.perf_counter()
        baseline_bins = {t: list(r["counts"]) for t, r in analytics_baseline.benford_baseline(csv_path).items()}
        baseline_benford.append(time.perf_counter() - started)
        print(f"baseline run {run + 1}: {baseline_times[-1]:.1f} s, Benford {baseline_benford[-1]:.1f} s")

    median = statistics.median
    print()
    print(
        f"| {facts.lines:,} lines, {spec.shape} | Aura (median of {args.runs}) | pandas baseline"
        " | flagged lines (Aura / baseline) |"
    )
    print("|---|---|---|---|")
    mismatches = []
    for code, seconds in per_test.items():
        ours = counts.get(code)
        theirs = baseline_counts.get(code)
        base = baseline_timings.get(code)
        base_text = f"{median(base):.2f} s" if base else "n/a"
        shown = f"{ours[0] if ours else 'n/a'} / {theirs[0] if theirs else 'n/a'}"
        print(f"| {code} | {median(seconds):.3f} s | {base_text} | {shown} |")
        if theirs is not None and ours != theirs:
            mismatches.append(f"{code}: Aura {ours}, baseline {theirs}")
    runs = range(len(baseline_times))
    classic_base = [sum(t[i] for c, t in baseline_timings.items() if c in CLASSIC or c == "read_csv") for i in runs]
    base_total = _seconds(baseline_times)
    print(f"| nine classic tests, reading the lines included | {median(classic):.2f} s | {_seconds(classic_base)} | |")
    print(f"| rule-based results readable (job start to their commit) | {median(readable):.2f} s | | |")
    print(f"| whole battery (job) | {median(totals):.2f} s | {base_total} | |")
    speed_up = f"{median(baseline_times) / median(totals):.1f}x" if baseline_times else "n/a (no baseline)"
    print(f"| speed-up on the battery | {speed_up} | | |")
    print(f"| five Benford tests (digits and statistics) | {median(analyses):.3f} s | {_seconds(baseline_benford)} | |")
    for test, bins in benford_bins.items():
        if baseline_bins and baseline_bins.get(test) != bins:
            mismatches.append(f"Benford {test}: bin counts differ")
    print(f"| Benford amounts read from the database | {median(reads):.2f} s | | |")
    print(f"| job peak RSS (whole process) | {max(peaks):.0f} MB | | |")
    print(f"| job CPU time (user+sys, whole process) | {median(cpus):.2f} s | | |")
    if compared:
        side = f"{args.compare}'s code"
        print(f"| {side}: rule-based results readable | {median(c['readable'] for c in compared):.2f} s | | |")
        print(f"| {side}: whole battery (job) | {median(c['seconds'] for c in compared):.2f} s | | |")
        print(f"| {side}: job peak RSS | {max(c['peak_rss_mb'] for c in compared):.0f} MB | | |")
        print(f"| {side}: job CPU time | {median(c['cpu'] for c in compared):.2f} s | | |")
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if mismatches:
        raise SystemExit("flagged counts differ:\n" + "\n".join(mismatches))


def _compare_run(checkout: Path, engagement: str, admin: str) -> dict[str, Any]:
    """One run made by another checkout's code: its seconds, CPU, peak memory and comparable results."""
    from tests.support import request

    reply = request("POST", f"engagements/{engagement}/je-tests", token=admin, json_body={})
    before = _children_cpu()
    report = run_job_in_child(str(reply.json()["job_id"]), checkout)
    cpu = _children_cpu() - before
    tests = request("GET", f"engagements/{engagement}/je-tests", token=admin).json()["tests"]
    stages = report["result"]["seconds"]
    print(
        f"{checkout}: battery {float(report['seconds']):.2f} s, rule results readable"
        f" {float(stages.get('rules_readable', report['seconds'])):.2f} s, peak RSS"
        f" {float(report['peak_rss_mb']):.0f} MB, CPU {cpu:.2f} s; stages {stages}"
    )
    return {
        "seconds": float(report["seconds"]),
        "readable": float(stages.get("rules_readable", report["seconds"])),
        "peak_rss_mb": float(report["peak_rss_mb"]),
        "cpu": cpu,
        "results": _comparable(tests),
    }


def _comparable(tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run's results without what varies from run to run (seconds)."""
    return [{key: value for key, value in test.items() if key != "seconds"} for test in tests]


def _children_cpu() -> float:
    """User and system CPU seconds of every child process waited for so far (the job's worker included)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _seconds(samples: list[float]) -> str:
    return f"{statistics.median(samples):.1f} s" if samples else "n/a"


if __name__ == "__main__":
    main()
