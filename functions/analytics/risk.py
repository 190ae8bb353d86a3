"""Journal risk scores, docs/audit-rules.md section 4.

A journal hits a test when any of its lines does. Score = 100 x (sum of the weights of the tests it
hits) / (sum of the weights of the tests that ran); tests without a weight (sequence_gap and the two
statistical outlier tests) are reported but do not score. Journals rank by score, then by debit total.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from functions.analytics.je_tests import TESTS

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


def weights(ran: Iterable[str]) -> dict[str, int]:
    """The weights of the tests that ran and carry one."""
    return {code: TESTS[code].weight for code in ran if TESTS[code].weight > 0}


def rank_journals(duck: duckdb.DuckDBPyConnection, flags: pa.Table, debits: pa.Table, ran: Iterable[str]) -> pa.Table:
    """Every flagged journal's tests, flagged lines, score (in hundredths, half up), debit total (cents)
    and rank, computed by DuckDB over the run's flags and every journal's debit total."""
    counted = weights(ran)
    total = sum(counted.values())
    duck.register("f", flags)
    duck.register("debits", debits)
    try:
        return duck.execute(
            "WITH w AS (SELECT unnest(CAST($codes AS VARCHAR[])) AS test,"
            "   unnest(CAST($weights AS INTEGER[])) AS weight),"
            " pairs AS (SELECT DISTINCT journal_id, test FROM f),"
            " scored AS (SELECT pairs.journal_id, string_agg(pairs.test, ',' ORDER BY pairs.test) AS tests,"
            "   coalesce(sum(w.weight), 0) AS earned FROM pairs LEFT JOIN w USING (test) GROUP BY pairs.journal_id),"
            " lines AS (SELECT journal_id, count(DISTINCT row_number) AS lines FROM f GROUP BY journal_id),"
            " ranked AS (SELECT s.journal_id, s.tests, l.lines, coalesce(d.debit_cents, 0) AS debit_cents,"
            "   CASE WHEN $total = 0 THEN 0 ELSE (20000 * s.earned + $total) // (2 * $total) END AS hundredths"
            "   FROM scored s JOIN lines l USING (journal_id) LEFT JOIN debits d USING (journal_id))"
            " SELECT journal_id, CAST(row_number() OVER (ORDER BY hundredths DESC, debit_cents DESC, journal_id)"
            "   AS INTEGER) AS rank, CAST(hundredths AS BIGINT) AS hundredths, tests, CAST(lines AS INTEGER) AS lines,"
            "   CAST(debit_cents AS BIGINT) AS debit_cents FROM ranked ORDER BY rank",
            {"codes": list(counted), "weights": list(counted.values()), "total": total},
        ).to_arrow_table()
    finally:
        duck.unregister("f")
        duck.unregister("debits")
