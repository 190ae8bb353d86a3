"""The append-only, hash-chained audit log.

Each firm has its own chain (and the platform one for events outside any firm). A record's hash covers
its content and the previous record's hash, so changing or removing any record breaks every link
after it; `verify` walks a chain and names the first broken link. Appends to one chain serialize on a
transaction-scoped advisory lock taken by aura_audit_head(). The table refuses UPDATE and DELETE.

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, text, tuple_

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


def append(
    uow: UnitOfWork,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    actor_id: str | uuid.UUID | None = None,
) -> int:
    """Append a record to the unit of work's chain; returns its sequence number in the chain."""
    chain = str(uow.firm_id) if uow.firm_id else PLATFORM_CHAIN
    head = uow.session.execute(text("SELECT chain_seq, hash FROM aura_audit_head(:chain)"), {"chain": chain}).first()
    prev_seq, prev_hash = (head.chain_seq, head.hash) if head else (0, GENESIS)
    # Hash what JSONB will give back (numbers, key order, duplicates normalised by PostgreSQL itself).
    clean_data = uow.session.execute(
        text("SELECT CAST(:data AS jsonb)"), {"data": json.dumps(data or {}, default=str)}
    ).scalar_one()
    actor = str(actor_id) if actor_id else (str(uow.user_id) if uow.user_id else None)
    fields: dict[str, Any] = {
        "chain": chain,
        "chain_seq": prev_seq + 1,
        "occurred_at": clock.now(),
        "actor_id": actor,
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id) if target_id is not None else None,
        "data": clean_data,
        "correlation_id": uow.correlation_id,
        "prev_hash": prev_hash,
    }
    fields["hash"] = record_hash(**fields)
    # inline(): no RETURNING, which the platform chain's SELECT policy would refuse outside system scope.
    uow.session.execute(insert(AuditRecord).values(firm_id=uow.firm_id, **fields).inline())
    return int(fields["chain_seq"])


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
