"""The home page's summary: every visible engagement's progress and the caller's tasks, in a fixed number of
statements whatever the number of engagements (one per figure, each grouped by engagement).

The figures are those the per-engagement endpoints answer, computed set-wise:
- workpapers: binder nodes of kind workpaper; signed = with an active (not cleared) approval sign-off;
- open review notes: notes in status open;
- unresolved JE exceptions: the flagged journals of each engagement's latest completed run whose
  disposition (of the run's dataset version; none counts as open) is open or investigating; 0 before a run;
- data loaded: kinds with a current version (shared/datasets.py: loaded, not a prior-year comparative);
- awaiting acceptance: client submissions (status submitted, needs acceptance);
- materiality set: any materiality version.
Client users see their client's engagements with the status only: every internal figure is null, and
they get no tasks (the binder, notes and JE tests are not theirs to read).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on

from functions.engagement.service import _visible_to
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models_analytics import JeDisposition, JeJournalRisk, JeRun
from shared.db.models_engagement import BinderNode, Engagement, EngagementMember, ReviewNote, Signoff
from shared.db.models_ingestion import Dataset
from shared.db.uow import UnitOfWork
from shared.engagement_access import LOCKED_STATUS, is_client_user, permissions_on
from shared.materiality import engagements_with_materiality

# The engagements one summary covers (the home page lists 200); more are flagged as truncated.
MAX_ENGAGEMENTS = 200
# The caller's tasks listed per kind.
MAX_TASKS = 500
# Dispositions that leave a flagged journal unresolved (the analytics capability's triage rules).
UNRESOLVED = ("open", "investigating")


def _engagements(
    uow: UnitOfWork, principal: Principal, include_finalized: bool
) -> tuple[list[tuple[uuid.UUID, str, str, str | None]], bool]:
    conditions = []
    visible = _visible_to(principal)
    if visible is not None:
        conditions.append(visible)
    if not include_finalized:
        conditions.append(Engagement.status != LOCKED_STATUS)
    rows = uow.session.execute(
        select(Engagement.id, Engagement.name, Engagement.status, EngagementMember.role)
        .outerjoin(
            EngagementMember,
            and_(EngagementMember.engagement_id == Engagement.id, EngagementMember.user_id == principal.user_id),
        )
        .where(*conditions)
        .order_by(Engagement.period_end.desc(), Engagement.name, Engagement.id)
        .limit(MAX_ENGAGEMENTS + 1)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows[:MAX_ENGAGEMENTS]], len(rows) > MAX_ENGAGEMENTS


def _workpapers(uow: UnitOfWork, ids: list[uuid.UUID], me: uuid.UUID) -> Any:
    """Per workpaper: its active sign-off steps, and whether the caller prepared it."""

    def step(name: str) -> Any:
        return func.coalesce(func.bool_or(Signoff.step == name), false())

    return (
        select(
            BinderNode.engagement_id,
            BinderNode.id,
            BinderNode.index_code,
            BinderNode.title,
            step("prepare").label("prepared"),
            step("review").label("reviewed"),
            step("approve").label("approved"),
            func.coalesce(func.bool_or(and_(Signoff.step == "prepare", Signoff.user_id == me)), false()).label("mine"),
        )
        .outerjoin(Signoff, and_(Signoff.node_id == BinderNode.id, Signoff.cleared_at.is_(None)))
        .where(BinderNode.engagement_id.in_(ids), BinderNode.kind == "workpaper")
        .group_by(BinderNode.id)
        .subquery()
    )


def summary(*, uow: UnitOfWork, principal: Principal, include_finalized: bool) -> dict[str, Any]:
    """The summary the home page shows (see the module's docstring)."""
    engagements, truncated = _engagements(uow, principal, include_finalized)
    client = is_client_user(principal)
    items: dict[uuid.UUID, dict[str, Any]] = {
        eid: {
            "engagement_id": eid,
            "name": name,
            "status": status,
            "locked": status == LOCKED_STATUS,
            "my_role": None if client else role,
            "workpapers_total": None if client else 0,
            "workpapers_signed": None if client else 0,
            "open_review_notes": None if client else 0,
            "unresolved_je_exceptions": None if client else 0,
            "je_run_id": None,
            "loaded_kinds": None if client else [],
            "awaiting_acceptance": None if client else 0,
            "materiality_set": None if client else False,
        }
        for eid, name, status, role in engagements
    }
    result: dict[str, Any] = {
        "items": list(items.values()),
        "truncated": truncated,
        "notes_assigned_to_me": [],
        "waiting_for_my_signoff": [],
        "submissions_to_accept": [],
    }
    if client or not items:
        return result
    ids = list(items)
    me = principal.user_id
    names = {eid: name for eid, name, _, _ in engagements}
    order = {eid: i for i, eid in enumerate(ids)}
    may = {eid: permissions_on(principal, role) for eid, _, status, role in engagements if status != LOCKED_STATUS}

    wp = _workpapers(uow, ids, me)
    for eid, total, signed in uow.session.execute(
        select(wp.c.engagement_id, func.count(), func.count().filter(wp.c.approved)).group_by(wp.c.engagement_id)
    ):
        items[eid]["workpapers_total"], items[eid]["workpapers_signed"] = int(total), int(signed)
    waiting = uow.session.execute(
        select(wp)
        .where(
            or_(
                and_(wp.c.prepared, ~wp.c.reviewed, ~wp.c.mine),
                and_(wp.c.reviewed, ~wp.c.approved),
            )
        )
        .order_by(wp.c.index_code.nulls_last(), wp.c.title, wp.c.id)
        .limit(MAX_TASKS * 4)
    ).all()
    signoffs: list[dict[str, Any]] = []
    for row in waiting:
        granted = may.get(row.engagement_id, frozenset())
        if row.prepared and not row.reviewed and not row.mine and Permission.WORKPAPER_REVIEW in granted:
            step = "review"
        elif row.reviewed and not row.approved and Permission.WORKPAPER_APPROVE in granted:
            step = "approve"
        else:
            continue
        signoffs.append(
            {
                "engagement_id": row.engagement_id,
                "engagement_name": names[row.engagement_id],
                "node_id": row.id,
                "index_code": row.index_code,
                "title": row.title,
                "step": step,
            }
        )
    signoffs.sort(key=lambda t: order[t["engagement_id"]])
    result["waiting_for_my_signoff"] = signoffs[:MAX_TASKS]

    for eid, n in uow.session.execute(
        select(ReviewNote.engagement_id, func.count())
        .where(ReviewNote.engagement_id.in_(ids), ReviewNote.status == "open")
        .group_by(ReviewNote.engagement_id)
    ):
        items[eid]["open_review_notes"] = int(n)
    notes = uow.session.execute(
        select(ReviewNote, BinderNode.index_code, BinderNode.title)
        .join(BinderNode, BinderNode.id == ReviewNote.node_id)
        .where(ReviewNote.engagement_id.in_(ids), ReviewNote.status == "open", ReviewNote.assignee_id == me)
        .order_by(ReviewNote.created_at, ReviewNote.id)
        .limit(MAX_TASKS)
    ).all()
    result["notes_assigned_to_me"] = sorted(
        (
            {
                "engagement_id": note.engagement_id,
                "engagement_name": names[note.engagement_id],
                "note_id": note.id,
                "node_id": note.node_id,
                "node_index_code": index_code,
                "node_title": title,
                "body": note.body,
            }
            for note, index_code, title in notes
        ),
        key=lambda t: order[t["engagement_id"]],
    )

    latest = (
        select(JeRun.id, JeRun.engagement_id, JeRun.dataset_id)
        .where(JeRun.engagement_id.in_(ids), JeRun.status == "completed")
        .ext(distinct_on(JeRun.engagement_id))
        .order_by(JeRun.engagement_id, JeRun.created_at.desc(), JeRun.id)
        .subquery()
    )
    unresolved = func.coalesce(JeDisposition.status, "open").in_(UNRESOLVED)
    for eid, run_id, n in uow.session.execute(
        select(latest.c.engagement_id, latest.c.id, func.count(JeJournalRisk.journal_id).filter(unresolved))
        .select_from(latest)
        .outerjoin(JeJournalRisk, JeJournalRisk.run_id == latest.c.id)
        .outerjoin(
            JeDisposition,
            and_(JeDisposition.dataset_id == latest.c.dataset_id, JeDisposition.journal_id == JeJournalRisk.journal_id),
        )
        .group_by(latest.c.engagement_id, latest.c.id)
    ):
        items[eid]["je_run_id"], items[eid]["unresolved_je_exceptions"] = run_id, int(n)

    for eid, kind in uow.session.execute(
        select(Dataset.engagement_id, Dataset.kind)
        .where(
            Dataset.engagement_id.in_(ids),
            Dataset.status == "succeeded",
            Dataset.options["comparative"].astext.is_(None),
        )
        .distinct()
        .order_by(Dataset.engagement_id, Dataset.kind)
    ):
        items[eid]["loaded_kinds"].append(kind)
    submissions: list[dict[str, Any]] = []
    for dataset_id, eid, kind, filename in uow.session.execute(
        select(Dataset.id, Dataset.engagement_id, Dataset.kind, Dataset.filename)
        .where(Dataset.engagement_id.in_(ids), Dataset.status == "submitted", Dataset.needs_acceptance.is_(True))
        .order_by(Dataset.created_at.desc(), Dataset.version.desc())
    ):
        items[eid]["awaiting_acceptance"] += 1
        if Permission.DATA_UPLOAD in may.get(eid, frozenset()):
            submissions.append(
                {
                    "engagement_id": eid,
                    "engagement_name": names[eid],
                    "dataset_id": dataset_id,
                    "kind": kind,
                    "filename": filename,
                }
            )
    submissions.sort(key=lambda t: order[t["engagement_id"]])
    result["submissions_to_accept"] = submissions[:MAX_TASKS]

    for eid in engagements_with_materiality(uow, engagement_ids=ids):
        items[eid]["materiality_set"] = True
    return result
