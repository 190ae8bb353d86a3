"""Use cases of audit planning: materiality versions and the risk assessment.

Both are the firm's working papers: client users never see them (404, and row-level security hides
them). Reads need engagement.read, writes engagement.update on the engagement; every write is refused
once the engagement is finalized (409, and the lock trigger of migration 0009 behind it).

Materiality versions are immutable (aura_app may only insert and read them); a new determination is
a new version, and the highest version is current. The benchmark amount is given by the auditor,
or taken from the engagement's trial balance once its mapping to the standard chart is confirmed
(shared/mapped_tb.py), with a warning when profit before tax is not stable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select, text

from functions.planning import materiality, risk
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.bus.events import MaterialityChanged
from shared.db.models_engagement import BinderNode
from shared.db.models_planning import Materiality, Risk
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import NotFound, ValidationFailed
from shared.mapped_tb import benchmark_amounts as mapped_benchmarks
from shared.materiality import current_materiality

PROCEDURE_KINDS = ("workpaper",)
RESPONSE_INPUTS = ("inherent_risk", "control_risk", "fraud_risk", "significant_risk")
WRITE = Permission.ENGAGEMENT_UPDATE
READ = Permission.ENGAGEMENT_READ


# --- materiality -----------------------------------------------------------------------------------


def figures_of(row: Materiality) -> materiality.Figures:
    """A stored version as the pure module's figures, so its method text is recomputed from what was kept."""
    return materiality.Figures(
        benchmark=row.benchmark,
        benchmark_amount=row.benchmark_amount,
        percentage=row.percentage,
        risk_level=row.risk_level,
        overall=row.overall_materiality,
        performance=row.performance_materiality,
        clearly_trivial=row.clearly_trivial,
    )


@dataclass(frozen=True)
class Determination:
    """A new materiality version, and what the auditor should know about its benchmark."""

    row: Materiality
    warnings: list[str]


def _jsonable(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    # Amounts are kept as text in JSONB: a JSON number would go through a float and could lose cents.
    return [{key: str(value) if isinstance(value, Decimal) else value for key, value in row.items()} for row in rows]


def create_materiality(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    benchmark: str,
    amount: Decimal | None,
    percentage: Decimal | None,
    benchmark_amounts: Mapping[str, Decimal],
    risk_level: str,
    rationale: str,
) -> Determination:
    """Determine materiality and keep it as the engagement's next version, which becomes current; without
    an amount, the benchmark's amount is taken from the mapped trial balance."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    # The benchmarks from the engagement's mapped trial balance, when its mapping is confirmed.
    mapped = mapped_benchmarks(uow, engagement_id=engagement_id)
    if amount is None and mapped is not None:
        amount = mapped.as_amounts()[benchmark]
    if amount is None:
        raise ValidationFailed.field(
            "body",
            "amount",
            message=f"the {materiality.LABELS.get(benchmark, benchmark)} amount is required for benchmark "
            f"{benchmark}: no trial balance of this engagement is mapped to the standard chart yet",
            detail=f"amount is required for benchmark {benchmark}",
            code="amount_required",
        )
    if mapped is not None:
        given = set(benchmark_amounts) | {benchmark}
        benchmark_amounts = {
            **{name: value for name, value in mapped.as_amounts().items() if name not in given},
            **benchmark_amounts,
        }
    warnings = materiality.stability_warnings(benchmark, amount, mapped.prior_profit_before_tax if mapped else None)
    # Stated in cents (the request allows no more), so a figure reads the same before and after storing.
    amount = amount.quantize(materiality.CENT)
    benchmark_amounts = {name: value.quantize(materiality.CENT) for name, value in benchmark_amounts.items()}
    materiality.check_benchmark_amounts(benchmark, amount, benchmark_amounts)
    figures = materiality.compute(benchmark, amount, risk_level, percentage)
    alternatives = materiality.alternatives(figures, benchmark_amounts)
    # Concurrent determinations take turns, so versions count up without gaps or clashes.
    uow.session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"materiality:{engagement_id}"}
    )
    latest = uow.session.scalar(select(func.max(Materiality.version)).where(Materiality.engagement_id == engagement_id))
    row = Materiality(
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        version=(latest or 0) + 1,
        benchmark=figures.benchmark,
        benchmark_amount=figures.benchmark_amount,
        percentage=figures.percentage,
        risk_level=figures.risk_level,
        overall_materiality=figures.overall,
        performance_materiality=figures.performance,
        clearly_trivial=figures.clearly_trivial,
        rationale=rationale,
        alternatives=_jsonable(alternatives),
        created_by=principal.user_id,
    )
    uow.session.add(row)
    uow.session.flush()
    # The amounts and the rationale stay out of the audit log: they are the client's figures.
    record(
        uow,
        "materiality.created",
        engagement_id=engagement_id,
        target_type="materiality",
        target_id=row.id,
        version=row.version,
        benchmark=row.benchmark,
        percentage=str(figures.percentage),
        risk_level=row.risk_level,
    )
    uow.publish(MaterialityChanged(engagement_id=engagement_id, materiality_id=row.id, version=row.version))
    uow.commit()
    return Determination(row, warnings)


def get_current_materiality_or_raise(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> Materiality:
    """The current version, or 404 `no_materiality` when none was determined yet."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    row = current_materiality(uow, engagement_id=engagement_id)
    if row is None:
        raise NotFound("No materiality has been determined for this engagement", code="no_materiality")
    return row


def list_materiality_versions(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, offset: int, limit: int
) -> tuple[list[Materiality], int]:
    """Every version, newest first."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    condition = Materiality.engagement_id == engagement_id
    total = uow.session.scalar(select(func.count()).select_from(Materiality).where(condition)) or 0
    rows = uow.session.scalars(
        select(Materiality).where(condition).order_by(Materiality.version.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


# --- risks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskView:
    """A risk with the binder nodes its procedures are, those that still exist, in the order linked."""

    risk: Risk
    procedures: list[BinderNode] = field(default_factory=list)


def _procedures_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, node_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The linked node ids, each once, in order; each must be a workpaper of the engagement's binder."""
    unique = list(dict.fromkeys(node_ids))
    nodes = {
        node.id: node
        for node in uow.session.scalars(
            select(BinderNode).where(BinderNode.engagement_id == engagement_id, BinderNode.id.in_(unique))
        )
    }
    for index, node_id in enumerate(node_ids):
        node = nodes.get(node_id)
        # A node of another engagement reads as missing: nothing leaks about engagements one cannot see.
        if node is None:
            problem = f"no binder node {node_id} in this engagement"
        elif node.kind not in PROCEDURE_KINDS:
            problem = f"binder node {node_id} is a {node.kind}, not a workpaper"
        else:
            continue
        raise ValidationFailed.field(
            "body", "procedure_node_ids", str(index), message=problem, detail="A linked procedure is not valid"
        )
    return unique


def _views(uow: UnitOfWork, risks: list[Risk]) -> list[RiskView]:
    wanted = {node_id for item in risks for node_id in item.procedure_node_ids}
    nodes = (
        {node.id: node for node in uow.session.scalars(select(BinderNode).where(BinderNode.id.in_(wanted)))}
        if wanted
        else {}
    )
    return [
        RiskView(item, [nodes[node_id] for node_id in item.procedure_node_ids if node_id in nodes]) for item in risks
    ]


def _risk_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, risk_id: uuid.UUID, *, for_update: bool) -> Risk:
    query = select(Risk).where(Risk.id == risk_id, Risk.engagement_id == engagement_id)
    if for_update:
        query = query.with_for_update()
    found = uow.session.scalar(query)
    if found is None:
        raise NotFound("No such risk", code="risk_not_found")
    return found


def _assess(target: Risk) -> None:
    response = risk.plan_response(
        target.inherent_risk,
        target.control_risk,
        significant_risk=target.significant_risk,
        fraud_risk=target.fraud_risk,
    )
    target.rmm = response.rmm
    target.response = response.as_dict()


def _audit_value(value: Any) -> Any:
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value) if isinstance(value, uuid.UUID) else value


def list_risks(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    area: str | None,
    assertion: str | None,
    significant: bool | None,
    offset: int,
    limit: int,
) -> tuple[list[RiskView], int]:
    """The engagement's risks by area and assertion."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    conditions: list[ColumnElement[bool]] = [Risk.engagement_id == engagement_id]
    if area is not None:
        conditions.append(Risk.area == area)
    if assertion is not None:
        conditions.append(Risk.assertion == assertion)
    if significant is not None:
        conditions.append(Risk.significant_risk.is_(significant))
    total = uow.session.scalar(select(func.count()).select_from(Risk).where(*conditions)) or 0
    rows = uow.session.scalars(
        select(Risk)
        .where(*conditions)
        .order_by(Risk.area, Risk.assertion, Risk.created_at, Risk.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return _views(uow, list(rows)), total


def get_risk_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, risk_id: uuid.UUID
) -> RiskView:
    """One risk with its procedures."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    return _views(uow, [_risk_or_raise(uow, engagement_id, risk_id, for_update=False)])[0]


def create_risk(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, fields: dict[str, Any]) -> RiskView:
    """Assess a risk of material misstatement and plan the response to it."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    procedures = _procedures_or_raise(uow, engagement_id, fields.get("procedure_node_ids", []))
    created = Risk(
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        **{**fields, "procedure_node_ids": procedures},
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    _assess(created)
    uow.session.add(created)
    uow.session.flush()
    # The description stays out of the audit log: it may quote the client's figures.
    record(
        uow,
        "risk.created",
        engagement_id=engagement_id,
        target_type="risk",
        target_id=created.id,
        area=created.area,
        assertion=created.assertion,
        inherent_risk=created.inherent_risk,
        control_risk=created.control_risk,
        fraud_risk=created.fraud_risk,
        significant_risk=created.significant_risk,
        rmm=created.rmm,
        procedure_node_ids=_audit_value(procedures),
    )
    uow.commit()
    return _views(uow, [created])[0]


def update_risk(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, risk_id: uuid.UUID, changes: dict[str, Any]
) -> RiskView:
    """Change a risk's assessment or its procedures; the planned response follows the assessment."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    target = _risk_or_raise(uow, engagement_id, risk_id, for_update=True)
    if "procedure_node_ids" in changes:
        changes = {
            **changes,
            "procedure_node_ids": _procedures_or_raise(uow, engagement_id, changes["procedure_node_ids"]),
        }
    changed = sorted(name for name, value in changes.items() if getattr(target, name) != value)
    if not changed:
        return _views(uow, [target])[0]
    for name in changed:
        setattr(target, name, changes[name])
    previous_rmm = target.rmm
    if set(changed) & set(RESPONSE_INPUTS):
        _assess(target)
    target.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "risk.updated",
        engagement_id=engagement_id,
        target_type="risk",
        target_id=target.id,
        fields=changed,
        **{name: _audit_value(changes[name]) for name in changed if name != "description"},
        **({"rmm": {"from": previous_rmm, "to": target.rmm}} if target.rmm != previous_rmm else {}),
    )
    uow.commit()
    return _views(uow, [target])[0]


def delete_risk(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, risk_id: uuid.UUID) -> None:
    """Remove a risk from the assessment; the audit log keeps what it was."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    target = _risk_or_raise(uow, engagement_id, risk_id, for_update=True)
    record(
        uow,
        "risk.deleted",
        engagement_id=engagement_id,
        target_type="risk",
        target_id=target.id,
        area=target.area,
        assertion=target.assertion,
        rmm=target.rmm,
        significant_risk=target.significant_risk,
        fraud_risk=target.fraud_risk,
    )
    uow.session.delete(target)
    uow.session.flush()
    uow.commit()
