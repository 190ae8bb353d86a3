"""Is the sign-in an access token belongs to still open, and its user as the token says? Asked of the
database, answered from a short cache.

An access token is signed for 15 minutes, but signing out, a replayed refresh token, a deactivation or
a role change must end it at once. Each token names its session (`sid`): the family of refresh tokens
issued by one sign-in. Those rows already record revocation (`refresh_tokens.revoked_at`, set on the
whole family by every one of those events), so the revocation set is the families with a revoked row,
and there is one source of truth for a session's end instead of two to keep in step. The same read
checks that the user is still active with the roles and client the token states, so a change made
without revoking the sessions (by hand in the database) is refused as well.

Reading it on every request would add a round trip to each call, so an open session is remembered for
`AURA_SESSION_CACHE_SECONDS` (default 5). The process that revokes a session forgets it at once
(`forget`; every deactivation and role change does); another instance of the app notices within those
seconds.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import text

from shared import clock
from shared.auth.tokens import AccessClaims
from shared.errors import Unauthorized
from shared.settings import get_settings

# Beyond this many remembered sessions the stale ones are dropped, so the cache cannot grow without bound.
_PRUNE_ABOVE = 10_000

_lock = threading.Lock()
_open: dict[uuid.UUID, datetime] = {}  # session -> when the database last said it was open


def _refuse() -> Unauthorized:
    return Unauthorized("The session has ended (signed out or revoked); sign in again", code="session_ended")


def _current_in_database(claims: AccessClaims) -> None:
    """Refuse (401) unless the token's user is active with the roles and client it states and its session
    has rows of which none is revoked. One statement, read under the firm's row-level security."""
    from shared.db.uow import UnitOfWork

    with UnitOfWork(firm_id=claims.firm_id) as uow:
        row = uow.session.execute(
            text(
                "SELECT u.is_active, u.roles, u.client_id, t.issued, t.revoked FROM users u, LATERAL ("
                "SELECT count(*) AS issued, count(revoked_at) AS revoked FROM refresh_tokens "
                "WHERE family_id = :sid AND user_id = u.id) t WHERE u.id = :user"
            ),
            {"sid": claims.session_id, "user": claims.user_id},
        ).first()
    if row is None or not row.issued or row.revoked:
        raise _refuse()
    if not row.is_active:
        raise Unauthorized("The account is deactivated", code="account_inactive")
    if frozenset(row.roles) != frozenset(claims.roles) or row.client_id != claims.client_id:
        raise Unauthorized("Your roles have changed; sign in again", code="token_stale")


def require_open(claims: AccessClaims) -> None:
    """401 unless the token's session is still open (`session_ended`) and its user active with the roles and
    client the token states (`account_inactive`, `token_stale`)."""
    sid = claims.session_id
    if sid is None or claims.firm_id is None:
        raise _refuse()
    now = clock.now()
    ttl = timedelta(seconds=get_settings().session_cache_seconds)
    with _lock:
        checked = _open.get(sid)
    if checked is not None and now - checked < ttl:
        return
    try:
        _current_in_database(claims)
    except Unauthorized:
        with _lock:
            _open.pop(sid, None)
        raise
    with _lock:
        if len(_open) >= _PRUNE_ABOVE:
            for stale in [s for s, at in _open.items() if now - at >= ttl]:
                del _open[stale]
        _open[sid] = now


def forget(session_ids: Iterable[uuid.UUID]) -> None:
    """The sessions were just revoked (and committed) by this process: stop answering them from the cache."""
    with _lock:
        for sid in session_ids:
            _open.pop(sid, None)
