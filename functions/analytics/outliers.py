"""The Isolation Forest test: lines whose amount, timing and user pattern are easiest to isolate.

Features per line (computed by the database in one statement): log10 of 1 + |amount|, the sign,
the hour of entry (fractional), the ISO weekday of entry, days from effective to entered date, and how
rare the line's user and account are (log10 of their line counts). Missing timing features take the
population's median. scikit-learn's IsolationForest (Liu, Ting and Zhou 2008) scores every line with a
fixed seed, so a run reproduces exactly; the `contamination` share of lines with the lowest scores is
flagged, each with its anomaly score (higher is more anomalous, 0 to 1 as in the paper).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from functions.analytics.copy_out import copy_csv
from functions.analytics.je_tests import ForestParams, Params, dump

if TYPE_CHECKING:
    from functions.analytics.runner import Outcome, Run

FEATURES = (
    "SELECT p.row_number, log(1 + abs(p.amount::float8)), sign(p.amount)::float8,"
    " extract(hour FROM p.entered_time) + extract(minute FROM p.entered_time) / 60,"
    " CASE WHEN p.entered_date <> DATE '1900-01-01' THEN extract(isodow FROM p.entered_date) END,"
    " CASE WHEN p.entered_date <> DATE '1900-01-01' THEN p.entered_date - p.effective_date END,"
    " log(u.n), log(a.n)"
    " FROM journal_lines p"
    " LEFT JOIN (SELECT lower(btrim(entered_by)) AS k, count(*)::float8 AS n FROM journal_lines"
    "   WHERE dataset_id = %(dataset_id)s GROUP BY 1) u ON u.k = lower(btrim(p.entered_by))"
    " JOIN (SELECT btrim(account_number) AS k, count(*)::float8 AS n FROM journal_lines"
    "   WHERE dataset_id = %(dataset_id)s GROUP BY 1) a ON a.k = btrim(p.account_number)"
    " WHERE p.dataset_id = %(dataset_id)s"
)
FEATURE_NAMES = ("log_amount", "sign", "entry_hour", "entry_weekday", "entry_lag_days", "user_rarity", "account_rarity")


def features(run: Run) -> tuple[Any, Any]:
    """(row numbers, feature matrix) of the population, streamed out with COPY and parsed by pyarrow."""
    import numpy as np
    import pyarrow.csv as pacsv

    buffer = copy_csv(run.uow, FEATURES, run.binds)
    names = ["row_number", *FEATURE_NAMES]
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(FEATURE_NAMES, "float64")),
    )
    rows = table.column("row_number").to_numpy()
    matrix = np.column_stack([table.column(n).to_numpy(zero_copy_only=False) for n in FEATURE_NAMES])
    for column in range(matrix.shape[1]):
        values = matrix[:, column]
        missing = np.isnan(values)
        if missing.any():
            values[missing] = np.median(values[~missing]) if (~missing).any() else 0.0
    return rows, matrix


def isolation_forest(run: Run, params: Params) -> Outcome:
    """Score every line and flag the most anomalous `contamination` share."""
    import numpy as np
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
        n_jobs=1,
    ).fit(matrix)
    scores = -model.score_samples(matrix)  # the paper's anomaly score s(x, n): higher is more anomalous
    top = np.argpartition(-scores, flagged - 1)[:flagged] if flagged < len(rows) else np.arange(len(rows))
    lines, journals = run.flag(
        "isolation_forest",
        (
            "SELECT p.row_number, p.journal_id, f.score FROM p JOIN unnest(CAST(:rows AS bigint[]),"
            " CAST(:scores AS float8[])) AS f(row_number, score) USING (row_number)",
            {"rows": rows[top].astype("int64").tolist(), "scores": scores[top].round(6).tolist()},
        ),
    )
    extra = {
        "features": list(FEATURE_NAMES),
        "score_threshold": round(float(scores[top].min()), 6),
    }
    return Outcome("isolation_forest", "ran", dump(params), lines, journals, extra=extra)
