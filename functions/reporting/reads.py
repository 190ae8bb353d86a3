"""The report's data gathered from the database into a ReportDocument (functions/reporting/document.py).

Everything here reads other capabilities' tables through the models of shared/db and the shared read
functions (the mapped final trial balance, the current dataset), never their modules: the statements
come from shared.statements over the mapped final TB, the journal-entry summary from the latest
completed run's stored results, the Benford first digits from one aggregate over the current general
ledger's lines, and the samples from the sampling tables.
"""

from __future__ import annotations

import math
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Text, cast, func, select

from functions.reporting import document
from shared import statements
from shared.datasets import current_dataset
from shared.db.models import Client, Firm, User
from shared.db.models_analytics import JeRun
from shared.db.models_disclosures import NOTE_TOPICS, DisclosureNote, DisclosureSettings
from shared.db.models_engagement import Engagement, EngagementMember
from shared.db.models_ingestion import JournalLine
from shared.db.models_reporting import Report
from shared.db.models_sampling import Sample, SampleItem
from shared.db.uow import UnitOfWork
from shared.mapped_tb import final_trial_balance
from shared.standard_chart import firm_chart

STATEMENTS = ("balance_sheet", "income_statement")
# docs/audit-rules.md section 5: positive amounts of at least 10; MAD conformity bounds of the first digit.
BENFORD_MIN_AMOUNT = Decimal(10)
FIRST_DIGIT_MAD = ((0.006, "close"), (0.012, "acceptable"), (0.015, "marginal"))
SIGNER_TITLE = "Engagement Partner"


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return (user.display_name or "").strip() or user.email


def engagement_partner(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> User | None:
    """The partner on the engagement's team who signs; the first one added when there are several."""
    return uow.session.scalar(
        select(User)
        .join(EngagementMember, EngagementMember.user_id == User.id)
        .where(EngagementMember.engagement_id == engagement_id, EngagementMember.role == "partner")
        .order_by(EngagementMember.added_at, User.id)
        .limit(1)
    )


def report_statements(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> tuple[statements.Statement, ...]:
    """The balance sheet and income statement from the mapped final TB, with comparatives when known."""
    final = final_trial_balance(uow, engagement_id=engagement_id)
    lines = final.lines if final is not None else []
    chart = firm_chart(uow)
    return tuple(statements.build(lines, chart, name) for name in STATEMENTS)


def je_summary(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> document.JeSummary | None:
    """The latest completed journal-entry run's counts per test that ran, or None before any."""
    run = uow.session.scalar(
        select(JeRun)
        .where(JeRun.engagement_id == engagement_id, JeRun.status == "completed")
        .order_by(JeRun.completed_at.desc(), JeRun.created_at.desc())
        .limit(1)
    )
    if run is None:
        return None
    population: dict[str, Any] = run.population or {}
    tests = tuple(
        document.JeTestSummary(
            code=str(result["code"]),
            title=str(result.get("title") or result["code"]),
            flagged_lines=int(result.get("flagged_lines") or 0),
            flagged_journals=int(result.get("flagged_journals") or 0),
        )
        for result in run.results or []
        if result.get("status") == "ran"
    )
    completed = run.completed_at or run.created_at
    return document.JeSummary(
        run_date=completed.date(),
        population_lines=int(population.get("lines", 0)),
        population_journals=int(population.get("journals", 0)),
        tests=tests,
    )


def benford_first_digits(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> document.BenfordSummary | None:
    """First-digit counts of the current general ledger's positive amounts of at least 10, in one aggregate.

    The digit is the first character of the exact decimal's text: an amount of at least 10 has no
    leading zero, so no float is involved."""
    dataset = current_dataset(uow, engagement_id=engagement_id, kind="general_ledger")
    if dataset is None:
        return None
    digit = cast(func.substr(cast(JournalLine.amount, Text), 1, 1), Integer)
    rows = uow.session.execute(
        select(digit, func.count())
        .where(JournalLine.dataset_id == dataset.id, JournalLine.amount >= BENFORD_MIN_AMOUNT)
        .group_by(digit)
    ).all()
    counts = {int(d): int(n) for d, n in rows}
    total = sum(counts.values())
    digits = tuple(
        document.BenfordDigit(
            digit=d,
            observed_count=counts.get(d, 0),
            observed=counts.get(d, 0) / total if total else 0.0,
            expected=math.log10(1 + 1 / d),
        )
        for d in range(1, 10)
    )
    if not total:
        return document.BenfordSummary(digits=digits)
    mad = sum(abs(d.observed - d.expected) for d in digits) / 9
    conformity = next((label for bound, label in FIRST_DIGIT_MAD if mad <= bound), "nonconformity")
    return document.BenfordSummary(digits=digits, mad=mad, conformity=conformity)


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _evaluated(evaluation: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """(projected misstatement, upper limit) of a stored evaluation, whichever method made it."""
    over = evaluation.get("overstatement")
    if isinstance(over, dict):  # monetary unit sampling: the overstatement bound
        return _decimal(over.get("projected")), _decimal(over.get("upper_limit"))
    if "upper_deviation_limit" in evaluation:  # attribute sampling: a rate, not an amount
        return None, _decimal(evaluation.get("upper_deviation_limit"))
    return _decimal(evaluation.get("projected_misstatement")), _decimal(evaluation.get("upper_limit"))


def sample_summaries(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> tuple[document.SampleSummary, ...]:
    """Each sample of the engagement with its size, misstatements found and conclusion, oldest first."""
    samples = uow.session.scalars(
        select(Sample).where(Sample.engagement_id == engagement_id).order_by(Sample.created_at, Sample.id)
    ).all()
    if not samples:
        return ()
    misstated = (SampleItem.audited_value.is_not(None) & (SampleItem.audited_value != SampleItem.book_value)) | (
        SampleItem.deviation.is_(True)
    )
    counts = {
        row.sample_id: (int(row.size), int(row.found or 0))
        for row in uow.session.execute(
            select(
                SampleItem.sample_id,
                func.count().label("size"),
                func.count().filter(misstated).label("found"),
            )
            .where(SampleItem.engagement_id == engagement_id)
            .group_by(SampleItem.sample_id)
        )
    }
    summaries = []
    for sample in samples:
        size, found = counts.get(sample.id, (0, 0))
        evaluation = sample.evaluation or {}
        projected, upper = _evaluated(evaluation) if evaluation else (None, None)
        summaries.append(
            document.SampleSummary(
                name=sample.name,
                method=sample.method,
                population_value=_decimal((sample.population or {}).get("total")) or Decimal(0),
                sample_size=size,
                misstatements_found=found,
                projected_misstatement=projected,
                upper_limit=upper,
                conclusion=str(evaluation.get("conclusion") or "not evaluated"),
            )
        )
    return tuple(summaries)


def approved_notes(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> tuple[document.Note, ...]:
    """The approved disclosure notes in topic order, as rendered when approved, when the engagement's
    disclosure settings ask the report to print them (functions/disclosures)."""
    settings = uow.session.get(DisclosureSettings, engagement_id)
    if settings is None or not settings.notes_in_report:
        return ()
    rows = uow.session.scalars(
        select(DisclosureNote).where(DisclosureNote.engagement_id == engagement_id, DisclosureNote.status == "approved")
    )
    ordered = sorted(rows, key=lambda row: NOTE_TOPICS.index(row.topic))
    return tuple(document.Note(row.title, row.rendered or "") for row in ordered)


def build_document(
    uow: UnitOfWork, *, report: Report, signer: User | None = None, today: date | None = None
) -> document.ReportDocument:
    """The report's document: its engagement, statements and analytics appendix, signed by `signer`
    (the engagement partner on the team when not given)."""
    engagement = uow.session.get(Engagement, report.engagement_id)
    if engagement is None:
        raise LookupError(f"engagement {report.engagement_id} not found")
    firm = uow.session.get(Firm, engagement.firm_id)
    client = uow.session.get(Client, engagement.client_id)
    signer = signer or engagement_partner(uow, engagement_id=engagement.id)
    built = document.ReportDocument(
        firm_name=firm.name if firm else "",
        firm_city=None,
        client_name=client.name if client else "",
        period_start=engagement.period_start,
        period_end=engagement.period_end,
        framework=engagement.framework,  # type: ignore[arg-type]
        standards=report.standards,  # type: ignore[arg-type]
        opinion=report.opinion,  # type: ignore[arg-type]
        basis_for_modification=report.basis_for_modification,
        emphasis_of_matter=report.emphasis_of_matter,
        report_date=report.report_date,
        signer_name=_name(signer) or "Engagement partner (not on the team yet)",
        signer_title=SIGNER_TITLE,
        version=report.version,
        statements=report_statements(uow, engagement_id=engagement.id),
        je_summary=je_summary(uow, engagement_id=engagement.id),
        benford=benford_first_digits(uow, engagement_id=engagement.id),
        samples=sample_summaries(uow, engagement_id=engagement.id),
        notes=approved_notes(uow, engagement_id=engagement.id),
    )
    return document.validate(built)
