"""The binder tree through HTTP: standard sections, creating, moving, renaming and deleting nodes, and who may."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from functions.engagement.standard_binder import STANDARD_SECTIONS
from tests.engagement_support import Person, Workspace, new_engagement, workspace
from tests.support import create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def section(ws: Workspace, code: str) -> dict[str, Any]:
    nodes = ws.call("GET", "binder", ws.admin).json()["nodes"]
    return next(node for node in nodes if node["index_code"] == code)


def add(ws: Workspace, who: Person, parent: str | None, kind: str, title: str, **fields: Any) -> Any:
    return ws.call("POST", "binder/nodes", who, json_body={"parent_id": parent, "kind": kind, "title": title, **fields})


def created(ws: Workspace, parent: str | None, kind: str, title: str, **fields: Any) -> dict[str, Any]:
    reply = add(ws, ws.admin, parent, kind, title, **fields)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def find(nodes: list[dict[str, Any]], node_id: str) -> dict[str, Any] | None:
    for node in nodes:
        if node["id"] == node_id:
            return node
        found = find(node["children"], node_id)
        if found:
            return found
    return None


def test_a_new_engagement_has_the_standard_sections_in_order() -> None:
    ws = workspace()
    reply = ws.call("GET", "binder", ws.admin)
    assert reply.status == 200, reply.body
    nodes = reply.json()["nodes"]
    assert [(n["index_code"], n["title"]) for n in nodes] == list(STANDARD_SECTIONS)
    assert {n["kind"] for n in nodes} == {"folder"}
    assert all(n["children"] == [] and n["signoffs"] is None for n in nodes)


def test_nodes_nest_under_folders_and_show_in_the_tree() -> None:
    ws = workspace()
    cash = section(ws, "D")["id"]
    folder = created(ws, cash, "folder", "Bank accounts", index_code="D-100")
    paper = created(ws, folder["id"], "workpaper", "Bank reconciliation", index_code="D-110", content={"rows": [1, 2]})
    note = created(ws, folder["id"], "note", "Ask about the overdraft")
    assert paper["version"] == 1 and paper["content"] == {"rows": [1, 2]}
    assert note["content"] == {} and note["signoffs"] is None
    assert paper["signoffs"] == {"prepared": None, "reviewed": None, "approved": None}

    tree = ws.call("GET", "binder", ws.admin).json()["nodes"]
    d = next(n for n in tree if n["index_code"] == "D")
    assert [c["id"] for c in d["children"]] == [folder["id"]]
    assert [c["id"] for c in d["children"][0]["children"]] == [paper["id"], note["id"]]

    fetched = ws.call("GET", f"binder/nodes/{folder['id']}", ws.admin).json()
    assert fetched["child_ids"] == [paper["id"], note["id"]]
    assert fetched["parent_id"] == cash


def test_index_codes_are_unique_per_engagement_only() -> None:
    ws = workspace()
    cash = section(ws, "D")["id"]
    first = created(ws, cash, "workpaper", "Lead schedule", index_code="D-1")
    clash = add(ws, ws.admin, cash, "workpaper", "Another", index_code="D-1")
    assert clash.status == 409 and clash.json()["code"] == "index_code_taken"
    assert add(ws, ws.admin, None, "folder", "Another A", index_code="A").json()["code"] == "index_code_taken"
    other = created(ws, cash, "workpaper", "Other")
    renamed = ws.call("PATCH", f"binder/nodes/{other['id']}", ws.admin, json_body={"index_code": "D-1"})
    assert renamed.status == 409 and renamed.json()["code"] == "index_code_taken"
    # Keeping one's own code is no clash.
    same = ws.call("PATCH", f"binder/nodes/{first['id']}", ws.admin, json_body={"index_code": "D-1", "title": "Lead"})
    assert same.status == 200, same.body

    # Another engagement of the firm may use the same codes.
    second = new_engagement(ws.admin.token, ws.client_id, name="FY2027 audit")
    ws2 = Workspace(ws.firm_id, ws.admin, ws.client_id, second["id"])
    assert created(ws2, section(ws2, "D")["id"], "workpaper", "Lead", index_code="D-1")["index_code"] == "D-1"


def test_a_parent_must_be_a_folder_of_the_same_engagement() -> None:
    ws = workspace()
    paper = created(ws, section(ws, "E")["id"], "workpaper", "Confirmations")
    second = new_engagement(ws.admin.token, ws.client_id, name="Other audit")
    ws2 = Workspace(ws.firm_id, ws.admin, ws.client_id, second["id"])
    foreign_folder = section(ws2, "E")["id"]
    for parent in (paper["id"], foreign_folder, str(uuid.uuid4())):
        reply = add(ws, ws.admin, parent, "workpaper", "Under a bad parent")
        assert reply.status == 400, reply.body
        assert reply.json()["errors"][0]["loc"] == ["body", "parent_id"]
        assert parent in reply.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "evidence", "title": "A file"}, "evidence_id"),
        ({"kind": "workpaper", "title": "Paper", "evidence_id": str(uuid.uuid4())}, "evidence_id"),
        ({"kind": "folder", "title": "Folder", "content": {"a": 1}}, "content"),
        ({"kind": "binder", "title": "Unknown kind"}, "kind"),
        ({"kind": "folder", "title": ""}, "title"),
        ({"kind": "folder", "title": "Bad code", "index_code": "A 100"}, "index_code"),
        ({"kind": "workpaper", "title": "Not an object", "content": [1, 2]}, "content"),
    ],
)
def test_bad_input_is_refused_naming_the_field(fields: dict[str, Any], field: str) -> None:
    ws = workspace()
    reply = ws.call("POST", "binder/nodes", ws.admin, json_body={"parent_id": None, **fields})
    assert reply.status == 400, reply.body
    assert reply.json()["errors"][0]["loc"][:2] == ["body", field]


def test_a_bad_reference_is_refused_in_words_not_as_a_regular_expression() -> None:
    ws = workspace()
    for code in ("E 100 (AR)!", "-D", "D_1?"):
        reply = ws.call(
            "POST", "binder/nodes", ws.admin, json_body={"kind": "folder", "title": "x", "index_code": code}
        )
        assert reply.status == 400, (code, reply.body)
        message = reply.json()["errors"][0]["msg"]
        assert "letters, digits and . - _ / only" in message and code in message
        assert "[A-Za-z" not in reply.body.decode(), "the pattern's text is no message"
    for code in ("D-100", "E-200/3", "D.1", "J_2"):
        assert (
            ws.call(
                "POST", "binder/nodes", ws.admin, json_body={"kind": "folder", "title": code, "index_code": code}
            ).status
            == 201
        )


def test_rename_and_move_keep_content_version_and_order_by_position() -> None:
    ws = workspace()
    cash, receivables = section(ws, "D")["id"], section(ws, "E")["id"]
    first = created(ws, cash, "workpaper", "One", index_code="D-1")
    second = created(ws, cash, "workpaper", "Two", index_code="D-2")
    assert (first["position"], second["position"]) == (0, 1)

    renamed = ws.call("PATCH", f"binder/nodes/{first['id']}", ws.admin, json_body={"title": "Uno", "index_code": "D-9"})
    assert renamed.status == 200, renamed.body
    assert (renamed.json()["title"], renamed.json()["index_code"], renamed.json()["version"]) == ("Uno", "D-9", 1)

    # Put the second before the first: inserting at 0 makes room.
    ws.call("PATCH", f"binder/nodes/{second['id']}", ws.admin, json_body={"position": 0})
    tree = ws.call("GET", "binder", ws.admin).json()["nodes"]
    assert [c["title"] for c in find(tree, cash)["children"]] == ["Two", "Uno"]  # type: ignore[index]

    moved = ws.call("PATCH", f"binder/nodes/{first['id']}", ws.admin, json_body={"parent_id": receivables})
    assert moved.status == 200, moved.body
    assert moved.json()["parent_id"] == receivables
    tree = ws.call("GET", "binder", ws.admin).json()["nodes"]
    assert [c["id"] for c in find(tree, receivables)["children"]] == [first["id"]]  # type: ignore[index]

    # parent_id null moves a node to the top level.
    top = ws.call("PATCH", f"binder/nodes/{first['id']}", ws.admin, json_body={"parent_id": None})
    assert top.json()["parent_id"] is None
    assert ws.call("GET", "binder", ws.admin).json()["nodes"][-1]["id"] == first["id"]

    activity = ws.call("GET", "activity", ws.admin, params={"action": "binder.node_moved"}).json()
    assert activity["total"] == 2


def test_a_folder_cannot_move_under_itself_or_its_descendants() -> None:
    ws = workspace()
    cash = section(ws, "D")["id"]
    outer = created(ws, cash, "folder", "Outer")
    inner = created(ws, outer["id"], "folder", "Inner")
    deepest = created(ws, inner["id"], "folder", "Deepest")
    for target, parent in ((outer, outer), (outer, inner), (outer, deepest), ({"id": cash}, deepest)):
        reply = ws.call("PATCH", f"binder/nodes/{target['id']}", ws.admin, json_body={"parent_id": parent["id"]})
        assert reply.status == 400, reply.body
        assert reply.json()["errors"][0]["loc"] == ["body", "parent_id"]
    # Moving the innermost out is fine.
    assert ws.call("PATCH", f"binder/nodes/{deepest['id']}", ws.admin, json_body={"parent_id": cash}).status == 200


def test_only_empty_nodes_are_deleted_and_the_refusal_says_what_is_in_the_way() -> None:
    ws = workspace()
    cash = section(ws, "D")["id"]
    folder = created(ws, cash, "folder", "Bank")
    paper = created(ws, folder["id"], "workpaper", "Reconciliation")

    full = ws.call("DELETE", f"binder/nodes/{folder['id']}", ws.admin)
    assert full.status == 409 and full.json()["code"] == "node_not_empty"
    assert full.json()["blocking"] == {"children": 1}

    prepared = ws.call(
        "POST", f"binder/nodes/{paper['id']}/signoffs", ws.admin, json_body={"step": "prepare", "version": 1}
    )
    assert prepared.status == 201, prepared.body
    signed = ws.call("DELETE", f"binder/nodes/{paper['id']}", ws.admin)
    assert signed.status == 409 and signed.json()["blocking"] == {"active_signoffs": 1}

    ws.call("DELETE", f"binder/nodes/{paper['id']}/signoffs/prepare", ws.admin)
    note = ws.call("POST", "review-notes", ws.admin, json_body={"node_id": paper["id"], "body": "Tie out"})
    assert note.status == 201, note.body
    noted = ws.call("DELETE", f"binder/nodes/{paper['id']}", ws.admin)
    assert noted.status == 409 and noted.json()["blocking"] == {"review_notes": 1}
    assert "1 review notes" in noted.json()["detail"]

    # A workpaper with only history (versions, a cleared sign-off) is empty.
    plain = created(ws, folder["id"], "workpaper", "Scratch")
    ws.call("PUT", f"binder/nodes/{plain['id']}/content", ws.admin, json_body={"content": {"a": 1}, "version": 1})
    ws.call("POST", f"binder/nodes/{plain['id']}/signoffs", ws.admin, json_body={"step": "prepare", "version": 2})
    ws.call("DELETE", f"binder/nodes/{plain['id']}/signoffs/prepare", ws.admin)
    gone = ws.call("DELETE", f"binder/nodes/{plain['id']}", ws.admin)
    assert gone.status == 204, gone.body
    assert ws.call("GET", f"binder/nodes/{plain['id']}", ws.admin).status == 404
    assert ws.call("GET", "activity", ws.admin, params={"action": "binder.node_deleted"}).json()["total"] == 1

    # An empty standard section can go too.
    assert ws.call("DELETE", f"binder/nodes/{section(ws, 'F')['id']}", ws.admin).status == 204


def test_engagement_roles_decide_who_changes_the_binder() -> None:
    ws = workspace()
    cash = section(ws, "D")["id"]
    staff = ws.person("staff", "staff", team_role="staff")
    qc = ws.person("qc", "qc_reviewer")
    assert add(ws, staff, cash, "workpaper", "By staff").status == 201
    # The QC reviewer sees every engagement but prepares nothing.
    assert ws.call("GET", "binder", qc).status == 200
    assert add(ws, qc, cash, "workpaper", "By QC").status == 403
    assert ws.call("PATCH", f"binder/nodes/{cash}", qc, json_body={"title": "Renamed"}).status == 403
    assert ws.call("DELETE", f"binder/nodes/{section(ws, 'F')['id']}", qc).status == 403


def test_the_binder_structure_belongs_to_the_manager_and_partner() -> None:
    ws = workspace()
    senior = ws.person("senior", "senior", team_role="senior")
    staff = ws.person("staff", "staff", team_role="staff")
    manager = ws.person("manager", "manager", team_role="manager")
    cash, revenue, spare = section(ws, "D")["id"], section(ws, "J")["id"], section(ws, "F")["id"]

    # A senior (or staff) may not delete a section, add or rename one, or move nodes around.
    for who in (senior, staff):
        refused = ws.call("DELETE", f"binder/nodes/{spare}", who)
        assert refused.status == 403, refused.body
        assert "manager or partner" in refused.json()["detail"]
        assert add(ws, who, cash, "folder", "Bank accounts").status == 403
        assert ws.call("PATCH", f"binder/nodes/{cash}", who, json_body={"title": "Money"}).status == 403
    assert section(ws, "F")["id"] == spare

    # Preparers add and fill workpapers within the sections, rename their own, and delete an untouched one.
    paper = add(ws, senior, cash, "workpaper", "Bank reconciliation")
    assert paper.status == 201, paper.body
    path = f"binder/nodes/{paper.json()['id']}"
    assert ws.call("PATCH", path, senior, json_body={"title": "Bank rec"}).status == 200
    assert ws.call("PATCH", path, senior, json_body={"parent_id": revenue}).status == 403
    assert ws.call("PATCH", path, senior, json_body={"position": 5}).status == 403
    saved = ws.call("PUT", path + "/content", senior, json_body={"content": {"text": "work"}, "version": 1})
    assert saved.status == 200, saved.body
    assert ws.call("DELETE", path, staff).status == 403, "a saved workpaper is work"
    scratch = add(ws, staff, cash, "workpaper", "Scratch").json()["id"]
    assert ws.call("DELETE", f"binder/nodes/{scratch}", staff).status == 204

    # The manager shapes the file.
    assert ws.call("PATCH", path, manager, json_body={"parent_id": revenue}).json()["parent_id"] == revenue
    assert add(ws, manager, cash, "folder", "Bank accounts").status == 201
    assert ws.call("DELETE", f"binder/nodes/{spare}", manager).status == 204


def test_every_engagement_response_carries_the_callers_permissions_on_it() -> None:
    ws = workspace()
    staff = ws.person("staff", "staff", team_role="staff")
    senior = ws.person("senior", "senior", team_role="senior")
    manager = ws.person("manager", "manager", team_role="manager")
    qc = ws.person("qc", "qc_reviewer")
    client = ws.client_user()

    def mine(who: Person) -> set[str]:
        one = ws.call("GET", "", who).json()["my_permissions"]
        listed = request("GET", "engagements", token=who.token).json()["items"]
        assert [item["my_permissions"] for item in listed if item["id"] == ws.engagement_id] == [one]
        return set(one)

    assert {"workpaper.prepare", "data.upload"} <= mine(staff)
    assert not {"workpaper.review", "workpaper.approve", "binder.structure", "review_note.write"} & mine(staff)
    assert {"workpaper.review", "review_note.write"} <= mine(senior)
    assert not {"workpaper.approve", "binder.structure"} & mine(senior)
    assert {"workpaper.approve", "binder.structure"} <= mine(manager)
    assert "workpaper.prepare" not in mine(qc) and "qc.run" in mine(qc)
    assert mine(client) == {"client_portal", "data.upload"}

    # What it says is what the API does: staff is refused a review, the manager may add a section.
    paper = created(ws, section(ws, "D")["id"], "workpaper", "Bank")
    assert (
        ws.call(
            "POST", f"binder/nodes/{paper['id']}/signoffs", staff, json_body={"step": "prepare", "version": 1}
        ).status
        == 201
    )
    refused = ws.call("POST", f"binder/nodes/{paper['id']}/signoffs", staff, json_body={"step": "review", "version": 1})
    assert refused.status == 403

    ws.finalize()
    assert mine(manager) == {"engagement.read", "users.read"}, "a finalized engagement is only read"


def test_people_who_may_not_see_the_engagement_get_404_and_client_users_no_binder() -> None:
    ws = workspace()
    cash = section(ws, "D")["id"]
    paper = created(ws, cash, "workpaper", "Bank")
    outsider_firm = create_firm("Other CPA")
    outsider = Person(str(outsider_firm.user_id), token_for(outsider_firm.email), "firm_admin")
    off_team = ws.person("off-team", "senior")
    for who in (outsider, off_team):
        assert ws.call("GET", "binder", who).status == 404
        assert ws.call("GET", f"binder/nodes/{paper['id']}", who).status == 404
        assert add(ws, who, cash, "workpaper", "Sneaky").status == 404
        assert ws.call("PATCH", f"binder/nodes/{paper['id']}", who, json_body={"title": "x"}).status == 404
        assert ws.call("DELETE", f"binder/nodes/{paper['id']}", who).status == 404
    client = ws.client_user()
    assert ws.call("GET", "binder", client).status in (403, 404)
    assert ws.call("GET", f"binder/nodes/{paper['id']}", client).status in (403, 404)
    assert add(ws, client, cash, "workpaper", "From the client").status in (403, 404)


def test_a_node_of_one_engagement_is_not_found_under_another() -> None:
    ws = workspace()
    paper = created(ws, section(ws, "D")["id"], "workpaper", "Bank")
    second = new_engagement(ws.admin.token, ws.client_id, name="Other audit")
    ws2 = Workspace(ws.firm_id, ws.admin, ws.client_id, second["id"])
    path = f"binder/nodes/{paper['id']}"
    assert ws2.call("GET", path, ws.admin).status == 404
    assert ws2.call("PATCH", path, ws.admin, json_body={"title": "x"}).status == 404
    assert ws2.call("DELETE", path, ws.admin).status == 404
    assert ws2.call("PUT", path + "/content", ws.admin, json_body={"content": {}, "version": 1}).status == 404
    assert ws2.call("POST", path + "/signoffs", ws.admin, json_body={"step": "prepare", "version": 1}).status == 404
    assert ws2.call("GET", path + "/versions", ws.admin).status == 404


def test_binder_writes_under_a_finalized_engagement_are_locked_and_reads_still_work() -> None:
    ws = workspace()
    cash = section(ws, "D")["id"]
    paper = created(ws, cash, "workpaper", "Bank")
    ws.finalize()
    path = f"binder/nodes/{paper['id']}"
    writes = [
        ("POST", "binder/nodes", {"json_body": {"parent_id": cash, "kind": "folder", "title": "Late"}}),
        ("PATCH", path, {"json_body": {"title": "Late"}}),
        ("DELETE", path, {}),
        ("PUT", path + "/content", {"json_body": {"content": {}, "version": 1}}),
        ("POST", path + "/signoffs", {"json_body": {"step": "prepare", "version": 1}}),
        ("DELETE", path + "/signoffs/prepare", {}),
    ]
    for method, sub_path, kwargs in writes:
        reply = ws.call(method, sub_path, ws.admin, **kwargs)
        assert (reply.status, reply.json()["code"]) == (409, "engagement_locked"), (method, sub_path, reply.body)
    assert ws.call("GET", "binder", ws.admin).status == 200
    assert ws.call("GET", path, ws.admin).json()["title"] == "Bank"


def test_every_binder_change_is_in_the_activity_feed() -> None:
    ws = workspace()
    paper = created(ws, section(ws, "D")["id"], "workpaper", "Bank", index_code="D-1")
    ws.call("PATCH", f"binder/nodes/{paper['id']}", ws.admin, json_body={"title": "Bank rec"})
    feed = ws.call("GET", "activity", ws.admin).json()["items"]
    actions = [item["action"] for item in feed]
    assert "binder.node_created" in actions and "binder.node_updated" in actions
    updated = next(item for item in feed if item["action"] == "binder.node_updated")
    assert updated["target_id"] == paper["id"]


def test_booleans_are_not_taken_for_positions_or_versions() -> None:
    """JSON true/false are not numbers: lax parsing would read them as 1 and 0."""
    from tests.engagement_support import workspace as new_workspace

    ws = new_workspace()
    reply = ws.call("POST", "binder/nodes", ws.admin, json_body={"kind": "folder", "title": "M", "position": False})
    assert reply.status == 400
    assert reply.json()["errors"][0]["loc"] == ["body", "position"]
