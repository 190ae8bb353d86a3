"""Tables of quality control: each QC run with the verdict of every policy, and the waivers of policies.

A run is kept as it was answered (immutable: aura_app may only insert and read runs), so what the
gate was recorded on can be shown later. A waiver is the partner's or QC reviewer's decision, with its
reason, that a failed policy does not block finalizing; it stays until it is withdrawn or the
engagement steps back (docs/audit-rules.md section 11). `audit_seq` is the position of the waiver's
grant in the firm's audit chain, which also records every status change of the engagement: a back
step recorded after it means the waiver has lapsed. Both are the firm's working papers, locked with
the engagement.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in

# The codes of the QC policies (functions/qc/policies.py); a waiver names one of them.
POLICY_CODES = (
    "documentation",
    "evidence_above_performance_materiality",
    "risk_assessment",
    "je_testing",
    "review_notes",
    "materiality",
    "mapping_confirmed",
    "unadjusted_differences",
    "partner_signoff",
    "subsequent_events",
)
MIN_WAIVER_REASON = 20


class QcRun(Base):
    """One run of every QC policy over the engagement as it stood, and whether the gate passed."""

    __tablename__ = "qc_runs"
    __table_args__ = (Index("ix_qc_runs_engagement_id_run_at", "engagement_id", "run_at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    policies: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    run_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    run_at: Mapped[datetime] = _created()


class QcWaiver(Base):
    """A failed policy waived with a reason; open (not withdrawn) waivers are one per policy."""

    __tablename__ = "qc_waivers"
    __table_args__ = (
        Index(
            "uq_qc_waivers_engagement_id_policy_open",
            "engagement_id",
            "policy",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
        CheckConstraint(_in("policy", POLICY_CODES), name="policy"),
        CheckConstraint(f"char_length(btrim(reason)) >= {MIN_WAIVER_REASON}", name="reason"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    policy: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    waived_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    waived_at: Mapped[datetime] = _created()
    audit_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
