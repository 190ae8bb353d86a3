"""Tables of cut-off tests and the subsequent events register (functions/fieldwork, issue 23 items 3-4).

A cut-off run keeps what it found as it found it: the parameters, the counts by area and a copy of
each ledger line in the window (with its area, side of the period end and whether its document date
falls in the other period), so the selection the auditor makes from it, and the sample it becomes,
can be defended after a later ledger replaces the one it read. Runs and their lines are immutable.

The subsequent events register (AU-C 560 / AS 2801) holds each event after the balance-sheet date:
a recognized one (Type I) links the proposed adjusting entry it led to, a nonrecognized one (Type II)
carries its disclosure. The review of the next period's ledger keeps the auditor's decision on each
line above the threshold ("no event" or the event it led to), with a copy of the line it was made
on; `subsequent_events_reviews` says through which date the review was done (QC reads it).
All of it is the firm's working papers: client users never see it, and it locks with the engagement.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

CUTOFF_AREAS = ("revenue", "receivables", "inventory", "payables")
CUTOFF_SIDES = ("before", "after")
EVENT_TYPES = ("recognized", "nonrecognized")
EVENT_STATUSES = ("open", "resolved")
EVENT_SOURCES = ("inquiry", "minutes", "ledger_review", "legal_letter", "other")
LEDGER_DECISIONS = ("no_event", "event")
MONEY = Numeric(20, 2)


class CutoffRun(Base):
    """One cut-off test: the ledger version and window it read, its counts by area, and the sample made of it."""

    __tablename__ = "cutoff_runs"
    __table_args__ = (
        Index("ix_cutoff_runs_engagement_id_created_at", "engagement_id", "created_at"),
        CheckConstraint("window_days >= 0", name="window_days"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id"), nullable=False)
    dataset_version: Mapped[int] = mapped_column(Integer, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    line_count: Mapped[int] = mapped_column(Integer, nullable=False)
    flagged_count: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()


class CutoffLine(Base):
    """A ledger line in a run's window, in run order (position 0..n-1), as it was when the run read it."""

    __tablename__ = "cutoff_lines"
    __table_args__ = (
        UniqueConstraint("run_id", "position", name="uq_cutoff_lines_run_id_position"),
        CheckConstraint(_in("area", CUTOFF_AREAS), name="area"),
        CheckConstraint(_in("side", CUTOFF_SIDES), name="side"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cutoff_runs.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    row_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    journal_id: Mapped[str] = mapped_column(Text, nullable=False)
    line_number: Mapped[int] = mapped_column(Integer, nullable=False)
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    account_name: Mapped[str | None] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(12), nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    document_date: Mapped[date | None] = mapped_column(Date)
    side: Mapped[str] = mapped_column(String(6), nullable=False)
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class CutoffSelection(Base):
    """The sample a run's selection became (sampling's `samples` row), with how the lines were chosen."""

    __tablename__ = "cutoff_selections"
    __table_args__ = (Index("ix_cutoff_selections_run_id", "run_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cutoff_runs.id", ondelete="CASCADE"), nullable=False)
    sample_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), nullable=False)
    how: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()


class SubsequentEvent(Base):
    """An event after the balance-sheet date, with its type and what it led to (adjusting entry or disclosure)."""

    __tablename__ = "subsequent_events"
    __table_args__ = (
        Index("ix_subsequent_events_engagement_id_event_date", "engagement_id", "event_date"),
        CheckConstraint(_in("event_type", EVENT_TYPES), name="event_type"),
        CheckConstraint(_in("status", EVENT_STATUSES), name="status"),
        CheckConstraint(_in("source", EVENT_SOURCES), name="source"),
        CheckConstraint("event_type = 'recognized' OR adjustment_id IS NULL", name="adjustment_only_recognized"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    event_date: Mapped[date] = mapped_column(Date, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    event_type: Mapped[str] = mapped_column(String(13), nullable=False)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(8), nullable=False, server_default="open")
    source: Mapped[str] = mapped_column(String(13), nullable=False)
    adjustment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("adjustments.id", ondelete="SET NULL"))
    disclosure: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SubsequentLedgerDecision(Base):
    """The auditor's decision on one next-period ledger line above the threshold: no event, or the event."""

    __tablename__ = "subsequent_ledger_decisions"
    __table_args__ = (
        UniqueConstraint("engagement_id", "dataset_id", "row_number", name="uq_subsequent_ledger_decisions_line"),
        CheckConstraint(_in("decision", LEDGER_DECISIONS), name="decision"),
        CheckConstraint("(decision = 'event') = (event_id IS NOT NULL)", name="event_link"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id"), nullable=False)
    row_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    journal_id: Mapped[str] = mapped_column(Text, nullable=False)
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    decision: Mapped[str] = mapped_column(String(8), nullable=False)
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subsequent_events.id", ondelete="CASCADE"))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_at: Mapped[datetime] = _updated()


class SubsequentEventsReview(Base):
    """Through which date the engagement's subsequent events review was done (one row per engagement)."""

    __tablename__ = "subsequent_events_reviews"
    __table_args__ = (UniqueConstraint("engagement_id", name="uq_subsequent_events_reviews_engagement_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    reviewed_through: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()
