"""The audit chain written at commit: what a transaction appends joins the firm's chain as it commits.

An open transaction that has appended holds no lock on the chain, so other users' writes and sign-ins in
the same firm go on; what it appended is still a contiguous, verifiable part of the chain once it commits,
in the order it was appended, and nothing of it is written if it (or the savepoint it was made in) rolls
back. Callers that need a record's sequence number at once (a QC waiver grant) still get it.
"""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
from sqlalchemy import func, select, text

from shared import audit_log
from shared.db.models import AuditRecord, Firm
from shared.db.uow import UnitOfWork
from tests.support import bare_firm

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def chain(firm_id: uuid.UUID) -> list[tuple[int, str, str | None]]:
    """(chain_seq, action, correlation_id) of the firm's records, in chain order."""
    with UnitOfWork(firm_id=firm_id) as uow:
        rows = uow.session.execute(
            select(AuditRecord.chain_seq, AuditRecord.action, AuditRecord.correlation_id)
            .where(AuditRecord.chain == str(firm_id))
            .order_by(AuditRecord.chain_seq)
        )
        return [(int(seq), action, correlation) for seq, action, correlation in rows]


def verify(firm_id: uuid.UUID | None, *, system: bool = False) -> audit_log.Verification:
    with UnitOfWork(firm_id=firm_id, system=system) as uow:
        return audit_log.verify(uow)


def advisory_locks_of(owner_url: str, backend_pid: int) -> int:
    with psycopg.connect(owner_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s AND granted", (backend_pid,)
        ).fetchone()
    assert row is not None
    return int(row[0])


# --- concurrency and order --------------------------------------------------------------------------


def test_concurrent_writers_in_one_firm_give_a_contiguous_verifiable_chain_in_call_order() -> None:
    firm_id = bare_firm()
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for round_ in range(6):
                with UnitOfWork(firm_id=firm_id, correlation_id=f"w{worker}-r{round_}") as uow:
                    audit_log.append(uow, "test.first", data={"worker": worker, "round": round_})
                    uow.session.scalar(select(func.count()).select_from(Firm))
                    audit_log.append(uow, "test.second", data={"worker": worker, "round": round_})
                    audit_log.append(uow, "test.third", data={"worker": worker, "round": round_})
                    uow.commit()
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    records = chain(firm_id)
    assert [seq for seq, _, _ in records] == list(range(1, 6 * 6 * 3 + 1))
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=6 * 6 * 3)
    # Each transaction's three records sit together in the chain, in the order they were appended.
    for start in range(0, len(records), 3):
        trio = records[start : start + 3]
        assert [action for _, action, _ in trio] == ["test.first", "test.second", "test.third"]
        assert len({correlation for _, _, correlation in trio}) == 1
    assert len({correlation for _, _, correlation in records}) == 36


def test_an_open_transaction_that_appended_does_not_hold_the_chain(owner_url: str) -> None:
    firm_id = bare_firm()
    with UnitOfWork(firm_id=firm_id, correlation_id="slow") as slow:
        slow_pid = int(slow.session.scalar(text("SELECT pg_backend_pid()")) or 0)
        audit_log.append(slow, "test.slow_write")
        assert advisory_locks_of(owner_url, slow_pid) == 0
        # Another user of the firm writes and commits meanwhile, without waiting for the open transaction.
        with UnitOfWork(firm_id=firm_id, correlation_id="quick") as quick:
            audit_log.append(quick, "test.quick_write")
            quick.commit()
        slow.commit()
    assert chain(firm_id) == [(1, "test.quick_write", "quick"), (2, "test.slow_write", "slow")]
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=2)


# --- nothing written for what rolled back -----------------------------------------------------------


def test_a_transaction_that_is_not_committed_appends_nothing() -> None:
    firm_id = bare_firm()
    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.abandoned")
        uow.session.scalar(select(func.count()).select_from(Firm))
    with pytest.raises(RuntimeError, match="handler failed"), UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.failed")
        raise RuntimeError("handler failed")
    assert chain(firm_id) == []
    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.kept")
        uow.commit()
    assert [action for _, action, _ in chain(firm_id)] == ["test.kept"]
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=1)


def test_an_explicit_rollback_forgets_what_was_appended_before_it() -> None:
    firm_id = bare_firm()
    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.rolled_back")
        uow.session.rollback()
        audit_log.append(uow, "test.after_rollback")
        uow.commit()
    assert [action for _, action, _ in chain(firm_id)] == ["test.after_rollback"]


def test_a_rolled_back_savepoint_drops_only_its_own_records() -> None:
    firm_id = bare_firm()
    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.before")
        with pytest.raises(RuntimeError), uow.session.begin_nested():
            audit_log.append(uow, "test.in_failed_savepoint")
            raise RuntimeError("the savepoint's work failed")
        with uow.session.begin_nested():
            audit_log.append(uow, "test.in_released_savepoint")
        audit_log.append(uow, "test.after")
        uow.commit()
    assert [action for _, action, _ in chain(firm_id)] == [
        "test.before",
        "test.in_released_savepoint",
        "test.after",
    ]
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=3)


def test_work_that_goes_on_after_a_commit_appends_to_the_next_transaction() -> None:
    firm_id = bare_firm()
    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.first_commit")
        uow.commit()
        audit_log.append(uow, "test.second_commit")
        uow.commit()
        audit_log.append(uow, "test.never_committed")
    assert [action for _, action, _ in chain(firm_id)] == ["test.first_commit", "test.second_commit"]
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=2)


# --- sequence numbers needed at once, and reads in the same transaction -----------------------------


def test_an_immediate_append_returns_its_place_after_the_records_appended_before_it() -> None:
    firm_id = bare_firm()
    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.deferred")
        assert audit_log.append_now(uow, "test.now") == 2
        audit_log.append(uow, "test.later")
        uow.commit()
    assert [(seq, action) for seq, action, _ in chain(firm_id)] == [
        (1, "test.deferred"),
        (2, "test.now"),
        (3, "test.later"),
    ]
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=3)


def test_a_read_of_the_audit_log_in_the_same_transaction_sees_what_it_appended() -> None:
    firm_id = bare_firm()
    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "engagement.status_changed", data={"engagement_id": "e1", "from": "a", "to": "b"})
        actions = uow.session.scalars(select(AuditRecord.action).where(AuditRecord.chain == str(firm_id))).all()
        assert actions == ["engagement.status_changed"]
        audit_log.append(uow, "test.second")
        latest = uow.session.scalar(
            select(func.max(AuditRecord.id)).where(AuditRecord.firm_id == firm_id, AuditRecord.action == "test.second")
        )
        assert latest is not None
        audit_log.append(uow, "test.third")
        count = uow.session.scalar(text("SELECT count(*) FROM audit_log WHERE chain = :c"), {"c": str(firm_id)})
        assert count == 3
        uow.commit()
    assert [action for _, action, _ in chain(firm_id)] == [
        "engagement.status_changed",
        "test.second",
        "test.third",
    ]
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=3)


def test_records_appended_before_entering_a_firm_stay_on_the_platform_chain() -> None:
    firm_id = bare_firm()
    before = verify(None, system=True)
    with UnitOfWork() as uow:
        audit_log.append(uow, "platform.before_switch")
        audit_log.append(uow, "platform.also_before_switch")
        uow.switch_firm(firm_id)
        audit_log.append(uow, "test.in_firm")
        uow.commit()
    assert verify(None, system=True) == audit_log.Verification(ok=True, checked=before.checked + 2)
    assert [action for _, action, _ in chain(firm_id)] == ["test.in_firm"]
