"""How fast anyone may guess passwords, without letting a stranger lock a user out (docs/security.md).

Three limits, all kept in PostgreSQL through shared/rate_limit.py so every instance shares them:

- per source (client address): at most SOURCE_FAILURES failed sign-ins per SOURCE_WINDOW_SECONDS;
- per e-mail: after ACCOUNT.free consecutive failures, each further one makes the e-mail wait
  1, 2, 4, ... seconds, at most 15 minutes (a delay that always ends, never a lock);
- per known device: a client that once signed in as the user with the right password carries a
  device cookie; it skips the two limits above for that user (so a sprayer's failures, from anywhere,
  never keep the real user out) and has a delay of its own instead, so a stolen cookie buys no guesses.

A refused attempt (429 with Retry-After) is refused before the password is checked, and all three
are keyed and counted alike whether the e-mail has an account or not, so neither the answer nor its
time tells an attacker which e-mails exist. A successful sign-in from an unknown client, and a
password reset, clear the e-mail's delay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared import rate_limit
from shared.auth.sign_in_failures import ACCOUNT, DETAIL  # shared with the partner's signature
from shared.auth.tokens import DeviceClaims, decode_device_token
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

    def check(self, user_id: uuid.UUID | None) -> None:
        """429 when this attempt must wait; before any password is checked."""
        device = self._trusted(user_id)
        if device is not None:
            DEVICE.check(str(device.device_id), detail=DETAIL)
            return
        if self.source is not None:
            rate_limit.check(
                scope=SOURCE_SCOPE,
                subject=self.source,
                limit=SOURCE_FAILURES,
                window_seconds=SOURCE_WINDOW_SECONDS,
                detail=DETAIL,
            )
        ACCOUNT.check(self.email, detail=DETAIL)

    def failed(self, user_id: uuid.UUID | None) -> None:
        """A wrong password (or no such account): count it where `check` looks."""
        device = self._trusted(user_id)
        if device is not None:
            DEVICE.fail(str(device.device_id))
            return
        if self.source is not None:
            rate_limit.count(scope=SOURCE_SCOPE, subject=self.source, window_seconds=SOURCE_WINDOW_SECONDS)
        ACCOUNT.fail(self.email)

    def succeeded(self, user_id: uuid.UUID) -> None:
        """The right password: this client's delay starts over. A known device clears only its own, so the
        real user signing in does not hand a sprayer a fresh allowance of free guesses."""
        device = self._trusted(user_id)
        if device is not None:
            DEVICE.clear(str(device.device_id))
        else:
            ACCOUNT.clear(self.email)


def clear_account(email: str) -> None:
    """A password reset proves the mailbox: the e-mail's delay ends."""
    ACCOUNT.clear(email)
