"""Request and response models of quality control."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PolicyCode = Literal[
    "documentation",
    "evidence_above_performance_materiality",
    "risk_assessment",
    "je_testing",
    "review_notes",
    "materiality",
    "mapping_confirmed",
    "unadjusted_differences",
    "partner_signoff",
    "subsequent_events",
]
MAX_REASON = 4_000


class WaiverOnPolicy(BaseModel):
    """The waiver that turned a failed policy into a waived one."""

    id: uuid.UUID
    reason: str
    waived_by: uuid.UUID
    waived_at: datetime


class PolicyRead(BaseModel):
    code: str = Field(description="the policy's stable code", examples=["documentation"])
    title: str
    blocking: bool = Field(description="whether a failure blocks finalizing (unless waived)")
    status: Literal["passed", "failed", "waived"]
    detail: str = Field(description="what was found, naming what is missing (workpaper path, account, journal)")
    missing: list[str] = Field(description="each missing piece on its own, as named in the detail")
    waiver: WaiverOnPolicy | None = None


class QcStaleness(BaseModel):
    """Whether a verdict still describes the engagement (docs/audit-rules.md section 11)."""

    stale: bool = Field(description="a tracked change about the engagement committed after the verdict read it")
    reason: str | None = Field(
        None,
        description="what changed since, as finalization readiness names it; null while the verdict is fresh",
        examples=["QC ran before a sign-off was withdrawn; run it again"],
    )


FRESH = QcStaleness(stale=False, reason=None)


class QcRunRead(BaseModel):
    run_id: uuid.UUID
    policies: list[PolicyRead]
    passed: bool = Field(description="the QC gate: every blocking policy passed or is waived")
    run_at: datetime
    run_by: uuid.UUID
    stale: QcStaleness = Field(
        default=FRESH,
        description="whether the file changed after this run read it; a stale run does not count at finalize",
    )


class WaiverCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: PolicyCode
    reason: str = Field(
        max_length=MAX_REASON,
        description="why the policy is waived: at least 20 characters once surrounding blanks are removed",
        examples=["Subsequent events covered by the partner's inquiry of management on 2027-02-10"],
    )


class WaiverRead(BaseModel):
    id: uuid.UUID
    policy: str
    reason: str
    waived_by: uuid.UUID
    waived_by_name: str
    waived_at: datetime


class WaiverList(BaseModel):
    items: list[WaiverRead]
