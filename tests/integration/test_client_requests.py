"""Client requests (the PBC list) through HTTP: the team asks, the client contact answers with files,
a senior accepts or returns with a reason; who may and may not; overdue; reminders; row-level security."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError

from functions.client_requests import reminders
from shared import clock
from shared.db.models import User
from shared.db.models_client_requests import ClientRequest, ClientRequestAttachment, ClientRequestComment
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, new_client, new_engagement, workspace
from tests.support import Reply, add_user, request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TODAY = datetime.now(UTC).date()
PDF = b"%PDF-1.4 bank confirmation"


def _body(ws: Workspace, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Bank confirmations",
        "description": "Signed confirmations for every bank account at 31 December",
        "due_date": (TODAY + timedelta(days=10)).isoformat(),
        "assignee": ws.client_user().user_id,
        "kind": "document",
        **fields,
    }


def _create(ws: Workspace, who: Person | None = None, **fields: Any) -> dict[str, Any]:
    reply = ws.call("POST", "requests", who or ws.admin, json_body=_body(ws, **fields))
    assert reply.status == 201, reply.body
    return dict(reply.json())


def _upload(ws: Workspace, rid: str, who: Person, data: bytes = PDF, name: str = "confirmation.pdf") -> Reply:
    return ws.call(
        "POST",
        f"requests/{rid}/attachments",
        who,
        body=data,
        headers={"Content-Type": "application/pdf", "X-Filename": name},
    )


def test_the_team_asks_the_client_answers_a_senior_returns_then_accepts() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    contact = ws.client_user()
    created = _create(ws, senior)
    rid = created["id"]
    assert (created["status"], created["overdue"], created["assignee_id"]) == ("open", False, contact.user_id)
    assert created["engagement_name"] == "FY2026 audit"

    # The client contact sees it, in the engagement's list and in their own list across engagements.
    listed = ws.call("GET", "requests", contact).json()
    assert [item["id"] for item in listed["items"]] == [rid]
    mine = request("GET", "requests", token=contact.token, params={"mine": "true"}).json()
    assert [item["id"] for item in mine["items"]] == [rid]

    sent = _upload(ws, rid, contact)
    assert sent.status == 201, sent.body
    attachment = sent.json()
    assert attachment["filename"] == "confirmation.pdf" and attachment["size_bytes"] == len(PDF)
    detail = ws.call("GET", f"requests/{rid}", senior).json()
    assert detail["status"] == "submitted" and detail["submitted_at"] is not None
    assert [a["id"] for a in detail["attachments"]] == [attachment["id"]]

    # The team downloads the file, byte for byte.
    download = ws.call("GET", f"requests/{rid}/attachments/{attachment['id']}", senior)
    assert download.status == 200
    assert download.body == PDF
    assert "attachment" in download.headers["Content-Disposition"]

    # Returned with too short a reason: refused; with a reason, the client sees it.
    short = ws.call("POST", f"requests/{rid}/return", senior, json_body={"reason": "wrong"})
    assert short.status == 400 and short.json()["errors"][0]["loc"] == ["body", "reason"]
    returned = ws.call(
        "POST", f"requests/{rid}/return", senior, json_body={"reason": "This is the 2025 confirmation, not 2026"}
    )
    assert returned.status == 200, returned.body
    seen = ws.call("GET", f"requests/{rid}", contact).json()
    assert (seen["status"], seen["return_reason"]) == ("returned", "This is the 2025 confirmation, not 2026")

    # Nothing to accept until the client sends again.
    assert ws.call("POST", f"requests/{rid}/accept", senior).json()["code"] == "invalid_request_status"
    assert _upload(ws, rid, contact, b"%PDF-1.4 the 2026 one", "confirmation-2026.pdf").status == 201
    accepted = ws.call("POST", f"requests/{rid}/accept", senior)
    assert accepted.status == 200, accepted.body
    body = accepted.json()
    assert (body["status"], body["decided_by"], len(body["attachments"])) == ("accepted", senior.user_id, 2)
    # Closed: no more files, no more edits.
    assert _upload(ws, rid, contact).json()["code"] == "request_closed"
    assert ws.call("PATCH", f"requests/{rid}", senior, json_body={"title": "x"}).json()["code"] == "request_closed"

    actions = [item["action"] for item in ws.call("GET", "activity", ws.admin).json()["items"]]
    for action in ("created", "submitted", "returned", "accepted", "downloaded"):
        assert f"client_request.{action}" in actions


def test_comments_from_both_sides_in_order() -> None:
    ws = workspace()
    contact = ws.client_user()
    rid = _create(ws)["id"]
    first = ws.call("POST", f"requests/{rid}/comments", ws.admin, json_body={"body": "All six accounts, please"})
    assert first.status == 201, first.body
    second = ws.call("POST", f"requests/{rid}/comments", contact, json_body={"body": "The bank sends them Friday"})
    assert second.status == 201 and second.json()["author_is_client"] is True
    comments = ws.call("GET", f"requests/{rid}", contact).json()["comments"]
    assert [(c["body"], c["author_is_client"]) for c in comments] == [
        ("All six accounts, please", False),
        ("The bank sends them Friday", True),
    ]
    assert ws.call("POST", f"requests/{rid}/comments", contact, json_body={"body": ""}).status == 400


def test_patch_changes_the_fields_and_validates_the_assignee() -> None:
    ws = workspace()
    rid = _create(ws)["id"]
    other_contact = ws.client_user("other", "client_admin")
    new_due = (TODAY + timedelta(days=3)).isoformat()
    reply = ws.call(
        "PATCH",
        f"requests/{rid}",
        ws.admin,
        json_body={"title": "Bank letters", "due_date": new_due, "assignee": other_contact.user_id},
    )
    assert reply.status == 200, reply.body
    assert (reply.json()["title"], reply.json()["due_date"], reply.json()["assignee_id"]) == (
        "Bank letters",
        new_due,
        other_contact.user_id,
    )
    assert ws.call("PATCH", f"requests/{rid}", ws.admin, json_body={"title": None}).status == 400


def test_the_assignee_must_be_a_client_contact_of_this_engagements_client() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")
    elsewhere = new_client(ws.admin.token, "Elsewhere Ltd")
    stranger_id, _ = add_user(ws.admin.token, "client_user", client_id=elsewhere)
    for assignee in (staff.user_id, stranger_id, str(uuid.uuid4())):
        reply = ws.call("POST", "requests", ws.admin, json_body=_body(ws, assignee=assignee))
        assert reply.status == 400, reply.body
        assert reply.json()["errors"][0]["loc"] == ["body", "assignee"]
    bad_kind = ws.call("POST", "requests", ws.admin, json_body=_body(ws, kind="photo"))
    assert bad_kind.status == 400 and bad_kind.json()["errors"][0]["loc"] == ["body", "kind"]
    assert ws.call("GET", "requests", ws.admin).json()["total"] == 0


def test_who_may_and_may_not() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")
    senior = ws.person("senior", "senior", team_role="senior")
    contact = ws.client_user()
    # Staff and the client may not ask.
    assert ws.call("POST", "requests", staff, json_body=_body(ws)).status == 403
    assert ws.call("POST", "requests", contact, json_body=_body(ws)).status == 403
    rid = _create(ws, senior)["id"]
    assert ws.call("PATCH", f"requests/{rid}", contact, json_body={"title": "Mine now"}).status == 403
    assert _upload(ws, rid, contact).status == 201
    # Staff and the client may not decide.
    for who in (staff, contact):
        assert ws.call("POST", f"requests/{rid}/accept", who).status == 403
        reply = ws.call("POST", f"requests/{rid}/return", who, json_body={"reason": "Not what we asked for"})
        assert reply.status == 403
    # A client contact of another client, and another firm, find nothing.
    elsewhere = new_client(ws.admin.token, "Elsewhere Ltd")
    new_engagement(ws.admin.token, elsewhere)
    other_contact = ws.client_user("other", "client_user")
    _, stranger_token = add_user(ws.admin.token, "client_user", client_id=elsewhere)
    stranger = Person("", stranger_token, "client_user")
    other = workspace()
    for outsider in (stranger, other.admin):
        assert ws.call("GET", "requests", outsider).status == 404
        assert ws.call("GET", f"requests/{rid}", outsider).status == 404
        assert ws.call("GET", "requests/summary", outsider).status == 404
        assert _upload(ws, rid, outsider).status == 404
        comment = ws.call("POST", f"requests/{rid}/comments", outsider, json_body={"body": "hello there"})
        assert comment.status == 404
        assert request("GET", "requests", token=outsider.token).json()["total"] == 0
    # A contact of the right client, but not the assignee, still sees the client's requests.
    assert ws.call("GET", f"requests/{rid}", other_contact).status == 200
    assert request("GET", "requests", token=other_contact.token, params={"mine": "true"}).json()["total"] == 0
    # A team member not on this team sees nothing across engagements.
    outsider_senior = ws.person("outsider", "senior")
    assert ws.call("GET", "requests", outsider_senior).status == 404
    assert request("GET", "requests", token=outsider_senior.token).json()["total"] == 0


def test_overdue_boundary_and_the_summaries() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    contact = ws.client_user()
    due_today = _create(ws, title="Due today", due_date=TODAY.isoformat())
    late = _create(ws, title="Late", due_date=(TODAY - timedelta(days=1)).isoformat())
    waiting = _create(ws, title="Sent", due_date=(TODAY - timedelta(days=5)).isoformat())
    assert _upload(ws, waiting["id"], contact).status == 201
    done = _create(ws, title="Done", due_date=(TODAY - timedelta(days=9)).isoformat())
    assert _upload(ws, done["id"], contact).status == 201
    assert ws.call("POST", f"requests/{done['id']}/accept", senior).status == 200

    items = {item["title"]: item for item in ws.call("GET", "requests", senior).json()["items"]}
    assert {title: item["overdue"] for title, item in items.items()} == {
        "Due today": False,
        "Late": True,
        "Sent": True,  # submitted but not accepted yet
        "Done": False,
    }
    assert due_today["overdue"] is False and late["overdue"] is True
    expected = {"total": 4, "open": 2, "overdue": 2, "submitted": 1, "accepted": 1}
    assert ws.call("GET", "requests/summary", senior).json() == expected
    assert ws.call("GET", "requests/summary", contact).json() == expected
    overdue_only = ws.call("GET", "requests", senior, params={"overdue": "true"}).json()
    assert sorted(item["title"] for item in overdue_only["items"]) == ["Late", "Sent"]
    # The team's home: submissions waiting for acceptance across the engagements they are on.
    awaiting = request("GET", "requests", token=senior.token, params={"status": "submitted", "mine": "true"}).json()
    assert [item["title"] for item in awaiting["items"]] == ["Sent"]
    home = request("GET", "requests/summary", token=senior.token, params={"mine": "true"}).json()
    assert home == expected
    assert request("GET", "requests/summary", token=contact.token, params={"mine": "true"}).json() == expected


def test_a_finalized_engagement_refuses_every_write() -> None:
    ws = workspace()
    contact = ws.client_user()
    rid = _create(ws)["id"]
    assert _upload(ws, rid, contact).status == 201
    ws.finalize()
    writes = [
        (ws.admin, "POST", "requests", {"json_body": _body(ws)}),
        (ws.admin, "PATCH", f"requests/{rid}", {"json_body": {"title": "Late change"}}),
        (ws.admin, "POST", f"requests/{rid}/accept", {}),
        (ws.admin, "POST", f"requests/{rid}/return", {"json_body": {"reason": "Not what we asked for"}}),
        (contact, "POST", f"requests/{rid}/comments", {"json_body": {"body": "Here it is"}}),
        (
            contact,
            "POST",
            f"requests/{rid}/attachments",
            {"body": PDF, "headers": {"Content-Type": "application/pdf", "X-Filename": "a.pdf"}},
        ),
    ]
    for who, method, path, kwargs in writes:
        reply = ws.call(method, path, who, **kwargs)
        assert (reply.status, reply.json()["code"]) == (409, "engagement_locked"), (method, path, reply.body)
    assert ws.call("GET", f"requests/{rid}", contact).json()["status"] == "submitted"


class FakeEmail:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, *, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


def _remind(ws: Workspace, email: FakeEmail, at: datetime) -> int:
    with clock.use_clock(clock.FixedClock(at)), UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        return reminders.remind_firm(uow, today=at.date(), email=email, portal_url="https://portal.example")


def test_reminders_go_to_the_assignee_once_a_day() -> None:
    ws = workspace()
    contact = ws.client_user()
    soon = _create(ws, title="Due in two days", due_date=(TODAY + timedelta(days=2)).isoformat())
    _create(ws, title="Due in three days", due_date=(TODAY + timedelta(days=3)).isoformat())
    _create(ws, title="Overdue", due_date=(TODAY - timedelta(days=4)).isoformat())
    sent = _create(ws, title="Sent already", due_date=(TODAY - timedelta(days=4)).isoformat())
    assert _upload(ws, sent["id"], contact).status == 201

    email = FakeEmail()
    morning = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7)
    assert _remind(ws, email, morning) == 2
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        address = uow.session.scalar(select(func.lower(User.email)).where(User.id == uuid.UUID(contact.user_id)))
    assert sorted(subject for _, subject, _ in email.sent) == ["Due soon: Due in two days", "Overdue: Overdue"]
    assert {to.lower() for to, _, _ in email.sent} == {address}
    assert all("https://portal.example/requests" in body for _, _, body in email.sent)
    # Later the same day: nothing again. The next day: again.
    assert _remind(ws, email, morning + timedelta(hours=10)) == 0
    assert len(email.sent) == 2
    assert _remind(ws, email, morning + timedelta(days=1)) == 3  # "Due in three days" is now within two
    detail = ws.call("GET", f"requests/{soon['id']}", ws.admin).json()
    assert detail["last_reminded_at"] is not None
    # The whole run lists firms in system scope and reaches this firm's requests too.
    everyone = FakeEmail()
    with clock.use_clock(clock.FixedClock(morning + timedelta(days=2))):
        assert reminders.send_reminders(email=everyone, portal_url="") >= 3
    assert len([1 for to, _, _ in everyone.sent if to.lower() == address]) == 3


def test_row_level_security_lets_client_users_see_their_clients_requests_only() -> None:
    ws = workspace()
    contact = ws.client_user()
    rid = _create(ws)["id"]
    assert _upload(ws, rid, contact).status == 201
    assert ws.call("POST", f"requests/{rid}/comments", contact, json_body={"body": "Sent today"}).status == 201
    elsewhere = new_client(ws.admin.token, "Elsewhere Ltd")
    stranger_id, _ = add_user(ws.admin.token, "client_user", client_id=elsewhere)
    other = workspace()
    tables = (ClientRequest, ClientRequestComment, ClientRequestAttachment)

    def counts(firm_id: uuid.UUID, user_id: str) -> list[int]:
        with UnitOfWork(firm_id=firm_id, user_id=uuid.UUID(user_id)) as uow:
            return [uow.session.scalar(select(func.count()).select_from(t)) or 0 for t in tables]

    assert counts(ws.firm_id, contact.user_id) == [1, 1, 1]
    assert counts(ws.firm_id, stranger_id) == [0, 0, 0]
    assert counts(other.firm_id, other.admin.user_id) == [0, 0, 0]
    # Another firm cannot plant a comment or change a request under this engagement.
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        changed = uow.session.execute(
            update(ClientRequest).where(ClientRequest.id == uuid.UUID(rid)).values(status="accepted")
        ).rowcount
        assert changed == 0
        with pytest.raises(DBAPIError, match="row-level security"):
            uow.session.execute(
                insert(ClientRequestComment).values(
                    id=uuid.uuid4(),
                    firm_id=ws.firm_id,
                    engagement_id=uuid.UUID(ws.engagement_id),
                    request_id=uuid.UUID(rid),
                    body="planted",
                )
            )
    # The reminders' firm listing is refused outside system scope.
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow, pytest.raises(DBAPIError):
        uow.session.execute(select(func.aura_firms_with_client_requests_due(date.today()))).all()
