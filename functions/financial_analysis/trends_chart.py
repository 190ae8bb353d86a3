"""PNG chart of the monthly trends: revenue, cost of sales and operating expenses as lines, the cash
accounts' net movement as bars.

matplotlib is imported inside chart_png (cold start stays short) and drives an explicit Figure on the Agg
canvas, never pyplot's global state, so charts can be drawn from several worker threads at once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

SERIES = (
    ("revenue", "Revenue", "#4c78a8"),
    ("cost_of_sales", "Cost of sales", "#f58518"),
    ("operating_expenses", "Operating expenses", "#54a24b"),
)
CASH_COLOR = "#bab0ac"


class MonthSums(Protocol):
    @property
    def month(self) -> str: ...
    @property
    def revenue(self) -> Decimal: ...
    @property
    def cost_of_sales(self) -> Decimal: ...
    @property
    def operating_expenses(self) -> Decimal: ...
    @property
    def cash_movement(self) -> Decimal: ...


def chart_png(months: Sequence[MonthSums], *, title: str = "Monthly trends from the general ledger") -> bytes:
    """The months as a PNG (about 1000 x 500 pixels); an empty chart says there is nothing to show."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(months)))
    if months:
        axes.bar(
            positions,
            [float(m.cash_movement) for m in months],
            color=CASH_COLOR,
            width=0.6,
            label="Cash, net movement",
            zorder=2,
        )
        for name, label, color in SERIES:
            values = [float(getattr(m, name)) for m in months]
            axes.plot(positions, values, color=color, linewidth=2, marker="o", markersize=4, label=label, zorder=3)
        axes.set_xticks(positions, [m.month for m in months], rotation=45 if len(months) > 12 else 0, fontsize=9)
        axes.legend(loc="upper left", fontsize=9, frameon=False)
    else:
        axes.text(
            0.5, 0.5, "No general ledger with mapped accounts", ha="center", va="center", transform=axes.transAxes
        )
        axes.set_xticks([])
    axes.axhline(0, color="#888888", linewidth=0.8)
    axes.grid(axis="y", color="#dddddd", zorder=0)
    axes.set_ylabel("Amount")
    axes.set_title(title, fontsize=11)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
