"""The audit log's tail: every commit that appends gets its chain head anchored within seconds.

Before, the heads were anchored hourly, so the newest records (556 of one firm's 694) could be cut off
or rewritten by the database owner and verification still answered ok. Here the anchor timer runs as
the local host runs it (its real schedule, fired 5 seconds after the writes), against the local folder
and against Azurite; the attacker is the database owner with the append-only trigger switched off.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from aura_local.host import TimerScheduler
from shared import audit_log
from shared.db.models import AuditAnchorRequest, AuditRecord
from shared.db.uow import UnitOfWork
from shared.settings import get_settings
from shared.storage import BlobExists, BlobImmutable, BlobStorage, LocalFolderStorage, get_storage
from tests.support import bare_firm, create_firm, in_process_host, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


@pytest.fixture(params=["local", "azurite"])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[BlobStorage]:
    """The app's own storage (what the timer and the verification endpoint use): a folder or Azurite."""
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


def run_anchor_timer_seconds_after_the_writes(seconds: int = 5) -> None:
    """Fire the app's audit_anchor timer as the local host does, `seconds` after it started."""
    timers = TimerScheduler([f for f in in_process_host().functions if f.name == "audit_anchor"])
    start = datetime(2026, 12, 6, 10, 0, 0, tzinfo=UTC)
    timers.start(now=start)
    try:
        fired = timers.tick(now=start + timedelta(seconds=seconds))
    finally:
        timers.shutdown()  # waits for the run
    assert fired == 1, f"the audit_anchor timer did not fire within {seconds} s of the writes"


def append_commits(firm_id: uuid.UUID, commits: int, per_commit: int = 1) -> None:
    """`commits` separate transactions, each appending `per_commit` records, as requests would."""
    for commit in range(commits):
        with UnitOfWork(firm_id=firm_id) as uow:
            for n in range(per_commit):
                audit_log.append(uow, "test.recorded", target_type="thing", data={"commit": commit, "n": n})
            uow.commit()


def head_of(firm_id: uuid.UUID) -> AuditRecord:
    with UnitOfWork(firm_id=firm_id) as uow:
        head = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.chain == str(firm_id)).order_by(AuditRecord.chain_seq.desc())
        ).first()
    assert head is not None
    return head


def anchors_of(firm_id: uuid.UUID, storage: BlobStorage) -> list[str]:
    return sorted(blob.name for blob in storage.list(audit_log.ANCHOR_CONTAINER, prefix=f"{firm_id}/"))


def requested(firm_id: uuid.UUID) -> tuple[int, str] | None:
    with UnitOfWork(system=True) as uow:
        row = uow.session.get(AuditAnchorRequest, str(firm_id))
        return (row.chain_seq, row.hash) if row is not None else None


def as_owner(owner_url: str, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Statements run as the database owner with the append-only trigger off, then on again."""
    with psycopg.connect(owner_url) as connection:
        connection.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        for statement, params in statements:
            connection.execute(statement, params)
        connection.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")


# --- requests and batching ---------------------------------------------------------------------------


def test_a_commit_that_appends_requests_an_anchor_of_its_head_and_a_rollback_requests_nothing() -> None:
    firm_id = bare_firm()
    assert requested(firm_id) is None
    append_commits(firm_id, 1, per_commit=3)
    head = head_of(firm_id)
    assert requested(firm_id) == (3, head.hash)

    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.rolled_back")
        # no commit
    assert requested(firm_id) == (3, head.hash), "a rolled-back append asks for no anchor"


def test_many_appends_within_the_window_give_one_anchor(storage: BlobStorage) -> None:
    firm_id = bare_firm()
    append_commits(firm_id, 25)
    head = head_of(firm_id)

    run_anchor_timer_seconds_after_the_writes()

    assert anchors_of(firm_id, storage) == [audit_log.anchor_name(str(firm_id), 25, head.hash)]
    document = json.loads(storage.get(audit_log.ANCHOR_CONTAINER, anchors_of(firm_id, storage)[0]))
    assert {k: document[k] for k in ("chain", "chain_seq", "hash")} == {
        "chain": str(firm_id),
        "chain_seq": 25,
        "hash": head.hash,
    }
    assert requested(firm_id) is None, "the request is done once its head is anchored"

    run_anchor_timer_seconds_after_the_writes()
    assert len(anchors_of(firm_id, storage)) == 1, "a chain with no new records gets no new anchor"

    append_commits(firm_id, 2)
    run_anchor_timer_seconds_after_the_writes()
    assert [name.split("/")[1][:16] for name in anchors_of(firm_id, storage)] == [f"{25:016d}", f"{27:016d}"]


def test_a_head_that_moves_while_the_timer_runs_stays_requested(tmp_path: Any) -> None:
    """The timer read head 1; an append commits head 2 before the timer deletes the request: the request
    for 2 survives, so head 2 is anchored by the next run instead of being forgotten."""

    class AppendingWhileWriting(LocalFolderStorage):
        appended = False

        def put_immutable(self, container: str, name: str, data: Any, **kwargs: Any) -> Any:
            info = super().put_immutable(container, name, data, **kwargs)
            if not self.appended and name.startswith(f"{firm_id}/"):
                self.appended = True
                append_commits(firm_id, 1)
            return info

    firm_id = bare_firm()
    append_commits(firm_id, 1)
    store = AppendingWhileWriting(tmp_path)
    with UnitOfWork(system=True) as uow:
        audit_log.anchor_requested(uow, store)
    assert requested(firm_id) == (2, head_of(firm_id).hash)
    with UnitOfWork(system=True) as uow:
        audit_log.anchor_requested(uow, store)
    assert [name.split("/")[1][:16] for name in anchors_of(firm_id, store)] == [f"{1:016d}", f"{2:016d}"]
    assert requested(firm_id) is None


def test_one_run_anchors_every_requested_head_batch_after_batch(tmp_path: Any) -> None:
    firms = [bare_firm() for _ in range(7)]
    for firm_id in firms:
        append_commits(firm_id, 2)
    store = LocalFolderStorage(tmp_path)
    with UnitOfWork(system=True) as uow:
        assert audit_log.anchor_requested(uow, store, batch_size=3) >= 7
    for firm_id in firms:
        assert anchors_of(firm_id, store) == [audit_log.anchor_name(str(firm_id), 2, head_of(firm_id).hash)]
        assert requested(firm_id) is None


def test_an_anchor_is_write_once(storage: BlobStorage) -> None:
    firm_id = bare_firm()
    append_commits(firm_id, 1)
    run_anchor_timer_seconds_after_the_writes()
    [name] = anchors_of(firm_id, storage)
    original = storage.get(audit_log.ANCHOR_CONTAINER, name)

    with pytest.raises(BlobExists):
        storage.put_immutable(audit_log.ANCHOR_CONTAINER, name, b'{"chain_seq": 0}')
    if isinstance(storage, LocalFolderStorage):
        # Azurite implements no immutability policies; in Azure the container's WORM policy refuses these
        # (tests/infra/test_terraform_rules.py checks the policy is declared).
        with pytest.raises(BlobImmutable):
            storage.put(audit_log.ANCHOR_CONTAINER, name, b"{}", overwrite=True)
        with pytest.raises(BlobImmutable):
            storage.delete(audit_log.ANCHOR_CONTAINER, name)
    assert storage.get(audit_log.ANCHOR_CONTAINER, name) == original


# --- what verification says ---------------------------------------------------------------------------


def test_deleting_the_last_records_after_their_anchor_is_named_over_http(storage: BlobStorage, owner_url: str) -> None:
    admin = create_firm("Cut Short CPA")
    token = token_for(admin.email)
    append_commits(admin.firm_id, 10)
    head = head_of(admin.firm_id).chain_seq
    run_anchor_timer_seconds_after_the_writes()
    assert request("GET", "audit-log/verification", token=token).json()["ok"] is True
    [last_anchor] = [n for n in anchors_of(admin.firm_id, storage) if n.split("/")[1].startswith(f"{head:016d}")]
    anchored_at = json.loads(storage.get(audit_log.ANCHOR_CONTAINER, last_anchor))["anchored_at"]

    as_owner(
        owner_url, [("DELETE FROM audit_log WHERE chain = %s AND chain_seq > %s", (str(admin.firm_id), head - 10))]
    )

    reply = request("GET", "audit-log/verification", token=token)
    assert reply.status == 200, reply.body
    assert reply.json() == {
        "ok": False,
        "checked": head - 10,
        "first_broken_seq": head - 9,
        "reason": (
            f"records {head - 9}..{head} are missing: the chain ends at {head - 10} "
            f"but was anchored at {head} at {anchored_at}"
        ),
    }


def test_deleting_the_only_newest_record_is_named(storage: BlobStorage, owner_url: str) -> None:
    firm_id = bare_firm()
    append_commits(firm_id, 4)
    run_anchor_timer_seconds_after_the_writes()
    as_owner(owner_url, [("DELETE FROM audit_log WHERE chain = %s AND chain_seq = 4", (str(firm_id),))])
    with UnitOfWork(firm_id=firm_id) as uow:
        result = audit_log.verify(uow)
    assert (result.ok, result.checked, result.first_broken_seq) == (False, 3, 4)
    assert result.reason is not None
    assert result.reason.startswith("record 4 is missing: the chain ends at 3 but was anchored at 4 at 20")


def test_a_rewritten_tail_with_recomputed_hashes_is_detected(storage: BlobStorage, owner_url: str) -> None:
    """The owner changes record 3 of 5 and recomputes every hash after it, so the chain links again:
    only the anchor of the head, written seconds after the commit, still holds the old hash."""
    firm_id = bare_firm()
    append_commits(firm_id, 5)
    run_anchor_timer_seconds_after_the_writes()

    with UnitOfWork(firm_id=firm_id) as uow:
        rows = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.chain == str(firm_id)).order_by(AuditRecord.chain_seq)
        ).all()
    statements: list[tuple[str, tuple[Any, ...]]] = []
    prev_hash = rows[1].hash
    for row in rows[2:]:
        action = "test.forged" if row.chain_seq == 3 else row.action
        forged = audit_log.record_hash(
            chain=row.chain,
            chain_seq=row.chain_seq,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            action=action,
            target_type=row.target_type,
            target_id=row.target_id,
            data=row.data,
            correlation_id=row.correlation_id,
            prev_hash=prev_hash,
        )
        statements.append(
            (
                "UPDATE audit_log SET action = %s, prev_hash = %s, hash = %s WHERE chain = %s AND chain_seq = %s",
                (action, prev_hash, forged, str(firm_id), row.chain_seq),
            )
        )
        prev_hash = forged
    as_owner(owner_url, statements)

    with UnitOfWork(firm_id=firm_id) as uow:
        result = audit_log.verify(uow)
    assert (result.ok, result.checked, result.first_broken_seq) == (False, 4, 5)
    assert result.reason == "record 5 differs from its anchor: the chain has been rewritten"


def test_only_the_timer_in_system_scope_reads_requests_and_only_the_trigger_writes_them() -> None:
    firm_id = bare_firm()
    append_commits(firm_id, 1)
    with UnitOfWork(firm_id=firm_id) as uow:
        assert uow.session.execute(text("SELECT chain FROM audit_anchor_requests")).all() == []
    for scope in ({"firm_id": firm_id}, {"system": True}):
        with UnitOfWork(**scope) as uow, pytest.raises(DBAPIError) as refused:
            uow.session.execute(
                text("UPDATE audit_anchor_requests SET chain_seq = 0 WHERE chain = :chain"), {"chain": str(firm_id)}
            )
        assert getattr(refused.value.orig, "sqlstate", None) == "42501"
    assert requested(firm_id) == (1, head_of(firm_id).hash)
