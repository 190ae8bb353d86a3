"""The Service Bus transport, against a hand-written fake client: what reaches the broker, and how."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from azure.servicebus import ServiceBusMessage

from shared.bus.outbox import OutgoingMessage
from shared.bus.transport import ServiceBusTransport, build_transport
from shared.settings import Settings

pytestmark = pytest.mark.unit


class FakeSender:
    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        self.sent: list[ServiceBusMessage] = []
        self.closed = False

    def send_messages(self, message: ServiceBusMessage) -> None:
        assert not self.closed, "sent on a closed sender"
        self.sent.append(message)

    def close(self) -> None:
        self.closed = True


class FakeClient:
    """Records which senders were asked for; each call returns a new sender, as the SDK does."""

    def __init__(self) -> None:
        self.senders: list[FakeSender] = []
        self.closed = False

    def get_topic_sender(self, *, topic_name: str) -> FakeSender:
        sender = FakeSender("topic", topic_name)
        self.senders.append(sender)
        return sender

    def get_queue_sender(self, *, queue_name: str) -> FakeSender:
        sender = FakeSender("queue", queue_name)
        self.senders.append(sender)
        return sender

    def close(self) -> None:
        self.closed = True

    def sender(self, kind: str, name: str) -> FakeSender:
        matching = [s for s in self.senders if (s.kind, s.name) == (kind, name)]
        assert len(matching) == 1, f"expected one {kind} sender for {name}, got {len(matching)}"
        return matching[0]


def _envelope(message_type: str, *, firm_id: uuid.UUID | None, correlation_id: str | None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": message_type,
        "occurred_at": "2024-05-01T12:00:00Z",
        "firm_id": str(firm_id) if firm_id else None,
        "actor": "system",
        "correlation_id": correlation_id,
        "payload": {"engagement_id": str(uuid.uuid4()), "note": "Ünïcode ✓"},
    }


def _outgoing(kind: str, destination: str, body: dict[str, Any]) -> OutgoingMessage:
    return OutgoingMessage(
        message_id=body["id"], kind=kind, destination=destination, message_type=body["type"], body=body
    )


def _body(message: ServiceBusMessage) -> Any:
    return json.loads(b"".join(message.body))


def test_an_event_goes_to_its_topic_with_id_type_firm_and_correlation() -> None:
    client = FakeClient()
    transport = ServiceBusTransport(client)
    firm_id = uuid.uuid4()
    body = _envelope("engagement.created", firm_id=firm_id, correlation_id="corr-123")

    transport.send(_outgoing("event", "events", body))

    [sent] = client.sender("topic", "events").sent
    assert isinstance(sent, ServiceBusMessage)
    assert sent.message_id == body["id"]
    assert sent.subject == "engagement.created"
    assert sent.content_type == "application/json"
    assert sent.correlation_id == "corr-123"
    assert sent.application_properties == {"type": "engagement.created", "firm_id": str(firm_id)}
    assert _body(sent) == body
    assert [s.kind for s in client.senders] == ["topic"]


def test_a_command_goes_to_its_queue() -> None:
    client = FakeClient()
    transport = ServiceBusTransport(client)
    firm_id = uuid.uuid4()
    body = _envelope("report.render", firm_id=firm_id, correlation_id="corr-job")

    transport.send(_outgoing("command", "jobs", body))

    [sent] = client.sender("queue", "jobs").sent
    assert sent.message_id == body["id"]
    assert sent.subject == "report.render"
    assert sent.content_type == "application/json"
    assert sent.correlation_id == "corr-job"
    assert sent.application_properties == {"type": "report.render", "firm_id": str(firm_id)}
    assert _body(sent) == body
    assert not any(s.kind == "topic" for s in client.senders)


def test_a_message_without_firm_or_correlation_still_carries_string_properties() -> None:
    client = FakeClient()
    transport = ServiceBusTransport(client)
    body = _envelope("platform.tick", firm_id=None, correlation_id=None)

    transport.send(_outgoing("event", "events", body))

    [sent] = client.sender("topic", "events").sent
    assert sent.application_properties == {"type": "platform.tick", "firm_id": ""}
    assert sent.correlation_id is None
    assert _body(sent) == body


def test_senders_are_created_once_per_destination_and_reused() -> None:
    client = FakeClient()
    transport = ServiceBusTransport(client)
    events = [_envelope(f"e.{i}", firm_id=uuid.uuid4(), correlation_id=None) for i in range(3)]
    commands = [_envelope(f"c.{i}", firm_id=uuid.uuid4(), correlation_id=None) for i in range(2)]
    audit = _envelope("audit.e", firm_id=None, correlation_id=None)

    for event, command in zip(events, commands, strict=False):
        transport.send(_outgoing("event", "events", event))
        transport.send(_outgoing("command", "jobs", command))
    transport.send(_outgoing("event", "events", events[2]))
    transport.send(_outgoing("event", "audit", audit))

    assert sorted((s.kind, s.name) for s in client.senders) == [
        ("queue", "jobs"),
        ("topic", "audit"),
        ("topic", "events"),
    ]
    assert [m.message_id for m in client.sender("topic", "events").sent] == [e["id"] for e in events]
    assert [m.message_id for m in client.sender("queue", "jobs").sent] == [c["id"] for c in commands]
    assert [m.message_id for m in client.sender("topic", "audit").sent] == [audit["id"]]


def test_close_closes_every_sender_and_the_client() -> None:
    client = FakeClient()
    transport = ServiceBusTransport(client)
    transport.send(_outgoing("event", "events", _envelope("a", firm_id=None, correlation_id=None)))
    transport.send(_outgoing("command", "jobs", _envelope("b", firm_id=None, correlation_id=None)))
    assert not client.closed and not any(s.closed for s in client.senders)

    transport.close()

    assert len(client.senders) == 2
    assert all(s.closed for s in client.senders)
    assert client.closed


def test_local_settings_build_no_transport() -> None:
    assert build_transport(Settings(AURA_BUS_TRANSPORT="local")) is None


def test_servicebus_settings_build_a_service_bus_transport() -> None:
    transport = build_transport(
        Settings(
            AURA_BUS_TRANSPORT="servicebus",
            ServiceBusConnection__fullyQualifiedNamespace="aura-test.servicebus.windows.net",
        )
    )
    try:
        assert isinstance(transport, ServiceBusTransport)
    finally:
        if isinstance(transport, ServiceBusTransport):
            transport.close()
