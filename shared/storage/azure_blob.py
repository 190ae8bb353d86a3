"""The Azure Blob adapter: blobs in a storage account (or Azurite) through the storage SDK.

The SDK is imported inside the functions that use it: importing this module must stay cheap,
because every Function App imports the storage package at cold start whether or not the
invocation touches a blob.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import itertools
import threading
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, BinaryIO

from shared import clock
from shared.storage.names import attachment_disposition, validate_blob_name, validate_container_name
from shared.storage.port import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_DOWNLOAD_URL_LIFETIME,
    DEFAULT_UPLOAD_URL_LIFETIME,
    BlobExists,
    BlobImmutable,
    BlobInfo,
    BlobNotFound,
)
from shared.storage.streams import READ_CHUNK, as_stream, read_exactly

if TYPE_CHECKING:
    from azure.storage.blob import (
        BlobClient,
        BlobSasPermissions,
        BlobServiceClient,
        StorageStreamDownloader,
        UserDelegationKey,
    )

# A user delegation key is fetched for this long and reused until a URL would outlive it (Azure allows 7 days).
_DELEGATION_KEY_LIFETIME = timedelta(hours=6)
# Clock skew between this host and the storage service: keys start this early, URLs stop short of a key's end.
_CLOCK_SKEW = timedelta(minutes=5)
_MAX_URL_LIFETIME = _DELEGATION_KEY_LIFETIME - 2 * _CLOCK_SKEW
# Azure block size: big enough to keep the request count low, small enough that two blocks in flight
# (the upload concurrency) stay well inside a Function's memory.
_AZURE_BLOCK = 4 * 1024 * 1024
_AZURE_UPLOAD_CONCURRENCY = 2
_SHA256_METADATA_KEY = "sha256"


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

            expiry = clock.now() + timedelta(days=self.immutability_days)
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

        source = as_stream(data)
        first = read_exactly(source, _AZURE_BLOCK)
        content_settings = ContentSettings(content_type=content_type)

        try:
            with _mapped_errors(container, name):
                following = read_exactly(source, _AZURE_BLOCK)
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
                rest = iter(lambda: read_exactly(source, _AZURE_BLOCK), b"")
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
        expiry = clock.now() + expires_in
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
            now = clock.now()
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
        return io.BufferedReader(_DownloadReader(downloader), buffer_size=READ_CHUNK)

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
