"""The append-only, hash-chained audit log.

Each firm has its own chain (and the platform one for events outside any firm). A record's hash covers
its content and the previous record's hash, so changing or removing any record breaks every link
after it; `verify` walks a chain and names the first broken link. Appends to one chain serialize on a
transaction-scoped advisory lock taken by aura_audit_head(), held until the transaction ends; so a
transaction's appends are kept on its session and written together just before its COMMIT (after its
other statements), and the lock is held for the head look-up, one insert and the COMMIT, not for the
rest of the work. The table refuses UPDATE and DELETE.

A chain alone cannot show that its newest records were cut off: what is left still links. So every
commit that appends also asks, through a trigger on audit_log (migration 0013), for its chain's new head
to be anchored; `anchor_requested`, run by a timer every 5 seconds, copies each requested head to
write-once storage, so many appends between two runs cost one blob. `verify` checks the chain against
its anchors: an anchored record whose hash changed is a rewrite, and a chain that ends before its last
anchor has lost its tail, which the reason names.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ClauseElement, Executable, Table, TextClause, delete, event, insert, select, text, tuple_
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

from shared import clock
from shared.db.models import AuditAnchorRequest, AuditRecord
from shared.db.uow import UnitOfWork
from shared.storage import BlobExists, BlobStorage, get_storage

log = logging.getLogger(__name__)

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"
ANCHOR_CONTAINER = "audit-anchors"
_ANCHOR_NAME = re.compile(r"(?P<chain>[^/]+)/(?P<seq>[0-9]{16})-(?P<hash>[0-9a-f]{64})\.json")


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def record_hash(
    *,
    chain: str,
    chain_seq: int,
    occurred_at: datetime,
    actor_id: str | None,
    action: str,
    target_type: str | None,
    target_id: str | None,
    data: dict[str, Any],
    correlation_id: str | None,
    prev_hash: str,
) -> str:
    content = {
        "chain": chain,
        "chain_seq": chain_seq,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "data": data,
        "correlation_id": correlation_id,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(_canonical(content)).hexdigest()


_PENDING = "aura.audit_pending"
_TABLE = cast(Table, AuditRecord.__table__)
_INSERT = insert(_TABLE).inline()  # no RETURNING of the new id either
_HEAD = text(
    "SELECT h.chain_seq, h.hash, CAST(:data AS jsonb) AS data "
    "FROM (SELECT 1) AS one LEFT JOIN aura_audit_head(:chain) AS h ON true"
)


@dataclass(frozen=True)
class _Pending:
    """A record appended in a transaction and not yet written: everything but its place in the chain."""

    transaction: SessionTransaction
    chain: str
    firm_id: uuid.UUID | None
    actor_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    data: str
    correlation_id: str | None


def append(
    uow: UnitOfWork,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    actor_id: str | uuid.UUID | None = None,
) -> None:
    """Append a record to the unit of work's chain, written as its transaction commits.

    The chain's lock (aura_audit_head) is then held only for the head look-up, one insert of the
    transaction's records in call order, and the COMMIT. A rolled-back transaction or savepoint writes
    nothing of what was appended in it, and a read of the audit log in the same transaction writes the
    records first, so it sees them. `append_now` is for a caller that needs the record's place in the chain.
    """
    session = uow.session
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "before_commit", _before_commit)
        event.listen(session, "after_soft_rollback", _after_soft_rollback)
        event.listen(session, "do_orm_execute", _before_audit_log_statement)
    pending.append(
        _Pending(
            transaction=session.get_nested_transaction() or session.get_transaction() or session.begin(),
            chain=str(uow.firm_id) if uow.firm_id else PLATFORM_CHAIN,
            firm_id=uow.firm_id,
            actor_id=str(actor_id) if actor_id else (str(uow.user_id) if uow.user_id else None),
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            data=json.dumps(data or {}, default=str),
            correlation_id=uow.correlation_id,
        )
    )


def append_now(
    uow: UnitOfWork,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    actor_id: str | uuid.UUID | None = None,
) -> int:
    """Append and write at once, returning the record's sequence number in its chain (a QC waiver grant is
    dated by it against the engagement's back steps). The chain's lock is then held from here to the commit."""
    append(uow, action, target_type=target_type, target_id=target_id, data=data, actor_id=actor_id)
    seq = write_pending(uow)
    if seq is None:  # pragma: no cover - the record just appended is among those written
        raise RuntimeError(f"audit record {action} was not written")
    return seq


def write_pending(uow: UnitOfWork) -> int | None:
    """Write the records appended and not yet written (in call order); returns the last one's sequence
    number. The chain's lock is held from here to the end of the transaction."""
    return _write_pending(uow.session)


def _write_pending(session: Session) -> int | None:
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if not pending:
        return None
    entries = list(pending)
    pending.clear()  # before any statement: the do_orm_execute hook must not write them again
    seq = None
    start = 0
    while start < len(entries):
        end = start
        while end < len(entries) and entries[end].chain == entries[start].chain:
            end += 1
        seq = _write(session, entries[start:end])
        start = end
    return seq


def _write(session: Session, entries: list[_Pending]) -> int:
    """One chain's records: the head under the chain's lock (with the data as JSONB gives it back, in
    the same statement), then one insert."""
    chain = entries[0].chain
    head = session.execute(_HEAD, {"chain": chain, "data": "[" + ",".join(e.data for e in entries) + "]"}).one()
    prev_seq, prev_hash = (head.chain_seq, head.hash) if head.chain_seq is not None else (0, GENESIS)
    rows = []
    # Hash what JSONB gives back (numbers, key order, duplicates normalised by PostgreSQL itself).
    for entry, clean_data in zip(entries, head.data, strict=True):
        fields: dict[str, Any] = {
            "chain": chain,
            "chain_seq": prev_seq + 1,
            "occurred_at": clock.now(),
            "actor_id": entry.actor_id,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "data": clean_data,
            "correlation_id": entry.correlation_id,
            "prev_hash": prev_hash,
        }
        fields["hash"] = record_hash(**fields)
        rows.append({"firm_id": entry.firm_id, **fields})
        prev_seq, prev_hash = fields["chain_seq"], fields["hash"]
    # The table, not the ORM entity: no RETURNING, which the platform chain's SELECT policy would refuse
    # outside system scope. One statement, compiled once (several rows go as one multi-row VALUES, in order).
    session.execute(_INSERT, rows)
    return int(prev_seq)


def _before_commit(session: Session) -> None:
    """Just before COMMIT: the work's own statements first, outside the lock, then the records."""
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    session.flush()
    _write_pending(session)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    """Forget the records appended in a transaction or savepoint that rolled back (or one inside it)."""
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if pending:
        pending[:] = [
            entry
            for entry in pending
            if not any(t is previous_transaction for t in _self_and_parents(entry.transaction))
        ]


def _self_and_parents(transaction: SessionTransaction) -> Iterator[SessionTransaction]:
    current: SessionTransaction | None = transaction
    while current is not None:
        yield current
        current = current.parent


def _before_audit_log_statement(state: ORMExecuteState) -> None:
    """A statement about the audit log in a transaction with records pending: write them first."""
    if state.session.info.get(_PENDING) and _touches_audit_log(state.statement):
        _write_pending(state.session)


def _touches_audit_log(statement: Executable) -> bool:
    if isinstance(statement, TextClause):
        return "audit_log" in statement.text or "aura_audit_heads" in statement.text
    if not isinstance(statement, ClauseElement):
        return False
    found = find_tables(statement, check_columns=True, include_aliases=True, include_joins=True, include_crud=True)
    return any(t is _TABLE for t in found)


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


def anchor_name(chain: str, chain_seq: int, record_hash: str) -> str:
    """The anchor is its name: zero-padded sequence number (names sort by it) and the record's hash, so
    every anchor of a chain is read with one listing, without fetching each blob."""
    return f"{chain}/{chain_seq:016d}-{record_hash}.json"


def _write_anchor(store: BlobStorage, *, chain: str, chain_seq: int, record_hash: str, anchored_at: str) -> bool:
    """One immutable blob naming the head; False when that exact head was anchored already."""
    document = {"chain": chain, "chain_seq": int(chain_seq), "hash": record_hash, "anchored_at": anchored_at}
    try:
        store.put_immutable(
            ANCHOR_CONTAINER,
            anchor_name(chain, chain_seq, record_hash),
            json.dumps(document, sort_keys=True).encode(),
            content_type="application/json",
        )
    except BlobExists:
        return False
    return True


def anchor_heads(uow: UnitOfWork, storage: BlobStorage | None = None) -> int:
    """Copy every chain's newest record to write-once storage; returns how many anchors were new."""
    store = storage if storage is not None else get_storage()
    heads = uow.session.execute(text("SELECT chain, chain_seq, hash FROM aura_audit_heads()")).all()
    anchored_at = clock.now().isoformat(timespec="microseconds")
    return sum(
        _write_anchor(store, chain=head.chain, chain_seq=head.chain_seq, record_hash=head.hash, anchored_at=anchored_at)
        for head in heads
    )


def anchor_requested(uow: UnitOfWork, storage: BlobStorage | None = None, *, batch_size: int = 500) -> int:
    """Anchor every head that commits asked for since the last run; returns how many anchors were new.

    Runs in system scope and commits once per batch. No lock is held while blobs are written, so
    appends never wait on storage; a request is deleted only if its head has not moved since it was read
    (a newer append keeps it for the next run), and a run that fails part-way leaves the rest requested.
    Batches follow (requested_at, chain), so a run ends even while chains keep moving.
    """
    store = storage if storage is not None else get_storage()
    written = 0
    after: tuple[datetime, str] | None = None
    while True:
        query = select(
            AuditAnchorRequest.chain,
            AuditAnchorRequest.chain_seq,
            AuditAnchorRequest.hash,
            AuditAnchorRequest.requested_at,
        )
        if after is not None:
            query = query.where(tuple_(AuditAnchorRequest.requested_at, AuditAnchorRequest.chain) > after)
        requests = uow.session.execute(
            query.order_by(AuditAnchorRequest.requested_at, AuditAnchorRequest.chain).limit(batch_size)
        ).all()
        written += _anchor_batch(uow, store, requests)
        if len(requests) < batch_size:
            return written
        after = (requests[-1].requested_at, requests[-1].chain)


def _anchor_batch(uow: UnitOfWork, store: BlobStorage, requests: Sequence[Any]) -> int:
    anchored_at = clock.now().isoformat(timespec="microseconds")
    written, done = 0, []
    try:
        for request in requests:
            written += _write_anchor(
                store,
                chain=request.chain,
                chain_seq=request.chain_seq,
                record_hash=request.hash,
                anchored_at=anchored_at,
            )
            done.append((request.chain, request.chain_seq))
    finally:
        # One statement after the blobs: the rows it locks are held for the commit only.
        if done:
            uow.session.execute(
                delete(AuditAnchorRequest).where(
                    tuple_(AuditAnchorRequest.chain, AuditAnchorRequest.chain_seq).in_(done)
                )
            )
        uow.commit()
    return written


def chain_anchors(chain: str, storage: BlobStorage | None = None) -> dict[int, set[str]]:
    """Every anchored (sequence number -> hashes) of a chain; more than one hash for a number means the
    chain was rewritten and anchored again, which verification reports."""
    store = storage if storage is not None else get_storage()
    anchors: dict[int, set[str]] = {}
    for blob in store.list(ANCHOR_CONTAINER, prefix=f"{chain}/"):
        match = _ANCHOR_NAME.fullmatch(blob.name)
        if match and match["chain"] == chain:
            anchors.setdefault(int(match["seq"]), set()).add(match["hash"])
    return anchors


def verify(uow: UnitOfWork, *, batch_size: int = 5000, storage: BlobStorage | None = None) -> Verification:
    """Walk the unit of work's chain in order and report the first record that does not link.

    Every anchor of the chain is listed before the walk (records appended and anchored while it runs
    then cannot look like a truncation) and each anchored record must still carry its anchored hash, so
    a chain cut back and grown again past an old anchor is caught as well. A chain that ends before its
    last anchor is reported from its first missing record, with the whole missing range.
    """
    chain = str(uow.firm_id) if uow.firm_id else PLATFORM_CHAIN
    store = storage if storage is not None else get_storage()
    anchors = chain_anchors(chain, store)
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = uow.session.scalars(
            select(AuditRecord)
            .where(AuditRecord.chain == chain, AuditRecord.chain_seq > last_seq)
            .order_by(AuditRecord.chain_seq)
            .limit(batch_size)
        ).all()
        if not rows:
            anchored = max(anchors, default=0)
            if anchored > last_seq:
                reason = _missing_tail(chain, last_seq, anchored, anchors[anchored], store)
                log.error("audit chain %s: %s", chain, reason)
                return Verification(False, checked, last_seq + 1, reason)
            return Verification(ok=True, checked=checked)
        for row in rows:
            if row.chain_seq != expected_seq:
                return Verification(False, checked, expected_seq, "record missing from the chain")
            if row.prev_hash != expected_prev:
                return Verification(False, checked, row.chain_seq, "previous-hash link does not match")
            recomputed = record_hash(
                chain=row.chain,
                chain_seq=row.chain_seq,
                occurred_at=row.occurred_at,
                actor_id=row.actor_id,
                action=row.action,
                target_type=row.target_type,
                target_id=row.target_id,
                data=row.data,
                correlation_id=row.correlation_id,
                prev_hash=row.prev_hash,
            )
            if recomputed != row.hash:
                return Verification(False, checked, row.chain_seq, "content does not match its hash")
            if row.chain_seq in anchors and anchors[row.chain_seq] != {row.hash}:
                return Verification(
                    False,
                    checked,
                    row.chain_seq,
                    f"record {row.chain_seq} differs from its anchor: the chain has been rewritten",
                )
            expected_prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
            last_seq = row.chain_seq


def _missing_tail(chain: str, last_seq: int, anchored: int, hashes: set[str], store: BlobStorage) -> str:
    """The reason for a chain cut short: which records are gone, and when the last anchor saw them."""
    first = last_seq + 1
    missing = f"record {first} is missing" if first == anchored else f"records {first}..{anchored} are missing"
    ends = f"the chain ends at {last_seq}" if last_seq else "the chain is empty"
    when = ""
    try:
        document = json.loads(store.get(ANCHOR_CONTAINER, anchor_name(chain, anchored, min(hashes))))
        when = f" at {document['anchored_at']}"
    except (KeyError, ValueError, TypeError):
        log.warning("audit anchor %d of chain %s could not be read for its time", anchored, chain)
    return f"{missing}: {ends} but was anchored at {anchored}{when}"
