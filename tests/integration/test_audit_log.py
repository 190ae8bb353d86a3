"""The hash-chained audit log: what verify() reports after honest appends and after tampering.

Tampering is done as the database owner with the append-only trigger switched off for that one
session (session_replication_role = replica), i.e. the strongest attacker short of rewriting hashes.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from shared import audit_log
from shared.db.models import AuditRecord
from shared.db.uow import UnitOfWork
from tests.support import add_user, bare_firm, create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def append_records(firm_id: uuid.UUID | None, count: int, **data: Any) -> None:
    with UnitOfWork(firm_id=firm_id) as uow:
        for n in range(count):
            audit_log.append(uow, "test.recorded", target_type="thing", target_id=uuid.uuid4(), data={"n": n, **data})
        uow.commit()


def verify(firm_id: uuid.UUID | None, *, system: bool = False) -> audit_log.Verification:
    with UnitOfWork(firm_id=firm_id, system=system) as uow:
        return audit_log.verify(uow)


def chain_seqs(firm_id: uuid.UUID) -> list[int]:
    with UnitOfWork(firm_id=firm_id) as uow:
        return list(
            uow.session.scalars(
                select(AuditRecord.chain_seq).where(AuditRecord.chain == str(firm_id)).order_by(AuditRecord.chain_seq)
            )
        )


def tamper(owner_url: str, statement: str, firm_id: uuid.UUID, seq: int) -> int:
    with psycopg.connect(owner_url) as connection:
        connection.execute("SET session_replication_role = replica")
        cursor = connection.execute(statement, (str(firm_id), seq))
        return cursor.rowcount


# --- honest chains ----------------------------------------------------------------------------------


def test_appended_records_verify() -> None:
    firm_id = bare_firm()
    append_records(firm_id, 5)
    assert chain_seqs(firm_id) == [1, 2, 3, 4, 5]
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=5)


def test_records_link_to_their_predecessor() -> None:
    firm_id = bare_firm()
    append_records(firm_id, 3)
    with UnitOfWork(firm_id=firm_id) as uow:
        rows = uow.session.scalars(select(AuditRecord).order_by(AuditRecord.chain_seq)).all()
    assert [row.prev_hash for row in rows] == [audit_log.GENESIS, rows[0].hash, rows[1].hash]
    assert all(row.firm_id == firm_id and row.chain == str(firm_id) for row in rows)
    assert len({row.hash for row in rows}) == 3


def test_an_empty_chain_verifies() -> None:
    assert verify(bare_firm()) == audit_log.Verification(ok=True, checked=0)


def test_data_that_round_trips_through_jsonb_still_verifies() -> None:
    """Whatever JSON data is appended must verify unchanged afterwards: no false alarms."""
    firm_id = bare_firm()
    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.plain", data={"name": "Zoë & Co", "nested": {"b": [1, 2.5, None], "a": True}})
        uow.commit()
    assert verify(firm_id).ok, "plain JSON data must verify"

    with UnitOfWork(firm_id=firm_id) as uow:
        audit_log.append(uow, "test.large_amount", data={"amount": 1e20})
        uow.commit()
    result = verify(firm_id)
    assert result.ok, (
        "BUG shared/audit_log.py append(): data {'amount': 1e20} is hashed as the float 1e+20, but JSONB "
        "gives it back as the integer 100000000000000000000, so verify() reports untouched record "
        f"{result.first_broken_seq} as tampered ({result.reason})"
    )


# --- tampering --------------------------------------------------------------------------------------


def test_the_owner_cannot_change_records_while_the_trigger_is_on(owner_url: str) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 2)
    with (
        psycopg.connect(owner_url) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        connection.execute("UPDATE audit_log SET data = '{}' WHERE chain = %s", (str(firm_id),))
    assert verify(firm_id).ok


def test_changed_content_is_reported_at_the_changed_record(owner_url: str) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 4)
    changed = tamper(
        owner_url,
        "UPDATE audit_log SET data = '{\"n\": 99}'::jsonb WHERE chain = %s AND chain_seq = %s",
        firm_id,
        2,
    )
    assert changed == 1
    result = verify(firm_id)
    assert result.ok is False
    assert result.first_broken_seq == 2
    assert result.checked == 1
    assert result.reason is not None and "content" in result.reason


def test_a_rewritten_link_is_reported(owner_url: str) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 4)
    tamper(
        owner_url, "UPDATE audit_log SET prev_hash = repeat('f', 64) WHERE chain = %s AND chain_seq = %s", firm_id, 3
    )
    result = verify(firm_id)
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert result.reason is not None and "previous-hash" in result.reason


def test_a_removed_record_is_reported_as_missing(owner_url: str) -> None:
    firm_id = bare_firm()
    append_records(firm_id, 4)
    assert tamper(owner_url, "DELETE FROM audit_log WHERE chain = %s AND chain_seq = %s", firm_id, 2) == 1
    result = verify(firm_id)
    assert result.ok is False
    assert result.first_broken_seq == 2
    assert result.reason is not None and "missing" in result.reason


def test_firm_chains_are_independent(owner_url: str) -> None:
    firm_a, firm_b = bare_firm(), bare_firm()
    append_records(firm_a, 3)
    append_records(firm_b, 3)
    tamper(owner_url, "UPDATE audit_log SET action = 'forged' WHERE chain = %s AND chain_seq = %s", firm_a, 1)
    assert verify(firm_a).first_broken_seq == 1
    assert verify(firm_b) == audit_log.Verification(ok=True, checked=3)
    # Each firm's session verifies its own chain only.
    append_records(firm_b, 1)
    assert verify(firm_b).checked == 4


# --- concurrency and the platform chain ---------------------------------------------------------------


def test_concurrent_appends_make_one_gapless_chain() -> None:
    firm_id = bare_firm()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(10):
                append_records(firm_id, 1)
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert chain_seqs(firm_id) == list(range(1, 41))
    assert verify(firm_id) == audit_log.Verification(ok=True, checked=40)


def test_the_platform_chain_takes_records_outside_any_firm() -> None:
    before = verify(None, system=True)
    assert before.ok
    try:
        with UnitOfWork() as uow:
            audit_log.append(uow, "platform.tested", data={"note": "no firm"})
            uow.commit()
    except DBAPIError as exc:
        pytest.fail(
            "BUG shared/audit_log.py _write(): the insert adds RETURNING audit_log.id, and a RETURNING "
            "row must also pass the SELECT policy (platform rows are readable only with aura.system = on), so "
            f"appending to the platform chain from UnitOfWork() is refused: {exc.orig}"
        )
    seq = before.checked + 1
    after = verify(None, system=True)
    assert after == audit_log.Verification(ok=True, checked=before.checked + 1)
    with UnitOfWork(system=True) as uow:
        record = uow.session.scalar(
            select(AuditRecord).where(AuditRecord.chain == "platform", AuditRecord.chain_seq == seq)
        )
    assert record is not None and record.firm_id is None and record.action == "platform.tested"


# --- through HTTP -----------------------------------------------------------------------------------


def test_firm_admin_verifies_the_firms_chain_over_http() -> None:
    admin = create_firm("Verified CPA")
    token = token_for(admin.email)
    reply = request("GET", "audit-log/verification", token=token)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["ok"] is True
    assert body["checked"] >= 3  # firm.created, user.created, auth.login_succeeded
    assert body["first_broken_seq"] is None


def test_http_verification_reports_tampering(owner_url: str) -> None:
    admin = create_firm("Tampered CPA")
    token = token_for(admin.email)
    tamper(owner_url, "DELETE FROM audit_log WHERE chain = %s AND chain_seq = %s", admin.firm_id, 1)
    body = request("GET", "audit-log/verification", token=token).json()
    assert (body["ok"], body["first_broken_seq"]) == (False, 1)


def test_audit_log_lists_only_the_callers_firm(owner_url: str) -> None:
    admin = create_firm("Listed CPA")
    other = create_firm("Other CPA")
    token = token_for(admin.email)
    token_for(other.email)
    reply = request("GET", "audit-log", token=token, params={"page_size": "100"})
    assert reply.status == 200, reply.body
    page = reply.json()
    actions = [item["action"] for item in page["items"]]
    assert {"firm.created", "user.created", "auth.login_succeeded"} <= set(actions)
    with psycopg.connect(owner_url) as connection:
        own, everyone = connection.execute(
            "SELECT count(*) FILTER (WHERE firm_id = %s), count(*) FROM audit_log", (admin.firm_id,)
        ).fetchone() or (0, 0)
    assert page["total"] == len(page["items"]) == own
    assert everyone > own
    seqs = [item["chain_seq"] for item in page["items"]]
    assert seqs == sorted(seqs, reverse=True)
    other_ids = {str(other.user_id), str(other.firm_id)}
    assert not any(item["target_id"] in other_ids or item["actor_id"] in other_ids for item in page["items"])


def test_staff_may_not_read_the_audit_log() -> None:
    admin = create_firm("Staffed CPA")
    _, staff_token = add_user(token_for(admin.email), "staff")
    assert request("GET", "audit-log", token=staff_token).status == 403
    assert request("GET", "audit-log/verification", token=staff_token).status == 403
