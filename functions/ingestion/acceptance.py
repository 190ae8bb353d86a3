"""Who decides which client data is current: the audit team, never the upload itself.

A file a client user sends loads as any other, but lands as `submitted`: it is evidence the client
provided, not yet data the auditor relies on, so it becomes current only when a member of the team
accepts it, or stays out with a reason the client sees when rejected. Three more rules keep the
current version meaningful:

- A file identical (SHA-256) to the current version, or to a submission still waiting, is refused as
  a duplicate with a pointer to that version: a second copy would only make a new version number.
- Once fieldwork has started, replacing current data is the team's act and needs a reason (at least
  REASON_MIN characters), given with the upload or with the acceptance of a client's submission:
  the audit trail must say why the figures the work rests on changed.
- Accepting a submission older than the current version is refused: it would not become current.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shared import clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.events import DatasetIngested
from shared.datasets import current_dataset
from shared.db.models_ingestion import Dataset
from shared.db.uow import UnitOfWork
from shared.engagement_access import EngagementAccess, record, require
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

REASON_MIN = 10
# Engagement states in which the work rests on the current data.
FIELDWORK_ON = frozenset({"fieldwork", "review"})
KIND_NAMES = {
    "general_ledger": "general ledger",
    "trial_balance": "trial balance",
    "chart_of_accounts": "chart of accounts",
}


def duplicate_of(uow: UnitOfWork, *, engagement_id: uuid.UUID, kind: str, sha256: str) -> Dataset | None:
    """The current version, or a submission still waiting, holding exactly this file."""
    current = current_dataset(uow, engagement_id=engagement_id, kind=kind)
    if current is not None and current.sha256 == sha256:
        return current
    return uow.session.scalar(
        select(Dataset)
        .where(
            Dataset.engagement_id == engagement_id,
            Dataset.kind == kind,
            Dataset.status == "submitted",
            Dataset.sha256 == sha256,
        )
        .limit(1)
    )


def duplicate_refusal(dataset: Dataset) -> Conflict:
    state = "the current version" if dataset.status == "succeeded" else "a submission waiting for the audit team"
    return Conflict(
        f"This file is identical to {KIND_NAMES[dataset.kind]} version {dataset.version} ({dataset.filename}), "
        f"{state}; nothing was stored",
        code="duplicate_dataset",
        dataset_id=str(dataset.id),
        version=dataset.version,
    )


def _clean(reason: str | None) -> str:
    return (reason or "").strip()


def _reason_required(field: str, kind: str, current: Dataset) -> ValidationFailed:
    return ValidationFailed.field(
        "query" if field == "reason" else "body",
        "reason",
        message=(
            f"fieldwork has started and {KIND_NAMES[kind]} version {current.version} is current: say why it is "
            f"replaced, in at least {REASON_MIN} characters"
        ),
        code="reason_required",
    )


def check_incoming(
    uow: UnitOfWork, *, access: EngagementAccess, kind: str, sha256: str | None, reason: str | None
) -> bool:
    """Refuse a duplicate, or a team upload replacing current data after fieldwork started without a
    reason; answer whether the file must wait for the team's acceptance (a client user's file)."""
    if sha256:
        duplicate = duplicate_of(uow, engagement_id=access.id, kind=kind, sha256=sha256)
        if duplicate is not None:
            raise duplicate_refusal(duplicate)
    if not access.internal:
        return True
    current = current_dataset(uow, engagement_id=access.id, kind=kind)
    if current is not None and access.engagement.status in FIELDWORK_ON and len(_clean(reason)) < REASON_MIN:
        raise _reason_required("reason", kind, current)
    return False


def status_when_loaded(dataset: Dataset) -> str:
    return "submitted" if dataset.needs_acceptance else "succeeded"


def ingested_event(dataset: Dataset, summary: dict[str, object]) -> DatasetIngested:
    return DatasetIngested(
        engagement_id=dataset.engagement_id,
        kind=dataset.kind,
        dataset_id=dataset.id,
        version=dataset.version,
        summary=summary,
    )


def _submission_or_raise(
    uow: UnitOfWork, *, principal: Principal, engagement_id: uuid.UUID, dataset_id: uuid.UUID
) -> tuple[EngagementAccess, Dataset]:
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, clients=True)
    dataset = uow.session.scalar(
        select(Dataset)
        .where(Dataset.id == dataset_id, Dataset.engagement_id == engagement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if dataset is None:
        raise NotFound("No such dataset", code="dataset_not_found")
    if not access.internal or not access.can(Permission.DATA_UPLOAD):
        raise Forbidden("Only a member of the audit team accepts or rejects submitted data", code="forbidden")
    if dataset.status != "submitted":
        raise Conflict(
            f"Only submitted data waits for a decision; this version is {dataset.status}",
            code="not_submitted",
            dataset_status=dataset.status,
        )
    return access, dataset


def _decide(dataset: Dataset, principal: Principal, status: str, reason: str | None) -> None:
    dataset.status = status
    dataset.decided_by, dataset.decided_at, dataset.decision_reason = principal.user_id, clock.now(), reason


def accept(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, dataset_id: uuid.UUID, reason: str | None
) -> Dataset:
    """A team member accepts a client's submission: it becomes the current version of its kind."""
    access, dataset = _submission_or_raise(uow, principal=principal, engagement_id=engagement_id, dataset_id=dataset_id)
    current = current_dataset(uow, engagement_id=engagement_id, kind=dataset.kind)
    if current is not None and current.version > dataset.version:
        raise Conflict(
            f"{KIND_NAMES[dataset.kind].capitalize()} version {current.version} is newer and current; "
            f"version {dataset.version} would not become current. Reject it, or ask for the file again",
            code="superseded",
            current_version=current.version,
        )
    if current is not None and access.engagement.status in FIELDWORK_ON and len(_clean(reason)) < REASON_MIN:
        raise _reason_required("body", dataset.kind, current)
    _decide(dataset, principal, "succeeded", _clean(reason) or None)
    uow.session.flush()
    record(
        uow,
        "dataset.accepted",
        engagement_id=engagement_id,
        target_type="dataset",
        target_id=dataset.id,
        kind=dataset.kind,
        version=dataset.version,
        replaces_version=current.version if current is not None else None,
        reason=dataset.decision_reason,
    )
    summary = {k: v for k, v in (dataset.summary or {}).items() if k not in ("periods", "details", "columns")}
    uow.publish(ingested_event(dataset, summary))
    uow.commit()
    return dataset


def reject(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, dataset_id: uuid.UUID, reason: str
) -> Dataset:
    """A team member turns a client's submission down, saying why; the client sees the reason."""
    _, dataset = _submission_or_raise(uow, principal=principal, engagement_id=engagement_id, dataset_id=dataset_id)
    if len(_clean(reason)) < REASON_MIN:
        raise ValidationFailed.field(
            "body", "reason", message=f"tell the client why, in at least {REASON_MIN} characters"
        )
    _decide(dataset, principal, "rejected", _clean(reason))
    uow.session.flush()
    record(
        uow,
        "dataset.rejected",
        engagement_id=engagement_id,
        target_type="dataset",
        target_id=dataset.id,
        kind=dataset.kind,
        version=dataset.version,
        reason=dataset.decision_reason,
    )
    uow.commit()
    return dataset
