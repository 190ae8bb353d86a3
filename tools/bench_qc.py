"""Quality control at scale: a QC run over an engagement with 2,000 binder nodes and a 1,000,000-line
ledger's journal-entry run (issue 20's target: under 2 s).

Builds a throw-away database: the synthetic general ledger (tools/synthetic_ledger.py, `--lines` lines)
loaded through the ingestion job, the whole JE battery run on it by the jobs trigger (each in a child
process, as bench-analytics does), a trial balance of the ledger's accounts loaded the same way and
its mapping confirmed, materiality, risks linked to workpapers, review notes, and a binder grown to
`--nodes` nodes: workpapers prepared and reviewed, evidence linked to the workpapers that name the
largest accounts, the completion approved by the partner. Every flagged journal but `--open`
is dispositioned. Then, `--runs` times each, median:

- the snapshot alone (functions/qc/reads.py: every read the policies need, set-based),
- POST /api/engagements/{id}/qc/run through the real trigger (auth, snapshot, policies, the run stored,
  the gate and the audit record written, JSON).

Usage: python tools/bench_qc.py [--lines 1000000] [--nodes 2000] [--runs 7] [--open 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median_ms(action: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    action()  # warm caches and plans
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), timings


def _expect(reply: Any, status: int) -> None:
    if reply.status != status:
        raise SystemExit(f"expected {status}, got {reply.status}: {reply.body[:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--open", type=int, default=50, help="flagged journals left undispositioned")
    args = parser.parse_args()

    from tools.bench_env import scratch

    with scratch("qc") as (url, folder):
        _run(args, url, folder)


def _upload(admin: str, firm_id: uuid.UUID, engagement: str, path: Path, kind: str) -> None:
    from functions.ingestion.service import CONTAINER, blob_key
    from shared.storage import get_storage
    from tests.support import request
    from tools.bench_analytics import run_job_in_child

    base = f"engagements/{engagement}/uploads"
    session = request("POST", base, token=admin, json_body={"filename": path.name, "content_type": "text/csv"}).json()
    with path.open("rb") as stream:
        get_storage().put(CONTAINER, blob_key(firm_id, uuid.UUID(engagement), uuid.UUID(session["upload_id"])), stream)
    reply = request("POST", f"{base}/{session['upload_id']}/ingest", token=admin, params={"kind": kind})
    run_job_in_child(str(reply.json()["job_id"]))


def _run(args: argparse.Namespace, url: str, folder: Path) -> None:
    from sqlalchemy import insert, select

    from functions.qc import reads
    from shared.db.models_analytics import JeDisposition, JeJournalRisk, JeRun
    from shared.db.models_engagement import BinderNode, EvidenceFile, NodeEvidence, Signoff
    from shared.db.models_mapping import AccountMapping
    from shared.db.uow import UnitOfWork
    from tests.support import add_user, request
    from tools.bench_analytics import _load, run_job_in_child
    from tools.synthetic_ledger import LedgerSpec, write_general_ledger

    started = time.perf_counter()
    csv_path = folder / "general_ledger.csv"
    facts = write_general_ledger(csv_path, LedgerSpec(lines=args.lines))
    admin, engagement, firm_id = _load(url, csv_path)
    engagement_id = uuid.UUID(engagement)
    reply = request("POST", f"engagements/{engagement}/je-tests", token=admin, json_body={})
    job = run_job_in_child(str(reply.json()["job_id"]))
    print(f"JE run on {facts.lines:,} lines: {float(job['seconds']):.1f} s")

    # The trial balance: every account of the ledger with its year's activity as closing balance.
    balances = dict(facts.per_account_activity)
    tb_path = folder / "trial_balance.csv"
    tb_path.write_text(
        "Account Number,Account Name,Closing Balance\n"
        + "".join(f"{number},Account {number},{amount}\n" for number, amount in sorted(balances.items()))
    )
    _upload(admin, firm_id, engagement, tb_path, "trial_balance")
    partner_id, _ = add_user(admin, "partner")
    staff_id, _ = add_user(admin, "staff")
    for user_id, role in ((partner_id, "partner"), (staff_id, "staff")):
        request("POST", f"engagements/{engagement}/team", token=admin, json_body={"user_id": user_id, "role": role})
    materiality = {"benchmark": "revenue", "amount": "50000000.00", "risk_level": "moderate", "rationale": "bench"}
    _expect(request("POST", f"engagements/{engagement}/materiality", token=admin, json_body=materiality), 201)

    largest = sorted(balances, key=lambda number: -abs(float(balances[number])))[:300]
    with UnitOfWork(firm_id=firm_id, system=True) as uow:
        admin_id = uow.session.scalar(select(JeRun.created_by).where(JeRun.engagement_id == engagement_id))
        sections: dict[str, uuid.UUID] = {
            str(code): node_id
            for code, node_id in uow.session.execute(
                select(BinderNode.index_code, BinderNode.id).where(BinderNode.engagement_id == engagement_id)
            )
        }
        uow.session.execute(
            insert(AccountMapping),
            [
                {
                    "firm_id": firm_id,
                    "engagement_id": engagement_id,
                    "account_number": number,
                    "account_name": f"Account {number}",
                    "standard_code": "1010",
                    "section": "current_assets",
                    "status": "confirmed",
                }
                for number in balances
            ],
        )
        papers = []
        codes = sorted(code for code in sections if code != "L")
        for n in range(args.nodes - len(sections) - 2):
            named = largest[n] if n < len(largest) else None
            papers.append(
                {
                    "id": uuid.uuid4(),
                    "firm_id": firm_id,
                    "engagement_id": engagement_id,
                    "parent_id": sections[codes[n % len(codes)]],
                    "kind": "workpaper",
                    "index_code": f"W-{n}",
                    "title": f"{named} substantive testing" if named else f"Workpaper {n}",
                    "position": n,
                    "content": {"text": "x" * 200},
                }
            )
        for n, title in enumerate(("Completion memorandum", "Subsequent events review")):
            papers.append(
                {
                    "id": uuid.uuid4(),
                    "firm_id": firm_id,
                    "engagement_id": engagement_id,
                    "parent_id": sections["L"],
                    "kind": "workpaper",
                    "index_code": f"L-{n + 1}",
                    "title": title,
                    "position": n,
                    "content": {},
                }
            )
        uow.session.execute(insert(BinderNode), papers)
        evidence_id = uuid.uuid4()
        uow.session.execute(
            insert(EvidenceFile).values(
                id=evidence_id,
                firm_id=firm_id,
                engagement_id=engagement_id,
                filename="confirmations.pdf",
                content_type="application/pdf",
                size_bytes=1,
                sha256="0" * 64,
                blob_key="bench",
            )
        )
        uow.session.execute(
            insert(NodeEvidence),
            [
                {"node_id": paper["id"], "evidence_id": evidence_id, "firm_id": firm_id, "engagement_id": engagement_id}
                for paper in papers[: len(largest)]
            ],
        )
        signoffs = []
        for paper in papers:
            steps = [("prepare", uuid.UUID(staff_id)), ("review", admin_id)]
            if paper["parent_id"] == sections["L"]:
                steps.append(("approve", uuid.UUID(partner_id)))
            for step, user in steps:
                signoffs.append(
                    {
                        "firm_id": firm_id,
                        "engagement_id": engagement_id,
                        "node_id": paper["id"],
                        "step": step,
                        "user_id": user,
                        "node_version": 1,
                    }
                )
        uow.session.execute(insert(Signoff), signoffs)
        run_row = uow.session.scalar(select(JeRun).where(JeRun.engagement_id == engagement_id))
        if run_row is None or run_row.status != "completed":
            raise SystemExit("the JE run did not complete")
        flagged = list(
            uow.session.scalars(
                select(JeJournalRisk.journal_id).where(JeJournalRisk.run_id == run_row.id).order_by(JeJournalRisk.rank)
            )
        )
        uow.session.execute(
            insert(JeDisposition),
            [
                {
                    "firm_id": firm_id,
                    "engagement_id": engagement_id,
                    "dataset_id": run_row.dataset_id,
                    "journal_id": journal_id,
                    "status": "explained",
                    "note": "bench",
                    "evidence_ids": [],
                    "updated_by": admin_id,
                }
                for journal_id in flagged[args.open :]
            ],
        )
        uow.commit()
    for n in range(20):
        risk = {
            "area": f"Area {n}",
            "assertion": "existence",
            "description": "bench",
            "inherent_risk": "high",
            "control_risk": "moderate",
            "fraud_risk": n == 0,
            "procedure_node_ids": [str(papers[n]["id"])],
        }
        _expect(request("POST", f"engagements/{engagement}/risks", token=admin, json_body=risk), 201)
    for n in range(30):
        note = {"node_id": str(papers[n]["id"]), "body": "Please tie to the lead sheet"}
        _expect(request("POST", f"engagements/{engagement}/review-notes", token=admin, json_body=note), 201)
    with UnitOfWork(firm_id=firm_id, system=True) as uow:
        nodes = len(uow.session.scalars(select(BinderNode.id).where(BinderNode.engagement_id == engagement_id)).all())
    print(
        f"setup {time.perf_counter() - started:.0f} s: {facts.lines:,} ledger lines, {len(flagged):,} flagged journals "
        f"({min(args.open, len(flagged))} left open), {len(balances)} accounts, {nodes:,} binder nodes, "
        f"{len(signoffs):,} sign-offs"
    )

    def snapshot() -> object:
        with UnitOfWork(firm_id=firm_id, user_id=admin_id) as uow:
            return reads.snapshot(uow, engagement_id=engagement_id)

    last: dict[str, object] = {}

    def run_qc() -> None:
        reply = request("POST", f"engagements/{engagement}/qc/run", token=admin)
        _expect(reply, 200)
        last.update(reply.json())

    if os.environ.get("AURA_BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(snapshot)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)

    cases = [("snapshot (every read of the policies)", snapshot), ("POST .../qc/run (whole stack)", run_qc)]
    width = max(len(label) for label, _ in cases)
    print(f"{'case':<{width}}  median ms  (min .. max over {args.runs} runs)")
    for label, action in cases:
        median, timings = _median_ms(action, args.runs)
        print(f"{label:<{width}}  {median:9.1f}  ({min(timings):.1f} .. {max(timings):.1f})")
    policies = last.get("policies", [])
    if not isinstance(policies, list):
        raise SystemExit("the run answered no policies")
    print("last run: passed" if last.get("passed") else "last run: failed")
    for policy in policies:
        print(f"  {policy['code']:<40} {policy['status']:<7} {str(policy['detail'])[:110]}")


if __name__ == "__main__":
    main()
