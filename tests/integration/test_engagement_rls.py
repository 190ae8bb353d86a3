"""Engagement visibility enforced by PostgreSQL itself: the same rule as the code, without the code.

Each check opens a unit of work as one user (as aura_app, which owns nothing) and queries the tables
directly, so a mistake in the capability's own filters could not hide a leak here.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError

from shared.db.models import Client, User
from shared.db.models_engagement import BinderNode, Engagement, EngagementMember
from shared.db.uow import UnitOfWork
from tests.engagement_support import Workspace, new_client, new_engagement, workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _as(ws: Workspace, user_id: str) -> UnitOfWork:
    return UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(user_id))


def _visible(ws: Workspace, user_id: str) -> tuple[set[str], int]:
    """The engagement ids and the number of binder nodes a user's session can read."""
    with _as(ws, user_id) as uow:
        engagements = {str(e) for e in uow.session.scalars(select(Engagement.id))}
        nodes = uow.session.scalar(select(func.count()).select_from(BinderNode)) or 0
    return engagements, nodes


def test_team_scope_roles_see_only_their_teams_engagements() -> None:
    ws = workspace()
    second = new_engagement(ws.admin.token, ws.client_id, name="Second")["id"]
    staff = ws.person("staff", "staff", team_role="staff")
    manager = ws.person("manager", "manager")

    assert _visible(ws, staff.user_id) == ({ws.engagement_id}, 12)
    assert _visible(ws, manager.user_id) == (set(), 0)
    for firm_wide in ("partner", "qc_reviewer"):
        person = ws.person(firm_wide, firm_wide)
        assert _visible(ws, person.user_id) == ({ws.engagement_id, second}, 24)

    # Taken off the team, the engagement disappears at once.
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.execute(
            EngagementMember.__table__.delete().where(EngagementMember.user_id == uuid.UUID(staff.user_id))
        )
        uow.commit()
    assert _visible(ws, staff.user_id) == (set(), 0)


def test_a_client_user_sees_their_clients_engagements_but_no_working_papers() -> None:
    ws = workspace()
    other_client = new_client(ws.admin.token, "Elsewhere")
    new_engagement(ws.admin.token, other_client)
    client_user = ws.client_user()
    assert _visible(ws, client_user.user_id) == ({ws.engagement_id}, 0)
    with _as(ws, client_user.user_id) as uow:
        assert [str(c) for c in uow.session.scalars(select(Client.id))] == [ws.client_id]
        with pytest.raises(DBAPIError, match="row-level security"):
            uow.session.execute(insert(Client).values(id=uuid.uuid4(), firm_id=ws.firm_id, name="Client-made"))


def test_a_deactivated_user_sees_nothing_even_on_the_team() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.execute(update(User).where(User.id == uuid.UUID(senior.user_id)).values(is_active=False))
        uow.commit()
    assert _visible(ws, senior.user_id) == (set(), 0)


def test_another_firm_sees_nothing_and_cannot_write_under_the_engagement() -> None:
    ws = workspace()
    other = workspace()
    assert _visible(other, other.admin.user_id)[0] == {other.engagement_id}
    with _as(other, other.admin.user_id) as uow:
        assert uow.session.get(Engagement, uuid.UUID(ws.engagement_id)) is None
        with pytest.raises(DBAPIError, match="row-level security"):
            uow.session.execute(
                insert(BinderNode).values(
                    id=uuid.uuid4(),
                    firm_id=other.firm_id,
                    engagement_id=uuid.UUID(ws.engagement_id),
                    kind="folder",
                    title="planted",
                )
            )


def test_a_firm_user_off_the_team_cannot_write_under_the_engagement() -> None:
    ws = workspace()
    outsider = ws.person("outsider", "senior")
    with _as(ws, outsider.user_id) as uow, pytest.raises(DBAPIError, match="row-level security"):
        uow.session.execute(
            insert(BinderNode).values(
                id=uuid.uuid4(),
                firm_id=ws.firm_id,
                engagement_id=uuid.UUID(ws.engagement_id),
                kind="folder",
                title="planted",
            )
        )
    with _as(ws, outsider.user_id) as uow:
        changed = uow.session.execute(
            update(Engagement)
            .where(Engagement.id == uuid.UUID(ws.engagement_id))
            .values(name="hijacked")
            .returning(Engagement.id)
        ).all()
        assert changed == []


def test_every_table_under_an_engagement_is_locked_and_visibility_filtered() -> None:
    """Enumerated from the catalog, so a table added later under an engagement cannot escape the lock
    trigger or the visibility policy."""
    from sqlalchemy import text

    with UnitOfWork(system=True) as uow:
        tables = uow.session.scalars(
            text(
                "SELECT c.table_name FROM information_schema.columns c "
                "JOIN information_schema.tables t USING (table_schema, table_name) "
                "WHERE c.table_schema = 'public' AND c.column_name = 'engagement_id' AND t.table_type = 'BASE TABLE' "
                # Not an engagement's working papers: jobs, and mapping_examples, the firm's learning data (migration
                # 0015): a confirmed mapping kept so the client's next engagement and the firm's classifier learn
                # from it, read across engagements and kept to the firm by its own policy (test_mapping_rls).
                # report_archives (migration 0018): the write-once copy of the signed report, recorded by the consumer
                # of engagement.finalized after the engagement has locked, so it cannot carry the lock trigger;
                # insert-only for aura_app instead (test_finalize checks that it refuses UPDATE and DELETE).
                "AND c.table_name NOT IN ('jobs', 'mapping_examples') "
                # A partition is reached only through its parent, whose trigger and policy apply (migration
                # 0006 takes the loader's access away on attaching); test_ingestion checks that.
                "AND NOT EXISTS (SELECT 1 FROM pg_class p WHERE p.relname = c.table_name AND p.relispartition) "
                "ORDER BY 1"
            )
        ).all()
        locked = set(
            uow.session.scalars(
                text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname LIKE 'aura_refuse_finalized%' "
                    "AND NOT t.tgisinternal"
                )
            )
        )
        filtered = set(
            uow.session.scalars(
                text(
                    "SELECT tablename FROM pg_policies WHERE schemaname = 'public' "
                    "AND (qual LIKE '%aura_internal_engagements%' OR qual LIKE '%aura_visible_engagements%')"
                )
            )
        )
    assert "binder_nodes" in tables
    assert {"qc_runs", "qc_waivers"} <= set(tables), "the QC tables (migration 0017) are under an engagement"
    unlocked = [t for t in tables if t not in locked]
    assert unlocked == ["report_archives"], "tables under an engagement without the lock trigger"
    assert [t for t in tables if t not in filtered] == [], "tables under an engagement without a visibility policy"
