"""The engagement's snapshot for QC (state.py), read through the ORM models of shared/db/ and the read
models of shared/ (mapped_tb, materiality, datasets), never through another capability's code.

Every read is a set-based statement over one engagement: the binder's nodes and their sign-off and
evidence aggregates, the trial balance (one row per account), counts of the JE run's flagged journals
by disposition. Neither the general ledger nor the run's flagged lines are ever loaded, so the cost
does not grow with the ledger (tools/bench_qc.py measures it at a million lines).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select

from functions.qc import state
from shared.datasets import current_dataset
from shared.db.models_analytics import JeDisposition, JeJournalRisk, JeRun
from shared.db.models_engagement import BinderNode, EngagementMember, NodeEvidence, ReviewNote, Signoff
from shared.db.models_events import SubsequentEvent, SubsequentEventsReview
from shared.db.models_planning import Risk
from shared.db.models_program import ProgramProcedure
from shared.db.uow import UnitOfWork
from shared.mapped_tb import adjustment_totals, final_trial_balance
from shared.materiality import current_materiality

UNRESOLVED = ("open", "investigating")
UNRESOLVED_NAMED = 10
PENDING_RUNS = ("queued", "running", "scoring")
UNADJUSTED_KINDS = ("proposed", "passed")


@dataclass(frozen=True)
class _Node:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    kind: str
    index_code: str | None
    title: str
    account_numbers: Any


def _label(node: _Node) -> str:
    return f"{node.index_code} {node.title}" if node.index_code else node.title


class _Binder:
    """The binder's nodes by id, with each node's path and top-level section."""

    def __init__(self, nodes: list[_Node]) -> None:
        self.nodes = {node.id: node for node in nodes}
        self._paths: dict[uuid.UUID, str] = {}

    def chain(self, node_id: uuid.UUID) -> list[_Node]:
        found: list[_Node] = []
        seen: set[uuid.UUID] = set()
        current = self.nodes.get(node_id)
        while current is not None and current.id not in seen:
            seen.add(current.id)
            found.append(current)
            current = self.nodes.get(current.parent_id) if current.parent_id else None
        return found[::-1]

    def path(self, node_id: uuid.UUID) -> str:
        if node_id not in self._paths:
            self._paths[node_id] = " / ".join(_label(node) for node in self.chain(node_id))
        return self._paths[node_id]

    def section(self, node_id: uuid.UUID) -> _Node | None:
        chain = self.chain(node_id)
        return chain[0] if len(chain) > 1 else None


def _binder(uow: UnitOfWork, engagement_id: uuid.UUID) -> _Binder:
    rows = uow.session.execute(
        select(
            BinderNode.id,
            BinderNode.parent_id,
            BinderNode.kind,
            BinderNode.index_code,
            BinderNode.title,
            # Only the one key of a workpaper's content QC reads, never the content itself.
            BinderNode.content["account_numbers"],
        )
        .where(BinderNode.engagement_id == engagement_id)
        .order_by(BinderNode.position, BinderNode.id)
    )
    return _Binder([_Node(*row) for row in rows])


def _signoffs(uow: UnitOfWork, engagement_id: uuid.UUID) -> dict[uuid.UUID, tuple[bool, bool, frozenset[uuid.UUID]]]:
    """Node id -> (prepared, reviewed, who approved), from the active sign-offs."""
    approvers = func.array_agg(Signoff.user_id).filter(Signoff.step == "approve")
    rows = uow.session.execute(
        select(
            Signoff.node_id,
            func.bool_or(Signoff.step == "prepare"),
            func.bool_or(Signoff.step == "review"),
            approvers,
        )
        .where(Signoff.engagement_id == engagement_id, Signoff.cleared_at.is_(None))
        .group_by(Signoff.node_id)
    )
    return {node_id: (bool(p), bool(r), frozenset(a or ())) for node_id, p, r, a in rows}


def _linked_evidence(uow: UnitOfWork, engagement_id: uuid.UUID) -> dict[uuid.UUID, int]:
    rows = uow.session.execute(
        select(NodeEvidence.node_id, func.count())
        .where(NodeEvidence.engagement_id == engagement_id)
        .group_by(NodeEvidence.node_id)
    )
    return {node_id: int(count) for node_id, count in rows}


def _account_numbers(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item).strip() for item in value if isinstance(item, str | int) and str(item).strip())
    return ()


def _workpapers(
    uow: UnitOfWork, engagement_id: uuid.UUID, binder: _Binder
) -> tuple[tuple[state.Workpaper, ...], tuple[state.EvidencedFolder, ...]]:
    signoffs = _signoffs(uow, engagement_id)
    evidence = _linked_evidence(uow, engagement_id)
    evidence_nodes: dict[uuid.UUID, int] = {}
    for node in binder.nodes.values():
        if node.kind == "evidence" and node.parent_id is not None:
            evidence_nodes[node.parent_id] = evidence_nodes.get(node.parent_id, 0) + 1
    papers: list[state.Workpaper] = []
    folders: list[state.EvidencedFolder] = []
    for node in binder.nodes.values():
        if node.kind == "workpaper":
            prepared, reviewed, approved = signoffs.get(node.id, (False, False, frozenset()))
            section = binder.section(node.id)
            papers.append(
                state.Workpaper(
                    node_id=node.id,
                    path=binder.path(node.id),
                    section_code=section.index_code if section else None,
                    section_title=section.title if section else None,
                    index_code=node.index_code,
                    title=node.title,
                    prepared=prepared,
                    reviewed=reviewed,
                    approved_by=approved,
                    evidence_files=evidence.get(node.id, 0),
                    account_numbers=_account_numbers(node.account_numbers),
                )
            )
        elif node.kind == "folder":
            files = evidence.get(node.id, 0) + evidence_nodes.get(node.id, 0)
            if files:
                folders.append(state.EvidencedFolder(binder.path(node.id), node.index_code, node.title, files))
    return tuple(papers), tuple(folders)


@dataclass(frozen=True)
class _Procedure:
    label: str
    nature: str
    status: str
    risk_ids: list[uuid.UUID]
    workpaper_node_ids: list[uuid.UUID]


def _program(uow: UnitOfWork, engagement_id: uuid.UUID) -> list[_Procedure]:
    """The audit program's procedures, in order, with what QC needs of them (never their conclusions)."""
    rows = uow.session.execute(
        select(
            ProgramProcedure.library_code,
            ProgramProcedure.title,
            ProgramProcedure.nature,
            ProgramProcedure.status,
            ProgramProcedure.risk_ids,
            ProgramProcedure.workpaper_node_ids,
        )
        .where(ProgramProcedure.engagement_id == engagement_id)
        .order_by(ProgramProcedure.position, ProgramProcedure.id)
    )
    return [
        _Procedure(
            f"procedure {code} {title}" if code and ":" not in code else f"procedure {title}",
            nature,
            status,
            list(risk_ids),
            list(node_ids),
        )
        for code, title, nature, status, risk_ids, node_ids in rows
    ]


def _risks(uow: UnitOfWork, engagement_id: uuid.UUID, program: list[_Procedure]) -> tuple[state.RiskItem, ...]:
    rows = uow.session.execute(
        select(Risk.id, Risk.area, Risk.assertion, Risk.fraud_risk, Risk.significant_risk)
        .where(Risk.engagement_id == engagement_id)
        .order_by(Risk.area, Risk.assertion, Risk.created_at, Risk.id)
    )
    items = []
    for risk_id, area, assertion, fraud, significant in rows:
        answers = tuple(
            state.Answer(item.label, item.nature)
            for item in program
            if risk_id in item.risk_ids and item.status != "not_applicable"
        )
        items.append(state.RiskItem(area, assertion, bool(fraud), bool(significant), answers))
    return tuple(items)


def _documented_procedures(
    program: list[_Procedure], workpapers: tuple[state.Workpaper, ...]
) -> tuple[state.Documented, ...]:
    """Each completed procedure: prepared when a linked workpaper is, reviewed when one is both."""
    papers = {paper.node_id: paper for paper in workpapers}
    documented = []
    for item in program:
        if item.status != "completed":
            continue
        linked = [papers[node_id] for node_id in item.workpaper_node_ids if node_id in papers]
        prepared = any(paper.prepared for paper in linked)
        reviewed = any(paper.prepared and paper.reviewed for paper in linked)
        documented.append(state.Documented(item.label, prepared, reviewed, kind="procedure"))
    return tuple(documented)


def _je(uow: UnitOfWork, engagement_id: uuid.UUID) -> state.JeTesting:
    ledger = current_dataset(uow, engagement_id=engagement_id, kind="general_ledger")
    if ledger is None:
        return state.JeTesting(ledger_version=None, run_id=None)
    run_id = uow.session.scalar(
        select(JeRun.id)
        .where(JeRun.engagement_id == engagement_id, JeRun.dataset_id == ledger.id, JeRun.status == "completed")
        .order_by(JeRun.created_at.desc(), JeRun.id)
        .limit(1)
    )
    if run_id is None:
        pending = uow.session.scalar(
            select(func.count())
            .select_from(JeRun)
            .where(JeRun.engagement_id == engagement_id, JeRun.dataset_id == ledger.id, JeRun.status.in_(PENDING_RUNS))
        )
        return state.JeTesting(ledger_version=ledger.version, run_id=None, other_runs_pending=int(pending or 0))
    disposition = and_(JeDisposition.dataset_id == ledger.id, JeDisposition.journal_id == JeJournalRisk.journal_id)
    unresolved = func.coalesce(JeDisposition.status, "open").in_(UNRESOLVED)
    flagged, open_count = uow.session.execute(
        select(func.count(), func.count().filter(unresolved))
        .select_from(JeJournalRisk)
        .outerjoin(JeDisposition, disposition)
        .where(JeJournalRisk.run_id == run_id)
    ).one()
    examples: tuple[str, ...] = ()
    if open_count:
        examples = tuple(
            uow.session.scalars(
                select(JeJournalRisk.journal_id)
                .outerjoin(JeDisposition, disposition)
                .where(JeJournalRisk.run_id == run_id, unresolved)
                .order_by(JeJournalRisk.rank)
                .limit(UNRESOLVED_NAMED)
            )
        )
    return state.JeTesting(
        ledger_version=ledger.version,
        run_id=run_id,
        flagged_journals=int(flagged),
        unresolved_journals=int(open_count),
        unresolved_examples=examples,
    )


def _open_notes(uow: UnitOfWork, engagement_id: uuid.UUID, binder: _Binder) -> tuple[state.OpenNote, ...]:
    rows = uow.session.execute(
        select(ReviewNote.node_id, ReviewNote.status, ReviewNote.blocking)
        .where(ReviewNote.engagement_id == engagement_id, ReviewNote.status != "cleared")
        .order_by(ReviewNote.created_at, ReviewNote.id)
    )
    return tuple(state.OpenNote(binder.path(node_id), status, bool(blocking)) for node_id, status, blocking in rows)


def _subsequent_events(uow: UnitOfWork, engagement_id: uuid.UUID) -> state.EventsRegister:
    """The register's review-through date and its events in counts, the unresolved ones by date and type."""
    reviewed = uow.session.scalar(
        select(SubsequentEventsReview.reviewed_through).where(SubsequentEventsReview.engagement_id == engagement_id)
    )
    total = uow.session.scalar(
        select(func.count()).select_from(SubsequentEvent).where(SubsequentEvent.engagement_id == engagement_id)
    )
    unresolved = uow.session.execute(
        select(SubsequentEvent.event_date, SubsequentEvent.event_type)
        .where(SubsequentEvent.engagement_id == engagement_id, SubsequentEvent.status == "open")
        .order_by(SubsequentEvent.event_date, SubsequentEvent.id)
    )
    return state.EventsRegister(
        reviewed_through=reviewed,
        events=int(total or 0),
        open_events=tuple(f"event of {day.isoformat()} ({kind}): open" for day, kind in unresolved),
    )


def _partners(uow: UnitOfWork, engagement_id: uuid.UUID) -> frozenset[uuid.UUID]:
    return frozenset(
        uow.session.scalars(
            select(EngagementMember.user_id).where(
                EngagementMember.engagement_id == engagement_id, EngagementMember.role == "partner"
            )
        )
    )


def _names(accounts: tuple[state.Account, ...] | None) -> Mapping[str, str]:
    return {account.number: account.name for account in accounts or ()}


def snapshot(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> state.EngagementState:
    """The engagement as the policies look at it."""
    binder = _binder(uow, engagement_id)
    workpapers, folders = _workpapers(uow, engagement_id, binder)
    final = final_trial_balance(uow, engagement_id=engagement_id)
    accounts = (
        tuple(
            state.Account(line.account_number, line.account_name, line.unadjusted, line.final, line.confirmed)
            for line in final.lines
        )
        if final is not None
        else None
    )
    current = current_materiality(uow, engagement_id=engagement_id)
    names = _names(accounts)
    unadjusted = tuple(
        state.Misstatement(number, names.get(number, ""), amount)
        for number, amount in sorted(
            adjustment_totals(uow, engagement_id=engagement_id, kinds=UNADJUSTED_KINDS).items()
        )
        if amount
    )
    program = _program(uow, engagement_id)
    return state.EngagementState(
        engagement_id=engagement_id,
        documentation=(
            *(state.Documented(paper.path, paper.prepared, paper.reviewed) for paper in workpapers),
            *_documented_procedures(program, workpapers),
        ),
        workpapers=workpapers,
        evidenced_folders=folders,
        accounts=accounts,
        materiality=(
            state.Materiality(current.version, current.overall_materiality, current.performance_materiality)
            if current is not None
            else None
        ),
        risks=_risks(uow, engagement_id, program),
        je=_je(uow, engagement_id),
        open_notes=_open_notes(uow, engagement_id, binder),
        unadjusted=unadjusted,
        partners=_partners(uow, engagement_id),
        subsequent_events=_subsequent_events(uow, engagement_id),
    )
