"""Request and response models of clients, engagements, teams, transitions and the activity feed."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from shared.http import PageQuery
from shared.http.fields import IsoDate, reject_null

EntityType = Literal["issuer", "non_issuer"]
EngagementType = Literal["audit", "review", "compilation", "agreed_upon_procedures"]
Framework = Literal["us_gaap", "ifrs", "tax_basis", "cash_basis"]
Status = Literal["draft", "planning", "fieldwork", "review", "finalized"]
EngagementRole = Literal["partner", "manager", "senior", "staff", "qc_reviewer"]

_MONTH_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_NAICS = re.compile(r"^\d{2,6}$")


class Strict(BaseModel):
    """Request bodies of this capability: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Contact(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=40)
    title: str | None = Field(None, max_length=200)


def _check_fiscal_year_end(value: str | None) -> str | None:
    if value is None:
        return value
    match = re.fullmatch(r"(\d{2})-(\d{2})", value)
    if not match or not 1 <= int(match[1]) <= 12 or not 1 <= int(match[2]) <= _MONTH_DAYS[int(match[1])]:
        raise ValueError(f"fiscal_year_end must be a month and day as MM-DD (got {value!r})")
    return value


def _check_naics(value: str | None) -> str | None:
    if value is not None and not _NAICS.fullmatch(value):
        raise ValueError(f"industry must be a NAICS code of 2 to 6 digits (got {value!r})")
    return value


class ClientCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=300)
    industry: str | None = Field(None, description="NAICS code, 2 to 6 digits", examples=["541211"])
    entity_type: EntityType = "non_issuer"
    fiscal_year_end: str = Field("12-31", description="MM-DD", examples=["12-31", "06-30"])
    contacts: list[Contact] = Field(default_factory=list, max_length=50)

    _fye = field_validator("fiscal_year_end")(_check_fiscal_year_end)
    _naics = field_validator("industry")(_check_naics)


class ClientUpdate(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=300)
    industry: str | None = None
    entity_type: EntityType | None = None
    fiscal_year_end: str | None = None
    contacts: list[Contact] | None = Field(None, max_length=50)

    _fye = field_validator("fiscal_year_end")(_check_fiscal_year_end)
    _naics = field_validator("industry")(_check_naics)
    _not_null = field_validator("name", "entity_type", "fiscal_year_end", "contacts")(reject_null)


class ClientRead(BaseModel):
    id: uuid.UUID
    name: str
    legal_name: str | None
    industry: str | None
    entity_type: EntityType
    fiscal_year_end: str
    contacts: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class ClientQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    q: str | None = Field(None, max_length=200, description="part of the name")


class EngagementCreate(Strict):
    client_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    engagement_type: EngagementType
    period_start: IsoDate
    period_end: IsoDate
    framework: Framework
    due_date: IsoDate | None = Field(
        None,
        description="the date the auditor's report is due to the client; not before period_end",
        examples=["2027-03-31"],
    )

    @model_validator(mode="after")
    def _period(self) -> EngagementCreate:
        if self.period_end <= self.period_start:
            raise ValueError(f"period_end ({self.period_end}) must be after period_start ({self.period_start})")
        return self


class EngagementUpdate(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    engagement_type: EngagementType | None = None
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    framework: Framework | None = None
    due_date: IsoDate | None = Field(None, description="the report's due date; null clears it")

    _not_null = field_validator("name", "engagement_type", "period_start", "period_end", "framework")(reject_null)


class EngagementRead(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    name: str
    engagement_type: EngagementType
    framework: Framework
    period_start: date
    period_end: date
    due_date: date | None = Field(None, description="the date the auditor's report is due to the client")
    status: Status
    locked: bool
    finalized_at: datetime | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    my_role: EngagementRole | None = Field(None, description="the caller's role on the team, if any")
    my_permissions: list[str] = Field(
        default_factory=list,
        description=(
            "what the caller may do on this engagement (permission names such as workpaper.review or "
            "binder.structure): their team role's grants, or their firm role's; only reads once it is finalized"
        ),
    )


class EngagementQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    client_id: uuid.UUID | None = None
    period_from: IsoDate | None = Field(None, description="engagements whose period ends on or after this date")
    period_to: IsoDate | None = Field(None, description="engagements whose period starts on or before this date")


class MemberCreate(Strict):
    user_id: uuid.UUID
    role: EngagementRole


class MemberUpdate(Strict):
    role: EngagementRole


class MemberRead(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: EngagementRole
    added_at: datetime


class TeamRead(BaseModel):
    members: list[MemberRead]


class TransitionRequest(Strict):
    to: Status
    reason: str | None = Field(None, max_length=2000)


class TransitionRead(BaseModel):
    engagement: EngagementRead
    from_status: Status
    to_status: Status


class ReadinessRead(BaseModel):
    ready: bool
    reasons: list[str]


class ActivityRead(BaseModel):
    id: int
    occurred_at: datetime
    actor_id: str | None
    actor_name: str | None = Field(
        None, description="who did it, by name (client users included); null for the system itself"
    )
    action: str
    target_type: str | None
    target_id: str | None
    data: dict[str, Any]


class ActivityQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    action: str | None = Field(None, max_length=100, description="only this action, e.g. engagement.status_changed")
