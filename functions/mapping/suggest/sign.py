"""The balance's sign as evidence: a credit balance is rarely an asset, a debit one rarely revenue.

Applied as a penalty on the candidates whose normal balance the account's balance contradicts. Contra
accounts carry the opposite normal balance in the chart (accumulated depreciation is a credit in
non-current assets), so a credit "Accum. depr." keeps the section of what it reduces instead of being
pushed out of the assets.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from shared.standard_chart import Chart

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

PENALTY = 12.0  # points of similarity (0-100) a contradicted candidate loses


def side(balance: Decimal | None) -> str | None:
    """debit, credit, or None for no balance (nothing to learn from zero)."""
    if balance is None or balance == 0:
        return None
    return "debit" if balance > 0 else "credit"


def penalties(chart: Chart, balances: list[Decimal | None]) -> npt.NDArray[np.float32]:
    """A (accounts x chart) matrix of points to subtract where the sign contradicts the normal balance."""
    import numpy as np

    debit_normal = np.array([account.normal_balance == "debit" for account in chart.accounts])
    result = np.zeros((len(balances), len(chart)), dtype=np.float32)
    for row, balance in enumerate(balances):
        found = side(balance)
        if found == "debit":
            result[row, ~debit_normal] = PENALTY
        elif found == "credit":
            result[row, debit_normal] = PENALTY
    return result
