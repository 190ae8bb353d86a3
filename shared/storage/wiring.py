"""Which adapter this process uses, chosen from settings and built once, on first use."""

from __future__ import annotations

import functools
from pathlib import Path

from shared.errors import ConfigurationError
from shared.settings import Settings, get_settings
from shared.storage.azure_blob import AzureBlobStorage
from shared.storage.local import LocalFolderStorage
from shared.storage.port import BlobStorage


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


@functools.cache
def get_storage() -> BlobStorage:
    """The process-wide storage; built on first use so a bad setting never breaks import."""
    return build_storage(get_settings())
