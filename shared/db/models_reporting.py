"""Tables of the auditor's report: its versions (draft, approved, signed, superseded) and the write-once
copy made when the engagement is finalized.

A report is a version numbered per engagement. A new draft supersedes the earlier unsigned ones; the
signed one carries the SHA-256 of the exact PDF bytes the partner signed, kept in storage under
`blob_name`. `report_archives` is written once, by the consumer of engagement.finalized, after the
engagement has locked: it is the one table under an engagement without the lock trigger (insert-only
for aura_app instead; migration 0018).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

REPORT_STATUSES = ("draft", "approved", "signed", "superseded")
OPINIONS = ("unmodified", "qualified", "adverse", "disclaimer")
STANDARDS = ("aicpa", "pcaob")


class Report(Base):
    """One version of an engagement's auditor's report."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("engagement_id", "version", name="uq_reports_engagement_id_version"),
        CheckConstraint(_in("status", REPORT_STATUSES), name="status"),
        CheckConstraint(_in("opinion", OPINIONS), name="opinion"),
        CheckConstraint(_in("standards", STANDARDS), name="standards"),
        CheckConstraint("version > 0", name="version"),
        CheckConstraint("status <> 'signed' OR (sha256 IS NOT NULL AND blob_name IS NOT NULL)", name="signed_copy"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="draft")
    opinion: Mapped[str] = mapped_column(String(12), nullable=False)
    standards: Mapped[str] = mapped_column(String(8), nullable=False)
    basis_for_modification: Mapped[str | None] = mapped_column(Text)
    emphasis_of_matter: Mapped[str | None] = mapped_column(Text)
    report_date: Mapped[date] = mapped_column(Date, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    approved_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signature_method: Mapped[str | None] = mapped_column(String(40))
    signature_reference: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    blob_name: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = _updated()


class ReportArchive(Base):
    """The signed report written once to write-once storage when its engagement was finalized."""

    __tablename__ = "report_archives"
    __table_args__ = (UniqueConstraint("report_id", name="uq_report_archives_report_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id"), nullable=False)
    container: Mapped[str] = mapped_column(String(63), nullable=False)
    blob_name: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    audit_anchors: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    stored_at: Mapped[datetime] = _created()
