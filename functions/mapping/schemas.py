"""Request and response models of account mapping, adjusting entries, lead sheets and statements.

Amounts are decimal strings in JSON bodies read with exact numbers (never through a float), debit
positive on trial-balance views and as presented (credits positive for liabilities, equity and
revenue) on the statements.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.http import PageQuery

Section = Literal[
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
]
Method = Literal["prior_year", "rule", "similarity", "numbering", "model", "manual"]
Status = Literal["pending", "suggested", "confirmed", "unmapped"]
Kind = Literal["proposed", "recorded", "passed"]
StatementName = Literal["balance_sheet", "income_statement"]
Code = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9._-]+$")]
MAX_LINES = 500
MAX_ACCOUNTS = 5000


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError(f"must be a number, got {value}")
    return value


Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2, ge=0), AfterValidator(_finite)]


class Strict(BaseModel):
    """Request bodies: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- the standard chart ------------------------------------------------------------------------------


class StandardAccountRead(BaseModel):
    code: str
    name: str
    section: Section
    statement: StatementName
    normal_balance: Literal["debit", "credit"]
    lead_sheet: str = Field(description="the lead-sheet letter the account rolls up to")
    caption: str = Field(description="the line of the statement it is presented on")
    element: str | None = Field(description="the US-GAAP taxonomy element (us-gaap namespace)")
    contra: bool = Field(description="reduces its section (accumulated depreciation, allowances, treasury stock)")
    firm_defined: bool


class StandardChartRead(BaseModel):
    accounts: list[StandardAccountRead]


class FirmAccountCreate(Strict):
    code: Code = Field(description="a code not used by the shipped chart or another of the firm's accounts")
    name: str = Field(min_length=1, max_length=200)
    section: Section
    normal_balance: Literal["debit", "credit"]
    lead_sheet: str = Field(min_length=1, max_length=3, pattern=r"^[A-Z]{1,3}$")
    caption: str = Field(min_length=1, max_length=200)
    element: str | None = Field(None, max_length=200, pattern=r"^[A-Za-z0-9]+$")
    aliases: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50, description="other names of the account, for suggestions"
    )


class RuleCreate(Strict):
    kind: Literal["number_range", "name_pattern"]
    standard_code: Code
    range_start: str | None = Field(None, min_length=1, max_length=40, examples=["4000"])
    range_end: str | None = Field(None, min_length=1, max_length=40, examples=["4999"])
    pattern: str | None = Field(
        None, min_length=1, max_length=200, description="case-insensitive shell pattern", examples=["*freight*"]
    )

    @model_validator(mode="after")
    def _shape(self) -> RuleCreate:
        if self.kind == "number_range" and (self.range_start is None or self.range_end is None):
            raise ValueError("a number_range rule needs range_start and range_end")
        if self.kind == "name_pattern" and self.pattern is None:
            raise ValueError("a name_pattern rule needs pattern")
        return self


class RuleRead(BaseModel):
    id: uuid.UUID
    kind: Literal["number_range", "name_pattern"]
    standard_code: str
    range_start: str | None
    range_end: str | None
    pattern: str | None
    position: int
    created_at: datetime


class RulesRead(BaseModel):
    rules: list[RuleRead]


# --- the engagement's mapping --------------------------------------------------------------------------


class JobAccepted(BaseModel):
    job_id: uuid.UUID


class SuggestionAlternativeRead(BaseModel):
    standard_code: str
    name: str
    section: Section
    confidence: float


class MappingRead(BaseModel):
    account_number: str
    account_name: str
    balance: Decimal | None = Field(description="the current trial balance's closing balance, debit positive")
    standard_code: str | None
    standard_name: str | None
    section: Section | None
    confidence: float | None
    method: Method | None
    status: Status
    alternatives: list[SuggestionAlternativeRead]
    confirmed_by: uuid.UUID | None
    confirmed_at: datetime | None


class MappingQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    section: Section | None = None
    q: str | None = Field(None, min_length=1, max_length=100, description="part of the account's number or name")


class MappingProgress(BaseModel):
    """How far the engagement's mapping has come: accounts by status, suggestions by method."""

    total: int
    by_status: dict[Status, int]
    by_method: dict[Method, int]
    by_section: dict[Section, int] = Field(description="accounts with a suggestion or a decision, by section")


class MappingSet(Strict):
    standard_code: Code | None = Field(
        description="the standard account; null marks the account unmapped (left out of the statements)"
    )


class MappingConfirm(Strict):
    """Exactly one of the three ways to choose accounts."""

    all_suggested: bool | None = Field(None, description="every account with a suggestion")
    min_confidence: float | None = Field(None, ge=0, le=1, description="suggestions at least this confident")
    accounts: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, min_length=1, max_length=MAX_ACCOUNTS, description="these account numbers"
    )

    @model_validator(mode="after")
    def _one_way(self) -> MappingConfirm:
        chosen = [
            name
            for name, value in (
                ("all_suggested", self.all_suggested),
                ("min_confidence", self.min_confidence),
                ("accounts", self.accounts),
            )
            if value not in (None, False)
        ]
        if len(chosen) != 1:
            raise ValueError("give exactly one of all_suggested (true), min_confidence or accounts")
        return self


class ConfirmRead(BaseModel):
    confirmed: int = Field(description="accounts confirmed by this request")


# --- adjusting entries ------------------------------------------------------------------------------------


class LineIn(Strict):
    account_number: str = Field(min_length=1, max_length=100)
    debit: Money = Decimal(0)
    credit: Money = Decimal(0)


class AdjustmentCreate(Strict):
    kind: Kind
    description: str = Field(min_length=1, max_length=2000)
    lines: list[LineIn] = Field(min_length=2, max_length=MAX_LINES)


class AdjustmentUpdate(Strict):
    kind: Kind | None = None
    description: str | None = Field(None, min_length=1, max_length=2000)


class AdjustmentLineRead(BaseModel):
    line: int
    account_number: str
    debit: Decimal
    credit: Decimal


class AdjustmentRead(BaseModel):
    id: uuid.UUID
    number: int
    kind: Kind
    description: str
    amount: Decimal = Field(description="the entry's total debits (= its credits)")
    lines: list[AdjustmentLineRead]
    created_by: uuid.UUID | None
    created_at: datetime


class AdjustmentQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    kind: Kind | None = None


class DifferenceRead(BaseModel):
    number: int
    kind: Literal["proposed", "passed"]
    description: str
    amount: Decimal
    profit_effect: Decimal = Field(description="what correcting it would add to profit before tax")
    clearly_trivial: bool | None


class SummaryRead(BaseModel):
    differences: list[DifferenceRead]
    profit_effect: Decimal = Field(description="the uncorrected misstatements' total effect on profit")
    overall_materiality: Decimal | None
    performance_materiality: Decimal | None
    clearly_trivial: Decimal | None
    conclusion: Literal["none", "no_materiality", "clearly_trivial", "below_performance", "below_overall", "material"]
    unmapped_accounts: list[str] = Field(description="accounts of the entries without a mapping: effect unknown")


# --- lead sheets and statements -------------------------------------------------------------------------


class LeadRowRead(BaseModel):
    account_number: str
    account_name: str
    standard_code: str | None
    prior: Decimal | None
    unadjusted: Decimal
    adjustments: Decimal
    final: Decimal


class LeadTotals(BaseModel):
    prior: Decimal | None
    unadjusted: Decimal
    adjustments: Decimal
    final: Decimal


class LeadSheetRead(BaseModel):
    letter: str
    title: str
    accounts: list[LeadRowRead]
    totals: LeadTotals


class LeadSheetsRead(BaseModel):
    comparatives: Literal["prior_year_trial_balance", "opening_balances"] | None
    lead_sheets: list[LeadSheetRead]
    unplaced: list[LeadRowRead] = Field(description="accounts whose mapping is not confirmed")


class AmountsRead(BaseModel):
    current: Decimal
    prior: Decimal | None


class CaptionRead(BaseModel):
    caption: str
    current: Decimal
    prior: Decimal | None
    accounts: int


class SectionRead(BaseModel):
    section: Section
    title: str
    captions: list[CaptionRead]
    total: AmountsRead


class UnmappedRead(BaseModel):
    account_number: str
    account_name: str
    status: Status
    amount: Decimal


class StatementRead(BaseModel):
    statement: StatementName
    comparatives: Literal["prior_year_trial_balance", "opening_balances"] | None
    sections: list[SectionRead]
    subtotals: dict[str, AmountsRead]
    balanced: bool = Field(description="assets = liabilities + equity + the year's result")
    difference: Decimal = Field(description="total assets - (total liabilities + equity), the current year")
    unmapped: list[UnmappedRead]
