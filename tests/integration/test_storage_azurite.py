"""AzureBlobStorage against Azurite: the real Blob REST API, not a mock of the SDK."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterator

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobServiceClient

from shared.settings import Settings
from shared.storage import AzureBlobStorage, BlobExists, BlobInfo, BlobNotFound, build_storage
from tests.integration.azurite import azurite_blob

pytestmark = pytest.mark.integration


class OneWayStream(io.RawIOBase):
    """A source that can neither seek nor report its length, like an HTTP body or a pipe."""

    def __init__(self, data: bytes, max_read: int) -> None:
        self._data = memoryview(data)
        self._position = 0
        self._max_read = max_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self._max_read, len(self._data) - self._position)
        buffer[:count] = self._data[self._position : self._position + count]
        self._position += count
        return count


@pytest.fixture(scope="module")
def connection_string() -> Iterator[str]:
    with azurite_blob() as conn:
        yield conn


@pytest.fixture(scope="module")
def service(connection_string: str) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(connection_string)


@pytest.fixture(scope="module")
def storage(service: BlobServiceClient) -> AzureBlobStorage:
    return AzureBlobStorage(service)


@pytest.fixture
def container() -> str:
    """A fresh container per test, created by the adapter itself on first write."""
    return f"t-{uuid.uuid4().hex[:20]}"


def test_put_creates_the_container_and_round_trips(storage: AzureBlobStorage, container: str) -> None:
    data = b"account,debit,credit\n1000,5,0\n"

    info = storage.put(container, "firm-1/tb.csv", data, content_type="text/csv")

    assert info == BlobInfo(container, "firm-1/tb.csv", len(data), hashlib.sha256(data).hexdigest(), "text/csv")
    assert storage.get(container, "firm-1/tb.csv") == data
    assert storage.exists(container, "firm-1/tb.csv")
    assert storage.list(container) == [info]


def test_five_megabyte_streamed_upload_keeps_its_hash(
    storage: AzureBlobStorage, service: BlobServiceClient, container: str
) -> None:
    data = os.urandom(5 * 1024 * 1024 + 123)
    expected = hashlib.sha256(data).hexdigest()

    info = storage.put(container, "gl/ledger.bin", io.BufferedReader(OneWayStream(data, max_read=64 * 1024)))

    assert (info.size, info.sha256) == (len(data), expected)
    # The hash was committed with the blob, as metadata the service returns on its own.
    blob = service.get_blob_client(container, "gl/ledger.bin")
    properties = blob.get_blob_properties()
    assert properties.metadata["sha256"] == expected
    assert properties.size == len(data)
    committed, _uncommitted = blob.get_block_list("committed")
    assert [block.size for block in committed] == [4 * 1024 * 1024, len(data) - 4 * 1024 * 1024]
    assert storage.list(container) == [info]
    digest = hashlib.sha256()
    with storage.open(container, "gl/ledger.bin") as stream:
        while chunk := stream.read(700_000):
            digest.update(chunk)
    assert digest.hexdigest() == expected
    assert hashlib.sha256(storage.get(container, "gl/ledger.bin")).hexdigest() == expected


def test_overwrite_replaces_a_large_blob(storage: AzureBlobStorage, container: str) -> None:
    storage.put(container, "big.bin", os.urandom(5 * 1024 * 1024))
    replacement = os.urandom(4 * 1024 * 1024 + 1)

    info = storage.put(container, "big.bin", replacement)

    assert info.sha256 == hashlib.sha256(replacement).hexdigest()
    assert storage.get(container, "big.bin") == replacement


@pytest.mark.parametrize("size", [10, 5 * 1024 * 1024], ids=["single-request", "staged-blocks"])
def test_overwrite_false_refuses_an_existing_blob(storage: AzureBlobStorage, container: str, size: int) -> None:
    original = os.urandom(size)
    storage.put(container, "a.bin", original)

    with pytest.raises(BlobExists):
        storage.put(container, "a.bin", os.urandom(size), overwrite=False)

    assert storage.get(container, "a.bin") == original


@pytest.mark.parametrize("operation", ["get", "open", "delete"])
def test_missing_blob_raises_blob_not_found(storage: AzureBlobStorage, container: str, operation: str) -> None:
    storage.put(container, "present.txt", b"here")

    with pytest.raises(BlobNotFound):
        getattr(storage, operation)(container, "absent.txt")
    with pytest.raises(BlobNotFound):
        getattr(storage, operation)("no-such-container", "absent.txt")


def test_exists_and_list_on_a_missing_container(storage: AzureBlobStorage) -> None:
    assert not storage.exists("no-such-container", "a.txt")
    assert storage.list("no-such-container") == []


def test_delete_removes_the_blob(storage: AzureBlobStorage, container: str) -> None:
    storage.put(container, "a.txt", b"a")

    storage.delete(container, "a.txt")

    assert not storage.exists(container, "a.txt")
    assert storage.list(container) == []


def test_put_immutable_twice_raises_blob_exists(storage: AzureBlobStorage, container: str) -> None:
    info = storage.put_immutable(container, "reports/final.pdf", b"%PDF-1.7", content_type="application/pdf")

    with pytest.raises(BlobExists):
        storage.put_immutable(container, "reports/final.pdf", b"tampered", content_type="application/pdf")

    assert storage.get(container, "reports/final.pdf") == b"%PDF-1.7"
    assert storage.list(container) == [info]


def test_a_configured_lock_that_cannot_be_set_fails_loudly(service: BlobServiceClient, container: str) -> None:
    """Azurite 3.35 implements no immutability policies, which stands in for a container without WORM."""
    locking = AzureBlobStorage(service, immutability_days=1)

    with pytest.raises(HttpResponseError, match="APINotImplemented"):
        locking.put_immutable(container, "reports/final.pdf", b"%PDF-1.7", content_type="application/pdf")


def test_list_filters_by_prefix(storage: AzureBlobStorage, container: str) -> None:
    storage.put(container, "firm-1/b.csv", b"b", content_type="text/csv")
    storage.put(container, "firm-1/a.csv", b"aa", content_type="text/csv")
    storage.put(container, "firm-2/c.csv", b"ccc")

    listed = storage.list(container, prefix="firm-1/")

    assert listed == [
        BlobInfo(container, "firm-1/a.csv", 2, hashlib.sha256(b"aa").hexdigest(), "text/csv"),
        BlobInfo(container, "firm-1/b.csv", 1, hashlib.sha256(b"b").hexdigest(), "text/csv"),
    ]
    assert [info.name for info in storage.list(container)] == ["firm-1/a.csv", "firm-1/b.csv", "firm-2/c.csv"]


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "a\\b", ""])
def test_unsafe_names_are_rejected_before_any_request(
    storage: AzureBlobStorage, service: BlobServiceClient, name: str
) -> None:
    container = f"t-{uuid.uuid4().hex[:20]}"

    with pytest.raises(ValueError):
        storage.put(container, name, b"payload")

    assert not service.get_container_client(container).exists()


def test_bad_container_name_is_rejected(storage: AzureBlobStorage) -> None:
    with pytest.raises(ValueError):
        storage.put("Bad_Container", "a.txt", b"payload")


def test_build_storage_with_a_connection_string_gives_a_working_azure_adapter(
    connection_string: str, container: str
) -> None:
    settings = Settings(AURA_STORAGE_BACKEND="azure", AURA_STORAGE_CONNECTION_STRING=connection_string)

    storage = build_storage(settings)

    assert isinstance(storage, AzureBlobStorage)
    info = storage.put(container, "built.txt", b"wired from settings", content_type="text/plain")
    assert storage.get(container, "built.txt") == b"wired from settings"
    assert storage.list(container) == [info]
