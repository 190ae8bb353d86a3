"""Audit-log anchors: chain heads copied to write-once storage, so cutting records off a chain is caught.

The attacker here is the database owner: in one transaction they switch the append-only trigger off
(ALTER TABLE ... DISABLE TRIGGER USER), delete or rewrite records, and switch it back on. Every test runs
against the local folder and against Azurite, through the same settings the app uses in Azure.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from shared import audit_log
from shared.db.models import AuditRecord
from shared.db.uow import UnitOfWork
from shared.settings import get_settings
from shared.storage import BlobExists, BlobStorage, LocalFolderStorage, get_storage
from tests.integration.azurite import azurite_blob
from tests.support import bare_firm, create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def anchored_at(firm_id: uuid.UUID, storage: BlobStorage, chain_seq: int) -> str:
    """When the anchor of `chain_seq` was written, as the truncation reason quotes it."""
    [name] = [n for n in anchors_of(firm_id, storage) if n.split("/")[1].startswith(f"{chain_seq:016d}-")]
    return str(json.loads(storage.get(audit_log.ANCHOR_CONTAINER, name))["anchored_at"])


@pytest.fixture(scope="module")
def azurite_connection_string() -> Iterator[str]:
    with azurite_blob() as conn:
        yield conn


@pytest.fixture(params=["local", "azurite"])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[BlobStorage]:
    """The app's own storage (what the endpoint and the timer use), a local folder or Azurite."""
    if request.param == "azurite":
        monkeypatch.setenv("AURA_STORAGE_BACKEND", "azure")
        monkeypatch.setenv("AURA_STORAGE_CONNECTION_STRING", request.getfixturevalue("azurite_connection_string"))
    get_settings.cache_clear()
    get_storage.cache_clear()
    try:
        yield get_storage()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        get_storage.cache_clear()


def append_records(firm_id: uuid.UUID, count: int) -> None:
    with UnitOfWork(firm_id=firm_id) as uow:
        for n in range(count):
            audit_log.append(uow, "test.recorded", target_type="thing", target_id=uuid.uuid4(), data={"n": n})
        uow.commit()


def anchor(storage: BlobStorage) -> int:
    with UnitOfWork(system=True) as uow:
        return audit_log.anchor_heads(uow, storage)


def verify(firm_id: uuid.UUID, storage: BlobStorage) -> audit_log.Verification:
    with UnitOfWork(firm_id=firm_id) as uow:
        return audit_log.verify(uow, storage=storage)


def anchors_of(firm_id: uuid.UUID, storage: BlobStorage) -> list[str]:
    return sorted(blob.name for blob in storage.list(audit_log.ANCHOR_CONTAINER, prefix=f"{firm_id}/"))


def anchored(firm_id: uuid.UUID, storage: BlobStorage) -> list[int]:
    """The anchored sequence numbers of a firm's chain, from the blob names."""
    return [int(name.split("/")[1].split("-")[0]) for name in anchors_of(firm_id, storage)]


def as_owner(owner_url: str, statement: str, params: tuple[Any, ...]) -> int:
    """Run one statement as the database owner with the append-only trigger off, then switch it back on."""
    with psycopg.connect(owner_url) as connection:
        connection.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        rowcount = connection.execute(statement, params).rowcount
        connection.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
    return rowcount


def truncate(owner_url: str, firm_id: uuid.UUID, *, after: int) -> int:
    return as_owner(owner_url, "DELETE FROM audit_log WHERE chain = %s AND chain_seq > %s", (str(firm_id), after))


# --- writing anchors ------------------------------------------------------------------------------------


def test_each_head_is_anchored_once_and_a_new_head_gets_a_new_anchor(storage: BlobStorage) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 3)

    assert anchor(storage) >= 1
    with UnitOfWork(firm_id=firm_id) as uow:
        head = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.chain == str(firm_id)).order_by(AuditRecord.chain_seq.desc())
        ).first()
    assert head is not None
    name = audit_log.anchor_name(str(firm_id), 3, head.hash)
    assert anchors_of(firm_id, storage) == [name]
    document = json.loads(storage.get(audit_log.ANCHOR_CONTAINER, name))
    assert {k: document[k] for k in ("chain", "chain_seq", "hash")} == {
        "chain": str(firm_id),
        "chain_seq": 3,
        "hash": head.hash,
    }
    assert document["anchored_at"]

    assert anchor(storage) == 0, "an unchanged head is not anchored again"

    append_records(firm_id, 2)
    assert anchor(storage) == 1, "only the chain that grew gets a new anchor"
    assert anchored(firm_id, storage) == [3, 5]
    assert verify(firm_id, storage) == audit_log.Verification(ok=True, checked=5)


def test_an_anchor_cannot_be_replaced(storage: BlobStorage) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 1)
    anchor(storage)
    with pytest.raises(BlobExists):
        storage.put_immutable(audit_log.ANCHOR_CONTAINER, anchors_of(firm_id, storage)[0], b"{}")


def test_a_chain_without_anchors_still_verifies(tmp_path: Any) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 2)
    assert verify(firm_id, LocalFolderStorage(tmp_path)) == audit_log.Verification(ok=True, checked=2)


def test_the_anchor_timer_anchors_every_head(storage: BlobStorage) -> None:
    from azure.functions.timer import TimerRequest

    from functions.platform.handlers import audit_anchor

    firm_id = bare_firm()
    append_records(firm_id, 2)
    audit_anchor(TimerRequest(past_due=False))
    assert anchored(firm_id, storage) == [2]


# --- what the anchors catch ---------------------------------------------------------------------------


def test_truncation_is_detected(storage: BlobStorage, owner_url: str) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 5)
    anchor(storage)
    assert verify(firm_id, storage).ok

    assert truncate(owner_url, firm_id, after=3) == 2
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"), psycopg.connect(owner_url) as c:
        c.execute("DELETE FROM audit_log WHERE chain = %s", (str(firm_id),))  # the trigger is back on

    result = verify(firm_id, storage)
    reason = (
        f"records 4..5 are missing: the chain ends at 3 but was anchored at 5 at {anchored_at(firm_id, storage, 5)}"
    )
    assert result == audit_log.Verification(False, 3, 4, reason)


def test_truncation_is_reported_over_http(storage: BlobStorage, owner_url: str) -> None:
    admin = create_firm("Truncated CPA")
    token = token_for(admin.email)
    append_records(admin.firm_id, 4)
    anchor(storage)
    with UnitOfWork(firm_id=admin.firm_id) as uow:
        head = uow.session.scalar(text("SELECT max(chain_seq) FROM audit_log"))
    assert head is not None and head >= 7
    assert request("GET", "audit-log/verification", token=token).json()["ok"] is True

    truncate(owner_url, admin.firm_id, after=head - 3)

    reply = request("GET", "audit-log/verification", token=token)
    assert reply.status == 200, reply.body
    assert reply.json() == {
        "ok": False,
        "checked": head - 3,
        "first_broken_seq": head - 2,
        "reason": (
            f"records {head - 2}..{head} are missing: the chain ends at {head - 3} "
            f"but was anchored at {head} at {anchored_at(admin.firm_id, storage, head)}"
        ),
    }


def test_a_rewritten_anchored_record_is_reported(storage: BlobStorage, owner_url: str) -> None:
    """The owner rewrites the anchored head and recomputes its hash: the chain links, the anchor does not."""
    firm_id = bare_firm()
    append_records(firm_id, 3)
    anchor(storage)
    with UnitOfWork(firm_id=firm_id) as uow:
        row = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.chain == str(firm_id), AuditRecord.chain_seq == 3)
        ).one()
        forged = audit_log.record_hash(
            chain=row.chain,
            chain_seq=row.chain_seq,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            action="test.forged",
            target_type=row.target_type,
            target_id=row.target_id,
            data=row.data,
            correlation_id=row.correlation_id,
            prev_hash=row.prev_hash,
        )
    changed = as_owner(
        owner_url,
        "UPDATE audit_log SET action = 'test.forged', hash = %s WHERE chain = %s AND chain_seq = 3",
        (forged, str(firm_id)),
    )
    assert changed == 1

    result = verify(firm_id, storage)
    assert (result.ok, result.checked, result.first_broken_seq) == (False, 2, 3)
    assert result.reason == "record 3 differs from its anchor: the chain has been rewritten"


def test_the_newest_anchor_counts(storage: BlobStorage, owner_url: str) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 2)
    anchor(storage)
    append_records(firm_id, 2)
    anchor(storage)
    truncate(owner_url, firm_id, after=3)
    assert verify(firm_id, storage).first_broken_seq == 4


def test_a_chain_cut_back_and_grown_again_past_an_old_anchor_is_caught(storage: BlobStorage, owner_url: str) -> None:
    """Truncate, append new records past the anchored number, let the next run anchor the new head:
    the old anchor still holds the hash the chain used to have there."""
    firm_id = bare_firm()
    append_records(firm_id, 3)
    anchor(storage)
    truncate(owner_url, firm_id, after=1)
    append_records(firm_id, 3)  # records 2, 3 and 4, with new hashes
    anchor(storage)
    assert anchored(firm_id, storage) == [3, 4]

    result = verify(firm_id, storage)
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert result.reason == "record 3 differs from its anchor: the chain has been rewritten"


# --- the heads function -----------------------------------------------------------------------------------


def test_the_heads_are_read_in_system_scope_only() -> None:
    firm_id = bare_firm()
    append_records(firm_id, 2)
    for scope in ({"firm_id": firm_id}, {}):
        with UnitOfWork(**scope) as uow, pytest.raises(DBAPIError) as refused:  # type: ignore[arg-type]
            uow.session.execute(text("SELECT * FROM aura_audit_heads()")).all()
        assert getattr(refused.value.orig, "sqlstate", None) == "42501"
        assert "system scope" in str(refused.value.orig)
    with UnitOfWork(system=True) as uow:
        heads = {
            row.chain: (row.chain_seq, row.hash)
            for row in uow.session.execute(text("SELECT * FROM aura_audit_heads()"))
        }
        # aura_app itself sees no firm rows in system scope: only the function reaches every chain.
        assert uow.session.scalar(select(AuditRecord.id).where(AuditRecord.chain == str(firm_id))) is None
    assert heads[str(firm_id)][0] == 2
