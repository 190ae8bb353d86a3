"""The Isolation Forest test: lines whose amount, timing and user pattern are easiest to isolate.

Features per line (computed column-wise with numpy, a batch of the population's lines at a time): log10
of 1 + |amount|, the sign, the hour of entry (fractional), the ISO weekday of entry, days from effective
to entered date, and how rare the line's user and account are (log10 of their line counts). Missing
timing features take the population's median. scikit-learn's IsolationForest (Liu, Ting and Zhou 2008)
scores every line with a fixed seed, so a run reproduces exactly; the `contamination` share of lines
with the lowest scores is flagged, each with its anomaly score (higher is more anomalous, 0 to 1 as in the paper).

Only the flagged lines' scores are kept, so a line is followed down the trees only while it could still be
among them: a line's score falls as its depth (summed over the trees) grows, each tree adds at least its
shallowest leaf, and a line whose depth so far plus what the remaining trees add at the least is already
beyond the flagged lines' is dropped (lines taken in the order of the leaves they reach in the first trees, so
the trees' branches repeat from one line to the next). The lines kept are scored by scikit-learn itself; the
flags and scores are those of scoring every line (where lines tie at the cut, every line is scored, as
scikit-learn picks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
SCORING_CHUNK_LINES = 32_768  # the lines a scoring thread takes at a time (with the trees' work, within its cache)
# Following lines down the trees: the first quarter of the trees takes every line; the lines shallowest after it
# (this many times the flagged lines) are followed to the end, and the depth of the flagged-th of them bounds
# the flagged lines'; every few trees on, the lines that can no longer reach it are dropped.
FIRST_TREES_SHARE = 4
GROUPING_TREES = 6  # lines are taken in the order of the leaves they reach in (at most) this many first trees
LEAD_FACTOR = 4
DROP_EVERY_TREES = 4
DEPTH_MARGIN = 1e-6  # far beyond the rounding of a depth's sum, so a dropped line is surely beyond the bound
FEATURE_NAMES = ("log_amount", "sign", "entry_hour", "entry_weekday", "entry_lag_days", "user_rarity", "account_rarity")
# The population's columns the features are computed from, with each line's row_number, in the order DuckDB
# reads them: the features are put in row order in numpy (a seeded sample of the lines grows the forest: the same
# lines in the same order grow the same forest), cheaper than DuckDB's sort, which spills within its budget.
FEATURE_COLUMNS = ("cents", "effective_date", "entered_date", "entered_time", "entered_by", "account_number")
FEATURE_QUERY = f"SELECT row_number, {', '.join(FEATURE_COLUMNS)} FROM p"  # nosec B608
BATCH_LINES = 262_144  # the features are computed this many lines at a time
RARITY_COLUMNS = ("entered_by", "account_number")  # features counting the lines that share a value
PLACEHOLDER_DAY = -25_567  # 1900-01-01 as days since 1970-01-01


def warm_up() -> None:
    """Import scikit-learn's forest on a thread of its own (about 1.6 s on the 2-core machine) while the run
    reads its population and runs the rule tests, which wait on PostgreSQL and DuckDB rather than on Python:
    the forest then starts at once. An import that fails here fails again, with its error, where it is used."""
    import threading

    def load() -> None:
        try:
            import sklearn.ensemble  # noqa: F401
        except ImportError:  # pragma: no cover - raised again by most_anomalous
            return

    threading.Thread(target=load, name="aura-sklearn-import", daemon=True).start()


def _days(column: pa.ChunkedArray) -> npt.NDArray[np.float32]:
    """Days since 1970-01-01; missing and placeholder dates as NaN."""
    import numpy as np
    import pyarrow as pa

    days: npt.NDArray[np.float32] = column.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.float32)
    days[days == PLACEHOLDER_DAY] = np.nan
    return days


def _rarities(counted: pa.Table, *, fold_case: bool) -> tuple[pa.Array, npt.NDArray[np.float32]]:
    """For each distinct value of a column (`counted`: value, lines), log10 of how many lines share its
    trimmed (maybe case-folded) form; NaN where blank. The values are normalized once each, never per line."""
    import numpy as np
    import pyarrow.compute as pc

    valid = counted.filter(pc.is_valid(counted.column("value")))
    values = valid.column("value").combine_chunks()
    normalized = pc.utf8_trim_whitespace(values)
    if fold_case:
        normalized = pc.utf8_lower(normalized)
    keys, groups = np.unique(normalized.to_numpy(zero_copy_only=False).astype(str), return_inverse=True)
    lines = valid.column("lines").to_numpy()
    counts = np.bincount(groups, weights=lines, minlength=len(keys)).astype(np.float32)
    rarity: npt.NDArray[np.float32] = np.log10(counts[groups]) if len(groups) else np.empty(0, np.float32)
    rarity[keys[groups] == ""] = np.nan
    return values, rarity


def _rarity(column: pa.ChunkedArray, values: pa.Array, rarity: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Each line's rarity, looked up by its value among the distinct ones (`_rarities`); NaN where null."""
    import numpy as np
    import pyarrow.compute as pc

    where = pc.index_in(column, value_set=values.cast(column.type)).fill_null(-1).to_numpy()
    found: npt.NDArray[np.float32] = np.append(rarity, np.float32(np.nan))[where]  # -1: the NaN appended
    return found


def features(lines: int, batches: Iterable[pa.RecordBatch], counted: dict[str, pa.Table]) -> tuple[Any, Any]:
    """(row numbers, float32 feature matrix) of `lines` lines in row order, computed batch by batch
    (`FEATURE_QUERY`, in any order) into the matrix; `counted` has each rarity column's distinct values and
    their lines. A missing value takes its feature's median over every line."""
    import numpy as np
    import pyarrow as pa

    users = _rarities(counted["entered_by"], fold_case=True)
    accounts = _rarities(counted["account_number"], fold_case=False)
    rows = np.empty(lines, dtype=np.int64)
    matrix = np.empty((lines, len(FEATURE_NAMES)), dtype=np.float32)
    position = 0
    for batch in batches:
        chunk = pa.Table.from_batches([batch])
        end = position + chunk.num_rows
        if end > lines:
            raise RuntimeError(f"the population has more than its {lines} lines")
        rows[position:end] = chunk.column("row_number").to_numpy()
        for index, column in enumerate(_columns(chunk, users, accounts)):  # one at a time: temporaries stay small
            matrix[position:end, index] = column()
        position = end
    if position != lines:
        raise RuntimeError(f"the population has {position} lines, not {lines}")
    if lines and (rows[1:] < rows[:-1]).any():
        order = np.argsort(rows, kind="stable")  # DuckDB's reading order holds long runs in row order
        rows = rows[order]
        for index in range(len(FEATURE_NAMES)):  # a column at a time: a copy of the whole matrix is 280 MB at 10M lines
            matrix[:, index] = matrix[order, index]
        del order
    for index in range(len(FEATURE_NAMES)):
        values = matrix[:, index]
        missing = np.isnan(values)
        if missing.any():
            values[missing] = np.median(values[~missing]) if (~missing).any() else 0.0
    return rows, matrix


def _columns(
    chunk: pa.Table, users: tuple[pa.Array, Any], accounts: tuple[pa.Array, Any]
) -> tuple[Callable[[], Any], ...]:
    """The features of a chunk of lines, each computed when called (as float32)."""
    import numpy as np
    import pyarrow as pa

    def amounts() -> Any:
        return np.abs(chunk.column("cents").to_numpy()) / 100

    def signs() -> Any:
        return np.sign(chunk.column("cents").to_numpy())

    def hours() -> Any:  # to the minute
        seconds = chunk.column("entered_time").cast(pa.time32("s")).cast(pa.int32()).to_numpy(zero_copy_only=False)
        return np.asarray(seconds, dtype=np.float32) // 60 / 60

    def weekdays() -> Any:  # ISO: 1970-01-01 was a Thursday
        entered = _days(chunk.column("entered_date"))
        return np.where(np.isnan(entered), np.nan, (entered + 3) % 7 + 1)

    def lags() -> Any:
        return _days(chunk.column("entered_date")) - _days(chunk.column("effective_date"))

    def as_float32(column: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: np.asarray(column(), dtype=np.float32)

    return tuple(
        as_float32(column)
        for column in (
            lambda: np.log10(1 + amounts()),
            signs,
            hours,
            weekdays,
            lags,
            lambda: _rarity(chunk.column("entered_by"), *users),
            lambda: _rarity(chunk.column("account_number"), *accounts),
        )
    )


@dataclass(frozen=True)
class Scored:
    """The most anomalous lines: their row numbers, their anomaly scores, and the lowest of those scores."""

    rows: Any
    scores: Any
    threshold: float


def most_anomalous(
    rows: Any, matrix: Any, *, contamination: float, trees: int, sample_size: int, seed: int
) -> Scored | None:
    """Grow the forest on (a sample of) the features (in row order) and keep the `contamination` share of the
    lines (at least one) with the highest scores; None when there are no lines."""
    import numpy as np
    from sklearn.ensemble import IsolationForest  # scikit-learn itself is ~90 MB: imported once it is needed

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
    found = None
    if flagged * LEAD_FACTOR * 2 <= len(rows):  # else most lines are flagged or close to it: every line is scored
        kept = _Trees.of(model).candidates(matrix, flagged)
        found = _top(kept, _raw_scores(model, matrix[kept]), flagged)
    if found is None:  # lines tie at the cut: which of them are flagged is scikit-learn's pick among every line
        raw = _raw_scores(model, matrix)
        lowest = np.argpartition(raw, flagged - 1)[:flagged] if flagged < len(rows) else np.arange(len(rows))
        found = lowest, raw[lowest]
    # The highest s(x, n) are the lowest raw scores.
    scores = -found[1]
    return Scored(rows[found[0]], scores.round(6), round(float(scores.min()), 6))


def _top(lines: Any, raw: Any, flagged: int) -> tuple[Any, Any] | None:
    """The `flagged` of `lines` with the lowest raw scores and those scores, or None when the next line ties
    with the last of them (scikit-learn's pick among the lines tied, which depends on every line's score)."""
    import numpy as np

    if len(lines) == flagged:
        return lines, raw
    lowest = np.argpartition(raw, flagged)  # [flagged - 1] the last one flagged, [flagged] the next
    if raw[lowest[flagged]] == raw[lowest[:flagged]].max():
        return None
    return lines[lowest[:flagged]], raw[lowest[:flagged]]


def _raw_scores(model: Any, matrix: Any) -> Any:
    """scikit-learn's score_samples, the opposite of the paper's anomaly score s(x, n), of every line of the
    matrix, into one array: each line's score depends on its features alone, so chunks of lines are scored on
    two threads (the trees release the GIL), each in chunks of SCORING_MEMORY_MB within (scikit-learn's
    settings are the thread's own)."""
    import numpy as np
    from sklearn import config_context

    raw = np.empty(len(matrix))

    def score(start: int) -> None:
        with config_context(working_memory=SCORING_MEMORY_MB):
            end = start + SCORING_CHUNK_LINES
            raw[start:end] = model.score_samples(matrix[start:end])

    _in_chunks(score, len(matrix))
    return raw


def _in_chunks(work: Callable[[int], object], lines: int) -> list[Any]:
    """`work` of the start of each SCORING_CHUNK_LINES lines, on SCORING_THREADS threads, in order."""
    with ThreadPoolExecutor(SCORING_THREADS) as pool:
        return list(pool.map(work, range(0, lines, SCORING_CHUNK_LINES)))


@dataclass(frozen=True)
class _Trees:
    """A grown forest's trees as following lines down them needs: each tree (scikit-learn's Tree), what a line
    ending at each of its nodes adds to its depth (as score_samples counts it: the node's depth plus the average
    path length of the training lines left there), and the least that the trees from each one on can add."""

    trees: list[Any]
    lengths: list[Any]  # per tree, float64 per node
    least: Any  # least[i]: the least depth trees i.. add to a line (least[len(trees)] is 0)

    @classmethod
    def of(cls, model: Any) -> _Trees:
        import numpy as np

        trees = [estimator.tree_ for estimator in model.estimators_]
        # scikit-learn's own c(n) (what score_samples adds for the lines left at a leaf), not a copy of its formula.
        from sklearn.ensemble._iforest import _average_path_length

        lengths = [tree.compute_node_depths() + _average_path_length(tree.n_node_samples) - 1.0 for tree in trees]
        shallowest = [length[tree.children_left == -1].min() for tree, length in zip(trees, lengths, strict=True)]
        least = np.append(np.cumsum(shallowest[::-1])[::-1], 0.0)
        return cls(trees, lengths, least)

    def deepen(self, matrix: Any, depths: Any, first: int, last: int) -> None:
        """Add trees first..last-1 to the depths of the matrix's lines, in place."""
        for tree, lengths in zip(self.trees[first:last], self.lengths[first:last], strict=True):
            depths += lengths[tree.apply(matrix)]

    def _grouped(self, matrix: Any, partial: Any) -> tuple[int, Any]:
        """The first trees (as many as GROUPING_TREES whose leaves' ids, combined, fit an int64) added to the
        lines' `partial` depths, and the lines in the order of the leaves they reach in them."""
        import numpy as np

        grouping, span = 0, 1
        for tree in self.trees[:GROUPING_TREES]:
            if span * tree.node_count >= 2**62:
                break
            span, grouping = span * tree.node_count, grouping + 1
        key = np.zeros(len(matrix), dtype=np.int64)

        def group(begin: int) -> None:
            end = begin + SCORING_CHUNK_LINES
            lines = matrix[begin:end]
            for tree, lengths in zip(self.trees[:grouping], self.lengths[:grouping], strict=True):
                leaves = tree.apply(lines)
                partial[begin:end] += lengths[leaves]
                key[begin:end] = key[begin:end] * tree.node_count + leaves

        _in_chunks(group, len(matrix))
        # Lines that end in the same leaves of the first trees lie close: taken together, the trees' branches go
        # the same way from one line to the next (a third less time than in row order on the ADS ledger).
        return grouping, np.argsort(key)

    def candidates(self, matrix: Any, flagged: int) -> Any:
        """The indices of the lines that may be among the `flagged` deepest-scored (the least deep), every
        one of those among them: lines are followed down the trees only while they can still be."""
        import numpy as np

        count = len(self.trees)
        partial = np.zeros(len(matrix))
        grouping, order = self._grouped(matrix, partial)
        first = max(grouping, count // FIRST_TREES_SHARE)

        def start(begin: int) -> None:
            lines = order[begin : begin + SCORING_CHUNK_LINES]
            depths = partial[lines]
            self.deepen(matrix[lines], depths, grouping, first)
            partial[lines] = depths

        _in_chunks(start, len(matrix))
        lead = np.argpartition(partial, flagged * LEAD_FACTOR - 1)[: flagged * LEAD_FACTOR]
        depths = partial[lead]
        self.deepen(matrix[lead], depths, first, count)
        # At least `flagged` lines are this deep or less: a line beyond it is not flagged, nor tied with one.
        bound = np.partition(depths, flagged - 1)[flagged - 1] + DEPTH_MARGIN

        def finish(begin: int) -> Any:
            lines = order[begin : begin + SCORING_CHUNK_LINES]
            depths, features = partial[lines], matrix[lines]
            for tree in range(first, count + 1, DROP_EVERY_TREES):
                kept = depths + self.least[tree] <= bound
                lines, depths, features = lines[kept], depths[kept], features[kept]
                self.deepen(features, depths, tree, min(tree + DROP_EVERY_TREES, count))
            return lines[depths <= bound]

        return np.concatenate(_in_chunks(finish, len(matrix)))
