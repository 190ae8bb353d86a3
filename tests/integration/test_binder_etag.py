"""The binder's ETag comes from one aggregate statement: a poll that still holds it is answered 304
before the tree is read, and anything the tree shows changing gives a new one."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, text

from tests.engagement_support import Person, Workspace, workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _workpaper(ws: Workspace, who: Person) -> str:
    nodes = ws.call("GET", "binder", who).json()["nodes"]
    body = {"parent_id": nodes[0]["id"], "kind": "workpaper", "title": "Bank reconciliation", "content": {}}
    reply = ws.call("POST", "binder/nodes", who, json_body=body)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def _tag(ws: Workspace, who: Person) -> str:
    reply = ws.call("GET", "binder", who)
    assert reply.status == 200
    return str(reply.headers["ETag"])


def test_a_poll_that_holds_the_tag_is_answered_before_the_tree_is_read() -> None:
    from shared.db.engine import get_engine

    ws = workspace()
    manager = ws.person("m", "manager", team_role="manager")
    _workpaper(ws, manager)
    first = ws.call("GET", "binder", manager)
    tag = first.headers["ETag"]
    sent: list[str] = []

    def statement(conn: object, cursor: object, sql: str, *rest: object) -> None:
        sent.append(" ".join(sql.split()))

    event.listen(get_engine(), "before_cursor_execute", statement)
    try:
        again = ws.call("GET", "binder", manager, headers={"If-None-Match": tag})
        tree_statements = len(sent)
        sent.clear()
        full = ws.call("GET", "binder", manager)
    finally:
        event.remove(get_engine(), "before_cursor_execute", statement)
    assert again.status == 304 and again.body == b"" and again.headers["ETag"] == tag
    assert tree_statements < len(sent)  # the 304 skipped the reads of nodes, sign-offs and evidence links
    assert full.status == 200 and full.headers["ETag"] == tag and full.json() == first.json()
    assert ws.call("GET", "binder", manager, headers={"If-None-Match": '"other", ' + tag}).status == 304
    assert ws.call("GET", "binder", manager, headers={"If-None-Match": '"other"'}).status == 200


def test_what_the_tree_shows_changing_changes_the_tag() -> None:
    from shared.db.uow import UnitOfWork

    ws = workspace()
    manager = ws.person("m", "manager", team_role="manager")
    senior = ws.person("s", "senior", team_role="senior")
    node = _workpaper(ws, senior)
    seen = {_tag(ws, manager)}

    renamed = ws.call("PATCH", f"binder/nodes/{node}", manager, json_body={"title": "Bank reconciliations"})
    assert renamed.status == 200, renamed.body
    seen.add(_tag(ws, manager))

    signed = ws.call("POST", f"binder/nodes/{node}/signoffs", senior, json_body={"step": "prepare", "version": 1})
    assert signed.status == 201, signed.body
    seen.add(_tag(ws, manager))

    # The signer's name is shown beside the sign-off: renaming them shows in the tree, so in the tag.
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        uow.session.execute(text("UPDATE users SET display_name = 'Sam Senior' WHERE id = :id"), {"id": senior.user_id})
        uow.commit()
    tree = ws.call("GET", "binder", manager)
    seen.add(tree.headers["ETag"])
    shown = [n for folder in tree.json()["nodes"] for n in folder["children"] if n["id"] == node]
    assert shown[0]["signoffs"]["prepared"]["display_name"] == "Sam Senior"

    assert len(seen) == 4  # every change gave a tag not seen before

    extra = _workpaper(ws, manager)
    with_extra = _tag(ws, manager)
    deleted = ws.call("DELETE", f"binder/nodes/{extra}", manager)
    assert deleted.status in (200, 204), deleted.body
    back = ws.call("GET", "binder", manager)
    assert with_extra not in seen and back.headers["ETag"] != with_extra
    # The same tree as before the workpaper came and went: the same tag, as a body hash would give.
    assert back.headers["ETag"] == tree.headers["ETag"] and back.json() == tree.json()


def test_the_tag_is_checked_after_access() -> None:
    ws = workspace()
    manager = ws.person("m", "manager", team_role="manager")
    tag = _tag(ws, manager)
    outsider = ws.person("o", "senior")
    reply = ws.call("GET", "binder", outsider, headers={"If-None-Match": tag})
    assert reply.status == 404 and reply.json()["code"] == "engagement_not_found"
