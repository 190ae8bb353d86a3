"""The message envelope every event and job command travels in.

Messages carry ids and the firm, never objects: the consumer reloads what it needs. The envelope
says who, when, in which firm and which type; the payload is one of the models of shared.bus.events.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from shared import clock

if TYPE_CHECKING:
    from shared.bus.events import Message
    from shared.db.uow import UnitOfWork

M = TypeVar("M", bound="Message")
_SHOWN_VALUE_LENGTH = 60


class MessageRejected(ValueError):
    """A message whose payload does not fit its model: raised, so the message is retried and then
    dead-lettered with this text, which names each offending field (and its value when it is a
    scalar: payloads hold ids and counts, never a whole object worth printing)."""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(min_length=1, max_length=100)
    occurred_at: datetime = Field(default_factory=clock.now)
    firm_id: uuid.UUID | None = None
    actor: str = "system"
    correlation_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes) -> Envelope:
        return cls.model_validate_json(raw)

    # `type` is a field here, so the builtin is named in full.
    def payload_as(self, model: builtins.type[M]) -> M:
        """The payload read into its model; MessageRejected names the fields that do not fit."""
        expected = getattr(model, "type", None)
        if expected is not None and expected != self.type:
            raise MessageRejected(f"message {self.id} is a {self.type}, not a {expected}")
        try:
            return model.model_validate(self.payload)
        except PydanticValidationError as invalid:
            problems = "; ".join(_describe(error) for error in invalid.errors())
            raise MessageRejected(f"{self.type} message {self.id}: {problems}") from invalid


def _describe(error: Any) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "payload"
    value = error.get("input")
    if error["type"] == "missing" or not isinstance(value, str | int | float | bool):
        return f"{field}: {error['msg']}"
    shown = repr(value)
    if len(shown) > _SHOWN_VALUE_LENGTH:
        shown = shown[:_SHOWN_VALUE_LENGTH] + "..."
    return f"{field}: {error['msg']} (got {shown})"


def make_envelope(uow: UnitOfWork, message_type: str, payload: dict[str, Any], *, actor: str | None) -> Envelope:
    return Envelope(
        type=message_type,
        firm_id=uow.firm_id,
        actor=actor or (str(uow.user_id) if uow.user_id else "system"),
        correlation_id=uow.correlation_id,
        payload=payload,
    )
