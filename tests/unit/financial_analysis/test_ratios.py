"""Every ratio of functions/financial_analysis/ratios.py against a hand computation, for a constructed
trial balance of two years, and a zero denominator for each.

The trial balance below balances in both years (assets = liabilities + equity with the year's result).
Each expected value is the arithmetic in its comment, rounded half up (4 decimals, days 1 decimal).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.financial_analysis import indicators, ratios

pytestmark = pytest.mark.unit

D = Decimal
CA, NCA, CL, NCL, EQ = (
    "current_assets",
    "non_current_assets",
    "current_liabilities",
    "non_current_liabilities",
    "equity",
)
REV, COS, OPEX, OTHER, TAX = "revenue", "cost_of_sales", "operating_expenses", "other_income_expense", "income_tax"
CASH, AR, INV = "Cash and cash equivalents", "Accounts receivable, net", "Inventories"
AP, INTEREST = "Accounts payable", "Interest expense"

# (section, caption, current year, prior year), debit positive, as the mapped final trial balance gives them.
TB = [
    (CA, CASH, "20000.00", "5000.00"),  # cash at bank
    (CA, AR, "30000.00", "20000.00"),  # accounts receivable
    (CA, AR, "-2000.00", "-1000.00"),  # allowance for doubtful accounts
    (CA, INV, "25000.00", "30000.00"),  # merchandise
    (CA, "Prepaid expenses and other current assets", "7000.00", "6000.00"),
    (NCA, "Property and equipment, net", "100000.00", "100000.00"),  # machinery
    (NCA, "Property and equipment, net", "-30000.00", "-20000.00"),  # accumulated depreciation
    (CL, AP, "-24000.00", "-35000.00"),
    (CL, "Accrued liabilities", "-16000.00", "-15000.00"),
    (NCL, "Long-term debt", "-50000.00", "-60000.00"),
    (EQ, "Common stock", "-10000.00", "-10000.00"),
    (EQ, "Retained earnings", "-31000.00", "-34000.00"),
    (REV, "Revenue", "-240000.00", "-200000.00"),
    (COS, "Cost of sales", "146000.00", "150000.00"),
    (OPEX, "Selling, general and administrative", "50000.00", "48000.00"),
    (OPEX, "Depreciation and amortization", "10000.00", "10000.00"),
    (OTHER, INTEREST, "4000.00", "6000.00"),
    (OTHER, "Other income (expense), net", "-1000.00", "0.00"),  # interest income
    (TAX, "Income tax expense", "12000.00", "0.00"),
]
# Current year: CA 80,000 (inventories 25,000, cash 20,000, receivables 28,000); NCA 70,000; TA 150,000;
# CL 40,000 (payables 24,000); NCL 50,000; equity accounts 41,000; revenue 240,000; cost of sales 146,000;
# opex 60,000; operating income 34,000; other -3,000; PBT 31,000; tax 12,000; net income 19,000;
# equity with the result 60,000; EBIT 31,000 + 4,000 = 35,000.
# Prior year: CA 60,000 (inventories 30,000, cash 5,000, receivables 19,000); NCA 80,000; TA 140,000;
# CL 50,000 (payables 35,000); NCL 60,000; equity accounts 44,000; revenue 200,000; cost of sales 150,000;
# opex 58,000; operating income -8,000; other -6,000; PBT -14,000; net loss 14,000; equity 30,000;
# EBIT -14,000 + 6,000 = -8,000.
EXPECTED = {
    # code: (current, prior)
    "current_ratio": ("2.0000", "1.2000"),  # 80,000 / 40,000; 60,000 / 50,000
    "quick_ratio": ("1.3750", "0.6000"),  # 55,000 / 40,000; 30,000 / 50,000
    "cash_ratio": ("0.5000", "0.1000"),  # 20,000 / 40,000; 5,000 / 50,000
    "gross_margin": ("0.3917", "0.2500"),  # 94,000 / 240,000 = 0.39166..; 50,000 / 200,000
    "operating_margin": ("0.1417", "-0.0400"),  # 34,000 / 240,000 = 0.14166..; -8,000 / 200,000
    "net_margin": ("0.0792", "-0.0700"),  # 19,000 / 240,000 = 0.07916..; -14,000 / 200,000
    "return_on_assets": ("0.1267", "-0.1000"),  # 19,000 / 150,000 = 0.12666..; -14,000 / 140,000
    "return_on_equity": ("0.3167", "-0.4667"),  # 19,000 / 60,000 = 0.31666..; -14,000 / 30,000 = -0.46666..
    "debt_to_equity": ("1.5000", "3.6667"),  # 90,000 / 60,000; 110,000 / 30,000 = 3.66666..
    "interest_coverage": ("8.7500", "-1.3333"),  # 35,000 / 4,000; -8,000 / 6,000 = -1.33333..
    "asset_turnover": ("1.6000", "1.4286"),  # 240,000 / 150,000; 200,000 / 140,000 = 1.428571..
    "dso": ("42.6", "34.7"),  # 28,000 / 240,000 x 365 = 42.583..; 19,000 / 200,000 x 365 = 34.675
    "dio": ("62.5", "73.0"),  # 25,000 / 146,000 x 365 = 62.5; 30,000 / 150,000 x 365 = 73
    "dpo": ("60.0", "85.2"),  # 24,000 / 146,000 x 365 = 60; 35,000 / 150,000 x 365 = 85.166..
}


def year(index: int) -> ratios.YearFigures:
    return ratios.year_figures((row[0], row[1], D(row[2 + index])) for row in TB)


def test_the_trial_balance_balances_in_both_years() -> None:
    for index in (0, 1):
        f = year(index)
        assert f.total_assets == f.total_liabilities + f.equity
    assert (year(0).net_income, year(1).net_income) == (D("19000.00"), D("-14000.00"))
    assert (year(0).equity, year(1).equity) == (D("60000.00"), D("30000.00"))


def test_every_ratio_for_both_years_against_the_hand_computation() -> None:
    computed = {r.code: r for r in ratios.compute(year(0), year(1))}
    assert set(computed) == set(EXPECTED)
    for code, (current, prior) in EXPECTED.items():
        ratio = computed[code]
        assert (str(ratio.value), str(ratio.prior)) == (current, prior), code
        assert ratio.change == D(current) - D(prior), code
        assert (ratio.reason, ratio.prior_reason) == (None, None), code
    assert computed["dso"].unit == "days" and computed["current_ratio"].unit == "ratio"


def test_inputs_name_the_amounts_entering_each_ratio() -> None:
    computed = {r.code: r for r in ratios.compute(year(0), year(1))}
    assert computed["quick_ratio"].inputs == {
        "current_assets": D("80000.00"),
        "inventories": D("25000.00"),
        "current_liabilities": D("40000.00"),
    }
    assert computed["debt_to_equity"].prior_inputs == {
        "current_liabilities": D("50000.00"),
        "non_current_liabilities": D("60000.00"),
        "equity": D("30000.00"),
    }
    assert computed["interest_coverage"].inputs == {
        "profit_before_tax": D("31000.00"),
        "interest_expense": D("4000.00"),
    }
    assert computed["dpo"].inputs == {"payables": D("24000.00"), "cost_of_sales": D("146000.00")}


def test_without_a_prior_year_the_prior_values_are_null_with_the_reason() -> None:
    for ratio in ratios.compute(year(0), None):
        assert ratio.value is not None
        assert (ratio.prior, ratio.change, ratio.prior_inputs) == (None, None, None)
        assert ratio.prior_reason == ratios.NO_PRIOR


def test_zero_denominators_give_null_with_the_reason() -> None:
    # Only a cash balance against share capital: no liabilities, no revenue, no cost of sales, no interest.
    f = ratios.year_figures([(CA, CASH, D("500.00")), (EQ, "Common stock", D("-500.00"))])
    computed = {r.code: r for r in ratios.compute(f, f)}
    reasons = {code: ratio.reason for code, ratio in computed.items() if ratio.value is None}
    assert reasons == {
        "current_ratio": "current liabilities are zero",
        "quick_ratio": "current liabilities are zero",
        "cash_ratio": "current liabilities are zero",
        "gross_margin": "revenue is zero",
        "operating_margin": "revenue is zero",
        "net_margin": "revenue is zero",
        "interest_coverage": "there is no interest expense",
        "dso": "revenue is zero",
        "dio": "cost of sales is zero",
        "dpo": "cost of sales is zero",
    }
    assert {code: str(r.value) for code, r in computed.items() if r.value is not None} == {
        "return_on_assets": "0.0000",  # 0 / 500
        "return_on_equity": "0.0000",
        "debt_to_equity": "0.0000",
        "asset_turnover": "0.0000",
    }
    assert computed["current_ratio"].prior_reason == "current liabilities are zero"
    empty = {r.code: r for r in ratios.compute(ratios.year_figures([]), None)}
    assert empty["return_on_assets"].reason == "total assets are zero"
    assert empty["return_on_equity"].reason == "equity is zero"
    assert empty["debt_to_equity"].reason == "equity is zero"


def test_a_firms_own_account_counts_by_its_caption() -> None:
    f = ratios.year_figures([(CA, CASH, D("100.00")), (CA, CASH, D("50.00")), (CA, "Restricted cash", D("70.00"))])
    assert (f.cash, f.current_assets) == (D("150.00"), D("220.00"))


def test_going_concern_indicators_on_a_healthy_year_and_a_distressed_one() -> None:
    healthy = year(0)
    found = {i.code: i for i in indicators.evaluate(healthy, year(1), ratios.compute(healthy, year(1)))}
    assert {code: i.triggered for code, i in found.items()} == {
        "negative_working_capital": False,
        "recurring_net_losses": False,
        "negative_equity": False,
        "current_ratio_below_1": False,
        "interest_coverage_below_1_5": False,
    }
    assert found["negative_working_capital"].figures["working_capital"] == D("40000.00")
    # Distressed: CA 30,000 < CL 50,000; a loss of 20,000 (revenue 100,000, costs 115,000, interest 5,000)
    # on equity accounts of 10,000 leaves equity -10,000; prior year a loss too.
    distressed = ratios.year_figures(
        [
            (CA, CASH, D("30000.00")),
            (CL, AP, D("-50000.00")),
            (EQ, "Common stock", D("-10000.00")),
            (REV, "Revenue", D("-100000.00")),
            (COS, "Cost of sales", D("115000.00")),
            (OTHER, INTEREST, D("5000.00")),
        ]
    )
    computed = ratios.compute(distressed, year(1))
    found = {i.code: i for i in indicators.evaluate(distressed, year(1), computed)}
    assert all(i.triggered for i in found.values()), {c: i.triggered for c, i in found.items()}
    assert found["negative_working_capital"].figures["working_capital"] == D("-20000.00")
    assert found["recurring_net_losses"].figures == {
        "net_income": D("-20000.00"),
        "prior_net_income": D("-14000.00"),
    }
    assert found["negative_equity"].figures == {"equity": D("-10000.00")}
    assert found["current_ratio_below_1"].figures["current_ratio"] == D("0.6000")  # 30,000 / 50,000
    # EBIT -20,000 + 5,000 = -15,000; / 5,000 = -3
    assert found["interest_coverage_below_1_5"].figures["interest_coverage"] == D("-3.0000")
    # Without a prior year, a loss this year cannot tell whether losses recur.
    alone = {i.code: i for i in indicators.evaluate(distressed, None, ratios.compute(distressed, None))}
    assert alone["recurring_net_losses"].triggered is None
    assert alone["recurring_net_losses"].note == "no prior-year trial balance"


def test_interest_coverage_exactly_1_5_is_not_below_it() -> None:
    # EBIT 1,500 (revenue 1,500, no costs, interest 1,000 -> PBT 500) / interest 1,000 = 1.5
    f = ratios.year_figures([(REV, "Revenue", D("-1500.00")), (OTHER, INTEREST, D("1000.00"))])
    found = {i.code: i for i in indicators.evaluate(f, None, ratios.compute(f, None))}
    assert found["interest_coverage_below_1_5"].figures["interest_coverage"] == D("1.5000")
    assert found["interest_coverage_below_1_5"].triggered is False
