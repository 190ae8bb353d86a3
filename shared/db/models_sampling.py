"""Tables of audit sampling: samples drawn on an engagement and the items they selected.

A sample keeps what it needs to be recomputed and defended: the population's snapshot reference
(dataset id and version, or a digest of an uploaded list, with count and total), the parameters as
given, the design computed from them (size, interval, factors, strata), the seed and the name of the
selection recipe. Items carry their book value as selected and the audited value or deviation entered
later; the evaluation is stored with the figures it came from. The firm's working papers: client users
never see them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

SAMPLE_METHODS = ("mus", "random", "stratified", "attribute")
AMOUNT = Numeric(20, 2)


class Sample(Base):
    """One sample: population reference, parameters, design, seed, and its evaluation once made."""

    __tablename__ = "samples"
    __table_args__ = (
        Index("ix_samples_engagement_id_created_at", "engagement_id", "created_at"),
        CheckConstraint(_in("method", SAMPLE_METHODS), name="method"),
        CheckConstraint("seed >= 0", name="seed"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    method: Mapped[str] = mapped_column(String(12), nullable=False)
    population: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    design: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    algorithm: Mapped[str] = mapped_column(String(40), nullable=False)
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    evaluated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()


class SampleItem(Base):
    """An item a sample selected, in selection order (line 1..n), with what the auditor found."""

    __tablename__ = "sample_items"
    __table_args__ = (
        UniqueConstraint("sample_id", "line", name="uq_sample_items_sample_id_line"),
        CheckConstraint("line > 0 AND hits > 0", name="positive"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    sample_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), nullable=False)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    population_position: Mapped[int] = mapped_column(Integer, nullable=False)  # 0-based, in snapshot order
    item_key: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    book_value: Mapped[Decimal] = mapped_column(AMOUNT, nullable=False)
    high_value: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    hits: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    stratum: Mapped[int | None] = mapped_column(SmallInteger)
    audited_value: Mapped[Decimal | None] = mapped_column(AMOUNT)
    deviation: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    audited_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    audited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
