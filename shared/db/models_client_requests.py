"""Tables of client requests (the PBC list): what the team asks the client for, and what came back.

A request is one item of the "prepared by client" list: a title, a due date, a client contact it is
assigned to, and a status that moves open -> submitted (the client sent something) -> accepted, or
returned with a reason and submitted again. Its comments and attachments are rows of their own, never
edited: what the client sent and what was said about it stay as they were. Unlike working papers,
client users see these rows (their client's engagements), so the policies follow the *visible* rule.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

REQUEST_KINDS = ("document", "data")
REQUEST_STATUSES = ("open", "submitted", "accepted", "returned")


class ClientRequest(Base):
    """One item of an engagement's PBC list."""

    __tablename__ = "client_requests"
    __table_args__ = (
        Index("ix_client_requests_engagement_id_status", "engagement_id", "status"),
        Index("ix_client_requests_assignee_id", "assignee_id"),
        CheckConstraint(_in("kind", REQUEST_KINDS), name="kind"),
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status"),
        CheckConstraint("status <> 'returned' OR return_reason IS NOT NULL", name="returned_with_reason"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    assignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="open")
    return_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()


class ClientRequestComment(Base):
    """A comment on a request, by the team or the client; never edited."""

    __tablename__ = "client_request_comments"
    __table_args__ = (Index("ix_client_request_comments_request_id", "request_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client_requests.id"), nullable=False)
    author_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _created()


class ClientRequestAttachment(Base):
    """A file sent against a request, with the SHA-256 measured when it arrived; never edited."""

    __tablename__ = "client_request_attachments"
    __table_args__ = (Index("ix_client_request_attachments_request_id", "request_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client_requests.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    blob_key: Mapped[str] = mapped_column(Text, nullable=False)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    uploaded_at: Mapped[datetime] = _created()
