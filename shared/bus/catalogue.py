"""The AsyncAPI 3.0 document of the bus: every event and job command with the JSON schema of its
payload, so a new consumer (or another team's) learns the messages without reading the producers.

It sits beside the OpenAPI document (which lists the HTTP operations) rather than inside it:
OpenAPI has no place for messages nobody requests.
"""

from __future__ import annotations

import inspect
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.bus.envelope import Envelope
from shared.bus.events import MODELS, Event, Message

_SCHEMAS = "#/components/schemas/{model}"


def _summary(model: type[Message]) -> str:
    """The model's own docstring (`__doc__` is not inherited, unlike inspect.getdoc)."""
    return inspect.cleandoc(model.__doc__ or "")


def _wire_schema(model: type[Message]) -> dict[str, Any]:
    """What the broker carries: the envelope, with this type and this payload."""
    return {
        "allOf": [
            {"$ref": _SCHEMAS.format(model="Envelope")},
            {
                "type": "object",
                "properties": {
                    "type": {"const": model.type},
                    "payload": {"$ref": _SCHEMAS.format(model=model.__name__)},
                },
            },
        ]
    }


def build_catalogue(*, version: str, events_topic: str, jobs_queue: str) -> dict[str, Any]:
    pairs: list[tuple[type[BaseModel], Any]] = [(Envelope, "serialization")]
    pairs += [(model, "serialization") for model in MODELS]
    _, defs = models_json_schema(pairs, ref_template=_SCHEMAS)
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {
        "events": {"address": events_topic, "description": "Events, fanned out to subscriptions", "messages": {}},
        "jobs": {"address": jobs_queue, "description": "Job commands, each taken by one worker", "messages": {}},
    }
    for model in MODELS:
        name = model.__name__
        messages[name] = {
            "name": model.type,
            "title": model.type,
            "summary": _summary(model),
            "contentType": "application/json",
            "payload": _wire_schema(model),
        }
        channel = "events" if issubclass(model, Event) else "jobs"
        channels[channel]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Aura events",
            "version": version,
            "description": "Every message carries ids and the firm, never objects; the consumer reloads what it "
            "needs. Delivery is at least once: consumers are idempotent.",
        },
        "channels": channels,
        "operations": {
            "publishEvent": {"action": "send", "channel": {"$ref": "#/channels/events"}},
            "receiveEvent": {"action": "receive", "channel": {"$ref": "#/channels/events"}},
            "sendJobCommand": {"action": "send", "channel": {"$ref": "#/channels/jobs"}},
            "runJob": {"action": "receive", "channel": {"$ref": "#/channels/jobs"}},
        },
        "components": {"schemas": defs.get("$defs", {}), "messages": messages},
    }
