"""Ingestion end to end: upload through the HTTP trigger, load through the jobs queue trigger, read back.

Real PostgreSQL (COPY, row-level security, the lock trigger), the local-folder storage, the real
azure-functions triggers. Files come from the synthetic ledger generator and from the SAF-T example
the Norwegian Tax Administration publishes.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from shared.db.models import OutboxMessage
from shared.db.models_ingestion import Dataset, JournalLine
from shared.db.uow import UnitOfWork
from shared.storage import LocalFolderStorage
from tests.engagement_support import Workspace, new_engagement, workspace
from tests.ingestion_support import CSV, DATA, XLSX, XML, deliver, ingest, job, loaded, upload
from tools.synthetic_ledger import LedgerSpec, write_chart_of_accounts, write_general_ledger, write_trial_balance

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

FY2026 = {"fiscal_start": date(2026, 1, 1), "fiscal_end": date(2026, 12, 31)}
SAFT = DATA / "saf-t" / "saft-financial-example-888888888.xml"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory, database: str) -> dict[str, Any]:
    """A 10,000-line general ledger of fiscal 2026 with its trial balance and chart of accounts."""
    folder = tmp_path_factory.mktemp("ledger")
    spec = LedgerSpec(lines=10_000, seed=7, **FY2026)
    facts = write_general_ledger(folder / "gl.csv", spec)
    write_trial_balance(folder / "tb.csv", spec, facts)
    write_chart_of_accounts(folder / "coa.csv", spec)
    return {
        "facts": facts,
        "gl": (folder / "gl.csv").read_bytes(),
        "tb": (folder / "tb.csv").read_bytes(),
        "coa": (folder / "coa.csv").read_bytes(),
    }


@pytest.fixture
def ws(database: str) -> Workspace:
    return workspace()


@pytest.fixture(scope="module")
def gl_loaded(ledger: dict[str, Any]) -> Workspace:
    """One engagement with the ledger's general ledger loaded, shared by the tests that only read it."""
    shared = workspace()
    loaded(shared, shared.admin, "general_ledger", ledger["gl"])
    return shared


def line_count(ws: Workspace, dataset_id: str | None = None) -> int:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        query = select(func.count()).select_from(JournalLine).where(JournalLine.engagement_id == ws.engagement_id)
        if dataset_id:
            query = query.where(JournalLine.dataset_id == dataset_id)
        return int(uow.session.scalar(query) or 0)


def versions(ws: Workspace, kind: str) -> list[dict[str, Any]]:
    reply = ws.call("GET", "datasets", ws.admin, params={"kind": kind})
    assert reply.status == 200, reply.body
    return list(reply.json()["items"])


def current(ws: Workspace, kind: str) -> dict[str, Any] | None:
    return next((d for d in versions(ws, kind) if d["current"]), None)


def resaved(data: bytes) -> bytes:
    """The same CSV saved again with Windows line ends: the same figures, another file (an identical
    file is refused as a duplicate of the version it repeats)."""
    return data.replace(b"\n", b"\r\n")


def with_row_changed(data: bytes, row: int, column: str, value: str) -> bytes:
    """The CSV with one cell replaced; `row` is the spreadsheet row (the header is row 1)."""
    lines = data.decode().splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


# --- loading, versions, reads ----------------------------------------------------------------------


def test_a_general_ledger_loads_with_its_totals_and_emits_dataset_ingested(
    ws: Workspace, ledger: dict[str, Any]
) -> None:
    facts = ledger["facts"]
    dataset = loaded(ws, ws.admin, "general_ledger", ledger["gl"], filename="gl.csv")

    summary = dataset["summary"]
    assert summary["lines"] == facts.lines == 10_000
    assert summary["journals"] == facts.journals
    assert summary["unbalanced_journals"] == len(facts.planted["unbalanced"]) == 4
    assert Decimal(summary["debit_total"]) == Decimal(facts.total_debit)
    assert Decimal(summary["credit_total"]) == Decimal(facts.total_credit)
    assert dataset["version"] == 1 and dataset["current"] is True
    assert dataset["filename"] == "gl.csv" and len(dataset["sha256"]) == 64
    assert sum(p["lines"] for p in summary["periods"]) == 10_000
    assert line_count(ws, dataset["id"]) == 10_000
    finished = job(ws, dataset["job"]["id"])
    assert finished.status == "succeeded" and finished.progress == 1
    assert finished.result is not None
    assert (finished.result["lines"], finished.result["journals"]) == (10_000, facts.journals)
    assert finished.result["warnings"] == dataset["warnings"]
    assert len(finished.result["periods"]) == 12

    with UnitOfWork(system=True) as uow:
        events = uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "event", OutboxMessage.body["type"].astext == "dataset.ingested"
            )
        ).all()
    payloads = [e.body["payload"] for e in events if e.body["payload"]["dataset_id"] == dataset["id"]]
    assert len(payloads) == 1
    assert payloads[0]["engagement_id"] == ws.engagement_id
    assert payloads[0]["kind"] == "general_ledger" and payloads[0]["version"] == 1
    assert payloads[0]["summary"]["lines"] == 10_000


def test_journal_entries_filter_by_account_dates_user_journal_and_amount(gl_loaded: Workspace) -> None:
    ws = gl_loaded
    every = ws.call("GET", "journal-entries", ws.admin, params={"page_size": "500"}).json()
    assert every["total"] == 10_000
    first = every["items"][0]

    by_account = ws.call("GET", "journal-entries", ws.admin, params={"account": first["account_number"]}).json()
    assert by_account["total"] > 0
    assert {line["account_number"] for line in by_account["items"]} == {first["account_number"]}

    window = {"date_from": "2026-03-01", "date_to": "2026-03-31", "page_size": "500"}
    march = ws.call("GET", "journal-entries", ws.admin, params=window).json()
    assert 0 < march["total"] < 10_000
    assert all("2026-03-01" <= line["effective_date"] <= "2026-03-31" for line in march["items"])

    user = first["entered_by"]
    by_user = ws.call("GET", "journal-entries", ws.admin, params={"user": user, "page_size": "500"}).json()
    assert by_user["total"] > 0 and {line["entered_by"] for line in by_user["items"]} == {user}

    big = ws.call("GET", "journal-entries", ws.admin, params={"amount_min": "10000", "page_size": "500"}).json()
    assert all(Decimal(line["debit"]) + Decimal(line["credit"]) >= 10000 for line in big["items"])
    small = ws.call("GET", "journal-entries", ws.admin, params={"amount_max": "10"}).json()
    assert small["total"] + big["total"] < 10_000

    entry = ws.call("GET", f"journal-entries/{first['journal_id']}", ws.admin).json()
    assert entry["journal_id"] == first["journal_id"]
    assert [line["line_number"] for line in entry["lines"]] == sorted(line["line_number"] for line in entry["lines"])
    assert entry["balanced"] is (entry["debit_total"] == entry["credit_total"])
    only = ws.call("GET", "journal-entries", ws.admin, params={"journal_id": first["journal_id"]}).json()
    assert only["total"] == len(entry["lines"])

    missing = ws.call("GET", "journal-entries/NO-SUCH-JOURNAL", ws.admin)
    assert missing.status == 404 and missing.json()["code"] == "journal_not_found"


def test_versions_count_up_and_the_newest_good_one_is_current(ws: Workspace, ledger: dict[str, Any]) -> None:
    first = loaded(ws, ws.admin, "trial_balance", ledger["tb"])
    second = loaded(ws, ws.admin, "trial_balance", resaved(ledger["tb"]))
    bad = ingest(ws, ws.admin, "trial_balance", b"Account Number,Closing Balance\n1000,abc\n")

    assert (first["version"], second["version"], bad["version"]) == (1, 2, 3)
    assert bad["status"] == "failed" and bad["current"] is False
    assert current(ws, "trial_balance")["id"] == second["id"]
    older = ws.call("GET", "trial-balance", ws.admin, params={"version": "1"}).json()
    assert older["dataset"]["version"] == 1
    assert ws.call("GET", "trial-balance", ws.admin).json()["dataset"]["version"] == 2
    assert [d["version"] for d in versions(ws, "trial_balance")] == [3, 2, 1]


def test_the_trial_balance_reads_back_with_totals(ws: Workspace, ledger: dict[str, Any]) -> None:
    dataset = loaded(ws, ws.admin, "trial_balance", ledger["tb"])
    page = ws.call("GET", "trial-balance", ws.admin, params={"page_size": "500"}).json()
    assert page["dataset"] == {"id": dataset["id"], "version": 1}
    assert page["total"] == len(page["items"]) == dataset["summary"]["accounts"]
    closing = sum(Decimal(row["closing_balance"]) for row in page["items"])
    assert abs(closing) <= Decimal("0.01")
    totals = page["totals"]
    assert Decimal(totals["closing_debit"]) == sum(
        Decimal(r["closing_balance"]) for r in page["items"] if Decimal(r["closing_balance"]) > 0
    )
    assert totals["unbalanced"] is False


def test_the_rollforward_reconciles_and_then_names_each_account_that_does_not(
    ws: Workspace, ledger: dict[str, Any]
) -> None:
    unavailable = ws.call("GET", "rollforward", ws.admin)
    assert unavailable.status == 409 and unavailable.json()["code"] == "rollforward_unavailable"

    loaded(ws, ws.admin, "general_ledger", ledger["gl"])
    loaded(ws, ws.admin, "trial_balance", ledger["tb"])
    result = ws.call("GET", "rollforward", ws.admin).json()
    assert result["status"] == "reconciled", [i for i in result["items"] if i["status"] != "reconciled"]
    assert result["accounts_with_differences"] == 0 and result["accounts"] > 10

    # A trial balance whose cash account closes 100.00 higher, with another account taking the other side.
    lines = ledger["tb"].decode().splitlines()
    header, rows = lines[0], [row.split(",") for row in lines[1:]]
    # A second account closes 53,838.25 higher and the last takes both: the differences sum to 0.00 net.
    rows[0][3] = str(Decimal(rows[0][3]) + 100)
    rows[1][3] = str(Decimal(rows[1][3]) + Decimal("53838.25"))
    rows[-1][3] = str(Decimal(rows[-1][3]) - 100 - Decimal("53838.25"))
    changed = "\n".join([header, *(",".join(r) for r in rows)]).encode()
    loaded(ws, ws.admin, "trial_balance", changed)
    result = ws.call("GET", "rollforward", ws.admin).json()
    assert result["status"] == "differences"
    differing = {i["account_number"]: Decimal(i["difference"]) for i in result["items"] if i["status"] == "difference"}
    assert differing == {
        rows[0][0]: Decimal("-100.00"),
        rows[1][0]: Decimal("-53838.25"),
        rows[-1][0]: Decimal("53938.25"),
    }
    # Opposite signs do not cancel: the total is of the sizes, and the largest difference comes first.
    assert Decimal(result["total_difference"]) == Decimal("107876.50")
    assert Decimal(result["net_difference"]) == Decimal("0.00")
    assert [i["account_number"] for i in result["items"][:3]] == [rows[-1][0], rows[1][0], rows[0][0]]
    assert all(i["status"] == "reconciled" for i in result["items"][3:])


def test_a_trial_balance_without_opening_balances_cannot_roll_forward(ws: Workspace, ledger: dict[str, Any]) -> None:
    loaded(ws, ws.admin, "general_ledger", ledger["gl"])
    loaded(ws, ws.admin, "trial_balance", b"Account,Balance\n1000,50.00\n4000,-50.00\n")
    reply = ws.call("GET", "rollforward", ws.admin)
    assert reply.status == 409 and "opening" in reply.json()["detail"]


def test_a_chart_of_accounts_loads_and_reads_back_in_account_order(ws: Workspace, ledger: dict[str, Any]) -> None:
    dataset = loaded(ws, ws.admin, "chart_of_accounts", ledger["coa"])
    rows = ledger["coa"].decode().splitlines()[1:]
    assert dataset["summary"]["accounts"] == len(rows)
    page = ws.call("GET", "chart-of-accounts", ws.admin, params={"page_size": "500"}).json()
    assert page["dataset"] == {"id": dataset["id"], "version": 1} and page["total"] == len(rows)
    numbers = [item["account_number"] for item in page["items"]]
    assert numbers == sorted(row.split(",")[0] for row in rows)
    assert {item["normal_balance"] for item in page["items"]} == {"debit", "credit"}
    assert ws.call("GET", "chart-of-accounts", ws.client_user()).status == 403


# --- rejection: whole file or nothing -------------------------------------------------------------


def test_a_bad_date_on_row_7312_names_row_column_and_value_and_stores_nothing(
    ws: Workspace, ledger: dict[str, Any]
) -> None:
    good = loaded(ws, ws.admin, "general_ledger", ledger["gl"])
    broken = with_row_changed(ledger["gl"], 7312, "Effective Date", "2026-02-30")

    failed = ingest(ws, ws.admin, "general_ledger", broken)

    assert failed["status"] == "failed"
    error = failed["error"]
    assert error["code"] == "invalid_values"
    assert error["details"]["problem_count"] == 1
    problem = error["details"]["problems"][0]
    assert (problem["row"], problem["column"], problem["value"]) == (7312, "Effective Date", "2026-02-30")
    assert problem["reason"]
    assert line_count(ws, failed["id"]) == 0, "nothing of the refused file is stored"
    assert line_count(ws) == 10_000
    assert current(ws, "general_ledger")["id"] == good["id"]
    assert job(ws, failed["job"]["id"]).error["code"] == "invalid_values"


def test_a_missing_required_column_is_named(ws: Workspace) -> None:
    failed = ingest(ws, ws.admin, "general_ledger", b"Journal ID,Account,Amount\nJ1,1000,5.00\nJ1,2000,-5.00\n")
    assert failed["status"] == "failed" and failed["error"]["code"] == "missing_columns"
    assert "effective_date" in failed["error"]["message"]


def test_an_unbalanced_trial_balance_is_refused_with_the_difference_unless_allowed(ws: Workspace) -> None:
    data = b"Account Number,Account Name,Closing Balance\n1000,Cash,100.00\n3000,Equity,-90.00\n"
    refused = ingest(ws, ws.admin, "trial_balance", data)
    assert refused["status"] == "failed"
    assert refused["error"]["code"] == "trial_balance_unbalanced"
    assert "10.00" in refused["error"]["message"]
    assert "'Load although unbalanced' ticked" in refused["error"]["message"]  # the portal's checkbox
    assert "allow_unbalanced" not in refused["error"]["message"]

    kept = loaded(ws, ws.admin, "trial_balance", data, allow_unbalanced=True)
    assert kept["unbalanced"] is True and kept["current"] is True
    assert Decimal(kept["summary"]["difference"]) == Decimal("10.00")
    assert any(w["code"] == "unbalanced" for w in kept["warnings"])
    assert ws.call("GET", "trial-balance", ws.admin).json()["totals"]["unbalanced"] is True


@pytest.mark.parametrize(
    ("name", "data", "content_type", "code"),
    [
        ("binary", bytes(range(256)) * 64, CSV, "binary_file"),
        ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096, CSV, "binary_file"),
        ("header only", b"Journal ID,Account,Amount,Effective Date\n", CSV, "no_rows"),
    ],
)
def test_files_that_are_not_ledgers_get_clear_errors(
    ws: Workspace, name: str, data: bytes, content_type: str, code: str
) -> None:
    failed = ingest(ws, ws.admin, "general_ledger", data, content_type)
    assert failed["status"] == "failed", name
    assert failed["error"]["code"] == code, failed["error"]
    assert failed["error"]["message"]


def test_a_zero_byte_file_is_refused_at_once(ws: Workspace) -> None:
    reply = upload(ws, ws.admin, "general_ledger", b"")
    assert reply.status == 400 and reply.json()["code"] == "empty_file"
    assert versions(ws, "general_ledger") == []


@pytest.mark.slow  # compressing 2 GiB of zeros takes seconds of CPU
def test_a_zip_bomb_is_refused_without_inflating_it(ws: Workspace) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            block = b"\x00" * (1024 * 1024)
            for _ in range(2048):  # 2 GiB of zeros, a few MB compressed
                entry.write(block)
    failed = ingest(ws, ws.admin, "general_ledger", buffer.getvalue(), XLSX)
    assert failed["status"] == "failed" and failed["error"]["code"] == "zip_bomb"


def test_an_xml_entity_bomb_is_refused_without_expanding_it(ws: Workspace) -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
        )
        + b"]>\n<AuditFile><Header>&lol9;</Header></AuditFile>"
    )
    failed = ingest(ws, ws.admin, "general_ledger", bomb, XML)
    assert failed["status"] == "failed" and failed["error"]["code"] == "unsafe_xml"


def test_an_unaccepted_content_type_gets_415(ws: Workspace) -> None:
    reply = upload(ws, ws.admin, "general_ledger", b"%PDF-1.7", "application/pdf")
    assert reply.status == 415


# --- all or nothing when a load dies halfway ------------------------------------------------------


class DyingStream(io.RawIOBase):
    """A stored file whose reading fails halfway, as a killed worker or a dropped connection would."""

    def __init__(self, data: bytes, fail_at: int) -> None:
        self._data, self._at, self._fail_at = data, 0, fail_at

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._at >= self._fail_at:
            raise ConnectionResetError("the worker died")
        chunk = self._data[self._at : min(self._at + len(buffer), self._fail_at)]
        buffer[: len(chunk)] = chunk
        self._at += len(chunk)
        return len(chunk)


class DyingStorage(LocalFolderStorage):
    def __init__(self, root: Path, fail_at: int) -> None:
        super().__init__(root)
        self.fail_at = fail_at

    def open(self, container: str, name: str) -> Any:
        with super().open(container, name) as stream:
            data = stream.read()
        return io.BufferedReader(DyingStream(data, self.fail_at))


@pytest.fixture
def dying_storage(monkeypatch: pytest.MonkeyPatch) -> DyingStorage:
    from shared.settings import get_settings

    storage = DyingStorage(Path(get_settings().local_storage_dir), fail_at=10**12)
    monkeypatch.setattr("functions.ingestion.service.get_storage", lambda: storage)
    return storage


def test_a_load_that_dies_halfway_stores_nothing_and_loads_whole_when_redelivered(
    ws: Workspace, ledger: dict[str, Any], dying_storage: DyingStorage
) -> None:
    good = loaded(ws, ws.admin, "general_ledger", ledger["gl"])
    dying_storage.fail_at = len(ledger["gl"]) // 2
    accepted = upload(ws, ws.admin, "general_ledger", resaved(ledger["gl"])).json()

    with pytest.raises(ConnectionResetError):
        deliver(accepted["job_id"])

    assert line_count(ws, accepted["dataset_id"]) == 0
    assert current(ws, "general_ledger")["id"] == good["id"], "the previous version stays current"

    dying_storage.fail_at = 10**12  # the redelivered command finds the worker healthy
    deliver(accepted["job_id"], delivery_count=2)
    assert line_count(ws, accepted["dataset_id"]) == 10_000
    assert current(ws, "general_ledger")["id"] == accepted["dataset_id"]


def test_a_load_that_fails_ten_times_is_recorded_as_failed(
    ws: Workspace, ledger: dict[str, Any], dying_storage: DyingStorage
) -> None:
    dying_storage.fail_at = 1000
    accepted = upload(ws, ws.admin, "general_ledger", ledger["gl"]).json()
    with pytest.raises(ConnectionResetError):
        deliver(accepted["job_id"], delivery_count=10)
    dataset = ws.call("GET", f"datasets/{accepted['dataset_id']}", ws.admin).json()
    assert dataset["status"] == "failed" and dataset["error"]["code"] == "retries_exhausted"
    assert dataset["error"]["message"].startswith("The job was tried 10 times")
    assert line_count(ws, accepted["dataset_id"]) == 0


def test_a_nul_byte_far_into_the_file_is_named_not_sent_to_the_database(ws: Workspace, ledger: dict[str, Any]) -> None:
    good = loaded(ws, ws.admin, "general_ledger", ledger["gl"])
    # Past the part of the file that is sniffed for binary content; PostgreSQL text cannot hold it.
    broken = with_row_changed(ledger["gl"], 9000, "Description", "bad\x00text")
    failed = ingest(ws, ws.admin, "general_ledger", broken)
    assert failed["status"] == "failed", failed
    problem = failed["error"]["details"]["problems"][0]
    assert (problem["row"], problem["column"]) == (9000, "Description")
    assert line_count(ws, failed["id"]) == 0
    assert current(ws, "general_ledger")["id"] == good["id"]


def test_a_database_failure_halfway_stores_nothing_and_the_redelivery_loads_whole(
    ws: Workspace, ledger: dict[str, Any], monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    import psycopg

    from functions.ingestion import loader

    good = loaded(ws, ws.admin, "general_ledger", ledger["gl"])
    accepted = upload(ws, ws.admin, "general_ledger", resaved(ledger["gl"])).json()
    killed: list[int] = []
    original = loader.LedgerTotals.add

    def add_then_lose_the_database(self: loader.LedgerTotals, batch: Any) -> None:
        """While the COPY runs, the server ends the loader's session (a failover, an admin's kill)."""
        original(self, batch)
        with psycopg.connect(database.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
            killed.extend(
                row[0]
                for row in admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'COPY %journal_lines_%'"
                )
            )

    monkeypatch.setattr(loader.LedgerTotals, "add", add_then_lose_the_database)
    from sqlalchemy.exc import OperationalError

    with pytest.raises((psycopg.OperationalError, OperationalError)):  # the message goes back to the queue
        deliver(accepted["job_id"])
    assert killed == [True], "the loader's session was ended mid-COPY"
    assert line_count(ws, accepted["dataset_id"]) == 0
    assert current(ws, "general_ledger")["id"] == good["id"]

    monkeypatch.undo()
    deliver(accepted["job_id"], delivery_count=2)
    assert line_count(ws, accepted["dataset_id"]) == 10_000
    assert current(ws, "general_ledger")["id"] == accepted["dataset_id"]


def test_the_same_job_message_delivered_twice_loads_once(ws: Workspace, ledger: dict[str, Any]) -> None:
    accepted = upload(ws, ws.admin, "general_ledger", ledger["gl"]).json()
    deliver(accepted["job_id"])
    deliver(accepted["job_id"], delivery_count=2)
    assert line_count(ws, accepted["dataset_id"]) == 10_000


def test_two_deliveries_at_the_same_time_load_once(ws: Workspace, ledger: dict[str, Any]) -> None:
    import threading

    accepted = upload(ws, ws.admin, "general_ledger", ledger["gl"]).json()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            deliver(accepted["job_id"])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert line_count(ws, accepted["dataset_id"]) == 10_000


# --- who may upload and read -------------------------------------------------------------------------


def test_a_client_user_uploads_to_their_clients_engagement_and_no_other(ws: Workspace, ledger: dict[str, Any]) -> None:
    client = ws.client_user()
    dataset = ingest(ws, client, "trial_balance", ledger["tb"])
    assert dataset["status"] == "submitted", dataset["error"]  # current once the team accepts it
    assert dataset["created_by"] == client.user_id
    mine = ws.call("GET", "datasets", client)
    assert mine.status == 200 and [d["id"] for d in mine.json()["items"]] == [dataset["id"]]
    # The loaded figures are the firm's working material: the client user does not read them.
    assert ws.call("GET", "trial-balance", client).status == 403

    from tests.engagement_support import new_client

    other_client = new_client(ws.admin.token)
    other = new_engagement(ws.admin.token, other_client)
    reply = upload(Workspace(ws.firm_id, ws.admin, other_client, other["id"]), client, "trial_balance", ledger["tb"])
    assert reply.status == 404
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        assert (
            uow.session.scalar(select(func.count()).select_from(Dataset).where(Dataset.engagement_id == other["id"]))
            == 0
        )


def test_journal_entries_filter_by_sign_leading_digits_and_text_as_a_benford_bin_drills(gl_loaded: Workspace) -> None:
    ws = gl_loaded
    every = ws.call("GET", "journal-entries", ws.admin, params={"page_size": "500"}).json()["items"]
    bin_ = {"leading_digits": "1", "sign": "positive", "amount_min": "10", "page_size": "500"}
    ones = ws.call("GET", "journal-entries", ws.admin, params=bin_).json()
    assert ones["total"] > 0
    assert all(Decimal(line["debit"]) >= 10 and line["debit"].lstrip("0.").startswith("1") for line in ones["items"])
    assert all(Decimal(line["credit"]) == 0 for line in ones["items"])
    two = {**bin_, "leading_digits": "23"}
    twenty_threes = ws.call("GET", "journal-entries", ws.admin, params=two).json()
    assert all(line["debit"].replace(".", "").lstrip("0").startswith("23") for line in twenty_threes["items"])
    credits = ws.call("GET", "journal-entries", ws.admin, params={"sign": "negative", "page_size": "500"}).json()
    assert credits["total"] > 0 and all(Decimal(line["debit"]) == 0 for line in credits["items"])
    assert ws.call("GET", "journal-entries", ws.admin, params={"leading_digits": "0"}).status == 400

    described = next(line for line in every if line["description"])
    word = described["description"].split()[0]
    found = ws.call("GET", "journal-entries", ws.admin, params={"text": word.upper(), "page_size": "500"}).json()
    assert found["total"] > 0 and all(word.lower() in line["description"].lower() for line in found["items"])
    nothing = ws.call("GET", "journal-entries", ws.admin, params={"text": "%_no such words_%"}).json()
    assert nothing["total"] == 0

    outsider = ws.person("outsider-digits", "staff")
    assert ws.call("GET", "journal-entries", outsider, params=bin_).status == 404


def test_lines_are_hidden_from_client_users_and_from_staff_off_the_team(gl_loaded: Workspace) -> None:
    ws = gl_loaded
    client = ws.client_user()
    outsider = ws.person("outsider", "staff")
    for person in (client, outsider):
        with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(person.user_id)) as uow:
            seen = uow.session.scalar(
                text("SELECT count(*) FROM journal_lines WHERE engagement_id = :e"), {"e": ws.engagement_id}
            )
        assert seen == 0, person.role
    assert ws.call("GET", "journal-entries", outsider).status == 404
    member = ws.person("member", "staff", team_role="staff")
    assert ws.call("GET", "journal-entries", member).json()["total"] == 10_000


def test_each_general_ledger_version_is_a_partition_only_reached_through_journal_lines(
    ws: Workspace, ledger: dict[str, Any]
) -> None:
    from sqlalchemy.exc import ProgrammingError

    first = loaded(ws, ws.admin, "general_ledger", ledger["gl"])
    second = loaded(ws, ws.admin, "general_ledger", resaved(ledger["gl"]))
    partitions = [f"journal_lines_{uuid.UUID(d['id']).hex}" for d in (first, second)]
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        attached = uow.session.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'journal_lines'::regclass AND c.relname = ANY(:names)"
            ),
            {"names": partitions},
        ).all()
        assert sorted(attached) == sorted(partitions)
        for name in partitions:
            privileges = uow.session.scalar(
                text(
                    "SELECT has_table_privilege('aura_app', :t, 'SELECT') OR has_table_privilege('aura_app', :t, "
                    "'INSERT') OR has_table_privilege('aura_app', :t, 'UPDATE') OR "
                    "has_table_privilege('aura_app', :t, 'DELETE')"
                ),
                {"t": name},
            )
            assert privileges is False, name
            forced = uow.session.execute(
                text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = :t"), {"t": name}
            ).one()
            assert tuple(forced) == (True, True)
        # Reading through the parent: one partition per version, pruned by dataset.
        plan = "\n".join(
            uow.session.scalars(
                text(f"EXPLAIN SELECT count(*) FROM journal_lines WHERE dataset_id = '{first['id']}'")
            ).all()
        )
        assert partitions[0] in plan and partitions[1] not in plan
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow, pytest.raises(ProgrammingError):
        uow.session.execute(text(f"SELECT count(*) FROM {partitions[0]}"))


def test_the_partition_functions_refuse_a_dataset_the_caller_may_not_load(
    ws: Workspace, ledger: dict[str, Any]
) -> None:
    from sqlalchemy.exc import DBAPIError

    accepted = upload(ws, ws.admin, "general_ledger", ledger["gl"]).json()
    other = workspace()
    # Another firm's session cannot open a partition for this dataset, nor can a client user's.
    for firm_id, user_id in ((other.firm_id, other.admin.user_id), (ws.firm_id, ws.client_user().user_id)):
        with UnitOfWork(firm_id=firm_id, user_id=uuid.UUID(user_id)) as uow, pytest.raises(DBAPIError) as refused:
            uow.session.execute(text("SELECT aura_open_journal_partition(:d)"), {"d": accepted["dataset_id"]})
        assert "may load" in str(refused.value)
    loaded_dataset = line_count(ws, accepted["dataset_id"])
    assert loaded_dataset == 0


def test_lines_cannot_be_changed_or_removed_by_the_application(gl_loaded: Workspace) -> None:
    from sqlalchemy.exc import ProgrammingError

    ws = gl_loaded
    for statement in ("UPDATE journal_lines SET amount = 0", "DELETE FROM journal_lines"):
        with UnitOfWork(firm_id=ws.firm_id, system=True) as uow, pytest.raises(ProgrammingError):
            uow.session.execute(text(statement))
    assert line_count(ws) == 10_000


def test_nothing_loads_into_a_finalized_engagement(ws: Workspace, ledger: dict[str, Any]) -> None:
    accepted = upload(ws, ws.admin, "general_ledger", ledger["gl"]).json()
    ws.finalize()
    deliver(accepted["job_id"])
    dataset = ws.call("GET", f"datasets/{accepted['dataset_id']}", ws.admin).json()
    assert dataset["status"] == "failed"
    assert line_count(ws) == 0
    assert upload(ws, ws.admin, "general_ledger", ledger["gl"]).json()["code"] == "engagement_locked"
    assert upload(ws, ws.client_user(), "general_ledger", ledger["gl"]).json()["code"] == "engagement_locked"


# --- formats end to end -----------------------------------------------------------------------------


def test_the_saft_example_loads_with_its_header_totals(ws: Workspace) -> None:
    dataset = loaded(
        ws,
        ws.admin,
        "general_ledger",
        SAFT.read_bytes(),
        XML,
        filename=SAFT.name,
        fiscal_start="2017-01-01",
        fiscal_end="2017-12-31",
    )
    summary = dataset["summary"]
    assert summary["format"] == "saft"
    assert summary["lines"] == 170
    assert summary["journals"] == 53
    assert summary["debit_total"] == summary["credit_total"] == "9487049.35"
    assert summary["control_totals"]["total_debit"] == "9487049.35"


def test_the_saft_example_gives_a_trial_balance_and_chart_and_its_rollforward_names_the_differences(
    ws: Workspace,
) -> None:
    """The example covers January to April only and its account balances do not balance (closing debits
    exceed credits by 2,491,571.75); its roll-forward is off on 1920 by 53,838.25 and on 2711/2740 by
    0.35 either way, so the auditor sees exactly those three accounts."""
    data = SAFT.read_bytes()
    loaded(ws, ws.admin, "general_ledger", data, XML, fiscal_start="2017-01-01", fiscal_end="2017-12-31")
    refused = ingest(ws, ws.admin, "trial_balance", data, XML)
    assert refused["error"]["code"] == "trial_balance_unbalanced"
    assert "2491571.75" in refused["error"]["message"]
    tb = loaded(ws, ws.admin, "trial_balance", data, XML, allow_unbalanced=True)
    coa = loaded(ws, ws.admin, "chart_of_accounts", data, XML)
    assert tb["summary"]["accounts"] == coa["summary"]["accounts"] == 22

    result = ws.call("GET", "rollforward", ws.admin).json()
    differing = {i["account_number"]: Decimal(i["difference"]) for i in result["items"] if i["status"] == "difference"}
    assert differing == {"1920": Decimal("53838.25"), "2711": Decimal("-0.35"), "2740": Decimal("0.35")}


def test_the_saft_excel_view_loads_with_the_same_totals(ws: Workspace) -> None:
    """The view repeats some lines with zero amounts (214 rows for the XML's 170 lines) and ends with a
    totals row (debits 9,487,049.35, credits -9,487,049.35): that row is checked, not loaded."""
    view = DATA / "saf-t" / "saft-financial-example-888888888-excel-view.xlsx"
    dataset = loaded(
        ws,
        ws.admin,
        "general_ledger",
        view.read_bytes(),
        XLSX,
        sheet="Kontospesifikasjoner",
        fiscal_start="2017-01-01",
        fiscal_end="2017-12-31",
    )
    summary = dataset["summary"]
    assert summary["format"] == "xlsx"
    assert summary["lines"] == 214
    assert summary["journals"] == 53
    assert summary["debit_total"] == summary["credit_total"] == "9487049.35"
    assert summary["totals_row"]["row"] == 216
    assert summary["totals_row"]["Beløp/Deb"] == "9487049.35"


def test_a_totals_row_that_disagrees_with_the_lines_refuses_the_file(ws: Workspace) -> None:
    data = (
        b"JE Number,Account,Debit,Credit,Posting Date\n"
        b"J1,1000,10.00,,2026-01-02\nJ1,4000,,10.00,2026-01-02\n"
        b",,11.00,10.00,\n"
    )
    failed = ingest(ws, ws.admin, "general_ledger", data)
    assert failed["error"]["code"] == "control_totals_mismatch"
    assert failed["error"]["details"]["problems"][0]["row"] == 4


def test_an_audit_data_standard_pipe_file_loads(ws: Workspace) -> None:
    ads = (
        b"Journal_ID|JE_Line_Number|GL_Account_Number|Amount|Amount_Credit_Debit_Indicator|Effective_Date|"
        b"Entered_Date|Entered_Time|Entered_By|JE_Line_Description\n"
        b"1001|1|1100|250.00|D|20260115|20260116|93015|jdoe|Invoice 17\n"
        b"1001|2|4000|250.00|C|20260115|20260116|93015|jdoe|Invoice 17\n"
    )
    dataset = loaded(ws, ws.admin, "general_ledger", ads)
    assert dataset["summary"]["debit_total"] == "250.00"
    entry = ws.call("GET", "journal-entries/1001", ws.admin).json()
    assert [(line["amount"], line["entered_time"]) for line in entry["lines"]] == [
        ("250.00", "09:30:15"),
        ("-250.00", "09:30:15"),
    ]


def test_soll_haben_and_cp1252_semicolon_files_load(ws: Workspace) -> None:
    sap = (
        "Belegnummer;Position;Konto;Betrag;Soll/Haben-Kennzeichen;Buchungsdatum;Text\n"
        "4711;1;1200;1.234,56;S;15.01.2026;Müller Lieferung\n"
        "4711;2;4400;1.234,56;H;15.01.2026;Müller Lieferung\n"
    ).encode("cp1252")
    dataset = loaded(ws, ws.admin, "general_ledger", sap, date_order="dmy")
    assert dataset["summary"]["debit_total"] == "1234.56"
    lines = ws.call("GET", "journal-entries/4711", ws.admin).json()["lines"]
    assert [line["amount"] for line in lines] == ["1234.56", "-1234.56"]
    assert lines[0]["description"] == "Müller Lieferung" and lines[0]["effective_date"] == "2026-01-15"


def test_a_workbook_loads_from_a_named_sheet(ws: Workspace) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["not the ledger"])
    sheet = book.create_sheet("GL")
    sheet.append(["JE Number", "Account", "Debit", "Credit", "Posting Date"])
    sheet.append(["J-1", 1000, 99.5, None, date(2026, 5, 4)])
    sheet.append(["J-1", 4000, None, 99.5, date(2026, 5, 4)])
    buffer = io.BytesIO()
    book.save(buffer)
    dataset = loaded(ws, ws.admin, "general_ledger", buffer.getvalue(), XLSX, sheet="GL")
    assert dataset["summary"]["lines"] == 2 and dataset["summary"]["debit_total"] == "99.50"
    assert ws.call("GET", "journal-entries/J-1", ws.admin).json()["effective_date"] == "2026-05-04"


# --- large files: straight to storage, then ingest ---------------------------------------------------


def test_a_large_file_goes_straight_to_storage_then_loads(ws: Workspace, ledger: dict[str, Any]) -> None:
    started = ws.call(
        "POST",
        "uploads",
        ws.admin,
        json_body={"filename": "gl.csv", "content_type": CSV, "size_bytes": len(ledger["gl"])},
    )
    assert started.status == 201, started.body
    session = started.json()
    assert session["upload_url"].endswith(f"/uploads/{session['upload_id']}/content")

    premature = ws.call("POST", f"uploads/{session['upload_id']}/ingest", ws.admin, params={"kind": "general_ledger"})
    assert premature.status == 409 and premature.json()["code"] == "upload_missing"

    put = ws.call(
        "PUT", f"uploads/{session['upload_id']}/content", ws.admin, body=ledger["gl"], headers={"Content-Type": CSV}
    )
    assert put.status == 201, put.body
    accepted = ws.call("POST", f"uploads/{session['upload_id']}/ingest", ws.admin, params={"kind": "general_ledger"})
    assert accepted.status == 202, accepted.body
    deliver(accepted.json()["job_id"])

    dataset = ws.call("GET", f"datasets/{accepted.json()['dataset_id']}", ws.admin).json()
    assert dataset["status"] == "succeeded" and dataset["summary"]["lines"] == 10_000
    assert dataset["size_bytes"] == len(ledger["gl"]) and len(dataset["sha256"]) == 64
    again = ws.call("POST", f"uploads/{session['upload_id']}/ingest", ws.admin, params={"kind": "general_ledger"})
    assert again.status == 409 and again.json()["code"] == "upload_ingested"


def test_a_body_over_the_direct_limit_is_sent_to_the_upload_route(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_direct_upload_mb", 1)
    reply = upload(ws, ws.admin, "general_ledger", b"x" * (1024 * 1024 + 1))
    assert reply.status == 413 and "/uploads" in reply.json()["detail"]


def test_an_upload_without_a_declared_size_still_reports_progress(ws: Workspace, ledger: dict[str, Any]) -> None:
    from functions.ingestion import service

    session = ws.call("POST", "uploads", ws.admin, json_body={"filename": "gl.csv", "content_type": CSV}).json()
    ws.call(
        "PUT", f"uploads/{session['upload_id']}/content", ws.admin, body=ledger["gl"], headers={"Content-Type": CSV}
    )
    accepted = ws.call("POST", f"uploads/{session['upload_id']}/ingest", ws.admin, params={"kind": "general_ledger"})
    seen: list[float] = []
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        result = service.load_dataset(
            uow=uow, dataset_id=uuid.UUID(accepted.json()["dataset_id"]), progress=seen.append
        )
        uow.commit()
    assert result["lines"] == 10_000
    assert seen and seen == sorted(seen) and all(0 < fraction <= 0.95 for fraction in seen)
    dataset = ws.call("GET", f"datasets/{accepted.json()['dataset_id']}", ws.admin).json()
    assert dataset["size_bytes"] == len(ledger["gl"])


def _expire(ws: Workspace, upload_id: str) -> None:
    from sqlalchemy import update

    from shared.db.models_ingestion import IngestionUpload

    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.execute(
            update(IngestionUpload)
            .where(IngestionUpload.id == uuid.UUID(upload_id))
            .values(expires_at=text("now() - interval '1 minute'"))
        )
        uow.commit()


def test_a_file_sent_in_time_may_be_ingested_after_the_upload_url_expired(
    ws: Workspace, ledger: dict[str, Any]
) -> None:
    """The URL's lifetime bounds when sending may start; a multi-gigabyte PUT can outlast it."""
    session = ws.call("POST", "uploads", ws.admin, json_body={"filename": "gl.csv", "content_type": CSV}).json()
    put = ws.call(
        "PUT", f"uploads/{session['upload_id']}/content", ws.admin, body=ledger["gl"], headers={"Content-Type": CSV}
    )
    assert put.status == 201
    _expire(ws, session["upload_id"])
    accepted = ws.call("POST", f"uploads/{session['upload_id']}/ingest", ws.admin, params={"kind": "general_ledger"})
    assert accepted.status == 202, accepted.body


def test_an_expired_upload_without_its_file_is_closed_for_good(ws: Workspace, ledger: dict[str, Any]) -> None:
    from shared.db.models_ingestion import IngestionUpload

    session = ws.call("POST", "uploads", ws.admin, json_body={"filename": "gl.csv", "content_type": CSV}).json()
    _expire(ws, session["upload_id"])
    late = ws.call(
        "PUT", f"uploads/{session['upload_id']}/content", ws.admin, body=ledger["gl"], headers={"Content-Type": CSV}
    )
    assert late.status == 409 and late.json()["code"] == "upload_expired"
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        assert uow.session.get(IngestionUpload, uuid.UUID(session["upload_id"])).status == "expired"
    again = ws.call("POST", f"uploads/{session['upload_id']}/ingest", ws.admin, params={"kind": "general_ledger"})
    assert again.status == 409 and again.json()["code"] == "upload_expired"


def test_a_keyless_row_at_a_batch_boundary_with_records_after_it_is_a_problem_not_a_footer(ws: Workspace) -> None:
    """Row 65,537 ends the first batch of 65,536 records; records follow it, so it is no totals row."""
    rows = ["JE Number,Account,Debit,Credit,Posting Date"]
    for number in range(2, 70_002):
        if number == 65_537:
            rows.append(",,5.00,,")
        else:
            side = "5.00," if number % 2 else ",5.00"
            rows.append(f"J{number // 2},1000,{side},2026-01-02")
    failed = ingest(ws, ws.admin, "general_ledger", ("\n".join(rows) + "\n").encode())
    assert failed["status"] == "failed"
    problems = failed["error"]["details"]["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(65_537, "JE Number")]
