"""LocalFolderStorage against a real temporary folder: the adapter developers and tests run on."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

import pytest

from shared.settings import Settings
from shared.storage import (
    BlobExists,
    BlobImmutable,
    BlobInfo,
    BlobNotFound,
    LocalFolderStorage,
    build_storage,
)

pytestmark = pytest.mark.unit

CONTAINER = "engagements"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def storage(root: Path) -> LocalFolderStorage:
    return LocalFolderStorage(root)


def files_under(path: Path) -> set[Path]:
    return {p for p in path.rglob("*") if p.is_file()} if path.exists() else set()


def test_put_then_get_round_trips_bytes_and_reports_hash_and_size(storage: LocalFolderStorage) -> None:
    data = b"trial balance,2024\n" * 1000

    info = storage.put(CONTAINER, "firm-1/tb.csv", data, content_type="text/csv")

    assert info == BlobInfo(CONTAINER, "firm-1/tb.csv", len(data), hashlib.sha256(data).hexdigest(), "text/csv")
    assert storage.get(CONTAINER, "firm-1/tb.csv") == data
    assert storage.exists(CONTAINER, "firm-1/tb.csv")


def test_put_streams_from_a_file_object_larger_than_one_chunk(storage: LocalFolderStorage) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)

    info = storage.put(CONTAINER, "gl.bin", io.BytesIO(data))

    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.content_type == "application/octet-stream"
    with storage.open(CONTAINER, "gl.bin") as stream:
        first = stream.read(1000)
        rest = stream.read()
    assert first + rest == data


def test_overwrite_replaces_content_and_metadata(storage: LocalFolderStorage) -> None:
    storage.put(CONTAINER, "a.txt", b"old", content_type="text/plain")

    info = storage.put(CONTAINER, "a.txt", b"newer", content_type="application/json")

    assert storage.get(CONTAINER, "a.txt") == b"newer"
    assert storage.list(CONTAINER) == [info]


def test_overwrite_false_refuses_an_existing_blob_and_keeps_it(storage: LocalFolderStorage) -> None:
    storage.put(CONTAINER, "a.txt", b"first")

    with pytest.raises(BlobExists):
        storage.put(CONTAINER, "a.txt", b"second", overwrite=False)

    assert storage.get(CONTAINER, "a.txt") == b"first"


def test_list_filters_by_prefix_sorts_and_hides_sidecars_and_temp_files(
    storage: LocalFolderStorage, root: Path
) -> None:
    storage.put(CONTAINER, "firm-1/b.csv", b"b", content_type="text/csv")
    storage.put(CONTAINER, "firm-1/a.csv", b"aa", content_type="text/csv")
    storage.put(CONTAINER, "firm-2/c.csv", b"ccc")
    (root / CONTAINER / "firm-1" / ".aura-tmp-leftover").write_bytes(b"crashed write")

    listed = storage.list(CONTAINER, prefix="firm-1/")

    assert listed == [
        BlobInfo(CONTAINER, "firm-1/a.csv", 2, hashlib.sha256(b"aa").hexdigest(), "text/csv"),
        BlobInfo(CONTAINER, "firm-1/b.csv", 1, hashlib.sha256(b"b").hexdigest(), "text/csv"),
    ]
    assert [info.name for info in storage.list(CONTAINER)] == ["firm-1/a.csv", "firm-1/b.csv", "firm-2/c.csv"]


def test_list_of_a_container_never_written_is_empty(storage: LocalFolderStorage) -> None:
    assert storage.list("never-written") == []


def test_list_recomputes_the_hash_when_the_sidecar_is_missing(storage: LocalFolderStorage, root: Path) -> None:
    storage.put(CONTAINER, "a.txt", b"content", content_type="text/plain")
    for sidecar in files_under(root / ".meta"):
        sidecar.unlink()

    [info] = storage.list(CONTAINER)

    assert info.sha256 == hashlib.sha256(b"content").hexdigest()
    assert info.content_type == "application/octet-stream"


def test_delete_removes_blob_sidecar_and_empty_folders(storage: LocalFolderStorage, root: Path) -> None:
    storage.put(CONTAINER, "x/y/z.txt", b"z")

    storage.delete(CONTAINER, "x/y/z.txt")

    assert not storage.exists(CONTAINER, "x/y/z.txt")
    assert files_under(root) == set()
    # The folder is gone, so a blob named like it can now be written.
    storage.put(CONTAINER, "x", b"file where a folder was")


@pytest.mark.parametrize("operation", ["get", "open", "delete"])
def test_missing_blob_raises_blob_not_found(storage: LocalFolderStorage, operation: str) -> None:
    storage.put(CONTAINER, "present.txt", b"here")

    with pytest.raises(BlobNotFound):
        getattr(storage, operation)(CONTAINER, "absent.txt")
    with pytest.raises(KeyError):
        getattr(storage, operation)("no-such-container", "absent.txt")


def test_exists_is_false_for_missing_blob(storage: LocalFolderStorage) -> None:
    assert not storage.exists(CONTAINER, "absent.txt")


def test_put_immutable_is_write_once_and_read_only(storage: LocalFolderStorage, root: Path) -> None:
    info = storage.put_immutable(CONTAINER, "reports/final.pdf", b"%PDF-1.7", content_type="application/pdf")

    assert info.sha256 == hashlib.sha256(b"%PDF-1.7").hexdigest()
    path = root / CONTAINER / "reports" / "final.pdf"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    with pytest.raises(BlobExists):
        storage.put_immutable(CONTAINER, "reports/final.pdf", b"tampered", content_type="application/pdf")
    with pytest.raises(BlobImmutable):
        storage.put(CONTAINER, "reports/final.pdf", b"tampered")
    with pytest.raises(BlobImmutable):
        storage.delete(CONTAINER, "reports/final.pdf")
    assert storage.get(CONTAINER, "reports/final.pdf") == b"%PDF-1.7"
    assert storage.list(CONTAINER) == [info]


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "/etc/passwd",
        "a/../../b",
        "a\\b",
        "",
        "..",
        "./a",
        "a/./b",
        "a//b",
        "a/",
        "a\x00b",
        "a\nb",
        "x" * 1025,
        ".aura-tmp-x",
    ],
)
def test_unsafe_blob_names_are_rejected_and_nothing_is_written(tmp_path: Path, name: str) -> None:
    root = tmp_path / "sandbox" / "blobs"
    storage = LocalFolderStorage(root)
    before = files_under(tmp_path)

    with pytest.raises(ValueError):
        storage.put(CONTAINER, name, b"payload")
    with pytest.raises(ValueError):
        storage.put_immutable(CONTAINER, name, b"payload")
    for operation in ("get", "open", "exists", "delete"):
        with pytest.raises(ValueError):
            getattr(storage, operation)(CONTAINER, name)

    assert files_under(tmp_path) == before


def test_a_symlink_planted_inside_the_root_cannot_redirect_writes(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "blobs"
    (root / CONTAINER).mkdir(parents=True)
    (root / CONTAINER / "escape").symlink_to(outside)
    storage = LocalFolderStorage(root)

    with pytest.raises(ValueError):
        storage.put(CONTAINER, "escape/x.txt", b"payload")

    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    "container", ["ab", "a" * 64, "Engagements", "eng--x", "-eng", "eng-", "eng_x", "../x", ".meta", "eng/x"]
)
def test_bad_container_names_are_rejected(storage: LocalFolderStorage, root: Path, container: str) -> None:
    with pytest.raises(ValueError):
        storage.put(container, "a.txt", b"payload")
    with pytest.raises(ValueError):
        storage.list(container)
    assert files_under(root) == set()


@pytest.mark.parametrize("container", ["abc", "a" * 63, "eng-2024", "0x1"])
def test_good_container_names_are_accepted(storage: LocalFolderStorage, container: str) -> None:
    storage.put(container, "a.txt", b"payload")
    assert storage.get(container, "a.txt") == b"payload"


def test_a_blob_and_a_folder_of_the_same_name_conflict_with_a_clear_error(
    storage: LocalFolderStorage,
) -> None:
    storage.put(CONTAINER, "a", b"file")

    with pytest.raises(ValueError, match="conflicts"):
        storage.put(CONTAINER, "a/b", b"nested")


def test_build_storage_local_backend_uses_the_configured_folder(tmp_path: Path) -> None:
    settings = Settings(AURA_STORAGE_BACKEND="local", AURA_LOCAL_STORAGE_DIR=str(tmp_path / "store"))

    storage = build_storage(settings)

    assert isinstance(storage, LocalFolderStorage)
    storage.put(CONTAINER, "a.txt", b"x")
    assert (tmp_path / "store" / CONTAINER / "a.txt").read_bytes() == b"x"
