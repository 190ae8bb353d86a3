"""Which validation a bearer token goes to is read from its header alone; whatever the header says,
a token that is not one of ours correctly signed is refused."""

from __future__ import annotations

import base64
import json

import pytest

from shared.auth.tokens import decode_access_token, is_own_token
from shared.errors import Unauthorized

pytestmark = pytest.mark.unit


def _segment(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a token",
        "a.b.c",
        f"{_segment([1, 2])}.e30.sig",  # a header that is JSON but no object
        f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.e30.sig",
        f"{_segment({'alg': 'none'})}.e30.",
    ],
)
def test_anything_but_an_rs256_header_is_checked_as_our_own_and_refused(token: str) -> None:
    assert is_own_token(token)
    with pytest.raises(Unauthorized):
        decode_access_token(token)


def test_an_rs256_header_goes_to_entra_id_validation() -> None:
    assert not is_own_token(f"{_segment({'alg': 'RS256', 'kid': 'k'})}.e30.sig")
