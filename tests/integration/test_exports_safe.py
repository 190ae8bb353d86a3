"""No file the API hands out carries a live formula, whatever the client's ledger or a user typed.

Every operation the OpenAPI document lists with a CSV or XLSX response is fed hostile text through real
data (a general ledger whose journal ids, memos and users read as formulas, a trial balance whose
account names do; samples named, keyed and noted that way; a disposition note) and its files are read
back: no XLSX cell is a formula (neither as openpyxl reads it nor as `<f>` in the sheet's XML), no text
cell of either format starts with a formula trigger, and each hostile value is there, behind its
apostrophe. An export operation without a recipe
here fails the test, so a new one cannot ship untested.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.analytics_support import load_general_ledger, run_tests
from tests.engagement_support import Workspace
from tests.ingestion_support import deliver, loaded
from tests.support import Reply, request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ['=HYPERLINK("http://evil.example.com")', "+1", "-cmd", "@SUM(A1)", "\tx", "\rx"]
# Inputs trim surrounding whitespace, so only these reach a file as they were typed.
SURVIVING = [value for value in HOSTILE if value == value.strip()]


@dataclass
class Produced:
    what: str
    media: str
    body: bytes
    expected: list[str]  # hostile values that must be in the file, behind an apostrophe


def _journal(journal_id: str, memo: str, user: str) -> list[dict[str, Any]]:
    common = {
        "Journal ID": journal_id,
        "Effective Date": "2026-03-02",
        "Entered Date": "2026-03-02",
        "Entered By": user,
        "Description": memo,
    }
    return [
        {**common, "Line": 1, "Account": "1100", "Debit": "5000.00", "Credit": ""},
        {**common, "Line": 2, "Account": "4000", "Debit": "", "Credit": "5000.00"},
    ]


def hostile_ledger() -> Workspace:
    """Every journal a round amount (so every one is flagged), its id, memo and user hostile (a tab or
    carriage return first would be trimmed by the loader, or end the CSV's line)."""
    rows = [line for n, value in enumerate(SURVIVING) for line in _journal(value, value, SURVIVING[-1 - n])]
    return load_general_ledger(rows)


def _export_je_tests(ws: Workspace) -> Iterator[Produced]:
    run = run_tests(ws, ["round_amount"])
    journal = next(j["journal_id"] for j in run.journals() if j["journal_id"] == "-cmd")
    disposed = ws.call(
        "PUT",
        f"je-tests/{run.id}/journals/{journal}/disposition",
        ws.admin,
        json_body={"status": "investigating", "note": '=HYPERLINK("http://evil.example.com")'},
    )
    assert disposed.status == 200, disposed.body
    for what in ("journals", "flagged_lines"):
        for fmt, media in (("csv", CSV), ("xlsx", XLSX)):
            reply = ws.call("GET", f"je-tests/{run.id}/export", ws.admin, params={"what": what, "format": fmt})
            yield _produced(f"je-tests {what}.{fmt}", media, reply, SURVIVING)


def _export_sample_workbook(ws: Workspace) -> Iterator[Produced]:
    items = [{"key": value, "description": value, "book_value": f"{100 + n}.00"} for n, value in enumerate(HOSTILE)]
    listed = {"source": "items", "items": items}
    for name, population in ((HOSTILE[0], listed), (HOSTILE[3], {"source": "general_ledger"})):
        body = {"name": name, "method": "random", "population": population, "parameters": {"n": 6}, "seed": 1}
        created = ws.call("POST", "samples", ws.admin, json_body=body)
        assert created.status == 201, created.body
        sample = created.json()
        note = {"items": [{"line": 1, "note": "+1 per the confirmation", "audited_value": "-5.00"}]}
        assert ws.call("PUT", f"samples/{sample['id']}/items", ws.admin, json_body=note).status == 200
        reply = ws.call("GET", f"samples/{sample['id']}/workbook", ws.admin)
        yield _produced(f"sample workbook ({population['source']})", XLSX, reply, SURVIVING)


def _export_statements(ws: Workspace) -> Iterator[Produced]:
    """A trial balance whose account names are hostile, mapped as suggested: each name is in a lead sheet."""
    _hostile_trial_balance(ws)
    reply = ws.call("GET", "statements-workbook", ws.admin)
    yield _produced("statements workbook", XLSX, reply, SURVIVING)


def _export_confirmations_summary(ws: Workspace) -> Iterator[Produced]:
    """A confirmation on each account of the hostile trial balance: the summary names each account."""
    _hostile_trial_balance(ws)
    for number, kind in (("1000", "bank"), ("1100", "receivable"), ("4000", "receivable"), ("5000", "payable")):
        body = {"kind": kind, "party_name": HOSTILE[0], "account_number": number, "amount_per_books": "100.00"}
        created = ws.call("POST", "confirmations", ws.admin, json_body=body)
        assert created.status == 201, created.body
    for fmt, media in (("csv", CSV), ("xlsx", XLSX)):
        reply = ws.call("GET", "confirmations/summary/export", ws.admin, params={"format": fmt})
        yield _produced(f"confirmations summary.{fmt}", media, reply, SURVIVING)


def _hostile_trial_balance(ws: Workspace) -> None:
    """A trial balance whose account names are the hostile values, loaded and mapped as suggested."""
    balances = ["5000.00", "1000.00", "-5000.00", "-1000.00"]
    lines = [
        f"{number},{_csv_text(name)},0.00,{amount}"
        for number, name, amount in zip(("1000", "1100", "4000", "5000"), SURVIVING, balances, strict=True)
    ]
    trial_balance = ("Account Number,Account Name,Opening Balance,Closing Balance\n" + "\n".join(lines) + "\n").encode()
    loaded(ws, ws.admin, "trial_balance", trial_balance)
    suggesting = ws.call("POST", "mapping/suggest", ws.admin)
    assert suggesting.status == 202, suggesting.body
    deliver(suggesting.json()["job_id"])
    assert ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True}).status == 200


def _export_journal_entries(ws: Workspace) -> Iterator[Produced]:
    """The ledger viewer's export of the hostile ledger: journal ids, memos and users as they were loaded."""
    for fmt, media in (("csv", CSV), ("xlsx", XLSX)):
        reply = ws.call("GET", "ledger/export", ws.admin, params={"format": fmt, "account": "1100"})
        yield _produced(f"ledger export.{fmt}", media, reply, SURVIVING)


def _csv_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


RECIPES: dict[str, Callable[[Workspace], Iterator[Produced]]] = {
    "export_confirmations_summary": _export_confirmations_summary,
    "export_je_tests": _export_je_tests,
    "export_journal_entries": _export_journal_entries,
    "export_sample_workbook": _export_sample_workbook,
    "export_statements": _export_statements,
}


def _produced(what: str, media: str, reply: Reply, expected: list[str]) -> Produced:
    assert reply.status == 200, (what, reply.body[:500])
    assert reply.headers["Content-Type"].split(";")[0] == media, what
    return Produced(what, media, reply.body, expected)


def export_operations() -> dict[str, set[str]]:
    """operationId -> the file media types its success answers with, from the served OpenAPI document."""
    document = request("GET", "openapi.json").json()
    found: dict[str, set[str]] = {}
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                media = {m for m in response.get("content", {}) if m.split(";")[0] in (CSV, XLSX)}
                if status.startswith("2") and media:
                    found.setdefault(operation["operationId"], set()).update(media)
    return found


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _csv_cells(body: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")) for cell in row]


def _xlsx_cells(what: str, body: bytes) -> list[Any]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        assert sheets, what
        for name in sheets:
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, f"{what}: {name} holds a formula"
    book = load_workbook(io.BytesIO(body))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [f"{cell.parent.title}!{cell.coordinate}={cell.value!r}" for cell in cells if cell.data_type == "f"]
    assert formulas == [], what
    return [cell.value for cell in cells]


def check(file: Produced) -> None:
    values = _csv_cells(file.body) if file.media == CSV else _xlsx_cells(file.what, file.body)
    texts = [value for value in values if isinstance(value, str)]
    live = [text for text in texts if text.startswith(TRIGGERS) and not (file.media == CSV and _is_number(text))]
    assert live == [], f"{file.what}: cells a spreadsheet would evaluate"
    missing = [value for value in file.expected if not any(text.startswith("'" + value) for text in texts)]
    assert missing == [], f"{file.what}: the hostile values never reached the file, so the test proves nothing"


def test_every_export_in_the_openapi_document_has_a_recipe_here() -> None:
    operations = export_operations()
    assert operations, "the document lists no CSV or XLSX response"
    assert set(operations) == set(RECIPES), "give each export operation a recipe of hostile data"


@pytest.mark.parametrize("operation", sorted(RECIPES))
def test_no_export_carries_a_live_formula(operation: str) -> None:
    ws = hostile_ledger()
    produced = list(RECIPES[operation](ws))
    assert produced
    media = {file.media for file in produced}
    assert media == {m.split(";")[0] for m in export_operations()[operation]}, "every format the operation offers"
    for file in produced:
        check(file)
