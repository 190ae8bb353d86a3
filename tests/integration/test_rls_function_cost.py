"""The visibility functions in PL/pgSQL (migration 0030): same answers as the SQL ones, at once after a change.

PL/pgSQL keeps a function's plan for the session, not its answer. These check that nothing is kept that
should not be: within one transaction, a user added to or taken off a team, a firm role changed, a user
deactivated, a savepoint rolled back, each shows in the very next statement; and the functions answer every
kind of user exactly as migration 0003's SQL bodies did, down to 0029 and up again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, delete, func, insert, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from shared.db.engine import normalize_url
from shared.db.migrate import downgrade, upgrade
from shared.db.models import User
from shared.db.models_engagement import BinderNode, Engagement, EngagementMember
from shared.db.uow import UnitOfWork
from tests.engagement_support import new_engagement, workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _seen(uow: UnitOfWork) -> tuple[set[str], int]:
    """The engagements and the number of binder nodes (the internal rule) this transaction's user reads now."""
    engagements = {str(e) for e in uow.session.scalars(select(Engagement.id))}
    nodes = uow.session.scalar(select(func.count()).select_from(BinderNode)) or 0
    return engagements, nodes


def test_team_and_role_changes_show_in_the_next_statement_of_the_same_transaction() -> None:
    ws = workspace()
    first = ws.engagement_id
    second = new_engagement(ws.admin.token, ws.client_id, name="Second")["id"]
    staff = ws.person("staff", "staff", team_role="staff")
    me = uuid.UUID(staff.user_id)

    with UnitOfWork(firm_id=ws.firm_id, user_id=me) as uow:
        assert _seen(uow) == ({first}, 12)

        uow.session.execute(
            insert(EngagementMember).values(
                engagement_id=uuid.UUID(second), user_id=me, firm_id=ws.firm_id, role="staff"
            )
        )
        assert _seen(uow) == ({first, second}, 24), "added to a team: its engagement appears"

        uow.session.execute(delete(EngagementMember).where(EngagementMember.engagement_id == uuid.UUID(first)))
        assert _seen(uow) == ({second}, 12), "taken off a team: its engagement disappears"

        savepoint = uow.session.begin_nested()
        uow.session.execute(
            insert(EngagementMember).values(
                engagement_id=uuid.UUID(first), user_id=me, firm_id=ws.firm_id, role="staff"
            )
        )
        assert _seen(uow) == ({first, second}, 24)
        savepoint.rollback()
        assert _seen(uow) == ({second}, 12), "a rolled-back savepoint's team change is gone"

        uow.session.execute(update(User).where(User.id == me).values(roles=["partner"]))
        assert _seen(uow) == ({first, second}, 24), "made a partner: every engagement of the firm"
        uow.session.execute(update(User).where(User.id == me).values(roles=["staff"]))
        assert _seen(uow) == ({second}, 12), "back to staff: the team's engagements only"

        uow.session.execute(update(User).where(User.id == me).values(client_id=uuid.UUID(ws.client_id)))
        assert _seen(uow) == ({first, second}, 0), "bound to a client: its engagements, none of the working papers"
        uow.session.execute(update(User).where(User.id == me).values(client_id=None))

        uow.session.execute(update(User).where(User.id == me).values(is_active=False))
        assert _seen(uow) == (set(), 0), "deactivated: nothing"
        # Not committed: the unit of work rolls back on leaving.

    with UnitOfWork(firm_id=ws.firm_id, user_id=me) as uow:
        assert _seen(uow) == ({first}, 12), "nothing of the rolled-back transaction stays"

    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        uow.session.execute(
            insert(EngagementMember).values(
                engagement_id=uuid.UUID(second), user_id=me, firm_id=ws.firm_id, role="staff"
            )
        )
        uow.commit()
    with UnitOfWork(firm_id=ws.firm_id, user_id=me) as uow:
        assert _seen(uow) == ({first, second}, 24), "a committed change shows in the next transaction"


# --- The same answers as migration 0003's SQL functions, for every kind of user -----------------------------------

FIRM = uuid.UUID(int=0xF1)
OTHER_FIRM = uuid.UUID(int=0xF2)
CLIENTS = [uuid.UUID(int=0xC1), uuid.UUID(int=0xC2)]
OTHER_CLIENT = uuid.UUID(int=0xC3)
ENGAGEMENTS = [uuid.UUID(int=0xE00 + i) for i in range(6)]  # alternately of the two clients
OTHER_ENGAGEMENT = uuid.UUID(int=0xEFF)
USERS = {  # name: (id, firm, roles, client, active, teams)
    "staff": (uuid.UUID(int=0xA1), FIRM, ["staff"], None, True, [0, 1]),
    "manager_off_every_team": (uuid.UUID(int=0xA2), FIRM, ["manager"], None, True, []),
    "senior_inactive": (uuid.UUID(int=0xA3), FIRM, ["senior"], None, False, [0]),
    "partner": (uuid.UUID(int=0xA4), FIRM, ["partner"], None, True, []),
    "firm_admin": (uuid.UUID(int=0xA5), FIRM, ["firm_admin"], None, True, []),
    "qc_reviewer": (uuid.UUID(int=0xA6), FIRM, ["qc_reviewer"], None, True, []),
    "client_user": (uuid.UUID(int=0xA7), FIRM, ["client_user"], CLIENTS[0], True, []),
    "client_user_on_a_team": (uuid.UUID(int=0xA8), FIRM, ["client_user"], CLIENTS[1], True, [0]),
    "other_firm_partner": (uuid.UUID(int=0xA9), OTHER_FIRM, ["partner"], None, True, []),
}
SCOPES = {  # name: (firm setting, user setting, system setting)
    **{name: (str(user[1]), str(user[0]), "") for name, user in USERS.items()},
    "other_firm_partner_in_this_firm": (str(FIRM), str(USERS["other_firm_partner"][0]), ""),
    "unknown_user": (str(FIRM), str(uuid.UUID(int=0xAFF)), ""),
    "no_user": (str(FIRM), "", ""),
    "system": (str(FIRM), "", "on"),
    "system_as_staff": (str(FIRM), str(USERS["staff"][0]), "on"),
    "no_firm": ("", str(USERS["partner"][0]), ""),
}


def _seed(engine: Engine) -> None:
    """As the owner (row-level security does not apply to it): two firms, their clients, engagements, people."""
    with engine.begin() as connection:
        for firm in (FIRM, OTHER_FIRM):
            connection.execute(text("INSERT INTO firms (id, name) VALUES (:id, :id)"), {"id": firm})
        for client_id, firm in ((CLIENTS[0], FIRM), (CLIENTS[1], FIRM), (OTHER_CLIENT, OTHER_FIRM)):
            connection.execute(
                text("INSERT INTO clients (id, firm_id, name) VALUES (:id, :firm, :id)"),
                {"id": client_id, "firm": firm},
            )
        engagements = [(e, FIRM, CLIENTS[i % 2]) for i, e in enumerate(ENGAGEMENTS)]
        for engagement, firm, client in (*engagements, (OTHER_ENGAGEMENT, OTHER_FIRM, OTHER_CLIENT)):
            connection.execute(
                text(
                    "INSERT INTO engagements (id, firm_id, client_id, name, engagement_type, framework, "
                    "period_start, period_end) VALUES (:id, :firm, :client, :id, 'audit', 'us_gaap', "
                    "'2026-01-01', '2026-12-31')"
                ),
                {"id": engagement, "firm": firm, "client": client},
            )
        for name, (user, firm, roles, bound_to, active, teams) in USERS.items():
            connection.execute(
                text(
                    "INSERT INTO users (id, firm_id, email, roles, client_id, is_active) "
                    "VALUES (:id, :firm, :email, :roles, :client, :active)"
                ),
                {
                    "id": user,
                    "firm": firm,
                    "email": f"{name}@example.com",
                    "roles": roles,
                    "client": bound_to,
                    "active": active,
                },
            )
            for team in teams:
                connection.execute(
                    text(
                        "INSERT INTO engagement_members (engagement_id, user_id, firm_id, role) "
                        "VALUES (:engagement, :user, :firm, 'staff')"
                    ),
                    {"engagement": ENGAGEMENTS[team], "user": user, "firm": firm},
                )
        # The other firm's partner is on a team of this firm's, by a row only the owner could write.
        connection.execute(
            text(
                "INSERT INTO engagement_members (engagement_id, user_id, firm_id, role) "
                "VALUES (:engagement, :user, :firm, 'partner')"
            ),
            {"engagement": ENGAGEMENTS[2], "user": USERS["other_firm_partner"][0], "firm": FIRM},
        )


def _answers(engine: Engine) -> dict[str, tuple[list[str], list[str], str | None]]:
    """What each scope gets from the functions, asked as aura_app the way the policies ask."""
    answers = {}
    for name, (firm, user, system) in SCOPES.items():
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL ROLE aura_app"))
            connection.execute(
                text(
                    "SELECT set_config('aura.firm_id', :firm, true), set_config('aura.user_id', :user, true), "
                    "set_config('aura.system', :system, true)"
                ),
                {"firm": firm, "user": user, "system": system},
            )
            visible = sorted(str(v) for v in connection.scalars(text("SELECT aura_visible_engagements()")))
            internal = sorted(str(v) for v in connection.scalars(text("SELECT aura_internal_engagements()")))
            client = connection.scalar(text("SELECT aura_current_client()"))
            answers[name] = (visible, internal, str(client) if client else None)
    return answers


FUNCTION_CATALOG = (
    "SELECT p.proname, l.lanname, p.proowner::regrole::text, p.proacl::text, p.proconfig, p.provolatile, "
    "p.prosecdef, p.proparallel, p.proretset, p.prorettype::regtype::text, p.prorows, p.procost "
    "FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
    "WHERE p.proname IN ('aura_current_client', 'aura_visible_engagements', 'aura_internal_engagements') ORDER BY 1"
)


def _catalog(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(FUNCTION_CATALOG))]


@pytest.fixture
def fresh_database(database: str) -> Iterator[str]:
    from aura_local.database import create_database, drop_database

    server = make_url(database).set(database="postgres").render_as_string(hide_password=False)
    name = f"aura_rls_cost_{uuid.uuid4().hex[:12]}"
    url = create_database(server, name, exist_ok=False)
    try:
        yield url
    finally:
        drop_database(server, name)


def test_the_functions_answer_as_the_sql_ones_did_down_to_0029_and_up_again(fresh_database: str) -> None:
    upgrade(fresh_database)
    engine = create_engine(normalize_url(fresh_database), poolclass=NullPool)  # as the owner
    try:
        _seed(engine)
        at_head = _answers(engine)
        catalog_at_head = _catalog(engine)

        downgrade(fresh_database, "0029")
        assert _answers(engine) == at_head
        catalog_at_0029 = _catalog(engine)
        assert [row[1] for row in catalog_at_0029] == ["sql", "sql", "sql"]
        assert [row[1] for row in catalog_at_head] == ["plpgsql", "plpgsql", "plpgsql"]
        # Owner, grants, search_path, STABLE, SECURITY DEFINER, not parallel safe, return type, estimates: unchanged.
        assert [row[:1] + row[2:] for row in catalog_at_head] == [row[:1] + row[2:] for row in catalog_at_0029]

        upgrade(fresh_database)
        assert _answers(engine) == at_head
        assert _catalog(engine) == catalog_at_head
    finally:
        engine.dispose()

    firm_wide = sorted(str(e) for e in ENGAGEMENTS)
    first_clients = sorted(str(e) for e in ENGAGEMENTS[::2])
    assert at_head["staff"] == (sorted(str(e) for e in ENGAGEMENTS[:2]), sorted(str(e) for e in ENGAGEMENTS[:2]), None)
    assert at_head["manager_off_every_team"] == ([], [], None)
    assert at_head["senior_inactive"] == ([], [], None)
    for name in ("partner", "firm_admin", "qc_reviewer", "system", "system_as_staff"):
        assert at_head[name] == (firm_wide, firm_wide, None), name
    assert at_head["client_user"] == (first_clients, [], str(CLIENTS[0]))
    assert at_head["client_user_on_a_team"][1:] == ([], str(CLIENTS[1]))
    assert at_head["client_user_on_a_team"][0] == sorted(str(e) for e in ENGAGEMENTS[1::2])
    assert at_head["other_firm_partner"] == ([str(OTHER_ENGAGEMENT)], [str(OTHER_ENGAGEMENT)], None)
    for name in ("other_firm_partner_in_this_firm", "unknown_user", "no_user", "no_firm"):
        assert at_head[name] == ([], [], None), name
