"""The going-concern indicators of shared/going_concern.py at their boundaries, and the two capabilities
that decide them (financial analysis, the disclosures checklist) flagging the same conditions of the same
trial balance under the same titles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.disclosures import checklist
from functions.financial_analysis import indicators, ratios
from shared import going_concern as gc
from shared.mapped_tb import MappedLine

pytestmark = pytest.mark.unit

D = Decimal


def test_working_capital_equity_and_a_loss_trigger_only_below_zero() -> None:
    assert gc.negative_working_capital(D("100.00"), D("100.01"))
    assert not gc.negative_working_capital(D("100.00"), D("100.00"))  # nil working capital is not negative
    assert gc.negative_equity(D("-0.01"))
    assert not gc.negative_equity(D("0.00"))
    assert gc.net_loss(D("-0.01"))
    assert not gc.net_loss(D("0.00"))  # breaking even is not a loss


def test_recurring_losses_need_both_years_and_are_unknown_without_the_prior_one() -> None:
    assert gc.recurring_net_losses(D("-10.00"), D("-5.00")) is True
    assert gc.recurring_net_losses(D("-10.00"), D("5.00")) is False
    assert gc.recurring_net_losses(D("10.00"), D("-5.00")) is False
    assert gc.recurring_net_losses(D("-10.00"), None) is None
    assert gc.recurring_net_losses(D("10.00"), None) is False  # a profit this year settles it


def test_a_ratio_triggers_strictly_below_its_floor_and_never_when_it_cannot_be_computed() -> None:
    assert D("1") == gc.CURRENT_RATIO_FLOOR
    assert D("1.5") == gc.INTEREST_COVERAGE_FLOOR
    assert gc.below_floor(D("1.4999"), gc.INTEREST_COVERAGE_FLOOR)
    assert not gc.below_floor(D("1.5000"), gc.INTEREST_COVERAGE_FLOOR)
    assert not gc.below_floor(None, gc.CURRENT_RATIO_FLOOR)  # no current liabilities


def test_every_indicator_has_one_title_naming_its_threshold() -> None:
    assert gc.TITLES[gc.CURRENT_RATIO_BELOW_1] == "Current ratio below 1"
    assert gc.TITLES[gc.INTEREST_COVERAGE_BELOW_1_5] == "Interest coverage below 1.5"
    assert set(gc.YEAR_INDICATORS) <= set(gc.TITLES)
    assert gc.of_the_year(
        current_assets=D("30.00"), current_liabilities=D("50.00"), equity=D("-10.00"), net_income=D("-20.00")
    ) == {gc.NEGATIVE_WORKING_CAPITAL: True, gc.NEGATIVE_EQUITY: True, gc.NET_LOSS: True}


# Debit-positive balances by section; None is an account nobody has mapped yet.
Balances = list[tuple[str | None, str]]


def _mapped(balances: Balances) -> list[MappedLine]:
    return [
        MappedLine(
            account_number=str(10000 + n),
            account_name=f"Account {n}",
            standard_code="9999" if section else None,
            section=section,
            status="confirmed" if section else "pending",
            unadjusted=D(amount),
            adjustments=D("0"),
            prior=None,
        )
        for n, (section, amount) in enumerate(balances)
    ]


def _analysis(balances: Balances) -> dict[str, indicators.Indicator]:
    figures = ratios.year_figures((section, "Other", D(amount)) for section, amount in balances if section)
    return {i.code: i for i in indicators.evaluate(figures, None, ratios.compute(figures, None))}


TRIAL_BALANCES: dict[str, Balances] = {
    "healthy": [("current_assets", "500"), ("current_liabilities", "-200"), ("equity", "-100"), ("revenue", "-200")],
    "distressed": [
        ("current_assets", "20000"),
        ("current_liabilities", "-90000"),
        ("revenue", "-100000"),
        ("operating_expenses", "170000"),
    ],
    "loss on positive equity": [("current_assets", "500"), ("equity", "-600"), ("operating_expenses", "100")],
    # Land not mapped yet: the mapped assets (50) fall short of the loan (120), yet the owners' equity is 30.
    "an asset not mapped yet": [
        (None, "100"),
        ("current_assets", "50"),
        ("current_liabilities", "-120"),
        ("equity", "-30"),
    ],
}


@pytest.mark.parametrize("name", TRIAL_BALANCES)
def test_the_checklist_and_the_analysis_flag_the_same_conditions_of_a_trial_balance(name: str) -> None:
    balances = TRIAL_BALANCES[name]
    flags = checklist.indicators(_mapped(balances))
    shown = _analysis(balances)
    for code in (gc.NEGATIVE_WORKING_CAPITAL, gc.NEGATIVE_EQUITY):
        assert flags[code] is shown[code].triggered, (name, code)
        assert shown[code].title == gc.TITLES[code]
    net_income = shown[gc.RECURRING_NET_LOSSES].figures["net_income"]
    assert net_income is not None
    assert flags[gc.NET_LOSS] is (net_income < 0)


def test_equity_is_the_equity_accounts_with_the_result_not_the_mapped_assets_less_liabilities() -> None:
    flags = checklist.indicators(_mapped(TRIAL_BALANCES["an asset not mapped yet"]))
    assert flags == {gc.NEGATIVE_WORKING_CAPITAL: True, gc.NEGATIVE_EQUITY: False, gc.NET_LOSS: False}
