"""Names that reach storage or a user's disk: container and blob names, download file names.

Validated here, identically for every adapter, so a name that works locally also works in Azure and
no name can escape the local root.
"""

from __future__ import annotations

import os
import re
import unicodedata
from urllib.parse import quote

_CONTAINER_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_BLOB_NAME = 1024
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_FILENAME = 255


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
