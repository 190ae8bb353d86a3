"""The ledger viewer's export (its filters, every page, as CSV or XLSX) and a version's original file."""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from functions.ingestion import reads
from tests.analytics_support import gl_csv, load_general_ledger
from tests.engagement_support import Workspace
from tests.ingestion_support import loaded

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _rows() -> list[dict[str, Any]]:
    rows = []
    for n in range(1, 13):
        common = {
            "Journal ID": f"J{n:03d}",
            "Effective Date": f"2026-{n:02d}-15",
            "Entered Date": f"2026-{n:02d}-15",
            "Entered By": "alice" if n % 2 else "bob",
            "Description": "Rent" if n % 3 == 0 else "Sales",
        }
        amount = f"{n * 100}.00"
        rows.append({**common, "Line": 1, "Account": "1100", "Debit": amount, "Credit": ""})
        rows.append({**common, "Line": 2, "Account": "4000", "Debit": "", "Credit": amount})
    return rows


@pytest.fixture(scope="module")
def ws(database: str) -> Workspace:
    return load_general_ledger(_rows())


def _csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_the_export_holds_exactly_the_lines_the_viewer_shows_for_the_same_filters(ws: Workspace) -> None:
    filters = {"user": "alice", "date_from": "2026-03-01", "date_to": "2026-09-30", "account": "1100"}
    shown = ws.call("GET", "journal-entries", ws.admin, params={**filters, "page_size": "500"}).json()
    reply = ws.call("GET", "ledger/export", ws.admin, params={**filters, "format": "csv"})
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"].startswith("text/csv")
    assert "general-ledger-v1.csv" in reply.headers["Content-Disposition"]
    assert reply.headers["Cache-Control"] == "private, no-store"
    exported = _csv(reply.body)
    assert [(r["journal_id"], r["line_number"]) for r in exported] == [
        (line["journal_id"], str(line["line_number"])) for line in shown["items"]
    ]
    assert [r["journal_id"] for r in exported] == ["J003", "J005", "J007", "J009"]
    assert {r["entered_by"] for r in exported} == {"alice"}
    assert sum(Decimal(r["debit"]) for r in exported) == Decimal("2400.00")


def test_the_xlsx_export_has_numbers_as_numbers_and_a_header(ws: Workspace) -> None:
    reply = ws.call("GET", "ledger/export", ws.admin, params={"text": "rent", "format": "xlsx"})
    assert reply.status == 200, reply.body
    sheet = load_workbook(io.BytesIO(reply.body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:6] == ["journal_id", "line_number", "account_number", "account_name", "debit", "credit"]
    body = rows[1:]
    assert len(body) == 8  # four rent journals of two lines
    credits = [row[header.index("credit")] for row in body if row[header.index("account_number")] == "4000"]
    assert sorted(credits) == [300, 600, 900, 1200]


def test_an_export_over_the_limit_is_refused_with_what_to_do(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reads, "EXPORT_MAX_LINES", 5)
    reply = ws.call("GET", "ledger/export", ws.admin, params={"user": "bob"})
    assert reply.status == 409
    assert reply.json()["code"] == "export_too_large"
    assert "Narrow the filters" in reply.json()["detail"]
    assert ws.call("GET", "ledger/export", ws.admin, params={"journal_id": "J002"}).status == 200


def test_the_export_is_for_the_team_only(ws: Workspace) -> None:
    assert ws.call("GET", "ledger/export", ws.client_user()).status == 403
    assert ws.call("GET", "ledger/export", ws.person("outsider", "staff")).status == 404
    assert ws.call("GET", "ledger/export", ws.admin, params={"format": "pdf"}).status == 400


def test_the_original_file_of_a_version_comes_back_byte_for_byte_and_is_audited(ws: Workspace) -> None:
    data = gl_csv(_rows())
    versions = ws.call("GET", "datasets", ws.admin, params={"kind": "general_ledger"}).json()["items"]
    dataset = versions[0]
    reply = ws.call("GET", f"datasets/{dataset['id']}/original", ws.admin)
    assert reply.status == 200, reply.body
    assert reply.body == data
    assert reply.headers["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
    assert "gl.csv" in reply.headers["Content-Disposition"]
    feed = ws.call("GET", "activity", ws.admin, params={"action": "dataset.downloaded"}).json()
    assert [item["target_id"] for item in feed["items"]][:1] == [dataset["id"]]


def test_the_original_file_is_refused_to_client_users_and_outsiders(ws: Workspace) -> None:
    tb = b"Account Number,Account Name,Opening Balance,Closing Balance\n1000,Cash,0.00,0.00\n"
    dataset = loaded(ws, ws.admin, "trial_balance", tb)
    path = f"datasets/{dataset['id']}/original"
    assert ws.call("GET", path, ws.admin).body == tb
    assert ws.call("GET", path, ws.client_user()).status == 403
    assert ws.call("GET", path, ws.person("outsider", "staff")).status == 404
    missing = ws.call("GET", "datasets/00000000-0000-4000-8000-000000000000/original", ws.admin)
    assert missing.status == 404
