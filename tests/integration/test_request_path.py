"""What a signed-in request costs the database before its own work, and that the checks folded into the
session's cached read still hold: the user's state is read with the session's, at most once per
AURA_SESSION_CACHE_SECONDS, and a change made behind the API's back (no session revoked) is refused once
that read is due."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from shared import clock
from shared.db.uow import UnitOfWork
from shared.settings import get_settings
from tests.support import add_user, create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _me(token: str) -> tuple[int, str | None]:
    reply = request("GET", "auth/me", token=token)
    return reply.status, (reply.json().get("code") if reply.status != 200 else None)


def _statements_of(call: Callable[[], object]) -> list[str]:
    """The SQL statements sent while `call()` runs."""
    from shared.db.engine import get_engine

    sent: list[str] = []

    def record(conn: object, cursor: object, sql: str, *rest: object) -> None:
        sent.append(" ".join(sql.split()))

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    return sent


def _by_hand(firm_id: uuid.UUID, sql: str, user_id: str) -> None:
    """Change the user directly in the database, as no API path does: no session is revoked."""
    with UnitOfWork(firm_id=firm_id) as uow:
        uow.session.execute(text(sql), {"user": user_id})
        uow.commit()


def test_a_remembered_session_costs_no_user_or_session_read() -> None:
    admin = create_firm()
    _, token = add_user(token_for(admin.email), "staff")

    def engagements() -> None:
        assert request("GET", "engagements", token=token).status == 200

    at = clock.FixedClock(clock.now())
    with clock.use_clock(at):
        first = _statements_of(engagements)
        again = _statements_of(engagements)
        at.advance(timedelta(seconds=get_settings().session_cache_seconds))
        due = _statements_of(engagements)

    def checks(sent: list[str]) -> list[str]:
        return [sql for sql in sent if "refresh_tokens" in sql or "FROM users" in sql]

    assert len(checks(first)) == 1  # the user's state and the session's, in one statement
    assert checks(again) == []
    assert len(checks(due)) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("UPDATE users SET is_active = false WHERE id = :user", "account_inactive"),
        ("UPDATE users SET roles = ARRAY['senior'] WHERE id = :user", "token_stale"),
    ],
)
def test_a_user_changed_behind_the_apis_back_is_refused_once_the_session_is_read_again(change: str, code: str) -> None:
    admin = create_firm()
    user_id, token = add_user(token_for(admin.email), "staff")
    at = clock.FixedClock(clock.now())
    with clock.use_clock(at):
        assert _me(token) == (200, None)  # remembered as open, the user as the token says
        _by_hand(admin.firm_id, change, user_id)
        at.advance(timedelta(seconds=get_settings().session_cache_seconds))
        assert _me(token) == (401, code)
        assert _me(token) == (401, code)  # a refusal is not remembered as open
