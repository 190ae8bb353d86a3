"""Journal risk scores, docs/audit-rules.md section 4.

A journal hits a test when any of its lines does. Score = 100 x (sum of the weights of the tests it
hits) / (sum of the weights of the tests that ran); tests without a weight (sequence_gap and the two
statistical outlier tests) are reported but do not score. Journals rank by score, then by debit total.

The ranking is one DuckDB statement over the flagged lines, each with a bitmask of the tests that flagged
it (bit i: the i-th code of `bits`): a journal's tests are the OR of its lines' masks, and its score and
the list of its tests are read off the mask. Only hash aggregates, a join and a sort: every operator
spills beyond the engine's memory budget, however many journals are flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from functions.analytics.je_tests import TESTS

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


def weights(ran: Iterable[str]) -> dict[str, int]:
    """The weights of the tests that ran and carry one."""
    return {code: TESTS[code].weight for code in ran if TESTS[code].weight > 0}


RANK_ORDER = "hundredths DESC, debit_cents DESC, journal_id"


def journals_query(lines: str) -> str:
    """Each flagged journal's tests (the OR of its lines' masks) and flagged lines, from `lines`, which yields
    (row_number, journal_id, tests) once per flagged line."""
    return f"SELECT journal_id, bit_or(tests) AS tests, count(*) AS lines FROM ({lines}) GROUP BY journal_id"  # noqa: S608  # nosec B608


def scored_query(journals: str, debits: str, bits: Mapping[str, int], ran: Iterable[str]) -> str:
    """Every flagged journal's tests (codes in alphabetical order, comma-separated), flagged lines, score in
    hundredths (half up) and debit total in cents, from `journals` (journal_id, tests, lines: journals_query)
    and `debits` (journal_id, debit_cents); a journal's rank is its position in RANK_ORDER (numbered as the
    rows are read: a window over every journal would not spill, a sort does). `bits` are catalogue codes
    (never user text) and their bit in the masks."""
    counted = weights(ran)
    total = sum(counted.values())
    earned = " + ".join(f"(CASE WHEN tests & {1 << bits[c]} <> 0 THEN {w} ELSE 0 END)" for c, w in counted.items())
    names = ", ".join(f"CASE WHEN tests & {1 << bits[c]} <> 0 THEN '{c}' END" for c in sorted(bits))
    score = f"({earned or '0'})"
    hundredths = "0" if total == 0 else f"(20000 * {score} + {total}) // {2 * total}"
    # Catalogue codes, numbers and the caller's own statements only: no user text.
    return (
        f"SELECT j.journal_id, concat_ws(',', {names}) AS tests, CAST(j.lines AS INTEGER) AS lines,"  # noqa: S608  # nosec B608
        f" CAST(coalesce(d.debit_cents, 0) AS BIGINT) AS debit_cents, CAST({hundredths} AS BIGINT) AS hundredths"
        f" FROM ({journals}) j LEFT JOIN {debits} d USING (journal_id)"
    )


def ranking_query(lines: str, debits: str, bits: Mapping[str, int], ran: Iterable[str]) -> str:
    """scored_query over journals_query, in one statement."""
    return scored_query(journals_query(lines), debits, bits, ran)


def rank_journals(duck: duckdb.DuckDBPyConnection, flags: pa.Table, debits: pa.Table, ran: Iterable[str]) -> pa.Table:
    """The ranking (ranking_query) of flags given one row per test and line (row_number, journal_id, test),
    over every journal's debit total, by rank, with the rank."""
    import pyarrow as pa

    bits = {code: index for index, code in enumerate(TESTS)}
    duck.register("f", flags)
    duck.register("debits", debits)
    try:
        lines = (
            "SELECT row_number, any_value(journal_id) AS journal_id, bit_or(1::BIGINT << CASE test "  # noqa: S608  # nosec B608
            + " ".join(f"WHEN '{code}' THEN {bit}" for code, bit in bits.items())
            + " END) AS tests FROM f GROUP BY row_number"
        )
        ranked = duck.execute(f"{ranking_query(lines, 'debits', bits, ran)} ORDER BY {RANK_ORDER}").to_arrow_table()
        return ranked.add_column(1, "rank", pa.array(range(1, ranked.num_rows + 1), pa.int32()))
    finally:
        duck.unregister("f")
        duck.unregister("debits")
