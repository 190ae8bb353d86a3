"""Review notes through HTTP: lifecycle, who may do what, filters, client users, outsiders and the lock."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from functions.engagement import review_notes
from shared.auth.principal import Principal
from shared.db.models import OutboxMessage
from shared.db.models_engagement import BinderNode, ReviewNote, ReviewNoteReply
from shared.db.uow import UnitOfWork
from shared.errors import NotFound
from tests.engagement_support import Person, Workspace, workspace
from tests.support import Reply

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def node_id(ws: Workspace, code: str = "A") -> str:
    """A standard section's folder, read directly: the binder API is not what is under test here."""
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        found = uow.session.scalar(
            select(BinderNode.id).where(
                BinderNode.engagement_id == uuid.UUID(ws.engagement_id), BinderNode.index_code == code
            )
        )
    assert found is not None
    return str(found)


def create(ws: Workspace, who: Person, *, node: str | None = None, **fields: Any) -> Reply:
    body = {"node_id": node or node_id(ws), "body": "Tie the lead schedule to the trial balance", **fields}
    return ws.call("POST", "review-notes", who, json_body=body)  # type: ignore[no-any-return]


def created(ws: Workspace, who: Person, **fields: Any) -> dict[str, Any]:
    reply = create(ws, who, **fields)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def move(ws: Workspace, note: dict[str, Any], who: Person, to: str, comment: str | None = None) -> Reply:
    body: dict[str, Any] = {"to": to} | ({"comment": comment} if comment is not None else {})
    return ws.call("POST", f"review-notes/{note['id']}/transitions", who, json_body=body)  # type: ignore[no-any-return]


def moved(ws: Workspace, note: dict[str, Any], who: Person, to: str, comment: str | None = None) -> dict[str, Any]:
    reply = move(ws, note, who, to, comment)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def reply_to(ws: Workspace, note: dict[str, Any], who: Person, body: str = "Done, see A-100") -> Reply:
    return ws.call("POST", f"review-notes/{note['id']}/replies", who, json_body={"body": body})  # type: ignore[no-any-return]


def blocking_count(ws: Workspace) -> int:
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        return review_notes.count_open_blocking(uow, engagement_id=uuid.UUID(ws.engagement_id))


def team(ws: Workspace) -> tuple[Person, Person]:
    """A senior who reviews and a staff member who prepares, both on the team."""
    return ws.person("senior", "senior", team_role="senior"), ws.person("staff", "staff", team_role="staff")


# --- lifecycle ---------------------------------------------------------------------------------------


def test_a_note_goes_open_addressed_cleared_with_its_thread() -> None:
    ws = workspace()
    senior, staff = team(ws)

    note = created(ws, senior, assignee_id=staff.user_id)
    assert note["status"] == "open"
    assert note["blocking"] is True
    assert note["author_id"] == senior.user_id
    assert note["assignee_id"] == staff.user_id
    assert (note["node_index_code"], note["node_title"]) == ("A", "Planning")
    assert note["replies"] == []
    assert blocking_count(ws) == 1

    reply = reply_to(ws, note, staff, "Which schedule do you mean?")
    assert reply.status == 201, reply.body
    assert reply.json()["author_id"] == staff.user_id
    assert reply_to(ws, note, senior, "The revenue lead, J-100").status == 201

    addressed = moved(ws, note, staff, "addressed", "Tied out, difference of 0.00")
    assert addressed["status"] == "addressed"
    assert addressed["addressed_by"] == staff.user_id and addressed["addressed_at"]
    assert addressed["cleared_at"] is None
    assert [r["body"] for r in addressed["replies"]] == [
        "Which schedule do you mean?",
        "The revenue lead, J-100",
        "Tied out, difference of 0.00",
    ]
    assert blocking_count(ws) == 1, "an addressed note still waits for its reviewer"

    cleared = moved(ws, note, senior, "cleared")
    assert cleared["status"] == "cleared"
    assert cleared["cleared_by"] == senior.user_id and cleared["cleared_at"]
    assert len(cleared["replies"]) == 3, "no comment, no reply"
    assert blocking_count(ws) == 0

    fetched = ws.call("GET", f"review-notes/{note['id']}", staff)
    assert fetched.status == 200
    assert fetched.json() == {**cleared, "my_transitions": []}, "staff may not reopen it"

    activity = ws.call("GET", "activity", ws.admin, params={"page_size": "100"}).json()["items"]
    actions = [item["action"] for item in activity if item["target_id"] == note["id"]]
    assert actions == [
        "review_note.cleared",
        "review_note.addressed",
        "review_note.replied",
        "review_note.replied",
        "review_note.created",
    ]
    assert all("body" not in item["data"] for item in activity), "note text stays out of the audit log"

    with UnitOfWork(system=True) as uow:
        events = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.message_type.startswith("review_note."))
            .where(OutboxMessage.body["payload"]["review_note_id"].astext == note["id"])
            .order_by(OutboxMessage.seq)
        ).all()
    assert [(e.message_type, e.body["payload"]) for e in events] == [
        (kind, {"engagement_id": ws.engagement_id, "review_note_id": note["id"], "node_id": note["node_id"]})
        for kind in ("review_note.created", "review_note.cleared")
    ]


def test_a_reviewer_sends_notes_back_and_reopens_cleared_ones_with_a_reason() -> None:
    ws = workspace()
    senior, staff = team(ws)
    note = created(ws, senior)

    moved(ws, note, staff, "addressed")
    back = moved(ws, note, senior, "open", "Not yet: the cut-off test is missing")
    assert back["status"] == "open"
    assert back["addressed_at"] is None and back["addressed_by"] is None
    assert back["replies"][-1]["body"] == "Not yet: the cut-off test is missing"

    moved(ws, note, staff, "addressed")
    moved(ws, note, senior, "cleared")
    for comment in (None, "   ", "too short"):
        refused = move(ws, note, senior, "open", comment)
        assert refused.status == 400, comment
        assert refused.json()["errors"][0]["loc"] == ["body", "comment"]
    reopened = moved(ws, note, senior, "open", "Subsequent events changed the estimate")
    assert reopened["status"] == "open"
    assert reopened["cleared_at"] is None and reopened["cleared_by"] is None
    assert blocking_count(ws) == 1

    actions = [
        item["action"]
        for item in ws.call("GET", "activity", ws.admin, params={"page_size": "100"}).json()["items"]
        if item["target_id"] == note["id"]
    ]
    assert actions.count("review_note.reopened") == 2


def test_every_refused_transition_answers_409_with_the_allowed_targets() -> None:
    ws = workspace()
    senior, _ = team(ws)
    note = created(ws, senior)
    expected = {"open": ["addressed"], "addressed": ["cleared", "open"], "cleared": ["open"]}
    walk = {"open": "addressed", "addressed": "cleared"}

    state = "open"
    while True:
        for target in {"open", "addressed", "cleared"} - set(expected[state]):
            refused = move(ws, note, senior, target, "A comment long enough")
            assert refused.status == 409, (state, target)
            problem = refused.json()
            assert problem["code"] == "invalid_transition"
            assert problem["allowed"] == expected[state]
        assert ws.call("GET", f"review-notes/{note['id']}", senior).json()["status"] == state
        if state not in walk:
            break
        state = moved(ws, note, senior, walk[state])["status"]

    unknown = move(ws, note, senior, "resolved")
    assert unknown.status == 400


def test_who_may_address_clear_and_reopen() -> None:
    ws = workspace()
    senior, staff = team(ws)
    qc = ws.person("qc", "qc_reviewer", team_role="qc_reviewer")
    other_senior = ws.person("senior2", "senior", team_role="senior")

    # open -> addressed: anyone who prepares workpapers, or the note's assignee.
    note = created(ws, senior)
    assert move(ws, note, qc, "addressed").status == 403, "a QC reviewer neither prepares nor is assigned"
    assigned_to_qc = created(ws, senior, assignee_id=qc.user_id)
    assert move(ws, assigned_to_qc, qc, "addressed").status == 200

    # addressed -> cleared: the raiser, or a manager or partner of the team; staff never.
    moved(ws, note, staff, "addressed")
    assert move(ws, note, staff, "cleared").status == 403
    assert move(ws, note, qc, "cleared").status == 403
    assert move(ws, note, other_senior, "cleared").status == 403, "a senior who did not raise it"
    assert move(ws, note, senior, "cleared").status == 200

    # back to open: review-note writers only.
    assert move(ws, note, staff, "open", "I want to reopen this one").status == 403
    assert move(ws, assigned_to_qc, staff, "open").status == 403
    assert move(ws, assigned_to_qc, ws.admin, "open").status == 200


def test_the_assignee_addresses_and_the_raiser_clears_never_the_one_who_answered() -> None:
    ws = workspace()
    manager = ws.person("manager", "manager", team_role="manager")
    senior = ws.person("senior", "senior", team_role="senior")
    partner = ws.person("partner", "partner", team_role="partner")

    # A blocking note the manager raises for the senior: the senior answers it and may not clear it.
    note = created(ws, manager, assignee_id=senior.user_id, blocking=True)
    assert ws.call("GET", f"review-notes/{note['id']}", senior).json()["my_transitions"] == ["addressed"]
    moved(ws, note, senior, "addressed", "Agreed to the confirmation")
    refused = move(ws, note, senior, "cleared")
    assert refused.status == 403, refused.body
    assert "you may not also clear it" in refused.json()["detail"]
    assert ws.call("GET", f"review-notes/{note['id']}", senior).json()["my_transitions"] == ["open"]
    assert ws.call("GET", f"review-notes/{note['id']}", manager).json()["my_transitions"] == ["cleared", "open"]
    assert blocking_count(ws) == 1
    assert moved(ws, note, manager, "cleared")["cleared_by"] == manager.user_id

    # A note a senior raised for a manager: the manager answers it, so a partner (or the senior) clears it.
    other = created(ws, senior, assignee_id=manager.user_id)
    moved(ws, other, manager, "addressed")
    assert move(ws, other, manager, "cleared").status == 403, "a manager may not clear what they answered"
    assert "cleared" in ws.call("GET", f"review-notes/{other['id']}", partner).json()["my_transitions"]
    assert moved(ws, other, partner, "cleared")["cleared_by"] == partner.user_id


def test_staff_cannot_raise_notes_but_replies_and_addresses_them() -> None:
    ws = workspace()
    senior, staff = team(ws)

    refused = create(ws, staff)
    assert refused.status == 403
    assert refused.json()["code"] == "forbidden"

    note = created(ws, senior, assignee_id=staff.user_id)
    assert reply_to(ws, note, staff).status == 201
    addressed = moved(ws, note, staff, "addressed", "Agreed to bank confirmation")
    assert addressed["addressed_by"] == staff.user_id

    # Staff may not reword or reassign someone else's note.
    assert ws.call("PATCH", f"review-notes/{note['id']}", staff, json_body={"body": "never mind"}).status == 403


# --- changes, replies, validation -----------------------------------------------------------------


def test_the_author_or_a_reviewer_changes_a_note_until_it_is_cleared() -> None:
    ws = workspace()
    senior, staff = team(ws)
    note = created(ws, senior)
    path = f"review-notes/{note['id']}"

    changed = ws.call(
        "PATCH", path, senior, json_body={"body": "Also tie to the GL", "blocking": False, "assignee_id": staff.user_id}
    )
    assert changed.status == 200, changed.body
    assert (changed.json()["body"], changed.json()["blocking"], changed.json()["assignee_id"]) == (
        "Also tie to the GL",
        False,
        staff.user_id,
    )
    assert blocking_count(ws) == 0

    unassigned = ws.call("PATCH", path, ws.admin, json_body={"assignee_id": None})
    assert unassigned.status == 200 and unassigned.json()["assignee_id"] is None

    for bad in ({"body": None}, {"blocking": None}, {"body": ""}, {"body": "x" * 10_001}, {"status": "cleared"}):
        assert ws.call("PATCH", path, senior, json_body=bad).status == 400, bad
    outsider = ws.person("outsider", "staff")
    refused = ws.call("PATCH", path, senior, json_body={"assignee_id": outsider.user_id})
    assert refused.status == 400
    assert refused.json()["errors"][0]["loc"] == ["body", "assignee_id"]

    updates = [
        item
        for item in ws.call("GET", "activity", ws.admin, params={"action": "review_note.updated"}).json()["items"]
        if item["target_id"] == note["id"]
    ]
    assert [sorted(item["data"]["fields"]) for item in updates] == [
        ["assignee_id"],
        ["assignee_id", "blocking", "body"],
    ]

    moved(ws, note, staff, "addressed")
    moved(ws, note, senior, "cleared")
    locked = ws.call("PATCH", path, senior, json_body={"body": "late change"})
    assert locked.status == 409
    assert locked.json()["code"] == "review_note_cleared"
    late_reply = reply_to(ws, note, staff)
    assert late_reply.status == 409
    assert late_reply.json()["code"] == "review_note_cleared"


def test_bad_nodes_assignees_and_bodies_are_refused_naming_the_field() -> None:
    ws = workspace()
    senior, _ = team(ws)
    elsewhere = workspace()

    foreign = create(ws, senior, node=node_id(elsewhere))
    assert foreign.status == 400
    assert foreign.json()["errors"][0]["loc"] == ["body", "node_id"]
    missing = create(ws, senior, node=str(uuid.uuid4()))
    assert missing.status == 400
    assert missing.json()["errors"][0]["loc"] == ["body", "node_id"]

    stranger = ws.person("stranger", "staff")
    not_on_team = create(ws, senior, assignee_id=stranger.user_id)
    assert not_on_team.status == 400
    assert not_on_team.json()["errors"][0]["loc"] == ["body", "assignee_id"]
    assert stranger.user_id in not_on_team.json()["errors"][0]["msg"]

    for body in ("", "   ", "x" * 10_001):
        assert create(ws, senior, body=body).status == 400
    assert create(ws, senior, body="x" * 10_000).status == 201

    assert ws.call("GET", f"review-notes/{uuid.uuid4()}", senior).status == 404
    other_note = created(elsewhere, elsewhere.admin)
    assert ws.call("GET", f"review-notes/{other_note['id']}", ws.admin).status == 404, "a note of another engagement"
    assert reply_to(ws, other_note, ws.admin).status == 404


def test_the_list_filters_and_pages_oldest_first() -> None:
    ws = workspace()
    senior, staff = team(ws)
    first = created(ws, senior, body="first", assignee_id=staff.user_id)
    second = created(ws, senior, body="second", blocking=False, node=node_id(ws, "D"))
    third = created(ws, senior, body="third")
    moved(ws, second, staff, "addressed")

    def ids(**params: str) -> list[str]:
        reply = ws.call("GET", "review-notes", staff, params=params)
        assert reply.status == 200, reply.body
        return [item["id"] for item in reply.json()["items"]]

    assert ids() == [first["id"], second["id"], third["id"]]
    assert ids(status="open") == [first["id"], third["id"]]
    assert ids(status="addressed") == [second["id"]]
    assert ids(status="cleared") == []
    assert ids(blocking="false") == [second["id"]]
    assert ids(node_id=node_id(ws, "D")) == [second["id"]]
    assert ids(assignee_id=staff.user_id) == [first["id"]]
    assert ids(status="open", page_size="1", page="2") == [third["id"]]

    page = ws.call("GET", "review-notes", staff, params={"page_size": "2"}).json()
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (3, 1, 2, 2)
    item = page["items"][0]
    assert (item["node_index_code"], item["node_title"], item["body"]) == ("A", "Planning", "first")
    assert "replies" not in item

    assert ws.call("GET", "review-notes", staff, params={"status": "closed"}).status == 400
    assert ws.call("GET", "review-notes", staff, params={"colour": "red"}).status == 400


# --- who sees notes ------------------------------------------------------------------------------


def test_client_users_never_see_review_notes() -> None:
    ws = workspace()
    senior, _ = team(ws)
    note = created(ws, senior)
    client = ws.client_user()

    # The routes: client users lack engagement.read.
    for method, path, body in (
        ("GET", "review-notes", None),
        ("GET", f"review-notes/{note['id']}", None),
        ("POST", "review-notes", {"node_id": note["node_id"], "body": "hello"}),
        ("POST", f"review-notes/{note['id']}/replies", {"body": "hello"}),
        ("PATCH", f"review-notes/{note['id']}", {"body": "hello"}),
        ("POST", f"review-notes/{note['id']}/transitions", {"to": "addressed"}),
    ):
        reply = ws.call(method, path, client, json_body=body)
        assert reply.status == 403, (method, path)

    # The service: the engagement is not internal to them, so it is not there at all.
    principal = Principal.of(
        user_id=uuid.UUID(client.user_id),
        firm_id=ws.firm_id,
        roles={"client_user"},
        client_id=uuid.UUID(ws.client_id),
    )
    with UnitOfWork(firm_id=ws.firm_id, user_id=principal.user_id) as uow, pytest.raises(NotFound):
        review_notes.list_review_notes(
            uow=uow,
            principal=principal,
            engagement_id=uuid.UUID(ws.engagement_id),
            status=None,
            node_id=None,
            assignee_id=None,
            blocking=None,
            offset=0,
            limit=50,
        )
    with UnitOfWork(firm_id=ws.firm_id, user_id=principal.user_id) as uow, pytest.raises(NotFound):
        review_notes.get_review_note_or_raise(
            uow=uow, principal=principal, engagement_id=uuid.UUID(ws.engagement_id), note_id=uuid.UUID(note["id"])
        )

    # The database alone: row-level security hides the notes and their threads from the client user.
    assert reply_to(ws, note, senior).status == 201
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(senior.user_id)) as uow:
        assert len(uow.session.scalars(select(ReviewNote)).all()) == 1
        assert len(uow.session.scalars(select(ReviewNoteReply)).all()) == 1
    with UnitOfWork(firm_id=ws.firm_id, user_id=principal.user_id) as uow:
        assert uow.session.scalars(select(ReviewNote)).all() == []
        assert uow.session.scalars(select(ReviewNoteReply)).all() == []
        assert review_notes.count_open_blocking(uow, engagement_id=uuid.UUID(ws.engagement_id)) == 0


def test_a_firm_user_off_the_team_gets_404() -> None:
    ws = workspace()
    senior, _ = team(ws)
    note = created(ws, senior)
    outsider = ws.person("outsider", "senior")

    assert ws.call("GET", "review-notes", outsider).status == 404
    assert ws.call("GET", f"review-notes/{note['id']}", outsider).status == 404
    assert create(ws, outsider, node=note["node_id"]).status == 404
    assert reply_to(ws, note, outsider).status == 404
    assert move(ws, note, outsider, "addressed").status == 404
    assert ws.call("PATCH", f"review-notes/{note['id']}", outsider, json_body={"body": "x"}).status == 404

    # A partner sees every engagement of the firm, team or not.
    partner = ws.person("partner", "partner")
    assert ws.call("GET", f"review-notes/{note['id']}", partner).status == 200


def test_writes_under_a_finalized_engagement_answer_409_engagement_locked() -> None:
    ws = workspace()
    senior, staff = team(ws)
    note = created(ws, senior, assignee_id=staff.user_id)
    ws.finalize()

    writes = (
        create(ws, ws.admin, node=note["node_id"]),
        ws.call("PATCH", f"review-notes/{note['id']}", ws.admin, json_body={"body": "late"}),
        reply_to(ws, note, ws.admin),
        move(ws, note, ws.admin, "addressed"),
        move(ws, note, staff, "addressed"),
    )
    for reply in writes:
        assert reply.status == 409, reply.body
        assert reply.json()["code"] == "engagement_locked"

    assert ws.call("GET", f"review-notes/{note['id']}", ws.admin).json()["status"] == "open"
    assert ws.call("GET", "review-notes", ws.admin).json()["total"] == 1


def test_the_database_refuses_a_note_under_a_finalized_engagement() -> None:
    """Beneath the service's own check, the lock trigger stops a write that bypasses it."""
    from sqlalchemy.exc import DBAPIError

    ws = workspace()
    senior, _ = team(ws)
    note = created(ws, senior)
    ws.finalize()
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        row = uow.session.get_one(ReviewNote, uuid.UUID(note["id"]))
        row.status = "cleared"
        with pytest.raises(DBAPIError) as raised:
            uow.session.flush()
    assert getattr(raised.value.orig, "sqlstate", None) == "AU001"
