"""Tables of financial analysis: the auditor's explanations of flux lines.

The ratios, flux and trends are computed on every read from the mapped trial balance and the general
ledger; only what the auditor writes is stored. An explanation is the firm's working paper: client
users never see it, and it is locked with the engagement.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _updated


class FluxExplanation(Base):
    """The auditor's explanation of one flux line (`account:<number>` or `caption:<slug>`)."""

    __tablename__ = "flux_explanations"
    __table_args__ = (UniqueConstraint("engagement_id", "key", name="uq_flux_explanations_engagement_id_key"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    key: Mapped[str] = mapped_column(String(300), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()
