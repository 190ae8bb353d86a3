"""Tables of account mapping: each engagement's accounts mapped to the standard chart, the firm's own
standard accounts, rules and confirmed examples, and the engagement's adjusting entries.

Firm-level tables (`mapping_firm_accounts`, `mapping_rules`, `mapping_examples`) are the firm's
knowledge: row-level security keeps them to the firm, so a second firm never sees the first one's
rules, history or what its classifier learned. Engagement tables (`account_mappings`, `adjustments`,
`adjustment_lines`) are the firm's working papers, locked with the engagement.

An account's mapping carries the section of its standard account, copied when it is set, so the
statements' read models in shared/ (materiality's benchmarks) need not know the chart.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
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

SECTIONS = (
    "current_assets",
    "non_current_assets",
    "current_liabilities",
    "non_current_liabilities",
    "equity",
    "revenue",
    "cost_of_sales",
    "operating_expenses",
    "other_income_expense",
    "income_tax",
)
METHODS = ("prior_year", "rule", "similarity", "numbering", "model", "manual")
MAPPING_STATUSES = ("pending", "suggested", "confirmed", "unmapped")
RULE_KINDS = ("number_range", "name_pattern")
ADJUSTMENT_KINDS = ("proposed", "recorded", "passed")
MONEY = Numeric(18, 2)


class FirmStandardAccount(Base):
    """An account a firm added to the standard chart for its own clients."""

    __tablename__ = "mapping_firm_accounts"
    __table_args__ = (
        UniqueConstraint("firm_id", "code", name="uq_mapping_firm_accounts_firm_id_code"),
        CheckConstraint(_in("section", SECTIONS), name="section"),
        CheckConstraint(_in("normal_balance", ("debit", "credit")), name="normal_balance"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    section: Mapped[str] = mapped_column(String(30), nullable=False)
    normal_balance: Mapped[str] = mapped_column(String(6), nullable=False)
    lead_sheet: Mapped[str] = mapped_column(String(3), nullable=False)
    caption: Mapped[str] = mapped_column(String(200), nullable=False)
    element: Mapped[str | None] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()


class MappingRule(Base):
    """A firm's rule: accounts in a number range, or with names like a pattern, go to one standard account."""

    __tablename__ = "mapping_rules"
    __table_args__ = (
        Index("ix_mapping_rules_firm_id_position", "firm_id", "position"),
        CheckConstraint(_in("kind", RULE_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'number_range' AND range_start IS NOT NULL AND range_end IS NOT NULL)"
            " OR (kind = 'name_pattern' AND pattern IS NOT NULL)",
            name="shape",
        ),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    range_start: Mapped[str | None] = mapped_column(String(40))
    range_end: Mapped[str | None] = mapped_column(String(40))
    pattern: Mapped[str | None] = mapped_column(String(200))
    standard_code: Mapped[str] = mapped_column(String(20), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()


class MappingExample(Base):
    """A mapping a reviewer confirmed: the firm's history (prior year) and its classifier's training data."""

    __tablename__ = "mapping_examples"
    __table_args__ = (
        UniqueConstraint("engagement_id", "account_number", name="uq_mapping_examples_engagement_id_account_number"),
        Index("ix_mapping_examples_firm_id_client_id", "firm_id", "client_id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), nullable=False)
    engagement_id: Mapped[uuid.UUID] = _engagement()
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    account_name: Mapped[str] = mapped_column(Text, nullable=False)
    standard_code: Mapped[str] = mapped_column(String(20), nullable=False)
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    confirmed_at: Mapped[datetime] = _created()


class AccountMapping(Base):
    """One account of the engagement (from its chart of accounts or trial balance) and where it maps."""

    __tablename__ = "account_mappings"
    __table_args__ = (
        UniqueConstraint("engagement_id", "account_number", name="uq_account_mappings_engagement_id_account_number"),
        Index("ix_account_mappings_engagement_id_status", "engagement_id", "status"),
        CheckConstraint(_in("status", MAPPING_STATUSES), name="status"),
        CheckConstraint(f"method IS NULL OR {_in('method', METHODS)}", name="method"),
        CheckConstraint(f"section IS NULL OR {_in('section', SECTIONS)}", name="section"),
        CheckConstraint("confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    account_name: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    standard_code: Mapped[str | None] = mapped_column(String(20))
    section: Mapped[str | None] = mapped_column(String(30))
    confidence: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    method: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = _updated()


class Adjustment(Base):
    """An adjusting entry: proposed to the client, recorded by them, or passed (waived) as immaterial."""

    __tablename__ = "adjustments"
    __table_args__ = (
        UniqueConstraint("engagement_id", "number", name="uq_adjustments_engagement_id_number"),
        CheckConstraint(_in("kind", ADJUSTMENT_KINDS), name="kind"),
        CheckConstraint("number > 0", name="number"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class AdjustmentLine(Base):
    __tablename__ = "adjustment_lines"
    __table_args__ = (
        UniqueConstraint("adjustment_id", "line", name="uq_adjustment_lines_adjustment_id_line"),
        Index("ix_adjustment_lines_engagement_id", "engagement_id"),
        CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0)", name="one_side"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    adjustment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("adjustments.id", ondelete="CASCADE"), nullable=False)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    debit: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default=text("0"))
    credit: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default=text("0"))
