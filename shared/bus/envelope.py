"""The message envelope every event and job command travels in.

Messages carry ids and the firm, never objects: the consumer reloads what it needs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from shared.db.uow import UnitOfWork


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(min_length=1, max_length=100)
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    firm_id: uuid.UUID | None = None
    actor: str = "system"
    correlation_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> Envelope:
        return cls.model_validate_json(raw)


def make_envelope(uow: UnitOfWork, message_type: str, payload: dict[str, Any], *, actor: str | None) -> Envelope:
    return Envelope(
        type=message_type,
        firm_id=uow.firm_id,
        actor=actor or (str(uow.user_id) if uow.user_id else "system"),
        correlation_id=uow.correlation_id,
        payload=payload,
    )
