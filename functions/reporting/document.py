"""The auditor's report as plain values: everything the report's text and its PDF need, and nothing else.

Built by the reporting service from the engagement, the mapped final trial balance (shared/statements.py),
the journal-entry testing run, the Benford analysis and the samples; read by opinion_text.py (the words)
and pdf.py (the pages). No database, no I/O: the same document always gives the same text and bytes.
Amounts are Decimal; Benford proportions are floats (they are shares, not money).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

from shared.statements import Statement

Framework = Literal["us_gaap", "ifrs", "tax_basis", "cash_basis"]
Standards = Literal["aicpa", "pcaob"]
Opinion = Literal["unmodified", "qualified", "adverse", "disclaimer"]

FRAMEWORKS: tuple[str, ...] = get_args(Framework)
STANDARDS: tuple[str, ...] = get_args(Standards)
OPINIONS: tuple[str, ...] = get_args(Opinion)
MODIFIED_OPINIONS = ("qualified", "adverse", "disclaimer")


@dataclass(frozen=True)
class JeTestSummary:
    """One journal-entry test of the run: how many lines and journals it flagged."""

    code: str
    title: str
    flagged_lines: int
    flagged_journals: int


@dataclass(frozen=True)
class JeSummary:
    """The journal-entry testing run the report's appendix summarizes."""

    run_date: date
    population_lines: int
    population_journals: int
    tests: tuple[JeTestSummary, ...]


@dataclass(frozen=True)
class BenfordDigit:
    digit: int  # 1-9
    observed_count: int
    observed: float  # proportion, 0-1
    expected: float  # Benford's proportion, 0-1


@dataclass(frozen=True)
class BenfordSummary:
    """The first-digit test over the ledger's amounts."""

    digits: tuple[BenfordDigit, ...]
    mad: float | None = None
    conformity: str | None = None  # close | acceptable | marginal | nonconformity

    @property
    def count(self) -> int:
        return sum(d.observed_count for d in self.digits)


@dataclass(frozen=True)
class SampleSummary:
    """One sample's result: what was tested and what the auditor concluded."""

    name: str
    method: str  # mus | classical | attribute | ...
    population_value: Decimal
    sample_size: int
    misstatements_found: int
    projected_misstatement: Decimal | None
    upper_limit: Decimal | None
    conclusion: str


@dataclass(frozen=True)
class Note:
    """An approved note to the financial statements, as its text read when it was approved (functions/disclosures)."""

    title: str
    text: str


@dataclass(frozen=True)
class ReportDocument:
    firm_name: str
    firm_city: str | None
    client_name: str
    period_start: date
    period_end: date
    framework: Framework
    standards: Standards  # aicpa: AU-C (non-issuers); pcaob: PCAOB AS (issuers)
    opinion: Opinion
    basis_for_modification: str | None
    emphasis_of_matter: str | None
    report_date: date
    signer_name: str
    signer_title: str
    version: int
    statements: tuple[Statement, ...]  # balance_sheet then income_statement
    je_summary: JeSummary | None = None
    benford: BenfordSummary | None = None  # None when there is no ledger
    samples: tuple[SampleSummary, ...] = ()
    notes: tuple[Note, ...] = ()  # printed after the statements only when the engagement asks for them

    @property
    def modified(self) -> bool:
        return self.opinion in MODIFIED_OPINIONS

    def statement(self, name: str) -> Statement | None:
        return next((s for s in self.statements if s.statement == name), None)


def validate(document: ReportDocument) -> ReportDocument:
    """The document, or ValueError naming the first field that is wrong."""
    if document.framework not in FRAMEWORKS:
        raise ValueError(f"framework: {document.framework!r} is not one of {', '.join(FRAMEWORKS)}")
    if document.standards not in STANDARDS:
        raise ValueError(f"standards: {document.standards!r} is not one of {', '.join(STANDARDS)}")
    if document.opinion not in OPINIONS:
        raise ValueError(f"opinion: {document.opinion!r} is not one of {', '.join(OPINIONS)}")
    if document.modified and not (document.basis_for_modification or "").strip():
        raise ValueError(f"basis_for_modification: required for a {document.opinion} opinion")
    if document.period_end < document.period_start:
        raise ValueError("period_end: before period_start")
    if document.version < 1:
        raise ValueError("version: must be 1 or more")
    for name in ("firm_name", "client_name", "signer_name", "signer_title"):
        if not str(getattr(document, name)).strip():
            raise ValueError(f"{name}: required")
    if document.benford is not None:
        digits = [d.digit for d in document.benford.digits]
        if digits != list(range(1, 10)):
            raise ValueError("benford: first digits 1 to 9, in order, are required")
    return document
