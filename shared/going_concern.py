"""Going-concern indicators: the financial conditions, read from the trial balance, that may cast
substantial doubt on the entity's ability to continue (AU-C 570.A3, AS 2415.06). Plain values in and out.

One home for the codes, titles, thresholds and the rule deciding each indicator, because two
capabilities decide them and a capability never imports another: financial analysis shows every
indicator with its figures beside the ratios, and the disclosures checklist turns its going-concern
items on from the ones one year's trial balance decides. Both therefore flag the same working
capital, the same equity and the same loss, with the same title.

Figures are as the statements show them, not debit positive: assets, liabilities and equity are
positive amounts, the year's result (net income) is negative for a loss, and equity includes the
year's result because the trial balance is before closing (docs/audit-rules.md section 12, as for
materiality's equity benchmark). A ratio that cannot be computed because its denominator is zero
(no current liabilities, no interest expense) does not trigger its indicator; a ratio exactly at its
floor is not below it.

Where the two capabilities differ, they do on purpose:

- The checklist asks its going-concern questions after a single year's loss (`net_loss`); the
  analysis reports recurring losses (`recurring_net_losses`, a loss this year and the year before),
  the condition AU-C 570.A3 names, and cannot tell without a prior year. Both decide a year's loss
  with `net_loss`.
- The ratio indicators (current ratio, interest coverage) are the analysis's only: they need the
  ratios it computes, and the checklist's going-concern items already turn on with working capital.
- Which accounts count is the caller's: the analysis reads confirmed mappings only (its figures are
  the statements'), the checklist suggested ones too, as its account triggers do, so a suggested
  mapping already raises the items a reviewer must look at.
"""

from __future__ import annotations

from decimal import Decimal

NEGATIVE_WORKING_CAPITAL = "negative_working_capital"
NET_LOSS = "net_loss"
RECURRING_NET_LOSSES = "recurring_net_losses"
NEGATIVE_EQUITY = "negative_equity"
CURRENT_RATIO_BELOW_1 = "current_ratio_below_1"
INTEREST_COVERAGE_BELOW_1_5 = "interest_coverage_below_1_5"

CURRENT_RATIO_FLOOR = Decimal("1")
INTEREST_COVERAGE_FLOOR = Decimal("1.5")

TITLES = {
    NEGATIVE_WORKING_CAPITAL: "Negative working capital (current liabilities exceed current assets)",
    NET_LOSS: "Net loss for the year",
    RECURRING_NET_LOSSES: "Net loss in the current and in the prior year",
    NEGATIVE_EQUITY: "Negative equity (liabilities exceed assets)",
    CURRENT_RATIO_BELOW_1: f"Current ratio below {CURRENT_RATIO_FLOOR}",
    INTEREST_COVERAGE_BELOW_1_5: f"Interest coverage below {INTEREST_COVERAGE_FLOOR}",
}
YEAR_INDICATORS = (NEGATIVE_WORKING_CAPITAL, NEGATIVE_EQUITY, NET_LOSS)
"""The indicators one year's trial balance decides alone, without a prior year or a ratio."""


def negative_working_capital(current_assets: Decimal, current_liabilities: Decimal) -> bool:
    """Current liabilities exceed current assets."""
    return current_assets - current_liabilities < 0


def negative_equity(equity: Decimal) -> bool:
    """Equity, with the year's result, is below zero: liabilities exceed assets."""
    return equity < 0


def net_loss(net_income: Decimal) -> bool:
    """The year's result is a loss."""
    return net_income < 0


def recurring_net_losses(net_income: Decimal, prior_net_income: Decimal | None) -> bool | None:
    """A loss this year and the year before; None (unknown) when this year is a loss and the prior
    year's result is unknown (no prior-year trial balance)."""
    if not net_loss(net_income):
        return False
    if prior_net_income is None:
        return None
    return net_loss(prior_net_income)


def below_floor(ratio: Decimal | None, floor: Decimal) -> bool:
    """The ratio is strictly below its floor; a ratio that cannot be computed (None) is not."""
    return ratio is not None and ratio < floor


def of_the_year(
    *, current_assets: Decimal, current_liabilities: Decimal, equity: Decimal, net_income: Decimal
) -> dict[str, bool]:
    """The indicators of YEAR_INDICATORS, each present or not, from the year's figures."""
    return {
        NEGATIVE_WORKING_CAPITAL: negative_working_capital(current_assets, current_liabilities),
        NEGATIVE_EQUITY: negative_equity(equity),
        NET_LOSS: net_loss(net_income),
    }
