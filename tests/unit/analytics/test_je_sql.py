"""Each journal-entry test of the catalogue, run as the runner runs it (its own `run`, over DuckDB), on tiny
populations made by hand in memory: no PostgreSQL, no job. The integration tests (test_je_tests.py) check
the same rules end to end through the API; these pin each statement down line by line, fast.

A population is a list of lines (populations.py); a line is a clean default with the fields a test is
about changed. Lines are numbered from 2 in the order given (row 1 is a file's header), and the
expected flags are named by those row numbers. The fiscal year is 2026.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from functions.analytics import je_tests, outliers, runner
from functions.analytics.je_tests import TESTS, Context, Found, NotApplicable
from tests.unit.analytics.populations import FY, PLACEHOLDER, journal, line, population

pytestmark = pytest.mark.unit

COVERED: set[str] = set()


def covers(code: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Marks the test function as the one for this catalogue test (every test of the catalogue needs one)."""
    assert code in TESTS, code

    def mark(function: Callable[..., None]) -> Callable[..., None]:
        COVERED.add(code)
        return function

    return mark


def run(code: str, table: pa.Table, context: Context = FY, **params: Any) -> Found:
    """The test's own run over the population, with `params` overriding its defaults."""
    test = TESTS[code]
    with runner.Engine(table, context) as engine:
        return test.run(engine, test.params.model_validate(params))


def flagged(code: str, table: pa.Table, context: Context = FY, **params: Any) -> set[int]:
    """The row numbers the test flags; every flag names its line's journal."""
    found = run(code, table, context, **params)
    if found.flags is None:
        return set()
    journals = dict(zip(table["row_number"].to_pylist(), table["journal_id"].to_pylist(), strict=True))
    rows = found.flags.to_pylist()
    assert all(journals[r["row_number"]] == r["journal_id"] for r in rows), rows
    assert len({r["row_number"] for r in rows}) == len(rows), "a line is flagged once per test"
    return {r["row_number"] for r in rows}


def scores(code: str, table: pa.Table, **params: Any) -> dict[int, float]:
    found = run(code, table, **params)
    assert found.flags is not None
    return {r["row_number"]: r["score"] for r in found.flags.to_pylist()}


# --- line and journal rules ------------------------------------------------------------------------


@covers("unbalanced")
def test_unbalanced_flags_every_line_of_a_journal_that_does_not_sum_to_zero() -> None:
    table = population(
        journal("J1", 10_005, -10_005),  # 2, 3
        journal("J2", 10_005, -10_000),  # 4, 5: off by 0.05
        journal("J3", 32_109, 32_109, -64_218),  # 6, 7, 8: balanced over three lines
    )
    assert flagged("unbalanced", table) == {4, 5}


@covers("sequence_gap")
def test_sequence_gap_flags_both_journals_around_each_gap_within_each_prefix() -> None:
    ids = ["JE0001", "JE0002", "JE0005", "AP-1", "AP-3", "100", "101", "ADJ-X"]
    table = population(*(journal(j, 100, -100) for j in ids))  # journal k's lines are rows 2k + 2 and 2k + 3
    row = {j: {2 * k + 2, 2 * k + 3} for k, j in enumerate(ids)}
    found = run("sequence_gap", table)
    assert found.flags is not None
    assert set(found.flags["row_number"].to_pylist()) == row["JE0002"] | row["JE0005"] | row["AP-1"] | row["AP-3"]
    assert found.extra == {
        "gap_count": 2,
        "gap_ranges": [["AP-1", "AP-3"], ["JE0002", "JE0005"]],  # by prefix, then number
        "gap_ranges_truncated": False,
    }


def test_sequence_gap_is_not_applicable_without_numbered_journal_ids() -> None:
    with pytest.raises(NotApplicable) as refused:
        run("sequence_gap", population(journal("ADJ-X", 100, -100), journal("ADJ-Y", 100, -100)))
    assert refused.value.missing == ["journal_id (numeric)"]


@covers("duplicate_lines")
def test_duplicate_lines_repeat_account_period_and_signed_amount() -> None:
    table = population(
        journal("J1", 234_567, -234_567),  # 2, 3
        journal("J2", 234_567, -234_567),  # 4, 5: both sides repeat J1's
        journal("J3", 234_567, -234_567, period="4"),  # 6, 7: another period
        journal("J4", 234_567, -234_567, account_number="6000"),  # 8, 9: another account (both sides)
    )
    assert flagged("duplicate_lines", table) == {2, 3, 4, 5}
    assert flagged("duplicate_lines", table, keys=["account_number", "amount"]) == {2, 3, 4, 5, 6, 7}
    assert flagged("duplicate_lines", table, keys=["amount"]) == set(range(2, 10))


@covers("round_amount")
def test_round_amount_flags_multiples_of_the_base_of_either_sign_never_zero() -> None:
    table = population(
        journal("J1", 300_000, -300_000),  # 2, 3: 3,000.00
        journal("J2", 100_050, 0, -100_050),  # 4, 5, 6: 0.00 is never round
        journal("J3", 50_000, -50_000),  # 7, 8: 500.00
    )
    assert flagged("round_amount", table) == {2, 3}
    assert flagged("round_amount", table, base="500") == {2, 3, 7, 8}
    assert flagged("round_amount", table, base="0.10") == set(range(2, 9)) - {5}


@covers("post_dated")
def test_post_dated_flags_documents_dated_more_than_the_days_after_entry() -> None:
    may5 = date(2026, 5, 5)
    table = population(
        line(entered_date=may5, document_date=date(2026, 6, 5)),  # 2: 31 days
        line(entered_date=may5, document_date=date(2026, 6, 4)),  # 3: 30 days
        line(entered_date=PLACEHOLDER, document_date=date(2026, 7, 1)),  # 4: no usable entry date
        line(entered_date=None, document_date=date(2026, 7, 1)),  # 5
        line(entered_date=may5, document_date=None),  # 6: no document date
    )
    assert flagged("post_dated", table) == {2}
    assert flagged("post_dated", table, days=29) == {2, 3}


@covers("weekend_entry")
def test_weekend_entry_flags_entries_on_weekend_days_and_declared_holidays() -> None:
    table = population(
        line(entered_date=date(2026, 3, 7)),  # 2: Saturday
        line(entered_date=date(2026, 3, 8)),  # 3: Sunday
        line(entered_date=date(2026, 7, 3)),  # 4: Friday
        line(entered_date=PLACEHOLDER),  # 5: 1900-01-01 was a Monday, but it is no date
        line(entered_date=None),  # 6
    )
    assert flagged("weekend_entry", table) == {2, 3}
    assert flagged("weekend_entry", table, weekend_days=[7], holidays=["2026-07-03"]) == {3, 4}


@covers("after_hours")
def test_after_hours_flags_from_the_first_hour_to_the_last_across_midnight() -> None:
    times = [time(20), time(23, 59, 59), time(19, 59, 59), time(19), time(5, 59, 59), time(0), time(6), None]
    table = population(*(line(entered_time=t) for t in times))  # rows 2 to 9
    assert flagged("after_hours", table) == {2, 3, 6, 7}
    assert flagged("after_hours", table, from_hour=19, to_hour=4) == {2, 3, 4, 5, 7}
    assert flagged("after_hours", table, from_hour=6, to_hour=19) == {4, 5, 8}  # within one day


@covers("rare_user")
def test_rare_user_counts_users_trimmed_and_case_insensitively() -> None:
    table = population(
        line(entered_by="dave"),  # 2
        line(entered_by=" DAVE"),  # 3
        line(entered_by="Dave "),  # 4: dave has three lines
        line(entered_by="erin"),  # 5
        line(entered_by="Erin"),  # 6: erin has two
        line(entered_by="   "),  # 7: no user
        line(entered_by=None),  # 8
    )
    assert flagged("rare_user", table, max_lines=2) == {5, 6}
    assert flagged("rare_user", table, max_lines=3) == {2, 3, 4, 5, 6}


@covers("rare_account")
def test_rare_account_counts_accounts_trimmed() -> None:
    table = population(
        line(account_number="7777"),  # 2
        line(account_number=" 8888"),  # 3
        line(account_number="8888 "),  # 4
        line(account_number="8888"),  # 5
        line(account_number="8888"),  # 6: four lines of 8888
        *(line(account_number="5000") for _ in range(5)),  # 7 to 11
    )
    assert flagged("rare_account", table) == {2}  # at most 3 lines
    assert flagged("rare_account", table, max_lines=4) == {2, 3, 4, 5, 6}


@covers("backdated")
def test_backdated_flags_entries_more_than_the_days_after_their_effective_date() -> None:
    table = population(
        line(effective_date=date(2026, 5, 4), entered_date=date(2026, 6, 4)),  # 2: 31 days
        line(effective_date=date(2026, 5, 5), entered_date=date(2026, 6, 4)),  # 3: 30 days
        line(effective_date=PLACEHOLDER, entered_date=date(2027, 1, 6)),  # 4: no usable effective date
        line(effective_date=date(2026, 1, 2), entered_date=None),  # 5
    )
    assert flagged("backdated", table) == {2}
    assert flagged("backdated", table, days=29) == {2, 3}


@covers("period_end")
def test_period_end_flags_the_last_days_of_the_fiscal_year() -> None:
    days = [date(2026, 12, 27), date(2026, 12, 28), date(2026, 12, 31), date(2027, 1, 1), date(2026, 6, 30)]
    table = population(*(line(effective_date=d) for d in days))  # rows 2 to 6
    assert flagged("period_end", table) == {3, 4}
    assert flagged("period_end", table, days=4) == {2, 3, 4}
    june = Context(date(2025, 7, 1), date(2026, 6, 30), None)  # another engagement's fiscal year
    assert flagged("period_end", table, june) == {6}


@covers("post_closing")
def test_post_closing_flags_entries_after_the_year_end_effective_within_it() -> None:
    table = population(
        line(effective_date=date(2026, 12, 31), entered_date=date(2027, 1, 5)),  # 2
        line(effective_date=date(2027, 1, 4), entered_date=date(2027, 1, 5)),  # 3: next year's
        line(effective_date=PLACEHOLDER, entered_date=date(2027, 1, 6)),  # 4: no usable effective date
        line(effective_date=date(2026, 12, 31), entered_date=date(2026, 12, 31)),  # 5: entered in time
        line(effective_date=date(2026, 12, 31), entered_date=None),  # 6
    )
    assert flagged("post_closing", table) == {2}


@covers("missing_description")
def test_missing_description_flags_lines_blank_in_both_descriptions() -> None:
    table = population(
        line(description=None, header_description=None),  # 2
        line(description="   ", header_description=None),  # 3: whitespace is blank
        line(description=None, header_description="Accrual"),  # 4: a header alone is enough
        line(description="Fuel", header_description=" "),  # 5
    )
    assert flagged("missing_description", table) == {2, 3}


@covers("high_amount")
def test_high_amount_threshold_given_then_materiality_then_top_percent() -> None:
    table = population(*(line(f"J{n}", sign * n * 100_000) for n in range(1, 11) for sign in (1, -1)))
    # row 2n and 2n + 1 hold +/- n x 1,000.00
    explicit = run("high_amount", table, threshold="8000.00")
    assert set(explicit.flags["row_number"].to_pylist()) == {16, 17, 18, 19, 20, 21}
    assert (explicit.params.threshold, explicit.extra) == (Decimal("8000.00"), {"basis": "threshold"})

    materiality = Context(FY.fiscal_start, FY.fiscal_end, Decimal("9000.00"))
    assert flagged("high_amount", table, materiality) == {18, 19, 20, 21}
    assert run("high_amount", table, materiality).extra == {"basis": "performance_materiality"}
    assert flagged("high_amount", table, materiality, threshold="10000.00") == {20, 21}  # given wins

    # top 10% of the 20 absolute amounts: the 18th smallest, 9,000.00, and what is at or above it
    top = run("high_amount", table, top_percent=10)
    assert set(top.flags["row_number"].to_pylist()) == {18, 19, 20, 21}
    assert (top.params.threshold, top.extra) == (Decimal("9000.00"), {"basis": "top_percent"})


def test_the_top_percent_threshold_is_percentile_disc_of_the_absolute_amounts_ties_and_all() -> None:
    # 10 lines, |amounts| 1, 2, 2, 2, 3, 5, 5, 8, 8, 9 (x 100 cents): percentile_disc(1 - top/100), the first
    # value whose cumulative share of the lines reaches it
    amounts = [100, -200, 200, 200, -300, 500, 500, -800, 800, 900]
    table = population(*(line(f"J{i}", cents) for i, cents in enumerate(amounts)))
    with runner.Engine(table, FY) as engine:
        found = {p: je_tests.top_percent_threshold(engine, Decimal(p)) for p in ("1", "10", "20", "30", "50")}
    assert found == {p: Decimal(v) for p, v in (("1", "9.00"), ("10", "8.00"), ("20", "8.00"), ("30", "5.00"),
                                                 ("50", "3.00"))}  # fmt: skip
    with runner.Engine(population(), FY) as engine:
        assert je_tests.top_percent_threshold(engine, Decimal(1)) == Decimal(0)


@covers("self_approved")
def test_self_approved_compares_users_trimmed_and_case_insensitively() -> None:
    table = population(
        line(entered_by="alice", approved_by="ALICE"),  # 2
        line(entered_by="Alice", approved_by=" alice "),  # 3
        line(entered_by="alice", approved_by=None),  # 4: no approver
        line(entered_by=None, approved_by="alice"),  # 5: no user
        line(entered_by="alice", approved_by="bob"),  # 6
    )
    assert flagged("self_approved", table) == {2, 3}


@covers("unusual_account_pair")
def test_unusual_account_pair_flags_both_sides_of_a_pair_seen_in_few_journals() -> None:
    table = population(
        journal("J1", 100, -100, account_number="5000"),  # 2, 3: debit 5000 / credit 5000, only here
        [line("J2", 100, account_number="5000"), line("J2", -100, account_number="1000", line_number=2)],  # 4, 5
        [line("J3", 100, account_number="5000"), line("J3", -100, account_number=" 1000", line_number=2)],  # 6, 7
        [line("J4", 100, account_number="5000"), line("J4", -100, account_number="1000", line_number=2)],  # 8, 9
        [line("J5", 100, account_number="4000"), line("J5", -100, account_number="5000", line_number=2)],  # 10, 11
        [line("J6", 100, account_number="4000"), line("J6", -100, account_number="5000", line_number=2)],  # 12, 13
        [
            line("J7", 100, account_number="5000"),  # 14: 5000 / 1000 is common
            line("J7", 100, account_number="6000", line_number=2),  # 15: 6000 / 1000 is not
            line("J7", -200, account_number="1000", line_number=3),  # 16: its credit side
        ],
    )
    # 5000 / 1000 is seen in four journals (J2, J3, J4, J7; " 1000" is 1000); 4000 / 5000 in two; the
    # other pairs in one. A line is flagged for the side it is on: J7's 5000 debit is in the common pair only.
    assert flagged("unusual_account_pair", table) == {2, 3, 10, 11, 12, 13, 15, 16}
    assert flagged("unusual_account_pair", table, max_journals=1) == {2, 3, 15, 16}


@covers("suspicious_keyword")
def test_suspicious_keyword_matches_whole_words_in_either_description() -> None:
    table = population(
        line(description="Manual adjustment per CFO"),  # 2
        line(description="Adjusted accrual"),  # 3: "Adjusted" is not the word "adjust"
        line(description="Invoice", header_description="Reversal of accrual"),  # 4
        line(description="WRITE  off bad debt"),  # 5: any blank run between the words
        line(description="Readjustment", header_description=None),  # 6
        line(description=None, header_description=None),  # 7
    )
    assert flagged("suspicious_keyword", table) == {2, 4, 5}
    assert flagged("suspicious_keyword", table, keywords=["Accrual"]) == {3, 4}


# --- statistical tests -----------------------------------------------------------------------------


def _accounts_with_an_outlier() -> tuple[pa.Table, dict[int, float]]:
    """Account 6000: 30 lines near 100.00, the last 10,000.00; account 6100: the same with 29 lines."""
    lines, amounts = [], {}
    for account, count in (("6000", 30), ("6100", 29)):
        for i in range(count):
            cents = 1_000_000 if i == count - 1 else 10_025 + 100 * i
            lines.append(line(f"{account}-{i}", cents, account_number=account))
            amounts[len(lines) + 1] = cents / 100
    return population(*lines), amounts


def _z(amounts: dict[int, float], rows: range) -> dict[int, float]:
    values = [amounts[r] for r in rows]
    mean, sd = statistics.mean(values), statistics.stdev(values)
    return {r: (amounts[r] - mean) / sd for r in rows}


@covers("amount_outlier")
def test_amount_outlier_flags_lines_beyond_z_standard_deviations_of_their_account_with_the_z_score() -> None:
    table, amounts = _accounts_with_an_outlier()
    z = _z(amounts, range(2, 32))  # account 6000: rows 2 to 31
    assert scores("amount_outlier", table) == {31: pytest.approx(z[31], rel=1e-9)}
    assert z[31] > 5
    # 6100 has 29 lines: scored only when 29 lines are enough
    assert flagged("amount_outlier", table, min_lines=29) == {31, 60}
    assert flagged("amount_outlier", table, z=6) == set()  # the largest |z| is about 5.29


@covers("isolation_forest")
def test_isolation_forest_flags_the_blatant_line_with_its_score_reproducibly() -> None:
    users = ("alice", "bob", "carol")
    ordinary = [
        line(
            f"S{i}",
            10_025 + 100 * i,
            account_number=("6000", "6100")[i % 2],
            entered_time=time(9 + i % 8, i % 60),
            entered_by=users[i % 3],
        )
        for i in range(60)
    ]
    sunday = date(2026, 6, 7)
    odd = line(
        "ODD", 98_765_432, account_number="9999", entered_by="mallory", entered_time=time(3), entered_date=sunday
    )
    table = population(*ordinary, odd)  # the odd line is row 62
    found = run("isolation_forest", table, contamination="0.02")  # int(61 x 0.02) = 1 line
    assert found.flags is not None
    assert found.flags.to_pylist() == [
        {"row_number": 62, "journal_id": "ODD", "score": pytest.approx(found.extra["score_threshold"], abs=1e-6)}
    ]
    assert found.extra["features"] == list(outliers.FEATURE_NAMES)
    assert 0.5 < found.extra["score_threshold"] <= 1
    again = run("isolation_forest", table, contamination="0.02")
    assert again.flags is not None and again.flags.to_pylist() == found.flags.to_pylist()


def test_a_forest_grown_on_a_sample_still_scores_every_line_and_finds_the_blatant_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outliers, "TRAINING_LINES", 40)  # of 121 lines: as a million lines against 100,000
    table = population(*(line(f"S{i}", 10_025 + 100 * i, entered_time=time(9 + i % 8, i % 60)) for i in range(120)))
    table = pa.concat_tables([table, population(line("ODD", 98_765_432, account_number="9999", entered_time=time(3)))])
    rows = table["row_number"].to_pylist()
    table = table.set_column(0, "row_number", pa.array(list(range(2, len(rows) + 2)), pa.int64()))
    found = run("isolation_forest", table, contamination="0.01")  # int(121 x 0.01) = 1 line
    assert found.flags is not None and found.flags.to_pylist()[0]["journal_id"] == "ODD"
    again = run("isolation_forest", table, contamination="0.01")
    assert again.flags is not None and again.flags.to_pylist() == found.flags.to_pylist()


def test_the_forest_flags_at_least_one_line_and_nothing_of_an_empty_population() -> None:
    table = population(*(line(f"S{i}", 10_000 + i) for i in range(20)))
    assert len(flagged("isolation_forest", table, contamination="0.001")) == 1  # int(20 x 0.001) = 0 -> 1
    assert run("isolation_forest", population()).flags is None


# --- the catalogue ---------------------------------------------------------------------------------


def test_every_test_of_the_catalogue_has_its_known_answers_here() -> None:
    assert sorted(COVERED) == sorted(TESTS)
