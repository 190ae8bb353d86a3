"""Request and response models of the auditor's report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Opinion = Literal["unmodified", "qualified", "adverse", "disclaimer"]
Standards = Literal["aicpa", "pcaob"]
Status = Literal["draft", "approved", "signed", "superseded"]
MAX_TEXT = 10_000


class Strict(BaseModel):
    """Request bodies of this capability: unknown fields refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReportCreate(Strict):
    opinion: Opinion
    basis_for_modification: str | None = Field(
        None,
        max_length=MAX_TEXT,
        description="the matter behind a qualified, adverse or disclaimer opinion; required for those",
    )
    emphasis_of_matter: str | None = Field(None, max_length=MAX_TEXT, description="AU-C 706 / AS 3105 paragraph")
    report_date: date | None = Field(None, description="the report's date; today when left out")
    standards: Standards | None = Field(
        None,
        description="aicpa (AU-C 700, non-issuers) or pcaob (AS 3101, issuers); from the client's entity type "
        "when left out",
    )


class ReportSign(Strict):
    password: str | None = Field(
        None,
        max_length=1024,
        description="the signing partner's password, re-entered; users signed in through Microsoft Entra ID "
        "leave it out and call with a token from a sign-in of the last 5 minutes",
    )


class ReportStaleness(BaseModel):
    """Whether a verdict still describes the engagement (docs/audit-rules.md section 11)."""

    stale: bool = Field(description="something the report shows changed after the verdict read the engagement")
    reason: str | None = Field(
        None,
        description="what changed since, as finalization readiness names it; null while the verdict is fresh",
        examples=["The report was signed before an account's mapping was set; draft, approve and sign it again"],
    )


class ReportRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    version: int
    status: Status
    opinion: Opinion
    standards: Standards
    basis_for_modification: str | None
    emphasis_of_matter: str | None
    report_date: date
    created_by: uuid.UUID | None
    created_at: datetime
    approved_by: uuid.UUID | None
    approved_at: datetime | None
    signed_by: uuid.UUID | None
    signed_at: datetime | None
    signature_method: str | None
    sha256: str | None = Field(description="SHA-256 of the signed PDF's bytes")
    archived: bool = Field(description="written to write-once storage when the engagement was finalized")
    stale: ReportStaleness = Field(
        description="an approved report's approval, a signed report's signature, older than what the report "
        "shows (docs/audit-rules.md section 11); a signed report that is stale may be drafted again",
    )


class ReportList(BaseModel):
    items: list[ReportRead]


class SignatureRead(BaseModel):
    id: uuid.UUID
    status: Literal["signed"]
    sha256: str
    signed_by: uuid.UUID
    signed_at: datetime
    signature_method: str


class VerificationRead(BaseModel):
    report_id: uuid.UUID
    sha256: str = Field(description="the digest recorded when the report was signed")
    stored_sha256: str = Field(description="the digest of the bytes read back from storage now")
    matches: bool
    immutable: bool = Field(description="the copy was written to the write-once reports store at finalize")
    stored_at: datetime
    container: str
    blob_name: str
