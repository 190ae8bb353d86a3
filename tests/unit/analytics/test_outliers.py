"""The Isolation Forest's features and scoring (outliers.py) against the plain way: scoring every line with
scikit-learn and keeping the lowest scores. Following lines down the trees only while they can still be
flagged must flag the very same lines with the very same scores, ties at the cut included."""

from __future__ import annotations

from datetime import time
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

from functions.analytics import outliers, runner
from tests.unit.analytics.populations import FY, line, population

pytestmark = pytest.mark.unit

SEED = 20_261_127


def plainly(
    rows: Any, matrix: Any, contamination: float, sample_size: int = 256
) -> tuple[set[tuple[int, float]], float]:
    """The flagged (row, score) pairs and the threshold as scoring every line gives them."""
    flagged = max(1, int(len(rows) * contamination))
    training = matrix
    if len(rows) > outliers.TRAINING_LINES:
        training = matrix[
            np.sort(np.random.default_rng(SEED).choice(len(rows), outliers.TRAINING_LINES, replace=False))
        ]
    model = IsolationForest(n_estimators=100, max_samples=min(sample_size, len(training)), random_state=SEED).fit(
        training
    )
    raw = model.score_samples(matrix)
    top = np.argpartition(raw, flagged - 1)[:flagged] if flagged < len(rows) else np.arange(len(rows))
    scores = (-raw[top]).round(6)
    return set(zip(rows[top].tolist(), scores.tolist(), strict=True)), round(float(-raw[top].max()), 6)


def scored(
    rows: Any, matrix: Any, contamination: float, sample_size: int = 256
) -> tuple[set[tuple[int, float]], float]:
    found = outliers.most_anomalous(
        rows, matrix, contamination=contamination, trees=100, sample_size=sample_size, seed=SEED
    )
    assert found is not None
    return set(zip(found.rows.tolist(), found.scores.tolist(), strict=True)), found.threshold


def ledger(lines: int, seed: int = 7) -> tuple[Any, Any]:
    """Row numbers from 2 and features of ordinary lines with a few dozen odd ones among them."""
    rng = np.random.default_rng(seed)
    matrix = np.column_stack(
        [
            np.log10(1 + rng.lognormal(7, 1.5, lines)),
            rng.choice([-1.0, 1.0], lines),
            rng.integers(8 * 60, 18 * 60, lines) / 60,
            rng.integers(1, 6, lines),
            rng.integers(0, 5, lines),
            np.log10(rng.choice([800, 1_500, 4_000, 9_000], lines)),
            np.log10(rng.integers(50, 2_000, lines)),
        ]
    ).astype(np.float32)
    odd = rng.choice(lines, 40, replace=False)
    matrix[odd, 2] = rng.integers(0, 5 * 60, len(odd)) / 60  # entered at night
    matrix[odd, 4] = rng.integers(30, 200, len(odd))  # long after their effective date
    return np.arange(2, lines + 2), matrix


@pytest.mark.parametrize(
    ("contamination", "sample_size"),
    # 4,096 lines a tree: trees of thousands of nodes, whose leaves group the lines in fewer first trees
    [(0.0001, 256), (0.001, 256), (0.01, 256), (0.05, 256), (0.3, 256), (0.001, 4_096)],
)
def test_the_forest_flags_the_lines_and_scores_that_scoring_every_line_does(
    contamination: float, sample_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outliers, "TRAINING_LINES", 8_000)  # grown on a sample, as a million lines on 100,000
    monkeypatch.setattr(outliers, "SCORING_CHUNK_LINES", 4_096)  # many chunks on the two threads
    rows, matrix = ledger(30_000)
    assert scored(rows, matrix, contamination, sample_size) == plainly(rows, matrix, contamination, sample_size)


def test_lines_tied_at_the_cut_are_flagged_as_scikit_learn_picks_among_every_line() -> None:
    rows, matrix = ledger(5_000, seed=11)
    twins = [100, 1_700, 2_300, 4_100, 4_900]
    matrix[twins] = np.array([6.5, -1, 2.5, 7, 150, 0.5, 0.2], dtype=np.float32)  # the same odd line, five times
    mine, threshold = scored(rows, matrix, 0.0007)  # 3 lines of 5,000: three of the five tied at the cut
    assert (mine, threshold) == plainly(rows, matrix, 0.0007)
    assert len(mine) == 3 and {row for row, _ in mine} < {row + 2 for row in twins}


def test_the_features_are_in_row_order_whatever_order_duckdb_reads_the_lines_in() -> None:
    users = ["ann", "bob", "carl", None]
    lines = [
        line(f"J{i}", 1_000 * (i + 1), entered_by=users[i % 4], entered_time=time(8 + i % 9, i)) for i in range(30)
    ]
    with runner.Engine(population(*lines), FY) as engine:
        counted = {
            column: engine.query(f"SELECT {column} AS value, count(*) AS lines FROM p GROUP BY 1")  # noqa: S608
            for column in outliers.RARITY_COLUMNS
        }
        ordered = outliers.features(engine.lines, engine.batches(outliers.FEATURE_QUERY, 1_000), counted)
        backwards = outliers.features(engine.lines, reversed(list(engine.batches(outliers.FEATURE_QUERY, 4))), counted)
    assert ordered[0].tolist() == backwards[0].tolist() == list(range(2, 32))
    assert (ordered[1] == backwards[1]).all()
    amounts = ordered[1][:, outliers.FEATURE_NAMES.index("log_amount")]
    assert amounts.tolist() == sorted(amounts.tolist())  # the amounts grow with the row numbers
