"""Use cases of the auditor's report: drafts, approval, the partner's signature, the PDF, and the write-once
copy made when the engagement is finalized.

Rules (docs/audit-rules.md section 11):

- A report is a version numbered per engagement. A new draft supersedes the earlier unsigned ones (an
  approval superseded with its draft stops counting); once a report is signed no new draft is taken
  while the signature still describes the file (409 `report_signed`): after the engagement steps back
  or something the report shows changes, a new draft supersedes the signed one. Writes need
  engagement.update.
- Approval: report.approve, and a manager or partner on the engagement's team; records the
  `report_approved` gate.
- Signature: report.sign and a partner on the team, of an approved report; the partner proves who
  they are through the e-signature port (shared/esign.py: password re-entry, or a fresh Entra ID
  token). The PDF is rendered (the same bytes for the same inputs), stored, its SHA-256 recorded on
  the report, in the `partner_signed` gate and in the audit log. A refused signature changes nothing.
- Only as fresh as the file: the approval's and the signature's audit records keep `as_of`, where the
  engagement's audit trail stood when they read it (the signature: before rendering the PDF), and
  shared/gates.readiness calls their gates stale when something the PDF shows changed later
  (shared/qc_freshness.py). A step back of the engagement supersedes an approved or signed report
  (`on_status_changed`; a signed one keeps its signed bytes and digest) and reopens both gates.
- Finalize (engagement capability) publishes engagement.finalized; `archive_on_finalized` copies the
  signed PDF once to the write-once `reports` container, records it in report_archives and anchors
  the audit chain's head in the same store. `verify` reads the stored bytes back and hashes them.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, text

from functions.reporting import reads
from shared import audit_log, clock, esign, gates, qc_freshness
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.events import EngagementFinalized, EngagementStatusChanged
from shared.db.models import AuditRecord, Client, User
from shared.db.models_engagement import Engagement
from shared.db.models_reporting import Report, ReportArchive
from shared.db.uow import UnitOfWork
from shared.engagement_access import EngagementAccess, record, require
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.storage import BlobExists, BlobNotFound, BlobStorage, get_storage

log = logging.getLogger(__name__)

READ = Permission.ENGAGEMENT_READ
WRITE = Permission.ENGAGEMENT_UPDATE
MODIFIED = ("qualified", "adverse", "disclaimer")
UNSIGNED = ("draft", "approved")
APPROVER_ROLES = ("manager", "partner")
SIGNER_ROLE = "partner"
# The signed copy sits with the engagement's files; the finalized copy in the write-once container that
# infra/modules/storage gives a version-level immutability policy.
SIGNED_CONTAINER = "evidence"
ARCHIVE_CONTAINER = "reports"
PDF = "application/pdf"
TARGET = "report"


def blob_name(report: Report) -> str:
    return f"firms/{report.firm_id}/engagements/{report.engagement_id}/reports/{report.id}/v{report.version}.pdf"


def filename(report: Report) -> str:
    return f"auditors-report-v{report.version}.pdf"


def render(uow: UnitOfWork, *, report: Report, signer: User | None = None) -> bytes:
    """The report's PDF from the engagement's data as it is now; the same inputs give the same bytes."""
    from functions.reporting import pdf

    return pdf.render(reads.build_document(uow, report=report, signer=signer))


# --- drafts ----------------------------------------------------------------------------------------


def _report_or_raise(
    uow: UnitOfWork, engagement_id: uuid.UUID, report_id: uuid.UUID, *, for_update: bool = False
) -> Report:
    query = select(Report).where(Report.id == report_id, Report.engagement_id == engagement_id)
    if for_update:
        query = query.with_for_update()
    report = uow.session.scalar(query)
    if report is None:
        raise NotFound("No such report", code="report_not_found")
    return report


def create_report(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    opinion: str,
    basis_for_modification: str | None,
    emphasis_of_matter: str | None,
    report_date: date | None,
    standards: str | None,
) -> Report:
    """Draft the next version of the report; earlier unsigned versions are superseded by it."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    basis = (basis_for_modification or "").strip() or None
    if opinion in MODIFIED and basis is None:
        raise ValidationFailed.field(
            "body",
            "basis_for_modification",
            message=f"required for a {opinion} opinion: the matter that gives rise to the modification",
            code="basis_required",
        )
    # Concurrent drafts take turns, so versions count up without gaps or clashes.
    uow.session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"reports:{engagement_id}"}
    )
    # Locked together, so a signature committed meanwhile is seen here as signed.
    earlier = uow.session.scalars(
        select(Report)
        .where(Report.engagement_id == engagement_id, Report.status.in_((*UNSIGNED, "signed")))
        .order_by(Report.version)
        .with_for_update()
    ).all()
    signed = next((row for row in earlier if row.status == "signed"), None)
    if signed is not None and not qc_freshness.changes_since(
        uow, qc_freshness.REPORT_SIGNED, firm_id=access.engagement.firm_id, engagement_id=engagement_id
    ):
        raise Conflict(
            f"Version {signed.version} of the report is signed; it stands until the engagement is finalized, "
            "steps back or what the report shows changes",
            code="report_signed",
        )
    latest = uow.session.scalar(select(func.max(Report.version)).where(Report.engagement_id == engagement_id))
    report = Report(
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        version=(latest or 0) + 1,
        status="draft",
        opinion=opinion,
        standards=standards or _default_standards(uow, access),
        basis_for_modification=basis,
        emphasis_of_matter=(emphasis_of_matter or "").strip() or None,
        report_date=report_date or clock.now().date(),
        created_by=principal.user_id,
    )
    uow.session.add(report)
    # A signed report superseded here was signed before something it shows changed (shared/qc_freshness.py);
    # it keeps its signed bytes and digest as the record of what was signed.
    superseded_approval = any(row.status in ("approved", "signed") for row in earlier)
    for row in earlier:
        row.status = "superseded"
    uow.session.flush()
    detail = f"version {report.version} is a new draft"
    if superseded_approval:
        gates.record(uow, engagement_id=engagement_id, gate="report_approved", satisfied=False, detail=detail)
    if signed is not None:
        gates.record(uow, engagement_id=engagement_id, gate="partner_signed", satisfied=False, detail=detail)
    record(
        uow,
        "report.drafted",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=report.id,
        version=report.version,
        opinion=report.opinion,
        standards=report.standards,
        superseded=[row.version for row in earlier],
    )
    uow.commit()
    return report


def _default_standards(uow: UnitOfWork, access: EngagementAccess) -> str:
    """PCAOB standards for an issuer's audit, the AICPA's for everyone else."""
    entity_type = uow.session.scalar(select(Client.entity_type).where(Client.id == access.engagement.client_id))
    return "pcaob" if entity_type == "issuer" else "aicpa"


def list_reports(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> list[Report]:
    """Every version of the engagement's report, newest first."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    return list(
        uow.session.scalars(
            select(Report).where(Report.engagement_id == engagement_id).order_by(Report.version.desc())
        ).all()
    )


def get_report_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, report_id: uuid.UUID
) -> Report:
    """One version of the report; 404 when the engagement or the report is not there for the caller."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    return _report_or_raise(uow, engagement_id, report_id)


def archived_ids(uow: UnitOfWork, report_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these reports have their write-once copy."""
    if not report_ids:
        return set()
    return set(uow.session.scalars(select(ReportArchive.report_id).where(ReportArchive.report_id.in_(report_ids))))


def stale_reasons(uow: UnitOfWork, reports: list[Report]) -> dict[uuid.UUID, str]:
    """Why a standing report no longer describes the engagement (shared/qc_freshness.py): an approved one's
    approval, a signed one's signature (the one a new draft is judged on). At most one report of an
    engagement is approved or signed, so this is at most one query; superseded, draft and archived reports
    (a finalized engagement no longer changes) are never stale."""
    standing = [report for report in reports if report.status in ("approved", "signed")]
    if not standing:
        return {}
    archived = archived_ids(uow, [report.id for report in standing])
    found: dict[uuid.UUID, str] = {}
    for report in standing:
        if report.id in archived:
            continue
        rule = qc_freshness.REPORT_SIGNED if report.status == "signed" else qc_freshness.REPORT_APPROVED
        changes = qc_freshness.changes_since(uow, rule, firm_id=report.firm_id, engagement_id=report.engagement_id)
        if changes:
            found[report.id] = rule.reason(changes)
    return found


@dataclass(frozen=True)
class ReportFile:
    data: bytes
    filename: str


def get_pdf(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, report_id: uuid.UUID) -> ReportFile:
    """The report's PDF: for a report that was signed (superseded since or not) the exact bytes signed;
    otherwise rendered now."""
    report = get_report_or_raise(uow=uow, principal=principal, engagement_id=engagement_id, report_id=report_id)
    if report.blob_name:
        return ReportFile(get_storage().get(SIGNED_CONTAINER, report.blob_name), filename(report))
    return ReportFile(render(uow, report=report), filename(report))


# --- approval and signature ------------------------------------------------------------------------


def _on_team_as(access: EngagementAccess, roles: tuple[str, ...], refusal: str) -> None:
    if access.role not in roles:
        raise Forbidden(refusal, code="forbidden")


def approve_report(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, report_id: uuid.UUID) -> Report:
    """A manager or partner on the team approves the draft for signature."""
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.REPORT_APPROVE
    )
    _on_team_as(access, APPROVER_ROLES, "Only a manager or partner on the engagement's team approves its report")
    report = _report_or_raise(uow, engagement_id, report_id, for_update=True)
    if report.status != "draft":
        raise Conflict(f"The report is {report.status}; only a draft is approved", code="report_not_draft")
    # Where the engagement's audit trail stands as the approver approves what the draft shows: a change to it
    # after this point makes the approval stale (shared/qc_freshness.py).
    as_of = qc_freshness.position(uow, firm_id=access.engagement.firm_id, engagement_id=engagement_id)
    report.status, report.approved_by, report.approved_at = "approved", principal.user_id, clock.now()
    uow.session.flush()
    gates.record(
        uow, engagement_id=engagement_id, gate="report_approved", satisfied=True, detail=f"version {report.version}"
    )
    record(
        uow,
        "report.approved",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=report.id,
        version=report.version,
        opinion=report.opinion,
        as_of=as_of,
    )
    uow.commit()
    return report


def _signable(
    uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, report_id: uuid.UUID, *, for_update: bool
) -> Report:
    access = require(
        uow, principal=principal, engagement_id=engagement_id, write=True, permission=Permission.REPORT_SIGN
    )
    _on_team_as(access, (SIGNER_ROLE,), "Only the engagement partner (a partner on its team) signs its report")
    report = _report_or_raise(uow, engagement_id, report_id, for_update=for_update)
    if report.status != "approved":
        raise Conflict(f"The report is {report.status}; only an approved report is signed", code="report_not_approved")
    # The approval vouches for the PDF as it stood; a partner must not sign over a change nobody approved.
    changes = qc_freshness.changes_since(
        uow, qc_freshness.REPORT_APPROVED, firm_id=report.firm_id, engagement_id=engagement_id
    )
    if changes:
        raise Conflict(qc_freshness.REPORT_APPROVED.reason(changes), code="approval_stale")
    return report


def sign_report(
    *,
    open_uow: Callable[[], UnitOfWork],
    principal: Principal,
    engagement_id: uuid.UUID,
    report_id: uuid.UUID,
    password: str | None,
    authorization: str | None,
) -> Report:
    """The engagement partner signs the approved report: render, prove who signs, store, record.

    Three steps, so the password is never checked inside a transaction and a refused proof leaves
    nothing behind: the checks and the rendering, the provider's signature, then the checks again
    under a row lock with the writes."""
    with open_uow() as uow:
        report = _signable(uow, principal, engagement_id, report_id, for_update=False)
        # Read before the PDF's data: a change the PDF may miss has a later position, and shared/gates.readiness
        # then calls the signature stale (shared/qc_freshness.py).
        as_of = qc_freshness.position(uow, firm_id=report.firm_id, engagement_id=engagement_id)
        signer = uow.session.get(User, principal.user_id)
        data = render(uow, report=report, signer=signer)
        version = report.version
    digest = hashlib.sha256(data).hexdigest()
    signature = esign.provider().sign(
        esign.SignatureRequest(
            principal=principal,
            document_name=f"auditors-report-v{version}.pdf",
            document_sha256=digest,
            document=data,
            authorization=authorization,
            password=password,
            open_uow=open_uow,
        )
    )
    with open_uow() as uow:
        # Checked again under the row's lock: a concurrent signature or a new draft since the first step wins.
        report = _signable(uow, principal, engagement_id, report_id, for_update=True)
        name = blob_name(report)
        stored = get_storage().put(SIGNED_CONTAINER, name, data, content_type=PDF)
        report.status = "signed"
        report.signed_by, report.signed_at = principal.user_id, signature.signed_at
        report.signature_method = f"{signature.provider}:{signature.method}"
        report.signature_reference = signature.reference
        report.sha256, report.blob_name = stored.sha256, name
        uow.session.flush()
        detail = f"version {report.version}, sha256 {stored.sha256}"
        gates.record(uow, engagement_id=engagement_id, gate="partner_signed", satisfied=True, detail=detail)
        record(
            uow,
            "report.signed",
            engagement_id=engagement_id,
            target_type=TARGET,
            target_id=report.id,
            version=report.version,
            opinion=report.opinion,
            sha256=stored.sha256,
            size=stored.size,
            provider=signature.provider,
            method=signature.method,
            reference=signature.reference,
            as_of=as_of,
        )
        uow.commit()
        return report


# --- a step back of the engagement ----------------------------------------------------------------


def on_status_changed(uow: UnitOfWork, *, event: EngagementStatusChanged) -> None:
    """A step back of the engagement (section 2) supersedes its approved or signed report and reopens the
    `report_approved` and `partner_signed` gates: the work reopened may change what the report shows, so it
    is drafted, approved and signed again. A signed report keeps its signed bytes and digest, on its row
    and in the audit log, as the record of what was signed.

    Judged on the audit log, so a late or redelivered event changes only reports approved or signed before
    the engagement's latest back step (never a version approved after it)."""
    if (event.from_status, event.to_status) not in qc_freshness.BACK_STEPS:
        return
    engagement = uow.session.get(Engagement, event.engagement_id)
    if engagement is None or engagement.status == "finalized":
        log.warning("engagement %s stepped back but is finalized or gone: its report stands", event.engagement_id)
        return
    about = qc_freshness.about(engagement.firm_id, engagement.id)
    back_step = uow.session.scalar(select(func.max(AuditRecord.id)).where(*about, qc_freshness.is_back_step()))
    if back_step is None:
        return
    standing = uow.session.scalars(
        select(Report)
        .where(
            Report.engagement_id == event.engagement_id,
            Report.status.in_(("approved", "signed")),
            ~select(ReportArchive.id).where(ReportArchive.report_id == Report.id).exists(),
        )
        .order_by(Report.version)
        .with_for_update()
    ).all()
    if not standing:
        return
    given = dict(
        uow.session.execute(
            select(AuditRecord.target_id, func.max(AuditRecord.id))
            .where(
                *about,
                AuditRecord.action.in_((qc_freshness.REPORT_APPROVED.verdict, qc_freshness.REPORT_SIGNED.verdict)),
                AuditRecord.target_id.in_([str(report.id) for report in standing]),
            )
            .group_by(AuditRecord.target_id)
        ).all()
    )
    detail = f"the engagement went back from {event.from_status} to {event.to_status}; {qc_freshness.REPORT_AGAIN}"
    for report in standing:
        if given.get(str(report.id), 0) > back_step:
            continue  # approved or signed after the back step: it already describes the reopened work
        was = report.status
        report.status = "superseded"
        uow.session.flush()
        gates.record(uow, engagement_id=event.engagement_id, gate="report_approved", satisfied=False, detail=detail)
        if was == "signed":
            gates.record(uow, engagement_id=event.engagement_id, gate="partner_signed", satisfied=False, detail=detail)
        record(
            uow,
            "report.superseded",
            engagement_id=event.engagement_id,
            target_type=TARGET,
            target_id=report.id,
            version=report.version,
            was=was,
            sha256=report.sha256,
            reason=f"the engagement went back from {event.from_status} to {event.to_status}",
        )


# --- finalize and verification ---------------------------------------------------------------------


def archive_on_finalized(uow: UnitOfWork, *, event: EngagementFinalized, storage: BlobStorage | None = None) -> None:
    """Write the finalized engagement's signed report once to the write-once store, record it there and in
    report_archives, and anchor the audit chain's head in the same store.

    Idempotent: a redelivered event finds the archive row and does nothing; a copy already written by
    an attempt that failed afterwards is accepted only when its bytes carry the signed digest."""
    store = storage if storage is not None else get_storage()
    report = uow.session.scalar(
        select(Report)
        .where(Report.engagement_id == event.engagement_id, Report.status == "signed")
        .order_by(Report.version.desc())
        .limit(1)
    )
    if report is None or report.blob_name is None or report.sha256 is None:
        log.warning("engagement %s finalized without a signed report: nothing to archive", event.engagement_id)
        return
    if uow.session.scalar(select(ReportArchive.id).where(ReportArchive.report_id == report.id)) is not None:
        return
    data = store.get(SIGNED_CONTAINER, report.blob_name)
    digest = hashlib.sha256(data).hexdigest()
    if digest != report.sha256:
        raise RuntimeError(
            f"the signed copy of report {report.id} no longer matches its signature ({digest} != {report.sha256})"
        )
    name = blob_name(report)
    try:
        stored = store.put_immutable(ARCHIVE_CONTAINER, name, data, content_type=PDF)
        stored_sha256, size = stored.sha256, stored.size
    except BlobExists:
        existing = store.get(ARCHIVE_CONTAINER, name)
        stored_sha256, size = hashlib.sha256(existing).hexdigest(), len(existing)
        if stored_sha256 != report.sha256:
            raise
    # The chain's head as of the finalization (the signature and the transition are in it), kept in the
    # same write-once store; the archive's own record below is anchored by the next anchor run.
    anchors = audit_log.anchor_heads(uow, store)
    uow.session.add(
        ReportArchive(
            firm_id=report.firm_id,
            engagement_id=report.engagement_id,
            report_id=report.id,
            container=ARCHIVE_CONTAINER,
            blob_name=name,
            sha256=stored_sha256,
            size=size,
            audit_anchors=anchors,
        )
    )
    uow.session.flush()
    record(
        uow,
        "report.archived",
        engagement_id=report.engagement_id,
        target_type=TARGET,
        target_id=report.id,
        version=report.version,
        container=ARCHIVE_CONTAINER,
        blob_name=name,
        sha256=stored_sha256,
    )


@dataclass(frozen=True)
class Verification:
    report: Report
    stored_sha256: str
    matches: bool
    immutable: bool
    stored_at: datetime | None
    container: str
    blob_name: str


def verify(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, report_id: uuid.UUID) -> Verification:
    """Read the report's stored bytes back and hash them: the write-once copy once archived, else the
    signed copy; 409 for a report that was never signed."""
    report = get_report_or_raise(uow=uow, principal=principal, engagement_id=engagement_id, report_id=report_id)
    if report.sha256 is None or report.blob_name is None:
        raise Conflict(f"The report is {report.status}; only a signed report is stored", code="report_not_signed")
    archive = uow.session.scalar(select(ReportArchive).where(ReportArchive.report_id == report.id))
    container, name = (archive.container, archive.blob_name) if archive else (SIGNED_CONTAINER, report.blob_name)
    stored_at = archive.stored_at if archive else report.signed_at
    try:
        stored_sha256 = hashlib.sha256(get_storage().get(container, name)).hexdigest()
    except BlobNotFound:
        stored_sha256 = ""  # gone from storage: nothing there matches
        log.error("report %s: its stored copy %s/%s is missing", report.id, container, name)
    return Verification(
        report=report,
        stored_sha256=stored_sha256,
        matches=stored_sha256 == report.sha256,
        immutable=archive is not None,
        stored_at=stored_at,
        container=container,
        blob_name=name,
    )
