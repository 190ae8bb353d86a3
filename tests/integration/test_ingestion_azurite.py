"""Ingestion on Blob Storage (Azurite): a large file PUT to a create-only SAS URL, then loaded by the job
from a forward-only blob download stream; a direct upload read back the same way."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from functions.ingestion.service import CONTAINER
from shared.storage import get_storage
from tests.engagement_support import workspace
from tests.ingestion_support import CSV, deliver, loaded
from tools.synthetic_ledger import LedgerSpec, write_general_ledger

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("azurite-ledger") / "gl.csv"
    facts = write_general_ledger(path, LedgerSpec(lines=20_000, seed=11))
    return {"facts": facts, "data": path.read_bytes()}


@pytest.mark.usefixtures("azure_storage")
def test_a_file_put_to_a_sas_url_loads_from_blob_storage(
    azurite_connection_string: str, ledger: dict[str, Any]
) -> None:
    ws = workspace()
    data = ledger["data"]
    started = ws.call(
        "POST", "uploads", ws.admin, json_body={"filename": "gl.csv", "content_type": CSV, "size_bytes": len(data)}
    )
    assert started.status == 201, started.body
    session = started.json()
    blob_endpoint = azurite_connection_string.split("BlobEndpoint=")[1].rstrip(";")
    assert session["upload_url"].startswith(f"{blob_endpoint}/{CONTAINER}/firms/{ws.firm_id}/")
    assert "sp=c&" in session["upload_url"]

    put = httpx.put(session["upload_url"], content=data, headers=session["headers"])
    assert put.status_code == 201, put.text
    assert httpx.put(session["upload_url"], content=b"tampered", headers=session["headers"]).status_code == 403

    accepted = ws.call(
        "POST",
        f"uploads/{session['upload_id']}/ingest",
        ws.admin,
        params={"kind": "general_ledger", "fiscal_start": "2025-01-01", "fiscal_end": "2025-12-31"},
    )
    assert accepted.status == 202, accepted.body
    deliver(accepted.json()["job_id"])

    dataset = ws.call("GET", f"datasets/{accepted.json()['dataset_id']}", ws.admin).json()
    assert dataset["status"] == "succeeded", dataset["error"]
    assert dataset["summary"]["lines"] == 20_000
    assert dataset["summary"]["debit_total"] == ledger["facts"].total_debit
    # Measured by the load itself, from the bytes it read out of storage.
    assert dataset["size_bytes"] == len(data)
    assert dataset["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.usefixtures("azure_storage")
def test_a_direct_upload_is_stored_in_blob_storage_and_loads(ledger: dict[str, Any]) -> None:
    ws = workspace()
    dataset = loaded(ws, ws.admin, "general_ledger", ledger["data"], fiscal_start="2025-01-01", fiscal_end="2025-12-31")
    assert dataset["summary"]["lines"] == 20_000
    stored = get_storage().list(CONTAINER, prefix=f"firms/{ws.firm_id}/")
    assert [blob.size for blob in stored] == [len(ledger["data"])]
