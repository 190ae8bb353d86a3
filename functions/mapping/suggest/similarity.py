"""Name similarity between a client's accounts and the standard chart, all pairs at once.

Each standard account is known by its name and its aliases; an account's score against it is the best
over those terms. The score averages two views, both 0-100:

- token-sort similarity (rapidfuzz, in C): the whole name must fit, typos forgiven, so "Vehicles" alone
  is not "Accumulated depreciation - vehicles";
- containment: the share of the term's words found in the name (one sparse product for every pair),
  so extra words are forgiven: "Cash - Chase operating" is still cash.

rapidfuzz's token-set ratio says much the same as the second view but costs fifty times more, which a
5,000-account chart cannot afford.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from functions.mapping.suggest.synonyms import normalise
from shared.standard_chart import Chart

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

STOP_WORDS = frozenset({"and", "of", "the", "for", "on", "in", "to", "a", "at", "by", "from", "with", "net"})


def words(text: str) -> list[str]:
    """The words that carry meaning, plural 's' dropped so "receivables" meets "receivable"."""
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in text.split()
        if w not in STOP_WORDS
    ]


class Matcher:
    """The chart's terms, normalised once; `scores` compares many names with all of them."""

    def __init__(self, chart: Chart) -> None:
        import numpy as np
        from scipy import sparse

        self.chart = chart
        terms: list[str] = []
        owners: list[int] = []
        for index, account in enumerate(chart.accounts):
            for term in dict.fromkeys(normalise(text) for text in (account.name, *account.aliases)):
                if term:
                    terms.append(term)
                    owners.append(index)
        self.terms = [" ".join(sorted(term.split())) for term in terms]
        self.vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for row, term in enumerate(terms):
            for word in set(words(term)):
                rows.append(row)
                cols.append(self.vocabulary.setdefault(word, len(self.vocabulary)))
        self.term_words = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(terms), len(self.vocabulary))
        )
        self.term_lengths = np.maximum(np.asarray(self.term_words.sum(axis=1)).ravel(), 1)
        # Terms are grouped by account in chart order, so reduceat takes each account's best term.
        self.starts = np.flatnonzero(np.r_[True, np.diff(np.asarray(owners)) != 0])
        self.owner_of_start = np.asarray(owners)[self.starts]

    def _containment(self, queries: list[str]) -> npt.NDArray[np.float32]:
        import numpy as np
        from scipy import sparse

        rows, cols = [], []
        for row, query in enumerate(queries):
            for word in set(words(query)):
                column = self.vocabulary.get(word)
                if column is not None:
                    rows.append(row)
                    cols.append(column)
        found = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(queries), len(self.vocabulary))
        )
        shared = (found @ self.term_words.T).toarray()
        containment: npt.NDArray[np.float32] = (100 * shared / self.term_lengths[np.newaxis, :]).astype(np.float32)
        return containment

    def scores(self, names: Sequence[str]) -> npt.NDArray[np.float32]:
        """A (names x chart accounts) matrix of similarity from 0 to 100."""
        import numpy as np
        from rapidfuzz import fuzz, process

        queries = [normalise(name) for name in names]
        if not queries:
            return np.zeros((0, len(self.chart)), dtype=np.float32)
        ordered = [" ".join(sorted(query.split())) for query in queries]
        by_sort = process.cdist(ordered, self.terms, scorer=fuzz.ratio, dtype=np.uint8, workers=-1)
        blended = (by_sort.astype(np.float32) + self._containment(queries)) / 2
        per_account = np.maximum.reduceat(blended, self.starts, axis=1)
        result = np.zeros((len(queries), len(self.chart)), dtype=np.float32)
        result[:, self.owner_of_start] = per_account
        result[[i for i, query in enumerate(queries) if not query], :] = 0
        return result
