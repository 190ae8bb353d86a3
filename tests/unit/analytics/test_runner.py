"""The runner without PostgreSQL: which tests can run on a population, in what order, and what an outcome
counts. The populations are built in memory as in test_je_sql.py."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from functions.analytics import runner
from functions.analytics.je_tests import TESTS
from tests.unit.analytics.populations import FY, journal, line, population

pytestmark = pytest.mark.unit


def outcome(code: str, table: pa.Table, columns: set[str] | None = None, **params: object) -> runner.Outcome:
    """The test's outcome as the runner records it, `columns` the fields the file had a column for."""
    test = TESTS[code]
    values = test.params.model_validate(params)
    with runner.Engine(table, FY) as engine:
        profile = engine.profile([code], {code: values})
        result, _ = runner.run_test(engine, code, values, profile, columns)
    return result


def test_a_test_that_narrows_the_population_runs_after_the_others_in_any_catalogue_order() -> None:
    assert [code for code, test in TESTS.items() if test.narrows_population] == ["isolation_forest"]
    assert runner.execution_order(["isolation_forest", "unbalanced", "round_amount"]) == [
        "unbalanced",
        "round_amount",
        "isolation_forest",
    ]
    assert runner.execution_order(list(TESTS)) == list(TESTS)


def test_an_outcome_counts_flagged_lines_and_journals_and_the_lines_skipped() -> None:
    table = population(
        journal("J1", 300_000, -300_000, entered_date=date(2026, 3, 7)),  # a Saturday
        journal("J2", 110_011, -110_011, entered_date=None),  # skipped: no entry date
        journal("J3", 120_000, -120_000),
    )
    weekend = outcome("weekend_entry", table)
    assert (weekend.status, weekend.flagged_lines, weekend.flagged_journals, weekend.skipped_lines) == ("ran", 2, 1, 2)
    assert weekend.parameters == {"weekend_days": [6, 7], "holidays": []}
    nothing = outcome("round_amount", table, base="7")
    assert (nothing.status, nothing.flagged_lines, nothing.flagged_journals) == ("ran", 0, 0)


def test_a_test_is_not_applicable_when_no_line_has_a_field_it_needs_and_the_file_had_no_column_for_it() -> None:
    blank = population(line(description=None, header_description=None), line(description=" ", header_description=None))
    assert outcome("missing_description", blank, columns={"description"}).status == "ran"  # a blank column
    refused = outcome("missing_description", blank, columns=set())
    assert (refused.status, refused.missing_fields) == ("not_applicable", ["description", "header_description"])
    nobody = population(line(entered_by=None), line(entered_by=" "))
    unknown = outcome("rare_user", nobody)  # no column mapping recorded: the values decide
    assert (unknown.status, unknown.missing_fields, unknown.flagged_lines) == ("not_applicable", ["entered_by"], 0)
    # duplicate keys need the fields the parameters name
    periodless = population(line(period=None), line(period=None))
    keyed = outcome("duplicate_lines", periodless)
    assert (keyed.status, keyed.missing_fields) == ("not_applicable", ["period"])
    assert outcome("duplicate_lines", periodless, keys=["account_number", "amount"]).status == "ran"


def test_a_test_that_finds_it_cannot_run_is_not_applicable() -> None:
    table = population(journal("ADJ-X", 100, -100))
    gaps = outcome("sequence_gap", table)
    assert (gaps.status, gaps.missing_fields, gaps.parameters) == ("not_applicable", ["journal_id (numeric)"], {})


def test_narrowing_the_population_keeps_each_journal_s_debits_for_ranking() -> None:
    table = population(journal("J1", 500, -500), journal("J2", 700, 100, -800))
    with runner.Engine(table, FY) as engine:
        engine.narrow(("row_number", "journal_id"))
        assert engine.population.column_names == ["row_number", "journal_id"]
        debits = dict(zip(*engine.journal_debits().to_pydict().values(), strict=True))
        assert debits == {"J1": 500, "J2": 800}
        assert engine.query("SELECT count(*) AS n FROM p").to_pylist() == [{"n": 5}]
