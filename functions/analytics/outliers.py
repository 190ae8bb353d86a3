"""The Isolation Forest test: lines whose amount, timing and user pattern are easiest to isolate.

Features per line (computed by DuckDB over the population in one statement): log10 of 1 + |amount|, the sign,
the hour of entry (fractional), the ISO weekday of entry, days from effective to entered date, and how
rare the line's user and account are (log10 of their line counts). Missing timing features take the
population's median. scikit-learn's IsolationForest (Liu, Ting and Zhou 2008) scores every line with a
fixed seed, so a run reproduces exactly; the `contamination` share of lines with the lowest scores is
flagged, each with its anomaly score (higher is more anomalous, 0 to 1 as in the paper).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from functions.analytics.je_tests import USABLE, ForestParams, Params, dump

if TYPE_CHECKING:
    from functions.analytics.runner import Outcome, Run

FEATURE_NAMES = ("log_amount", "sign", "entry_hour", "entry_weekday", "entry_lag_days", "user_rarity", "account_rarity")
_PER_LINE = (
    "WITH users AS (SELECT lower(trim(entered_by)) AS k, count(*) AS n FROM p GROUP BY 1),"  # nosec B608
    " accounts AS (SELECT trim(account_number) AS k, count(*) AS n FROM p GROUP BY 1)"
    " SELECT p.row_number, log10(1 + abs(p.cents) / 100.0) AS log_amount,"
    " CAST(sign(p.cents) AS DOUBLE) AS sign,"
    " hour(p.entered_time) + minute(p.entered_time) / 60.0 AS entry_hour,"
    f" CASE WHEN {USABLE['entered_date']} THEN CAST(isodow(p.entered_date) AS DOUBLE) END AS entry_weekday,"
    f" CASE WHEN {USABLE['entered_date']} AND {USABLE['effective_date']}"
    "   THEN CAST(date_diff('day', p.effective_date, p.entered_date) AS DOUBLE) END AS entry_lag_days,"
    " log10(u.n) AS user_rarity, log10(a.n) AS account_rarity"
    " FROM p LEFT JOIN users u ON u.k = lower(trim(p.entered_by)) JOIN accounts a ON a.k = trim(p.account_number)"
)
# As float32, the forest's own dtype: half the memory, and no copy when it is fitted.
FEATURES = f"SELECT row_number, {', '.join(f'CAST({n} AS FLOAT) AS {n}' for n in FEATURE_NAMES)} FROM ({_PER_LINE})"  # nosec B608


def features(run: Run) -> tuple[Any, Any]:
    """(row numbers, float32 feature matrix) of the population; a missing value takes its feature's median."""
    import numpy as np

    table = run.query(FEATURES)
    rows = table.column("row_number").to_numpy()
    matrix = np.empty((table.num_rows, len(FEATURE_NAMES)), dtype=np.float32)  # the forest's own dtype
    for index, name in enumerate(FEATURE_NAMES):
        values = table.column(name).to_numpy(zero_copy_only=False)
        missing = np.isnan(values)
        if missing.any():
            values[missing] = np.median(values[~missing]) if (~missing).any() else 0.0
        matrix[:, index] = values
    del table
    return rows, matrix


def isolation_forest(run: Run, params: Params) -> Outcome:
    """Score every line and flag the most anomalous `contamination` share."""
    import numpy as np
    import pyarrow as pa
    from sklearn.ensemble import IsolationForest

    from functions.analytics.runner import Outcome

    if not isinstance(params, ForestParams):
        raise TypeError("isolation_forest takes ForestParams")
    rows, matrix = features(run)
    flagged = max(1, int(len(rows) * float(params.contamination))) if len(rows) else 0
    if flagged == 0:
        return Outcome("isolation_forest", "ran", dump(params))
    model = IsolationForest(
        n_estimators=params.trees,
        max_samples=min(params.sample_size, len(rows)),
        random_state=params.seed,
        n_jobs=2,
    ).fit(matrix)
    scores = -model.score_samples(matrix)  # the paper's anomaly score s(x, n): higher is more anomalous
    top = np.argpartition(-scores, flagged - 1)[:flagged] if flagged < len(rows) else np.arange(len(rows))
    top_rows = pa.table({"row_number": rows[top], "score": scores[top].round(6)})
    run.duck.register("top_rows", top_rows)
    try:
        found = run.query("SELECT t.row_number, p.journal_id, t.score FROM top_rows t JOIN p USING (row_number)")
    finally:
        run.duck.unregister("top_rows")
    lines, flagged_journals = run.flag("isolation_forest", found)
    extra = {
        "features": list(FEATURE_NAMES),
        "score_threshold": round(float(scores[top].min()), 6),
    }
    return Outcome("isolation_forest", "ran", dump(params), lines, flagged_journals, extra=extra)
