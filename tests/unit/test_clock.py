"""The clock port: a fixed clock decides what time the code under test sees, without patching."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.storage.blob import BlobServiceClient

from shared import clock
from shared.auth.tokens import AccessClaims, decode_access_token, issue_access_token
from shared.errors import Unauthorized
from shared.settings import Settings
from shared.storage import AzureBlobStorage

pytestmark = pytest.mark.unit

SETTINGS = Settings(AURA_JWT_SECRET="s" * 40)
CLAIMS = AccessClaims(uuid.uuid4(), uuid.uuid4(), ("senior",), None, "a@example.com")
# A made-up account: signing is local, nothing here reaches a network.
ACCOUNT = {"account_name": "auraunit", "account_key": "a2V5LWZvci11bml0LXRlc3RzLW9ubHk="}


def test_the_system_clock_tells_the_real_time_in_utc() -> None:
    before = datetime.now(UTC)
    told = clock.SystemClock().now()
    assert told.utcoffset() == timedelta(0)
    assert before <= told <= datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)


def test_a_fixed_clock_stands_still_until_moved_and_speaks_utc() -> None:
    fixed = clock.FixedClock(datetime(2025, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert fixed.now() == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert fixed.now().tzinfo == UTC
    fixed.advance(timedelta(minutes=16))
    assert fixed.now() == datetime(2025, 3, 1, 9, 16, tzinfo=UTC)
    fixed.set(datetime(2030, 1, 1, tzinfo=UTC))
    assert fixed.now() == datetime(2030, 1, 1, tzinfo=UTC)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.FixedClock(datetime(2025, 3, 1, 10, 0))  # noqa: DTZ001 - the naive time under test


def test_use_clock_applies_inside_the_block_only_even_when_it_raises() -> None:
    at = datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
    with pytest.raises(RuntimeError), clock.use_clock(clock.FixedClock(at)):
        assert clock.now() == at
        raise RuntimeError("the block fails")
    assert clock.now() > at + timedelta(days=365)


def test_the_clock_decides_when_an_access_token_expires() -> None:
    issued_at = datetime.now(UTC).replace(microsecond=0)
    with clock.use_clock(clock.FixedClock(issued_at)):
        issued = issue_access_token(CLAIMS, settings=SETTINGS)
    assert issued.expires_at == issued_at + timedelta(minutes=15)
    assert decode_access_token(issued.token, settings=SETTINGS) == CLAIMS

    with clock.use_clock(clock.FixedClock(issued_at - timedelta(minutes=16))):
        stale = issue_access_token(CLAIMS, settings=SETTINGS)
    with pytest.raises(Unauthorized) as refused:
        decode_access_token(stale.token, settings=SETTINGS)
    assert refused.value.code == "token_expired"


def test_the_clock_decides_when_a_signed_download_url_stops_working() -> None:
    at = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
    storage = AzureBlobStorage(
        BlobServiceClient(account_url="https://auraunit.blob.core.windows.net", credential=ACCOUNT)
    )
    with clock.use_clock(clock.FixedClock(at)):
        url = storage.download_url("evidence", "a/b.pdf", filename="b.pdf", expires_in=timedelta(minutes=5))
    assert url is not None
    expiry = parse_qs(urlsplit(url).query)["se"][0]
    assert expiry == "2031-06-01T12:05:00Z"


def test_only_the_clock_reads_the_system_time() -> None:
    root = Path(__file__).resolve().parents[2]
    reads = re.compile(r"\bdatetime\.(?:now|utcnow|today)\(|\bdate\.today\(")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("shared", "functions", "aura_local")
        for path in sorted((root / folder).rglob("*.py"))
        if path != root / "shared" / "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if reads.search(line)
    ]
    assert offenders == [], "ask shared.clock.now() instead: " + ", ".join(offenders)
