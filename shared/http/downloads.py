"""Files answered through the API: one set of headers for every download, so none can forget one.

A download is a client's data (a ledger export, an evidence file, a sample's workbook): no cache may
keep it (`no-store`, `private` for the shared ones in between), a browser must not guess it to be
HTML and run it (`nosniff`), and it is saved under a name that cannot break out of the header.
"""

from __future__ import annotations

from collections.abc import Mapping

import azure.functions as func

from shared.storage import attachment_disposition

NO_STORE = "private, no-store"


def download_headers(*, content_type: str, filename: str) -> dict[str, str]:
    """The headers of a file saved as `filename`; a redirect to storage sends the same cache rule."""
    return {
        "Content-Type": content_type,
        "Content-Disposition": attachment_disposition(filename),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": NO_STORE,
    }


def file_response(
    data: bytes, *, content_type: str, filename: str, headers: Mapping[str, str] | None = None
) -> func.HttpResponse:
    """A 200 carrying `data` as an attachment named `filename`; `headers` adds to (never replaces) the safe ones."""
    safe = download_headers(content_type=content_type, filename=filename)
    return func.HttpResponse(body=data, status_code=200, headers={**(headers or {}), **safe})
