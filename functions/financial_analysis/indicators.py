"""Going-concern indicators that can be computed from the trial balance (AU-C 570.A3, AS 2415.06):
the financial conditions that may cast substantial doubt on the entity's ability to continue.

Plain values in and out. `triggered` is None when the figures to decide are missing (no prior-year
trial balance for the prior year's loss). A ratio that cannot be computed because its denominator is
zero (no current liabilities, no interest expense) does not trigger its indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from functions.financial_analysis.ratios import Ratio, YearFigures

INTEREST_COVERAGE_FLOOR = Decimal("1.5")
CURRENT_RATIO_FLOOR = Decimal("1")


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    triggered: bool | None
    figures: dict[str, Decimal | None]
    note: str | None = None


def evaluate(current: YearFigures, prior: YearFigures | None, ratios: list[Ratio]) -> list[Indicator]:
    by_code = {ratio.code: ratio for ratio in ratios}
    current_ratio = by_code["current_ratio"]
    coverage = by_code["interest_coverage"]
    prior_result = prior.net_income if prior is not None else None
    losses = current.net_income < 0 and (prior_result is not None and prior_result < 0)
    return [
        Indicator(
            "negative_working_capital",
            "Negative working capital (current liabilities exceed current assets)",
            current.working_capital < 0,
            {
                "current_assets": current.current_assets,
                "current_liabilities": current.current_liabilities,
                "working_capital": current.working_capital,
            },
        ),
        Indicator(
            "recurring_net_losses",
            "Net loss in the current and in the prior year",
            None if prior_result is None and current.net_income < 0 else losses,
            {"net_income": current.net_income, "prior_net_income": prior_result},
            "no prior-year trial balance" if prior_result is None else None,
        ),
        Indicator(
            "negative_equity",
            "Negative equity (liabilities exceed assets)",
            current.equity < 0,
            {"equity": current.equity},
        ),
        Indicator(
            "current_ratio_below_1",
            "Current ratio below 1",
            current_ratio.value is not None and current_ratio.value < CURRENT_RATIO_FLOOR,
            {"current_ratio": current_ratio.value, "threshold": CURRENT_RATIO_FLOOR},
            current_ratio.reason,
        ),
        Indicator(
            "interest_coverage_below_1_5",
            "Interest coverage below 1.5",
            coverage.value is not None and coverage.value < INTEREST_COVERAGE_FLOOR,
            {
                "interest_coverage": coverage.value,
                "ebit": current.ebit,
                "interest_expense": current.interest_expense,
                "threshold": INTEREST_COVERAGE_FLOOR,
            },
            coverage.reason,
        ),
    ]
