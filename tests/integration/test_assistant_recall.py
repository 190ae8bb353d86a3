"""Retrieval finds the passage that answers a question: recall@5 of our question set over the constructed
engagement (tools/assistant_fixture.py), offline embeddings, must stay at or above 0.9 (issue 24's target).

The engagement is built through the real triggers and indexed with the bundled model, so this is slow;
tools/bench_assistant.py measures the same at 10,000 chunks, with latency."""

from __future__ import annotations

import pytest

from tools import assistant_fixture
from tools.bench_assistant import TARGET_RECALL, evaluate, index, questions, recall, searcher

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database"), pytest.mark.slow]


def test_the_question_sets_passages_are_in_the_top_5_for_at_least_90_percent_of_questions() -> None:
    fixture = assistant_fixture.build()
    ids = (fixture.firm_id, fixture.admin_id, fixture.engagement_id)
    chunks = index(*ids)
    assert chunks >= len(assistant_fixture.WORKPAPERS) + len(assistant_fixture.ACCOUNTS)

    outcomes = evaluate(searcher(*ids), questions())
    found, _ = recall(outcomes)

    misses = [f"{o.question.id} {o.question.question} -> {', '.join(o.retrieved)}" for o in outcomes if not o.found]
    assert found >= TARGET_RECALL, "\n".join(misses)
