"""Request and response models of data ingestion."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.errors import ValidationFailed
from shared.http import PageQuery
from shared.http.fields import IsoDate
from shared.http.json_input import parse_json
from shared.journal_lines import JournalLineRead

Kind = Literal["general_ledger", "trial_balance", "chart_of_accounts"]
DateOrder = Literal["dmy", "mdy"]
# submitted: a client user's file that loaded and waits for the audit team; rejected: turned down, with a reason.
DatasetStatus = Literal["queued", "submitted", "succeeded", "rejected", "failed"]
CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_TYPES = (CSV, "text/plain", XLSX, "application/xml", "text/xml")


class LoadOptions(BaseModel):
    """How to read one file; every part is optional and the file is sniffed for the rest."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind
    column_map: dict[str, str] | None = Field(
        None,
        description='JSON object of canonical field -> the file\'s header, e.g. {"journal_id": "Doc No"}',
    )
    date_order: DateOrder | None = Field(None, description="how to read d/m/Y or m/d/Y dates; without it they fail")
    sheet: str | None = Field(None, max_length=100, description="the workbook sheet to read (default: the first)")
    fiscal_start: IsoDate | None = Field(None, description="default: the engagement's period start")
    fiscal_end: IsoDate | None = Field(None, description="default: the engagement's period end")
    allow_unbalanced: bool = Field(False, description="store a trial balance that does not balance, marked unbalanced")
    comparative: Literal["prior_year"] | None = Field(
        None,
        description="a trial balance of the prior year, kept beside the current one for the statements' comparatives",
    )
    filename: str | None = Field(None, max_length=255, description="the file's name, for the record")
    reason: str | None = Field(
        None,
        max_length=2000,
        description="why this file replaces the current version; required once fieldwork has started",
    )

    @field_validator("column_map", mode="before")
    @classmethod
    def _column_map_from_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = parse_json(value, loc="column_map")  # nesting bounded before parsing
            except ValidationFailed as error:
                raise ValueError(f"column_map must be a JSON object of field -> header ({error.detail})") from error
        if value is not None and not (
            isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        ):
            raise ValueError("column_map must be a JSON object of field -> header (strings)")
        if value is not None and len(value) > 50:
            raise ValueError("column_map may name at most 50 fields")
        return value

    @model_validator(mode="after")
    def _period(self) -> LoadOptions:
        if self.fiscal_start and self.fiscal_end and self.fiscal_end < self.fiscal_start:
            raise ValueError("fiscal_end is before fiscal_start")
        if self.comparative is not None and self.kind != "trial_balance":
            raise ValueError(f"comparative={self.comparative} is for a trial balance, not a {self.kind}")
        return self


class DatasetAccept(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str | None = Field(
        None, max_length=2000, description="why it replaces the current version; required once fieldwork has started"
    )


class DatasetReject(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=2000, description="why, in words the client will read")


class Accepted(BaseModel):
    dataset_id: uuid.UUID
    job_id: uuid.UUID
    version: int


class UploadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=100)
    size_bytes: int | None = Field(None, ge=1, strict=True)


class UploadRead(BaseModel):
    upload_id: uuid.UUID
    upload_url: str
    headers: dict[str, str]
    expires_at: datetime


class JobState(BaseModel):
    id: uuid.UUID
    status: str
    progress: Decimal


class DatasetRead(BaseModel):
    id: uuid.UUID
    kind: Kind
    version: int
    status: DatasetStatus
    current: bool
    filename: str
    content_type: str
    size_bytes: int | None
    sha256: str | None
    unbalanced: bool
    options: dict[str, Any]
    summary: dict[str, Any] | None
    warnings: list[dict[str, Any]]
    error: dict[str, Any] | None
    job: JobState | None
    created_by: uuid.UUID | None
    created_by_name: str | None = Field(None, description="who sent the file, by name")
    created_at: datetime
    finished_at: datetime | None
    needs_acceptance: bool = Field(False, description="sent by a client user: current only once the team accepts it")
    reason: str | None = Field(None, description="why it replaces the current version")
    decided_by: uuid.UUID | None = None
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = Field(None, description="the team's reason for accepting, or for rejecting")


class DatasetQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    kind: Kind | None = None
    status: DatasetStatus | None = None


class VersionQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    version: int | None = Field(
        None, ge=1, le=2_147_483_647, description="an earlier version instead of the current one"
    )


class DatasetRef(BaseModel):
    id: uuid.UUID
    version: int


class TrialBalanceRow(BaseModel):
    row_number: int
    account_number: str
    account_name: str | None
    account_type: str | None
    business_unit: str | None
    fiscal_year: int | None
    period: str | None
    opening_balance: Decimal | None
    period_debit: Decimal | None
    period_credit: Decimal | None
    closing_balance: Decimal


class TrialBalanceTotals(BaseModel):
    accounts: int
    opening_balance: Decimal | None
    closing_debit: Decimal
    closing_credit: Decimal
    difference: Decimal
    unbalanced: bool


class TrialBalancePage(BaseModel):
    dataset: DatasetRef
    totals: TrialBalanceTotals
    items: list[TrialBalanceRow]
    page: int
    page_size: int
    total: int


class ChartAccountRow(BaseModel):
    row_number: int
    account_number: str
    account_name: str
    account_type: str | None
    account_subtype: str | None
    fs_caption: str | None
    parent_account: str | None
    normal_balance: Literal["debit", "credit"] | None
    standard_account: str | None


class ChartPage(BaseModel):
    dataset: DatasetRef
    items: list[ChartAccountRow]
    page: int
    page_size: int
    total: int


class LedgerFilters(BaseModel):
    """The ledger viewer's filters, shared by its page of lines and its export."""

    model_config = ConfigDict(extra="forbid")
    account: str | None = Field(None, max_length=100, description="account number, exactly")
    date_from: IsoDate | None = Field(None, description="effective date on or after")
    date_to: IsoDate | None = Field(None, description="effective date on or before")
    user: str | None = Field(None, max_length=200, description="entered_by, exactly")
    journal_id: str | None = Field(None, max_length=200)
    amount_min: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2, description="absolute amount ≥")
    amount_max: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2, description="absolute amount ≤")
    sign: Literal["positive", "negative"] | None = Field(
        None, description="only debits (positive) or credits (negative)"
    )
    leading_digits: str | None = Field(
        None,
        pattern=r"^[1-9][0-9]?$",
        description="first one or two significant digits of the absolute amount (a Benford bin)",
    )
    text: str | None = Field(None, min_length=1, max_length=200, description="line description contains, any case")

    @model_validator(mode="after")
    def _ranges(self) -> LedgerFilters:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        if self.amount_min is not None and self.amount_max is not None and self.amount_max < self.amount_min:
            raise ValueError("amount_max is below amount_min")
        return self


class JournalEntryQuery(VersionQuery, LedgerFilters):
    """A page of the filtered ledger."""


class LedgerExportQuery(LedgerFilters):
    """The filtered ledger as one file (the lines the viewer shows, every page of them)."""

    version: int | None = Field(
        None, ge=1, le=2_147_483_647, description="an earlier version instead of the current one"
    )
    format: Literal["csv", "xlsx"] = "csv"


class OriginalQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redirect: bool = Field(False, description="answer 307 to a short-lived storage URL instead of the bytes")


class JournalLinePage(BaseModel):
    dataset: DatasetRef
    items: list[JournalLineRead]
    page: int
    page_size: int
    total: int


class JournalEntryRead(BaseModel):
    dataset: DatasetRef
    journal_id: str
    effective_date: date
    lines: list[JournalLineRead]
    debit_total: Decimal
    credit_total: Decimal
    balanced: bool


class RollforwardRow(BaseModel):
    account_number: str
    account_name: str | None
    opening_balance: Decimal
    activity: Decimal
    closing_balance: Decimal
    difference: Decimal
    status: Literal["reconciled", "difference"]
    note: str | None


class RollforwardRead(BaseModel):
    trial_balance: DatasetRef
    general_ledger: DatasetRef
    period_start: date = Field(description="general-ledger activity is summed over this period")
    period_end: date
    status: Literal["reconciled", "differences"]
    accounts: int
    accounts_with_differences: int
    total_difference: Decimal = Field(
        description="the sum of the differences' absolute values: differences of opposite sign do not cancel"
    )
    net_difference: Decimal = Field(description="the signed sum of the differences")
    items: list[RollforwardRow] = Field(description="accounts that differ first, largest difference first")
