"""Transports carry published outbox rows to the broker: Service Bus in Azure.

On the local host there is no broker; the host itself plays Service Bus (aura_local.delivery), and the
relay timer in the app has nothing to do.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import TYPE_CHECKING, Any, Protocol

from shared.settings import Settings, get_settings

if TYPE_CHECKING:
    from shared.bus.outbox import OutgoingMessage


def broker_properties(message_type: str, body: dict[str, Any]) -> dict[str, str]:
    """The application properties a message carries on the broker (subscription filters match `type`);
    the local host builds its trigger messages with the same ones."""
    return {"type": message_type, "firm_id": str(body.get("firm_id") or "")}


class Transport(Protocol):
    def send(self, message: OutgoingMessage) -> None: ...


class ServiceBusTransport:
    """Publishes with the azure-servicebus SDK: message_id is the outbox id, so Service Bus
    duplicate detection drops a row the relay sends twice; `subject` and the `type` property carry
    the event type for subscription filters."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._senders: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_namespace(cls, fully_qualified_namespace: str) -> ServiceBusTransport:
        from azure.identity import DefaultAzureCredential
        from azure.servicebus import ServiceBusClient

        return cls(ServiceBusClient(fully_qualified_namespace, credential=DefaultAzureCredential()))

    def _sender(self, kind: str, destination: str) -> Any:
        with self._lock:
            key = (kind, destination)
            if key not in self._senders:
                if kind == "event":
                    self._senders[key] = self._client.get_topic_sender(topic_name=destination)
                else:
                    self._senders[key] = self._client.get_queue_sender(queue_name=destination)
            return self._senders[key]

    def send(self, message: OutgoingMessage) -> None:
        from azure.servicebus import ServiceBusMessage

        body = message.body
        properties: dict[str | bytes, Any] = dict(broker_properties(message.message_type, body).items())
        sb_message = ServiceBusMessage(
            json.dumps(body, separators=(",", ":")),
            message_id=message.message_id,
            content_type="application/json",
            subject=message.message_type,
            correlation_id=body.get("correlation_id"),
            application_properties=properties,
        )
        self._sender(message.kind, message.destination).send_messages(sb_message)

    def close(self) -> None:
        for sender in self._senders.values():
            sender.close()
        self._client.close()


def build_transport(settings: Settings) -> Transport | None:
    """The Service Bus transport in Azure; None locally, where the local host relays itself."""
    if settings.bus_transport == "servicebus":
        return ServiceBusTransport.from_namespace(settings.servicebus_namespace)
    return None


@functools.cache
def get_transport() -> Transport | None:
    return build_transport(get_settings())
