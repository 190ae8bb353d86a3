"""A signature needs a recent sign-in: the freshness rule of shared/auth/reauthentication.py, and the
e-signature port's provider swap (shared/esign.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared import clock, esign
from shared.auth.reauthentication import FRESHNESS, require_fresh_token
from shared.auth.tokens import EntraIdentity
from shared.errors import Unauthorized

pytestmark = pytest.mark.unit

NOW = datetime(2027, 2, 20, 9, 30, tzinfo=UTC)


def _identity(*, auth_time: datetime | None = None, issued_at: datetime | None = None) -> EntraIdentity:
    return EntraIdentity(
        object_id="oid",
        tenant_id="tid",
        email="partner@firm.example",
        auth_time=int(auth_time.timestamp()) if auth_time else None,
        issued_at=int(issued_at.timestamp()) if issued_at else None,
    )


@pytest.mark.parametrize(
    ("identity", "fresh"),
    [
        (_identity(auth_time=NOW - FRESHNESS), True),
        (_identity(auth_time=NOW - FRESHNESS - timedelta(seconds=1)), False),
        # auth_time is when the user signed in; a token refreshed since (new iat) does not make it fresh.
        (_identity(auth_time=NOW - timedelta(hours=2), issued_at=NOW), False),
        (_identity(issued_at=NOW - timedelta(minutes=1)), True),
        (_identity(issued_at=NOW - timedelta(minutes=6)), False),
        (_identity(), False),
    ],
)
def test_a_token_is_fresh_within_five_minutes_of_the_sign_in(identity: EntraIdentity, fresh: bool) -> None:
    with clock.use_clock(clock.FixedClock(NOW)):
        if fresh:
            assert require_fresh_token(identity).method == "entra_token"
        else:
            with pytest.raises(Unauthorized) as refused:
                require_fresh_token(identity)
            assert refused.value.code == "reauthentication_required"


class _Provider:
    name = "stand-in"

    def sign(self, request: esign.SignatureRequest) -> esign.Signature:
        raise NotImplementedError


def test_a_provider_is_used_inside_its_block_only() -> None:
    assert isinstance(esign.provider(), esign.LocalSignature)
    replacement = _Provider()
    with esign.use(replacement):
        assert esign.provider() is replacement
    assert isinstance(esign.provider(), esign.LocalSignature)
