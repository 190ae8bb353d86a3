"""Where a client sends the bytes of a new file: straight to storage when it can, else to the API."""

from __future__ import annotations

from datetime import timedelta

from shared.settings import Settings, get_settings
from shared.storage.port import BlobStorage

# The most one Put Blob request to Azure may carry, so the single PUT an upload session describes
# always fits; larger files would need staged blocks.
MAX_SINGLE_PUT_BYTES = 5000 * 1024 * 1024


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
