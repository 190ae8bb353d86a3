"""Use cases of the platform endpoints."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, text

from shared import audit_log
from shared.auth.principal import Principal
from shared.bus.catalogue import build_catalogue
from shared.db.engine import get_engine
from shared.db.models import AuditRecord, Job
from shared.db.uow import UnitOfWork
from shared.http.openapi import build_document, render_docs
from shared.jobs import get_visible_job_or_raise

log = logging.getLogger(__name__)


def database_is_up() -> bool:
    """One round trip to the database; never raises."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception as exc:
        log.warning("health: database unreachable: %s", type(exc).__name__)
        return False


def get_job_or_raise(*, uow: UnitOfWork, job_id: uuid.UUID, principal: Principal) -> Job:
    """The job, if the principal may see it; NotFound otherwise."""
    return get_visible_job_or_raise(uow, job_id=job_id, principal=principal)


@functools.cache
def openapi_document(version: str) -> str:
    """The OpenAPI document as JSON; endpoints are fixed once the app is imported, so built once."""
    return json.dumps(build_document(version=version))


@functools.cache
def events_document(version: str, events_topic: str, jobs_queue: str) -> str:
    """The AsyncAPI document as JSON; the messages are fixed in code, so built once."""
    return json.dumps(build_catalogue(version=version, events_topic=events_topic, jobs_queue=jobs_queue))


@functools.cache
def docs_page(version: str) -> str:
    """The human-readable reference, built once."""
    return render_docs(json.loads(openapi_document(version)))


def list_audit_records(
    *, uow: UnitOfWork, offset: int, limit: int, filters: dict[str, Any] | None = None
) -> tuple[list[AuditRecord], int]:
    """The firm's audit records, newest first, filtered by actor, action (or its start), target (id or
    type) and UTC dates."""
    conditions = _audit_conditions(filters or {})
    total = uow.session.scalar(select(func.count()).select_from(AuditRecord).where(*conditions)) or 0
    rows = uow.session.scalars(
        select(AuditRecord).where(*conditions).order_by(AuditRecord.chain_seq.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def _audit_conditions(filters: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.get("actor"):
        conditions.append(AuditRecord.actor_id == filters["actor"])
    if filters.get("action"):
        conditions.append(AuditRecord.action.startswith(filters["action"], autoescape=True))
    if filters.get("target"):
        conditions.append((AuditRecord.target_id == filters["target"]) | (AuditRecord.target_type == filters["target"]))
    if filters.get("date_from"):
        start = datetime.combine(filters["date_from"], time.min, tzinfo=UTC)
        conditions.append(AuditRecord.occurred_at >= start)
    if filters.get("date_to"):
        end = datetime.combine(filters["date_to"] + timedelta(days=1), time.min, tzinfo=UTC)
        conditions.append(AuditRecord.occurred_at < end)
    return conditions


def verify_audit_log(*, uow: UnitOfWork) -> audit_log.Verification:
    """Walk the firm's chain."""
    return audit_log.verify(uow)
