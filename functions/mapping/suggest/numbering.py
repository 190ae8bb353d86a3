"""Where an account sits in its own chart's numbering says what it is, once the chart has shown its plan.

Charts number by section (1xxx assets in one, 0010-0999 fixed assets in a Sage chart, 10000-19999 in
an ERP), but no fixed table fits them all. So the plan is learned from the same chart: the accounts
whose names matched with high confidence are landmarks, and an account whose name says little takes
the section its nearest landmarks agree on. Numbers are compared as digit strings, so hierarchical
charts ("100" < "10010" < "101") keep their order.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

_DIGITS = re.compile(r"\d+")
NEIGHBOURS = 2  # landmarks taken on each side


def key(account_number: str) -> str:
    """The account number's digits, in order, as a sortable string ('1200-01' -> '120001')."""
    return "".join(_DIGITS.findall(account_number))


@dataclass(frozen=True)
class Vote:
    section: str
    agreement: float  # the share of the nearest landmarks' weight behind the section


class Plan:
    """The chart's landmarks: (number, section) of accounts already placed with confidence."""

    def __init__(self, landmarks: Sequence[tuple[str, str]]) -> None:
        pairs = sorted((key(number), section) for number, section in landmarks if key(number))
        self.keys = [k for k, _ in pairs]
        self.sections = [s for _, s in pairs]

    def __len__(self) -> int:
        return len(self.keys)

    def vote(self, account_number: str) -> Vote | None:
        """The section the nearest landmarks on both sides agree on, weighted by nearness; None without any."""
        number = key(account_number)
        if not number or not self.keys:
            return None
        position = bisect.bisect_left(self.keys, number)
        weights: defaultdict[str, float] = defaultdict(float)
        for rank, index in enumerate(range(position - 1, max(position - 1 - NEIGHBOURS, -1), -1)):
            weights[self.sections[index]] += 1 / (rank + 1)
        for rank, index in enumerate(range(position, min(position + NEIGHBOURS, len(self.keys)))):
            weights[self.sections[index]] += 1 / (rank + 1)
        section, weight = max(weights.items(), key=lambda item: item[1])
        return Vote(section, weight / sum(weights.values()))
