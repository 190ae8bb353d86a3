"""Request and response models of confirmations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.http.fields import IsoDate, reject_null

Kind = Literal["bank", "receivable", "payable", "legal", "debt"]
Form = Literal["positive", "negative"]
Status = Literal[
    "draft", "sent", "second_request_sent", "received", "closed_with_exception", "closed", "no_reply_alternative"
]
Money = Annotated[Decimal, Field(max_digits=20, decimal_places=2, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Short = Annotated[str, Field(max_length=200)]
Reference = Annotated[str, Field(min_length=1, max_length=100)]
Email = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]


class Strict(BaseModel):
    """Request bodies of confirmations: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ConfirmationCreate(Strict):
    kind: Kind
    form: Form = "positive"
    blank: bool = Field(
        False, strict=True, description="a blank positive request (receivables only): the party states the amount"
    )
    party_name: Name
    party_contact: Short | None = None
    party_address: Annotated[str, Field(max_length=1000)] | None = None
    party_email: Email | None = None
    account_number: Reference | None = Field(
        None, description="the trial balance account this confirms; its mapped final balance is the amount per books"
    )
    client_account_ref: Reference | None = Field(None, description="the client's account number at the party")
    sample_item_id: uuid.UUID | None = Field(None, description="a sample item whose book value is the amount per books")
    amount_per_books: Money | None = Field(None, description="entered; else from the sample item or the account")
    owner_id: uuid.UUID | None = Field(None, description="who is reminded; the creator when left out")


class ConfirmationUpdate(Strict):
    form: Form | None = None
    blank: bool | None = Field(None, strict=True)
    party_name: Name | None = None
    party_contact: Short | None = None
    party_address: Annotated[str, Field(max_length=1000)] | None = None
    party_email: Email | None = None
    account_number: Reference | None = None
    client_account_ref: Reference | None = None
    amount_per_books: Money | None = None
    owner_id: uuid.UUID | None = None

    _not_null = field_validator("form", "blank", "party_name", "owner_id", mode="before")(reject_null)


class ConfirmationSend(Strict):
    sent_date: IsoDate | None = Field(None, description="today when left out")


class ConfirmationReply(Strict):
    received_date: IsoDate
    response_amount: Money | None = Field(None, description="the amount the party states (none for a legal letter)")
    exception: bool | None = Field(
        None, strict=True, description="left out: an exception when the reply differs from the books"
    )


class ConfirmationClose(Strict):
    resolution: Text | None = Field(None, description="how an exception was resolved (required to close one)")
    alternative_procedures: Text | None = Field(
        None, description="what was done instead of a reply (required to close a positive request without one)"
    )


class ConfirmationListQuery(BaseModel):
    kind: Kind | None = None
    status: Status | None = None


class ConfirmationExportQuery(BaseModel):
    format: Literal["csv", "xlsx"] = "csv"


class ConfirmationRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    kind: Kind
    form: Form
    blank: bool
    party_name: str
    party_contact: str | None
    party_address: str | None
    party_email: str | None
    account_number: str | None
    client_account_ref: str | None
    sample_item_id: uuid.UUID | None
    amount_per_books: Decimal | None
    amount_source: Literal["entered", "trial_balance", "sample_item"]
    status: Status
    sent_date: date | None
    received_date: date | None
    response_amount: Decimal | None
    difference: Decimal | None = Field(description="response less books; null until both are known")
    exception: bool
    resolution: str | None
    resolved_by: uuid.UUID | None
    resolved_at: datetime | None
    alternative_procedures: str | None
    second_request_at: datetime | None
    owner_id: uuid.UUID
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ConfirmationList(BaseModel):
    items: list[ConfirmationRead]


class ConfirmationAccountSummary(BaseModel):
    account_number: str | None
    account_name: str | None
    balance_per_books: Decimal | None = Field(description="the account's mapped final balance, as the letters state it")
    requests: int
    amount_requested: Decimal
    amount_confirmed: Decimal = Field(description="replies without an exception, at the amount the party stated")
    coverage_percent: Decimal | None = Field(description="amount confirmed over the balance per books, in percent")
    exceptions: int
    exceptions_total: Decimal = Field(description="the exceptions' differences (reply less books), summed")
    open: int = Field(description="drafts and requests awaiting a reply")
    no_reply: int = Field(description="positive requests closed without a reply, on alternative procedures")


class ConfirmationSummary(BaseModel):
    accounts: list[ConfirmationAccountSummary]
