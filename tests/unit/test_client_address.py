"""Which address a sign-in attempt counts against: the entry the nearest trusted hop appended."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import azure.functions as func
import pytest

from functions.identity.client_address import client_address
from shared.settings import get_settings

pytestmark = pytest.mark.unit


def _request(forwarded: str | None) -> func.HttpRequest:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return func.HttpRequest("POST", "http://127.0.0.1/api/auth/login", headers=headers, body=b"")


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    def set_hops(n: int) -> None:
        monkeypatch.setenv("AURA_TRUSTED_PROXY_HOPS", str(n))
        get_settings.cache_clear()

    yield set_hops
    monkeypatch.delenv("AURA_TRUSTED_PROXY_HOPS", raising=False)
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),  # Azure's front end adds the port
        ("1.1.1.1, 2.2.2.2, 203.0.113.7", "203.0.113.7"),  # what the client wrote itself is ignored
        ("[2001:db8:1:2::99]:443", "2001:db8:1:2::/64"),  # IPv6 counts by its /64
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", None),  # this machine: aura serve and its tests, not a client to limit
        ("::1", None),
        ("::ffff:127.0.0.1", None),
        ("not-an-address", None),
        ("", None),
        (None, None),
    ],
)
def test_without_trusted_proxies_the_peer_the_host_appended_counts(forwarded: str | None, expected: str | None) -> None:
    assert client_address(_request(forwarded)) == expected


def test_behind_one_trusted_proxy_the_address_it_appended_counts(hops: Callable[[int], None]) -> None:
    hops(1)
    assert client_address(_request("6.6.6.6, 198.51.100.4, 10.0.0.9:443")) == "198.51.100.4"
    assert client_address(_request("10.0.0.9:443")) is None
