"""Finding a related party's transactions in a ledger, and their red flags (AU-C 550 / AS 2410).

Ledger descriptions spell counterparties as whoever typed them did: "Smyth Holdings LLC" in the ledger
is the "Smith Holdings" of the register. Names are compared after normalising (case, punctuation and
legal-form words such as LLC, Inc, Ltd dropped), word window by word window: the party's name is
measured against every run of as many words (one fewer, one more) in the description, so a typo or a
missing word is forgiven but "Smith" inside "Blacksmith" is not a match. rapidfuzz's partial ratio,
in C, first keeps the descriptions worth the closer look, so a ledger's distinct descriptions are read
once per party.

Red flags are what AU-C 550 asks the auditor to be alert to: a round amount (a multiple of the base),
a date within N days of the period end, and no business purpose noted by the auditor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

DEFAULT_THRESHOLD = 88
DEFAULT_PERIOD_END_DAYS = 5
DEFAULT_ROUND_BASE = Decimal("1000")
LEGAL_FORMS = frozenset(
    {
        "llc",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "lp",
        "llp",
        "pllc",
        "gmbh",
        "sa",
        "ag",
        "bv",
        "pty",
        "the",
    }
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class NameMatch:
    name: str  # the party's name or alias that matched
    score: float  # 0-100


def normalise(text: str) -> str:
    """Lower case, words only, legal-form words dropped: how two spellings of a name are compared."""
    words = [word for word in _WORD.findall(text.lower()) if word not in LEGAL_FORMS]
    return " ".join(words)


def window_score(name: str, description: str) -> float:
    """How well the (normalised) name matches the best run of words in the (normalised) description."""
    from rapidfuzz import fuzz

    name_words = name.split()
    words = description.split()
    if not name_words or not words:
        return 0.0
    best = 0.0
    for size in {max(1, len(name_words) - 1), len(name_words), len(name_words) + 1}:
        for start in range(max(1, len(words) - size + 1)):
            best = max(best, fuzz.ratio(name, " ".join(words[start : start + size])))
    return float(best)


def match_descriptions(
    descriptions: Iterable[str], names: Sequence[str], *, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, NameMatch]:
    """Description -> the best of the names it matches at `threshold` or above (descriptions matching none
    are left out)."""
    from rapidfuzz import fuzz, process

    normalised = {description: normalise(description) for description in descriptions}
    choices = {description: text for description, text in normalised.items() if text}
    found: dict[str, NameMatch] = {}
    for name in names:
        wanted = normalise(name)
        if not wanted:
            continue
        # A cheap first pass in C over every description, then the word windows on the survivors.
        survivors = process.extract(wanted, choices, scorer=fuzz.partial_ratio, score_cutoff=threshold, limit=None)
        for _text, _score, description in survivors:
            score = window_score(wanted, choices[description])
            if score >= threshold and (description not in found or score > found[description].score):
                found[description] = NameMatch(name, round(score, 2))
    return found


def is_round(amount: Decimal, base: Decimal = DEFAULT_ROUND_BASE) -> bool:
    """A non-zero amount that is a whole multiple of the base (as the journal-entry round_amount test)."""
    return amount != 0 and abs(amount) % base == 0


def near_period_end(when: date, period_end: date, days: int = DEFAULT_PERIOD_END_DAYS) -> bool:
    """Dated within `days` of the period end, either side: where window dressing happens."""
    return abs((when - period_end).days) <= days
