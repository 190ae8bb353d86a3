"""The engagement as QC sees it: a snapshot of plain, frozen values that reads.py builds from the tables.

The policies (policies.py) are pure functions of this snapshot, so each can be tested on an
engagement written out by hand, and the snapshot holds facts, never verdicts: which workpapers carry
which sign-offs, the accounts and their final balances, the risks and what they link to, counts of
the JE run's flagged journals by whether they are resolved. What needs a whole table (the ledger, the
flags) arrives as counts and a few named examples, so the snapshot stays small at any size.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Documented:
    """A piece of audit documentation that must be prepared and reviewed: each binder workpaper, and each
    completed procedure of the audit program (kind "procedure"), which is prepared and reviewed when one
    of its linked workpapers is."""

    label: str  # the binder path ("D Cash / D-1 Bank reconciliation") or the procedure's name
    prepared: bool
    reviewed: bool
    kind: str = "workpaper"


@dataclass(frozen=True)
class Workpaper:
    """A binder workpaper with what QC needs of it."""

    node_id: uuid.UUID
    path: str  # the titles from its section down, each with its index code
    section_code: str | None  # the index code of its top-level section ("L" for Completion)
    section_title: str | None
    index_code: str | None
    title: str
    prepared: bool
    reviewed: bool
    approved_by: frozenset[uuid.UUID] = frozenset()  # who holds an active approve sign-off
    evidence_files: int = 0  # evidence files linked to it
    account_numbers: tuple[str, ...] = ()  # accounts its content lists under "account_numbers"


@dataclass(frozen=True)
class EvidencedFolder:
    """A folder of the binder holding evidence (linked files or evidence nodes), by its title and code."""

    path: str
    index_code: str | None
    title: str
    evidence_files: int


@dataclass(frozen=True)
class Account:
    """An account of the current trial balance, mapped: its final balance (debit positive)."""

    number: str
    name: str
    unadjusted: Decimal
    final: Decimal
    confirmed: bool


@dataclass(frozen=True)
class Materiality:
    version: int
    overall: Decimal
    performance: Decimal


@dataclass(frozen=True)
class Answer:
    """A procedure of the audit program that answers a risk (one judged not applicable answers nothing)."""

    label: str  # the procedure's code and title
    nature: str  # test_of_controls | substantive_analytical | test_of_details

    @property
    def substantive(self) -> bool:
        return self.nature in ("substantive_analytical", "test_of_details")


@dataclass(frozen=True)
class RiskItem:
    """An assessed risk and the program's procedures that answer it."""

    area: str
    assertion: str
    fraud_risk: bool
    significant_risk: bool
    answers: tuple[Answer, ...] = ()


@dataclass(frozen=True)
class JeTesting:
    """The JE run on the current general ledger, in counts."""

    ledger_version: int | None  # the current general ledger's version, None when none is loaded
    run_id: uuid.UUID | None  # the newest completed run on that version
    flagged_journals: int = 0
    unresolved_journals: int = 0  # flagged journals still open or investigating (no disposition: open)
    unresolved_examples: tuple[str, ...] = ()  # the first of them by risk rank
    other_runs_pending: int = 0  # runs on the current version queued or running


@dataclass(frozen=True)
class OpenNote:
    """A review note that is not cleared, on the workpaper it was written on."""

    path: str
    status: str  # open | addressed
    blocking: bool


@dataclass(frozen=True)
class Misstatement:
    """An account's net (debit positive) of the proposed and passed adjustments: not booked."""

    number: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class EventsRegister:
    """The subsequent events register in counts: through which date it was reviewed, and its events."""

    reviewed_through: date | None = None
    events: int = 0
    open_events: tuple[str, ...] = ()  # each unresolved event by its date and type


@dataclass(frozen=True)
class EngagementState:
    engagement_id: uuid.UUID
    documentation: tuple[Documented, ...] = ()
    workpapers: tuple[Workpaper, ...] = ()
    evidenced_folders: tuple[EvidencedFolder, ...] = ()
    accounts: tuple[Account, ...] | None = None  # None: no trial balance of the year is loaded
    materiality: Materiality | None = None
    risks: tuple[RiskItem, ...] = ()
    je: JeTesting = field(default_factory=lambda: JeTesting(ledger_version=None, run_id=None))
    open_notes: tuple[OpenNote, ...] = ()
    unadjusted: tuple[Misstatement, ...] = ()
    partners: frozenset[uuid.UUID] = frozenset()  # the partners on the engagement's team
    subsequent_events: EventsRegister = field(default_factory=EventsRegister)
