"""The words in an account's name that say what kind of account it is, whatever else it says.

"Accrued utilities" is a liability though "utilities" is an expense; "Prepaid expenses - software"
is an asset though "software" and "expenses" pull to the income statement; "Computer & software
expense" is an expense though "software" may be capitalised. Accountants read the kind word first,
and so does this: a candidate outside the sections the kind words allow loses points. Depreciation
and amortization are read with the balance: a debit is the year's charge, a credit the accumulated
provision (a contra asset).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from functions.mapping.suggest.sign import side
from functions.mapping.suggest.synonyms import normalise
from shared.standard_chart import Chart

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

PENALTY = 25.0
ASSETS = frozenset({"current_assets", "non_current_assets"})
LIABILITIES = frozenset({"current_liabilities", "non_current_liabilities"})
EXPENSES = frozenset({"cost_of_sales", "operating_expenses", "other_income_expense", "income_tax"})
NON_CURRENT = frozenset({"non_current_assets", "non_current_liabilities", "equity"})

# Tried in order; the first kind word found decides.
KIND_WORDS: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"prepaid", "prepayment", "prepayments"}), ASSETS),
    (frozenset({"receivable", "receivables", "recoverable"}), ASSETS),
    (
        frozenset({"accrued", "payable", "payables", "withholding", "withholdings", "liability", "liabilities"}),
        LIABILITIES,
    ),
    (frozenset({"deposit", "deposits"}), ASSETS | LIABILITIES),
    (frozenset({"expense", "expenses", "costs", "charge", "charges"}), EXPENSES),
)


def allowed(name: str, balance: Decimal | None) -> frozenset[str] | None:
    """The sections the name's kind words allow, or None when it has none."""
    text = normalise(name)
    found = set(text.split())
    if ("depreciation" in found or "amortization" in found) and "accumulated" not in found:
        way = side(balance)
        if way == "debit":
            return EXPENSES
        if way == "credit":
            return ASSETS
    for kind_words, sections in KIND_WORDS:
        if found & kind_words:
            return sections
    if ("long term" in text or "non current" in text or "noncurrent" in text) and not (
        "current portion" in text or "current maturities" in text
    ):
        return NON_CURRENT
    if "hire" in found and "purchase" not in found:
        return EXPENSES
    return None


def penalties(chart: Chart, names: list[str], balances: list[Decimal | None]) -> npt.NDArray[np.float32]:
    """A (accounts x chart) matrix of points to subtract from candidates the kind words rule out."""
    import numpy as np

    sections = np.array([account.section for account in chart.accounts])
    result = np.zeros((len(names), len(chart)), dtype=np.float32)
    for row, (name, balance) in enumerate(zip(names, balances, strict=True)):
        sections_allowed = allowed(name, balance)
        if sections_allowed is not None:
            result[row, ~np.isin(sections, list(sections_allowed))] = PENALTY
    return result
