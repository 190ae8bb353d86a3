"""The going-concern indicators financial analysis shows, each with the figures that decide it.

Codes, titles, thresholds and the rule for each indicator live in shared/going_concern.py, which the
disclosures checklist decides its own going-concern items with; this module only gathers the year's
figures and ratios into what the analysis reports. `triggered` is None when the figures to decide are
missing (no prior-year trial balance for the prior year's loss).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from functions.financial_analysis.ratios import Ratio, YearFigures
from shared import going_concern as gc


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

    def indicator(
        code: str, triggered: bool | None, figures: dict[str, Decimal | None], note: str | None = None
    ) -> Indicator:
        return Indicator(code, gc.TITLES[code], triggered, figures, note)

    return [
        indicator(
            gc.NEGATIVE_WORKING_CAPITAL,
            gc.negative_working_capital(current.current_assets, current.current_liabilities),
            {
                "current_assets": current.current_assets,
                "current_liabilities": current.current_liabilities,
                "working_capital": current.working_capital,
            },
        ),
        indicator(
            gc.RECURRING_NET_LOSSES,
            gc.recurring_net_losses(current.net_income, prior_result),
            {"net_income": current.net_income, "prior_net_income": prior_result},
            "no prior-year trial balance" if prior_result is None else None,
        ),
        indicator(gc.NEGATIVE_EQUITY, gc.negative_equity(current.equity), {"equity": current.equity}),
        indicator(
            gc.CURRENT_RATIO_BELOW_1,
            gc.below_floor(current_ratio.value, gc.CURRENT_RATIO_FLOOR),
            {"current_ratio": current_ratio.value, "threshold": gc.CURRENT_RATIO_FLOOR},
            current_ratio.reason,
        ),
        indicator(
            gc.INTEREST_COVERAGE_BELOW_1_5,
            gc.below_floor(coverage.value, gc.INTEREST_COVERAGE_FLOOR),
            {
                "interest_coverage": coverage.value,
                "ebit": current.ebit,
                "interest_expense": current.interest_expense,
                "threshold": gc.INTEREST_COVERAGE_FLOOR,
            },
            coverage.reason,
        ),
    ]
