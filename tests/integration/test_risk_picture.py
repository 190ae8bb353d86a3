"""A journal with the tests it hit, and the picture of risk: a run's flagged journals by score, month and user."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from tests.analytics_support import TestRun, load_general_ledger, run_tests
from tests.engagement_support import Workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

# journal id -> (effective date, user, amount, description); weekdays only
JOURNALS = {
    "J1": ("2026-01-14", "alice", "5000.00", "Accrual"),
    "J2": ("2026-02-11", "bob", "3000.00", ""),
    "J3": ("2026-02-12", "bob", "123.45", ""),
    "J4": ("2026-03-11", "alice", "77.77", "Stationery"),
    "J6": ("2026-05-13", "carol", "2000.00", "Accrual"),
}


def _rows() -> list[dict[str, Any]]:
    rows = []
    for journal, (day, user, amount, memo) in JOURNALS.items():
        common = {"Journal ID": journal, "Effective Date": day, "Entered Date": day, "Entered By": user}
        rows.append({**common, "Line": 1, "Account": "1100", "Debit": amount, "Credit": "", "Description": memo})
        rows.append({**common, "Line": 2, "Account": "4000", "Debit": "", "Credit": amount, "Description": memo})
    return rows


@pytest.fixture(scope="module")
def run(database: str) -> TestRun:
    ws = load_general_ledger(_rows())
    return run_tests(ws, ["round_amount", "missing_description"])


def _share(bar: dict[str, Any], disposition: str) -> tuple[int, Decimal]:
    share = next(s for s in bar["by_disposition"] if s["disposition"] == disposition)
    return share["journals"], Decimal(share["amount"])


def test_a_journal_opens_with_its_lines_and_the_tests_each_hit(run: TestRun) -> None:
    ws: Workspace = run.ws
    flagged = {j["journal_id"]: j for j in run.journals()}
    assert {"J1", "J2", "J3", "J6"} <= set(flagged) and "J4" not in flagged
    reply = ws.call("GET", f"je-tests/{run.id}/journals/J2", ws.admin)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["flagged"] is True
    assert body["rank"] == flagged["J2"]["rank"] and body["score"] == flagged["J2"]["score"]
    assert body["tests"] == ["missing_description", "round_amount"]
    assert [line["line_number"] for line in body["lines"]] == [1, 2]
    assert all(set(line["tests"]) == {"missing_description", "round_amount"} for line in body["lines"])
    assert Decimal(body["debit_total"]) == Decimal("3000.00")

    quiet = ws.call("GET", f"je-tests/{run.id}/journals/J4", ws.admin).json()
    assert quiet["flagged"] is False and quiet["rank"] is None and quiet["tests"] == []
    assert [line["tests"] for line in quiet["lines"]] == [[], []]

    missing = ws.call("GET", f"je-tests/{run.id}/journals/NOPE", ws.admin)
    assert missing.status == 404 and missing.json()["code"] == "journal_not_found"
    assert ws.call("GET", f"je-tests/{run.id}/journals/J2", ws.person("outsider", "staff")).status == 404


def test_the_risk_picture_adds_up_to_the_ranked_journals_by_score_month_and_user(run: TestRun) -> None:
    ws: Workspace = run.ws
    disposed = ws.call(
        "PUT", f"je-tests/{run.id}/journals/J2/disposition", ws.admin, json_body={"status": "exception", "note": "x"}
    )
    assert disposed.status == 200, disposed.body
    reply = ws.call("GET", f"je-tests/{run.id}/risk-picture", ws.admin)
    assert reply.status == 200, reply.body
    picture = reply.json()
    journals = run.journals()

    buckets = picture["score_buckets"]
    assert [b["label"] for b in buckets][:2] == ["0–10", "10–20"] and len(buckets) == 10
    expected_buckets: dict[int, int] = defaultdict(int)
    for journal in journals:
        expected_buckets[min(int(Decimal(journal["score"]) // 10), 9)] += 1
    assert {i: b["journals"] for i, b in enumerate(buckets) if b["journals"]} == dict(expected_buckets)

    months = {bar["label"]: bar for bar in picture["months"]}
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]  # March, April: no flags
    expected_months: dict[str, Decimal] = defaultdict(Decimal)
    for journal in journals:
        expected_months[JOURNALS[journal["journal_id"]][0][:7]] += Decimal(journal["debit_total"])
    assert {m: Decimal(bar["amount"]) for m, bar in months.items() if bar["journals"]} == dict(expected_months)
    assert months["2026-04"]["journals"] == 0
    assert _share(months["2026-02"], "exception") == (1, Decimal("3000.00"))
    assert _share(months["2026-02"], "open") == (1, Decimal("123.45"))
    assert [s["disposition"] for s in months["2026-02"]["by_disposition"]] == [
        "open",
        "investigating",
        "explained",
        "exception",
        "false_positive",
    ]

    users = [(bar["label"], Decimal(bar["amount"])) for bar in picture["users"]]
    assert users == [("alice", Decimal("5000.00")), ("bob", Decimal("3123.45")), ("carol", Decimal("2000.00"))]


def test_the_risk_picture_needs_a_completed_run_the_caller_may_see(run: TestRun) -> None:
    ws: Workspace = run.ws
    assert ws.call("GET", f"je-tests/{run.id}/risk-picture", ws.person("outsider", "staff")).status == 404
    unknown = "00000000-0000-4000-8000-000000000000"
    assert ws.call("GET", f"je-tests/{unknown}/risk-picture", ws.admin).status == 404
