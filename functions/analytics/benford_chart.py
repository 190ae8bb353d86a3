"""PNG chart of a Benford result: observed shares as bars, expected shares as a line, flagged bins highlighted.

matplotlib is imported inside chart_png (cold start stays short) and drives an explicit Figure on the Agg
canvas, never pyplot's global state, so charts can be drawn from several worker threads at once.
"""

from __future__ import annotations

import io

from functions.analytics.benford import BenfordResult

TITLES = {
    "first_digit": "First-digit test",
    "second_digit": "Second-digit test",
    "first_two": "First-two digits test",
    "last_two": "Last-two digits test",
    "summation": "Summation test",
}
BAR_COLOR = "#4c78a8"
FLAGGED_COLOR = "#e45756"
EXPECTED_COLOR = "#222222"


def chart_png(result: BenfordResult, *, title: str | None = None) -> bytes:
    """The result as a PNG (about 1000 x 500 pixels)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    figure = Figure(figsize=(10, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()

    positions = range(len(result.bins))
    observed = [b.observed_share for b in result.bins]
    expected = [b.expected_share for b in result.bins]
    colors = [FLAGGED_COLOR if b.flagged else BAR_COLOR for b in result.bins]
    axes.bar(positions, observed, color=colors, width=0.8, zorder=2)
    many = len(result.bins) > 20
    axes.plot(
        positions, expected, color=EXPECTED_COLOR, linewidth=1.5, marker="" if many else "o", markersize=4, zorder=3
    )

    labels = [b.digits for b in result.bins]
    step = 5 if many else 1
    axes.set_xticks(list(positions)[::step], labels[::step], fontsize=8 if many else 10)
    axes.set_xlim(-0.6, len(result.bins) - 0.4)
    axes.set_ylim(0, max([*observed, *expected]) * 1.12)
    axes.set_xlabel("Digits")
    axes.set_ylabel("Share of amount" if result.test == "summation" else "Share of amounts")
    axes.grid(axis="y", color="#dddddd", zorder=0)

    legend = [
        Patch(color=BAR_COLOR, label="Observed"),
        Patch(color=FLAGGED_COLOR, label=f"Observed, Z > 1.96 ({len(result.flagged)})"),
        axes.lines[0],
    ]
    axes.lines[0].set_label("Expected")
    axes.legend(handles=legend, loc="upper right", fontsize=9, frameon=False)

    conformity = f", {result.conformity}" if result.conformity else ""
    heading = title or TITLES.get(result.test, result.test)
    axes.set_title(f"{heading}\nN = {result.n:,}, MAD = {result.mad:.4f}{conformity}", fontsize=11)
    figure.tight_layout()

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
