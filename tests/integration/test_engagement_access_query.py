"""shared.engagement_access.require reads the engagement and the caller's team role in one statement,
with the same answers: the team role's grants, 404 off the team, the share lock for a write."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event

from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from tests.engagement_support import workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _principal(ws_firm: uuid.UUID, user_id: str, roles: set[str]) -> Principal:
    return Principal.of(user_id=uuid.UUID(user_id), firm_id=ws_firm, roles=roles)


def test_require_is_one_statement_and_keeps_the_team_role() -> None:
    from shared.db.engine import get_engine
    from shared.db.uow import UnitOfWork
    from shared.engagement_access import require
    from shared.errors import NotFound

    ws = workspace()
    manager = ws.person("lead", "senior", team_role="manager")  # a senior made manager of this engagement
    outsider = ws.person("outside", "senior")
    engagement_id = uuid.UUID(ws.engagement_id)
    sent: list[str] = []

    def statement(conn: object, cursor: object, sql: str, *rest: object) -> None:
        sent.append(" ".join(sql.split()))

    lead = _principal(ws.firm_id, manager.user_id, {"senior"})
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(manager.user_id)) as uow:
        uow.session.connection()  # the transaction and its settings first
        event.listen(get_engine(), "before_cursor_execute", statement)
        try:
            access = require(uow, principal=lead, engagement_id=engagement_id, write=True)
        finally:
            event.remove(get_engine(), "before_cursor_execute", statement)
    assert len(sent) == 1 and "FOR SHARE OF engagements" in sent[0]
    assert access.role == "manager" and access.can(Permission.WORKPAPER_APPROVE)
    assert not lead.can(Permission.WORKPAPER_APPROVE)  # the firm role alone would not grant it
    assert access.engagement.id == engagement_id

    stranger = _principal(ws.firm_id, outsider.user_id, {"senior"})
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(outsider.user_id)) as uow, pytest.raises(NotFound):
        require(uow, principal=stranger, engagement_id=engagement_id)
