"""The storage port: what every capability may ask of blob storage, whichever adapter answers.

Capabilities depend on `BlobStorage` only, so the same code stores engagement files in a folder on a
laptop and in a storage account in Azure. The errors are the port's own, so no caller ever imports
an SDK to catch one.
"""

from __future__ import annotations

import builtins
import dataclasses
from datetime import timedelta
from typing import BinaryIO, Protocol

DEFAULT_CONTENT_TYPE = "application/octet-stream"
DEFAULT_UPLOAD_URL_LIFETIME = timedelta(minutes=15)
DEFAULT_DOWNLOAD_URL_LIFETIME = timedelta(minutes=5)


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
