"""Service Bus, played by the local host.

The relay publishes committed outbox rows through `LocalTransport`, which turns each into one
`local_deliveries` row per receiving function, as Service Bus would copy a message into a queue or
into every subscription whose filter takes it. `Dispatcher` then delivers due rows with peek-lock
semantics: a claim increments the delivery count and hides the row for a lock duration; a success
completes it; a failure schedules a retry with exponential backoff (and stamps `finished_at` on the
attempt); the tenth failure dead-letters it. Functions are called outside any transaction, exactly as
the Functions host calls them.

A delivery in progress is also leased: the host holds a PostgreSQL advisory lock on it, on a connection
of its own, until the outcome is written. A host killed mid-delivery (kill -9) leaves its row locked for
the lock duration, but its leases end with its connection, so the next host to start sees at once that
no live process works on the row and makes it due again (`release_abandoned`), instead of waiting out
the lock. A delivery another live host is working on keeps its lease and is left alone, as the Functions
host's automatic lock renewal keeps a message with the receiver still running it.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import azure.functions as func
from azure.functions import _abc as func_abc
from azure.functions.servicebus import ServiceBusMessage as TriggerServiceBusMessage
from sqlalchemy import Connection, Engine, create_engine, select, text, update
from sqlalchemy import func as sql_func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from shared import clock
from shared.bus.consumer import SUBSCRIPTION_FILTERS
from shared.bus.outbox import OutgoingMessage, relay_pending
from shared.bus.transport import broker_properties
from shared.db.engine import get_session_factory
from shared.db.models import LocalDelivery, OutboxMessage
from shared.db.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_DELIVERY_COUNT = 10  # Service Bus's default MaxDeliveryCount
LOCK_SECONDS = 60.0  # Service Bus's default lock duration
MAX_ERROR_CHARS = 2000

# A delivery's lease is the advisory lock on this key; the prefix keeps it apart from the app's own locks.
_TAKE_LEASE = text("SELECT pg_try_advisory_lock(hashtextextended('aura_local_delivery:' || :id, 0))")
_END_LEASE = text("SELECT pg_advisory_unlock(hashtextextended('aura_local_delivery:' || :id, 0))")
# Claimed, never settled, still locked, and no live session holds its lease (the try succeeds, and ends
# with this transaction): its receiver is gone.
_RELEASE_ABANDONED = text(
    "UPDATE local_deliveries SET next_attempt_at = :now WHERE id IN ("
    "  SELECT id FROM local_deliveries WHERE status = :pending AND delivery_count > 0"
    "  AND finished_at IS NULL AND next_attempt_at > :now AND function_name = ANY(:functions)"
    "  FOR UPDATE SKIP LOCKED"
    ") AND pg_try_advisory_xact_lock(hashtextextended('aura_local_delivery:' || id, 0)) RETURNING id"
)

PENDING = "pending"
DELIVERED = "delivered"
DEAD_LETTERED = "dead_lettered"


def utcnow() -> datetime:
    return clock.now()


# --- the app's functions, as the host sees them ------------------------------------------------------


class _TraceContext(func_abc.TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(func_abc.RetryContext):
    def __init__(self, retry_count: int, max_retry_count: int) -> None:
        self._retry_count = retry_count
        self._max_retry_count = max_retry_count

    @property
    def retry_count(self) -> int:
        return self._retry_count

    @property
    def max_retry_count(self) -> int:
        return self._max_retry_count

    @property
    def exception(self) -> func_abc.RpcException:
        raise AttributeError("the local host records no exception for a retry")


class InvocationContext(func.Context):
    """The `context` argument for functions that declare one, as the Python worker passes it."""

    def __init__(self, function_name: str, *, retry_count: int = 0, max_retry_count: int = 0) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name
        self._local = threading.local()
        self._local.invocation_id = self._invocation_id
        self._retry = _RetryContext(retry_count, max_retry_count)

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return ""

    @property
    def trace_context(self) -> func_abc.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> func_abc.RetryContext:
        return self._retry


@dataclass(frozen=True)
class BoundFunction:
    """One function of the app: its name, trigger binding (the dict the host indexes) and callable."""

    name: str
    trigger: Mapping[str, Any]
    user_function: Callable[..., Any]
    wants_context: bool = False

    @property
    def trigger_type(self) -> str:
        return str(self.trigger.get("type", ""))

    @property
    def arg_name(self) -> str:
        return str(self.trigger.get("name") or "req")

    def invoke(self, value: Any, *, retry_count: int = 0, max_retry_count: int = 0) -> Any:
        """Call the function with its trigger argument (and `context`), as the Python worker does."""
        kwargs: dict[str, Any] = {self.arg_name: value}
        if self.wants_context:
            kwargs["context"] = InvocationContext(self.name, retry_count=retry_count, max_retry_count=max_retry_count)
        result = self.user_function(**kwargs)
        if inspect.iscoroutine(result):
            # Called from a worker thread, which has no running event loop.
            result = asyncio.run(_awaited(result))
        return result


async def _awaited(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return await coroutine


def bind_functions(functions: Iterable[func.Function]) -> tuple[BoundFunction, ...]:
    """Describe the app's functions; pass the result of `app.get_functions()`, which may run only once."""
    bound: list[BoundFunction] = []
    for function in functions:
        trigger = function.get_trigger()
        name = function.get_function_name()
        if trigger is None:
            log.warning("function %s has no trigger; the local host ignores it", name)
            continue
        user_function = function.get_user_function()
        trigger_dict = trigger.get_dict_repr()
        name = name or str(getattr(user_function, "__name__", "function"))
        arg_name = str(trigger_dict.get("name") or "")
        parameters: Mapping[str, inspect.Parameter]
        try:
            parameters = inspect.signature(user_function).parameters
        except (TypeError, ValueError):
            parameters = {}
        unprovided = [
            parameter
            for parameter in parameters.values()
            if parameter.name not in (arg_name, "context")
            and parameter.default is inspect.Parameter.empty
            and parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        if unprovided:
            log.warning(
                "function %s takes bindings the local host does not provide: %s",
                name,
                ", ".join(parameter.name for parameter in unprovided),
            )
        bound.append(BoundFunction(name, trigger_dict, user_function, wants_context="context" in parameters))
    return tuple(bound)


# --- routes: which function receives what --------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    topic: str
    subscription: str
    function: BoundFunction

    @property
    def entity(self) -> str:
        return f"{self.topic}/subscriptions/{self.subscription}"

    def takes(self, message_type: str) -> bool:
        """The subscription's filter; a subscription without a registered filter takes every message."""
        wanted = SUBSCRIPTION_FILTERS.get(self.subscription)
        return wanted is None or message_type in wanted


@dataclass(frozen=True)
class BusRoutes:
    """The queues and topic subscriptions the app's Service Bus triggers listen on."""

    queues: Mapping[str, BoundFunction]
    subscriptions: tuple[Subscription, ...]

    @classmethod
    def from_functions(cls, functions: Iterable[BoundFunction]) -> BusRoutes:
        queues: dict[str, BoundFunction] = {}
        subscriptions: list[Subscription] = []
        for function in functions:
            if function.trigger_type != "serviceBusTrigger":
                continue
            queue = function.trigger.get("queueName")
            topic = function.trigger.get("topicName")
            if queue:
                if queue in queues:
                    # Competing consumers on one queue: locally the first one takes every message.
                    log.warning(
                        "queue %s: %s and %s both listen; the local host delivers to %s only",
                        queue,
                        queues[queue].name,
                        function.name,
                        queues[queue].name,
                    )
                    continue
                queues[str(queue)] = function
            elif topic:
                subscription = str(function.trigger.get("subscriptionName") or "")
                twin = next((s for s in subscriptions if (s.topic, s.subscription) == (topic, subscription)), None)
                if twin is not None:
                    # Locally each function gets its own copy; in Azure they would compete for messages.
                    log.warning(
                        "%s/subscriptions/%s: %s and %s both listen; in Azure each message reaches only one of them",
                        topic,
                        subscription,
                        twin.function.name,
                        function.name,
                    )
                subscriptions.append(Subscription(str(topic), subscription, function))
        return cls(queues, tuple(subscriptions))

    @property
    def functions(self) -> dict[str, BoundFunction]:
        by_name = {function.name: function for function in self.queues.values()}
        by_name.update((subscription.function.name, subscription.function) for subscription in self.subscriptions)
        return by_name

    def receivers(self, message: OutgoingMessage) -> list[tuple[str, BoundFunction]]:
        """(entity, function) pairs receiving `message`: one for a command, one per matching subscription."""
        if message.kind == "command":
            function = self.queues.get(message.destination)
            return [(message.destination, function)] if function else []
        if message.kind == "event":
            return [
                (subscription.entity, subscription.function)
                for subscription in self.subscriptions
                if subscription.topic == message.destination and subscription.takes(message.message_type)
            ]
        log.warning("message %s has an unknown kind %r; dropped", message.message_id, message.kind)
        return []


# --- the transport the relay publishes through -----------------------------------------------------------


class LocalTransport:
    """Transport that enqueues into local_deliveries.

    With a session (the relay's), the rows commit together with the outbox rows being marked published.
    ON CONFLICT DO NOTHING plays Service Bus duplicate detection: a row the relay sends twice lands once.
    """

    def __init__(self, routes: BusRoutes, session: Session | None = None) -> None:
        self._routes = routes
        self._session = session

    def send(self, message: OutgoingMessage) -> None:
        receivers = self._routes.receivers(message)
        if not receivers:
            log.debug("message %s (%s) has no receiver here; dropped", message.message_id, message.message_type)
            return
        statement = (
            pg_insert(LocalDelivery)
            .values(
                [
                    {
                        "message_id": message.message_id,
                        "entity": entity,
                        "function_name": function.name,
                        "message_type": message.message_type,
                        "body": message.body,
                    }
                    for entity, function in receivers
                ]
            )
            .on_conflict_do_nothing(index_elements=["message_id", "function_name"])
        )
        if self._session is not None:
            self._session.execute(statement)
            return
        with UnitOfWork(system=True) as uow:
            uow.session.execute(statement)
            uow.commit()


# --- delivery -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A delivery locked for one attempt."""

    id: int
    message_id: str
    entity: str
    function_name: str
    message_type: str
    body: dict[str, Any]
    delivery_count: int
    created_at: datetime
    locked_until: datetime


@dataclass(frozen=True)
class DeadLetter:
    """A dead-lettered delivery, as `aura bus dead-letters` lists it."""

    id: int
    message_id: str
    entity: str
    function_name: str
    message_type: str
    delivery_count: int
    last_error: str | None
    created_at: datetime


def _ensure_system_scope(session: Session) -> None:
    scope = session.execute(text("SELECT current_setting('aura.system', true)")).scalar()
    if scope != "on":
        raise RuntimeError("local deliveries are visible only in system scope: use UnitOfWork(system=True)")


def dead_letters(session: Session) -> list[DeadLetter]:
    """The dead-lettered deliveries, oldest first; `session` must be in system scope."""
    _ensure_system_scope(session)
    rows = session.execute(
        select(
            LocalDelivery.id,
            LocalDelivery.message_id,
            LocalDelivery.entity,
            LocalDelivery.function_name,
            LocalDelivery.message_type,
            LocalDelivery.delivery_count,
            LocalDelivery.last_error,
            LocalDelivery.created_at,
        )
        .where(LocalDelivery.status == DEAD_LETTERED)
        .order_by(LocalDelivery.id)
    ).all()
    return [DeadLetter(*row) for row in rows]


def error_text(exc: BaseException) -> str:
    """What is kept of a failure: the exception type and message, never the message body."""
    message = str(exc)
    described = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return described[:MAX_ERROR_CHARS]


def trigger_message(claim: Claim) -> func.ServiceBusMessage:
    """The ServiceBusMessage the Python worker would build for this delivery."""
    body = claim.body
    correlation_id = body.get("correlation_id")
    properties = broker_properties(claim.message_type, body)
    return TriggerServiceBusMessage(
        body=json.dumps(body, separators=(",", ":")).encode(),
        message_id=claim.message_id,
        delivery_count=claim.delivery_count,
        content_type="application/json",
        correlation_id=correlation_id if isinstance(correlation_id, str) else None,
        subject=claim.message_type,
        label=claim.message_type,
        application_properties=dict(properties),
        user_properties=dict(properties),
        enqueued_time_utc=claim.created_at,
        locked_until=claim.locked_until,
        lock_token=str(uuid.uuid4()),
        sequence_number=claim.id,
        trigger_metadata={},
    )


class Leases:
    """Advisory locks on the deliveries this host is running, held on one autocommit connection of their own.

    PostgreSQL ends a session's advisory locks when its connection goes, so a lease outlives nothing: a
    lease nobody holds on a claimed row means its receiver's process is gone. Locks stack per session, so
    one host may take a lease again (a redelivery of its own); each take is matched by one release.
    """

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def _connected(self) -> Connection:
        if self._connection is None or self._connection.closed:
            # A connection of its own, outside the app's pool: a lease must not take a connection from requests.
            own = create_engine(self._engine().url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
            self._connection = own.connect()
        return self._connection

    def _drop(self) -> None:
        """Forget a connection that failed; closing it ends whatever leases it held, as a crash would."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
            except Exception:  # noqa: S110 - the connection is already broken
                log.debug("closing the lease connection failed", exc_info=True)

    def take(self, delivery_id: int) -> bool:
        """Lease a delivery; False when another live session holds it."""
        with self._lock:
            try:
                taken = self._connected().execute(_TAKE_LEASE, {"id": delivery_id}).scalar()
            except Exception:
                self._drop()
                raise
        return bool(taken)

    def release(self, delivery_id: int) -> None:
        """End a lease; on a failed connection the lease has ended with it."""
        with self._lock:
            if self._connection is None:
                return
            try:
                self._connection.execute(_END_LEASE, {"id": delivery_id})
            except Exception:
                log.warning("releasing the lease on delivery %d failed; the lease connection is reset", delivery_id)
                self._drop()

    def close(self) -> None:
        """End every lease: the connection is discarded, never returned to the pool with locks on it."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate()
            connection.close()


class Dispatcher:
    """Relays the outbox and delivers due messages to the app's Service Bus triggers."""

    def __init__(
        self,
        routes: BusRoutes,
        *,
        max_delivery_count: int = MAX_DELIVERY_COUNT,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        lock_seconds: float = LOCK_SECONDS,
        batch_size: int = 16,
        session_factory: Callable[[], Session] | None = None,
    ) -> None:
        if max_delivery_count < 1:
            raise ValueError("max_delivery_count must be at least 1")
        self.routes = routes
        self.max_delivery_count = max_delivery_count
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.lock_seconds = lock_seconds
        self.batch_size = batch_size
        self._session_factory = session_factory
        self._functions = routes.functions
        self.leases = Leases(self._engine)

    def _engine(self) -> Engine:
        session = (self._session_factory or get_session_factory())()
        try:
            bind = session.get_bind()
        finally:
            session.close()
        return bind if isinstance(bind, Engine) else bind.engine

    @classmethod
    def for_functions(cls, functions: Sequence[BoundFunction], **options: Any) -> Dispatcher:
        return cls(BusRoutes.from_functions(functions), **options)

    def _system(self) -> UnitOfWork:
        return UnitOfWork(system=True, session_factory=self._session_factory)

    def backoff(self, delivery_count: int) -> float:
        """Seconds before the next attempt after `delivery_count` failed ones."""
        exponent = min(max(delivery_count - 1, 0), 62)
        return float(min(self.backoff_base * 2**exponent, self.backoff_cap))

    def relay_once(self) -> int:
        """Publish committed outbox rows into local_deliveries; returns how many rows were published."""
        with self._system() as uow:
            published = relay_pending(uow.session, LocalTransport(self.routes, uow.session))
            uow.commit()
        return published

    def claim_due(self) -> list[Claim]:
        """Lock due deliveries for this host's functions, as a Service Bus receiver peek-locks."""
        if not self._functions:
            return []
        now = utcnow()
        locked_until = now + timedelta(seconds=self.lock_seconds)
        with self._system() as uow:
            rows = uow.session.scalars(
                select(LocalDelivery)
                .where(
                    LocalDelivery.status == PENDING,
                    LocalDelivery.next_attempt_at <= now,
                    LocalDelivery.function_name.in_(sorted(self._functions)),
                )
                .order_by(LocalDelivery.next_attempt_at, LocalDelivery.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            claims = []
            leased: list[int] = []
            try:
                for row in rows:
                    # Leased before the claim commits, so no one ever sees the claim without its lease.
                    if not self.leases.take(row.id):
                        continue  # a live receiver elsewhere still runs it, past its lock (auto-renewal)
                    leased.append(row.id)
                    row.delivery_count += 1
                    row.next_attempt_at = locked_until
                    row.finished_at = None
                    claims.append(
                        Claim(
                            id=row.id,
                            message_id=row.message_id,
                            entity=row.entity,
                            function_name=row.function_name,
                            message_type=row.message_type,
                            body=row.body,
                            delivery_count=row.delivery_count,
                            created_at=row.created_at,
                            locked_until=locked_until,
                        )
                    )
                uow.commit()
            except BaseException:
                for delivery_id in leased:
                    self.leases.release(delivery_id)
                raise
        return claims

    def release_abandoned(self) -> list[int]:
        """Make due at once the deliveries locked by a receiver whose process is gone; returns their ids.

        A row claimed and not settled (pending, counted, no `finished_at`, its lock in the future) whose
        lease no live session holds was left by a host that died mid-delivery. Its delivery count stays
        as it is: the crashed attempt counts, as Service Bus counts a lock that expired.
        """
        if not self._functions:
            return []
        now = utcnow()
        with self._system() as uow:
            released = list(
                uow.session.scalars(
                    _RELEASE_ABANDONED,
                    {"now": now, "pending": PENDING, "functions": sorted(self._functions)},
                )
            )
            uow.commit()
        if released:
            log.warning("%d deliveries were locked by a host that is gone; delivering them again now", len(released))
        return released

    def deliver_once(self) -> int:
        """Deliver the messages due now; returns how many deliveries were attempted."""
        claims = self.claim_due()
        for claim in claims:
            self.deliver(claim)
        return len(claims)

    def deliver(self, claim: Claim) -> bool:
        """One attempt, outside any transaction; then complete, retry later or dead-letter."""
        function = self._functions[claim.function_name]
        try:
            function.invoke(
                trigger_message(claim),
                retry_count=claim.delivery_count - 1,
                max_retry_count=self.max_delivery_count - 1,
            )
        except Exception as exc:
            self._fail(claim, exc)
            return False
        self._settle(claim, status=DELIVERED, finished_at=utcnow())
        log.debug("message %s delivered to %s", claim.message_id, claim.function_name)
        return True

    def _fail(self, claim: Claim, exc: Exception) -> None:
        log.debug("delivery of message %s to %s failed", claim.message_id, claim.function_name, exc_info=True)
        if claim.delivery_count >= self.max_delivery_count:
            log.warning(
                "message %s dead-lettered for %s after %d deliveries (%s)",
                claim.message_id,
                claim.function_name,
                claim.delivery_count,
                type(exc).__name__,
            )
            self._settle(claim, status=DEAD_LETTERED, finished_at=utcnow(), last_error=error_text(exc))
            return
        delay = self.backoff(claim.delivery_count)
        log.warning(
            "delivery %d of message %s to %s failed (%s); retrying in %.3f s",
            claim.delivery_count,
            claim.message_id,
            claim.function_name,
            type(exc).__name__,
            delay,
        )
        now = utcnow()
        self._settle(
            claim,
            status=PENDING,
            next_attempt_at=now + timedelta(seconds=delay),
            last_error=error_text(exc),
            finished_at=now,  # the attempt ended: a retry waiting out its backoff, not a lock
        )

    def _settle(self, claim: Claim, **values: Any) -> None:
        """Apply an outcome, unless the lock expired and another receiver took the message meanwhile.

        The lease ends only after the outcome commits, so the row is never unleased while it looks claimed."""
        try:
            with self._system() as uow:
                # RETURNING, not rowcount: an ORM-enabled statement may report rowcount -1.
                settled = uow.session.execute(
                    update(LocalDelivery)
                    .where(
                        LocalDelivery.id == claim.id,
                        LocalDelivery.status == PENDING,
                        LocalDelivery.delivery_count == claim.delivery_count,
                    )
                    .values(**values)
                    .returning(LocalDelivery.id)
                ).first()
                uow.commit()
        finally:
            self.leases.release(claim.id)
        if not settled:
            log.warning("lock on message %s for %s was lost; outcome dropped", claim.message_id, claim.function_name)

    def seconds_until_due(self) -> float | None:
        """Seconds until the next delivery for this host is due (0: now); None when nothing is due soon.

        A delivery locked beyond the backoff cap is held by a receiver elsewhere and does not count.
        """
        with self._system() as uow:
            unpublished = uow.session.scalar(
                select(sql_func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
            )
            if unpublished:
                return 0.0
            if not self._functions:
                return None
            next_due = uow.session.scalar(
                select(sql_func.min(LocalDelivery.next_attempt_at)).where(
                    LocalDelivery.status == PENDING,
                    LocalDelivery.function_name.in_(sorted(self._functions)),
                )
            )
        if next_due is None:
            return None
        wait = (next_due - utcnow()).total_seconds()
        if wait > self.backoff_cap:
            return None
        return max(wait, 0.0)

    def run_until_idle(self, timeout: float = 10.0) -> int:
        """Relay and deliver until nothing is pending or due soon, or `timeout` seconds pass (tests).

        Returns how many deliveries were attempted.
        """
        deadline = time.monotonic() + timeout
        attempts = 0
        while time.monotonic() < deadline:
            relayed = self.relay_once()
            delivered = self.deliver_once()
            attempts += delivered
            if relayed or delivered:
                continue
            wait = self.seconds_until_due()
            if wait is None:
                return attempts
            time.sleep(min(max(wait, 0.001), 0.05, max(deadline - time.monotonic(), 0.0)))
        log.warning("run_until_idle: still busy after %.1f s", timeout)
        return attempts

    def dead_letters(self) -> list[DeadLetter]:
        with self._system() as uow:
            return dead_letters(uow.session)
