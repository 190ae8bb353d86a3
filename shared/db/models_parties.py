"""Tables of the related parties register and the accounting estimates (functions/fieldwork, issue 23 items 5-6).

A related party (AU-C 550 / AS 2410) is kept with its relationship, ownership, how the auditor came to
know of it and whether the relationship and its transactions are disclosed. The ledger lines found for
it (by its name or an alias in a line's description, or by an account the auditor assigned to it) are
copied into `related_party_transactions` as they were found, with the red flags worked out when they
were found, the auditor's note of the business purpose and the reviewer's confirmation or dismissal: a
later ledger does not rewrite what was decided.

An accounting estimate (AU-C 540 / AS 2501) carries management's point estimate and the auditor's range
or point, and links the proposed adjusting entry its difference became (mapping's `adjustments`). The
retrospective review keeps last year's estimates against what actually happened.
All of it is the firm's working papers: client users never see it, and it locks with the engagement.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in, _updated

RELATIONSHIPS = (
    "parent",
    "subsidiary",
    "affiliate",
    "key_management",
    "board_member",
    "family_of_key_management",
    "owner",
    "other",
)
MATCHED_BY = ("name", "account")
MATCH_STATUSES = ("pending", "confirmed", "dismissed")
ESTIMATE_KINDS = (
    "allowance_doubtful_accounts",
    "inventory_obsolescence",
    "warranty",
    "impairment",
    "useful_lives",
    "fair_value",
    "other",
)
SIDES = ("debit", "credit")
MONEY = Numeric(18, 2)


class RelatedParty(Base):
    """A party related to the entity, how it is related, and whether the financial statements say so."""

    __tablename__ = "related_parties"
    __table_args__ = (
        UniqueConstraint("engagement_id", "name", name="uq_related_parties_engagement_id_name"),
        CheckConstraint(_in("relationship", RELATIONSHIPS), name="relationship"),
        CheckConstraint(
            "ownership_percent IS NULL OR (ownership_percent >= 0 AND ownership_percent <= 100)",
            name="ownership_percent",
        ),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    aliases: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    relationship: Mapped[str] = mapped_column(String(30), nullable=False)
    ownership_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    identified_how: Mapped[str | None] = mapped_column(Text)
    accounts: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    relationship_disclosed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    transactions_disclosed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class RelatedPartyTransaction(Base):
    """A ledger line found for a party, copied as found, with its red flags and the auditor's decision."""

    __tablename__ = "related_party_transactions"
    __table_args__ = (
        UniqueConstraint(
            "party_id", "dataset_id", "row_number", name="uq_related_party_transactions_party_id_dataset_id_row_number"
        ),
        Index("ix_related_party_transactions_engagement_id_party_id", "engagement_id", "party_id"),
        CheckConstraint(_in("matched_by", MATCHED_BY), name="matched_by"),
        CheckConstraint(_in("status", MATCH_STATUSES), name="status"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("related_parties.id", ondelete="CASCADE"), nullable=False)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id"), nullable=False)
    row_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    journal_id: Mapped[str] = mapped_column(Text, nullable=False)
    line_number: Mapped[int] = mapped_column(Integer, nullable=False)
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    matched_by: Mapped[str] = mapped_column(String(10), nullable=False)
    matched_text: Mapped[str | None] = mapped_column(Text)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    round_amount: Mapped[bool] = mapped_column(Boolean, nullable=False)
    near_period_end: Mapped[bool] = mapped_column(Boolean, nullable=False)
    business_purpose: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()


class AccountingEstimate(Base):
    """Management's point estimate against the auditor's range or point, and the entry its difference became."""

    __tablename__ = "accounting_estimates"
    __table_args__ = (
        UniqueConstraint("engagement_id", "name", name="uq_accounting_estimates_engagement_id_name"),
        CheckConstraint(_in("kind", ESTIMATE_KINDS), name="kind"),
        CheckConstraint(_in("increases_with", SIDES), name="increases_with"),
        CheckConstraint("(auditor_low IS NULL) = (auditor_high IS NULL)", name="range_pair"),
        CheckConstraint("auditor_low IS NULL OR auditor_low <= auditor_high", name="range_order"),
        CheckConstraint("auditor_point IS NULL OR auditor_low IS NULL", name="range_or_point"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    counter_account_number: Mapped[str | None] = mapped_column(Text)
    increases_with: Mapped[str] = mapped_column(String(6), nullable=False, server_default="credit")
    management_estimate: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    auditor_low: Mapped[Decimal | None] = mapped_column(MONEY)
    auditor_high: Mapped[Decimal | None] = mapped_column(MONEY)
    auditor_point: Mapped[Decimal | None] = mapped_column(MONEY)
    basis: Mapped[str | None] = mapped_column(Text)
    adjustment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("adjustments.id", ondelete="SET NULL"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class EstimateReview(Base):
    """A prior-year estimate against its actual outcome: the retrospective review that shows management bias."""

    __tablename__ = "estimate_reviews"
    __table_args__ = (
        Index("ix_estimate_reviews_engagement_id", "engagement_id"),
        CheckConstraint(_in("kind", ESTIMATE_KINDS), name="kind"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    prior_estimate: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    actual_outcome: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
