"""The unit of work scopes every transaction it runs to its firm and user, also those after a commit,
and a commit that ends the work opens nothing more (no BEGIN, settings or ROLLBACK after it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from tests.support import create_firm

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


@contextmanager
def traffic() -> Iterator[list[str]]:
    """Every statement and transaction command the application engine sends, in order."""
    from shared.db.engine import get_engine

    engine = get_engine()
    sent: list[str] = []

    def statement(conn: object, cursor: object, sql: str, *rest: object) -> None:
        sent.append(" ".join(sql.split()))

    def begin(conn: object) -> None:
        sent.append("BEGIN")

    def commit(conn: object) -> None:
        sent.append("COMMIT")

    def rollback(conn: object) -> None:
        sent.append("ROLLBACK")

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", statement),
        ("begin", begin),
        ("commit", commit),
        ("rollback", rollback),
    ]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        yield sent
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)


def test_after_a_commit_the_same_unit_of_work_still_sees_only_its_firm() -> None:
    from shared.db.uow import UnitOfWork

    mine, theirs = create_firm("Mine CPA"), create_firm("Theirs CPA")
    with UnitOfWork(firm_id=mine.firm_id, user_id=mine.user_id) as uow:
        before = uow.session.execute(text("SELECT id FROM users")).scalars().all()
        uow.session.execute(
            text("UPDATE users SET display_name = 'Renamed' WHERE id = :id"),
            {"id": mine.user_id},
        )
        uow.commit()
        firms = set(uow.session.execute(text("SELECT DISTINCT firm_id FROM users")).scalars())
        after = uow.session.execute(text("SELECT id FROM users")).scalars().all()
        theirs_seen = uow.session.execute(
            text("SELECT count(*) FROM users WHERE id = :id"), {"id": theirs.user_id}
        ).scalar_one()
        settings = uow.session.execute(
            text("SELECT current_setting('aura.firm_id'), current_setting('aura.user_id')")
        ).one()
        uow.commit()
        renamed = uow.session.execute(
            text("SELECT display_name FROM users WHERE id = :id"), {"id": mine.user_id}
        ).scalar_one()
    assert firms == {mine.firm_id}
    assert sorted(after) == sorted(before) and mine.user_id in after
    assert theirs_seen == 0
    assert tuple(settings) == (str(mine.firm_id), str(mine.user_id))
    assert renamed == "Renamed"


def test_a_unit_of_work_with_no_firm_sees_no_firm_rows_after_a_commit() -> None:
    from shared.db.uow import UnitOfWork

    create_firm("Some CPA")
    with UnitOfWork() as uow:
        uow.commit()
        assert uow.session.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
        assert uow.session.execute(text("SELECT current_setting('aura.firm_id')")).scalar_one() == ""


def test_switching_firm_after_a_commit_scopes_the_next_transaction() -> None:
    from shared.db.uow import UnitOfWork

    firm = create_firm("Login CPA")
    with UnitOfWork() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM firms")).scalar_one() == 0
        uow.commit()
        uow.switch_firm(firm.firm_id)
        assert set(uow.session.execute(text("SELECT id FROM firms")).scalars()) == {firm.firm_id}
        uow.commit()
        assert set(uow.session.execute(text("SELECT id FROM firms")).scalars()) == {firm.firm_id}


def test_a_commit_that_ends_the_work_sends_nothing_after_it() -> None:
    from shared.db.uow import UnitOfWork

    firm = create_firm("Quiet CPA")
    with traffic() as sent, UnitOfWork(firm_id=firm.firm_id, user_id=firm.user_id) as uow:
        uow.session.execute(text("UPDATE users SET display_name = 'Quiet' WHERE id = :id"), {"id": firm.user_id})
        uow.commit()
    assert sent[0] == "BEGIN" and sent[1].startswith("SELECT set_config('aura.firm_id'")
    assert sent[2].startswith("UPDATE users")
    assert sent[3:] == ["COMMIT"]


def test_a_read_only_unit_of_work_still_ends_its_transaction() -> None:
    from shared.db.engine import get_engine
    from shared.db.uow import UnitOfWork

    firm = create_firm("Reader CPA")
    with traffic() as sent, UnitOfWork(firm_id=firm.firm_id, user_id=firm.user_id) as uow:
        uow.session.execute(text("SELECT 1"))
    assert sent[-1] == "ROLLBACK"
    with get_engine().connect() as conn:  # the pooled connection comes back with no settings left over
        assert conn.execute(text("SELECT current_setting('aura.firm_id', true)")).scalar() in (None, "")
        conn.rollback()


def test_a_savepoint_keeps_the_firm() -> None:
    from shared.db.uow import UnitOfWork

    mine, _ = create_firm("Nest CPA"), create_firm("Other CPA")
    with UnitOfWork(firm_id=mine.firm_id, user_id=mine.user_id) as uow, uow.session.begin_nested():
        firms = set(uow.session.execute(text("SELECT id FROM firms")).scalars())
    assert firms == {mine.firm_id}


def _settings_sent(sent: list[str]) -> int:
    return sum(sql.startswith("SELECT set_config('aura.firm_id'") for sql in sent)


def test_switching_firm_before_the_first_statement_sends_the_settings_once_as_the_transaction_begins() -> None:
    from shared.db.uow import UnitOfWork

    firm, _ = create_firm("Early CPA"), create_firm("Bystander CPA")
    with traffic() as sent, UnitOfWork() as uow:
        uow.switch_firm(firm.firm_id)
        firms = set(uow.session.execute(text("SELECT id FROM firms")).scalars())
    assert firms == {firm.firm_id}  # the firm's row-level security holds from the first statement
    assert _settings_sent(sent) == 1
    assert sent[0] == "BEGIN" and sent[1].startswith("SELECT set_config('aura.firm_id'")
    assert sent[2] == "SELECT id FROM firms"


def test_switching_firm_in_a_transaction_already_begun_sends_the_settings_once_more_at_once() -> None:
    from shared.db.uow import UnitOfWork

    firm, _ = create_firm("Late CPA"), create_firm("Bystander CPA")
    with traffic() as sent, UnitOfWork(system=True) as uow:
        seen_before = uow.session.execute(text("SELECT count(*) FROM firms WHERE id = :id"), {"id": firm.firm_id})
        assert seen_before.scalar_one() == 0  # system scope, no firm: the firm's rows are hidden
        begun = len(sent)
        uow.switch_firm(firm.firm_id)
        firms = set(uow.session.execute(text("SELECT id FROM firms")).scalars())
    assert firms == {firm.firm_id}
    assert _settings_sent(sent[:begun]) == 1 and _settings_sent(sent[begun:]) == 1
    assert sent[begun].startswith("SELECT set_config('aura.firm_id'") and sent[begun + 1] == "SELECT id FROM firms"


def test_switching_to_the_firm_already_entered_sends_nothing() -> None:
    from shared.db.uow import UnitOfWork

    firm = create_firm("Same CPA")
    with traffic() as sent, UnitOfWork(firm_id=firm.firm_id) as uow:
        uow.session.execute(text("SELECT 1"))
        begun = len(sent)
        uow.switch_firm(firm.firm_id)
        assert set(uow.session.execute(text("SELECT id FROM firms")).scalars()) == {firm.firm_id}
    assert _settings_sent(sent) == 1 and sent[begun] == "SELECT id FROM firms"
