"""The bundled offline embeddings: normalised float32 rows, and a question lands nearest its passage."""

from __future__ import annotations

import numpy as np
import pytest

from shared import embeddings

pytestmark = pytest.mark.unit


def test_rows_are_normalised_float32_of_the_model_s_width() -> None:
    vectors = embeddings.embed(["Cash at bank was confirmed.", "", "Lease liability"])
    assert vectors.shape == (3, embeddings.DIMENSIONS) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    assert embeddings.embed([]).shape == (0, embeddings.DIMENSIONS)


def test_a_question_is_nearest_the_passage_that_answers_it() -> None:
    passages = embeddings.embed(
        [
            "The warehouse lease runs five years at a monthly rent of 9,400.",
            "Inventory was counted at the Riverside depot on 31 December.",
            "Payroll was tested for ten employees without exception.",
        ]
    )
    for question, expected in (
        ("How much is the rent for the warehouse?", 0),
        ("Where did the stock count take place?", 1),
        ("Were salaries tested?", 2),
    ):
        scores = passages @ embeddings.embed([question], query=True)[0]
        assert int(np.argmax(scores)) == expected, question
