"""The unit of work: one transaction per invocation, opened for a principal.

It sets the firm (and the acting user) with transaction-local settings at the start of every
transaction it runs (an `after_begin` session event, on the new transaction's own connection), so
row-level security filters everything in it, also work that goes on after a commit; it rolls back
unless committed; and it writes the events and job commands collected during the work to the outbox
in the same commit. Audit records appended during the work (shared.audit_log) are written just before
the COMMIT, after the work's own statements, so the firm's audit chain is locked only for that moment.
A commit that ends the request opens nothing new: no BEGIN, settings or ROLLBACK follow it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Session, SessionTransaction

from shared import context as current
from shared.db.engine import get_session_factory

if TYPE_CHECKING:
    from shared.auth.principal import Principal
    from shared.bus.envelope import Envelope
    from shared.bus.events import Command, Event


class UnitOfWork:
    """Use as a context manager; only `commit()` makes anything permanent."""

    def __init__(
        self,
        *,
        firm_id: uuid.UUID | None = None,
        user_id: uuid.UUID | None = None,
        system: bool = False,
        correlation_id: str | None = None,
        session_factory: Callable[[], Session] | None = None,
    ) -> None:
        self.firm_id = firm_id
        self.user_id = user_id
        self.system = system
        self.correlation_id = correlation_id or current.correlation_id.get()
        self._session_factory = session_factory
        self._pending: list[tuple[str, str, Envelope]] = []
        self._session: Session | None = None
        # The transaction whose connection last received the settings (see _on_begin, switch_firm).
        self._scoped: SessionTransaction | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    def __enter__(self) -> UnitOfWork:
        factory = self._session_factory or get_session_factory()
        self._session = factory()
        # The settings go with each transaction as it begins (the first statement, or the first after a
        # commit), in the same round trip sequence as that statement: nothing is sent before it is needed.
        event.listen(self._session, "after_begin", self._on_begin)
        self._session.begin()
        return self

    _CONTEXT = text(
        "SELECT set_config('aura.firm_id', :firm, true), set_config('aura.user_id', :user, true), "
        "set_config('aura.system', :system, true)"
    )

    def _context_parameters(self) -> dict[str, str]:
        return {
            "firm": str(self.firm_id) if self.firm_id else "",
            "user": str(self.user_id) if self.user_id else "",
            "system": "on" if self.system else "",
        }

    def _on_begin(self, session: Session, transaction: SessionTransaction, connection: Connection) -> None:
        """A transaction of this unit of work began on `connection`: scope it to the firm and user first.
        A savepoint runs inside a transaction that has them already."""
        if not transaction.nested:
            connection.execute(self._CONTEXT, self._context_parameters())
            self._scoped = transaction

    def _apply_context(self) -> None:
        """Scope the transaction to the current firm and user: now, if it has begun on its connection;
        if not, _on_begin does it as it begins (its first statement), with the same values, once."""
        if self._scoped is not None and self._scoped is self.session.get_transaction():
            self.session.execute(self._CONTEXT, self._context_parameters())

    def switch_firm(self, firm_id: uuid.UUID) -> None:
        """Enter a firm found by a pre-firm look-up (login, a token link); only from no firm.

        The settings are sent once: now, in a transaction already begun; otherwise as the transaction
        begins, with the caller's first statement, so row-level security holds from that statement on."""
        if self.firm_id == firm_id:
            return  # in it already: the transaction has its settings, or gets them as it begins
        if self.firm_id is not None:
            raise RuntimeError("a unit of work cannot move from one firm to another")
        # Records appended before the switch belong to the platform chain: written now, while it is this
        # session's chain (shared.audit_log writes a transaction's records as it commits; with none pending
        # this sends nothing, and if it sends them the transaction has begun, so the settings follow now).
        from shared import audit_log

        audit_log.write_pending(self)
        self.firm_id = firm_id
        self._apply_context()

    def publish(self, event: Event, *, actor: str | None = None) -> Envelope:
        """Queue a typed event (shared.bus.events) for the topic, committed with the work."""
        return self.add_event(event.type, event.to_payload(), actor=actor)

    def send(self, command: Command, *, actor: str | None = None) -> Envelope:
        """Queue a typed job command (shared.bus.events) for the jobs queue, committed with the work."""
        return self.add_command(command.type, command.to_payload(), actor=actor)

    def add_event(self, event_type: str, payload: dict[str, Any], *, actor: str | None = None) -> Envelope:
        """Queue an event for the topic; it reaches the outbox only if this unit of work commits.

        The untyped form, for the bus's own tests; capabilities publish the models of shared.bus.events."""
        from shared.bus.envelope import make_envelope
        from shared.settings import get_settings

        envelope = make_envelope(self, event_type, payload, actor=actor)
        self._pending.append(("event", get_settings().events_topic, envelope))
        return envelope

    def add_command(self, command: str, payload: dict[str, Any], *, actor: str | None = None) -> Envelope:
        """Queue a job command for the jobs queue, committed with the work (untyped, like add_event)."""
        from shared.bus.envelope import make_envelope
        from shared.settings import get_settings

        envelope = make_envelope(self, command, payload, actor=actor)
        self._pending.append(("command", get_settings().jobs_queue, envelope))
        return envelope

    def flush_outbox(self) -> None:
        from shared.bus.outbox import write_outbox

        if self._pending:
            write_outbox(self.session, self._pending)
            self._pending.clear()

    def commit(self) -> None:
        self.flush_outbox()
        self.session.commit()
        # A committed unit of work may go on (e.g. to record a failed login and then refuse it): its next
        # statement begins a new transaction, and _on_begin scopes that one to the firm and user too.

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed without expiring loaded objects, so
        # results read inside the block stay usable after it.
        try:
            self.session.close()
        finally:
            self._session = None
            self._scoped = None


def unit_of_work(principal: Principal | None = None, *, correlation_id: str | None = None) -> UnitOfWork:
    """A unit of work in the principal's firm as the principal's user; with no principal, in no firm (sees
    no firm rows). Whether the principal's session is open and its user still active with the token's roles
    was checked as the token was accepted (shared.auth.sessions, cached for a few seconds)."""
    if principal is None:
        return UnitOfWork(correlation_id=correlation_id)
    return UnitOfWork(firm_id=principal.firm_id, user_id=principal.user_id, correlation_id=correlation_id)
