"""Profit before tax serves as the benchmark only when stable (docs/audit-rules.md section 6): within 30%
of the prior year's, worked by hand; otherwise a warning the auditor sees with the figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.planning.materiality import stability_warnings

pytestmark = pytest.mark.unit

D = Decimal


@pytest.mark.parametrize(
    ("amount", "prior"),
    [(D("130000"), D("100000")), (D("70000"), D("100000")), (D("100000"), D("100000"))],
)
def test_within_30_percent_of_the_prior_year_is_stable(amount: Decimal, prior: Decimal) -> None:
    assert stability_warnings("profit_before_tax", amount, prior) == []


def test_more_than_30_percent_away_is_named_with_the_change_and_the_prior_figure() -> None:
    # (7,500 - 4,000) / 4,000 = 87.5% above; (60,000 - 100,000) / 100,000 = 40% below.
    (above,) = stability_warnings("profit_before_tax", D("7500.00"), D("4000.00"))
    assert "87.5% above the prior year's 4000.00" in above
    (below,) = stability_warnings("profit_before_tax", D("60000"), D("100000"))
    assert "40% below" in below


def test_a_prior_year_loss_is_never_stable_and_other_benchmarks_are_not_judged() -> None:
    (loss,) = stability_warnings("profit_before_tax", D("5000"), D("-200"))
    assert "a loss or nil" in loss
    assert stability_warnings("revenue", D("5000"), D("100")) == []
    assert stability_warnings("profit_before_tax", D("5000"), None) == []
