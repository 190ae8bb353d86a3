"""What anchoring every audited commit costs: an audited write with and without its anchor request, and
how many anchor blobs the 5-second timer writes for a stream of writes.

In a throw-away database (migrated, as the app runs it: aura_app under row-level security) with one firm:

- an audited write (one unit of work: one audit record appended, committed), median of `--runs`, with
  the anchor-request trigger of migration 0013 switched off (the write as it was with hourly anchors)
  and on (as it is now), interleaved so both see the same machine; and the same for a unit of work
  appending 50 records; and, as the owner, one INSERT of 50 and of 5,000 records rolled back, which
  shows the trigger's own cost per record without the commit's fsync around it (it grows with the
  records one transaction appends to one chain: each updates the same request row again);
- one run of the anchor timer's work (`audit_log.anchor_requested`) for one requested head, into the
  local folder storage, median of `--runs`;
- `--seconds` of back-to-back audited writes while a thread does the timer's work every
  `--interval` seconds, as the timer does: writes made, anchor blobs written, and whether the chain
  verifies against them.

Usage: python tools/bench_audit_anchor.py [--runs 200] [--seconds 20] [--interval 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=5.0)
    args = parser.parse_args()

    from tools.bench_env import scratch

    with scratch("audit") as (url, folder):
        _run(args, url, folder)


def _run(args: argparse.Namespace, url: str, folder: Path) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from shared import audit_log
    from shared.db.migrate import upgrade
    from shared.db.models import Firm
    from shared.db.uow import UnitOfWork
    from shared.storage import LocalFolderStorage

    upgrade(url)
    owner = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    storage = LocalFolderStorage(folder / "anchors")
    firm_id = uuid.uuid4()
    with UnitOfWork(firm_id=firm_id) as uow:
        uow.session.add(Firm(id=firm_id, name="Bench CPA", status="active"))
        uow.commit()

    def audited_write() -> None:
        with UnitOfWork(firm_id=firm_id) as uow:
            audit_log.append(uow, "bench.recorded", target_type="thing", target_id=uuid.uuid4(), data={"n": 1})
            uow.commit()

    def audited_batch() -> None:
        with UnitOfWork(firm_id=firm_id) as uow:
            for n in range(50):
                audit_log.append(uow, "bench.recorded", target_type="thing", target_id=uuid.uuid4(), data={"n": n})
            uow.commit()

    def anchor_run() -> int:
        with UnitOfWork(system=True) as uow:
            return audit_log.anchor_requested(uow, storage)

    def set_trigger(enabled: bool) -> None:
        with psycopg.connect(owner, autocommit=True) as connection:
            state = "ENABLE" if enabled else "DISABLE"
            connection.execute(f"ALTER TABLE audit_log {state} TRIGGER audit_log_request_anchor")

    def trigger_cost_per_row(enabled: bool, rows: int = 5000) -> float:
        """Microseconds per row of one INSERT of `rows` records, rolled back: the trigger's own cost,
        without the commit's fsync that hides it in a single audited write."""
        chain = str(uuid.uuid4())
        with psycopg.connect(owner) as connection:
            connection.execute(
                f"ALTER TABLE audit_log {'ENABLE' if enabled else 'DISABLE'} TRIGGER audit_log_request_anchor"
            )
            started = time.perf_counter()
            connection.execute(
                "INSERT INTO audit_log (chain, chain_seq, firm_id, occurred_at, action, data, prev_hash, hash) "
                "SELECT %s, n, %s, now(), 'bench.recorded', '{}'::jsonb, repeat('0', 64), md5(n::text) || md5(n::text) "
                "FROM generate_series(1, %s) AS n",
                (chain, firm_id, rows),
            )
            elapsed = time.perf_counter() - started
            connection.rollback()
        set_trigger(True)
        return elapsed * 1e6 / rows

    for _ in range(20):  # warm the pool, plans and caches
        audited_write()
    anchor_run()

    without: list[float] = []
    with_request: list[float] = []
    batch_without: list[float] = []
    batch_with: list[float] = []
    for _ in range(args.runs // 10):  # interleaved blocks of 10, so both sides see the same machine
        set_trigger(False)
        without.extend(_ms(audited_write) for _ in range(10))
        batch_without.append(_ms(audited_batch))
        set_trigger(True)
        with_request.extend(_ms(audited_write) for _ in range(10))
        batch_with.append(_ms(audited_batch))
    anchor_run()
    per_row = {
        rows: (
            statistics.median(trigger_cost_per_row(False, rows) for _ in range(9)),
            statistics.median(trigger_cost_per_row(True, rows) for _ in range(9)),
        )
        for rows in (50, 5000)
    }

    anchor_times = []
    for _ in range(args.runs // 4):
        audited_write()
        anchor_times.append(_ms(anchor_run))

    before = len(storage.list(audit_log.ANCHOR_CONTAINER))
    stop = threading.Event()

    def timer() -> None:
        while not stop.wait(args.interval):
            anchor_run()

    thread = threading.Thread(target=timer, daemon=True)
    writes = 0
    deadline = time.monotonic() + args.seconds
    thread.start()
    while time.monotonic() < deadline:
        audited_write()
        writes += 1
    stop.set()
    thread.join()
    anchor_run()  # the last requested head, as the next tick would
    blobs = len(storage.list(audit_log.ANCHOR_CONTAINER)) - before
    with UnitOfWork(firm_id=firm_id) as uow:
        verified = audit_log.verify(uow, storage=storage)

    median_without, median_with = statistics.median(without), statistics.median(with_request)
    print(f"audited write (1 record, commit), median of {len(without)}:")
    print(f"  without the anchor request: {median_without:.2f} ms")
    print(
        f"  with the anchor request:    {median_with:.2f} ms "
        f"({median_with - median_without:+.2f} ms, {100 * (median_with / median_without - 1):+.1f}%)"
    )
    batch_off, batch_on = statistics.median(batch_without), statistics.median(batch_with)
    print(f"audited unit of work of 50 records, median of {len(batch_without)}:")
    print(
        f"  without / with the anchor request: {batch_off:.2f} ms / {batch_on:.2f} ms ({batch_on - batch_off:+.2f} ms)"
    )
    print("one INSERT of N records into one chain, rolled back (the trigger's own cost per record), median of 9:")
    for rows, (off, on) in per_row.items():
        print(f"  N={rows}: without / with the anchor request: {off:.1f} / {on:.1f} us per record")
    print(f"anchor run for one requested head (local folder), median of {len(anchor_times)}:")
    print(f"  {statistics.median(anchor_times):.2f} ms")
    print(f"{writes} audited writes in {args.seconds:.0f} s with the timer every {args.interval:.0f} s:")
    print(f"  {blobs} anchor blobs ({writes / max(blobs, 1):.0f} writes per blob); verification ok={verified.ok}")
    if not verified.ok:
        raise SystemExit(f"the chain does not verify against its anchors: {verified.reason}")


if __name__ == "__main__":
    main()
