"""Financial analysis through HTTP, on a real PostgreSQL: ratios of a mapped trial balance and its prior
year, flux with default and overridden thresholds, explanations (who may, the finalized lock, the audit
log, row-level security), going-concern indicators, and monthly trends equal to the ledger's sums."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shared.db.models import AuditRecord
from shared.db.models_financial_analysis import FluxExplanation
from shared.db.uow import UnitOfWork
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import deliver, loaded

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

D = Decimal

# The year (debit positive). CA 13,500 + 7,000 - 700 = 19,800; NCA 20,000 - 8,000 = 12,000; TA 31,800;
# CL 5,300 (all payables); NCL 8,000; equity accounts 12,500; revenue 50,000; cost of sales 30,000;
# opex 12,000; interest 500; tax 1,500: net income 6,000, equity with it 18,500.
TB = b"""Account Number,Account Name,Closing Balance
1000,Cash at bank,13500.00
1100,Trade debtors,7000.00
1150,Allowance for doubtful debts,-700.00
1500,Motor vehicles,20000.00
1510,Motor vehicles - accumulated depreciation,-8000.00
2000,Trade creditors,-5300.00
2500,Bank loan,-8000.00
3000,Share capital,-2000.00
3100,Retained earnings,-10500.00
4000,Sales,-50000.00
5000,Cost of goods sold,30000.00
6000,Salaries and wages,8000.00
6100,Depreciation,4000.00
8000,Interest expense,500.00
9000,Income tax expense,1500.00
"""
# The prior year: CA 12,500; CL 6,000; revenue 40,000; cost of sales 25,000; opex 11,000; result 4,000.
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
# A small ledger over three months (February has no lines), with one account (7777) nobody mapped.
GL_ROWS = [
    ("J1", "1100", "1200.00", "2026-01-05"),
    ("J1", "4000", "-1200.00", "2026-01-05"),
    ("J2", "5000", "700.00", "2026-01-20"),
    ("J2", "1000", "-700.00", "2026-01-20"),
    ("J3", "1000", "1200.00", "2026-01-31"),
    ("J3", "1100", "-1200.00", "2026-01-31"),
    ("J4", "6000", "450.25", "2026-03-01"),
    ("J4", "1000", "-450.25", "2026-03-01"),
    ("J5", "1100", "999.99", "2026-03-31"),
    ("J5", "4000", "-999.99", "2026-03-31"),
    ("J6", "6100", "333.33", "2026-04-15"),
    ("J6", "7777", "-333.33", "2026-04-15"),
    ("J7", "4000", "100.00", "2026-04-30"),  # a sales return: revenue down
    ("J7", "1000", "-100.00", "2026-04-30"),
]


def gl_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["JE Number", "Account", "Amount", "Posting Date", "Description"])
    for journal, account, amount, day in GL_ROWS:
        writer.writerow([journal, account, amount, day, f"entry {journal}"])
    return out.getvalue().encode()


def mapped(ws: Workspace, *, prior: bool = True) -> dict[str, dict[str, Any]]:
    """Load the year, map it (suggestions confirmed), add the prior year; the standard code per account."""
    loaded(ws, ws.admin, "trial_balance", TB)
    reply = ws.call("POST", "mapping/suggest", ws.admin)
    assert reply.status == 202, reply.body
    deliver(reply.json()["job_id"])
    assert ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True}).status == 200
    if prior:
        loaded(ws, ws.admin, "trial_balance", PRIOR_TB, comparative="prior_year")
    items = ws.call("GET", "mapping", ws.admin, params={"page_size": "500"}).json()["items"]
    return {item["account_number"]: item for item in items}


def analysis(ws: Workspace, **params: str) -> dict[str, Any]:
    reply = ws.call("GET", "financial-analysis", ws.admin, params=params or None)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def test_ratios_of_both_years_from_the_mapped_trial_balance() -> None:
    ws = workspace()
    mapped(ws)
    result = analysis(ws)
    assert result["comparatives"] == "prior_year_trial_balance"
    assert result["unconfirmed_accounts"] == 0
    ratios = {r["code"]: r for r in result["ratios"]}
    assert len(ratios) == 14
    # 19,800 / 5,300 = 3.73584..; 12,500 / 6,000 = 2.08333..
    assert (ratios["current_ratio"]["value"], ratios["current_ratio"]["prior"]) == ("3.7358", "2.0833")
    assert ratios["current_ratio"]["change"] == "1.6525"
    assert ratios["current_ratio"]["inputs"] == {"current_assets": "19800.00", "current_liabilities": "5300.00"}
    # (50,000 - 30,000) / 50,000; (40,000 - 25,000) / 40,000
    assert (ratios["gross_margin"]["value"], ratios["gross_margin"]["prior"]) == ("0.4000", "0.3750")
    # 6,000 / 50,000; 4,000 / 40,000
    assert (ratios["net_margin"]["value"], ratios["net_margin"]["prior"]) == ("0.1200", "0.1000")
    # (7,500 + 500) / 500; the prior year had no interest expense
    assert ratios["interest_coverage"]["value"] == "16.0000"
    assert ratios["interest_coverage"]["prior"] is None
    assert ratios["interest_coverage"]["prior_reason"] == "there is no interest expense"
    # 13,300 / 18,500 = 0.71891..
    assert ratios["debt_to_equity"]["value"] == "0.7189"
    # 6,300 / 50,000 x 365 = 45.99; 5,300 / 30,000 x 365 = 64.483..
    assert (ratios["dso"]["value"], ratios["dpo"]["value"]) == ("46.0", "64.5")
    assert ratios["dio"]["reason"] is None and ratios["dio"]["value"] == "0.0"  # no inventories
    indicators = {i["code"]: i for i in result["indicators"]}
    assert not any(i["triggered"] for i in indicators.values())
    assert indicators["negative_working_capital"]["figures"]["working_capital"] == "14500.00"


def test_flux_thresholds_default_to_performance_materiality_and_can_be_overridden() -> None:
    ws = workspace()
    mapped(ws)
    unset = analysis(ws)
    assert unset["flux_thresholds"] == {"amount": "0.00", "amount_source": "none", "percent": "10"}
    body = {"benchmark": "revenue", "risk_level": "low", "rationale": "Revenue is what the owners read"}
    assert ws.call("POST", "materiality", ws.admin, json_body=body).status == 201
    result = analysis(ws)
    # 1% of revenue 50,000 = 500; performance 75% = 375.
    assert result["flux_thresholds"] == {
        "amount": "375.00",
        "amount_source": "performance_materiality",
        "percent": "10",
    }
    lines = {line["key"]: line for line in result["flux"]}
    cash = lines["account:1000"]
    assert (cash["current"], cash["prior"], cash["change"], cash["percent"], cash["flagged"]) == (
        "13500.00",
        "8000.00",
        "5500.00",
        "68.75",
        True,
    )
    revenue = lines["caption:revenue.revenue"]
    assert (revenue["current"], revenue["prior"], revenue["change"], revenue["flagged"]) == (
        "50000.00",
        "40000.00",
        "10000.00",
        True,
    )
    # Share capital did not move; the allowance (a contra asset, so negative) moved 200 (40%) but under 375.
    assert lines["account:3000"]["flagged"] is False
    assert (lines["account:1150"]["change"], lines["account:1150"]["flagged"]) == ("-200.00", False)
    # The boundaries, strictly: a change equal to a threshold is not flagged.
    at_amount = {line["key"]: line["flagged"] for line in analysis(ws, amount_threshold="5500")["flux"]}
    assert at_amount["account:1000"] is False
    assert {line["key"]: line["flagged"] for line in analysis(ws, amount_threshold="5499.99")["flux"]}[
        "account:1000"
    ] is True
    at_percent = {line["key"]: line["flagged"] for line in analysis(ws, percent_threshold="68.75")["flux"]}
    assert at_percent["account:1000"] is False
    over = analysis(ws, amount_threshold="0", percent_threshold="68.74")
    assert over["flux_thresholds"]["amount_source"] == "request"
    assert {line["key"]: line["flagged"] for line in over["flux"]}["account:1000"] is True
    bad = ws.call("GET", "financial-analysis", ws.admin, params={"percent_threshold": "-1"})
    assert bad.status == 400


def test_an_explanation_is_kept_with_the_line_audit_logged_and_replaced() -> None:
    ws = workspace()
    mapped(ws)
    key = "account:1000"
    reply = ws.call("PUT", f"financial-analysis/flux/{key}/explanation", ws.admin, json_body={"text": "  Collections "})
    assert reply.status == 200, reply.body
    assert (reply.json()["key"], reply.json()["text"]) == (key, "Collections")
    again = ws.call(
        "PUT", f"financial-analysis/flux/{key}/explanation", ws.admin, json_body={"text": "Year-end collections"}
    )
    assert again.status == 200
    lines = {line["key"]: line for line in analysis(ws)["flux"]}
    assert lines[key]["explanation"]["text"] == "Year-end collections"
    assert lines[key]["explanation"]["updated_by"] == ws.admin.user_id
    assert lines["account:1100"]["explanation"] is None
    caption = "caption:revenue.revenue"
    assert (
        ws.call(
            "PUT", f"financial-analysis/flux/{caption}/explanation", ws.admin, json_body={"text": "Prices up"}
        ).status
        == 200
    )
    assert {line["key"]: line for line in analysis(ws)["flux"]}[caption]["explanation"]["text"] == "Prices up"
    unknown = ws.call("PUT", "financial-analysis/flux/account:4242/explanation", ws.admin, json_body={"text": "x"})
    assert (unknown.status, unknown.json()["code"]) == (404, "flux_line_not_found")
    empty = ws.call("PUT", f"financial-analysis/flux/{key}/explanation", ws.admin, json_body={"text": "  "})
    assert empty.status == 400
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        rows = uow.session.scalars(
            select(FluxExplanation).where(FluxExplanation.engagement_id == uuid.UUID(ws.engagement_id))
        ).all()
        assert sorted(row.key for row in rows) == [key, caption]
        actions = uow.session.scalars(
            select(AuditRecord.data)
            .where(AuditRecord.action == "flux_explanation.saved", AuditRecord.firm_id == ws.firm_id)
            .order_by(AuditRecord.id)
        ).all()
    assert [a["key"] for a in actions] == [key, key, caption]
    assert all("text" not in a for a in actions)


def test_who_may_read_and_explain() -> None:
    ws = workspace()
    mapped(ws, prior=False)
    put = ("financial-analysis/flux/account:1000/explanation", {"text": "Explained"})
    staff = ws.person("staff", "staff", team_role="staff")
    assert ws.call("GET", "financial-analysis", staff).status == 200
    refused = ws.call("PUT", put[0], staff, json_body=put[1])
    assert (refused.status, refused.json()["code"]) == (403, "forbidden")
    senior = ws.person("senior", "senior", team_role="senior")
    assert ws.call("PUT", put[0], senior, json_body=put[1]).status == 200
    # A client user lacks engagement.read: the endpoint answers 403 before the engagement is looked up
    # (require(clients=False) would answer 404 to a client user holding it: the firm's working papers).
    client = ws.client_user()
    for path in ("financial-analysis", "financial-analysis/trends", "financial-analysis/trends.png"):
        reply = ws.call("GET", path, client)
        assert (reply.status, reply.json()["code"]) == (403, "forbidden"), path
    assert ws.call("PUT", put[0], client, json_body=put[1]).status == 403
    outsider = ws.person("outsider", "senior")
    assert ws.call("GET", "financial-analysis", outsider).status == 404
    assert ws.call("PUT", put[0], outsider, json_body=put[1]).status == 404
    other = workspace()
    assert other.call("GET", "financial-analysis", other.admin).json()["code"] == "no_trial_balance"
    # Row-level security: the other firm's session reads none of this firm's explanations.
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalars(select(FluxExplanation)).all() == []
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert len(uow.session.scalars(select(FluxExplanation)).all()) == 1


def test_a_finalized_engagement_refuses_explanations_but_still_reads() -> None:
    ws = workspace()
    mapped(ws)
    path = "financial-analysis/flux/account:1000/explanation"
    assert ws.call("PUT", path, ws.admin, json_body={"text": "Before the lock"}).status == 200
    ws.finalize()
    refused = ws.call("PUT", path, ws.admin, json_body={"text": "After the lock"})
    assert (refused.status, refused.json()["code"]) == (409, "engagement_locked")
    lines = {line["key"]: line for line in analysis(ws)["flux"]}
    assert lines["account:1000"]["explanation"]["text"] == "Before the lock"


def test_without_a_prior_year_the_prior_ratios_are_null_and_losses_cannot_recur() -> None:
    ws = workspace()
    mapped(ws, prior=False)
    result = analysis(ws)
    assert result["comparatives"] is None
    assert all(r["prior"] is None and r["prior_reason"] == "no prior-year trial balance" for r in result["ratios"])
    assert all(line["prior"] is None and line["flagged"] is False for line in result["flux"])


def test_trends_equal_the_ledgers_sums_per_month() -> None:
    ws = workspace()
    mappings = mapped(ws)
    empty = ws.call("GET", "financial-analysis/trends", ws.admin).json()
    assert (empty["dataset_id"], empty["months"]) == (None, [])
    dataset = loaded(ws, ws.admin, "general_ledger", gl_csv())
    reply = ws.call("GET", "financial-analysis/trends", ws.admin)
    assert reply.status == 200, reply.body
    trends = reply.json()
    assert trends["dataset_id"] == dataset["id"]
    # The direct sum: each line by the month of its date and its account's confirmed section.
    expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    unmapped = 0
    for _, account, amount, day in GL_ROWS:
        month = day[:7]
        expected[month]  # every month with a line is listed
        mapping = mappings.get(account)
        if mapping is None or mapping["status"] != "confirmed":
            unmapped += 1
            continue
        section = mapping["section"]
        if section == "revenue":
            expected[month]["revenue"] -= D(amount)
        elif section in ("cost_of_sales", "operating_expenses"):
            expected[month][section] += D(amount)
        if mapping["standard_code"] == "1010":
            expected[month]["cash_movement"] += D(amount)
    assert trends["unmapped_lines"] == unmapped == 1
    months = {m["month"]: m for m in trends["months"]}
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    for month, row in months.items():
        for series in ("revenue", "cost_of_sales", "operating_expenses", "cash_movement"):
            assert D(row[series]) == expected[month][series], (month, series)
    assert months["2026-01"]["revenue"] == "1200.00" and months["2026-04"]["revenue"] == "-100.00"
    assert months["2026-02"] == {
        "month": "2026-02",
        "revenue": "0.00",
        "cost_of_sales": "0.00",
        "operating_expenses": "0.00",
        "cash_movement": "0.00",
    }
    for path, params in (("financial-analysis/trends.png", None), ("financial-analysis/trends", {"format": "png"})):
        chart = ws.call("GET", path, ws.admin, params=params)
        assert chart.status == 200
        assert chart.headers["Content-Type"] == "image/png"
        assert chart.body.startswith(b"\x89PNG\r\n\x1a\n") and len(chart.body) > 5000


# Opening balances compare the balance sheet only: a revenue account opens at zero, which says nothing
# about last year's sales.
OPENING_TB = b"""Account Number,Account Name,Opening Balance,Closing Balance
1000,Cash at bank,8000.00,13500.00
2000,Trade creditors,-6000.00,-5300.00
3000,Share capital,-2000.00,-2000.00
4000,Sales,0.00,-50000.00
5000,Cost of goods sold,0.00,43800.00
"""


def test_opening_balances_compare_the_balance_sheet_only() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "trial_balance", OPENING_TB)
    reply = ws.call("POST", "mapping/suggest", ws.admin)
    deliver(reply.json()["job_id"])
    assert ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True}).status == 200
    result = analysis(ws)
    assert result["comparatives"] == "opening_balances"
    lines = {line["key"]: line for line in result["flux"]}
    # 13,500 against 8,000 opening; creditors 5,300 against 6,000 (presented as credits).
    assert (lines["account:1000"]["prior"], lines["account:1000"]["flagged"]) == ("8000.00", True)
    assert (lines["account:2000"]["current"], lines["account:2000"]["change"]) == ("5300.00", "-700.00")
    assert (lines["account:4000"]["prior"], lines["account:4000"]["flagged"]) == (None, False)
    assert lines["caption:revenue.revenue"]["prior"] is None
    ratios = {r["code"]: r for r in result["ratios"]}
    # 13,500 / 5,300 = 2.54716..; no prior-year ratios from opening balances
    assert (ratios["current_ratio"]["value"], ratios["current_ratio"]["prior"]) == ("2.5472", None)
