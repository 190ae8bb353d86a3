"""Helpers for tests of ingestion: upload a file as someone, run its load job through the real trigger."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from azure.functions.servicebus import ServiceBusMessage as TriggerServiceBusMessage
from sqlalchemy import select

from shared.bus.envelope import Envelope
from shared.db.models import Job, OutboxMessage
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace
from tests.support import Reply, in_process_host

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XML = "application/xml"
DATA = Path(__file__).parent / "data"


def upload(ws: Workspace, who: Person, kind: str, data: bytes, content_type: str = CSV, **params: Any) -> Reply:
    """POST the file as the raw body, with `params` as the query."""
    query = {"kind": kind, **{k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items()}}
    return ws.call("POST", "datasets", who, body=data, headers={"Content-Type": content_type}, params=query)


def command_for(job_id: str | uuid.UUID) -> Envelope:
    with UnitOfWork(system=True) as uow:
        row = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.body["payload"]["job_id"].astext == str(job_id))
        ).one()
    return Envelope.model_validate(row.body)


def deliver(job_id: str | uuid.UUID, *, delivery_count: int = 1) -> None:
    """Hand the job's command to the jobs queue trigger, as Service Bus would."""
    envelope = command_for(job_id)
    trigger = next(f for f in in_process_host().functions if f.name == "jobs_worker")
    trigger.invoke(
        TriggerServiceBusMessage(
            body=envelope.to_json().encode(),
            message_id=str(envelope.id),
            delivery_count=delivery_count,
            application_properties={"type": envelope.type},
            user_properties={},
        )
    )


def job(ws: Workspace, job_id: str | uuid.UUID) -> Job:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        row = uow.session.get(Job, uuid.UUID(str(job_id)))
    assert row is not None
    return row


def ingest(
    ws: Workspace, who: Person, kind: str, data: bytes, content_type: str = CSV, **params: Any
) -> dict[str, Any]:
    """Upload, run the load, and return the dataset as GET shows it (whatever its outcome)."""
    reply = upload(ws, who, kind, data, content_type, **params)
    assert reply.status == 202, reply.body
    accepted = reply.json()
    deliver(accepted["job_id"])
    dataset = ws.call("GET", f"datasets/{accepted['dataset_id']}", ws.admin)
    assert dataset.status == 200, dataset.body
    return dict(dataset.json())


def loaded(
    ws: Workspace, who: Person, kind: str, data: bytes, content_type: str = CSV, **params: Any
) -> dict[str, Any]:
    """As ingest, and the load must have succeeded."""
    dataset = ingest(ws, who, kind, data, content_type, **params)
    assert dataset["status"] == "succeeded", dataset["error"]
    return dataset
