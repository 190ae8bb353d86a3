"""A firm's own mapping rules: number ranges and name patterns, tried in the firm's order.

A number range compares the account's digits (as in numbering.key) between `start` and `end`, both
inclusive, padded to the same length, so "4000"-"4999" takes "4100" and "4100-02". A name pattern is
a case-insensitive shell pattern on the account's name ("*freight*", "accum* depr*").
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from functions.mapping.suggest.numbering import key

RULE_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Rule:
    kind: str  # number_range | name_pattern
    standard_code: str
    start: str | None = None
    end: str | None = None
    pattern: str | None = None


def matches(rule: Rule, account_number: str, account_name: str) -> bool:
    if rule.kind == "number_range" and rule.start is not None and rule.end is not None:
        number = key(account_number)
        start, end = key(rule.start), key(rule.end)
        if not number or not start or not end:
            return False
        width = max(len(start), len(end))
        head = number[:width].ljust(width, "0")
        return start.ljust(width, "0") <= head <= end.ljust(width, "9")
    if rule.kind == "name_pattern" and rule.pattern:
        return fnmatch.fnmatchcase(account_name.lower(), rule.pattern.lower())
    return False


def first_match(rules: Sequence[Rule], account_number: str, account_name: str) -> Rule | None:
    return next((rule for rule in rules if matches(rule, account_number, account_name)), None)
