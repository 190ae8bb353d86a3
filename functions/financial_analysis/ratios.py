"""Financial ratios of one year, and the year's figures they are computed from (AU-C 520, AS 2305).

Plain values in and out. A year's figures come from the mapped final trial balance as
(section, caption, amount) triples, debit positive; liabilities, equity and revenue enter the ratios
as positive amounts (credit balances negated). Which accounts are cash, receivables, inventories,
payables and interest expense is read from their statement caption in the standard chart
(shared/chart_data.py), so a firm's own accounts under the same caption count too:

- cash: "Cash and cash equivalents" (petty cash, bank, savings, short-term deposits; not restricted
  cash or short-term investments);
- receivables: "Accounts receivable, net" (trade and unbilled receivables net of the allowance);
- inventories: "Inventories" (net of the inventory reserve);
- payables: "Accounts payable" (trade payables and credit cards);
- interest expense: "Interest expense" (interest and the amortization of financing costs).

Balance-sheet amounts are the closing balances of the year (not averages), so every ratio of a year
needs only that year's trial balance. Ratios are rounded half up to 4 decimals, the day counts (dso,
dio, dpo, on a 365-day year) to 1 decimal; margins and returns are fractions (0.2500 is 25%).
A ratio whose denominator is zero is None, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
DAYS_IN_YEAR = Decimal(365)
RATIO_PLACES = Decimal("0.0001")
DAY_PLACES = Decimal("0.1")
CASH_CAPTIONS = frozenset({"Cash and cash equivalents"})
RECEIVABLE_CAPTIONS = frozenset({"Accounts receivable, net"})
INVENTORY_CAPTIONS = frozenset({"Inventories"})
PAYABLE_CAPTIONS = frozenset({"Accounts payable"})
INTEREST_EXPENSE_CAPTIONS = frozenset({"Interest expense"})
CREDIT_SECTIONS = frozenset(
    {"current_liabilities", "non_current_liabilities", "equity", "revenue", "other_income_expense"}
)


@dataclass(frozen=True)
class YearFigures:
    """One year's amounts, as a reader of the statements sees them (liabilities, equity, revenue positive).

    `equity` is the equity accounts' balance without the year's result; `other_income` is other
    income net of other expense (interest expense included)."""

    current_assets: Decimal = ZERO
    non_current_assets: Decimal = ZERO
    current_liabilities: Decimal = ZERO
    non_current_liabilities: Decimal = ZERO
    equity_accounts: Decimal = ZERO
    revenue: Decimal = ZERO
    cost_of_sales: Decimal = ZERO
    operating_expenses: Decimal = ZERO
    other_income: Decimal = ZERO
    income_tax: Decimal = ZERO
    cash: Decimal = ZERO
    receivables: Decimal = ZERO
    inventories: Decimal = ZERO
    payables: Decimal = ZERO
    interest_expense: Decimal = ZERO

    @property
    def total_assets(self) -> Decimal:
        return self.current_assets + self.non_current_assets

    @property
    def total_liabilities(self) -> Decimal:
        return self.current_liabilities + self.non_current_liabilities

    @property
    def gross_profit(self) -> Decimal:
        return self.revenue - self.cost_of_sales

    @property
    def operating_income(self) -> Decimal:
        return self.gross_profit - self.operating_expenses

    @property
    def profit_before_tax(self) -> Decimal:
        return self.operating_income + self.other_income

    @property
    def net_income(self) -> Decimal:
        """The year's result (a loss is negative)."""
        return self.profit_before_tax - self.income_tax

    @property
    def equity(self) -> Decimal:
        """Equity including the year's result: the trial balance is before closing."""
        return self.equity_accounts + self.net_income

    @property
    def ebit(self) -> Decimal:
        """Earnings before interest and tax: profit before tax with the interest expense added back."""
        return self.profit_before_tax + self.interest_expense

    @property
    def working_capital(self) -> Decimal:
        return self.current_assets - self.current_liabilities


def year_figures(balances: Iterable[tuple[str, str, Decimal]]) -> YearFigures:
    """A year's figures from its (section, caption, debit-positive amount) balances."""
    sections: dict[str, Decimal] = {}
    by_caption: dict[str, Decimal] = {}
    for section_name, caption, amount in balances:
        sections[section_name] = sections.get(section_name, ZERO) + amount
        by_caption[caption] = by_caption.get(caption, ZERO) + amount

    def section(name: str) -> Decimal:
        amount = sections.get(name, ZERO)
        return -amount if name in CREDIT_SECTIONS else amount

    def captions(names: frozenset[str]) -> Decimal:
        return sum((by_caption.get(name, ZERO) for name in names), ZERO)

    return YearFigures(
        current_assets=section("current_assets"),
        non_current_assets=section("non_current_assets"),
        current_liabilities=section("current_liabilities"),
        non_current_liabilities=section("non_current_liabilities"),
        equity_accounts=section("equity"),
        revenue=section("revenue"),
        cost_of_sales=section("cost_of_sales"),
        operating_expenses=section("operating_expenses"),
        other_income=section("other_income_expense"),
        income_tax=section("income_tax"),
        cash=captions(CASH_CAPTIONS),
        receivables=captions(RECEIVABLE_CAPTIONS),
        inventories=captions(INVENTORY_CAPTIONS),
        payables=-captions(PAYABLE_CAPTIONS),
        interest_expense=captions(INTEREST_EXPENSE_CAPTIONS),
    )


Part = Callable[[YearFigures], Decimal]


@dataclass(frozen=True)
class Definition:
    code: str
    title: str
    formula: str
    numerator: dict[str, Part]  # name -> amount; summed with the sign of the formula (see below)
    denominator: tuple[str, Part]
    days: bool = False
    zero_reason: str = ""
    compute: Callable[[dict[str, Decimal]], Decimal] | None = field(default=None)


def _fig(name: str) -> Part:
    return lambda f: getattr(f, name)


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "current_ratio",
        "Current ratio",
        "current assets / current liabilities",
        {"current_assets": _fig("current_assets")},
        ("current_liabilities", _fig("current_liabilities")),
        zero_reason="current liabilities are zero",
    ),
    Definition(
        "quick_ratio",
        "Quick ratio",
        "(current assets - inventories) / current liabilities",
        {"current_assets": _fig("current_assets"), "inventories": _fig("inventories")},
        ("current_liabilities", _fig("current_liabilities")),
        zero_reason="current liabilities are zero",
        compute=lambda v: v["current_assets"] - v["inventories"],
    ),
    Definition(
        "cash_ratio",
        "Cash ratio",
        "cash and cash equivalents / current liabilities",
        {"cash": _fig("cash")},
        ("current_liabilities", _fig("current_liabilities")),
        zero_reason="current liabilities are zero",
    ),
    Definition(
        "gross_margin",
        "Gross margin",
        "(revenue - cost of sales) / revenue",
        {"revenue": _fig("revenue"), "cost_of_sales": _fig("cost_of_sales")},
        ("revenue", _fig("revenue")),
        zero_reason="revenue is zero",
        compute=lambda v: v["revenue"] - v["cost_of_sales"],
    ),
    Definition(
        "operating_margin",
        "Operating margin",
        "(revenue - cost of sales - operating expenses) / revenue",
        {"operating_income": _fig("operating_income")},
        ("revenue", _fig("revenue")),
        zero_reason="revenue is zero",
    ),
    Definition(
        "net_margin",
        "Net margin",
        "net income / revenue",
        {"net_income": _fig("net_income")},
        ("revenue", _fig("revenue")),
        zero_reason="revenue is zero",
    ),
    Definition(
        "return_on_assets",
        "Return on assets",
        "net income / total assets (closing)",
        {"net_income": _fig("net_income")},
        ("total_assets", _fig("total_assets")),
        zero_reason="total assets are zero",
    ),
    Definition(
        "return_on_equity",
        "Return on equity",
        "net income / equity including the year's result (closing)",
        {"net_income": _fig("net_income")},
        ("equity", _fig("equity")),
        zero_reason="equity is zero",
    ),
    Definition(
        "debt_to_equity",
        "Debt to equity",
        "(current + non-current liabilities) / equity including the year's result",
        {
            "current_liabilities": _fig("current_liabilities"),
            "non_current_liabilities": _fig("non_current_liabilities"),
        },
        ("equity", _fig("equity")),
        zero_reason="equity is zero",
        compute=lambda v: v["current_liabilities"] + v["non_current_liabilities"],
    ),
    Definition(
        "interest_coverage",
        "Interest coverage",
        "(profit before tax + interest expense) / interest expense",
        {"profit_before_tax": _fig("profit_before_tax"), "interest_expense": _fig("interest_expense")},
        ("interest_expense", _fig("interest_expense")),
        zero_reason="there is no interest expense",
        compute=lambda v: v["profit_before_tax"] + v["interest_expense"],
    ),
    Definition(
        "asset_turnover",
        "Asset turnover",
        "revenue / total assets (closing)",
        {"revenue": _fig("revenue")},
        ("total_assets", _fig("total_assets")),
        zero_reason="total assets are zero",
    ),
    Definition(
        "dso",
        "Days sales outstanding",
        "accounts receivable (closing) / revenue x 365",
        {"receivables": _fig("receivables")},
        ("revenue", _fig("revenue")),
        days=True,
        zero_reason="revenue is zero",
    ),
    Definition(
        "dio",
        "Days inventory outstanding",
        "inventories (closing) / cost of sales x 365",
        {"inventories": _fig("inventories")},
        ("cost_of_sales", _fig("cost_of_sales")),
        days=True,
        zero_reason="cost of sales is zero",
    ),
    Definition(
        "dpo",
        "Days payables outstanding",
        "accounts payable (closing) / cost of sales x 365",
        {"payables": _fig("payables")},
        ("cost_of_sales", _fig("cost_of_sales")),
        days=True,
        zero_reason="cost of sales is zero",
    ),
)


@dataclass(frozen=True)
class YearRatio:
    value: Decimal | None
    inputs: dict[str, Decimal]
    reason: str | None


@dataclass(frozen=True)
class Ratio:
    code: str
    title: str
    formula: str
    unit: str  # ratio | days
    value: Decimal | None
    prior: Decimal | None
    change: Decimal | None
    inputs: dict[str, Decimal]
    prior_inputs: dict[str, Decimal] | None
    reason: str | None
    prior_reason: str | None


def _one(definition: Definition, figures: YearFigures) -> YearRatio:
    inputs = {name: part(figures) for name, part in definition.numerator.items()}
    denominator_name, denominator_part = definition.denominator
    denominator = denominator_part(figures)
    inputs.setdefault(denominator_name, denominator)
    numerator = definition.compute(inputs) if definition.compute else next(iter(inputs.values()))
    if denominator == 0:
        return YearRatio(None, inputs, definition.zero_reason)
    quotient = numerator / denominator
    if definition.days:
        return YearRatio((quotient * DAYS_IN_YEAR).quantize(DAY_PLACES, ROUND_HALF_UP), inputs, None)
    return YearRatio(quotient.quantize(RATIO_PLACES, ROUND_HALF_UP), inputs, None)


NO_PRIOR = "no prior-year trial balance"


def compute(current: YearFigures, prior: YearFigures | None) -> list[Ratio]:
    """Every ratio for the year and, when given, the prior year; change is value - prior, both rounded."""
    ratios = []
    for definition in DEFINITIONS:
        now = _one(definition, current)
        before = _one(definition, prior) if prior is not None else None
        prior_value = before.value if before else None
        change = now.value - prior_value if now.value is not None and prior_value is not None else None
        ratios.append(
            Ratio(
                code=definition.code,
                title=definition.title,
                formula=definition.formula,
                unit="days" if definition.days else "ratio",
                value=now.value,
                prior=prior_value,
                change=change,
                inputs=now.inputs,
                prior_inputs=before.inputs if before else None,
                reason=now.reason,
                prior_reason=before.reason if before else NO_PRIOR,
            )
        )
    return ratios
