"""Run one queued job through the jobs queue trigger in a fresh interpreter, as a worker would, and
report its seconds, its whole process's peak resident memory and its outcome (for the benchmarks).

Usage: python tools/job_child.py JOB_ID  (the database and settings come from the environment)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run(job_id: str, *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """{seconds, peak_rss_mb, status, result, error} of the job, run in a child process."""
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, job_id], check=True, capture_output=True, text=True, env=env or dict(os.environ)
    )
    report: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return report


def main(job_id: str) -> None:
    from azure.functions.servicebus import ServiceBusMessage
    from sqlalchemy import select

    import function_app
    from shared.bus.envelope import Envelope
    from shared.db.models import Job, OutboxMessage
    from shared.db.uow import UnitOfWork

    with UnitOfWork(system=True) as uow:
        row = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.body["payload"]["job_id"].astext == job_id)
        ).one()
        envelope = Envelope.model_validate(row.body)
    trigger = next(f for f in function_app.app.get_functions() if f.get_function_name() == "jobs_worker")
    message = ServiceBusMessage(
        body=envelope.to_json().encode(),
        message_id=str(envelope.id),
        delivery_count=1,
        application_properties={"type": envelope.type},
        user_properties={},
    )
    started = time.perf_counter()
    trigger.get_user_function()(message)
    seconds = time.perf_counter() - started
    with UnitOfWork(firm_id=envelope.firm_id, system=True) as uow:
        job = uow.session.get(Job, uuid.UUID(job_id))
        if job is None:
            raise SystemExit(f"job {job_id} is gone")
        outcome = {"status": job.status, "result": job.result, "error": job.error}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, **outcome}, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
