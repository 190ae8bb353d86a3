"""Blob storage: one port, a local-folder adapter for development and an Azure Blob adapter.

Capabilities depend on `BlobStorage` only, so the same code stores engagement files in a folder on a
laptop and in a storage account in Azure. Names are validated here, identically for both adapters,
so a name that works locally also works in Azure and no name can escape the local root.

The Azure SDK is imported inside the functions that use it: importing this module must stay cheap,
because every Function App imports it at cold start whether or not the invocation touches a blob.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import functools
import hashlib
import io
import itertools
import json
import os
import re
import stat
import tempfile
import threading
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import quote

from shared.errors import ConfigurationError
from shared.settings import Settings, get_settings

if TYPE_CHECKING:
    from azure.storage.blob import (
        BlobClient,
        BlobSasPermissions,
        BlobServiceClient,
        StorageStreamDownloader,
        UserDelegationKey,
    )

DEFAULT_CONTENT_TYPE = "application/octet-stream"
DEFAULT_UPLOAD_URL_LIFETIME = timedelta(minutes=15)
DEFAULT_DOWNLOAD_URL_LIFETIME = timedelta(minutes=5)

# Reading and hashing in chunks keeps memory flat for multi-gigabyte ledgers.
_READ_CHUNK = 1024 * 1024
# A user delegation key is fetched for this long and reused until a URL would outlive it (Azure allows 7 days).
_DELEGATION_KEY_LIFETIME = timedelta(hours=6)
# Clock skew between this host and the storage service: keys start this early, URLs stop short of a key's end.
_CLOCK_SKEW = timedelta(minutes=5)
_MAX_URL_LIFETIME = _DELEGATION_KEY_LIFETIME - 2 * _CLOCK_SKEW
# Azure block size: big enough to keep the request count low, small enough that two blocks in flight
# (the upload concurrency) stay well inside a Function's memory.
_AZURE_BLOCK = 4 * 1024 * 1024
_AZURE_UPLOAD_CONCURRENCY = 2

_CONTAINER_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_BLOB_NAME = 1024
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_SHA256_METADATA_KEY = "sha256"


class BlobNotFound(KeyError):  # noqa: N818 - the port's published name
    """No blob (or no container) by that name; a KeyError so mapping-style callers can catch it."""


class BlobExists(Exception):  # noqa: N818 - the port's published name
    """A write that must not replace an existing blob found one already there."""


class BlobImmutable(BlobExists):
    """The blob is write-once: it can be neither replaced nor deleted.

    A subclass of BlobExists so that code guarding a create-only write needs one except clause.
    """


@dataclasses.dataclass(frozen=True, slots=True)
class BlobInfo:
    """What is known about a stored blob; sha256 is empty only for blobs written by other tools."""

    container: str
    name: str
    size: int
    sha256: str
    content_type: str


class BlobStorage(Protocol):
    """The port every capability uses; adapters differ only in where the bytes go."""

    def put(
        self,
        container: str,
        name: str,
        data: bytes | BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        overwrite: bool = True,
    ) -> BlobInfo: ...

    def get(self, container: str, name: str) -> bytes: ...

    def open(self, container: str, name: str) -> BinaryIO: ...

    def exists(self, container: str, name: str) -> bool: ...

    def delete(self, container: str, name: str) -> None: ...

    def list(self, container: str, prefix: str = "") -> builtins.list[BlobInfo]: ...

    def put_immutable(
        self,
        container: str,
        name: str,
        data: bytes | BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> BlobInfo: ...

    def upload_url(
        self,
        container: str,
        name: str,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expires_in: timedelta = DEFAULT_UPLOAD_URL_LIFETIME,
    ) -> str | None:
        """A URL a client may PUT one new blob to directly, or None when the adapter has no such thing."""
        ...

    def download_url(
        self,
        container: str,
        name: str,
        *,
        filename: str,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expires_in: timedelta = DEFAULT_DOWNLOAD_URL_LIFETIME,
    ) -> str | None:
        """A URL a client may GET this blob from directly, served as an attachment named `filename`
        with `content_type`, or None when the adapter has no such thing."""
        ...


def attachment_disposition(filename: str) -> str:
    """Content-Disposition of a download saved as `filename`: an ASCII fallback and the exact name (RFC 6266).

    One format whether the bytes come through the API or straight from storage, so a client sees
    the same name either way.
    """
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def validate_container_name(container: str) -> None:
    """Apply Azure's container rules locally too, so a name never works in development only."""
    if not (3 <= len(container) <= 63) or not _CONTAINER_NAME.fullmatch(container):
        raise ValueError(
            f"invalid container name {container!r}: use 3-63 lowercase letters, digits and single "
            "hyphens, starting and ending with a letter or digit"
        )


def validate_blob_name(name: str) -> None:
    """Reject every name that could leave the container on a file system or be rewritten by a URL.

    '.' and '..' segments are normalised away by HTTP clients and file systems alike, empty segments
    ('a//b', 'a/') collapse, and backslashes are separators on Windows: each would let two names
    reach the same object, or one name reach outside its container.
    """
    if not name:
        raise ValueError("blob name must not be empty")
    if len(name) > _MAX_BLOB_NAME:
        raise ValueError(f"blob name is longer than {_MAX_BLOB_NAME} characters")
    if _CONTROL_CHARACTERS.search(name):
        raise ValueError(f"blob name {name!r} contains a control character")
    if "\\" in name:
        raise ValueError(f"blob name {name!r} contains a backslash")
    if name.startswith("/"):
        raise ValueError(f"blob name {name!r} is absolute")
    for segment in name.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"blob name {name!r} has an empty, '.' or '..' segment")


def _as_stream(data: bytes | BinaryIO) -> BinaryIO:
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data)
    return data


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """Fill a whole block even from sources that return short reads (sockets, pipes)."""
    parts: builtins.list[bytes] = []
    remaining = size
    while remaining:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


# --------------------------------------------------------------------------------------------------
# Local folder


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
            source = _as_stream(data)
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(_READ_CHUNK):
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
        while chunk := stream.read(_READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# Azure Blob Storage


class _DownloadReader(io.RawIOBase):
    """A file object over a blob download, so callers stream with .read() as they would a file."""

    def __init__(self, downloader: StorageStreamDownloader[bytes]) -> None:
        super().__init__()
        self._downloader = downloader

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._downloader.read(len(view))
        view[: len(data)] = data
        return len(data)


class AzureBlobStorage:
    """Blobs in an Azure storage account (or Azurite) through a BlobServiceClient.

    The SHA-256 is stored as blob metadata in the same request that makes the blob visible, so a
    listed blob always carries the hash of its own bytes. Azure only offers MD5, and only per
    request; audit evidence needs a content hash that can be cited.
    """

    def __init__(self, service_client: BlobServiceClient, *, immutability_days: int | None = None) -> None:
        """`immutability_days` locks each put_immutable blob version for that many days.

        Leave it None unless the container has version-level immutability (WORM) enabled: the
        lock call fails on other containers, and Azurite implements no immutability policies at
        all. Without it, put_immutable is still create-only (a second write raises BlobExists),
        but an account administrator could delete the blob.
        """
        if immutability_days is not None and immutability_days < 1:
            raise ValueError("immutability_days must be at least 1")
        self.service_client = service_client
        self.immutability_days = immutability_days
        self._known_containers: set[str] = set()
        self._delegation_key: tuple[UserDelegationKey, datetime] | None = None
        self._delegation_lock = threading.Lock()

    def _blob(self, container: str, name: str) -> BlobClient:
        validate_container_name(container)
        validate_blob_name(name)
        return self.service_client.get_blob_client(container, name)

    def _ensure_container(self, container: str) -> None:
        """Create the container on its first write in this process, so no deployment step is needed.

        Remembered per process: one extra request per container per cold start, not per write.
        """
        if container in self._known_containers:
            return
        from azure.core.exceptions import ResourceExistsError

        with contextlib.suppress(ResourceExistsError):
            self.service_client.create_container(container)
        self._known_containers.add(container)

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
        blob = self._blob(container, name)
        self._ensure_container(container)
        return self._upload(blob, container, name, data, content_type, overwrite=overwrite)

    def put_immutable(
        self,
        container: str,
        name: str,
        data: bytes | BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
    ) -> BlobInfo:
        """Create-only upload, then a locked version-level retention policy when one is configured.

        The lock is a second request after the upload: Azure has no single call that writes a blob
        and locks it. If the lock fails the error propagates, because evidence that is only
        believed to be locked is worse than a failed write; fix the container, not the caller.
        """
        blob = self._blob(container, name)
        self._ensure_container(container)
        info = self._upload(blob, container, name, data, content_type, overwrite=False)
        if self.immutability_days is not None:
            from azure.storage.blob import ImmutabilityPolicy

            expiry = datetime.now(UTC) + timedelta(days=self.immutability_days)
            blob.set_immutability_policy(ImmutabilityPolicy(expiry_time=expiry, policy_mode="Locked"))
        return info

    def _upload(
        self,
        blob: BlobClient,
        container: str,
        name: str,
        data: bytes | BinaryIO,
        content_type: str,
        *,
        overwrite: bool,
    ) -> BlobInfo:
        """Hash while sending, and attach the hash in the request that commits the blob.

        upload_blob serialises metadata before it reads the stream, so it can only carry a hash
        known in advance. Up to one block, the data is in memory anyway: hash it, then one
        upload_blob. Beyond that, blocks are hashed as they are read and staged (two in flight),
        and the block list is committed with the hash - one pass over the source, constant memory,
        and the blob appears complete with its hash or not at all.
        """
        from azure.core.exceptions import ResourceExistsError, ResourceModifiedError
        from azure.storage.blob import BlobBlock, ContentSettings

        source = _as_stream(data)
        first = _read_exactly(source, _AZURE_BLOCK)
        content_settings = ContentSettings(content_type=content_type)

        try:
            with _mapped_errors(container, name):
                following = _read_exactly(source, _AZURE_BLOCK)
                if not following:
                    sha256 = hashlib.sha256(first).hexdigest()
                    blob.upload_blob(
                        first,
                        overwrite=overwrite,
                        content_settings=content_settings,
                        metadata={_SHA256_METADATA_KEY: sha256},
                        max_concurrency=_AZURE_UPLOAD_CONCURRENCY,
                    )
                    return BlobInfo(container, name, len(first), sha256, content_type)

                if not overwrite and blob.exists():
                    # Fail before sending gigabytes; the commit condition below is what is atomic.
                    raise BlobExists(f"{container}/{name}")
                rest = iter(lambda: _read_exactly(source, _AZURE_BLOCK), b"")
                block_ids, size, sha256 = _stage_blocks(blob, itertools.chain((first, following), rest))
                condition: dict[str, Any] = {} if overwrite else {"if_none_match": "*"}
                blob.commit_block_list(
                    [BlobBlock(block_id=block_id) for block_id in block_ids],
                    content_settings=content_settings,
                    metadata={_SHA256_METADATA_KEY: sha256},
                    **condition,
                )
                return BlobInfo(container, name, size, sha256, content_type)
        except (ResourceExistsError, ResourceModifiedError) as error:
            # upload_blob reports an existing blob as ResourceExistsError; a failed if_none_match
            # on commit comes back as ResourceModifiedError (412).
            if overwrite:
                raise
            raise BlobExists(f"{container}/{name}") from error

    def upload_url(
        self,
        container: str,
        name: str,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expires_in: timedelta = DEFAULT_UPLOAD_URL_LIFETIME,
    ) -> str | None:
        """A blob SAS URL that may create this one blob and nothing else, until `expires_in` from now.

        Create permission alone lets the holder write the blob while it does not exist, never
        replace it, read it or list anything: a leaked URL can at worst plant the one file the
        server is waiting for, and completing the upload hashes whatever is there. The client sets
        the content type on its own PUT; a SAS cannot constrain it.
        """
        from azure.storage.blob import BlobSasPermissions

        url = self._signed_url(self._blob(container, name), BlobSasPermissions(create=True), expires_in)
        self._ensure_container(container)
        return url

    def download_url(
        self,
        container: str,
        name: str,
        *,
        filename: str,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expires_in: timedelta = DEFAULT_DOWNLOAD_URL_LIFETIME,
    ) -> str | None:
        """A blob SAS URL that may read this one blob and nothing else, until `expires_in` from now.

        Read permission alone: the holder can neither write, delete nor list. The response headers
        are fixed by the signature (rscd, rsct), so the browser saves the file under its evidence
        name with its recorded type, whatever the blob itself carries. Storage checks the expiry
        when a request starts: a download already running finishes, a later range request does not.
        """
        from azure.storage.blob import BlobSasPermissions

        blob = self._blob(container, name)
        return self._signed_url(
            blob,
            BlobSasPermissions(read=True),
            expires_in,
            content_disposition=attachment_disposition(filename),
            content_type=content_type,
        )

    def _signed_url(
        self,
        blob: BlobClient,
        permission: BlobSasPermissions,
        expires_in: timedelta,
        *,
        content_disposition: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """The blob's URL with a SAS granting `permission` until `expires_in` from now, and fixing
        the response's Content-Disposition and Content-Type when given.

        Signed with the account key when the client has one (Azurite, connection strings), else
        with a user delegation key, the only signer left once shared keys are disabled; the
        identity needs 'Storage Blob Delegator' on the account (Storage Blob Data Contributor
        includes it). HTTPS only, unless the account itself is served over HTTP (Azurite).
        """
        from azure.storage.blob import generate_blob_sas

        if not timedelta(0) < expires_in <= _MAX_URL_LIFETIME:
            raise ValueError(f"expires_in must be positive and at most {_MAX_URL_LIFETIME}")
        expiry = datetime.now(UTC) + expires_in
        signer: dict[str, Any]
        account_key = getattr(self.service_client.credential, "account_key", None)
        if isinstance(account_key, str) and account_key:
            signer = {"account_key": account_key}
        else:
            signer = {"user_delegation_key": self._user_delegation_key(valid_until=expiry)}
        insecure = self.service_client.url.lower().startswith("http://")
        token = generate_blob_sas(
            account_name=self.service_client.account_name or "",
            container_name=blob.container_name,
            blob_name=blob.blob_name,
            permission=permission,
            expiry=expiry,
            protocol="https,http" if insecure else "https",
            content_disposition=content_disposition,
            content_type=content_type,
            **signer,
        )
        return f"{blob.url}?{token}"

    def _user_delegation_key(self, *, valid_until: datetime) -> UserDelegationKey:
        """A delegation key that outlives `valid_until`, fetched again only when the cached one would not.

        Fetching one is a round trip to Entra-authorised storage; every signed URL of the next
        hours can share it.
        """
        with self._delegation_lock:
            cached = self._delegation_key
            if cached is not None and cached[1] - _CLOCK_SKEW >= valid_until:
                return cached[0]
            now = datetime.now(UTC)
            expiry = now + _DELEGATION_KEY_LIFETIME
            key = self.service_client.get_user_delegation_key(key_start_time=now - _CLOCK_SKEW, key_expiry_time=expiry)
            self._delegation_key = (key, expiry)
            return key

    # -- reading ----------------------------------------------------------------------------------

    def get(self, container: str, name: str) -> bytes:
        blob = self._blob(container, name)
        with _mapped_errors(container, name):
            return blob.download_blob().readall()

    def open(self, container: str, name: str) -> BinaryIO:
        """Stream the blob; the first range is fetched now, so a missing blob fails here."""
        blob = self._blob(container, name)
        with _mapped_errors(container, name):
            downloader = blob.download_blob()
        return io.BufferedReader(_DownloadReader(downloader), buffer_size=_READ_CHUNK)

    def exists(self, container: str, name: str) -> bool:
        return self._blob(container, name).exists()

    def delete(self, container: str, name: str) -> None:
        blob = self._blob(container, name)
        with _mapped_errors(container, name):
            blob.delete_blob()

    def list(self, container: str, prefix: str = "") -> builtins.list[BlobInfo]:
        from azure.core.exceptions import ResourceNotFoundError

        validate_container_name(container)
        container_client = self.service_client.get_container_client(container)
        try:
            return [
                BlobInfo(
                    container=container,
                    name=item.name,
                    size=item.size,
                    sha256=(item.metadata or {}).get(_SHA256_METADATA_KEY, ""),
                    content_type=item.content_settings.content_type or DEFAULT_CONTENT_TYPE,
                )
                for item in container_client.list_blobs(name_starts_with=prefix or None, include=["metadata"])
            ]
        except ResourceNotFoundError:
            return []


def _stage_blocks(blob: BlobClient, blocks: Iterable[bytes]) -> tuple[builtins.list[str], int, str]:
    """Stage blocks two at a time while hashing them in order; returns ids, size and SHA-256."""
    from concurrent.futures import Future, ThreadPoolExecutor

    # Uncommitted block ids belong to the blob, not the upload: a random upload id keeps two
    # concurrent writers of one name from committing each other's blocks.
    upload_id = uuid.uuid4().hex
    digest = hashlib.sha256()
    block_ids: builtins.list[str] = []
    in_flight: builtins.list[Future[Any]] = []
    size = 0
    with ThreadPoolExecutor(max_workers=_AZURE_UPLOAD_CONCURRENCY) as pool:
        for block in blocks:
            digest.update(block)
            size += len(block)
            block_id = f"{upload_id}-{len(block_ids):08d}"
            block_ids.append(block_id)
            if len(in_flight) >= _AZURE_UPLOAD_CONCURRENCY:
                # Bounded read-ahead: memory stays at a few blocks however large the source is.
                in_flight.pop(0).result()
            in_flight.append(pool.submit(blob.stage_block, block_id, block))
        for future in in_flight:
            future.result()
    return block_ids, size, digest.hexdigest()


_IMMUTABLE_ERROR_CODES = frozenset({"BlobImmutableDueToPolicy", "BlobImmutableDueToLegalHold"})


@contextlib.contextmanager
def _mapped_errors(container: str, name: str) -> Iterator[None]:
    """Translate the SDK's errors into the port's, so callers never import azure.core."""
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

    try:
        yield
    except ResourceNotFoundError as error:
        raise BlobNotFound(f"{container}/{name}") from error
    except HttpResponseError as error:
        # The storage SDK sets error_code on every error it raises; azure-core does not declare it.
        if getattr(error, "error_code", None) in _IMMUTABLE_ERROR_CODES:
            raise BlobImmutable(f"{container}/{name} is write-once") from error
        raise


# --------------------------------------------------------------------------------------------------
# Wiring


def build_storage(settings: Settings) -> BlobStorage:
    """Choose the adapter from settings; identity-based in Azure, connection string for Azurite."""
    if settings.storage_backend == "local":
        return LocalFolderStorage(Path(settings.local_storage_dir))

    from azure.storage.blob import BlobServiceClient

    connection_string = settings.storage_connection_string.get_secret_value()
    if connection_string:
        return AzureBlobStorage(BlobServiceClient.from_connection_string(connection_string))
    if not settings.storage_account_url:
        raise ConfigurationError(
            "AURA_STORAGE_BACKEND=azure needs AURA_STORAGE_ACCOUNT_URL (managed identity) "
            "or AURA_STORAGE_CONNECTION_STRING (Azurite)"
        )
    from azure.identity import DefaultAzureCredential

    return AzureBlobStorage(
        BlobServiceClient(account_url=settings.storage_account_url, credential=DefaultAzureCredential())
    )


# The most one Put Blob request to Azure may carry, so the single PUT an upload session describes
# always fits; larger files would need staged blocks.
MAX_SINGLE_PUT_BYTES = 5000 * 1024 * 1024
MAX_FILENAME = 255


def sanitize_filename(raw: str) -> str:
    """The last path segment without control or format characters, at most 255 characters.

    The name is only ever shown and offered back as a download name (storage keys use the id), but
    a name with path parts or control characters would mislead whoever saves the download.
    """
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().rstrip(". ")
    if name in ("", ".", ".."):
        return ""
    if len(name) > MAX_FILENAME:
        stem, extension = os.path.splitext(name)
        if not 0 < len(extension) <= 16:
            stem, extension = name, ""
        name = stem[: MAX_FILENAME - len(extension)] + extension
    return name


def upload_target(
    storage: BlobStorage,
    container: str,
    name: str,
    *,
    content_type: str,
    expires_in: timedelta,
    stand_in_path: str,
    settings: Settings | None = None,
) -> tuple[str, dict[str, str]]:
    """Where a client PUTs a new blob, and with which headers: a create-only storage URL, or where the
    storage has none (a local folder), the API route at `stand_in_path` that takes the bytes instead."""
    url = storage.upload_url(container, name, content_type=content_type, expires_in=expires_in)
    if url is not None:
        return url, {"x-ms-blob-type": "BlockBlob", "Content-Type": content_type}
    base = (settings or get_settings()).public_base_url.rstrip("/")
    return base + stand_in_path, {"Content-Type": content_type, "Authorization": "Bearer <your access token>"}


@functools.cache
def get_storage() -> BlobStorage:
    """The process-wide storage; built on first use so a bad setting never breaks import."""
    return build_storage(get_settings())


__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DEFAULT_DOWNLOAD_URL_LIFETIME",
    "DEFAULT_UPLOAD_URL_LIFETIME",
    "AzureBlobStorage",
    "BlobExists",
    "BlobImmutable",
    "BlobInfo",
    "BlobNotFound",
    "BlobStorage",
    "LocalFolderStorage",
    "attachment_disposition",
    "build_storage",
    "MAX_SINGLE_PUT_BYTES",
    "get_storage",
    "sanitize_filename",
    "upload_target",
    "validate_blob_name",
    "validate_container_name",
]
