"""Journal risk scores (docs/audit-rules.md section 4): 100 x sum(weights hit) / sum(weights of the tests that ran).

Scored as a run scores them: by risk.rank_journals in DuckDB, over one journal's flags."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from functions.analytics.je_tests import TESTS
from functions.analytics.risk import rank_journals, weights

pytestmark = pytest.mark.unit


def journal_score(hit: Iterable[str], ran: Iterable[str]) -> Decimal:
    """The score of a journal whose one line hit `hit`, in a run of `ran` (0.00 when it is not ranked)."""
    hit = list(hit)
    flags = pa.table(
        {
            "row_number": pa.array([2] * len(hit), pa.int64()),
            "journal_id": pa.array(["J1"] * len(hit), pa.string()),
            "score": pa.array([None] * len(hit), pa.float64()),
            "test": pa.array(hit, pa.string()),
        }
    )
    debits = pa.table({"journal_id": ["J1"], "debit_cents": pa.array([100], pa.int64())})
    with duckdb.connect() as duck:
        ranked = rank_journals(duck, flags, debits, list(ran)).to_pylist()
    if not ranked:
        return Decimal("0.00")
    return Decimal(ranked[0]["hundredths"]) / 100


# docs/audit-rules.md section 4, risk score weights
SPEC_WEIGHTS = {
    "unbalanced": 10,
    "post_closing": 10,
    "self_approved": 8,
    "rare_user": 8,
    "rare_account": 8,
    "unusual_account_pair": 8,
    "backdated": 6,
    "high_amount": 6,
    "suspicious_keyword": 6,
    "post_dated": 5,
    "period_end": 5,
    "round_amount": 5,
    "weekend_entry": 5,
    "after_hours": 5,
    "duplicate_lines": 4,
    "missing_description": 4,
}
EVERY_TEST = list(TESTS)


def test_weights_are_the_spec_defaults_and_unweighted_tests_do_not_count() -> None:
    assert weights(EVERY_TEST) == SPEC_WEIGHTS
    assert sum(weights(EVERY_TEST).values()) == 103
    assert weights(["sequence_gap", "amount_outlier", "isolation_forest"]) == {}


def test_score_against_every_test_that_ran() -> None:
    # post_closing 10 + period_end 5 + self_approved 8 + suspicious_keyword 6 + round_amount 5 = 34;
    # 100 x 34 / 103 = 33.00970... -> 33.01
    hit = ["post_closing", "period_end", "self_approved", "suspicious_keyword", "round_amount"]
    assert journal_score(hit, EVERY_TEST) == Decimal("33.01")
    # every weighted test hit: 100 x 103 / 103
    assert journal_score(list(SPEC_WEIGHTS), EVERY_TEST) == Decimal("100.00")


def test_only_tests_that_ran_count_in_the_denominator() -> None:
    ran = ["unbalanced", "rare_user", "weekend_entry", "sequence_gap"]  # 10 + 8 + 5 = 23
    # 100 x 8 / 23 = 34.782... -> 34.78
    assert journal_score(["rare_user"], ran) == Decimal("34.78")
    # a test that did not run earns nothing, even if named as hit
    assert journal_score(["rare_user", "post_closing"], ran) == Decimal("34.78")


def test_unweighted_and_repeated_hits_add_nothing() -> None:
    # high_amount 6 of 103: 5.8252... -> 5.83, whatever the outlier tests and sequence gaps say
    assert journal_score(["high_amount", "high_amount", "isolation_forest", "sequence_gap"], EVERY_TEST) == Decimal(
        "5.83"
    )
    assert journal_score(["isolation_forest", "amount_outlier"], EVERY_TEST) == Decimal("0.00")
    assert journal_score([], EVERY_TEST) == Decimal("0.00")


def test_no_weighted_test_ran_scores_zero() -> None:
    assert journal_score(["isolation_forest"], ["isolation_forest", "sequence_gap"]) == Decimal("0.00")


def test_half_a_cent_rounds_up() -> None:
    # ran: round_amount 5 + unbalanced 10 + self_approved 8 + weekend_entry 5 + duplicate_lines 4 = 32
    ran = ["round_amount", "unbalanced", "self_approved", "weekend_entry", "duplicate_lines"]
    # 100 x 5 / 32 = 15.625 -> 15.63 (half-even would give 15.62)
    assert journal_score(["round_amount"], ran) == Decimal("15.63")
    # 100 x (5 + 4) / 32 = 28.125 -> 28.13
    assert journal_score(["round_amount", "duplicate_lines"], ran) == Decimal("28.13")
    assert str(journal_score(["unbalanced"], ran)) == "31.25"  # 100 x 10 / 32, two places
