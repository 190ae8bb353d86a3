"""A note's numbers and citations: references resolved at render time, and the checker that refuses the rest.

A note's body never holds a figure of its own. Each amount is a reference to where it comes from,
resolved against the engagement's data when the note is shown or approved:

    {{tb:21700}}            the mapped final balance of the client's account 21700
    {{tb:21700:prior}}      its prior-year balance
    {{caption:<slug>}}      a statement caption's total ("operating-lease-liabilities-non-current"), :prior too
    {{section:<section>}}   a section of the standard chart ("current_assets"), :prior too
    {{rp:<party id>:total}} the confirmed transactions with a related party in the register
    {{se:<event id>:amount}} the amount recorded for a subsequent event

and each citation names what it rests on: `[[chunk:<uuid>]]` (a chunk of the engagement's documents)
or `[[source:<key>]]` (a shipped public source). Amounts are presented the way the statements present
them (liabilities, equity and revenue as positive credits), with parentheses for a negative.

`check` refuses a body that writes a number literally, unless the number is a year, part of a date or
part of a standard's section number (ASC 842-20-50-6, Regulation S-X 4-08(k), Note 3); a reference that
resolves to nothing; and a citation not in the set the caller can see. Each problem names the text.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

CENT = Decimal("0.01")
REFERENCE = re.compile(r"\{\{\s*([a-z]+):([^{}\s]+?)\s*\}\}")
CITATION = re.compile(r"\[\[\s*(chunk|source):([^\[\]\s]+)\s*\]\]")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# What may be written as digits: dates, years and the section numbers of standards. Removed before the
# remaining digits are read as amounts.
ALLOWED = re.compile(
    rf"\b(?:{MONTHS})\s+\d{{1,2}},\s+\d{{4}}\b"  # December 31, 2026
    rf"|\b(?:{MONTHS})\s+\d{{4}}\b"  # December 2026
    r"|\b\d{4}-\d{2}-\d{2}\b"  # 2026-12-31
    r"|\b\d{1,2}/\d{1,2}/\d{4}\b"  # 12/31/2026
    r"|\b(?:ASC|Topic|Subtopic)\s+\d{3}(?:-\d{1,3}){0,4}(?:\([a-z0-9]+\))*"  # ASC 842-20-50-6(a)
    r"|\bS-X\s+(?:Rule\s+)?\d{1,2}-\d{2}(?:\.\d+)?(?:\([a-z0-9]+\))*"  # Regulation S-X 4-08(k)
    r"|\b(?:Note|AU-C|AS)\s+\d{1,4}(?:\.\d+)?\b"  # Note 3, AU-C 570, AS 2415
    r"|\b(?:19|20)\d{2}\b(?![.,]\d)"  # a year
)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# Which reference a literal figure's hint names when several give the same amount: the account first.
PREFERRED = ("tb", "rp", "se", "caption", "section")


@dataclass(frozen=True)
class Problem:
    """One thing the checker refuses, with the text it found and why."""

    kind: str  # literal_number | unknown_reference | unknown_citation
    text: str
    message: str


def presented(amount: Decimal) -> str:
    """1,234.50, and (1,234.50) for a negative."""
    rounded = amount.quantize(CENT)
    text = f"{abs(rounded):,.2f}"
    return f"({text})" if rounded < 0 else text


def reference_key(kind: str, target: str) -> str:
    return f"{kind}:{target}"


def references(body: str) -> list[str]:
    return [reference_key(match[1], match[2]) for match in REFERENCE.finditer(body)]


def citations(body: str) -> list[str]:
    found: list[str] = []
    for match in CITATION.finditer(body):
        key = f"{match[1]}:{match[2]}"
        if key not in found:
            found.append(key)
    return found


def chunk_ids(body: str) -> set[uuid.UUID]:
    """The chunk ids the body cites (ill-formed ids are the checker's to name, not this function's)."""
    ids = set()
    for key in citations(body):
        kind, _, value = key.partition(":")
        if kind == "chunk":
            try:
                ids.add(uuid.UUID(value))
            except ValueError:
                continue
    return ids


def literal_numbers(body: str) -> list[str]:
    """The numbers written as digits outside references and citations that are not dates, years or sections."""
    bare = CITATION.sub(" ", REFERENCE.sub(" ", body))
    bare = ALLOWED.sub(" ", bare)
    return [match[0].rstrip(",") for match in NUMBER.finditer(bare)]


def _preference(key: str) -> int:
    kind = key.split(":")[0]
    return PREFERRED.index(kind) if kind in PREFERRED else len(PREFERRED)


def check(body: str, values: Mapping[str, Decimal], visible_citations: set[str]) -> list[Problem]:
    """Everything in the body that no source supports: empty when the note may be saved or approved."""
    problems: list[Problem] = []
    by_value: dict[str, str] = {}
    for key in sorted(
        values, key=lambda key: PREFERRED.index(key.split(":")[0]) if key.split(":")[0] in PREFERRED else 9
    ):
        by_value.setdefault(presented(values[key]), key)
    for number in literal_numbers(body):
        hint = by_value.get(number) or by_value.get(f"{number}.00")
        message = (
            f"the number {number} is written in the text; write the reference {{{{{hint}}}}} that gives it instead"
            if hint
            else f"the number {number} is written in the text and no source gives it; bind it to its source with a "
            "reference like {{tb:<account>}}"
        )
        problems.append(Problem("literal_number", number, message))
    for key in dict.fromkeys(references(body)):
        if key not in values:
            problems.append(
                Problem("unknown_reference", "{{" + key + "}}", f"the reference {{{{{key}}}}} resolves to nothing")
            )
    for key in citations(body):
        if key not in visible_citations:
            problems.append(
                Problem("unknown_citation", f"[[{key}]]", f"the citation [[{key}]] is not a source you can see")
            )
    return problems


def resolved(body: str, values: Mapping[str, Decimal]) -> dict[str, str]:
    """Each reference of the body with its presented amount (the portal shows it on the reference)."""
    return {key: presented(values[key]) for key in references(body) if key in values}


def render(body: str, values: Mapping[str, Decimal]) -> str:
    """The note as printed: each reference replaced by its presented amount, citations dropped (the
    printed note carries no working-paper ids; the portal links them from the body)."""

    def replace(match: re.Match[str]) -> str:
        if match[1] is None:
            return ""
        key = reference_key(match[1], match[2])
        return presented(values[key]) if key in values else f"[unresolved {key}]"

    text = re.sub(f"{REFERENCE.pattern}|{CITATION.pattern}", replace, body)
    text = re.sub(r"[ \t]+([.,;:)])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
