"""HTTP triggers of clients, engagements, teams, transitions and the activity feed."""

from __future__ import annotations

from functions.engagement import bp, schemas, service, summary, summary_schemas
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.models import User
from shared.db.models_engagement import Engagement, EngagementMember
from shared.engagement_access import LOCKED_STATUS, EngagementAccess, permissions_on, require
from shared.errors import Forbidden
from shared.http import Call, Page, endpoint
from shared.people import names_of

CLIENTS = ["clients"]
ENGAGEMENTS = ["engagements"]


def _may_read(call: Call) -> None:
    """Firm people with read access, or client users (who see their own client's engagements)."""
    user = call.user
    if not (user.can(Permission.ENGAGEMENT_READ) or user.can(Permission.CLIENT_PORTAL)):
        raise Forbidden("Your role does not allow this", code="forbidden")


# What a finalized (locked) engagement still lets anyone do: look.
_READS = frozenset(
    {
        Permission.ENGAGEMENT_READ,
        Permission.ENGAGEMENT_READ_ALL,
        Permission.AUDIT_LOG_READ,
        Permission.USERS_READ,
        Permission.JOBS_READ_ALL,
        Permission.CLIENT_PORTAL,
    }
)


def _engagement(engagement: Engagement, role: str | None, principal: Principal) -> schemas.EngagementRead:
    """The engagement with the caller's role and effective permissions on it, so a screen offers
    only what the API will accept instead of keeping its own copy of the rules."""
    locked = engagement.status == LOCKED_STATUS
    granted = permissions_on(principal, role)
    if locked:
        granted &= _READS
    return schemas.EngagementRead.model_validate(
        {
            **{c.key: getattr(engagement, c.key) for c in Engagement.__table__.columns},
            "locked": locked,
            "my_role": role,
            "my_permissions": sorted(granted),
        }
    )


def _access(access: EngagementAccess) -> schemas.EngagementRead:
    return _engagement(access.engagement, access.role, access.principal)


def _client(client: object) -> schemas.ClientRead:
    return schemas.ClientRead.model_validate(client, from_attributes=True)


# --- clients ---------------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    "clients",
    name="create_client",
    summary="Add a client of the firm",
    tags=CLIENTS,
    permission=Permission.CLIENT_MANAGE,
    body=schemas.ClientCreate,
    response=schemas.ClientRead,
    status=201,
    errors=[409],
)
def create_client(call: Call) -> schemas.ClientRead:
    with call.uow() as uow:
        return _client(service.create_client(uow=uow, fields=call.body.model_dump(mode="json")))


@endpoint(
    bp,
    "GET",
    "clients",
    name="list_clients",
    summary="The firm's clients (a client user: their own)",
    tags=CLIENTS,
    query=schemas.ClientQuery,
    response=Page[schemas.ClientRead],
)
def list_clients(call: Call) -> Page[schemas.ClientRead]:
    _may_read(call)
    query: schemas.ClientQuery = call.query
    with call.uow() as uow:
        rows, total = service.list_clients(uow=uow, q=query.q, offset=query.offset, limit=query.page_size)
        return Page(items=[_client(c) for c in rows], page=query.page, page_size=query.page_size, total=total)


@endpoint(
    bp,
    "GET",
    "clients/{client_id:guid}",
    name="get_client",
    summary="One client",
    tags=CLIENTS,
    response=schemas.ClientRead,
    errors=[404],
)
def get_client(call: Call) -> schemas.ClientRead:
    _may_read(call)
    with call.uow() as uow:
        return _client(service.get_client_or_raise(uow=uow, client_id=call.route_uuid("client_id")))


@endpoint(
    bp,
    "PATCH",
    "clients/{client_id:guid}",
    name="update_client",
    summary="Change a client's details",
    tags=CLIENTS,
    permission=Permission.CLIENT_MANAGE,
    body=schemas.ClientUpdate,
    response=schemas.ClientRead,
    errors=[404, 409],
)
def update_client(call: Call) -> schemas.ClientRead:
    changes = call.body.model_dump(mode="json", exclude_unset=True)
    with call.uow() as uow:
        return _client(service.update_client(uow=uow, client_id=call.route_uuid("client_id"), changes=changes))


# --- engagements -----------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    "engagements",
    name="create_engagement",
    summary="Open a draft engagement for a client; its creator becomes manager",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_CREATE,
    body=schemas.EngagementCreate,
    response=schemas.EngagementRead,
    status=201,
)
def create_engagement(call: Call) -> schemas.EngagementRead:
    with call.uow() as uow:
        return _access(service.create_engagement(uow=uow, principal=call.user, fields=call.body.model_dump()))


@endpoint(
    bp,
    "GET",
    "engagements",
    name="list_engagements",
    summary="The engagements the caller can see",
    tags=ENGAGEMENTS,
    query=schemas.EngagementQuery,
    response=Page[schemas.EngagementRead],
)
def list_engagements(call: Call) -> Page[schemas.EngagementRead]:
    _may_read(call)
    query: schemas.EngagementQuery = call.query
    with call.uow() as uow:
        rows, total = service.list_engagements(
            uow=uow,
            principal=call.user,
            status=query.status,
            client_id=query.client_id,
            period_from=query.period_from,
            period_to=query.period_to,
            offset=query.offset,
            limit=query.page_size,
        )
        items = [_engagement(engagement, role, call.user) for engagement, role in rows]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)


# Declared before engagements/{engagement_id}: the guid constraint already keeps them apart, and the
# order keeps it so on a host that matches routes in registration order.
@endpoint(
    bp,
    "GET",
    "engagements/summary",
    name="get_engagements_summary",
    summary="Every visible engagement's progress and the caller's tasks, for the home page, in one call",
    tags=ENGAGEMENTS,
    query=summary_schemas.SummaryQuery,
    response=summary_schemas.EngagementSummaryRead,
)
def get_engagements_summary(call: Call) -> summary_schemas.EngagementSummaryRead:
    _may_read(call)
    query: summary_schemas.SummaryQuery = call.query
    with call.uow() as uow:
        found = summary.summary(uow=uow, principal=call.user, include_finalized=query.include_finalized)
        return summary_schemas.EngagementSummaryRead.model_validate(found)


@endpoint(
    bp,
    "GET",
    "engagements/{engagement_id:guid}",
    name="get_engagement",
    summary="One engagement",
    tags=ENGAGEMENTS,
    response=schemas.EngagementRead,
    errors=[404],
)
def get_engagement(call: Call) -> schemas.EngagementRead:
    _may_read(call)
    with call.uow() as uow:
        return _access(require(uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), clients=True))


@endpoint(
    bp,
    "PATCH",
    "engagements/{engagement_id:guid}",
    name="update_engagement",
    summary="Change an engagement's name, type, framework or period",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.EngagementUpdate,
    response=schemas.EngagementRead,
    errors=[404, 409],
)
def update_engagement(call: Call) -> schemas.EngagementRead:
    changes = call.body.model_dump(exclude_unset=True)
    with call.uow() as uow:
        access = service.update_engagement(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"), changes=changes
        )
        return _access(access)


@endpoint(
    bp,
    "POST",
    "engagements/{engagement_id:guid}/transitions",
    name="transition_engagement",
    summary="Move the engagement along draft, planning, fieldwork, review, finalized (or one step back)",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.TransitionRequest,
    response=schemas.TransitionRead,
    errors=[404, 409],
)
def transition_engagement(call: Call) -> schemas.TransitionRead:
    with call.uow() as uow:
        access, previous = service.transition(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            to=call.body.to,
            reason=call.body.reason,
        )
        return schemas.TransitionRead(engagement=_access(access), from_status=previous, to_status=call.body.to)


@endpoint(
    bp,
    "GET",
    "engagements/{engagement_id:guid}/finalization-readiness",
    name="get_finalization_readiness",
    summary="Whether the engagement can be finalized now, and what is missing",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.ReadinessRead,
    errors=[404],
)
def get_finalization_readiness(call: Call) -> schemas.ReadinessRead:
    with call.uow() as uow:
        verdict = service.finalization_readiness(
            uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id")
        )
        return schemas.ReadinessRead(ready=verdict.ready, reasons=verdict.reasons)


# --- team ------------------------------------------------------------------------------------------


def _member(pair: tuple[EngagementMember, User]) -> schemas.MemberRead:
    member, user = pair
    return schemas.MemberRead(
        user_id=user.id, email=user.email, display_name=user.display_name, role=member.role, added_at=member.added_at
    )


@endpoint(
    bp,
    "GET",
    "engagements/{engagement_id:guid}/team",
    name="list_team",
    summary="The engagement's team",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_READ,
    response=schemas.TeamRead,
    errors=[404],
)
def list_team(call: Call) -> schemas.TeamRead:
    with call.uow() as uow:
        pairs = service.list_members(uow=uow, principal=call.user, engagement_id=call.route_uuid("engagement_id"))
        return schemas.TeamRead(members=[_member(pair) for pair in pairs])


@endpoint(
    bp,
    "POST",
    "engagements/{engagement_id:guid}/team",
    name="add_team_member",
    summary="Put one of the firm's people on the team",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.MemberCreate,
    response=schemas.MemberRead,
    status=201,
    errors=[404, 409],
)
def add_team_member(call: Call) -> schemas.MemberRead:
    with call.uow() as uow:
        pair = service.add_member(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            user_id=call.body.user_id,
            role=call.body.role,
        )
        return _member(pair)


@endpoint(
    bp,
    "PATCH",
    "engagements/{engagement_id:guid}/team/{user_id:guid}",
    name="update_team_member",
    summary="Change a team member's engagement role",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_READ,
    body=schemas.MemberUpdate,
    response=schemas.MemberRead,
    errors=[404, 409],
)
def update_team_member(call: Call) -> schemas.MemberRead:
    with call.uow() as uow:
        pair = service.update_member(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            user_id=call.route_uuid("user_id"),
            role=call.body.role,
        )
        return _member(pair)


@endpoint(
    bp,
    "DELETE",
    "engagements/{engagement_id:guid}/team/{user_id:guid}",
    name="remove_team_member",
    summary="Take someone off the team",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_READ,
    status=204,
    errors=[404, 409],
)
def remove_team_member(call: Call) -> None:
    with call.uow() as uow:
        service.remove_member(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            user_id=call.route_uuid("user_id"),
        )


# --- activity --------------------------------------------------------------------------------------


@endpoint(
    bp,
    "GET",
    "engagements/{engagement_id:guid}/activity",
    name="list_engagement_activity",
    summary="What happened on the engagement, newest first, from the audit log",
    tags=ENGAGEMENTS,
    permission=Permission.ENGAGEMENT_READ,
    query=schemas.ActivityQuery,
    response=Page[schemas.ActivityRead],
    errors=[404],
)
def list_engagement_activity(call: Call) -> Page[schemas.ActivityRead]:
    query: schemas.ActivityQuery = call.query
    with call.uow() as uow:
        rows, total = service.list_activity(
            uow=uow,
            principal=call.user,
            engagement_id=call.route_uuid("engagement_id"),
            action=query.action,
            offset=query.offset,
            limit=query.page_size,
        )
        names = names_of(uow, [row.actor_id for row in rows])
        items = [
            schemas.ActivityRead.model_validate(row, from_attributes=True).model_copy(
                update={"actor_name": names.get(str(row.actor_id)) if row.actor_id else None}
            )
            for row in rows
        ]
        return Page(items=items, page=query.page, page_size=query.page_size, total=total)
