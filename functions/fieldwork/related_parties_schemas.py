"""Request and response models of the related parties register."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from functions.fieldwork import related_parties
from shared.http import PageQuery
from shared.http.fields import reject_null

Relationship = Literal[
    "parent",
    "subsidiary",
    "affiliate",
    "key_management",
    "board_member",
    "family_of_key_management",
    "owner",
    "other",
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Account = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)]
MAX_TEXT = 10_000
MAX_ALIASES = 50
MAX_ACCOUNTS = 100


class Strict(BaseModel):
    """Request bodies of the register: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RelatedPartyCreate(Strict):
    name: Name = Field(examples=["Smith Holdings"])
    aliases: list[Name] = Field(
        default_factory=list, max_length=MAX_ALIASES, description="other names it goes by in the ledger"
    )
    relationship: Relationship
    ownership_percent: Percent | None = Field(None, description="the party's ownership of the entity, in percent")
    identified_how: str | None = Field(
        None, max_length=MAX_TEXT, description="inquiry of management, board minutes, shareholder register..."
    )
    accounts: list[Account] = Field(
        default_factory=list,
        max_length=MAX_ACCOUNTS,
        description="ledger accounts the auditor assigns to the party: every line on them is its transaction",
    )
    relationship_disclosed: bool = Field(False, strict=True)
    transactions_disclosed: bool = Field(False, strict=True)


class RelatedPartyUpdate(Strict):
    name: Name | None = None
    aliases: list[Name] | None = Field(None, max_length=MAX_ALIASES)
    relationship: Relationship | None = None
    ownership_percent: Percent | None = None
    identified_how: str | None = Field(None, max_length=MAX_TEXT)
    accounts: list[Account] | None = Field(None, max_length=MAX_ACCOUNTS)
    relationship_disclosed: bool | None = Field(None, strict=True)
    transactions_disclosed: bool | None = Field(None, strict=True)

    _not_null = field_validator(
        "name", "aliases", "relationship", "accounts", "relationship_disclosed", "transactions_disclosed"
    )(reject_null)


class RelatedPartyTotals(BaseModel):
    confirmed: int = Field(description="transactions the reviewer confirmed")
    pending: int
    dismissed: int
    confirmed_amount: Decimal = Field(description="the confirmed transactions' absolute amounts, summed")
    flagged: int = Field(description="confirmed or pending transactions with at least one red flag")


class RelatedPartyRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    name: str
    aliases: list[str]
    relationship: Relationship
    ownership_percent: Decimal | None
    identified_how: str | None
    accounts: list[str]
    relationship_disclosed: bool
    transactions_disclosed: bool
    totals: RelatedPartyTotals
    undisclosed: bool = Field(
        description="confirmed transactions exist but the statements do not disclose them, or the relationship "
        "itself is not disclosed"
    )
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


class RelatedPartiesRead(BaseModel):
    items: list[RelatedPartyRead] = Field(description="every party, by name")


class RelatedPartySearch(Strict):
    threshold: int = Field(
        related_parties.DEFAULT_THRESHOLD,
        ge=50,
        le=100,
        strict=True,
        description="how close (0-100) a description's words must be to a name or alias",
    )
    period_end_days: int = Field(
        related_parties.DEFAULT_PERIOD_END_DAYS,
        ge=0,
        le=90,
        strict=True,
        description="a transaction dated within this many days of the period end, either side, is flagged",
    )
    round_base: Decimal = Field(
        related_parties.DEFAULT_ROUND_BASE,
        gt=0,
        max_digits=18,
        decimal_places=2,
        allow_inf_nan=False,
        description="a non-zero multiple of this amount is flagged as round",
    )


class RelatedPartySearchParty(BaseModel):
    party_id: uuid.UUID
    name: str
    found: int = Field(description="lines the party matches in the current ledger")
    new: int = Field(description="of which found for the first time")


class RelatedPartySearchRead(BaseModel):
    dataset_id: uuid.UUID
    threshold: int
    period_end_days: int
    round_base: Decimal
    parties: list[RelatedPartySearchParty]
    removed: int = Field(description="undecided matches no longer found (a changed name, a newer ledger)")


Flag = Literal["round_amount", "near_period_end", "no_business_purpose"]
Status = Literal["pending", "confirmed", "dismissed"]


class RelatedPartyTransactionRead(BaseModel):
    id: uuid.UUID
    party_id: uuid.UUID
    dataset_id: uuid.UUID
    row_number: int
    journal_id: str
    line_number: int
    account_number: str
    amount: Decimal
    effective_date: date
    description: str | None
    matched_by: Literal["name", "account"]
    matched_text: str | None = Field(description="the name or alias it matched, or the account")
    score: Decimal | None
    flags: list[Flag]
    business_purpose: str | None
    status: Status
    decided_by: uuid.UUID | None
    decided_at: datetime | None


class RelatedPartyTransactionQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    status: Status | None = None


class RelatedPartyTransactionUpdate(Strict):
    business_purpose: str | None = Field(
        max_length=MAX_TEXT, description="the business purpose the auditor found; empty or null clears it"
    )


class RelatedPartyTransactionDecision(Strict):
    decision: Literal["confirmed", "dismissed"]
