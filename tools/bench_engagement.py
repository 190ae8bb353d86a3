"""What engagement visibility costs: reads under row-level security against the same reads without it.

Builds a throw-away database with one firm, `--engagements` engagements (each with its 12 standard
binder sections) and one engagement whose binder holds `--nodes` nodes, then times, median of
`--runs` runs each, in the same process and database:

- the binder's nodes read in system scope (no visibility function: the baseline),
- the same read as a staff member on the team (visibility computed from the user's row and the team),
- GET /api/engagements/{id}/binder through the real trigger (parsing, auth, tree building, JSON),
- the engagement list as a partner (firm-wide) and as the staff member (team only).

Usage: python tools/bench_engagement.py [--engagements 300] [--nodes 2000] [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=300)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from tools.bench_env import scratch

    with scratch("engagement"):
        _run(args)


def _run(args: argparse.Namespace) -> None:
    from sqlalchemy import func, insert, select

    from functions.identity import service as identity
    from shared.db.migrate import upgrade
    from shared.db.models_engagement import BinderNode, Engagement
    from shared.db.uow import UnitOfWork
    from shared.settings import get_settings
    from tests.engagement_support import new_client, new_engagement
    from tests.support import PASSWORD, add_user, request, token_for

    upgrade(get_settings().database_url)
    admin_email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    with UnitOfWork() as uow:
        firm, _ = identity.create_firm(uow=uow, name="Bench CPA", admin_email=admin_email, admin_password=PASSWORD)
    admin = token_for(admin_email)
    client_id = new_client(admin)
    staff_id, staff = add_user(admin, "staff")
    _, partner = add_user(admin, "partner")

    started = time.perf_counter()
    target = new_engagement(admin, client_id, name="Benchmarked")["id"]
    request("POST", f"engagements/{target}/team", token=admin, json_body={"user_id": staff_id, "role": "staff"})
    for number in range(args.engagements - 1):
        new_engagement(admin, client_id, name=f"Other {number}")
    with UnitOfWork(firm_id=firm.id, system=True) as uow:
        sections = list(uow.session.scalars(select(BinderNode.id).where(BinderNode.engagement_id == uuid.UUID(target))))
        rows = [
            {
                "id": uuid.uuid4(),
                "firm_id": firm.id,
                "engagement_id": uuid.UUID(target),
                "parent_id": sections[n % len(sections)],
                "kind": "workpaper",
                "index_code": f"W-{n}",
                "title": f"Workpaper {n}",
                "position": n,
                "content": {"n": n},
            }
            for n in range(args.nodes - len(sections))
        ]
        uow.session.execute(insert(BinderNode), rows)
        uow.commit()
    print(
        f"setup: {args.engagements} engagements, {args.nodes} nodes in one binder "
        f"({time.perf_counter() - started:.1f} s)"
    )

    engagement_id = uuid.UUID(target)

    def read_nodes(uow_factory: Callable[[], UnitOfWork]) -> Callable[[], int]:
        def read() -> int:
            with uow_factory() as uow:
                return len(
                    uow.session.execute(select(BinderNode).where(BinderNode.engagement_id == engagement_id)).all()
                )

        return read

    def count_engagements(token: str) -> Callable[[], int]:
        return lambda: request("GET", "engagements", token=token, params={"page_size": "500"}).json()["total"]

    with UnitOfWork(firm_id=firm.id, system=True) as uow:
        if uow.session.scalar(select(func.count()).select_from(Engagement)) != args.engagements:
            raise SystemExit("setup did not create the engagements it should have")
    cases = [
        ("binder nodes, system scope (baseline)", read_nodes(lambda: UnitOfWork(firm_id=firm.id, system=True))),
        (
            "binder nodes, staff on the team (RLS)",
            read_nodes(lambda: UnitOfWork(firm_id=firm.id, user_id=uuid.UUID(staff_id))),
        ),
        (
            "GET /binder as staff (whole stack)",
            lambda: request("GET", f"engagements/{target}/binder", token=staff).status,
        ),
        ("GET /engagements as partner (firm-wide)", count_engagements(partner)),
        ("GET /engagements as staff (team only)", count_engagements(staff)),
    ]
    width = max(len(label) for label, _ in cases)
    print(f"{'case':<{width}}  median ms  (min .. max over {args.runs} runs)")
    for label, action in cases:
        median, timings = _median_ms(action, args.runs)
        print(f"{label:<{width}}  {median:9.1f}  ({min(timings):.1f} .. {max(timings):.1f})")


if __name__ == "__main__":
    main()
