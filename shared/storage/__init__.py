"""Blob storage: one port, a local-folder adapter for development and an Azure Blob adapter.

Callers import from here (`from shared.storage import BlobStorage, get_storage`); the modules
behind it are the port (port), name rules (names), the two adapters (local, azure_blob), how a
client uploads (uploads) and which adapter a process uses (wiring).

Importing this package must stay cheap: every Function App imports it at cold start, so the Azure
SDK is imported only inside the functions that use it.
"""

from shared.storage.azure_blob import AzureBlobStorage
from shared.storage.local import LocalFolderStorage
from shared.storage.names import (
    MAX_FILENAME,
    attachment_disposition,
    sanitize_filename,
    validate_blob_name,
    validate_container_name,
)
from shared.storage.port import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_DOWNLOAD_URL_LIFETIME,
    DEFAULT_UPLOAD_URL_LIFETIME,
    BlobExists,
    BlobImmutable,
    BlobInfo,
    BlobNotFound,
    BlobStorage,
)
from shared.storage.uploads import MAX_SINGLE_PUT_BYTES, upload_target
from shared.storage.wiring import build_storage, get_storage

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DEFAULT_DOWNLOAD_URL_LIFETIME",
    "DEFAULT_UPLOAD_URL_LIFETIME",
    "MAX_FILENAME",
    "MAX_SINGLE_PUT_BYTES",
    "AzureBlobStorage",
    "BlobExists",
    "BlobImmutable",
    "BlobInfo",
    "BlobNotFound",
    "BlobStorage",
    "LocalFolderStorage",
    "attachment_disposition",
    "build_storage",
    "get_storage",
    "sanitize_filename",
    "upload_target",
    "validate_blob_name",
    "validate_container_name",
]
