"""How fast anyone may guess passwords, without letting a stranger lock a user out (docs/security.md).

Three limits, all kept in PostgreSQL through shared/rate_limit.py so every instance shares them:

- per source (client address): at most SOURCE_FAILURES failed sign-ins in any SOURCE_WINDOW_SECONDS
  (a sliding window: shared/rate_limit.py counts each failure for 10 to 11 minutes);
- per e-mail: after ACCOUNT.free consecutive failures, each further one makes the e-mail wait
  1, 2, 4, ... seconds, at most 15 minutes (a delay that always ends, never a lock);
- per known device: a client that once signed in as the user with the right password carries a
  device cookie; it skips the two limits above for that user (so a sprayer's failures, from anywhere,
  never keep the real user out) and has a delay of its own instead, so a stolen cookie buys no guesses.

A refused attempt (429 with Retry-After) is refused before the password is checked, and all three
are keyed and counted alike whether the e-mail has an account or not, so neither the answer nor its
time tells an attacker which e-mails exist. A successful sign-in from an unknown client, and a
password reset, clear the e-mail's delay.

The e-mail's account and the three limits' rows are read in one statement (`Attempt.look_up`), in the
sign-in's first transaction: before, the look-up and each limit took a transaction of their own (four
round trips each), and a success deleted the e-mail's delay even when there was none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from shared import clock, rate_limit
from shared.auth.sign_in_failures import ACCOUNT, DETAIL  # shared with the partner's signature
from shared.auth.tokens import DeviceClaims, decode_device_token
from shared.db.uow import UnitOfWork
from shared.errors import Unauthorized

SOURCE_SCOPE = "sign_in_source"
SOURCE_FAILURES = 20
SOURCE_WINDOW_SECONDS = 600
DEVICE = rate_limit.Backoff(scope="sign_in_device", free=5, base_seconds=1, cap_seconds=900, forget_after_seconds=86400)


def known_device(token: str | None) -> DeviceClaims | None:
    """The device cookie's claims when it is one we signed; anything else is an unknown client."""
    if not token:
        return None
    try:
        return decode_device_token(token)
    except Unauthorized:
        return None


# The account (at most one: e-mails are unique, case-insensitively) beside the rows of the three limits
# (the source's as two arrays: the start and the hits of each slice its window counts now).
# A key passed as NULL (no device cookie, no source address) matches no row.
_LOOK_UP = text(
    "SELECT f.user_id, f.firm_id, a.key IS NOT NULL AS account_recorded, a.blocked_until AS account_until, "
    "d.key IS NOT NULL AS device_recorded, d.blocked_until AS device_until, "
    "s.starts AS source_starts, s.hits AS source_hits "
    "FROM (VALUES (1)) AS one (x) "
    "LEFT JOIN aura_auth_find_user(:email) AS f ON true "
    "LEFT JOIN rate_limit_backoff AS a ON a.key = :account "
    "LEFT JOIN rate_limit_backoff AS d ON d.key = :device "
    "LEFT JOIN LATERAL (SELECT array_agg(window_start) AS starts, array_agg(hits) AS hits FROM rate_limits "
    "WHERE key = :source AND window_start >= :since) AS s ON true"
)


@dataclass(frozen=True)
class Standing:
    """The account an e-mail names (if any) and where an attempt stands against the limits, as read
    before any password is checked."""

    user_id: uuid.UUID | None
    firm_id: uuid.UUID | None
    account_recorded: bool  # the e-mail has failures on record
    account_until: datetime | None
    device_recorded: bool
    device_until: datetime | None
    source_slices: tuple[rate_limit.Slice, ...]  # the source's failures, per slice of its sliding window
    read_at: datetime


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: for which e-mail, from which address, with which device cookie (if any)."""

    email: str
    source: str | None
    device: DeviceClaims | None

    def _trusted(self, user_id: uuid.UUID | None) -> DeviceClaims | None:
        if self.device is not None and user_id is not None and self.device.user_id == user_id:
            return self.device
        return None

    def look_up(self, uow: UnitOfWork, email: str) -> Standing:
        """Read the account `email` (normalized) names and this attempt's limits, in one statement of a
        system-scope unit of work (the limits are system rows; the account comes from the pre-firm look-up)."""
        now = clock.now()
        row = uow.session.execute(
            _LOOK_UP,
            {
                "email": email,
                "account": ACCOUNT.key(self.email),
                "device": DEVICE.key(str(self.device.device_id)) if self.device is not None else None,
                "source": rate_limit.row_key(SOURCE_SCOPE, self.source) if self.source is not None else None,
                "since": rate_limit.counted_since(now, SOURCE_WINDOW_SECONDS),
            },
        ).one()
        return Standing(
            user_id=row.user_id,
            firm_id=row.firm_id,
            account_recorded=row.account_recorded,
            account_until=row.account_until,
            device_recorded=row.device_recorded,
            device_until=row.device_until,
            source_slices=tuple(zip(row.source_starts or (), row.source_hits or (), strict=True)),
            read_at=now,
        )

    def check(self, standing: Standing) -> None:
        """429 when this attempt must wait; before any password is checked."""
        now = standing.read_at
        if self._trusted(standing.user_id) is not None:
            DEVICE.refuse_while_waiting(standing.device_until, now=now, detail=DETAIL)
            return
        if self.source is not None:
            rate_limit.refuse_if_full(
                standing.source_slices,
                limit=SOURCE_FAILURES,
                window_seconds=SOURCE_WINDOW_SECONDS,
                now=now,
                detail=DETAIL,
            )
        ACCOUNT.refuse_while_waiting(standing.account_until, now=now, detail=DETAIL)

    def failed(self, user_id: uuid.UUID | None) -> None:
        """A wrong password (or no such account): count it where `check` looks."""
        device = self._trusted(user_id)
        if device is not None:
            DEVICE.fail(str(device.device_id))
            return
        if self.source is not None:
            rate_limit.count(scope=SOURCE_SCOPE, subject=self.source, window_seconds=SOURCE_WINDOW_SECONDS)
        ACCOUNT.fail(self.email)

    def succeeded(self, standing: Standing) -> None:
        """The right password: this client's delay starts over. A known device clears only its own, so the
        real user signing in does not hand a sprayer a fresh allowance of free guesses. A delay with no
        failures on record when the attempt was read has nothing to clear (a failure recorded since then
        stays: it was not this client's)."""
        device = self._trusted(standing.user_id)
        if device is not None:
            if standing.device_recorded:
                DEVICE.clear(str(device.device_id))
        elif standing.account_recorded:
            ACCOUNT.clear(self.email)


def clear_account(email: str) -> None:
    """A password reset proves the mailbox: the e-mail's delay ends."""
    ACCOUNT.clear(email)
