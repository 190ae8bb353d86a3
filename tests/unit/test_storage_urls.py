"""Direct-to-storage URLs: what the signature grants and fixes, computed without any request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.storage.blob import BlobServiceClient

from shared.storage import AzureBlobStorage, LocalFolderStorage, attachment_disposition

pytestmark = pytest.mark.unit

# A made-up account: signing is local, nothing here ever reaches a network.
ACCOUNT = {"account_name": "auraunit", "account_key": "a2V5LWZvci11bml0LXRlc3RzLW9ubHk="}


def azure(url: str = "https://auraunit.blob.core.windows.net") -> AzureBlobStorage:
    return AzureBlobStorage(BlobServiceClient(account_url=url, credential=ACCOUNT))


def sas(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_a_download_url_reads_one_blob_over_https_as_a_named_attachment() -> None:
    before = datetime.now(UTC)
    url = azure().download_url("evidence", "firms/f/e/1", filename="Bestätigung.pdf", content_type="application/pdf")
    assert url is not None
    assert url.startswith("https://auraunit.blob.core.windows.net/evidence/firms/f/e/1?")
    query = sas(url)
    assert (query["sp"], query["sr"], query["spr"]) == ("r", "b", "https")
    assert query["rscd"] == attachment_disposition("Bestätigung.pdf")
    assert query["rsct"] == "application/pdf"
    expiry = datetime.fromisoformat(query["se"].replace("Z", "+00:00"))
    assert timedelta(minutes=4) < expiry - before <= timedelta(minutes=5, seconds=1)


def test_an_http_account_url_allows_http_and_lifetimes_are_bounded() -> None:
    storage = azure("http://127.0.0.1:10000/auraunit")
    url = storage.download_url("evidence", "a", filename="a.csv", expires_in=timedelta(minutes=1))
    assert url is not None and sas(url)["spr"] == "https,http"
    for bad in (timedelta(0), timedelta(days=1)):
        with pytest.raises(ValueError, match="expires_in"):
            storage.download_url("evidence", "a", filename="a.csv", expires_in=bad)
    with pytest.raises(ValueError, match="blob name"):
        storage.download_url("evidence", "../a", filename="a.csv")


def test_a_folder_has_no_download_url(tmp_path: Path) -> None:
    assert LocalFolderStorage(tmp_path).download_url("evidence", "a/b", filename="b.pdf") is None
    with pytest.raises(ValueError, match="blob name"):
        LocalFolderStorage(tmp_path).download_url("evidence", "a/../b", filename="b.pdf")


def test_the_attachment_name_has_an_ascii_fallback_and_the_exact_name() -> None:
    assert attachment_disposition('tb "2025"\\é.csv') == (
        "attachment; filename=\"tb _2025___.csv\"; filename*=UTF-8''tb%20%222025%22%5C%C3%A9.csv"
    )
