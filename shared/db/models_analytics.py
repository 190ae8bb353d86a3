"""Tables of journal-entry testing: runs, the lines each test flagged, journal risk scores, triage.

A run tests one general-ledger dataset version with fixed parameters; once it has completed or failed
it never changes (a trigger refuses it), and neither do its flags and scores, which are written once:
the rule-based tests' in the transaction that makes the run `scoring`, the forest's and the journal
risk scores in the one that completes it. Like journal lines, flags and scores carry no foreign key:
only the run's job writes them, and 60,000 referential checks took a quarter of the write. Dispositions
belong to a journal of a dataset version, not a run, so a re-run of the same version finds the
auditor's triage where it was left.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

# `scoring`: the rule-based tests' results are committed and readable; the forest and the scores follow.
RUN_STATUSES = ("queued", "running", "scoring", "completed", "failed")
RUN_TRIGGERS = ("automatic", "manual")
DISPOSITIONS = ("open", "investigating", "explained", "exception", "false_positive")


class JeRun(Base):
    __tablename__ = "je_runs"
    __table_args__ = (
        Index("ix_je_runs_engagement", "engagement_id", "created_at"),
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        CheckConstraint(_in("trigger", RUN_TRIGGERS), name="trigger"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id"), nullable=False)
    dataset_version: Mapped[int] = mapped_column(Integer, nullable=False)
    trigger: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    tests: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    fiscal_start: Mapped[date] = mapped_column(Date, nullable=False)
    fiscal_end: Mapped[date] = mapped_column(Date, nullable=False)
    performance_materiality: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    population: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JeFlagBlock(Base):
    """One test's flags over a block of consecutive lines (migration 0029): line `block * BLOCK_LINES + k` is
    flagged by the run's `bit`-th test (`JeRun.tests`) when bit k of `bits` is set, LSB-first within each
    byte (functions/analytics/flag_blocks.py); `lines` counts them. A block the test flags no line of has
    no row."""

    __tablename__ = "je_flag_blocks"
    __table_args__ = (PrimaryKeyConstraint("run_id", "bit", "block", name="pk_je_flag_blocks"),)

    run_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    firm_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    engagement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    bit: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    block: Mapped[int] = mapped_column(Integer, nullable=False)
    lines: Mapped[int] = mapped_column(Integer, nullable=False)
    bits: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class JeFlagScore(Base):
    """A flagged line's measure in a test that has one (the amount outlier's z, the forest's anomaly score)."""

    __tablename__ = "je_flag_scores"
    __table_args__ = (PrimaryKeyConstraint("run_id", "test", "row_number", name="pk_je_flag_scores"),)

    run_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    firm_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    engagement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    test: Mapped[str] = mapped_column(Text, nullable=False)
    row_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    score: Mapped[float] = mapped_column(Double, nullable=False)


class JeJournalRisk(Base):
    """A flagged journal's risk score in a run (docs/audit-rules.md section 4) and its rank."""

    __tablename__ = "je_journal_risks"
    __table_args__ = (
        PrimaryKeyConstraint("run_id", "journal_id", name="pk_je_journal_risks"),
        UniqueConstraint("run_id", "rank", name="uq_je_journal_risks_run_id_rank"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    firm_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    engagement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    journal_id: Mapped[str] = mapped_column(Text, nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    tests: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    flagged_lines: Mapped[int] = mapped_column(Integer, nullable=False)
    debit_total: Mapped[Decimal] = mapped_column(Numeric(20, 2), nullable=False)


class JeDisposition(Base):
    """The auditor's triage of a flagged journal of a dataset version."""

    __tablename__ = "je_dispositions"
    __table_args__ = (
        UniqueConstraint("dataset_id", "journal_id", name="uq_je_dispositions_dataset_id_journal_id"),
        Index("ix_je_dispositions_engagement", "engagement_id", "status"),
        CheckConstraint(_in("status", DISPOSITIONS), name="status"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id"), nullable=False)
    journal_id: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), nullable=False)
    updated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
