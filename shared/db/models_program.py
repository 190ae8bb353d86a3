"""The audit program: the firm's procedure library and each engagement's program (functions/fieldwork).

The starter procedures ship as data (functions/fieldwork/procedure_library.py), not rows, so every firm
reads the same text and a new release improves them for all; a firm adds its own procedures here and
may hide a starter one. An engagement's program copies what it takes from the library (title,
objective, assertions, nature) into its own rows, so editing or retiring a library procedure never
rewrites a program that was already planned or carried out. Everything here is the firm's own:
client users never see it (row-level security and 404).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

NATURES = ("test_of_controls", "substantive_analytical", "test_of_details")
PROCEDURE_STATUSES = ("not_started", "in_progress", "completed", "not_applicable")
SOURCES = ("starter", "firm", "custom", "generic")


class FirmProcedure(Base):
    """A procedure a firm wrote for its own library; retired ones stay for the programs that used them."""

    __tablename__ = "program_firm_procedures"
    __table_args__ = (
        UniqueConstraint("firm_id", "code", name="uq_program_firm_procedures_firm_id_code"),
        CheckConstraint(_in("nature", NATURES), name="nature"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    objective: Mapped[str] = mapped_column(Text, nullable=False)
    assertions: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    areas: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    risk_responses: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    nature: Mapped[str] = mapped_column(String(24), nullable=False)
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()


class HiddenStarterProcedure(Base):
    """A starter procedure a firm chose not to use: left out of its library and of generated programs."""

    __tablename__ = "program_hidden_procedures"
    __table_args__ = (PrimaryKeyConstraint("firm_id", "code", name="pk_program_hidden_procedures"),)

    firm_id: Mapped[uuid.UUID] = _firm()
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    hidden_at: Mapped[datetime] = _created()


class ProgramProcedure(Base):
    """One procedure of an engagement's program: what is to be done, by whom, on which risks, and what
    documents it (workpapers, samples, evidence) and concludes it."""

    __tablename__ = "program_procedures"
    __table_args__ = (
        Index("ix_program_procedures_engagement_id_position", "engagement_id", "position"),
        CheckConstraint(_in("nature", NATURES), name="nature"),
        CheckConstraint(_in("status", PROCEDURE_STATUSES), name="status"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(
            "status <> 'not_applicable' OR char_length(btrim(coalesce(na_reason, ''))) >= 10", name="na_reason"
        ),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    source: Mapped[str] = mapped_column(String(10), nullable=False)
    library_code: Mapped[str | None] = mapped_column(String(80))
    area: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    objective: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    assertions: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    nature: Mapped[str] = mapped_column(String(24), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="not_started")
    na_reason: Mapped[str | None] = mapped_column(Text)
    conclusion: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    risk_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'::uuid[]")
    )
    workpaper_node_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'::uuid[]")
    )
    sample_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'::uuid[]")
    )
    evidence_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'::uuid[]")
    )
    completed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()
