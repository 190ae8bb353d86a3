"""The append-only, hash-chained audit log.

Each firm has its own chain (and the platform one for events outside any firm). A record's hash covers
its content and the previous record's hash, so changing or removing any record breaks every link
after it; `verify` walks a chain and names the first broken link. Appends to one chain serialize on a
transaction-scoped advisory lock taken by aura_audit_head(). The table refuses UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text

from shared.db.models import AuditRecord
from shared.db.uow import UnitOfWork

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"


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
        "occurred_at": datetime.now(UTC),
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


def verify(uow: UnitOfWork, *, batch_size: int = 5000) -> Verification:
    """Walk the unit of work's chain in order and report the first record that does not link."""
    chain = str(uow.firm_id) if uow.firm_id else PLATFORM_CHAIN
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
            expected_prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
            last_seq = row.chain_seq
