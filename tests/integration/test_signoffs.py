"""Sign-offs say what the signer saw: the version shown travels with the sign-off, and a stale one is refused.

Two people, two tokens: a senior who keeps working on a workpaper and a manager whose screen shows an
older version of it. The binder and its nodes answer with an ETag so that screens can poll cheaply.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engagement_support import Person, Workspace, workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def new_workpaper(ws: Workspace, who: Person) -> str:
    nodes = ws.call("GET", "binder", who).json()["nodes"]
    cash = next(node["id"] for node in nodes if node["index_code"] == "D")
    body = {"parent_id": cash, "kind": "workpaper", "title": "Bank reconciliation", "content": {"text": "v1"}}
    reply = ws.call("POST", "binder/nodes", who, json_body=body)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def sign(ws: Workspace, node: str, who: Person, step: str, version: int) -> Any:
    return ws.call("POST", f"binder/nodes/{node}/signoffs", who, json_body={"step": step, "version": version})


def save(ws: Workspace, node: str, who: Person, text: str, version: int) -> Any:
    reply = ws.call(
        "PUT", f"binder/nodes/{node}/content", who, json_body={"content": {"text": text}, "version": version}
    )
    assert reply.status == 200, reply.body
    return reply.json()


def email_of(ws: Workspace, who: Person) -> str:
    members = ws.call("GET", "team", ws.admin).json()["members"]
    return str(next(m["email"] for m in members if m["user_id"] == who.user_id))


def test_a_review_of_a_version_the_reviewer_was_not_shown_is_refused_naming_the_change() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    manager = ws.person("manager", "manager", team_role="manager")
    node = new_workpaper(ws, senior)
    assert sign(ws, node, senior, "prepare", 1).status == 201

    shown = ws.call("GET", f"binder/nodes/{node}", manager).json()["version"]
    save(ws, node, senior, "v2: the overdraft added", shown)

    stale = sign(ws, node, manager, "review", shown)
    assert stale.status == 409, stale.body
    problem = stale.json()
    assert problem["code"] == "version_conflict"
    assert (problem["your_version"], problem["current_version"]) == (1, 2)
    assert problem["changed_by"] == senior.user_id
    assert problem["changed_by_name"] == email_of(ws, senior)
    assert email_of(ws, senior) in problem["detail"] and "version 2" in problem["detail"]
    assert problem["changed_at"]
    history = ws.call("GET", f"binder/nodes/{node}/signoffs", ws.admin).json()["items"]
    assert [item["step"] for item in history if item["active"]] == ["prepare"]

    # Having looked at version 2, the manager signs it, and the record says version 2.
    reviewed = sign(ws, node, manager, "review", 2)
    assert reviewed.status == 201, reviewed.body
    assert reviewed.json()["node_version"] == 2


def test_a_stale_approval_is_refused_too_and_a_sign_off_without_a_version_names_the_field() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    staff = ws.person("staff", "staff", team_role="staff")
    partner = ws.person("partner", "partner", team_role="partner")
    node = new_workpaper(ws, staff)
    assert sign(ws, node, staff, "prepare", 1).status == 201
    assert sign(ws, node, senior, "review", 1).status == 201
    save(ws, node, staff, "v2", 1)  # clears the review
    assert sign(ws, node, senior, "review", 2).status == 201

    assert sign(ws, node, partner, "approve", 1).json()["code"] == "version_conflict"
    missing = ws.call("POST", f"binder/nodes/{node}/signoffs", partner, json_body={"step": "approve"})
    assert missing.status == 400
    assert ["body", "version"] in [error["loc"] for error in missing.json()["errors"]]
    assert sign(ws, node, partner, "approve", 2).status == 201


def test_the_binder_and_a_node_answer_304_while_nothing_changed_and_200_once_someone_changes_them() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    manager = ws.person("manager", "manager", team_role="manager")
    node = new_workpaper(ws, senior)

    for path in ("binder", f"binder/nodes/{node}"):
        first = ws.call("GET", path, manager)
        etag = first.headers["ETag"]
        assert first.status == 200 and etag
        again = ws.call("GET", path, manager, headers={"If-None-Match": etag})
        assert again.status == 304 and again.body == b"" and again.headers["ETag"] == etag
        assert ws.call("GET", path, manager, headers={"If-None-Match": '"something-else"'}).status == 200

    binder_tag = ws.call("GET", "binder", manager).headers["ETag"]
    node_tag = ws.call("GET", f"binder/nodes/{node}", manager).headers["ETag"]
    assert sign(ws, node, senior, "prepare", 1).status == 201

    changed_binder = ws.call("GET", "binder", manager, headers={"If-None-Match": binder_tag})
    changed_node = ws.call("GET", f"binder/nodes/{node}", manager, headers={"If-None-Match": node_tag})
    assert changed_binder.status == 200 and changed_binder.headers["ETag"] != binder_tag
    assert changed_node.status == 200 and changed_node.json()["signoffs"]["prepared"]["user_id"] == senior.user_id

    # A new workpaper appears in the tree of someone polling it.
    tag = changed_binder.headers["ETag"]
    new_workpaper(ws, senior)
    assert ws.call("GET", "binder", manager, headers={"If-None-Match": tag}).status == 200
