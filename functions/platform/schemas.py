from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from shared.http import PageQuery
from shared.http.fields import IsoDate


class HealthRead(BaseModel):
    status: Literal["healthy", "unhealthy"]
    service: Literal["aura"] = "aura"
    version: str
    database: Literal["ok", "unreachable"]


class JobError(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class JobRead(BaseModel):
    id: uuid.UUID
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: Decimal = Field(ge=0, le=1)
    result: dict[str, Any] | None
    error: JobError | None
    engagement_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class AuditRecordRead(BaseModel):
    chain_seq: int
    occurred_at: datetime
    actor_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    data: dict[str, Any]
    correlation_id: str | None
    hash: str


class AuditVerificationRead(BaseModel):
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str | None


class OpenApiDocument(RootModel[dict[str, Any]]):
    """An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)."""


class EventsDocument(RootModel[dict[str, Any]]):
    """An AsyncAPI 3.0 document (https://www.asyncapi.com/docs/reference/specification/v3.0.0)."""


class AuditLogQuery(PageQuery):
    """Filters of the audit log: who, what, on what, and when (UTC dates, both ends included)."""

    model_config = ConfigDict(extra="forbid")

    actor: str | None = Field(None, max_length=64, description="the actor's user id, exactly")
    action: str | None = Field(
        None, max_length=100, description="the action, or its start (auth. for every sign-in record)"
    )
    target: str | None = Field(None, max_length=200, description="the target's id, or its type (user, engagement...)")
    date_from: IsoDate | None = Field(None, description="on or after this day (UTC)")
    date_to: IsoDate | None = Field(None, description="on or before this day (UTC)")

    @model_validator(mode="after")
    def _range(self) -> AuditLogQuery:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        return self
