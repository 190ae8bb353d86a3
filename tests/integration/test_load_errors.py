"""Input that can never succeed is told at once, naming where: a CSV field beyond the csv module's limit
fails the load on its first delivery naming the row and the limit (and the preview answers 400 saying
the same); a file that is not UTF-8 loads as cp1252 with a warning naming that encoding; a JSON body with
a key twice is refused naming the key, on a sign-in as on any other endpoint."""

from __future__ import annotations

import csv

import pytest

from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import deliver, job, upload
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

LIMIT = csv.field_size_limit()


@pytest.fixture
def ws(database: str) -> Workspace:
    return workspace()


def _huge_header_field(blank_lines: int = 0) -> bytes:
    huge = '"' + "x" * (LIMIT + 1) + '"'
    return b"\n" * blank_lines + f"Journal ID,Account,Amount,Posting Date,{huge}\nJ1,1000,5,2026-01-01,a\n".encode()


@pytest.mark.parametrize("blank_lines", [0, 2])
def test_a_header_field_over_the_limit_fails_the_first_delivery_naming_row_and_limit(
    ws: Workspace, blank_lines: int
) -> None:
    accepted = upload(ws, ws.admin, "general_ledger", _huge_header_field(blank_lines))
    assert accepted.status == 202, accepted.body
    deliver(accepted.json()["job_id"], delivery_count=1)

    row = blank_lines + 1
    finished = job(ws, accepted.json()["job_id"])
    assert finished.status == "failed", "refused on the first delivery, not left for a retry"
    dataset = ws.call("GET", f"datasets/{accepted.json()['dataset_id']}", ws.admin).json()
    error = dataset["error"]
    assert error["code"] == "field_too_large"
    assert error["message"].startswith(f"Row {row} has a field longer than {LIMIT:,} characters"), error["message"]
    assert error["details"]["problems"] == [
        {"row": row, "column": None, "value": None, "reason": f"a field longer than {LIMIT:,} characters"}
    ]
    assert finished.error is not None and finished.error["code"] == "field_too_large"


def test_the_preview_of_such_a_file_is_a_400_naming_row_and_limit(ws: Workspace) -> None:
    reply = ws.call(
        "POST",
        "datasets/preview",
        ws.admin,
        body=_huge_header_field(),
        headers={"Content-Type": "text/csv"},
        params={"kind": "general_ledger"},
    )
    assert reply.status == 400, reply.body[:300]
    assert f"Row 1 has a field longer than {LIMIT:,} characters" in reply.json()["detail"]


def test_a_file_that_is_not_utf8_loads_as_cp1252_with_a_warning_naming_it(ws: Workspace) -> None:
    text = (
        "Journal ID,Line,Account,Debit,Credit,Effective Date,Entered By,Description\n"
        "J1,1,1100,10.00,,2026-03-02,ann,Müller Straße\n"
        "J1,2,4000,,10.00,2026-03-02,ann,Müller Straße\n"
    )
    accepted = upload(ws, ws.admin, "general_ledger", text.encode("cp1252"))
    assert accepted.status == 202, accepted.body
    deliver(accepted.json()["job_id"])
    dataset = ws.call("GET", f"datasets/{accepted.json()['dataset_id']}", ws.admin).json()
    assert dataset["status"] == "succeeded", dataset["error"]
    assert dataset["summary"]["details"]["encoding"] == "cp1252"
    warning = next(w for w in dataset["warnings"] if w["code"] == "read_as_cp1252")
    assert "cp1252" in warning["message"] and "not valid UTF-8" in warning["message"]
    lines = ws.call("GET", "journal-entries/J1", ws.admin).json()["lines"]
    assert lines[0]["description"] == "Müller Straße"

    utf8 = upload(ws, ws.admin, "general_ledger", text.replace("Müller", "Mueller").encode("utf-8"))
    deliver(utf8.json()["job_id"])
    plain = ws.call("GET", f"datasets/{utf8.json()['dataset_id']}", ws.admin).json()
    assert plain["status"] == "succeeded", plain["error"]
    assert all(w["code"] != "read_as_cp1252" for w in plain["warnings"])


def test_a_json_body_with_a_key_twice_is_refused_naming_the_key(ws: Workspace) -> None:
    login = request(
        "POST",
        "auth/login",
        body=b'{"email": "a@example.com", "password": "x", "password": "correct horse battery staple"}',
        headers={"Content-Type": "application/json"},
    )
    assert login.status == 400, login.body
    assert login.json()["detail"] == "The body has the key 'password' twice in one object"
    assert login.json()["errors"][0]["type"] == "json_duplicate_key"

    nested = ws.call(
        "POST",
        "samples",
        ws.admin,
        body=b'{"name": "s", "method": "random", "population": {"source": "items", "source": "general_ledger"},'
        b' "parameters": {"n": 1}}',
        headers={"Content-Type": "application/json"},
    )
    assert nested.status == 400, nested.body
    assert "'source'" in nested.json()["detail"]
    assert ws.call("GET", "samples", ws.admin).json()["total"] == 0, "nothing was created"

    fine = ws.call("POST", "transitions", ws.admin, json_body={"to": "planning"})
    assert fine.status == 200, "an ordinary body still passes"
