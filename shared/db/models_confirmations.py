"""Confirmation requests and their replies (functions/fieldwork).

A confirmation is a letter the auditor sends to a third party (a bank, a customer, a supplier, the
client's attorney, a lender) asking it to reply directly to the auditor about an amount or a matter.
The row keeps who was asked, about which account and amount per books, in which form, when it went
and came back, what the reply said, and how an exception or a missing reply was dealt with. The
difference is computed on reading (reply less books), never stored, so it cannot disagree with the
amounts. The firm's working papers: client users never see them (a client must not learn who is
confirmed, nor for how much, before the letters arrive).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

CONFIRMATION_KINDS = ("bank", "receivable", "payable", "legal", "debt")
CONFIRMATION_FORMS = ("positive", "negative")
CONFIRMATION_STATUSES = (
    "draft",
    "sent",
    "second_request_sent",
    "received",
    "closed_with_exception",
    "closed",
    "no_reply_alternative",
)
AMOUNT_SOURCES = ("entered", "trial_balance", "sample_item")
AMOUNT = Numeric(20, 2)


class Confirmation(Base):
    """One confirmation request, from draft to closed."""

    __tablename__ = "confirmations"
    __table_args__ = (
        Index("ix_confirmations_engagement_id_kind", "engagement_id", "kind"),
        CheckConstraint(_in("kind", CONFIRMATION_KINDS), name="kind"),
        CheckConstraint(_in("form", CONFIRMATION_FORMS), name="form"),
        CheckConstraint(_in("status", CONFIRMATION_STATUSES), name="status"),
        CheckConstraint(_in("amount_source", AMOUNT_SOURCES), name="amount_source"),
        CheckConstraint("NOT blank OR (kind = 'receivable' AND form = 'positive')", name="blank_receivable"),
        CheckConstraint(
            "status <> 'closed_with_exception' OR resolution IS NOT NULL", name="closed_with_exception_resolved"
        ),
        CheckConstraint(
            "status <> 'no_reply_alternative' OR alternative_procedures IS NOT NULL", name="no_reply_alternative"
        ),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    form: Mapped[str] = mapped_column(String(10), nullable=False)
    blank: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    party_name: Mapped[str] = mapped_column(String(200), nullable=False)
    party_contact: Mapped[str | None] = mapped_column(String(200))
    party_address: Mapped[str | None] = mapped_column(Text)
    party_email: Mapped[str | None] = mapped_column(String(320))
    account_number: Mapped[str | None] = mapped_column(String(100))
    client_account_ref: Mapped[str | None] = mapped_column(String(100))
    sample_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sample_items.id"))
    amount_per_books: Mapped[Decimal | None] = mapped_column(AMOUNT)
    amount_source: Mapped[str] = mapped_column(String(14), nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False, server_default="draft")
    sent_date: Mapped[date | None] = mapped_column(Date)
    received_date: Mapped[date | None] = mapped_column(Date)
    response_amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    exception: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    alternative_procedures: Mapped[str | None] = mapped_column(Text)
    second_request_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _updated()
