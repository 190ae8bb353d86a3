"""`aura serve --port N`: links in e-mails and local upload URLs follow the port served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aura_local.cli import _links_follow_the_port, served_base_url
from shared.settings import get_settings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Set, then removed: monkeypatch restores the environment the test found, whatever the host wrote.
    monkeypatch.setenv("AURA_PUBLIC_BASE_URL", "")
    monkeypatch.delenv("AURA_PUBLIC_BASE_URL")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8123"),
        ("0.0.0.0", "http://127.0.0.1:8123"),  # noqa: S104 - a wildcard bind is reached on this machine
        ("::", "http://127.0.0.1:8123"),
        ("::1", "http://[::1]:8123"),
        ("localhost", "http://localhost:8123"),
    ],
)
def test_the_served_address_is_one_a_browser_can_open(host: str, expected: str) -> None:
    assert served_base_url(host, 8123) == expected


def test_serving_on_another_port_moves_the_public_base_url_there() -> None:
    assert get_settings().public_base_url == "http://127.0.0.1:7071"
    _links_follow_the_port("127.0.0.1", 8123)
    assert get_settings().public_base_url == "http://127.0.0.1:8123"


def test_an_explicit_public_base_url_wins_over_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURA_PUBLIC_BASE_URL", "https://portal.example.com")
    _links_follow_the_port("127.0.0.1", 8123)
    assert get_settings().public_base_url == "https://portal.example.com"
