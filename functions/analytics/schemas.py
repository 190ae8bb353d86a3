"""Request and response models of analytics."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from functions.analytics.je_tests import TESTS
from shared.db.models_analytics import JeRun
from shared.http import PageQuery
from shared.journal_lines import JournalLineView

TestCode = Literal[
    "unbalanced",
    "sequence_gap",
    "duplicate_lines",
    "round_amount",
    "post_dated",
    "weekend_entry",
    "after_hours",
    "rare_user",
    "rare_account",
    "backdated",
    "period_end",
    "post_closing",
    "missing_description",
    "high_amount",
    "self_approved",
    "unusual_account_pair",
    "suspicious_keyword",
    "amount_outlier",
    "isolation_forest",
]
Disposition = Literal["open", "investigating", "explained", "exception", "false_positive"]
BenfordTest = Literal["first_digit", "second_digit", "first_two", "last_two", "summation"]
Sign = Literal["positive", "negative", "all"]

# One optional field per test, typed by the test's own parameter model, so the schema documents them all.
RunParameters: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "RunParameters",
    __config__=ConfigDict(extra="forbid"),
    **{code: (test.params | None, None) for code, test in TESTS.items()},
)


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tests: list[TestCode] | None = Field(None, min_length=1, description="default: every test")
    parameters: RunParameters | None = Field(None, description="per test, overrides of its defaults")

    def overrides(self) -> dict[str, dict[str, Any]]:
        if self.parameters is None:
            return {}
        given = self.parameters.model_dump(mode="json", exclude_none=True, exclude_unset=True)
        return {code: value for code, value in given.items() if value is not None}


class RunAccepted(BaseModel):
    run_id: uuid.UUID
    job_id: uuid.UUID


class Population(BaseModel):
    journals: int
    lines: int
    debit_total: Decimal
    credit_total: Decimal


class TestResult(BaseModel):
    code: str
    title: str
    status: Literal["ran", "not_applicable", "scoring", "failed"] = Field(
        description="scoring: a model (the Isolation Forest) still being computed while the rule-based results"
        " are readable; failed: it stopped (the run's error says why)"
    )
    flagged_lines: int
    flagged_journals: int
    parameters: dict[str, Any]
    missing_fields: list[str]
    skipped_lines: int = Field(description="lines the test could not look at (a field it needs missing)")
    lines_tested: int | None = Field(
        None, description="lines the test looked at: it ran on lines_tested of lines_total"
    )
    lines_total: int | None = Field(None, description="lines of the population")
    weight: int = Field(description="the test's weight in the journal risk score (0: not scored)")
    seconds: float | None = Field(None, description="how long the test took")
    gap_count: int | None = None
    gap_ranges: list[list[str]] | None = Field(None, description="[last id before, first id after] per gap")
    gap_ranges_truncated: bool | None = None
    basis: str | None = Field(None, description="high_amount: performance_materiality or top_percent")
    features: list[str] | None = None
    score_threshold: float | None = None


class RunRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_version: int
    trigger: Literal["automatic", "manual"]
    status: Literal["queued", "running", "scoring", "completed", "failed"] = Field(
        description="scoring: the rule-based tests' results and flagged lines are readable; the Isolation Forest"
        " and the journal risk ranking follow"
    )
    job_id: uuid.UUID | None
    requested_tests: list[str]
    fiscal_start: date
    fiscal_end: date
    performance_materiality: Decimal | None
    population: Population | None
    tests: list[TestResult]
    error: dict[str, Any] | None
    created_by: uuid.UUID | None
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, run: JeRun) -> RunRead:
        """A run as the API shows it: the tests it was asked for, and each test's result once it ran."""
        columns = {c.key: getattr(run, c.key) for c in JeRun.__table__.columns}
        return cls.model_validate(columns | {"requested_tests": run.tests, "tests": run.results or []})


class RunSummary(BaseModel):
    id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_version: int
    trigger: str
    status: str
    created_at: datetime
    completed_at: datetime | None


class LineQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    account_number: str | None = Field(None, max_length=100)
    journal_id: str | None = Field(None, max_length=200)
    entered_by: str | None = Field(None, max_length=200, description="case-insensitive")


class FlaggedLine(JournalLineView):
    score: float | None = Field(None, description="the test's measure for the line: z-score or anomaly score")
    tests: list[str] | None = Field(None, description="in a journal's lines: the tests the line hit")


class JournalQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: Literal["risk"] = "risk"
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)
    test: TestCode | None = Field(None, description="only journals that hit this test")
    disposition: Disposition | None = Field(None, description="only journals with this disposition (open: none yet)")


class DispositionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Disposition
    note: str | None = Field(None, max_length=4000)
    evidence_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class DispositionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    journal_id: str
    dataset_id: uuid.UUID
    status: Disposition
    note: str | None
    evidence_ids: list[uuid.UUID]
    updated_by: uuid.UUID
    updated_at: datetime


class JournalRisk(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    journal_id: str
    rank: int
    score: Decimal
    tests: list[str]
    flagged_lines: int
    debit_total: Decimal
    disposition: DispositionRead | None
    lines: list[FlaggedLine]


class JournalPage(BaseModel):
    items: list[JournalRisk]
    total: int
    limit: int
    offset: int


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: Literal["flagged_lines", "journals"] = "journals"
    format: Literal["csv", "xlsx"] = "csv"


class ExceptionItem(BaseModel):
    journal_id: str
    score: Decimal
    tests: list[str]
    note: str | None


class ExceptionSummary(BaseModel):
    run_id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_version: int
    flagged_journals: int
    by_status: dict[Disposition, int]
    unresolved: int = Field(description="flagged journals still open or under investigation")
    exceptions: list[ExceptionItem] = Field(description="journals concluded to be exceptions")


class BenfordOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    test: BenfordTest = "first_digit"
    sign: Sign = "positive"
    min_amount: Decimal = Field(Decimal(10), ge=0, le=Decimal("1e15"))


class EngagementBenford(BenfordOptions):
    source: Literal["general_ledger", "trial_balance"] = "general_ledger"


class AmountsBenford(BenfordOptions):
    amounts: list[str | int] = Field(
        min_length=1,
        max_length=2_000_000,
        description="JSON numbers (read exactly, never as floats) or decimal strings",
    )


class BenfordQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "png"] = Field("json", description="png: the chart of observed vs expected shares")


class BenfordBin(BaseModel):
    digits: str
    observed_count: int
    observed_share: float
    expected_share: float
    z: float
    flagged: bool


class KolmogorovSmirnov(BaseModel):
    d: float
    critical: float


class BenfordRead(BaseModel):
    test: BenfordTest
    n: int
    mad: float
    conformity: Literal["close", "acceptable", "marginal", "nonconformity"] | None
    chi_square: float
    degrees_of_freedom: int
    ks: KolmogorovSmirnov
    bins: list[BenfordBin]
    warnings: list[str]
    parameters: dict[str, Any]


class JournalLineTests(FlaggedLine):
    scores: dict[str, float] = Field(
        default_factory=dict, description="each scoring test's measure for the line (z-score, anomaly score)"
    )


class JournalDetail(BaseModel):
    """One journal of the run's ledger with the tests it hit: flagged or not, every line of it."""

    model_config = ConfigDict(from_attributes=True)

    run_id: uuid.UUID
    journal_id: str
    flagged: bool = Field(description="whether the run flagged the journal; if not, rank and score are null")
    rank: int | None
    score: Decimal | None
    tests: list[str]
    debit_total: Decimal
    disposition: DispositionRead | None
    lines: list[JournalLineTests]


class DispositionShare(BaseModel):
    disposition: Disposition
    journals: int
    amount: Decimal = Field(description="the journals' debit total")


class RiskBar(BaseModel):
    label: str = Field(description="the score range (0–10), month (2026-03) or user")
    score_from: int | None = None
    score_to: int | None = None
    journals: int
    amount: Decimal
    by_disposition: list[DispositionShare] = Field(description="every disposition, in triage order, zeros included")


class RiskPicture(BaseModel):
    """A completed run's flagged journals as distributions, each split by disposition."""

    run_id: uuid.UUID
    score_buckets: list[RiskBar] = Field(description="journals per 10 points of risk score, 0–10 to 90–100")
    months: list[RiskBar] = Field(description="flagged amount per month of effective date, first to last")
    users: list[RiskBar] = Field(description="flagged amount per user who entered the journals, largest first")
