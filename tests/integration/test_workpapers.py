"""Workpaper content, versions and sign-offs through HTTP, against the real database.

Includes the race the version check exists for: two writers who read the same version, saving at
the same moment from two threads; exactly one wins, the other is told, nothing is lost.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shared.db.models import OutboxMessage
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def new_workpaper(ws: Workspace, who: Person | None = None, content: dict[str, Any] | None = None) -> str:
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    cash = next(node["id"] for node in nodes if node["index_code"] == "D")
    body = {"parent_id": cash, "kind": "workpaper", "title": "Bank reconciliation", "content": content or {}}
    reply = ws.call("POST", "binder/nodes", who or ws.admin, json_body=body)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def save(
    ws: Workspace, node: str, who: Person, content: dict[str, Any], version: int, reason: str | None = None
) -> Any:
    body: dict[str, Any] = {"content": content, "version": version}
    if reason is not None:
        body["reason"] = reason
    return ws.call("PUT", f"binder/nodes/{node}/content", who, json_body=body)


def sign(ws: Workspace, node: str, who: Person, step: str, version: int | None = None) -> Any:
    """Sign at `version`, by default the version the signer is shown right now."""
    if version is None:
        version = ws.call("GET", f"binder/nodes/{node}", ws.admin).json().get("version", 1)
    return ws.call("POST", f"binder/nodes/{node}/signoffs", who, json_body={"step": step, "version": version})


def history(ws: Workspace, node: str) -> list[dict[str, Any]]:
    return list(ws.call("GET", f"binder/nodes/{node}/signoffs", ws.admin).json()["items"])


def active(ws: Workspace, node: str) -> dict[str, str]:
    return {item["step"]: item["user_id"] for item in history(ws, node) if item["active"]}


def team(ws: Workspace) -> tuple[Person, Person, Person, Person]:
    """A staff preparer, a senior reviewer, a manager and a partner on the engagement's team."""
    return (
        ws.person("staff", "staff", team_role="staff"),
        ws.person("senior", "senior", team_role="senior"),
        ws.person("manager", "manager", team_role="manager"),
        ws.person("partner", "partner", team_role="partner"),
    )


# --- content and versions --------------------------------------------------------------------------


def test_every_save_is_a_version_and_every_version_can_be_read_again() -> None:
    ws = workspace()
    node = new_workpaper(ws, content={"balance": "100.00"})
    second = save(ws, node, ws.admin, {"balance": "120.00"}, 1, reason="bank statement received")
    assert second.status == 200, second.body
    assert (second.json()["version"], second.json()["content"]) == (2, {"balance": "120.00"})
    assert save(ws, node, ws.admin, {"balance": "125.00"}, 2).json()["version"] == 3

    listing = ws.call("GET", f"binder/nodes/{node}/versions", ws.admin).json()
    assert listing["current_version"] == 3
    assert [item["version"] for item in listing["items"]] == [3, 2, 1]
    assert [item["change_reason"] for item in listing["items"]] == ["", "bank statement received", "created"]
    first = ws.call("GET", f"binder/nodes/{node}/versions/1", ws.admin).json()
    assert first["content"] == {"balance": "100.00"}
    assert ws.call("GET", f"binder/nodes/{node}/versions/2", ws.admin).json()["content"] == {"balance": "120.00"}
    missing = ws.call("GET", f"binder/nodes/{node}/versions/9", ws.admin)
    assert missing.status == 404 and missing.json()["code"] == "version_not_found"
    assert ws.call("GET", "activity", ws.admin, params={"action": "workpaper.content_saved"}).json()["total"] == 2


def test_a_stale_writer_gets_409_with_the_current_version_and_nothing_is_lost() -> None:
    ws = workspace()
    node = new_workpaper(ws, content={"text": "v1"})
    alice = ws.person("alice", "senior", team_role="senior")
    bob = ws.person("bob", "staff", team_role="staff")
    read_by_both = ws.call("GET", f"binder/nodes/{node}", alice).json()["version"]

    assert save(ws, node, alice, {"text": "alice's"}, read_by_both).status == 200
    late = save(ws, node, bob, {"text": "bob's"}, read_by_both)
    assert late.status == 409, late.body
    problem = late.json()
    assert (problem["code"], problem["current_version"], problem["your_version"]) == ("version_conflict", 2, 1)

    # Bob reloads, merges and saves on top: both states are kept.
    merged = save(ws, node, bob, {"text": "alice's + bob's"}, problem["current_version"], reason="merged")
    assert merged.status == 200 and merged.json()["version"] == 3
    contents = [
        ws.call("GET", f"binder/nodes/{node}/versions/{v}", ws.admin).json()["content"]["text"] for v in (1, 2, 3)
    ]
    assert contents == ["v1", "alice's", "alice's + bob's"]


def test_two_writers_saving_the_same_version_at_once_one_wins_one_gets_409() -> None:
    ws = workspace()
    node = new_workpaper(ws, content={"text": "start"})
    writers = [ws.person("w1", "senior", team_role="senior"), ws.person("w2", "senior", team_role="senior")]
    for round_number in range(3):
        version = ws.call("GET", f"binder/nodes/{node}", ws.admin).json()["version"]
        barrier = threading.Barrier(len(writers))
        replies: dict[int, Any] = {}

        def write(
            index: int, version: int = version, barrier: threading.Barrier = barrier, replies: dict[int, Any] = replies
        ) -> None:
            barrier.wait()
            replies[index] = save(ws, node, writers[index], {"text": f"writer {index}"}, version)

        threads = [threading.Thread(target=write, args=(index,)) for index in range(len(writers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = sorted(reply.status for reply in replies.values())
        assert statuses == [200, 409], (round_number, [r.body for r in replies.values()])
        winner = next(index for index, reply in replies.items() if reply.status == 200)
        loser = replies[1 - winner].json()
        assert loser["code"] == "version_conflict" and loser["current_version"] == version + 1
        saved = ws.call("GET", f"binder/nodes/{node}/versions/{version + 1}", ws.admin).json()
        assert saved["content"] == {"text": f"writer {winner}"}
    listing = ws.call("GET", f"binder/nodes/{node}/versions", ws.admin).json()
    assert [item["version"] for item in listing["items"]] == [4, 3, 2, 1]


def test_content_belongs_to_workpapers_and_notes_and_must_be_an_object() -> None:
    ws = workspace()
    folder = ws.call("GET", "binder", ws.admin).json()["nodes"][0]["id"]
    refused = save(ws, folder, ws.admin, {"a": 1}, 1)
    assert refused.status == 409 and refused.json()["code"] == "no_content"
    node = new_workpaper(ws)
    for body, field in (({"content": [1], "version": 1}, "content"), ({"content": {}}, "version")):
        reply = ws.call("PUT", f"binder/nodes/{node}/content", ws.admin, json_body=body)
        assert reply.status == 400 and reply.json()["errors"][0]["loc"][:2] == ["body", field], reply.body
    assert (
        ws.call("PUT", f"binder/nodes/{uuid.uuid4()}/content", ws.admin, json_body={"content": {}, "version": 1}).status
        == 404
    )


# --- sign-offs -------------------------------------------------------------------------------------


def test_sign_offs_go_prepare_review_approve_in_order() -> None:
    ws = workspace()
    staff, senior, manager, _ = team(ws)
    node = new_workpaper(ws, staff)
    early = sign(ws, node, senior, "review")
    assert early.status == 409 and early.json()["code"] == "signoff_out_of_order"
    assert sign(ws, node, manager, "approve").json()["code"] == "signoff_out_of_order"

    prepared = sign(ws, node, staff, "prepare")
    assert prepared.status == 201, prepared.body
    assert (prepared.json()["step"], prepared.json()["node_version"], prepared.json()["active"]) == ("prepare", 1, True)
    assert sign(ws, node, manager, "approve").json()["code"] == "signoff_out_of_order"
    assert sign(ws, node, senior, "review").status == 201
    assert sign(ws, node, manager, "approve").status == 201
    assert active(ws, node) == {"prepare": staff.user_id, "review": senior.user_id, "approve": manager.user_id}

    again = sign(ws, node, ws.admin, "approve")
    assert again.status == 409 and again.json()["code"] == "already_signed"

    state = ws.call("GET", "binder", ws.admin).json()["nodes"][3]["children"][0]["signoffs"]
    assert state["prepared"]["user_id"] == staff.user_id
    assert state["reviewed"]["user_id"] == senior.user_id and state["reviewed"]["display_name"]
    assert state["approved"]["user_id"] == manager.user_id and state["approved"]["signed_at"]


def test_staff_cannot_review_or_approve() -> None:
    ws = workspace()
    staff, senior, _, _ = team(ws)
    other_staff = ws.person("staff2", "staff", team_role="staff")
    node = new_workpaper(ws)
    assert sign(ws, node, staff, "prepare").status == 201
    assert sign(ws, node, other_staff, "review").status == 403
    assert sign(ws, node, senior, "review").status == 201
    denied = sign(ws, node, other_staff, "approve")
    assert denied.status == 403 and denied.json()["code"] == "forbidden"
    # A senior reviews but does not approve either (docs/audit-rules.md section 1).
    assert sign(ws, node, ws.person("senior2", "senior", team_role="senior"), "approve").status == 403


def test_the_engagement_role_not_the_firm_role_decides() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")
    senior_as_manager = ws.person("lead", "senior", team_role="manager")
    manager_as_staff = ws.person("helper", "manager", team_role="staff")
    reviewer = ws.person("reviewer", "senior", team_role="senior")
    node = new_workpaper(ws)
    sign(ws, node, staff, "prepare")
    sign(ws, node, reviewer, "review")
    assert sign(ws, node, manager_as_staff, "approve").status == 403
    assert sign(ws, node, senior_as_manager, "approve").status == 201


def test_the_preparer_may_neither_review_nor_approve() -> None:
    ws = workspace()
    _, senior, manager, _ = team(ws)
    node = new_workpaper(ws)
    assert sign(ws, node, manager, "prepare").status == 201
    own_review = sign(ws, node, manager, "review")
    assert own_review.status == 409 and own_review.json()["code"] == "same_signer"
    assert "preparer" in own_review.json()["detail"]
    assert sign(ws, node, senior, "review").status == 201
    own_approval = sign(ws, node, manager, "approve")
    assert own_approval.status == 409 and own_approval.json()["code"] == "same_signer"
    # The reviewer may approve when their role allows; here the admin (partner-like) approves.
    assert sign(ws, node, ws.admin, "approve").status == 201


def test_a_change_after_review_clears_review_and_approval_with_the_reason() -> None:
    ws = workspace()
    staff, senior, manager, _ = team(ws)
    node = new_workpaper(ws, staff)
    for who, step in ((staff, "prepare"), (senior, "review"), (manager, "approve")):
        assert sign(ws, node, who, step).status == 201

    # The preparer revises: review and approval go, the preparer's own sign-off stays.
    changed = save(ws, node, staff, {"text": "revised"}, 1, reason="added the December statement")
    assert changed.status == 200, changed.body
    assert changed.json()["signoffs"]["reviewed"] is None and changed.json()["signoffs"]["approved"] is None
    assert active(ws, node) == {"prepare": staff.user_id}
    cleared = [item for item in history(ws, node) if not item["active"]]
    assert {item["step"] for item in cleared} == {"review", "approve"}
    for item in cleared:
        assert item["cleared_by"] == staff.user_id and item["cleared_at"]
        assert item["cleared_reason"].startswith("content changed in version 2 by ")
        assert item["cleared_reason"].endswith(": added the December statement")

    # Reviewed again, then someone other than the preparer changes it: prepare goes as well.
    assert sign(ws, node, senior, "review").status == 201
    assert save(ws, node, senior, {"text": "reviewer's fix"}, 2).status == 200
    assert active(ws, node) == {}
    prepare = next(item for item in history(ws, node) if item["step"] == "prepare")
    assert prepare["cleared_reason"] == prepare["cleared_reason"].split(":")[0]  # no reason given, none appended
    assert "version 3" in prepare["cleared_reason"]
    feed = ws.call("GET", "activity", ws.admin, params={"action": "workpaper.signoff_cleared"}).json()
    assert feed["total"] == 4


def test_renaming_or_moving_a_workpaper_clears_no_sign_off() -> None:
    ws = workspace()
    staff, senior, _, _ = team(ws)
    node = new_workpaper(ws, staff)
    sign(ws, node, staff, "prepare")
    sign(ws, node, senior, "review")
    receivables = ws.call("GET", "binder", ws.admin).json()["nodes"][4]["id"]
    patched = ws.call(
        "PATCH", f"binder/nodes/{node}", ws.admin, json_body={"title": "Renamed", "parent_id": receivables}
    )
    assert patched.status == 200, patched.body
    assert active(ws, node) == {"prepare": staff.user_id, "review": senior.user_id}
    assert patched.json()["version"] == 1


def test_withdrawing_a_sign_off_clears_the_later_ones_and_only_the_signer_withdraws() -> None:
    ws = workspace()
    staff, senior, manager, _ = team(ws)
    node = new_workpaper(ws, staff)
    for who, step in ((staff, "prepare"), (senior, "review"), (manager, "approve")):
        sign(ws, node, who, step)

    not_mine = ws.call("DELETE", f"binder/nodes/{node}/signoffs/review", manager)
    assert not_mine.status == 403 and not_mine.json()["code"] == "not_your_signoff"
    bad_step = ws.call("DELETE", f"binder/nodes/{node}/signoffs/sign", senior)
    assert bad_step.status == 400 and bad_step.json()["errors"][0]["loc"] == ["path", "step"]

    withdrawn = ws.call("DELETE", f"binder/nodes/{node}/signoffs/review", senior)
    assert withdrawn.status == 204, withdrawn.body
    assert active(ws, node) == {"prepare": staff.user_id}
    reasons = {item["step"]: item["cleared_reason"] for item in history(ws, node) if not item["active"]}
    assert reasons["review"].startswith("review withdrawn by ")
    assert reasons["approve"].startswith("review sign-off withdrawn by ")
    again = ws.call("DELETE", f"binder/nodes/{node}/signoffs/review", senior)
    assert again.status == 404 and again.json()["code"] == "signoff_not_found"
    # Signed again after withdrawal: the history keeps both.
    assert sign(ws, node, senior, "review").status == 201
    assert [item["step"] for item in history(ws, node)] == ["prepare", "review", "approve", "review"]


def test_only_workpapers_are_signed() -> None:
    ws = workspace()
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    note = ws.call(
        "POST", "binder/nodes", ws.admin, json_body={"parent_id": nodes[0]["id"], "kind": "note", "title": "Memo"}
    ).json()
    for target in (nodes[0]["id"], note["id"]):
        reply = sign(ws, target, ws.admin, "prepare")
        assert reply.status == 409 and reply.json()["code"] == "not_signable"
    assert sign(ws, new_workpaper(ws), ws.admin, "sign").status == 400


def test_a_sign_off_emits_workpaper_signed_off_with_ids_only() -> None:
    ws = workspace()
    node = new_workpaper(ws)
    signoff = sign(ws, node, ws.admin, "prepare").json()
    with UnitOfWork(system=True) as uow:
        bodies = uow.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.message_type == "workpaper.signed_off")
        ).all()
    payloads = [body["payload"] for body in bodies if body["payload"].get("node_id") == node]
    assert payloads == [
        {
            "engagement_id": ws.engagement_id,
            "node_id": node,
            "signoff_id": signoff["id"],
            "step": "prepare",
            "user_id": ws.admin.user_id,
        }
    ]
