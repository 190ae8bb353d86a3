"""The column-mapping preview through the real trigger: header matching as the load does it, nothing stored.

Real PostgreSQL for who may ask (engagement visibility, data.upload, the finalized lock) and for the
check that a preview writes no dataset, job or audit record.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.db.models import AuditRecord, Job
from shared.db.models_ingestion import Dataset
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, new_client, workspace
from tests.ingestion_support import CSV, DATA, XLSX, XML
from tests.support import Reply

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

KNOWN_GL = (
    b"JE Number,Line,Account,Debit,Credit,Posting Date,Created By,Memo\n"
    b"JE-1,1,1000,1500.00,,2026-03-31,akim,Cash sale\n"
    b"JE-1,2,4000,,1500.00,2026-03-31,akim,Cash sale\n"
    b"JE-2,1,5000,400.00,,2026-04-30,bcho,Rent\n"
    b"JE-2,2,1000,,400.00,2026-04-30,bcho,Rent\n"
)
UNKNOWN_GL = b"Ref,Konto X,Value,Booked\nA-1,1000,100.00,2026-03-31\nA-1,4000,-100.00,2026-03-31\n"
UNKNOWN_MAP = {"journal_id": "Ref", "account_number": "Konto X", "amount": "Value", "effective_date": "Booked"}
EXCEL_VIEW = DATA / "saf-t" / "saft-financial-example-888888888-excel-view.xlsx"
SAFT = DATA / "saf-t" / "saft-financial-example-888888888.xml"


@pytest.fixture
def ws(database: str) -> Workspace:
    return workspace()


def preview(ws: Workspace, who: Person, kind: str, data: bytes, content_type: str = CSV, **params: Any) -> Reply:
    query = {"kind": kind, **{k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in params.items()}}
    return ws.call("POST", "datasets/preview", who, body=data, headers={"Content-Type": content_type}, params=query)


def mapped(answer: dict[str, Any]) -> dict[str, str | None]:
    return {f["field"]: f["column"] for f in answer["fields"]}


def stored(ws: Workspace) -> tuple[int, int, int]:
    """Datasets and jobs of the engagement, and its audit records: what an upload would have written."""
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        datasets = uow.session.scalar(
            select(func.count()).select_from(Dataset).where(Dataset.engagement_id == uuid.UUID(ws.engagement_id))
        )
        jobs = uow.session.scalar(
            select(func.count()).select_from(Job).where(Job.engagement_id == uuid.UUID(ws.engagement_id))
        )
        audit = uow.session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action.like("dataset.%"), AuditRecord.data["engagement_id"].astext == ws.engagement_id)
        )
    return int(datasets or 0), int(jobs or 0), int(audit or 0)


def test_known_headers_map_with_nothing_missing_and_the_first_rows_as_strings(ws: Workspace) -> None:
    reply = preview(ws, ws.admin, "general_ledger", KNOWN_GL)
    assert reply.status == 200, reply.body
    answer = reply.json()
    assert answer["format"] == "csv" and answer["ready"] is True
    assert answer["header"] == ["JE Number", "Line", "Account", "Debit", "Credit", "Posting Date", "Created By", "Memo"]
    assert answer["missing"] == [] and answer["problems"] == [] and answer["unmapped"] == []
    columns = mapped(answer)
    assert columns["journal_id"] == "JE Number" and columns["account_number"] == "Account"
    assert columns["debit"] == "Debit" and columns["credit"] == "Credit" and columns["amount"] is None
    assert columns["effective_date"] == "Posting Date" and columns["description"] == "Memo"
    assert answer["amount_forms"] == {"amount": "debit_credit"}
    required = {f["field"] for f in answer["fields"] if f["required"]}
    assert required == {"journal_id", "account_number", "amount", "effective_date"}
    debit = next(f for f in answer["fields"] if f["field"] == "debit")
    assert debit["amount_of"] == "amount" and debit["part"] == "debit" and debit["description"]
    assert [r["row"] for r in answer["rows"]] == [2, 3, 4, 5]
    assert answer["rows"][0]["cells"] == ["JE-1", "1", "1000", "1500.00", None, "2026-03-31", "akim", "Cash sale"]
    assert answer["sheets"] == [] and answer["details"]["delimiter"] == ","
    assert answer["sample_problems"] == []


def test_unknown_headers_are_unmapped_and_the_required_fields_missing(ws: Workspace) -> None:
    answer = preview(ws, ws.admin, "general_ledger", UNKNOWN_GL).json()
    assert answer["ready"] is False
    assert answer["unmapped"] == ["Ref", "Konto X", "Value", "Booked"]
    assert answer["missing"] == ["journal_id", "account_number", "amount", "effective_date"]
    assert all(column is None for column in mapped(answer).values())
    assert {p["column"] for p in answer["problems"]} == set(answer["missing"])
    assert answer["rows"][1]["cells"] == ["A-1", "4000", "-100.00", "2026-03-31"]


def test_a_column_map_fixes_the_mapping(ws: Workspace) -> None:
    answer = preview(ws, ws.admin, "general_ledger", UNKNOWN_GL, column_map=UNKNOWN_MAP).json()
    assert answer["ready"] is True and answer["missing"] == [] and answer["unmapped"] == []
    columns = mapped(answer)
    assert {field: columns[field] for field in UNKNOWN_MAP} == UNKNOWN_MAP
    assert answer["amount_forms"] == {"amount": "signed"}


def test_the_sample_rows_show_what_the_date_order_changes(ws: Workspace) -> None:
    data = b"Account Number,Journal ID,Amount,Posting Date\n1000,J1,10.00,31/03/2026\n4000,J1,-10.00,31/03/2026\n"
    without = preview(ws, ws.admin, "general_ledger", data).json()
    assert without["ready"] is True
    assert [(p["row"], p["column"], p["value"]) for p in without["sample_problems"]] == [
        (2, "Posting Date", "31/03/2026"),
        (3, "Posting Date", "31/03/2026"),
    ]
    assert "date_order" in without["sample_problems"][0]["reason"]
    assert preview(ws, ws.admin, "general_ledger", data, date_order="dmy").json()["sample_problems"] == []


def test_a_workbook_lists_its_sheets_and_reads_the_one_asked_for(ws: Workspace) -> None:
    data = EXCEL_VIEW.read_bytes()
    first = preview(ws, ws.admin, "general_ledger", data, XLSX).json()
    assert first["format"] == "xlsx"
    assert first["sheets"] == [
        "Disclaimer",
        "Dimensjoner",
        "Avgiftssatser",
        "Kontoer",
        "Kontospesifikasjoner",
        "Kunder",
        "Leverandører",
    ]
    assert first["sheet"] == "Disclaimer" and first["ready"] is False
    ledger = preview(ws, ws.admin, "general_ledger", data, XLSX, sheet="Kontospesifikasjoner").json()
    assert ledger["sheet"] == "Kontospesifikasjoner" and ledger["ready"] is True and ledger["missing"] == []
    assert mapped(ledger)["journal_id"] == "Bilagsnr." and mapped(ledger)["effective_date"] == "Posteringsdato"
    assert len(ledger["rows"]) == 20
    accounts = preview(ws, ws.admin, "trial_balance", data, XLSX, sheet="kontoer").json()
    assert accounts["sheet"] == "Kontoer" and mapped(accounts)["closing_balance"] == "Utgående balanse"


def test_a_saft_file_maps_its_own_fields(ws: Workspace) -> None:
    answer = preview(ws, ws.admin, "trial_balance", SAFT.read_bytes(), XML).json()
    assert answer["format"] == "saft" and answer["ready"] is True
    assert mapped(answer)["account_number"] == "account_number"


def test_a_csv_cut_at_a_byte_count_leaves_out_its_broken_last_line(ws: Workspace) -> None:
    rows = "".join(f"{i},Konto ü {i},{i}.00\n" for i in range(1000))
    data = ("Account,Name,Balance\n" + rows).encode()
    cut = data[: data.rfind("ü".encode()) + 1]  # in the middle of the last line's two-byte character
    answer = preview(ws, ws.admin, "trial_balance", cut).json()
    assert answer["ready"] is True and len(answer["rows"]) == 20
    assert answer["rows"][-1] == {"row": 21, "cells": ["19", "Konto ü 19", "19.00"]}


@pytest.mark.parametrize(
    ("params", "where", "code"),
    [
        ({"column_map": {"journal_number": "Ref"}}, ["query", "column_map", "journal_number"], "invalid_column_map"),
        ({"column_map": {"journal_id": "No such header"}}, ["query", "column_map", "journal_id"], "invalid_column_map"),
        ({"column_map": "not json"}, ["query", "column_map"], "validation_error"),
        ({"date_order": "ymd"}, ["query", "date_order"], "validation_error"),
    ],
)
def test_a_bad_option_is_refused_naming_it(ws: Workspace, params: dict[str, Any], where: list[str], code: str) -> None:
    reply = preview(ws, ws.admin, "general_ledger", UNKNOWN_GL, **params)
    assert reply.status == 400, reply.body
    problem = reply.json()
    assert problem["code"] == code
    assert [e["loc"] for e in problem["errors"]] == [where]


def test_an_unknown_kind_is_refused(ws: Workspace) -> None:
    reply = preview(ws, ws.admin, "balance_sheet", KNOWN_GL)
    assert reply.status == 400
    assert reply.json()["errors"][0]["loc"] == ["query", "kind"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"%PDF-1.7\n...", CSV, 400, "binary_file"),
        (b"PK\x03\x04 not really a zip", XLSX, 400, "unsupported_format"),
        (b"Account,Balance\n", CSV, 400, "no_rows"),
        (b"", CSV, 400, "empty_file"),
        (b"Account,Account\n1,2\n", CSV, 400, "duplicate_column"),
        (KNOWN_GL, XML, 415, "content_type_mismatch"),
    ],
)
def test_an_unreadable_file_is_refused_saying_why(
    ws: Workspace, data: bytes, content_type: str, status: int, code: str
) -> None:
    reply = preview(ws, ws.admin, "general_ledger", data, content_type)
    assert reply.status == status, reply.body
    assert reply.json()["code"] == code and reply.json()["detail"]


def test_a_missing_sheet_is_refused_naming_the_sheets(ws: Workspace) -> None:
    reply = preview(ws, ws.admin, "trial_balance", EXCEL_VIEW.read_bytes(), XLSX, sheet="Balance")
    assert reply.status == 400
    problem = reply.json()
    assert problem["code"] == "sheet_not_found" and "Kontoer" in problem["detail"]
    assert problem["errors"][0]["loc"] == ["query", "sheet"]


def test_the_engagements_client_user_may_preview_another_clients_user_may_not(ws: Workspace) -> None:
    assert preview(ws, ws.client_user(), "general_ledger", KNOWN_GL).status == 200
    other_client = new_client(ws.admin.token)
    elsewhere = Workspace(ws.firm_id, ws.admin, other_client, ws.engagement_id)
    stranger = elsewhere.client_user("stranger")
    reply = preview(ws, stranger, "general_ledger", KNOWN_GL)
    assert reply.status == 404 and reply.json()["code"] == "engagement_not_found"


def test_staff_without_data_upload_are_refused(ws: Workspace) -> None:
    qc = ws.person("qc", "qc_reviewer")  # sees every engagement of the firm, may not upload
    reply = preview(ws, qc, "general_ledger", KNOWN_GL)
    assert reply.status == 403 and reply.json()["code"] == "forbidden"


def test_staff_off_the_team_do_not_see_the_engagement(ws: Workspace) -> None:
    outsider = ws.person("outsider", "staff")
    assert preview(ws, outsider, "general_ledger", KNOWN_GL).status == 404


def test_a_finalized_engagement_is_not_previewed(ws: Workspace) -> None:
    ws.finalize()
    reply = preview(ws, ws.admin, "general_ledger", KNOWN_GL)
    assert reply.status == 409 and reply.json()["code"] == "engagement_locked"


def test_a_preview_writes_nothing(ws: Workspace) -> None:
    for data, content_type, params in (
        (KNOWN_GL, CSV, {}),
        (UNKNOWN_GL, CSV, {"column_map": UNKNOWN_MAP}),
        (EXCEL_VIEW.read_bytes(), XLSX, {"sheet": "Kontoer"}),
    ):
        assert preview(ws, ws.admin, "general_ledger", data, content_type, **params).status == 200
    assert preview(ws, ws.client_user(), "general_ledger", KNOWN_GL).status == 200
    assert stored(ws) == (0, 0, 0)
    assert ws.call("GET", "datasets", ws.admin).json()["total"] == 0
