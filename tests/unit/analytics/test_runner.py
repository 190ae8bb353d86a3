"""The runner without PostgreSQL: which tests can run on a population, in what order, and what an outcome
counts. The populations are built in memory as in test_je_sql.py."""

from __future__ import annotations

import math
import os
from datetime import date, time
from pathlib import Path

import pyarrow as pa
import pytest

from functions.analytics import runner
from functions.analytics.je_tests import TESTS
from shared.settings import get_settings
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


def test_a_population_copied_in_csv_blocks_is_one_table_with_each_journal_s_debits() -> None:
    # As COPY writes them (the runner's column order): NULL is an unquoted empty field, "" an empty string.
    blocks = [
        b'2,J1,1,4000,500,2025-03-03,2025-03-04,09:30:00,ann,,,03,,"",\n3,J1,2,1000,-500,2025-03-03,,,ann,,,03,,,\n',
        b'4,J2,1,4000,700,2025-03-05,2025-03-05,23:59:59,Bob,ann,,03,,"a, ""quoted"" text",\n'
        b"5,J2,2,4100,100,2025-03-05,,,,,,03,,,\n6,J2,3,1000,-800,2025-03-05,,,,,,03,,,\n",
    ]
    with runner.Engine(iter(blocks), FY) as engine:
        assert engine.lines == 5
        debits = dict(zip(*engine.journal_debits().to_pydict().values(), strict=True))
        assert debits == {"J1": 500, "J2": 800}
        engine.reconnect()  # the population is DuckDB's own table: it outlives a new connection
        lines = engine.query("SELECT * FROM p ORDER BY row_number").to_pylist()
    assert [line["description"] for line in lines] == ["", None, 'a, "quoted" text', None, None]
    assert lines[0]["entered_time"] == time(9, 30) and lines[1]["entered_time"] is None
    assert [line["entered_by"] for line in lines] == ["ann", "ann", "Bob", None, None]


def test_the_forest_s_features_are_the_same_in_one_batch_or_many() -> None:
    from functions.analytics import outliers

    users = [" Ann", "ann", "BOB", "", None, "carl "]
    lines = [
        line(f"J{i}", 1_000 * (i + 1) * (-1) ** i, entered_by=users[i % len(users)], entered_time=time(8 + i % 9, i))
        for i in range(40)
    ]
    lines[3]["entered_time"] = None  # a missing hour takes the median
    with runner.Engine(population(*lines), FY) as engine:
        counted = {
            column: engine.query(f"SELECT {column} AS value, count(*) AS lines FROM p GROUP BY 1")  # noqa: S608
            for column in outliers.RARITY_COLUMNS
        }
        whole = outliers.features(engine.lines, engine.batches(outliers.FEATURE_QUERY, 1_000), counted)
        pieces = outliers.features(engine.lines, engine.batches(outliers.FEATURE_QUERY, 7), counted)
    assert (whole[0] == pieces[0]).all() and (whole[1] == pieces[1]).all()
    assert list(whole[0]) == sorted(whole[0])  # in row order
    rarity = dict(zip(whole[0], whole[1][:, outliers.FEATURE_NAMES.index("user_rarity")], strict=True))
    # " Ann" and "ann" are one user of 14 lines; blank and missing users have no rarity (the median instead)
    assert rarity[whole[0][0]] == rarity[whole[0][1]] == pytest.approx(math.log10(14), abs=1e-6)
    hours = whole[1][:, outliers.FEATURE_NAMES.index("entry_hour")]
    assert not any(math.isnan(h) for h in hours)


# --- the engine's memory budget -------------------------------------------------------------------


def test_the_budget_is_a_share_of_the_cgroup_limit_else_of_physical_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v2, v1 = tmp_path / "memory.max", tmp_path / "limit_in_bytes"
    monkeypatch.setattr(runner, "_CGROUP_LIMITS", (str(v2), str(v1)))
    monkeypatch.setattr(get_settings(), "analytics_memory_mb", 0)
    v2.write_text("2147483648\n")  # a 2 GB instance
    assert (runner.instance_memory_mb(), runner.memory_budget_mb()) == (2048, 512)
    v2.write_text("max\n")  # cgroup v2 without a limit: v1's file next
    v1.write_text("9223372036854771712\n")  # v1 without a limit: the machine's memory
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20
    assert runner.instance_memory_mb() == physical
    v1.write_text(str(256 << 20))  # a small container: the floor
    assert runner.memory_budget_mb() == runner.BUDGET_MIN_MB
    v1.write_text(str(64 << 30))
    assert runner.memory_budget_mb() == runner.BUDGET_MAX_MB
    v1.write_text(str(2 << 30))  # within the instance's share, what the population's size calls for
    assert [runner.memory_budget_mb(lines) for lines in (1_000, 1_000_000, 3_000_000, 10_000_000)] == [
        64,
        128,
        384,
        512,
    ]
    monkeypatch.setattr(get_settings(), "analytics_memory_mb", 300)  # AURA_ANALYTICS_MEMORY_MB wins
    assert runner.memory_budget_mb() == runner.memory_budget_mb(10_000_000) == 300
    with runner.Engine(population(line()), FY) as engine:
        setting = engine.duck.execute("SELECT current_setting('memory_limit')").fetchone()
        assert setting is not None and setting[0] in ("286.1 MiB", "300.0 MB")  # DuckDB shows MiB


def test_account_pairs_found_in_many_hash_partitions_are_those_found_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    journals = []
    for n in range(60):  # 5000/1000 in 58 journals; 7000/1000 in J0 only; J1 debits 5000 and 7100 against 1000
        journals.append(journal(f"J{n}", 100, -100))
    journals[0] = journal("J0", 100, -100, account_number="7000")
    table = population(*journals, journal("J1X", 100, 50, -150))
    lines = table.to_pylist()
    for row in lines:
        if row["journal_id"] == "J0" and row["cents"] < 0:
            row["account_number"] = "1000"
        elif row["journal_id"] != "J0":
            row["account_number"] = "5000" if row["cents"] > 0 else "1000"
    lines[-2]["account_number"] = "7100"
    table = pa.Table.from_pylist(lines, schema=table.schema)
    test = TESTS["unusual_account_pair"]
    params = test.params.model_validate({})
    found = {}
    monkeypatch.setattr(get_settings(), "analytics_memory_mb", 64)
    for per_line in (64, 2_000_000):  # as if each line took 2 MB: a pass per 16 lines
        monkeypatch.setattr(runner, "PASS_BYTES_PER_LINE", per_line)
        with runner.Engine(table, FY) as engine:
            flags = test.run(engine, params).flags
            assert flags is not None
            found[engine.passes] = sorted(flags.column("row_number").to_pylist())
    assert len(found) == 2 and 1 in found, found  # one pass, and many
    one, many = found.pop(1), found.popitem()[1]
    # J0's 7000/1000 and J1X's 7100/1000 are seen once each: both sides of each (not J1X's 5000 debit)
    assert one == many == [2, 3, lines[-2]["row_number"], lines[-1]["row_number"]]
