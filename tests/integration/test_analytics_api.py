"""Journal-entry test runs through the API: the automatic run, immutable re-runs, triage, exports, Benford,
and who may see or do what."""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from shared.db.models import OutboxMessage
from shared.db.models_analytics import JeFlagBlock, JeRun
from shared.db.uow import UnitOfWork
from tests.analytics_support import TestRun, gl_csv, load_general_ledger, run_tests
from tests.engagement_support import workspace
from tests.ingestion_support import loaded, upload
from tests.support import request
from tools.synthetic_ledger import LedgerSpec, write_general_ledger

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

BASE = {
    "Effective Date": "2026-03-02",
    "Entered Date": "2026-03-02",
    "Entered Time": "10:00:00",
    "Entered By": "ann",
    "Approved By": "bob",
    "Period": "3",
    "Description": "Sale",
}


def journal(
    journal_id: str, debit_account: str, credit_account: str, amount: str, **fields: str
) -> list[dict[str, Any]]:
    common = BASE | fields
    return [
        {**common, "Journal ID": journal_id, "Line": 1, "Account": debit_account, "Debit": amount, "Credit": ""},
        {**common, "Journal ID": journal_id, "Line": 2, "Account": credit_account, "Debit": "", "Credit": amount},
    ]


def ledger() -> list[dict[str, Any]]:
    """Twenty ordinary journals, one round amount (J021), one after hours (J022), one weekend and
    after hours (J023), and J024 missing (a gap before J025)."""
    rows: list[dict[str, Any]] = []
    for number in range(1, 21):
        rows += journal(f"J{number:03d}", "1100", "4000", f"{100 + number}.17")
    rows += journal("J021", "1100", "4000", "5000.00")
    rows += journal("J022", "1100", "4000", "123.45", **{"Entered Time": "22:15:00"})
    rows += journal("J023", "1100", "4000", "77.70", **{"Entered Date": "2026-03-07", "Entered Time": "23:00:00"})
    rows += journal("J025", "1100", "4000", "88.80")
    return rows


@pytest.fixture(scope="module")
def tested() -> TestRun:
    ws = load_general_ledger(ledger())
    return run_tests(ws)


def test_a_run_reports_its_population_and_every_test(tested: TestRun) -> None:
    body = tested.body
    assert body["status"] == "completed" and body["trigger"] == "manual" and body["dataset_version"] == 1
    # 20 x 100.17 + (1 + ... + 20) = 2,213.40, and 5,000.00 + 123.45 + 77.70 + 88.80: 7,503.35 each side
    assert body["population"] == {"journals": 24, "lines": 48, "debit_total": "7503.35", "credit_total": "7503.35"}
    results = tested.results
    assert len(results) == 19
    assert (results["round_amount"]["flagged_lines"], results["round_amount"]["flagged_journals"]) == (2, 1)
    assert results["after_hours"]["flagged_journals"] == 2
    assert results["weekend_entry"]["flagged_journals"] == 1
    assert results["sequence_gap"]["gap_count"] == 1 and results["sequence_gap"]["gap_ranges"] == [["J023", "J025"]]
    assert results["post_dated"] == results["post_dated"] | {
        "status": "not_applicable",
        "missing_fields": ["document_date"],
    }
    latest = tested.ws.call("GET", "je-tests", tested.ws.admin).json()
    assert latest["id"] == tested.id


def test_journals_rank_by_score_with_the_tests_they_hit_and_their_lines(tested: TestRun) -> None:
    journals = tested.journals()
    first, second = journals[0], journals[1]
    # J021 hits round_amount (5) and high_amount (6: its 5,000.00 is the top 1% of 48 lines); J023 hits
    # weekend_entry (5), after_hours (5), and two tests without weight: sequence_gap (it borders the gap) and
    # isolation_forest, whose one flag at the default contamination (one line in 48) is its Saturday 23:00 line.
    assert (first["journal_id"], set(first["tests"])) == ("J021", {"round_amount", "high_amount"})
    assert (second["journal_id"], set(second["tests"])) == (
        "J023",
        {"weekend_entry", "after_hours", "sequence_gap", "isolation_forest"},
    )
    assert Decimal(first["score"]) > Decimal(second["score"])
    assert [line["line_number"] for line in second["lines"]] == [1, 2]
    assert all("after_hours" in line["tests"] for line in second["lines"])
    assert [j["rank"] for j in journals] == list(range(1, len(journals) + 1))
    scores = [(Decimal(j["score"]), Decimal(j["debit_total"])) for j in journals]
    assert scores == sorted(scores, reverse=True)
    limited = tested.ws.call("GET", f"je-tests/{tested.id}/journals", tested.ws.admin, params={"limit": "2"}).json()
    assert [j["journal_id"] for j in limited["items"]] == [j["journal_id"] for j in journals[:2]]
    assert limited["total"] == len(journals)


def test_flagged_lines_page_and_filter(tested: TestRun) -> None:
    path = f"je-tests/{tested.id}/tests/after_hours/lines"
    page = tested.ws.call("GET", path, tested.ws.admin, params={"page_size": "3"}).json()
    assert page["total"] == 4 and len(page["items"]) == 3
    only = tested.ws.call("GET", path, tested.ws.admin, params={"journal_id": "J022"}).json()
    assert {(line["journal_id"], line["line_number"]) for line in only["items"]} == {("J022", 1), ("J022", 2)}
    credit = tested.ws.call("GET", path, tested.ws.admin, params={"account_number": "4000"}).json()
    assert all(line["account_number"] == "4000" and line["credit"] != "0" for line in credit["items"])
    missing = tested.ws.call("GET", f"je-tests/{tested.id}/tests/no_such_test/lines", tested.ws.admin)
    assert missing.status == 404 and missing.json()["code"] == "test_not_in_run"


def test_a_rerun_with_other_parameters_leaves_the_earlier_run_unchanged(tested: TestRun) -> None:
    ws = tested.ws
    before = ws.call("GET", f"je-tests/{tested.id}", ws.admin).json()
    again = run_tests(ws, ["round_amount"], {"round_amount": {"base": "0.10"}})
    # Multiples of 0.10: 5,000.00 (J021), 77.70 (J023) and 88.80 (J025), where the default base found J021 only.
    assert again.results["round_amount"]["flagged_journals"] == 3
    assert again.results["round_amount"]["parameters"] == {"base": "0.10"}
    after = ws.call("GET", f"je-tests/{tested.id}", ws.admin).json()
    assert after == before
    assert ws.call("GET", "je-tests", ws.admin).json()["id"] == again.id
    runs = ws.call("GET", "je-tests/runs", ws.admin).json()
    assert [r["id"] for r in runs["items"]][:2] == [again.id, tested.id]


def test_a_finished_run_cannot_be_changed_even_by_sql(tested: TestRun) -> None:
    with UnitOfWork(firm_id=tested.ws.firm_id, system=True) as uow, pytest.raises(DBAPIError, match="immutable"):
        uow.session.execute(update(JeRun).where(JeRun.id == uuid.UUID(tested.id)).values(status="failed"))
    with UnitOfWork(firm_id=tested.ws.firm_id, system=True) as uow, pytest.raises(DBAPIError):
        uow.session.execute(delete(JeFlagBlock).where(JeFlagBlock.run_id == uuid.UUID(tested.id)))


def test_dispositions_carry_over_to_a_rerun_of_the_same_version_and_not_to_a_new_one() -> None:
    ws = load_general_ledger(ledger())
    first = run_tests(ws, ["round_amount", "after_hours"])
    staff = ws.person("stan", "staff", team_role="staff")
    senior = ws.person("sue", "senior", team_role="senior")  # clearing a flag takes a senior or above
    evidence = ws.call(
        "POST",
        "evidence",
        ws.admin,
        body=b"%PDF-1.4 board minutes",
        headers={"Content-Type": "application/pdf", "X-Filename": "m.pdf"},
    ).json()["id"]
    reply = ws.call(
        "PUT",
        f"je-tests/{first.id}/journals/J021/disposition",
        senior,
        json_body={
            "status": "explained",
            "note": "Annual rent invoice, agreed to the lease",
            "evidence_ids": [evidence],
        },
    )
    assert reply.status == 200, reply.body
    assert reply.json()["status"] == "explained" and reply.json()["evidence_ids"] == [evidence]
    assert (
        ws.call(
            "PUT",
            f"je-tests/{first.id}/journals/J022/disposition",
            staff,
            json_body={"status": "exception", "note": "No support"},
        ).status
        == 200
    )

    # A conclusion needs a note; an unflagged journal and another engagement's evidence are refused.
    no_note = ws.call(
        "PUT", f"je-tests/{first.id}/journals/J023/disposition", senior, json_body={"status": "false_positive"}
    )
    assert no_note.status == 400 and no_note.json()["errors"][0]["loc"] == ["body", "note"]
    unflagged = ws.call("PUT", f"je-tests/{first.id}/journals/J005/disposition", staff, json_body={"status": "open"})
    assert unflagged.status == 404 and unflagged.json()["code"] == "journal_not_flagged"
    foreign = ws.call(
        "PUT",
        f"je-tests/{first.id}/journals/J023/disposition",
        staff,
        json_body={"status": "investigating", "evidence_ids": [str(uuid.uuid4())]},
    )
    assert foreign.status == 400 and foreign.json()["code"] == "evidence_not_found"

    rerun = run_tests(ws, ["round_amount", "after_hours"], {"after_hours": {"from_hour": 21}})
    dispositions = {j["journal_id"]: j["disposition"] for j in rerun.journals()}
    assert dispositions["J021"]["status"] == "explained"
    assert dispositions["J021"]["note"] == "Annual rent invoice, agreed to the lease"
    assert dispositions["J022"]["status"] == "exception"
    summary = ws.call("GET", "je-tests/exceptions", ws.admin).json()
    assert summary["run_id"] == rerun.id
    assert summary["by_status"] == {"open": 1, "investigating": 0, "explained": 1, "exception": 1, "false_positive": 0}
    assert summary["unresolved"] == 1
    assert [(e["journal_id"], e["note"]) for e in summary["exceptions"]] == [("J022", "No support")]

    # A new version of the ledger starts its triage afresh (the same journals; one description differs,
    # as a file identical to the current version is refused).
    second = ledger()
    second[0] = second[0] | {"Description": "Sale (restated)"}
    loaded(ws, ws.admin, "general_ledger", gl_csv(second), filename="gl-v2.csv")
    fresh = run_tests(ws, ["round_amount"])
    assert fresh.body["dataset_version"] == 2
    assert all(j["disposition"] is None for j in fresh.journals())


def test_exports_as_csv_and_xlsx(tested: TestRun) -> None:
    ws = tested.ws
    journals_csv = ws.call(
        "GET", f"je-tests/{tested.id}/export", ws.admin, params={"what": "journals", "format": "csv"}
    )
    assert journals_csv.status == 200 and journals_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(journals_csv.body.decode("utf-8-sig"))))
    assert [row["journal_id"] for row in rows] == [j["journal_id"] for j in tested.journals()]
    assert rows[0]["disposition"] == "open"
    lines_xlsx = ws.call(
        "GET", f"je-tests/{tested.id}/export", ws.admin, params={"what": "flagged_lines", "format": "xlsx"}
    )
    assert lines_xlsx.status == 200 and lines_xlsx.body[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(lines_xlsx.body), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("rank", "journal_score", "tests", "journal_id")
    flagged = {(row[3], row[4]) for row in values[1:]}
    assert ("J023", 1) in flagged and ("J021", 2) in flagged
    assert len(values) - 1 == len(
        {(j["journal_id"], line["line_number"]) for j in tested.journals() for line in j["lines"] if line["tests"]}
    )


def test_who_may_run_see_and_triage(tested: TestRun) -> None:
    ws = tested.ws
    staff = ws.person("sam", "staff", team_role="staff")
    assert ws.call("POST", "je-tests", staff, json_body={}).status == 403  # staff may not run the tests
    assert ws.call("GET", "je-tests", staff).status == 200
    client = ws.client_user()
    assert ws.call("GET", "je-tests", client).status == 403
    outsider = workspace()
    assert outsider.call("GET", "je-tests", outsider.admin).status == 404
    for path in (
        f"je-tests/{tested.id}",
        f"je-tests/{tested.id}/journals",
        f"je-tests/{tested.id}/tests/round_amount/lines",
    ):
        reply = request("GET", f"engagements/{ws.engagement_id}/{path}", token=outsider.admin.token)
        assert reply.status == 404, path
    # Another engagement's run id is not this engagement's run.
    assert outsider.call("GET", f"je-tests/{tested.id}", outsider.admin).status == 404


def test_a_run_needs_a_general_ledger_and_valid_parameters() -> None:
    ws = workspace()
    reply = ws.call("POST", "je-tests", ws.admin, json_body={})
    assert reply.status == 409 and reply.json()["code"] == "no_general_ledger"
    load_general_ledger(ledger(), ws)
    bad = ws.call("POST", "je-tests", ws.admin, json_body={"parameters": {"rare_user": {"max_lines": 0}}})
    assert bad.status == 400
    assert bad.json()["errors"][0]["loc"][:4] == ["body", "parameters", "rare_user", "max_lines"]
    unknown = ws.call("POST", "je-tests", ws.admin, json_body={"tests": ["benford"]})
    assert unknown.status == 400
    not_run = ws.call(
        "POST", "je-tests", ws.admin, json_body={"tests": ["round_amount"], "parameters": {"after_hours": {}}}
    )
    assert not_run.status == 400 and "after_hours" in not_run.json()["detail"]


def test_a_finalized_engagement_takes_no_run_and_queued_runs_fail_cleanly() -> None:
    ws = load_general_ledger(ledger())
    accepted = ws.call("POST", "je-tests", ws.admin, json_body={"tests": ["round_amount"]}).json()
    ws.finalize()
    refused = ws.call("POST", "je-tests", ws.admin, json_body={})
    assert refused.status == 409 and refused.json()["code"] == "engagement_locked"
    from tests.ingestion_support import deliver, job

    deliver(accepted["job_id"])
    assert job(ws, accepted["job_id"]).error["code"] == "engagement_locked"


# --- the automatic run, through the local host's bus --------------------------------------------------


def test_a_loaded_general_ledger_is_tested_by_itself_and_announces_the_counts(tmp_path: Path) -> None:
    from shared.db.models import LocalDelivery
    from tests.support import in_process_host

    with UnitOfWork(system=True) as uow:  # earlier modules leave messages nobody relayed: start from a quiet bus
        uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.published_at.is_(None)).values(published_at=func.now())
        )
        uow.session.execute(
            update(LocalDelivery)
            .where(LocalDelivery.status == "pending")
            .values(status="delivered", finished_at=func.now())
        )
        uow.commit()
    spec = LedgerSpec(lines=5_000, fiscal_start=date(2026, 1, 1), fiscal_end=date(2026, 12, 31))
    facts = write_general_ledger(tmp_path / "gl.csv", spec)
    ws = workspace()
    assert upload(ws, ws.admin, "general_ledger", (tmp_path / "gl.csv").read_bytes()).status == 202
    # The host's bus: the load job, its dataset.ingested event, the analytics consumer, the test job.
    in_process_host().dispatcher.run_until_idle(timeout=120)
    run = ws.call("GET", "je-tests", ws.admin).json()
    assert (run["status"], run["trigger"], run["created_by"]) == ("completed", "automatic", None)
    assert run["population"]["lines"] == facts.lines
    assert run["fiscal_end"] == "2026-12-31"
    counts = {t["code"]: t["flagged_lines"] for t in run["tests"] if t["status"] == "ran"}
    assert counts["unbalanced"] == facts.planted_lines["unbalanced"]
    assert counts["after_hours"] == facts.planted_lines["after_hours"]
    with UnitOfWork(system=True) as uow:
        events = uow.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.body["type"].astext == "analytics.completed")
        ).all()
    announced = [e["payload"] for e in events if e["payload"]["run_id"] == run["id"]]
    assert announced == [
        {"engagement_id": ws.engagement_id, "run_id": run["id"], "dataset_id": run["dataset_id"], "counts": counts}
    ]


# --- Benford ------------------------------------------------------------------------------------------


def test_benford_of_amounts_given_as_json_numbers_is_exact() -> None:
    admin = workspace().admin
    # 0.29 and 4.35 are the classic float traps (0.29 * 100 = 28.999999999999996).
    body = b'{"test": "last_two", "min_amount": 0, "amounts": [0.29, 4.35, "10.29", 1234.5, 100]}'
    reply = request(
        "POST", "analytics/benford", token=admin.token, body=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status == 200, reply.body
    result = reply.json()
    counted = {b["digits"]: b["observed_count"] for b in result["bins"] if b["observed_count"]}
    assert counted == {"29": 1, "50": 1, "00": 1}  # last_two looks at amounts of 10 or more only
    assert result["n"] == 3
    first = request(
        "POST",
        "analytics/benford",
        token=admin.token,
        json_body={"test": "first_digit", "amounts": ["12.5", "19", "23", "310", "4.5"]},
    ).json()
    assert first["n"] == 4  # 4.5 is below the default min_amount of 10
    expected_1 = math.log10(2)
    bin_1 = first["bins"][0]
    assert (bin_1["digits"], bin_1["observed_count"], bin_1["observed_share"]) == ("1", 2, 0.5)
    assert bin_1["expected_share"] == pytest.approx(expected_1)
    assert any("below 1,000" in warning for warning in first["warnings"])


def test_benford_names_a_bad_amount_by_its_position() -> None:
    admin = workspace().admin
    reply = request("POST", "analytics/benford", token=admin.token, json_body={"amounts": ["12", "1,000", "5"]})
    assert reply.status == 400
    assert "amounts[1]" in json.dumps(reply.json()) and "1,000" in reply.json()["detail"]


def test_benford_of_the_engagements_ledger_and_trial_balance_with_a_chart(tested: TestRun) -> None:
    ws = tested.ws
    reply = ws.call("POST", "benford", ws.admin, json_body={"test": "first_two", "sign": "all", "min_amount": "10"})
    assert reply.status == 200, reply.body
    assert reply.json()["n"] == 48  # every line's absolute amount; all are 10 or more
    chart = ws.call("POST", "benford", ws.admin, json_body={"test": "first_digit"}, params={"format": "png"})
    assert chart.status == 200 and chart.headers["Content-Type"] == "image/png" and chart.body[:4] == b"\x89PNG"
    no_tb = ws.call("POST", "benford", ws.admin, json_body={"source": "trial_balance"})
    assert no_tb.status == 409 and no_tb.json()["code"] == "no_trial_balance"
    tb = "Account,Opening Balance,Closing Balance\n1100,0,1234.56\n4000,0,-1234.56\n2000,0,0\n"
    loaded(ws, ws.admin, "trial_balance", tb.encode())
    balances = ws.call("POST", "benford", ws.admin, json_body={"source": "trial_balance", "sign": "all"}).json()
    assert balances["n"] == 2
    assert ws.call("POST", "benford", ws.client_user(), json_body={}).status == 403


@pytest.mark.slow
def test_benford_takes_two_million_amounts_in_one_request() -> None:
    admin = workspace().admin
    amounts = ",".join(f"{(i * 7919) % 999_983 + 10}.{i % 100:02d}" for i in range(2_000_000))
    body = ('{"test": "first_digit", "amounts": [' + amounts + "]}").encode()
    assert len(body) > 1024 * 1024
    reply = request(
        "POST", "analytics/benford", token=admin.token, body=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status == 200, reply.body[:500]
    assert reply.json()["n"] == 2_000_000


def test_ids_that_are_no_sequence_give_every_gap_and_keep_the_first_thousand_ranges() -> None:
    # Odd numbers only: 1, 3, ..., 2,399; each of the 1,199 steps skips one id, so every journal borders a gap.
    rows = [line for n in range(1, 2400, 2) for line in journal(str(n), "1100", "4000", "10.01")]
    ws = load_general_ledger(rows)
    result = run_tests(ws, ["sequence_gap"]).results["sequence_gap"]
    assert (result["gap_count"], result["flagged_journals"], result["flagged_lines"]) == (1199, 1200, 2400)
    assert len(result["gap_ranges"]) == 1000 and result["gap_ranges_truncated"] is True
    assert result["gap_ranges"][:2] == [["1", "3"], ["3", "5"]]
