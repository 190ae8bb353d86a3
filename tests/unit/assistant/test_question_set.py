"""The assistant's question set and its sources are usable as a benchmark: every question names passages
that exist (a section of a shipped source, or a document the constructed engagement builds), the questions
are our own phrasings rather than copies of the passage, and the shipped sources follow their format."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from pathlib import Path

import pytest

from shared.retrieval import KNOWLEDGE_DIR, Hit, source_sections
from tools import assistant_fixture as fixture
from tools.bench_assistant import Outcome, Question, chunk_key, questions, recall

pytestmark = pytest.mark.unit

_WORD = re.compile(r"[a-z0-9]+")


def passages() -> dict[str, str]:
    """Every key a question may cite, with the text of its passage."""
    found = {section.key: section.text for section in source_sections()}
    found.update({f"workpaper:{title}": text for _, title, text in fixture.WORKPAPERS})
    for filename, pages, _ in fixture.EVIDENCE:
        found.update({f"evidence:{filename}#{n}": page for n, page in enumerate(pages, start=1)})
    found.update({f"review_note:{title}": body for title, body in fixture.REVIEW_NOTES})
    found.update({f"trial_balance:{number}": name for number, name, _, _ in fixture.balanced_accounts()})
    found[f"journal_test:{fixture.FLAGGED_JOURNAL}"] = "Manual revenue true-up per CFO"
    return found


def test_at_least_100_questions_with_unique_ids_and_wordings() -> None:
    asked = questions()
    assert len(asked) >= 100
    assert len({q.id for q in asked}) == len(asked)
    assert len({q.question.lower() for q in asked}) == len(asked)
    assert all(q.question.endswith(("?", ".")) and q.supporting for q in asked)


def test_every_supporting_key_is_a_passage_the_sources_or_the_engagement_have() -> None:
    known = passages()
    missing = [(q.id, key) for q in questions() for key in q.supporting if key not in known]
    assert missing == []


def test_each_kind_of_passage_is_asked_about() -> None:
    kinds = Counter(key.split(":", 1)[0] for q in questions() for key in q.supporting)
    assert set(kinds) == {"source", "workpaper", "evidence", "review_note", "trial_balance", "journal_test"}
    assert kinds["source"] >= 40 and kinds["workpaper"] >= 40  # both halves of the corpus carry weight
    assert all(q.kind == q.supporting[0].split(":", 1)[0] for q in questions())


def test_questions_are_phrased_by_us_not_copied_from_their_passage() -> None:
    """No question repeats six words in a row of the passage it is answered by."""
    known = passages()

    def runs(text: str, size: int = 6) -> set[tuple[str, ...]]:
        tokens = _WORD.findall(text.lower())
        return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}

    copied = [(q.id, key) for q in questions() for key in q.supporting if runs(q.question) & runs(known[key])]
    assert copied == []


def test_the_shipped_sources_follow_their_format() -> None:
    files = sorted(path for path in KNOWLEDGE_DIR.glob("*.md") if path.name != "README.md")
    assert len(files) >= 19
    for path in files:
        content = path.read_text(encoding="utf-8")
        header = " ".join(content.split("\n## ", 1)[0].lower().split())
        assert content.startswith("# "), path.name
        assert ("public domain" in header) if path.stem.startswith("reg-s-x") else ("our own" in header), path.name
        ids = re.findall(r"^## .+\{#([a-z0-9-]+)\}\s*$", content, re.MULTILINE)
        assert len(ids) == content.count("\n## ") and len(set(ids)) == len(ids), path.name
    sections = source_sections()
    assert len({s.key for s in sections}) == len(sections)
    too_long = [s.key for s in sections if len(s.text.split()) > 150]
    assert too_long == []
    readme = (KNOWLEDGE_DIR / "README.md").read_text(encoding="utf-8")
    assert "17 CFR" in readme and "public domain" in readme.lower()


def _hit(kind: str, document: str, locator: str) -> Hit:
    return Hit(uuid.uuid4(), document, locator, "", 0.5, kind)


def test_a_retrieved_passage_gets_the_question_sets_key() -> None:
    assert chunk_key(_hit("workpaper", "H-112 Term loan and covenant compliance", "section text")) == (
        "workpaper:Term loan and covenant compliance"
    )
    assert chunk_key(_hit("review_note", "Review note on H-112 Term loan", "note of 2026-12-07")) == (
        "review_note:Term loan"
    )
    assert chunk_key(_hit("evidence", "Covenant waiver letter.pdf", "page 2, part 1")) == (
        "evidence:Covenant waiver letter.pdf#2"
    )
    assert chunk_key(_hit("trial_balance", "Mapped trial balance", "account 21700")) == "trial_balance:21700"
    assert chunk_key(_hit("journal_test", "Journal entry testing run", "journal JE-2026-1187")) == (
        "journal_test:JE-2026-1187"
    )
    source = _hit("source", "Regulation S-X Rule 5-02", "22. Long-term debt (source:reg-s-x-5-02#22-long-term-debt)")
    assert chunk_key(source) == "source:reg-s-x-5-02#22-long-term-debt"


def test_recall_counts_a_question_found_when_one_supporting_passage_is_in_the_top_k() -> None:
    both = Question("q1", "?", ("a", "b"), "workpaper")
    one = Question("q2", "?", ("c",), "workpaper")
    outcomes = [Outcome(both, ("a", "x")), Outcome(one, ("x", "y"))]
    assert recall(outcomes) == (0.5, 0.25)
    assert recall([]) == (0.0, 0.0)


def test_the_constructed_trial_balance_balances_and_its_workpapers_agree_with_it() -> None:
    accounts = {number: amount for number, _, amount, _ in fixture.balanced_accounts()}
    assert sum(accounts.values()) == 0
    lease = -(accounts["21000"] + accounts["21700"])
    term_loan = -(accounts["20900"] + accounts["25000"])
    texts = {title: text for _, title, text in fixture.WORKPAPERS}
    assert f"${lease:,.0f}" in texts["Lease schedule and ASC 842 calculations"]
    assert f"${term_loan:,.0f}" in texts["Term loan and covenant compliance"]
    assert len({title for _, title, _ in fixture.WORKPAPERS}) == len(fixture.WORKPAPERS)
    assert Path(fixture.__file__).name == "assistant_fixture.py"
