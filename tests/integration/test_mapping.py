"""Account mapping through HTTP, on a real PostgreSQL: a loaded trial balance suggested by itself, the
reviewer's decisions, adjusting entries, lead sheets and statements with and without comparatives, the
workbook, materiality from the mapped figures, and bad input refused with nothing changed."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from shared.db.models import LocalDelivery, OutboxMessage
from shared.db.models_mapping import AccountMapping
from shared.db.uow import UnitOfWork
from tests.engagement_support import Workspace, new_engagement, workspace
from tests.ingestion_support import deliver, loaded
from tests.support import Reply, in_process_host

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

# Balances (debit positive). Assets 13,500 + 7,000 - 700 + 20,000 - 8,000 = 31,800; liabilities 13,300;
# equity 12,500; the year's result 50,000 - 30,000 - 8,000 - 4,000 - 500 - 1,500 = 6,000.
TB = b"""Account Number,Account Name,Opening Balance,Closing Balance
1000,Cash at bank,8000.00,13500.00
1100,Trade debtors,5000.00,7000.00
1150,Allowance for doubtful debts,-500.00,-700.00
1500,Motor vehicles,20000.00,20000.00
1510,Motor vehicles - accumulated depreciation,-4000.00,-8000.00
2000,Trade creditors,-6000.00,-5300.00
2500,Bank loan,-10000.00,-8000.00
3000,Share capital,-2000.00,-2000.00
3100,Retained earnings,-10500.00,-10500.00
4000,Sales,0.00,-50000.00
5000,Cost of goods sold,0.00,30000.00
6000,Salaries and wages,0.00,8000.00
6100,Depreciation,0.00,4000.00
8000,Interest expense,0.00,500.00
9000,Income tax expense,0.00,1500.00
"""
# The prior year, before closing: its result 40,000 - 25,000 - 7,000 - 4,000 = 4,000 (profit before tax).
PRIOR_TB = b"""Account Number,Account Name,Closing Balance
1000,Cash at bank,8000.00
1100,Trade debtors,5000.00
1150,Allowance for doubtful debts,-500.00
1500,Motor vehicles,20000.00
1510,Motor vehicles - accumulated depreciation,-4000.00
2000,Trade creditors,-6000.00
2500,Bank loan,-10000.00
3000,Share capital,-2000.00
3100,Retained earnings,-6500.00
4000,Sales,-40000.00
5000,Cost of goods sold,25000.00
6000,Salaries and wages,7000.00
6100,Depreciation,4000.00
"""
EXPECTED = {
    "1000": "1010",
    "1100": "1100",
    "1150": "1110",
    "1500": "1550",
    "1510": "1580",
    "2000": "2000",
    "2500": "2500",
    "3000": "3000",
    "3100": "3030",
    "4000": "4000",
    "5000": "5000",
    "6000": "6000",
    "6100": "6170",
    "8000": "8010",
    "9000": "9020",
}


def suggested(ws: Workspace, data: bytes = TB) -> dict[str, dict[str, Any]]:
    """Load the trial balance, run the suggestion job, and return the mapping by account number."""
    loaded(ws, ws.admin, "trial_balance", data)
    reply = ws.call("POST", "mapping/suggest", ws.admin)
    assert reply.status == 202, reply.body
    deliver(reply.json()["job_id"])
    return mapping(ws)


def mapping(ws: Workspace, **params: str) -> dict[str, dict[str, Any]]:
    reply = ws.call("GET", "mapping", ws.admin, params={"page_size": "500", **params})
    assert reply.status == 200, reply.body
    return {item["account_number"]: item for item in reply.json()["items"]}


def confirmed(ws: Workspace, data: bytes = TB) -> dict[str, dict[str, Any]]:
    found = suggested(ws, data)
    reply = ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True})
    assert reply.status == 200, reply.body
    assert reply.json() == {"confirmed": len(found)}
    return mapping(ws)


def statement(ws: Workspace, name: str) -> dict[str, Any]:
    reply = ws.call("GET", f"statements/{name}", ws.admin)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def entry(
    ws: Workspace, kind: str, lines: list[tuple[str, str, str]], description: str = "Extra depreciation"
) -> Reply:
    body = {
        "kind": kind,
        "description": description,
        "lines": [{"account_number": a, "debit": d, "credit": c} for a, d, c in lines],
    }
    return ws.call("POST", "adjustments", ws.admin, json_body=body)  # type: ignore[no-any-return]


def test_a_loaded_trial_balance_is_suggested_by_itself_every_account_in_the_right_place() -> None:
    with UnitOfWork(system=True) as uow:  # start from a quiet bus: earlier tests leave messages nobody relayed
        uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.published_at.is_(None)).values(published_at=func.now())
        )
        uow.session.execute(
            update(LocalDelivery)
            .where(LocalDelivery.status == "pending")
            .values(status="delivered", finished_at=func.now())
        )
        uow.commit()
    ws = workspace()
    reply = ws.call(
        "POST", "datasets", ws.admin, body=TB, headers={"Content-Type": "text/csv"}, params={"kind": "trial_balance"}
    )
    assert reply.status == 202, reply.body
    # The host's bus: the load job, its dataset.ingested event, the mapping consumer, the suggestion job.
    in_process_host().dispatcher.run_until_idle(timeout=120)
    found = mapping(ws)
    assert {number: item["standard_code"] for number, item in found.items()} == EXPECTED
    assert {item["status"] for item in found.values()} == {"suggested"}
    contra = found["1510"]
    assert (contra["section"], contra["method"], contra["standard_name"]) == (
        "non_current_assets",
        "similarity",
        "Accumulated depreciation",
    )
    assert contra["balance"] == "-8000.00"
    assert 0 < contra["confidence"] <= 1 and len(contra["alternatives"]) == 3
    assert all(set(a) == {"standard_code", "name", "section", "confidence"} for a in contra["alternatives"])


def test_confirmed_statements_balance_and_stay_balanced_after_adjustments() -> None:
    ws = workspace()
    confirmed(ws)
    sheet = statement(ws, "balance_sheet")
    assert sheet["balanced"] is True and sheet["difference"] == "0.00"
    assert sheet["subtotals"]["total_assets"]["current"] == "31800.00"
    # Comparatives from the trial balance's opening balances: 8,000 + 5,000 - 500 + 20,000 - 4,000.
    assert (sheet["comparatives"], sheet["subtotals"]["total_assets"]["prior"]) == ("opening_balances", "28500.00")
    equity = next(s for s in sheet["sections"] if s["section"] == "equity")
    assert equity["captions"][-1] == {
        "caption": "Net income for the year",
        "current": "6000.00",
        "prior": "0.00",
        "accounts": 0,
    }
    income = statement(ws, "income_statement")
    assert income["comparatives"] is None
    assert income["subtotals"]["net_income"] == {"current": "6000.00", "prior": None}

    recorded = entry(ws, "recorded", [("6100", "1000.00", "0"), ("1510", "0", "1000.00")])
    assert recorded.status == 201, recorded.body
    assert (recorded.json()["number"], recorded.json()["amount"]) == (1, "1000.00")
    after = statement(ws, "balance_sheet")
    assert after["balanced"] is True
    assert after["subtotals"]["total_assets"]["current"] == "30800.00"
    assert statement(ws, "income_statement")["subtotals"]["net_income"]["current"] == "5000.00"
    leads = ws.call("GET", "lead-sheets", ws.admin).json()
    fixed = next(sheet for sheet in leads["lead_sheets"] if sheet["letter"] == "E")
    assert fixed["totals"] == {
        "prior": "16000.00",
        "unadjusted": "12000.00",
        "adjustments": "-1000.00",
        "final": "11000.00",
    }
    assert leads["unplaced"] == []


def test_proposed_and_passed_entries_make_the_summary_against_materiality() -> None:
    ws = workspace()
    confirmed(ws)
    assert entry(ws, "proposed", [("1100", "400.00", "0"), ("4000", "0", "400.00")], "Cut-off").status == 201
    assert entry(ws, "passed", [("6100", "20.00", "0"), ("1510", "0", "20.00")], "Small").status == 201
    no_materiality = ws.call("GET", "adjustments/summary", ws.admin).json()
    assert no_materiality["conclusion"] == "no_materiality"
    body = {"benchmark": "revenue", "risk_level": "moderate", "rationale": "Revenue is the stable measure here"}
    assert ws.call("POST", "materiality", ws.admin, json_body=body).status == 201  # 1% of 50,000 = 500
    summary = ws.call("GET", "adjustments/summary", ws.admin).json()
    assert [(d["number"], d["profit_effect"], d["clearly_trivial"]) for d in summary["differences"]] == [
        (1, "400.00", False),
        (2, "-20.00", True),
    ]
    assert (summary["profit_effect"], summary["overall_materiality"], summary["clearly_trivial"]) == (
        "380.00",
        "500.00",
        "25.00",
    )
    assert summary["conclusion"] == "below_overall"  # 400 is above performance (65% of 500 = 325)
    assert statement(ws, "balance_sheet")["subtotals"]["total_assets"]["current"] == "31800.00"


def test_an_unbalanced_entry_is_refused_with_the_difference_and_nothing_is_stored() -> None:
    ws = workspace()
    confirmed(ws)
    refused = entry(ws, "recorded", [("6100", "1000.00", "0"), ("1510", "0", "900.00")])
    assert refused.status == 400
    assert refused.json()["code"] == "adjustment_unbalanced"
    assert refused.json()["difference"] == "100.00"
    assert "differ by 100.00" in refused.json()["detail"]
    unknown = entry(ws, "recorded", [("6100", "10.00", "0"), ("7777", "0", "10.00")])
    assert unknown.status == 400
    assert unknown.json()["errors"][0]["loc"] == ["body", "lines", "1", "account_number"]
    assert ws.call("GET", "adjustments", ws.admin).json()["total"] == 0


def test_a_prior_year_trial_balance_gives_both_statements_their_comparatives() -> None:
    ws = workspace()
    confirmed(ws)
    prior = loaded(ws, ws.admin, "trial_balance", PRIOR_TB, comparative="prior_year")
    assert prior["version"] == 2
    # The comparative never becomes the year's trial balance.
    assert statement(ws, "balance_sheet")["subtotals"]["total_assets"]["current"] == "31800.00"
    income = statement(ws, "income_statement")
    assert income["comparatives"] == "prior_year_trial_balance"
    assert income["subtotals"]["net_income"] == {"current": "6000.00", "prior": "4000.00"}
    revenue = next(s for s in income["sections"] if s["section"] == "revenue")
    assert revenue["total"] == {"current": "50000.00", "prior": "40000.00"}
    sheet = statement(ws, "balance_sheet")
    assert sheet["balanced"] is True
    assert sheet["subtotals"]["total_assets"]["prior"] == "28500.00"
    assert sheet["subtotals"]["total_liabilities_and_equity"]["prior"] == "28500.00"


def test_materiality_takes_its_benchmarks_from_the_mapped_trial_balance_and_warns_when_pbt_is_not_stable() -> None:
    ws = workspace()
    confirmed(ws)
    loaded(ws, ws.admin, "trial_balance", PRIOR_TB, comparative="prior_year")
    body = {"benchmark": "profit_before_tax", "risk_level": "low", "rationale": "Owners look at profit"}
    reply = ws.call("POST", "materiality", ws.admin, json_body=body)
    assert reply.status == 201, reply.body
    figures = reply.json()
    # Profit before tax 50,000 - 30,000 - 8,000 - 4,000 - 500 = 7,500; 5% = 375.
    assert (figures["benchmark_amount"], figures["overall_materiality"]) == ("7500.00", "375.00")
    assert {a["benchmark"]: a["benchmark_amount"] for a in figures["alternatives"]} == {
        "profit_before_tax": "7500.00",
        "revenue": "50000.00",
        "total_assets": "31800.00",
        "equity": "18500.00",
    }
    assert len(figures["warnings"]) == 1
    assert "87.5% above the prior year's 4000.00" in figures["warnings"][0]
    revenue = ws.call("POST", "materiality", ws.admin, json_body={**body, "benchmark": "revenue"}).json()
    assert (revenue["benchmark_amount"], revenue["warnings"]) == ("50000.00", [])


def test_bad_input_is_refused_clearly_and_changes_nothing() -> None:
    ws = workspace()
    before = suggested(ws)
    unknown_code = ws.call("PUT", "mapping/accounts/1000", ws.admin, json_body={"standard_code": "0000"})
    assert unknown_code.status == 400
    assert unknown_code.json()["code"] == "unknown_standard_code"
    assert "'0000'" in unknown_code.json()["errors"][0]["msg"]
    unknown_account = ws.call("PUT", "mapping/accounts/4242", ws.admin, json_body={"standard_code": "1010"})
    assert (unknown_account.status, unknown_account.json()["code"]) == (404, "account_not_found")
    not_suggested = ws.call("POST", "mapping/confirm", ws.admin, json_body={"accounts": ["1000", "4242"]})
    assert not_suggested.status == 400
    assert not_suggested.json()["errors"][0]["loc"] == ["body", "accounts", "1"]
    two_ways = ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True, "min_confidence": 0.5})
    assert two_ways.status == 400
    assert mapping(ws) == before
    ws.finalize()
    locked = ws.call("PUT", "mapping/accounts/1000", ws.admin, json_body={"standard_code": "1000"})
    assert (locked.status, locked.json()["code"]) == (409, "engagement_locked")
    assert ws.call("POST", "mapping/suggest", ws.admin).status == 409
    assert entry(ws, "recorded", [("6100", "1.00", "0"), ("1510", "0", "1.00")]).status == 409
    assert mapping(ws) == before


def test_a_reviewers_override_wins_and_feeds_the_next_suggestion_for_the_same_firm() -> None:
    ws = workspace()
    suggested(ws, TB + b"7000,Gizmo pool,0.00,0.00\n")
    override = ws.call("PUT", "mapping/accounts/6100", ws.admin, json_body={"standard_code": "5050"})
    assert override.status == 200, override.body
    assert (override.json()["standard_code"], override.json()["method"], override.json()["status"]) == (
        "5050",
        "manual",
        "confirmed",
    )
    assert ws.call("PUT", "mapping/accounts/7000", ws.admin, json_body={"standard_code": "6330"}).status == 200
    # A rerun keeps the reviewer's decisions.
    rerun = ws.call("POST", "mapping/suggest", ws.admin).json()
    deliver(rerun["job_id"])
    assert mapping(ws)["6100"]["standard_code"] == "5050"

    # The same client's next engagement starts from this one's decisions (same number, similar name).
    following = new_engagement(
        ws.admin.token, ws.client_id, name="FY2027 audit", period_start="2027-01-01", period_end="2027-12-31"
    )
    next_year = Workspace(ws.firm_id, ws.admin, ws.client_id, following["id"])
    found = suggested(next_year, TB + b"7000,Gizmo pool,0.00,0.00\n")
    assert (found["6100"]["standard_code"], found["6100"]["method"]) == ("5050", "prior_year")
    # Another client of the firm: the name the reviewer mapped is remembered.
    other_client = workspace_of_same_firm(ws)
    found = suggested(
        other_client, TB.replace(b"6100,Depreciation", b"6150,Depreciation") + b"7700,Gizmo pool,0.00,0.00\n"
    )
    assert (found["7700"]["standard_code"], found["7700"]["method"]) == ("6330", "model")


def workspace_of_same_firm(ws: Workspace) -> Workspace:
    from tests.engagement_support import new_client

    client_id = new_client(ws.admin.token)
    return Workspace(ws.firm_id, ws.admin, client_id, new_engagement(ws.admin.token, client_id)["id"])


def test_who_may_read_and_decide() -> None:
    ws = workspace()
    suggested(ws)
    staff = ws.person("staff", "staff", team_role="staff")
    assert ws.call("GET", "mapping", staff).status == 200
    assert ws.call("PUT", "mapping/accounts/1000", staff, json_body={"standard_code": "1010"}).status == 403
    senior = ws.person("senior", "senior", team_role="senior")
    assert ws.call("PUT", "mapping/accounts/1000", senior, json_body={"standard_code": "1010"}).status == 200
    assert ws.call("GET", "mapping", ws.client_user()).status == 403
    outsider = ws.person("outsider", "senior")
    assert ws.call("GET", "mapping", outsider).status == 404
    assert ws.call("GET", "statements/balance_sheet", outsider).status == 404
    assert ws.call("GET", "statements/cash_flow", ws.admin).json()["code"] == "statement_not_found"
    mapped = mapping(ws, status="confirmed")
    assert list(mapped) == ["1000"] and mapped["1000"]["confirmed_by"] == senior.user_id


def test_min_confidence_confirms_only_the_surer_suggestions() -> None:
    ws = workspace()
    found = suggested(ws)
    reply = ws.call("POST", "mapping/confirm", ws.admin, json_body={"min_confidence": 0.95})
    sure = {number for number, item in found.items() if item["confidence"] >= 0.95}
    assert reply.json() == {"confirmed": len(sure)}
    assert set(mapping(ws, status="confirmed")) == sure
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        rows = uow.session.scalars(
            select(AccountMapping).where(AccountMapping.engagement_id == uuid.UUID(ws.engagement_id))
        ).all()
    assert {row.account_number for row in rows if row.status == "confirmed"} == sure


def test_the_workbook_holds_the_statements_and_the_lead_sheets() -> None:
    from openpyxl import load_workbook

    ws = workspace()
    confirmed(ws)
    reply = ws.call("GET", "statements-workbook", ws.admin)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert reply.headers["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(reply.body), read_only=True)
    assert book.sheetnames[:2] == ["Balance sheet", "Income statement"]
    assert "A Cash and cash equivalents" in book.sheetnames
    rows = list(book["Balance sheet"].iter_rows(values_only=True))
    assert ("Total assets", Decimal("31800.00"), Decimal("28500.00")) in [
        (r[0], Decimal(str(r[1])).quantize(Decimal("0.01")), Decimal(str(r[2])).quantize(Decimal("0.01")))
        for r in rows
        if r and r[0] == "Total assets"
    ]
    assert next(r[:1] for r in rows if r and r[0] and str(r[0]).startswith("Balanced")) == ("Balanced",)


def test_the_standard_chart_and_the_firms_own_accounts() -> None:
    ws = workspace()
    chart = ws_get(ws, "standard-chart")["accounts"]
    assert len(chart) >= 140
    accumulated = next(a for a in chart if a["code"] == "1580")
    assert (accumulated["section"], accumulated["contra"], accumulated["element"]) == (
        "non_current_assets",
        True,
        "AccumulatedDepreciationDepletionAndAmortizationPropertyPlantAndEquipment",
    )
    own = {
        "code": "6990",
        "name": "Franchise fees",
        "section": "operating_expenses",
        "normal_balance": "debit",
        "lead_sheet": "T",
        "caption": "Franchise fees",
        "aliases": ["royalties to franchisor"],
    }
    from tests.support import request

    created = request("POST", "standard-chart/accounts", token=ws.admin.token, json_body=own)
    assert created.status == 201, created.body
    assert created.json()["firm_defined"] is True
    again = request("POST", "standard-chart/accounts", token=ws.admin.token, json_body=own)
    assert (again.status, again.json()["code"]) == (409, "code_taken")
    clash = request("POST", "standard-chart/accounts", token=ws.admin.token, json_body={**own, "code": "1000"})
    assert clash.status == 409
    found = suggested(ws, TB + b"7100,Royalties to franchisor,0.00,0.00\n")
    assert found["7100"]["standard_code"] == "6990"


def ws_get(ws: Workspace, path: str) -> Any:
    from tests.support import request

    reply = request("GET", path, token=ws.admin.token)
    assert reply.status == 200, reply.body
    return reply.json()


def test_the_mapping_is_searched_filtered_and_counted() -> None:
    ws = workspace()
    suggested(ws)
    assert list(mapping(ws, q="debt")) == ["1100", "1150"]  # "Trade debtors", "... doubtful debts"
    assert list(mapping(ws, q="25")) == ["2500"]
    assert list(mapping(ws, q="100%")) == []
    assert set(mapping(ws, section="non_current_assets")) == {"1500", "1510"}
    assert (
        ws.call("PUT", "mapping/accounts/1500", ws.admin, json_body={"standard_code": None}).json()["status"]
        == "unmapped"
    )
    progress = ws.call("GET", "mapping/progress", ws.admin).json()
    assert progress["total"] == len(EXPECTED)
    assert progress["by_status"] == {"suggested": len(EXPECTED) - 1, "unmapped": 1}
    assert sum(progress["by_method"].values()) == len(EXPECTED)
    assert progress["by_section"]["non_current_assets"] == 1


def test_without_opening_balances_or_a_prior_year_there_are_no_comparatives() -> None:
    ws = workspace()
    confirmed(ws, PRIOR_TB)  # a file with closing balances only
    for name in ("balance_sheet", "income_statement"):
        shown = statement(ws, name)
        assert shown["comparatives"] is None
        assert all(c["prior"] is None for s in shown["sections"] for c in s["captions"])
        assert shown["balanced"] is True
    assert statement(ws, "income_statement")["subtotals"]["net_income"] == {"current": "4000.00", "prior": None}
    leads = ws.call("GET", "lead-sheets", ws.admin).json()
    assert leads["comparatives"] is None
    assert {sheet["totals"]["prior"] for sheet in leads["lead_sheets"]} == {None}
