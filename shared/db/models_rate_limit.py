"""The progressive-delay state of shared/rate_limit.py (migration 0014)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base


class RateLimitBackoff(Base):
    """Consecutive failures of one key and until when it must wait; keys are hashes, never raw e-mails."""

    __tablename__ = "rate_limit_backoff"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
