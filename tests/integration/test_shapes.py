"""Every shape of the synthetic ledger (tools/synthetic_ledger.py SHAPES), 10,000 lines each, loaded
through the real ingestion and tested by the real journal-entry run: the counts the run reports are
the ones the generator planted (or, for what a shape gives by itself, counted as it wrote)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.analytics_support import run_tests
from tests.engagement_support import workspace
from tests.ingestion_support import loaded
from tools.synthetic_ledger import SHAPES, LedgerFacts, LedgerSpec, write_general_ledger

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("database")]

LINES = 10_000
# Kinds whose every flag is a planted journal: (lines, journals) must match exactly.
PLANTED = (
    "unbalanced",
    "duplicate_lines",
    "round_amount",
    "weekend_entry",
    "after_hours",
    "backdated",
    "post_closing",
    "self_approved",
)
RARE_USER_LINES, RARE_ACCOUNT_LINES = 10, 3  # audit-rules.md section 4 defaults (rare_user, rare_account)


def _number(journal_id: str) -> tuple[str, int]:
    found = re.fullmatch(r"(.*?)(\d+)", journal_id)
    assert found, journal_id
    return found.group(1), int(found.group(2))


def _bordering(facts: LedgerFacts) -> set[str]:
    """The journals on either side of each gap: the ones sequence_gap flags."""
    width = len(facts.first_journal)
    found = set()
    for first, last in facts.sequence_gaps:
        prefix, low = _number(first)
        _, high = _number(last)
        found |= {f"{prefix}{n:0{width - len(prefix)}d}" for n in (low - 1, high + 1)}
    return found


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_shape_loads_and_its_run_flags_what_was_planted(tmp_path: Path, shape: str) -> None:
    spec = LedgerSpec(lines=LINES, seed=11, shape=shape, fiscal_start=date(2026, 1, 1), fiscal_end=date(2026, 12, 31))
    facts = write_general_ledger(tmp_path / "gl.csv", spec)
    ws = workspace()
    dataset = loaded(ws, ws.admin, "general_ledger", (tmp_path / "gl.csv").read_bytes(), filename=f"{shape}.csv")
    assert dataset["summary"]["lines"] == facts.lines == LINES
    assert dataset["summary"]["journals"] == facts.journals
    assert dataset["summary"]["debit_total"] == facts.total_debit

    run = run_tests(ws)
    results = run.results
    assert run.body["population"]["lines"] == LINES
    for kind in PLANTED:
        got = (results[kind]["flagged_lines"], results[kind]["flagged_journals"])
        assert got == (facts.planted_lines[kind], len(facts.planted[kind])), (shape, kind)
    missing = facts.planted_lines["missing_description"] + facts.natural_lines.get("missing_description", 0)
    assert results["missing_description"]["flagged_lines"] == missing, shape
    rare_users = sum(count for count in facts.user_lines.values() if count <= RARE_USER_LINES)
    assert results["rare_user"]["flagged_lines"] == rare_users, shape
    rare_accounts = sum(count for count in facts.account_lines.values() if count <= RARE_ACCOUNT_LINES)
    assert results["rare_account"]["flagged_lines"] == rare_accounts, shape
    gaps = results["sequence_gap"]
    assert gaps["gap_count"] == len(facts.sequence_gaps) >= 3, shape
    assert gaps["flagged_journals"] == len(_bordering(facts)), shape
    assert results["post_dated"]["status"] == "not_applicable"  # no shape carries a document date
    assert all(r["status"] in ("ran", "not_applicable") for r in results.values())
