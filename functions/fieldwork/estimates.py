"""Accounting estimates (AU-C 540 / AS 2501): the difference between management's estimate and the
auditor's, the entry that corrects it, and the retrospective review's indicator of management bias.

The auditor's figure is a point or a range. Against a range, management's point estimate inside it
differs by nothing (a reasonable estimate); outside it, the difference is the distance to the nearest
bound, the least the auditor can say is misstated. Against a point, it is the distance to the point.
Differences are management's figure less the auditor's: positive when management's estimate is higher.

The retrospective review compares last year's estimates with how they turned out. One estimate
missing its outcome says little; most of them missing the same way is a sign of management bias
(AU-C 540.A134): at least MIN_REVIEWED reviewed, and at least BIAS_SHARE of them on the same side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from shared.adjusting_entries import EntryLine

ZERO = Decimal("0.00")
MIN_REVIEWED = 3
BIAS_SHARE = Fraction(2, 3)


def auditor_figure(
    management: Decimal, *, low: Decimal | None, high: Decimal | None, point: Decimal | None
) -> Decimal | None:
    """What management's estimate is measured against: the auditor's point, or the nearest bound of the
    range (management's own figure when inside it); None when the auditor has no figure yet."""
    if point is not None:
        return point
    if low is None or high is None:
        return None
    return min(max(management, low), high)


def difference(
    management: Decimal, *, low: Decimal | None, high: Decimal | None, point: Decimal | None
) -> Decimal | None:
    """Management's estimate less the auditor's figure (zero inside the range), or None without one."""
    figure = auditor_figure(management, low=low, high=high, point=point)
    return None if figure is None else management - figure


def correcting_lines(
    difference_: Decimal, *, account: str, counter_account: str, increases_with: str
) -> list[EntryLine]:
    """The two lines that move the estimate's account to the auditor's figure. `increases_with` is the
    side that makes the estimate larger (credit for an allowance or a provision, debit for an asset at
    fair value); the counter account (usually the expense) takes the other side."""
    amount = abs(difference_)
    raise_estimate = difference_ < 0  # management is below the auditor: the estimate goes up
    account_side = increases_with if raise_estimate else ("debit" if increases_with == "credit" else "credit")

    def line(number: str, side: str) -> EntryLine:
        return EntryLine(number, amount if side == "debit" else ZERO, amount if side == "credit" else ZERO)

    counter_side = "credit" if account_side == "debit" else "debit"
    return [line(account, account_side), line(counter_account, counter_side)]


def direction(prior_estimate: Decimal, actual_outcome: Decimal) -> str:
    """Which way last year's estimate missed: over (the outcome came in lower), under, or exact."""
    if prior_estimate > actual_outcome:
        return "over"
    if prior_estimate < actual_outcome:
        return "under"
    return "exact"


@dataclass(frozen=True)
class Bias:
    reviewed: int
    over: int
    under: int
    exact: int
    leaning: str | None  # over | under: the side most differences fall on, when the indicator is raised
    indicated: bool
    rule: str


def bias(reviews: Sequence[tuple[Decimal, Decimal]]) -> Bias:
    """The indicator of management bias over (prior estimate, actual outcome) pairs."""
    directions = [direction(prior, actual) for prior, actual in reviews]
    over, under = directions.count("over"), directions.count("under")
    reviewed = len(directions)
    leaning = "over" if over > under else "under" if under > over else None
    most = max(over, under)
    indicated = reviewed >= MIN_REVIEWED and leaning is not None and Fraction(most, reviewed) >= BIAS_SHARE
    rule = (
        f"indicated when at least {MIN_REVIEWED} estimates are reviewed and at least "
        f"{BIAS_SHARE.numerator}/{BIAS_SHARE.denominator} of them missed their outcome the same way"
    )
    return Bias(reviewed, over, under, reviewed - over - under, leaning if indicated else None, indicated, rule)
