"""Retrieval's pure parts: passages cut between sentences, the public sources read by section with
stable ids, and the ranking of cosine plus the words of the question."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from shared import retrieval
from shared.retrieval import Hit

pytestmark = pytest.mark.unit


def test_long_text_is_cut_between_sentences_within_the_limit() -> None:
    text = " ".join(f"Sentence number {n} says something." for n in range(60))
    pieces = retrieval.split(text, limit=200)
    assert all(len(piece) <= 200 for piece in pieces)
    assert " ".join(pieces) == text
    assert all(piece.endswith(".") for piece in pieces)
    assert retrieval.split("   ") == []
    assert retrieval.split("x" * 450, limit=200) == ["x" * 200, "x" * 200, "x" * 50]


def test_sources_are_read_one_section_each_with_a_stable_key(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Not a source\n\n## Format {#format}\nignored\n")
    (tmp_path / "asc-999.md").write_text(
        "# ASC 999 Widgets: our summary\n\nHeader, not indexed.\n\n"
        "## Recognition {#recognition}\nRecognize widgets when delivered.\n\n"
        "## Disclosure {#disclosure}\nDisclose widget counts.\n"
    )
    sections = retrieval.source_sections(tmp_path)
    assert [(s.key, s.title, s.heading, s.text) for s in sections] == [
        (
            "source:asc-999#recognition",
            "ASC 999 Widgets: our summary",
            "Recognition",
            "Recognize widgets when delivered.",
        ),
        ("source:asc-999#disclosure", "ASC 999 Widgets: our summary", "Disclosure", "Disclose widget counts."),
    ]
    assert retrieval.source_chunk_id("source:asc-999#recognition") == retrieval.source_chunk_id(
        "source:asc-999#recognition"
    )
    assert retrieval.source_chunk_id("source:asc-999#recognition") != retrieval.source_chunk_id(
        "source:asc-999#disclosure"
    )


def test_every_shipped_source_section_has_a_unique_key() -> None:
    keys = [section.key for section in retrieval.source_sections()]
    assert keys and len(keys) == len(set(keys))


def _hit(text: str, kind: str = "workpaper") -> Hit:
    return Hit(uuid.uuid4(), "Doc", "section a", text, 0.0, kind)


def test_the_words_of_the_question_lift_an_exact_match_over_a_close_vector() -> None:
    hits = [_hit("Cash at bank reconciled"), _hit("Northwind Bank confirmation received")]
    vectors = np.array([[1.0, 0.0], [0.99, 0.141]], dtype=np.float32)
    matrix = retrieval._Matrix.build(hits, vectors)
    query = np.array([1.0, 0.0], dtype=np.float32)

    ranked = matrix.rank("Northwind confirmation", query, 2, None)

    assert [hit.text for hit in ranked] == ["Northwind Bank confirmation received", "Cash at bank reconciled"]
    assert ranked[0].score > ranked[1].score


def test_kinds_narrow_the_ranking_and_k_bounds_it() -> None:
    hits = [_hit("alpha", "workpaper"), _hit("alpha beta", "evidence"), _hit("alpha gamma", "evidence")]
    matrix = retrieval._Matrix.build(hits, np.eye(3, dtype=np.float32))
    ranked = matrix.rank("alpha", np.array([1.0, 0.0, 0.0], dtype=np.float32), 5, {"evidence"})
    assert {hit.kind for hit in ranked} == {"evidence"} and len(ranked) == 2
    assert len(matrix.rank("alpha", np.array([1.0, 0.0, 0.0], dtype=np.float32), 1, None)) == 1
    assert matrix.rank("alpha", np.array([1.0, 0.0, 0.0], dtype=np.float32), 5, {"journal_test"}) == []
