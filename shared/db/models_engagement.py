"""Tables of the engagement workspace: engagements, their team, binder, workpapers, evidence, review notes.

Every table carries firm_id (tenant) and engagement_id (visibility): row-level security lets a caller
see a row only when they may see its engagement, and a trigger refuses writes under a finalized one.
Finalization gates live here too: the QC and reporting capabilities record their verdicts in
`engagement_gates`, and the engagement capability reads them when someone asks to finalize.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk

ENGAGEMENT_STATUSES = ("draft", "planning", "fieldwork", "review", "finalized")
ENGAGEMENT_ROLES = ("partner", "manager", "senior", "staff", "qc_reviewer")
NODE_KINDS = ("folder", "workpaper", "evidence", "note")
SIGNOFF_STEPS = ("prepare", "review", "approve")
REVIEW_NOTE_STATUSES = ("open", "addressed", "cleared")
GATES = ("qc", "report_approved", "partner_signed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _updated() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now())


def _firm() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("firms.id"), nullable=False)


def _engagement() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("engagements.id"), nullable=False)


class Engagement(Base):
    __tablename__ = "engagements"
    __table_args__ = (
        Index("ix_engagements_firm_id_client_id", "firm_id", "client_id"),
        Index("ix_engagements_firm_id_status", "firm_id", "status"),
        CheckConstraint(_in("status", ENGAGEMENT_STATUSES), name="status"),
        CheckConstraint(
            _in("engagement_type", ("audit", "review", "compilation", "agreed_upon_procedures")),
            name="engagement_type",
        ),
        CheckConstraint(_in("framework", ("us_gaap", "ifrs", "tax_basis", "cash_basis")), name="framework"),
        CheckConstraint("period_end > period_start", name="period"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    engagement_type: Mapped[str] = mapped_column(String(32), nullable=False)
    framework: Mapped[str] = mapped_column(String(16), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    # The date the auditor's report is due to the client (migration 0021); never before period_end.
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="draft")
    finalized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finalized_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class EngagementMember(Base):
    __tablename__ = "engagement_members"
    __table_args__ = (
        PrimaryKeyConstraint("engagement_id", "user_id"),
        Index("ix_engagement_members_user_id", "user_id"),
        CheckConstraint(_in("role", ENGAGEMENT_ROLES), name="role"),
    )

    engagement_id: Mapped[uuid.UUID] = _engagement()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    firm_id: Mapped[uuid.UUID] = _firm()
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    added_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    added_at: Mapped[datetime] = _created()


class EngagementGate(Base):
    """One verdict a finalization depends on, written by the capability that owns the check."""

    __tablename__ = "engagement_gates"
    __table_args__ = (PrimaryKeyConstraint("engagement_id", "gate"), CheckConstraint(_in("gate", GATES), name="gate"))

    engagement_id: Mapped[uuid.UUID] = _engagement()
    gate: Mapped[str] = mapped_column(String(32), nullable=False)
    firm_id: Mapped[uuid.UUID] = _firm()
    satisfied: Mapped[bool] = mapped_column(Boolean, nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    recorded_at: Mapped[datetime] = _updated()


class BinderNode(Base):
    __tablename__ = "binder_nodes"
    __table_args__ = (
        Index("ix_binder_nodes_engagement_id_parent_id", "engagement_id", "parent_id"),
        Index(
            "uq_binder_nodes_engagement_id_index_code",
            "engagement_id",
            "index_code",
            unique=True,
            postgresql_where=text("index_code IS NOT NULL"),
        ),
        CheckConstraint(_in("kind", NODE_KINDS), name="kind"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("binder_nodes.id"))
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    index_code: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    content: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    evidence_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("evidence_files.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()


class WorkpaperVersion(Base):
    """Every saved state of a workpaper or note, so any earlier version can be shown again."""

    __tablename__ = "workpaper_versions"
    __table_args__ = (
        UniqueConstraint("node_id", "version"),
        Index("ix_workpaper_versions_engagement_id", "engagement_id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("binder_nodes.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    change_reason: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    changed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    changed_at: Mapped[datetime] = _created()


class Signoff(Base):
    __tablename__ = "signoffs"
    __table_args__ = (
        Index(
            "uq_signoffs_node_id_step_active",
            "node_id",
            "step",
            unique=True,
            postgresql_where=text("cleared_at IS NULL"),
        ),
        Index("ix_signoffs_engagement_id", "engagement_id"),
        CheckConstraint(_in("step", SIGNOFF_STEPS), name="step"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("binder_nodes.id"), nullable=False)
    step: Mapped[str] = mapped_column(String(10), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    node_version: Mapped[int] = mapped_column(Integer, nullable=False)
    signed_at: Mapped[datetime] = _created()
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    cleared_reason: Mapped[str | None] = mapped_column(Text)


class EvidenceFile(Base):
    __tablename__ = "evidence_files"
    __table_args__ = (Index("ix_evidence_files_engagement_id", "engagement_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    blob_key: Mapped[str] = mapped_column(Text, nullable=False)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    uploaded_at: Mapped[datetime] = _created()


class NodeEvidence(Base):
    __tablename__ = "node_evidence"
    __table_args__ = (
        PrimaryKeyConstraint("node_id", "evidence_id"),
        Index("ix_node_evidence_evidence_id", "evidence_id"),
    )

    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("binder_nodes.id"), nullable=False)
    evidence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence_files.id"), nullable=False)
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    linked_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    linked_at: Mapped[datetime] = _created()


class ReviewNote(Base):
    __tablename__ = "review_notes"
    __table_args__ = (
        Index("ix_review_notes_engagement_id_status", "engagement_id", "status"),
        Index("ix_review_notes_node_id", "node_id"),
        CheckConstraint(_in("status", REVIEW_NOTE_STATUSES), name="status"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("binder_nodes.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="open")
    blocking: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    addressed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    addressed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class ReviewNoteReply(Base):
    __tablename__ = "review_note_replies"
    __table_args__ = (Index("ix_review_note_replies_note_id", "note_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("review_notes.id"), nullable=False)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _created()


EVIDENCE_UPLOAD_STATUSES = ("pending", "completed", "expired")


class EvidenceUpload(Base):
    """A direct-to-storage upload in progress; completing it creates the evidence file with the same id."""

    __tablename__ = "evidence_uploads"
    __table_args__ = (
        Index("ix_evidence_uploads_engagement_id", "engagement_id"),
        CheckConstraint(_in("status", EVIDENCE_UPLOAD_STATUSES), name="status"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    expected_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    expected_sha256: Mapped[str | None] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
