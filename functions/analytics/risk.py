"""Journal risk scores, SPEC.md section 4.

A journal hits a test when any of its lines does. Score = 100 x (sum of the weights of the tests it
hits) / (sum of the weights of the tests that ran); tests without a weight (sequence_gap and the two
statistical outlier tests) are reported but do not score. Journals rank by score, then by debit total.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from functions.analytics.je_tests import TESTS

if TYPE_CHECKING:
    from functions.analytics.runner import Run

CENT = Decimal("0.01")


def weights(ran: Iterable[str]) -> dict[str, int]:
    """The weights of the tests that ran and carry one."""
    return {code: TESTS[code].weight for code in ran if TESTS[code].weight > 0}


def journal_score(hit: Iterable[str], ran: Iterable[str]) -> Decimal:
    """100 x sum(weights hit) / sum(weights ran), to the cent (half up)."""
    counted = weights(ran)
    total = sum(counted.values())
    if total == 0:
        return Decimal("0.00")
    earned = sum(counted.get(code, 0) for code in set(hit))
    return (Decimal(100) * earned / total).quantize(CENT, rounding=ROUND_HALF_UP)


def score_journals(run: Run, ran: Iterable[str]) -> int:
    """Write every flagged journal's score and rank for the run; returns how many journals scored."""
    counted = weights(ran)
    total = sum(counted.values())
    result = run.execute(
        "WITH p AS NOT MATERIALIZED (SELECT * FROM journal_lines WHERE dataset_id = :dataset_id),"
        " w AS (SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:weights AS int[])) AS w(test, weight)),"
        " hits AS (SELECT DISTINCT journal_id, test FROM je_flags WHERE run_id = :run_id),"
        " scored AS (SELECT h.journal_id, array_agg(h.test ORDER BY h.test) AS tests,"
        "   coalesce(sum(w.weight), 0) AS earned FROM hits h LEFT JOIN w USING (test) GROUP BY h.journal_id),"
        " lines AS (SELECT journal_id, count(DISTINCT row_number) AS n FROM je_flags WHERE run_id = :run_id"
        "   GROUP BY journal_id),"
        " debits AS (SELECT p.journal_id, coalesce(sum(p.amount) FILTER (WHERE p.amount > 0), 0) AS debit_total"
        "   FROM p WHERE p.journal_id IN (SELECT journal_id FROM scored) GROUP BY p.journal_id),"
        " ranked AS (SELECT s.journal_id, s.tests, l.n,"
        "   CASE WHEN :total = 0 THEN 0 ELSE round(100 * s.earned::numeric / :total, 2) END AS score,"
        "   coalesce(d.debit_total, 0) AS debit_total FROM scored s JOIN lines l USING (journal_id)"
        "   LEFT JOIN debits d USING (journal_id)),"
        " ins AS (INSERT INTO je_journal_risks"
        "   (run_id, firm_id, engagement_id, journal_id, rank, score, tests, flagged_lines, debit_total)"
        "   SELECT :run_id, :firm_id, :engagement_id, journal_id,"
        "     row_number() OVER (ORDER BY score DESC, debit_total DESC, journal_id), score, tests, n, debit_total"
        "   FROM ranked RETURNING 1)"
        " SELECT count(*) FROM ins",
        {"codes": list(counted), "weights": list(counted.values()), "total": total},
    )
    return int(result.scalar_one())
