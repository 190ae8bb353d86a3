"""The OpenAPI document shows the 403 the QC writes answer a role that may not run or waive."""

from __future__ import annotations

from typing import Any

import pytest

import functions.qc.api  # noqa: F401  (importing registers the endpoints)
from shared.http.openapi import build_document

pytestmark = pytest.mark.unit

QC = "/api/engagements/{engagement_id}/qc"


@pytest.fixture(scope="module")
def paths() -> dict[str, Any]:
    return dict(build_document(version="t")["paths"])


@pytest.mark.parametrize(
    ("path", "method"),
    [(QC + "/run", "post"), (QC + "/waivers", "post"), (QC + "/waivers/{waiver_id}", "delete")],
)
def test_runs_and_waivers_document_their_403(paths: dict[str, Any], path: str, method: str) -> None:
    responses = paths[path][method]["responses"]
    assert {"403", "404", "409"} <= set(responses), sorted(responses)
    assert responses["403"]["description"] == "The caller's role does not allow this"


@pytest.mark.parametrize("path", [QC, QC + "/waivers"])
def test_reads_answer_no_403(paths: dict[str, Any], path: str) -> None:
    assert "403" not in paths[path]["get"]["responses"]
