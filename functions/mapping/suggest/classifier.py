"""What the firm has taught: its reviewers' confirmed mappings, as memory and as a trained classifier.

Two parts, both the firm's own (no other firm's mappings are ever read: row-level security and the
firm-scoped query behind `Taught`):

- memory: a name the firm's reviewers mapped before goes where they put it (the majority, if they
  disagreed), from the first confirmation on, so an override feeds the next suggestion at once;
- a scikit-learn classifier (character n-grams of the normalised name, logistic regression) once the
  firm has MIN_EXAMPLES confirmations over at least two standard accounts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from functions.mapping.suggest.synonyms import normalise

MIN_EXAMPLES = 30
MEMORY_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Example:
    account_name: str
    standard_code: str


@dataclass(frozen=True)
class Prediction:
    standard_code: str
    confidence: float


class Taught:
    """The firm's confirmed mappings, ready to answer for new names."""

    def __init__(self, examples: Sequence[Example], known_codes: set[str]) -> None:
        usable = [e for e in examples if e.standard_code in known_codes and normalise(e.account_name)]
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for example in usable:
            votes[normalise(example.account_name)][example.standard_code] += 1
        self.memory = {name: counter.most_common(1)[0][0] for name, counter in votes.items()}
        self.model: Any = None
        if len(usable) >= MIN_EXAMPLES and len({e.standard_code for e in usable}) >= 2:
            self.model = _train(usable)

    def remembered(self, name: str) -> Prediction | None:
        code = self.memory.get(normalise(name))
        return None if code is None else Prediction(code, MEMORY_CONFIDENCE)

    def predict(self, names: Sequence[str]) -> list[Prediction | None]:
        """The classifier's best code and its probability per name; None for all without a model."""
        if self.model is None or not names:
            return [None] * len(names)
        probabilities = self.model.predict_proba([normalise(name) for name in names])
        classes = self.model.classes_
        best = probabilities.argmax(axis=1)
        return [Prediction(str(classes[i]), float(probabilities[row, i])) for row, i in enumerate(best)]


def _train(examples: Sequence[Example]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
        LogisticRegression(max_iter=1000, C=10.0),
    )
    model.fit([normalise(e.account_name) for e in examples], [e.standard_code for e in examples])
    return model
