"""Tables of client data: datasets (one version per upload) and their lines.

A dataset is one upload of a general ledger, trial balance or chart of accounts into an engagement;
versions count up per engagement and kind, and the newest one that loaded is current. Lines are
stored set-wise, one typed row per journal line, trial-balance account or chart account, keyed by
dataset so one version's lines are one index range. Lines are written once, by COPY, in the
transaction that marks their dataset loaded; they are never updated or deleted (aura_app holds no
such grant), and they carry no foreign keys: a million referential checks would double the load,
and nothing but the loader writes them.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base, _created, _uuid_pk
from shared.db.models_engagement import _engagement, _firm, _in

DATASET_KINDS = ("general_ledger", "trial_balance", "chart_of_accounts")
# submitted: a client user's file that loaded and waits for the audit team to accept (or reject) it.
DATASET_STATUSES = ("queued", "submitted", "succeeded", "rejected", "failed")
UPLOAD_STATUSES = ("pending", "ingested", "expired")
MONEY = Numeric(18, 2)


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (
        UniqueConstraint("engagement_id", "kind", "version", name="uq_datasets_engagement_id_kind_version"),
        Index("ix_datasets_current", "engagement_id", "kind", "status", "version"),
        CheckConstraint(_in("kind", DATASET_KINDS), name="kind"),
        CheckConstraint(_in("status", DATASET_STATUSES), name="status"),
        CheckConstraint("version > 0", name="version"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="queued")
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    container: Mapped[str] = mapped_column(String(63), nullable=False)
    blob_key: Mapped[str] = mapped_column(Text, nullable=False)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    unbalanced: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Sent by a client user: once loaded it is submitted, and current only when the team accepts it.
    needs_acceptance: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    reason: Mapped[str | None] = mapped_column(Text)  # why it replaces current data (after fieldwork starts)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class IngestionUpload(Base):
    """A large file on its way straight to storage; ingesting it makes a dataset."""

    __tablename__ = "ingestion_uploads"
    __table_args__ = (
        Index("ix_ingestion_uploads_engagement_id", "engagement_id"),
        CheckConstraint(_in("status", UPLOAD_STATUSES), name="status"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    expected_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    blob_key: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="pending")
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("datasets.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class JournalLine(Base):
    """The canonical journal-entry line of docs/audit-rules.md section 3; amount is signed, debit positive."""

    __tablename__ = "journal_lines"
    __table_args__ = (
        PrimaryKeyConstraint("dataset_id", "row_number", name="pk_journal_lines"),
        Index("ix_journal_lines_journal", "dataset_id", "journal_id", "line_number"),
        Index("ix_journal_lines_account", "dataset_id", "account_number", "effective_date"),
        Index("ix_journal_lines_effective_date", "dataset_id", "effective_date"),
        Index("ix_journal_lines_entered_by", "dataset_id", "entered_by"),
        Index("ix_journal_lines_amount", "dataset_id", "amount"),
        {"postgresql_partition_by": "LIST (dataset_id)"},
    )

    dataset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    firm_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    engagement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    row_number: Mapped[int] = mapped_column(BigInteger, nullable=False)  # the file's row: the header is row 1
    journal_id: Mapped[str] = mapped_column(Text, nullable=False)
    line_number: Mapped[int] = mapped_column(Integer, nullable=False)
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    entered_date: Mapped[date | None] = mapped_column(Date)
    entered_time: Mapped[time | None] = mapped_column(Time)
    entered_by: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    header_description: Mapped[str | None] = mapped_column(Text)
    document_date: Mapped[date | None] = mapped_column(Date)
    fiscal_year: Mapped[int | None] = mapped_column(SmallInteger)
    period: Mapped[str | None] = mapped_column(Text)
    business_unit: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str | None] = mapped_column(Text)
    reversal_journal_id: Mapped[str | None] = mapped_column(Text)


class PopulationPart(Base):
    """A part of a general ledger's population as Parquet (shared/populations.py), written by the loader in
    the transaction that loads the lines; the journal-entry run reads these instead of the lines
    (migration 0028). `format` is the version of the column set the part holds."""

    __tablename__ = "population_parts"
    __table_args__ = (CheckConstraint("part >= 0 AND lines > 0", name="counts"),)

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    firm_id: Mapped[uuid.UUID] = _firm()
    engagement_id: Mapped[uuid.UUID] = _engagement()
    lines: Mapped[int] = mapped_column(Integer, nullable=False)
    format: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    parquet: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class TrialBalanceLine(Base):
    __tablename__ = "trial_balance_lines"
    __table_args__ = (
        PrimaryKeyConstraint("dataset_id", "row_number", name="pk_trial_balance_lines"),
        Index("ix_trial_balance_lines_account", "dataset_id", "account_number"),
    )

    dataset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    firm_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    engagement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    row_number: Mapped[int] = mapped_column(BigInteger, nullable=False)  # the file's row: the header is row 1
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    account_name: Mapped[str | None] = mapped_column(Text)
    account_type: Mapped[str | None] = mapped_column(Text)
    business_unit: Mapped[str | None] = mapped_column(Text)
    fiscal_year: Mapped[int | None] = mapped_column(SmallInteger)
    period: Mapped[str | None] = mapped_column(Text)
    opening_balance: Mapped[Decimal | None] = mapped_column(MONEY)
    period_debit: Mapped[Decimal | None] = mapped_column(MONEY)
    period_credit: Mapped[Decimal | None] = mapped_column(MONEY)
    closing_balance: Mapped[Decimal] = mapped_column(MONEY, nullable=False)


class ChartAccount(Base):
    __tablename__ = "chart_accounts"
    __table_args__ = (
        PrimaryKeyConstraint("dataset_id", "row_number", name="pk_chart_accounts"),
        Index("ix_chart_accounts_account", "dataset_id", "account_number"),
    )

    dataset_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    firm_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    engagement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    row_number: Mapped[int] = mapped_column(BigInteger, nullable=False)  # the file's row: the header is row 1
    account_number: Mapped[str] = mapped_column(Text, nullable=False)
    account_name: Mapped[str] = mapped_column(Text, nullable=False)
    account_type: Mapped[str | None] = mapped_column(Text)
    account_subtype: Mapped[str | None] = mapped_column(Text)
    fs_caption: Mapped[str | None] = mapped_column(Text)
    parent_account: Mapped[str | None] = mapped_column(Text)
    normal_balance: Mapped[str | None] = mapped_column(String(6))
    standard_account: Mapped[str | None] = mapped_column(Text)


# One partition of journal_lines per loaded dataset (migration 0006): not part of the declared schema.
JOURNAL_PARTITION = re.compile(r"^journal_lines_[0-9a-f]{32}$")


def is_declared(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's include_object: leave the per-dataset partitions out of schema comparisons."""
    return not (type_ == "table" and reflected and name is not None and JOURNAL_PARTITION.match(name))


LINE_TABLES = {
    "general_ledger": JournalLine,
    "trial_balance": TrialBalanceLine,
    "chart_of_accounts": ChartAccount,
}
