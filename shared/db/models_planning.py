"""Tables of audit planning: materiality versions and the assessed risks of material misstatement.

Materiality is kept as immutable versions numbered per engagement; the newest is current, and other
capabilities (journal-entry testing's high_amount) read its performance materiality from here. A
risk stores its assessment and the response derived from it when it was written, so a later change
of method never rewrites a documented assessment. Both are the firm's working papers: client users
never see them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

BENCHMARKS = ("profit_before_tax", "revenue", "total_assets", "equity")
RISK_LEVELS = ("low", "moderate", "high")
ASSERTIONS = ("existence", "completeness", "accuracy", "valuation", "cut_off", "presentation")
AMOUNT = Numeric(20, 2)


class Materiality(Base):
    """One version of an engagement's materiality; the highest version is current."""

    __tablename__ = "materiality_versions"
    __table_args__ = (
        UniqueConstraint("engagement_id", "version", name="uq_materiality_versions_engagement_id_version"),
        CheckConstraint(_in("benchmark", BENCHMARKS), name="benchmark"),
        CheckConstraint(_in("risk_level", RISK_LEVELS), name="risk_level"),
        CheckConstraint("version > 0", name="version"),
        CheckConstraint("benchmark_amount > 0 AND percentage > 0", name="positive"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    benchmark: Mapped[str] = mapped_column(String(20), nullable=False)
    benchmark_amount: Mapped[Decimal] = mapped_column(AMOUNT, nullable=False)
    percentage: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False)
    risk_level: Mapped[str] = mapped_column(String(10), nullable=False)
    overall_materiality: Mapped[Decimal] = mapped_column(AMOUNT, nullable=False)
    performance_materiality: Mapped[Decimal] = mapped_column(AMOUNT, nullable=False)
    clearly_trivial: Mapped[Decimal] = mapped_column(AMOUNT, nullable=False)
    rationale: Mapped[str] = mapped_column(Text, nullable=False)
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()


class Risk(Base):
    """A risk of material misstatement at one account or area and assertion, and the planned response."""

    __tablename__ = "risks"
    __table_args__ = (
        Index("ix_risks_engagement_id_area", "engagement_id", "area"),
        CheckConstraint(_in("assertion", ASSERTIONS), name="assertion"),
        CheckConstraint(_in("inherent_risk", RISK_LEVELS), name="inherent_risk"),
        CheckConstraint(_in("control_risk", RISK_LEVELS), name="control_risk"),
        CheckConstraint(_in("rmm", RISK_LEVELS), name="rmm"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    area: Mapped[str] = mapped_column(String(200), nullable=False)
    assertion: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    inherent_risk: Mapped[str] = mapped_column(String(10), nullable=False)
    control_risk: Mapped[str] = mapped_column(String(10), nullable=False)
    fraud_risk: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    significant_risk: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    rmm: Mapped[str] = mapped_column(String(10), nullable=False)
    response: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    procedure_node_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'::uuid[]")
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()
