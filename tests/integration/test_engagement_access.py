"""require(), the one access check under an engagement, against real PostgreSQL with row-level security:
who sees it (404), who may act on it (403, any of several permissions), and the finalized lock (409)."""

from __future__ import annotations

import uuid

import pytest

from shared.auth.authenticate import authenticate
from shared.auth.permissions import Permission
from shared.db.uow import unit_of_work
from shared.engagement_access import EngagementAccess, require
from shared.errors import Conflict, Forbidden, NotFound
from tests.engagement_support import Person, Workspace, workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _require(ws: Workspace, who: Person, **options: object) -> EngagementAccess:
    principal = authenticate(f"Bearer {who.token}")
    with unit_of_work(principal) as uow:
        return require(uow, principal=principal, engagement_id=uuid.UUID(ws.engagement_id), **options)  # type: ignore[arg-type]


def test_the_team_acts_with_its_engagement_role_and_is_refused_what_it_lacks() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")

    assert _require(ws, staff, write=True, permission=Permission.WORKPAPER_PREPARE).id == uuid.UUID(ws.engagement_id)
    with pytest.raises(Forbidden) as refused:
        _require(ws, staff, write=True, permission=Permission.ENGAGEMENT_FINALIZE, refusal="Not yours to finalize")
    assert (refused.value.code, refused.value.detail) == ("forbidden", "Not yours to finalize")
    # Any one of several permissions is enough.
    assert _require(ws, staff, permission=(Permission.ENGAGEMENT_FINALIZE, Permission.WORKPAPER_PREPARE))


def test_people_off_the_team_and_client_users_do_not_see_working_papers() -> None:
    ws = workspace()
    outsider = ws.person("outsider", "staff")
    client = ws.client_user()

    for who in (outsider, client):
        with pytest.raises(NotFound) as hidden:
            _require(ws, who)
        assert hidden.value.code == "engagement_not_found"
    # What a client user may reach (their client's engagement, its data) says so with clients=True.
    assert _require(ws, client, clients=True).internal is False
    with pytest.raises(NotFound):
        _require(workspace(), client, clients=True)  # another client's engagement


def test_a_finalized_engagement_is_read_but_not_written() -> None:
    ws = workspace()
    ws.finalize()

    assert _require(ws, ws.admin, permission=Permission.ENGAGEMENT_READ).engagement.status == "finalized"
    with pytest.raises(Conflict) as locked:
        _require(ws, ws.admin, write=True)
    assert locked.value.code == "engagement_locked"
