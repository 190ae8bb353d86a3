"""The disclosure checklist and drafted notes (functions/disclosures).

Which checklist items apply is computed on every read from the mapped trial balance and the registers,
so it follows the data; only what people decide is stored: the answer to an item (with its reason and
evidence links), the engagement's checklist settings, and each topic's note. A note's body keeps its
numbers as references (`{{tb:21700}}`) and its citations as ids (`[[chunk:<uuid>]]`); `rendered` is
the text as it read when it was approved, which the report prints. All of it is the firm's working
papers: client users never see it, and it is locked with the engagement.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

CHECKLIST_FRAMEWORKS = ("us_gaap_private", "sec_issuer")
ANSWERS = ("yes", "no", "not_applicable")
NOTE_STATUSES = ("draft", "approved")
# The topics of the notes, in the order the checklist and the report's notes follow.
NOTE_TOPICS = (
    "accounting_policies",
    "revenue",
    "leases",
    "debt",
    "income_taxes",
    "related_parties",
    "subsequent_events",
    "going_concern",
    "concentrations",
    "fair_value",
)


class DisclosureSettings(Base):
    """The engagement's checklist framework when chosen by hand, and whether the report prints the notes."""

    __tablename__ = "disclosure_settings"
    __table_args__ = (
        PrimaryKeyConstraint("engagement_id"),
        CheckConstraint(f"framework IS NULL OR {_in('framework', CHECKLIST_FRAMEWORKS)}", name="framework"),
    )

    engagement_id: Mapped[uuid.UUID] = _engagement()
    firm_id: Mapped[uuid.UUID] = _firm()
    framework: Mapped[str | None] = mapped_column(String(20))
    notes_in_report: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()


class DisclosureAnswer(Base):
    """The answer to one checklist item: yes, no, or not applicable with a reason, and its evidence."""

    __tablename__ = "disclosure_answers"
    __table_args__ = (
        UniqueConstraint("engagement_id", "item_code", name="uq_disclosure_answers_engagement_id_item_code"),
        CheckConstraint(_in("answer", ANSWERS), name="answer"),
        CheckConstraint("answer <> 'not_applicable' OR char_length(btrim(reason)) > 0", name="reason"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    item_code: Mapped[str] = mapped_column(String(64), nullable=False)
    answer: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    # [{"kind": "node" | "evidence", "id": "<uuid>"}], each checked to be under the engagement when saved.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, server_default="[]")
    answered_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    answered_at: Mapped[datetime] = _updated()


class DisclosureNote(Base):
    """One topic's note: the body with its references, drafted, edited and approved."""

    __tablename__ = "disclosure_notes"
    __table_args__ = (
        UniqueConstraint("engagement_id", "topic", name="uq_disclosure_notes_engagement_id_topic"),
        CheckConstraint(_in("status", NOTE_STATUSES), name="status"),
        CheckConstraint(_in("topic", NOTE_TOPICS), name="topic"),
        CheckConstraint("status <> 'approved' OR (rendered IS NOT NULL AND approved_by IS NOT NULL)", name="approval"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    topic: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="draft")
    drafted_with: Mapped[str] = mapped_column(String(120), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()
    approved_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rendered: Mapped[str | None] = mapped_column(Text)
