"""Use cases of clients, engagements, their team, their lifecycle and their activity feed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, select
from sqlalchemy.exc import IntegrityError

from functions.engagement.standard_binder import create_standard_sections
from shared import audit_log, clock, gates
from shared.auth.permissions import CLIENT_ROLES, Permission
from shared.auth.principal import Principal
from shared.bus.events import (
    EngagementCreated,
    EngagementFinalized,
    EngagementMemberAdded,
    EngagementMemberRemoved,
    EngagementStatusChanged,
    EngagementUpdated,
)
from shared.db.models import AuditRecord, Client, User
from shared.db.models_engagement import Engagement, EngagementMember
from shared.db.uow import UnitOfWork
from shared.engagement_access import (
    EngagementAccess,
    is_client_user,
    record,
    require,
)
from shared.errors import Conflict, NotFound, ValidationFailed

# docs/audit-rules.md section 2: the forward path and the three back steps. Nothing leaves `finalized`.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("planning",),
    "planning": ("fieldwork", "draft"),
    "fieldwork": ("review", "planning"),
    "review": ("finalized", "fieldwork"),
    "finalized": (),
}
BACK_STEPS = {("planning", "draft"), ("fieldwork", "planning"), ("review", "fieldwork")}
MIN_BACK_STEP_REASON = 10
LEAD_ROLES = ("partner", "manager")


# --- clients ---------------------------------------------------------------------------------------


def _client_name_taken(name: str) -> Conflict:
    return Conflict(f"A client named {name!r} already exists in the firm", code="client_exists")


def create_client(*, uow: UnitOfWork, fields: dict[str, Any]) -> Client:
    """A new client of the firm."""
    if uow.session.scalar(select(Client.id).where(func.lower(Client.name) == fields["name"].lower())):
        raise _client_name_taken(fields["name"])
    client = Client(firm_id=uow.firm_id, created_by=uow.user_id, **fields)
    uow.session.add(client)
    uow.session.flush()
    _record_client(uow, action="client.created", client=client, name=client.name)
    uow.commit()
    return client


def _record_client(uow: UnitOfWork, *, action: str, client: Client, **data: Any) -> None:
    """Append a client change to the audit log, naming the client."""
    audit_log.append(uow, action, target_type="client", target_id=client.id, data={"client_id": str(client.id), **data})


def list_clients(*, uow: UnitOfWork, q: str | None, offset: int, limit: int) -> tuple[list[Client], int]:
    """The firm's clients by name (a client user sees only their own, by row-level security)."""
    query = select(Client)
    if q:
        query = query.where(Client.name.icontains(q, autoescape=True))
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.scalars(query.order_by(func.lower(Client.name), Client.id).offset(offset).limit(limit)).all()
    return list(rows), total


def get_client_or_raise(*, uow: UnitOfWork, client_id: uuid.UUID) -> Client:
    """One client the caller can see, else 404."""
    client = uow.session.get(Client, client_id)
    if client is None:
        raise NotFound("No such client", code="client_not_found")
    return client


def update_client(*, uow: UnitOfWork, client_id: uuid.UUID, changes: dict[str, Any]) -> Client:
    """Change a client's details."""
    client = get_client_or_raise(uow=uow, client_id=client_id)
    new_name = changes.get("name")
    if new_name and new_name.lower() != client.name.lower():
        clash = select(Client.id).where(func.lower(Client.name) == new_name.lower(), Client.id != client.id)
        if uow.session.scalar(clash):
            raise _client_name_taken(new_name)
    for field, value in changes.items():
        setattr(client, field, value)
    uow.session.flush()
    _record_client(uow, action="client.updated", client=client, fields=sorted(changes))
    uow.commit()
    return client


# --- engagements -----------------------------------------------------------------------------------


def create_engagement(*, uow: UnitOfWork, principal: Principal, fields: dict[str, Any]) -> EngagementAccess:
    """A draft engagement for a client, its creator as manager, its binder's standard sections."""
    client_id = fields["client_id"]
    if uow.session.get(Client, client_id) is None:
        raise ValidationFailed.field(
            "body", "client_id", message=f"no client {client_id}", detail="The client does not exist", type="not_found"
        )
    _check_due_date(fields.get("due_date"), fields["period_end"])
    engagement_id = uuid.uuid4()
    # Inserted without RETURNING: the new row only becomes visible to its creator once the team is
    # written, and row-level security checks returned rows against visibility.
    uow.session.execute(
        insert(Engagement).values(id=engagement_id, firm_id=uow.firm_id, created_by=principal.user_id, **fields)
    )
    uow.session.execute(
        insert(EngagementMember).values(
            engagement_id=engagement_id,
            user_id=principal.user_id,
            firm_id=uow.firm_id,
            role="manager",
            added_by=principal.user_id,
        )
    )
    create_standard_sections(uow, firm_id=uow.firm_id, engagement_id=engagement_id)  # type: ignore[arg-type]
    record(
        uow,
        "engagement.created",
        engagement_id=engagement_id,
        target_type="engagement",
        target_id=engagement_id,
        name=fields["name"],
        client_id=str(client_id),
    )
    uow.publish(EngagementCreated(engagement_id=engagement_id, client_id=client_id, status="draft"))
    uow.commit()
    return require(uow, principal=principal, engagement_id=engagement_id, clients=True)


def _check_due_date(due_date: date | None, period_end: date) -> None:
    """docs/audit-rules.md section 2: the report cannot be due before the period it reports on ends."""
    if due_date is not None and due_date < period_end:
        raise ValidationFailed.field(
            "body",
            "due_date",
            message=f"{due_date} is before the period end {period_end}",
        )


def _visible_to(principal: Principal) -> ColumnElement[bool] | None:
    """The code-side visibility filter of lists; row-level security applies the same rule."""
    if is_client_user(principal):
        return Engagement.client_id == principal.client_id
    if principal.can(Permission.ENGAGEMENT_READ_ALL):
        return None
    return (
        select(EngagementMember.user_id)
        .where(EngagementMember.engagement_id == Engagement.id, EngagementMember.user_id == principal.user_id)
        .correlate(Engagement)
        .exists()
    )


def list_engagements(
    *,
    uow: UnitOfWork,
    principal: Principal,
    status: str | None,
    client_id: uuid.UUID | None,
    period_from: date | None,
    period_to: date | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[Engagement, str | None]], int]:
    """The engagements the caller can see, newest period first, with the caller's team role."""
    conditions: list[ColumnElement[bool]] = []
    visible = _visible_to(principal)
    if visible is not None:
        conditions.append(visible)
    if status is not None:
        conditions.append(Engagement.status == status)
    if client_id is not None:
        conditions.append(Engagement.client_id == client_id)
    if period_from is not None:
        conditions.append(Engagement.period_end >= period_from)
    if period_to is not None:
        conditions.append(Engagement.period_start <= period_to)
    where = and_(*conditions) if conditions else None
    # The page and the total in one round trip (a window count over every row the filters select); only
    # a page past the end, which has no row to carry the total, asks for the count on its own.
    query = select(Engagement, EngagementMember.role, func.count().over()).outerjoin(
        EngagementMember,
        and_(EngagementMember.engagement_id == Engagement.id, EngagementMember.user_id == principal.user_id),
    )
    if where is not None:
        query = query.where(where)
    rows = uow.session.execute(
        query.order_by(Engagement.period_end.desc(), Engagement.name, Engagement.id).offset(offset).limit(limit)
    ).all()
    if rows:
        total = int(rows[0][2])
    elif offset == 0:
        total = 0
    else:
        count = select(func.count()).select_from(Engagement)
        total = uow.session.scalar(count if where is None else count.where(where)) or 0
    return [(row[0], row[1]) for row in rows], total


def update_engagement(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, changes: dict[str, Any]
) -> EngagementAccess:
    """Change an engagement's name, type, framework or period (not its status: that is a transition)."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        exclusive=True,
        permission=Permission.ENGAGEMENT_UPDATE,
        clients=True,
    )
    engagement = access.engagement
    start = changes.get("period_start", engagement.period_start)
    end = changes.get("period_end", engagement.period_end)
    if end <= start:
        raise ValidationFailed.field(
            "body", "period_end", message=f"{end} is not after {start}", detail="The period must end after it starts"
        )
    _check_due_date(changes.get("due_date", engagement.due_date), end)
    for field, value in changes.items():
        setattr(engagement, field, value)
    uow.session.flush()
    record(
        uow,
        "engagement.updated",
        engagement_id=engagement.id,
        target_type="engagement",
        target_id=engagement.id,
        changes={field: None if value is None else str(value) for field, value in changes.items()},
    )
    uow.publish(EngagementUpdated(engagement_id=engagement.id, fields=sorted(changes)))
    uow.commit()
    return access


def finalization_readiness(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> gates.Readiness:
    """Whether the engagement could be finalized now, and what is missing."""
    require(uow, principal=principal, engagement_id=engagement_id)
    return gates.readiness(uow, engagement_id=engagement_id)


def transition(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, to: str, reason: str | None
) -> tuple[EngagementAccess, str]:
    """Move the engagement along its lifecycle; returns it with the status it came from.

    The row is locked exclusively for the gate check and the change, so no write under the engagement
    (each holds a share lock) commits in between."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, exclusive=True, clients=True)
    engagement = access.engagement
    current = engagement.status
    if to not in TRANSITIONS[current]:
        raise Conflict(
            f"An engagement in {current} cannot move to {to}",
            code="invalid_transition",
            allowed=list(TRANSITIONS[current]),
        )
    access.require(Permission.ENGAGEMENT_FINALIZE if to == "finalized" else Permission.ENGAGEMENT_UPDATE)
    reason = (reason or "").strip()
    if (current, to) in BACK_STEPS and len(reason) < MIN_BACK_STEP_REASON:
        raise ValidationFailed.field(
            "body",
            "reason",
            message=f"at least {MIN_BACK_STEP_REASON} characters when going back from {current} to {to}",
            detail="A step back needs a reason",
        )
    if to == "finalized":
        verdict = gates.readiness(uow, engagement_id=engagement.id)
        if not verdict.ready:
            raise Conflict("The engagement is not ready to be finalized", code="not_ready", reasons=verdict.reasons)
        engagement.finalized_at = clock.now()
        engagement.finalized_by = principal.user_id
    engagement.status = to
    uow.session.flush()
    record(
        uow,
        "engagement.status_changed",
        engagement_id=engagement.id,
        target_type="engagement",
        target_id=engagement.id,
        **{"from": current, "to": to, "reason": reason or None},
    )
    uow.publish(
        EngagementStatusChanged(engagement_id=engagement.id, from_status=current, to_status=to, reason=reason or None)
    )
    if to == "finalized":
        uow.publish(EngagementFinalized(engagement_id=engagement.id, client_id=engagement.client_id))
    uow.commit()
    return access, current


# --- team ------------------------------------------------------------------------------------------


def list_members(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID
) -> list[tuple[EngagementMember, User]]:
    """The engagement's team, leads first."""
    require(uow, principal=principal, engagement_id=engagement_id)
    order = ("partner", "manager", "senior", "staff", "qc_reviewer")
    rows = uow.session.execute(
        select(EngagementMember, User)
        .join(User, User.id == EngagementMember.user_id)
        .where(EngagementMember.engagement_id == engagement_id)
    ).all()
    return sorted(((row[0], row[1]) for row in rows), key=lambda pair: (order.index(pair[0].role), pair[1].email))


def _team_member_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, user_id: uuid.UUID) -> EngagementMember:
    member = uow.session.get(EngagementMember, (engagement_id, user_id))
    if member is None:
        raise NotFound("That user is not on the team", code="member_not_found")
    return member


def _keep_a_lead(uow: UnitOfWork, engagement_id: uuid.UUID, leaving: uuid.UUID) -> None:
    leads = uow.session.scalar(
        select(func.count()).where(
            EngagementMember.engagement_id == engagement_id,
            EngagementMember.role.in_(LEAD_ROLES),
            EngagementMember.user_id != leaving,
        )
    )
    if not leads:
        raise Conflict("The team must keep a partner or a manager", code="team_needs_lead")


def add_member(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> tuple[EngagementMember, User]:
    """Put one of the firm's people on the team with an engagement role."""
    require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.ENGAGEMENT_UPDATE,
        clients=True,
    )
    user = uow.session.get(User, user_id)
    if user is None or not user.is_active or set(user.roles) & CLIENT_ROLES:
        raise ValidationFailed.field(
            "body",
            "user_id",
            message=f"no active firm user {user_id}",
            detail="Only active people of the firm can join a team",
        )
    if uow.session.get(EngagementMember, (engagement_id, user_id)) is not None:
        raise Conflict("That user is already on the team", code="already_member")
    member = EngagementMember(
        engagement_id=engagement_id, user_id=user_id, firm_id=uow.firm_id, role=role, added_by=principal.user_id
    )
    uow.session.add(member)
    try:
        uow.session.flush()
    except IntegrityError as error:
        raise Conflict("That user is already on the team", code="already_member") from error
    record(
        uow, "engagement.member_added", engagement_id=engagement_id, target_type="user", target_id=user_id, role=role
    )
    uow.publish(EngagementMemberAdded(engagement_id=engagement_id, user_id=user_id, role=role))
    uow.commit()
    return member, user


def update_member(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> tuple[EngagementMember, User]:
    """Change a team member's engagement role; the team keeps a partner or manager."""
    require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.ENGAGEMENT_UPDATE,
        clients=True,
    )
    member = _team_member_or_raise(uow, engagement_id, user_id)
    if member.role in LEAD_ROLES and role not in LEAD_ROLES:
        _keep_a_lead(uow, engagement_id, user_id)
    previous, member.role = member.role, role
    uow.session.flush()
    record(
        uow,
        "engagement.member_role_changed",
        engagement_id=engagement_id,
        target_type="user",
        target_id=user_id,
        **{"from": previous, "to": role},
    )
    user = uow.session.get_one(User, user_id)
    uow.commit()
    return member, user


def remove_member(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Take someone off the team; the team keeps a partner or manager."""
    require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.ENGAGEMENT_UPDATE,
        clients=True,
    )
    member = _team_member_or_raise(uow, engagement_id, user_id)
    if member.role in LEAD_ROLES:
        _keep_a_lead(uow, engagement_id, user_id)
    uow.session.delete(member)
    uow.session.flush()
    record(
        uow,
        "engagement.member_removed",
        engagement_id=engagement_id,
        target_type="user",
        target_id=user_id,
        role=member.role,
    )
    uow.publish(EngagementMemberRemoved(engagement_id=engagement_id, user_id=user_id))
    uow.commit()


# --- activity --------------------------------------------------------------------------------------


def list_activity(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, action: str | None, offset: int, limit: int
) -> tuple[list[AuditRecord], int]:
    """What happened on the engagement, newest first, from the firm's audit log."""
    require(uow, principal=principal, engagement_id=engagement_id)
    conditions = [
        AuditRecord.firm_id == uow.firm_id,
        AuditRecord.data.has_key("engagement_id"),
        AuditRecord.data["engagement_id"].astext == str(engagement_id),
    ]
    if action:
        conditions.append(AuditRecord.action == action)
    total = uow.session.scalar(select(func.count()).select_from(AuditRecord).where(*conditions)) or 0
    rows = uow.session.scalars(
        select(AuditRecord).where(*conditions).order_by(AuditRecord.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total
