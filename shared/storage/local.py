"""The local-folder adapter: blobs as files, for development and tests without Azure."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import os
import stat
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from shared.storage.names import validate_blob_name, validate_container_name
from shared.storage.port import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_DOWNLOAD_URL_LIFETIME,
    DEFAULT_UPLOAD_URL_LIFETIME,
    BlobExists,
    BlobImmutable,
    BlobInfo,
    BlobNotFound,
)
from shared.storage.streams import READ_CHUNK, as_stream


class LocalFolderStorage:
    """Blobs as files under root/<container>/<name>, for development and tests without Azure.

    Content type and hash live in a sidecar under root/.meta/<container>/, keyed by the hash of the
    blob name: a separate tree means no blob name can collide with a sidecar, and '.meta' can never
    be a container because container names cannot start with a dot. Temporary files sit next to
    their target (os.replace and os.link are only atomic within one file system) under a reserved
    prefix that blob names may not use.

    One file-system limit Azure does not have: 'a' and 'a/b' cannot both exist; such a write raises
    ValueError.
    """

    _TEMP_PREFIX = ".aura-tmp-"
    _META_DIR = ".meta"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- paths ------------------------------------------------------------------------------------

    def _blob_path(self, container: str, name: str) -> Path:
        validate_container_name(container)
        validate_blob_name(name)
        if any(segment.startswith(self._TEMP_PREFIX) for segment in name.split("/")):
            raise ValueError(f"blob name {name!r} uses the reserved prefix {self._TEMP_PREFIX!r}")
        path = self.root / container / name
        # Validation already rules out traversal; this re-check guards against symlinks planted
        # inside the root and against any future loosening of the name rules.
        root = self.root.resolve()
        if not path.resolve().is_relative_to(root / container):
            raise ValueError(f"blob name {name!r} resolves outside its container")
        return path

    def _meta_path(self, container: str, name: str) -> Path:
        key = hashlib.sha256(name.encode("utf-8")).hexdigest()
        return self.root / self._META_DIR / container / f"{key}.json"

    # -- writing ----------------------------------------------------------------------------------

    def put(
        self,
        container: str,
        name: str,
        data: bytes | BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        overwrite: bool = True,
    ) -> BlobInfo:
        return self._write(container, name, data, content_type, overwrite=overwrite, immutable=False)

    def put_immutable(
        self,
        container: str,
        name: str,
        data: bytes | BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> BlobInfo:
        """Write once: the file is created read-only and no later put or delete may touch it.

        The read-only mode documents intent on disk; the refusal itself is enforced in code,
        because a process running as root ignores file modes.
        """
        return self._write(container, name, data, content_type, overwrite=False, immutable=True)

    def _write(
        self,
        container: str,
        name: str,
        data: bytes | BinaryIO,
        content_type: str,
        *,
        overwrite: bool,
        immutable: bool,
    ) -> BlobInfo:
        path = self._blob_path(container, name)
        if path.is_file() and not overwrite:
            # Checked early only to avoid copying a large stream for nothing; os.link below is what
            # makes create-only atomic.
            raise BlobExists(f"{container}/{name}")
        self._refuse_if_immutable(path, container, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as error:
            raise ValueError(f"blob name {name!r} conflicts with an existing blob in local storage") from error

        fd, temp_name = tempfile.mkstemp(prefix=self._TEMP_PREFIX, dir=path.parent)
        temp = Path(temp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            source = as_stream(data)
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(READ_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            if immutable:
                temp.chmod(0o444)
            else:
                temp.chmod(0o644)
            self._publish(temp, path, container, name, overwrite=overwrite)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()

        info = BlobInfo(container, name, size, digest.hexdigest(), content_type)
        self._write_meta(info, immutable=immutable)
        return info

    def _publish(self, temp: Path, path: Path, container: str, name: str, *, overwrite: bool) -> None:
        """Make the finished file visible under its name in one step, so readers never see half a file."""
        if path.is_dir():
            raise ValueError(f"blob name {name!r} conflicts with an existing blob in local storage")
        if overwrite:
            os.replace(temp, path)
            return
        try:
            # A hard link fails if the name exists: an atomic create-only, unlike exists() + replace.
            os.link(temp, path)
        except FileExistsError as error:
            raise BlobExists(f"{container}/{name}") from error

    def _write_meta(self, info: BlobInfo, *, immutable: bool) -> None:
        meta_path = self._meta_path(info.container, info.name)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "name": info.name,
            "size": info.size,
            "sha256": info.sha256,
            "content_type": info.content_type,
            "immutable": immutable,
        }
        fd, temp_name = tempfile.mkstemp(prefix=self._TEMP_PREFIX, dir=meta_path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(document, out)
            os.replace(temp_name, meta_path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)

    def _refuse_if_immutable(self, path: Path, container: str, name: str) -> None:
        try:
            mode = path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            return
        if stat.S_ISREG(mode) and not mode & stat.S_IWUSR:
            raise BlobImmutable(f"{container}/{name} is write-once")

    # -- reading ----------------------------------------------------------------------------------

    def get(self, container: str, name: str) -> bytes:
        with self.open(container, name) as stream:
            return stream.read()

    def open(self, container: str, name: str) -> BinaryIO:
        path = self._blob_path(container, name)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as error:
            raise BlobNotFound(f"{container}/{name}") from error

    def exists(self, container: str, name: str) -> bool:
        return self._blob_path(container, name).is_file()

    def upload_url(
        self,
        container: str,
        name: str,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expires_in: timedelta = DEFAULT_UPLOAD_URL_LIFETIME,
    ) -> str | None:
        """None: a folder has no URL of its own, so callers offer their own upload route instead."""
        self._blob_path(container, name)
        return None

    def download_url(
        self,
        container: str,
        name: str,
        *,
        filename: str,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expires_in: timedelta = DEFAULT_DOWNLOAD_URL_LIFETIME,
    ) -> str | None:
        """None: a folder has no URL of its own, so callers serve the bytes themselves."""
        self._blob_path(container, name)
        return None

    def delete(self, container: str, name: str) -> None:
        path = self._blob_path(container, name)
        if not path.is_file():
            raise BlobNotFound(f"{container}/{name}")
        self._refuse_if_immutable(path, container, name)
        path.unlink()
        with contextlib.suppress(FileNotFoundError):
            self._meta_path(container, name).unlink()
        # Empty folders left behind would block a later blob named like the folder.
        container_dir = self.root / container
        parent = path.parent
        while parent != container_dir:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def list(self, container: str, prefix: str = "") -> builtins.list[BlobInfo]:
        validate_container_name(container)
        container_dir = self.root / container
        found: builtins.list[BlobInfo] = []
        for directory, _subdirs, files in os.walk(container_dir):
            for file_name in files:
                if file_name.startswith(self._TEMP_PREFIX):
                    continue
                name = (Path(directory) / file_name).relative_to(container_dir).as_posix()
                if name.startswith(prefix):
                    found.append(self._info(container, name))
        return sorted(found, key=lambda info: info.name)

    def _info(self, container: str, name: str) -> BlobInfo:
        path = self.root / container / name
        try:
            meta: dict[str, Any] = json.loads(self._meta_path(container, name).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            meta = {}
        size = path.stat().st_size
        sha256 = meta.get("sha256") if meta.get("size") == size else None
        if not isinstance(sha256, str):
            # No sidecar (a crash between data and sidecar, or a file copied in by hand): recompute.
            sha256 = _sha256_of_file(path)
        content_type = meta.get("content_type")
        if not isinstance(content_type, str):
            content_type = DEFAULT_CONTENT_TYPE
        return BlobInfo(container, name, size, sha256, content_type)


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
