"""The Benford chart: a PNG that decodes, is a sensible size, highlights flagged bins, and draws from many threads."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from functions.analytics.benford import amounts_from_units, analyze
from functions.analytics.benford_chart import FLAGGED_COLOR, chart_png

pytestmark = pytest.mark.unit


def benford_cents(n, seed):
    rng = np.random.default_rng(seed)
    return np.floor(10 ** rng.uniform(3, 8, n)).astype(np.int64)


def decode(png):
    from matplotlib import image

    return image.imread(io.BytesIO(png), format="png")


def red_pixels(pixels):
    red = np.array([int(FLAGGED_COLOR[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(pixels[:, :, :3] - red).max(axis=2) < 0.02).sum())


@pytest.mark.parametrize("test", ["first_digit", "second_digit", "first_two", "last_two", "summation"])
def test_chart_is_a_png_of_sensible_size(test):
    result = analyze(amounts_from_units(benford_cents(2_000, 1), 2), test=test)
    png = chart_png(result)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = decode(png)
    height, width = pixels.shape[:2]
    assert 400 <= height <= 700
    assert 800 <= width <= 1400
    assert pixels[:, :, :3].std() > 0.05  # something is drawn, not a blank canvas


def test_flagged_bins_are_highlighted():
    calm = analyze(amounts_from_units(benford_cents(5_000, 2), 2), test="first_digit")
    cents = benford_cents(5_000, 2)
    cents[:1_000] = 4_812  # 48.12 a thousand times: digit 4 stands far above its share
    spiked = analyze(amounts_from_units(cents, 2), test="first_digit")
    assert "4" in {b.digits for b in spiked.flagged}
    # Red appears in the legend of both; a flagged bar adds a large red area.
    assert red_pixels(decode(chart_png(spiked))) > red_pixels(decode(chart_png(calm))) + 2_000


def test_charts_drawn_in_parallel_match_charts_drawn_one_by_one():
    results = [
        analyze(amounts_from_units(benford_cents(1_000 + 100 * i, i), 2), test=test)
        for i, test in enumerate(["first_digit", "first_two", "last_two", "second_digit"])
    ]
    one_by_one = [chart_png(r, title=f"Chart {i}") for i, r in enumerate(results)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda ir: chart_png(ir[1], title=f"Chart {ir[0]}"), enumerate(results)))
    assert parallel == one_by_one


def test_a_title_changes_the_picture():
    result = analyze(amounts_from_units(benford_cents(1_000, 5), 2), test="first_digit")
    assert chart_png(result, title="Client A, FY2024") != chart_png(result)


def test_importing_the_chart_module_does_not_import_matplotlib():
    code = "import sys, functions.analytics.benford_chart; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
