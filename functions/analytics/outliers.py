"""The Isolation Forest test: lines whose amount, timing and user pattern are easiest to isolate.

Features per line (computed column-wise with numpy over the population): log10 of 1 + |amount|, the sign,
the hour of entry (fractional), the ISO weekday of entry, days from effective to entered date, and how
rare the line's user and account are (log10 of their line counts). Missing timing features take the
population's median. scikit-learn's IsolationForest (Liu, Ting and Zhou 2008) scores every line with a
fixed seed, so a run reproduces exactly; the `contamination` share of lines with the lowest scores is
flagged, each with its anomaly score (higher is more anomalous, 0 to 1 as in the paper).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pyarrow as pa

SCORING_THREADS = 2
TRAINING_LINES = 100_000  # the forest is grown on a sample of this many lines, then scores every line
SCORING_MEMORY_MB = 16  # scikit-learn scores in chunks of this much working memory (its default is 1 GB)
FEATURE_NAMES = ("log_amount", "sign", "entry_hour", "entry_weekday", "entry_lag_days", "user_rarity", "account_rarity")
# The population's columns the features are computed from (besides each line's row_number).
FEATURE_COLUMNS = ("cents", "effective_date", "entered_date", "entered_time", "entered_by", "account_number")
PLACEHOLDER_DAY = -25_567  # 1900-01-01 as days since 1970-01-01


def _days(column: pa.ChunkedArray) -> npt.NDArray[np.float32]:
    """Days since 1970-01-01; missing and placeholder dates as NaN."""
    import numpy as np
    import pyarrow as pa

    days: npt.NDArray[np.float32] = column.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.float32)
    days[days == PLACEHOLDER_DAY] = np.nan
    return days


def _rarity(column: pa.ChunkedArray, *, fold_case: bool) -> npt.NDArray[np.float32]:
    """log10 of how many lines share each line's (trimmed, maybe case-folded) value; NaN where blank.
    Works on the dictionary: the values are normalized once each, the lines only counted."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pa.table({"v": column}).unify_dictionaries().column("v").combine_chunks()
    if not isinstance(encoded, pa.DictionaryArray):
        encoded = pc.dictionary_encode(encoded)
    values = pc.utf8_trim_whitespace(encoded.dictionary)
    if fold_case:
        values = pc.utf8_lower(values)
    keys, groups = np.unique(values.to_numpy(zero_copy_only=False).astype(str), return_inverse=True)
    groups = np.where(keys[groups] == "", -1, groups)
    indices = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
    valid = ~np.asarray(encoded.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    line_groups = np.full(len(encoded), -1, dtype=np.int64)
    line_groups[valid] = groups[indices[valid]]
    counts = np.bincount(line_groups[line_groups >= 0], minlength=len(keys)).astype(np.float32)
    rarity = np.full(len(encoded), np.nan, dtype=np.float32)
    known = line_groups >= 0
    rarity[known] = np.log10(counts[line_groups[known]])
    return rarity


def features(population: pa.Table) -> tuple[Any, Any]:
    """(row numbers, float32 feature matrix, the forest's own dtype) computed column by column from the
    population; a missing value takes its feature's median."""
    import numpy as np
    import pyarrow as pa

    def amounts() -> Any:
        return np.abs(population.column("cents").to_numpy()) / 100

    def signs() -> Any:
        return np.sign(population.column("cents").to_numpy())

    def hours() -> Any:  # to the minute
        seconds = population.column("entered_time").cast(pa.int32()).to_numpy(zero_copy_only=False)
        return np.asarray(seconds, dtype=np.float32) // 60 / 60

    def weekdays() -> Any:  # ISO: 1970-01-01 was a Thursday
        entered = _days(population.column("entered_date"))
        return np.where(np.isnan(entered), np.nan, (entered + 3) % 7 + 1)

    def lags() -> Any:
        return _days(population.column("entered_date")) - _days(population.column("effective_date"))

    columns = (
        lambda: np.log10(1 + amounts()),
        signs,
        hours,
        weekdays,
        lags,
        lambda: _rarity(population.column("entered_by"), fold_case=True),
        lambda: _rarity(population.column("account_number"), fold_case=False),
    )
    matrix = np.empty((population.num_rows, len(FEATURE_NAMES)), dtype=np.float32)
    for index, column in enumerate(columns):  # one column at a time: the temporaries stay small
        values = np.asarray(column(), dtype=np.float32)
        missing = np.isnan(values)
        if missing.any():
            values[missing] = np.median(values[~missing]) if (~missing).any() else 0.0
        matrix[:, index] = values
    return population.column("row_number").to_numpy(), matrix


@dataclass(frozen=True)
class Scored:
    """The most anomalous lines: their row numbers, their anomaly scores, and the lowest of those scores."""

    rows: Any
    scores: Any
    threshold: float


def most_anomalous(
    rows: Any, matrix: Any, *, contamination: float, trees: int, sample_size: int, seed: int
) -> Scored | None:
    """Grow the forest on (a sample of) the features, score every line in chunks, and keep the
    `contamination` share (at least one line) with the highest scores; None when there are no lines."""
    import numpy as np
    from sklearn import config_context
    from sklearn.ensemble import IsolationForest  # scikit-learn itself is ~120 MB: imported once it is needed

    flagged = max(1, int(len(rows) * contamination)) if len(rows) else 0
    if flagged == 0:
        return None
    # Grown on a seeded sample of at most TRAINING_LINES lines (each tree draws only `sample_size` of them):
    # every line of a smaller population, so a small run's forest is the one grown on all its lines.
    training = matrix
    if len(rows) > TRAINING_LINES:
        training = matrix[np.sort(np.random.default_rng(seed).choice(len(rows), TRAINING_LINES, replace=False))]
    model = IsolationForest(
        n_estimators=trees,
        max_samples=min(sample_size, len(training)),
        random_state=seed,
        n_jobs=1,  # fitting 100 trees of 256 lines is quick; threads cost memory
    ).fit(training)
    del training
    # The paper's anomaly score s(x, n), higher is more anomalous; scored in halves on two threads (the
    # trees release the GIL), which is the same result in half the time.
    with ThreadPoolExecutor(SCORING_THREADS) as pool, config_context(working_memory=SCORING_MEMORY_MB):
        parts = list(pool.map(model.score_samples, np.array_split(matrix, SCORING_THREADS)))
    scores = -np.concatenate(parts)
    top = np.argpartition(-scores, flagged - 1)[:flagged] if flagged < len(rows) else np.arange(len(rows))
    return Scored(rows[top], scores[top].round(6), round(float(scores[top].min()), 6))
