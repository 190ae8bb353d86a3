"""Use cases of the audit program: the firm's procedure library and each engagement's program.

The library is the starter procedures (procedure_library.py) with the firm's own beside them; a firm
may hide a starter procedure and retire its own. Reading it needs engagement.read, changing it
program.manage. The program is the firm's working paper under an engagement: client users never see it
(404, and row-level security), every write is refused once the engagement is finalized (409, and the
lock trigger of migration 0022), and every change is in the audit log.

Who does what on a program: its shape (generating, adding, removing, reordering, linking risks, the
wording) is program.manage; carrying a procedure out (owner, status, workpapers, samples, evidence,
conclusion) is workpaper.prepare. A procedure is completed only with a conclusion and at least one
linked workpaper holding an active prepare and review sign-off (SPEC section 9).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from functions.fieldwork import procedure_library as library
from functions.fieldwork.program_plan import Planned, RiskInput, plan
from shared import audit_log, clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models_engagement import BinderNode, EngagementMember, EvidenceFile, Signoff
from shared.db.models_planning import Risk
from shared.db.models_program import FirmProcedure, HiddenStarterProcedure, ProgramProcedure
from shared.db.models_sampling import Sample
from shared.db.uow import UnitOfWork
from shared.engagement_access import EngagementAccess, record, require
from shared.errors import Conflict, NotFound, ValidationFailed

READ = Permission.ENGAGEMENT_READ
MANAGE = Permission.PROGRAM_MANAGE
PREPARE = Permission.WORKPAPER_PREPARE
STRUCTURE_FIELDS = frozenset({"risk_ids", "title", "objective"})
MIN_REASON = 10
AREA_ORDER = {code: index for index, code in enumerate((*library.AREA_CODES, library.OTHER_AREA))}


# --- the library ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryEntry:
    procedure: library.Procedure
    id: uuid.UUID | None = None
    hidden: bool = False
    retired: bool = False


def _firm_procedure(row: FirmProcedure) -> library.Procedure:
    return library.Procedure(
        code=row.code,
        title=row.title,
        objective=row.objective,
        assertions=tuple(row.assertions),
        areas=tuple(row.areas),
        risk_responses=tuple(row.risk_responses),
        nature=row.nature,
        source="firm",
    )


def _library(uow: UnitOfWork, *, include_hidden: bool) -> list[LibraryEntry]:
    hidden = set(uow.session.scalars(select(HiddenStarterProcedure.code)))
    entries = [LibraryEntry(p, hidden=p.code in hidden) for p in library.STARTER]
    own = uow.session.scalars(select(FirmProcedure).order_by(FirmProcedure.code))
    entries += [LibraryEntry(_firm_procedure(row), row.id, retired=row.retired) for row in own]
    return [entry for entry in entries if include_hidden or not (entry.hidden or entry.retired)]


def list_library(*, uow: UnitOfWork, principal: Principal, include_hidden: bool) -> list[LibraryEntry]:
    """The starter procedures and the firm's own; hidden and retired ones only when asked."""
    return _library(uow, include_hidden=include_hidden)


def create_library_procedure(*, uow: UnitOfWork, principal: Principal, fields: dict[str, Any]) -> LibraryEntry:
    """Add a procedure of the firm's own to its library."""
    code = fields["code"]
    taken = code.upper() in library.BY_CODE or uow.session.scalar(
        select(FirmProcedure.id).where(func.upper(FirmProcedure.code) == code.upper())
    )
    if taken:
        raise Conflict(f"The library already has a procedure {code}", code="procedure_code_taken")
    row = FirmProcedure(
        firm_id=principal.firm_id, created_by=principal.user_id, updated_by=principal.user_id, **_unique_lists(fields)
    )
    uow.session.add(row)
    uow.session.flush()
    audit_log.append(
        uow, "program.library_created", target_type="firm_procedure", target_id=row.id, data={"code": row.code}
    )
    uow.commit()
    return LibraryEntry(_firm_procedure(row), row.id)


def update_library_procedure(
    *, uow: UnitOfWork, principal: Principal, procedure_id: uuid.UUID, changes: dict[str, Any]
) -> LibraryEntry:
    """Edit or retire a procedure of the firm's own; programs that copied it keep what they copied."""
    row = uow.session.scalar(select(FirmProcedure).where(FirmProcedure.id == procedure_id).with_for_update())
    if row is None:
        raise NotFound("No such procedure in the firm's library", code="procedure_not_found")
    changes = _unique_lists(changes)
    changed = sorted(name for name, value in changes.items() if getattr(row, name) != value)
    for name in changed:
        setattr(row, name, changes[name])
    if changed:
        row.updated_by = principal.user_id
        uow.session.flush()
        audit_log.append(
            uow,
            "program.library_updated",
            target_type="firm_procedure",
            target_id=row.id,
            data={"code": row.code, "fields": changed},
        )
        uow.commit()
    return LibraryEntry(_firm_procedure(row), row.id, retired=row.retired)


def set_starter_visibility(*, uow: UnitOfWork, principal: Principal, code: str, hidden: bool) -> LibraryEntry:
    """Hide a starter procedure from the firm's library and its generated programs, or show it again."""
    procedure = library.BY_CODE.get(code)
    if procedure is None:
        raise ValidationFailed.field("body", "code", message=f"no starter procedure {code}")
    row = uow.session.get(HiddenStarterProcedure, (principal.firm_id, code))
    if hidden and row is None:
        uow.session.add(HiddenStarterProcedure(firm_id=principal.firm_id, code=code, hidden_by=principal.user_id))
    elif not hidden and row is not None:
        uow.session.delete(row)
    else:
        return LibraryEntry(procedure, hidden=hidden)
    uow.session.flush()
    action = "program.starter_hidden" if hidden else "program.starter_shown"
    audit_log.append(uow, action, target_type="starter_procedure", target_id=code)
    uow.commit()
    return LibraryEntry(procedure, hidden=hidden)


def _unique_lists(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: list(dict.fromkeys(value)) if isinstance(value, list) else value for key, value in fields.items()}


# --- the program: reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Uncovered:
    id: uuid.UUID
    area: str
    assertion: str
    reason: str


@dataclass(frozen=True)
class ProgramView:
    """The program with what its links point at, by id, and the risks it leaves unanswered."""

    procedures: list[ProgramProcedure]
    risks: dict[uuid.UUID, Risk]
    workpapers: dict[uuid.UUID, str]
    signed: frozenset[uuid.UUID]
    samples: dict[uuid.UUID, str]
    uncovered: list[Uncovered]
    added: int = 0


def _risk_input(row: Risk) -> RiskInput:
    relies = (row.response or {}).get("nature") == "controls_and_substantive"
    return RiskInput(row.id, row.area, row.assertion, row.significant_risk, row.fraud_risk, relies)


def uncovered_risks(risks: Iterable[Risk], procedures: Sequence[ProgramProcedure]) -> list[Uncovered]:
    """Risks no applicable procedure answers, or significant/fraud ones without the substantive answer
    (a test of details when the response is substantive only, or for fraud) they need."""
    found = []
    for risk in risks:
        answering = [p for p in procedures if risk.id in p.risk_ids and p.status != "not_applicable"]
        needs = _risk_input(risk)
        if not answering:
            reason = "no procedure of the program answers it"
        elif needs.needs_substantive and not any(p.nature in library.SUBSTANTIVE for p in answering):
            reason = "a significant risk with no substantive procedure"
        elif needs.needs_details and not any(p.nature == library.TOD for p in answering):
            reason = "needs a test of details and has none"
        else:
            continue
        found.append(Uncovered(risk.id, risk.area, risk.assertion, reason))
    return found


def _signed(uow: UnitOfWork, engagement_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """Workpapers with an active prepare and an active review sign-off."""
    rows = uow.session.execute(
        select(Signoff.node_id)
        .where(Signoff.engagement_id == engagement_id, Signoff.cleared_at.is_(None))
        .group_by(Signoff.node_id)
        .having(func.bool_or(Signoff.step == "prepare"), func.bool_or(Signoff.step == "review"))
    )
    return frozenset(node_id for (node_id,) in rows)


def _view(uow: UnitOfWork, engagement_id: uuid.UUID, *, added: int = 0) -> ProgramView:
    procedures = list(
        uow.session.scalars(
            select(ProgramProcedure)
            .where(ProgramProcedure.engagement_id == engagement_id)
            .order_by(ProgramProcedure.position, ProgramProcedure.created_at, ProgramProcedure.id)
        )
    )
    risks = {
        row.id: row
        for row in uow.session.scalars(
            select(Risk).where(Risk.engagement_id == engagement_id).order_by(Risk.area, Risk.assertion, Risk.created_at)
        )
    }
    nodes = uow.session.execute(
        select(BinderNode.id, BinderNode.index_code, BinderNode.title).where(
            BinderNode.engagement_id == engagement_id, BinderNode.kind == "workpaper"
        )
    )
    samples = uow.session.execute(select(Sample.id, Sample.name).where(Sample.engagement_id == engagement_id)).all()
    return ProgramView(
        procedures=procedures,
        risks=risks,
        workpapers={node_id: f"{code} {title}" if code else title for node_id, code, title in nodes},
        signed=_signed(uow, engagement_id),
        samples={row.id: row.name for row in samples},
        uncovered=uncovered_risks(risks.values(), procedures),
        added=added,
    )


def get_program(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> ProgramView:
    """The engagement's program in order, with the risks it leaves unanswered."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    return _view(uow, engagement_id)


# --- the program: its shape -----------------------------------------------------------------------


def _next_position(uow: UnitOfWork, engagement_id: uuid.UUID) -> int:
    last = uow.session.scalar(
        select(func.max(ProgramProcedure.position)).where(ProgramProcedure.engagement_id == engagement_id)
    )
    return (last or 0) + 1


def _copy(access: EngagementAccess, procedure: library.Procedure, area: str, position: int) -> ProgramProcedure:
    return ProgramProcedure(
        firm_id=access.engagement.firm_id,
        engagement_id=access.id,
        source=procedure.source,
        library_code=procedure.code,
        area=area,
        title=procedure.title,
        objective=procedure.objective,
        assertions=list(procedure.assertions),
        nature=procedure.nature,
        position=position,
        risk_ids=[],
        workpaper_node_ids=[],
        sample_ids=[],
        evidence_ids=[],
        created_by=access.principal.user_id,
        updated_by=access.principal.user_id,
    )


def generate_program(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> ProgramView:
    """Plan the program from the risk register and the firm's library; a second run adds what is missing
    (procedures, and risk links on those already there) and never drops or rewrites a row."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=MANAGE)
    # Concurrent generations take turns, so neither adds what the other just added.
    uow.session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"program:{engagement_id}"}
    )
    risks = uow.session.scalars(
        select(Risk).where(Risk.engagement_id == engagement_id).order_by(Risk.area, Risk.assertion, Risk.created_at)
    )
    planned = plan((_risk_input(row) for row in risks), (e.procedure for e in _library(uow, include_hidden=False)))
    existing = {
        row.library_code: row
        for row in uow.session.scalars(
            select(ProgramProcedure)
            .where(ProgramProcedure.engagement_id == engagement_id, ProgramProcedure.library_code.is_not(None))
            .with_for_update()
        )
    }
    order = {entry.code: index for index, entry in enumerate(library.STARTER)}
    added: list[str] = []
    linked = 0
    position = _next_position(uow, engagement_id)
    for item in sorted(planned, key=lambda p: (AREA_ORDER.get(p.area, 99), order.get(p.procedure.code, 999))):
        row = existing.get(item.procedure.code)
        if row is None:
            row = _copy(access, item.procedure, item.area, position)
            position += 1
            uow.session.add(row)
            added.append(item.procedure.code)
        missing = _missing_links(row, item)
        if missing:
            linked += len(missing) if row.id is not None else 0
            row.risk_ids = [*row.risk_ids, *missing]
    uow.session.flush()
    record(
        uow,
        "program.generated",
        engagement_id=engagement_id,
        target_type="program",
        target_id=engagement_id,
        added=added,
        risk_links_added=linked,
    )
    uow.commit()
    return _view(uow, engagement_id, added=len(added))


def _missing_links(row: ProgramProcedure, item: Planned) -> list[uuid.UUID]:
    have = set(row.risk_ids or ())
    return [risk_id for risk_id in item.risk_ids if isinstance(risk_id, uuid.UUID) and risk_id not in have]


def add_procedure(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, fields: dict[str, Any]
) -> ProgramProcedure:
    """Add a procedure from the library, or one written for this engagement alone."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=MANAGE)
    risk_ids = _risks_or_raise(uow, engagement_id, fields.get("risk_ids", []))
    position = _next_position(uow, engagement_id)
    code = fields.get("library_code")
    if code is not None:
        entry = next((e for e in _library(uow, include_hidden=False) if e.procedure.code == code), None)
        if entry is None:
            raise ValidationFailed.field("body", "library_code", message=f"no procedure {code} in the firm's library")
        area = fields.get("area") or entry.procedure.areas[0]
        row = _copy(access, entry.procedure, area, position)
    else:
        for name in ("title", "area", "nature"):
            if not fields.get(name):
                raise ValidationFailed.field("body", name, message=f"{name} is required for a custom procedure")
        row = ProgramProcedure(
            firm_id=access.engagement.firm_id,
            engagement_id=engagement_id,
            source="custom",
            area=fields["area"],
            title=fields["title"],
            objective=fields.get("objective", ""),
            assertions=list(dict.fromkeys(fields.get("assertions", []))),
            nature=fields["nature"],
            position=position,
            workpaper_node_ids=[],
            sample_ids=[],
            evidence_ids=[],
            created_by=principal.user_id,
            updated_by=principal.user_id,
        )
    row.risk_ids = risk_ids
    uow.session.add(row)
    uow.session.flush()
    record(
        uow,
        "program.procedure_added",
        engagement_id=engagement_id,
        target_type="program_procedure",
        target_id=row.id,
        source=row.source,
        library_code=row.library_code,
        area=row.area,
        nature=row.nature,
        risk_ids=[str(risk_id) for risk_id in risk_ids],
    )
    uow.commit()
    return row


def delete_procedure(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, procedure_id: uuid.UUID
) -> None:
    """Remove a procedure nobody has started; one in progress, done or judged not applicable stays."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=MANAGE)
    row = _procedure_or_raise(uow, engagement_id, procedure_id)
    if row.status != "not_started":
        raise Conflict(
            f"The procedure is {row.status.replace('_', ' ')}: only a procedure not started can be removed",
            code="procedure_started",
        )
    record(
        uow,
        "program.procedure_removed",
        engagement_id=engagement_id,
        target_type="program_procedure",
        target_id=row.id,
        library_code=row.library_code,
        title=row.title,
    )
    uow.session.delete(row)
    uow.session.flush()
    uow.commit()


def reorder_program(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, procedure_ids: list[uuid.UUID]
) -> ProgramView:
    """Put the program in the order given, which names every procedure once."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=MANAGE)
    rows = {
        row.id: row
        for row in uow.session.scalars(
            select(ProgramProcedure).where(ProgramProcedure.engagement_id == engagement_id).with_for_update()
        )
    }
    if len(set(procedure_ids)) != len(procedure_ids) or set(procedure_ids) != set(rows):
        unknown = next((str(i) for i in procedure_ids if i not in rows), None)
        message = f"no procedure {unknown} in this program" if unknown else "name every procedure once"
        raise ValidationFailed.field("body", "procedure_ids", message=message)
    for position, procedure_id in enumerate(procedure_ids, start=1):
        rows[procedure_id].position = position
    uow.session.flush()
    record(
        uow,
        "program.reordered",
        engagement_id=engagement_id,
        target_type="program",
        target_id=engagement_id,
        procedure_ids=[str(i) for i in procedure_ids],
    )
    uow.commit()
    return _view(uow, engagement_id)


# --- the program: carrying a procedure out -------------------------------------------------------------


def _procedure_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, procedure_id: uuid.UUID) -> ProgramProcedure:
    row = uow.session.scalar(
        select(ProgramProcedure)
        .where(ProgramProcedure.id == procedure_id, ProgramProcedure.engagement_id == engagement_id)
        .with_for_update()
    )
    if row is None:
        raise NotFound("No such procedure in this program", code="procedure_not_found")
    return row


def _ids_or_raise(
    uow: UnitOfWork, engagement_id: uuid.UUID, field: str, ids: list[uuid.UUID], column: Any, what: str, *extra: Any
) -> list[uuid.UUID]:
    """The ids, each once, in order; each must be one of the engagement's (another's reads as missing)."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return unique
    model = column.class_
    found = set(
        uow.session.scalars(select(column).where(model.engagement_id == engagement_id, column.in_(unique), *extra))
    )
    for index, item in enumerate(ids):
        if item not in found:
            raise ValidationFailed.field("body", field, str(index), message=f"no {what} {item} in this engagement")
    return unique


def _risks_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    return _ids_or_raise(uow, engagement_id, "risk_ids", ids, Risk.id, "risk")


def _links(uow: UnitOfWork, engagement_id: uuid.UUID, changes: dict[str, Any]) -> dict[str, Any]:
    checks = {
        "risk_ids": (Risk.id, "risk"),
        "workpaper_node_ids": (BinderNode.id, "workpaper"),
        "sample_ids": (Sample.id, "sample"),
        "evidence_ids": (EvidenceFile.id, "evidence file"),
    }
    checked = dict(changes)
    for name, (column, what) in checks.items():
        if name in changes:
            extra = (BinderNode.kind == "workpaper",) if name == "workpaper_node_ids" else ()
            checked[name] = _ids_or_raise(uow, engagement_id, name, changes[name], column, what, *extra)
    return checked


def _check_owner(uow: UnitOfWork, engagement_id: uuid.UUID, owner_id: uuid.UUID | None) -> None:
    if owner_id is None:
        return
    member = uow.session.scalar(
        select(EngagementMember.user_id).where(
            EngagementMember.engagement_id == engagement_id, EngagementMember.user_id == owner_id
        )
    )
    if member is None:
        raise ValidationFailed.field("body", "owner_id", message=f"user {owner_id} is not on the engagement's team")


def _check_status(uow: UnitOfWork, engagement_id: uuid.UUID, row: ProgramProcedure) -> None:
    """The state the procedure would be left in is one the rules allow."""
    if row.status == "not_applicable" and len((row.na_reason or "").strip()) < MIN_REASON:
        raise ValidationFailed.field(
            "body",
            "na_reason",
            message=f"a procedure not applicable needs a reason of at least {MIN_REASON} characters",
        )
    if row.status != "completed":
        return
    lacking = []
    if not row.conclusion.strip():
        lacking.append("a conclusion")
    signed = _signed(uow, engagement_id)
    if not any(node_id in signed for node_id in row.workpaper_node_ids):
        lacking.append("a linked workpaper with an active prepare and review sign-off")
    if lacking:
        raise Conflict(
            f"The procedure cannot be completed without {' and '.join(lacking)}", code="procedure_not_documented"
        )


def update_procedure(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    procedure_id: uuid.UUID,
    changes: dict[str, Any],
) -> ProgramProcedure:
    """Assign, progress, document or conclude a procedure; completing it needs a conclusion and a signed
    workpaper, not applicable a reason. Risk links and wording are the program's shape (program.manage)."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=(PREPARE, MANAGE))
    if STRUCTURE_FIELDS & set(changes):
        access.require(MANAGE)
    if not access.can(PREPARE) and set(changes) - STRUCTURE_FIELDS:
        access.require(PREPARE)
    row = _procedure_or_raise(uow, engagement_id, procedure_id)
    changes = _links(uow, engagement_id, changes)
    if "owner_id" in changes:
        _check_owner(uow, engagement_id, changes["owner_id"])
    changed = sorted(name for name, value in changes.items() if getattr(row, name) != value)
    if not changed:
        return row
    previous = row.status
    for name in changed:
        setattr(row, name, changes[name])
    if row.status != "not_applicable":
        row.na_reason = None
    _check_status(uow, engagement_id, row)
    if row.status == "completed" and previous != "completed":
        row.completed_by, row.completed_at = principal.user_id, clock.now()
    elif row.status != "completed":
        row.completed_by, row.completed_at = None, None
    row.updated_by = principal.user_id
    uow.session.flush()
    # The conclusion and reasons stay out of the audit log's values: they may quote the client's figures.
    record(
        uow,
        "program.procedure_updated",
        engagement_id=engagement_id,
        target_type="program_procedure",
        target_id=row.id,
        fields=changed,
        **({"status": {"from": previous, "to": row.status}} if previous != row.status else {}),
        **{
            name: [str(item) for item in changes[name]]
            for name in ("risk_ids", "workpaper_node_ids", "sample_ids", "evidence_ids")
            if name in changed
        },
        **({"owner_id": str(row.owner_id) if row.owner_id else None} if "owner_id" in changed else {}),
    )
    uow.commit()
    return row


def view_of(uow: UnitOfWork, engagement_id: uuid.UUID) -> ProgramView:
    """The program's view after a change, for the response (the caller was already authorized)."""
    return _view(uow, engagement_id)
