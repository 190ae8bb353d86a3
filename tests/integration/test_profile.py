"""The signed-in user's own profile: change the password, see their sign-ins, end one or all of them;
and the audit log's filters, which the administration screen uses."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, create_firm, login, request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

NEW_PASSWORD = "a much longer new passphrase 7"


def _me(token: str) -> tuple[int, str | None]:
    reply = request("GET", "auth/me", token=token)
    return reply.status, (reply.json().get("code") if reply.status != 200 else None)


def test_the_user_sees_their_open_sign_ins_with_this_one_marked_current() -> None:
    admin = create_firm()
    first, second = login(admin.email), login(admin.email)
    reply = request("GET", "auth/sessions", token=second["access_token"])
    assert reply.status == 200, reply.body
    items = reply.json()["items"]
    assert len(items) == 2
    assert [item["current"] for item in items] == [True, False]  # newest first: the one asking
    assert request("GET", "auth/sessions", token=first["access_token"]).json()["items"][1]["current"] is True
    assert request("GET", "auth/sessions").status == 401


def test_ending_one_sign_in_refuses_its_access_token_at_once_and_leaves_the_others() -> None:
    admin = create_firm()
    laptop, phone = login(admin.email), login(admin.email)
    sessions = request("GET", "auth/sessions", token=laptop["access_token"]).json()["items"]
    phone_id = next(s["id"] for s in sessions if not s["current"])
    assert request("DELETE", f"auth/sessions/{phone_id}", token=laptop["access_token"]).status == 204
    assert _me(phone["access_token"]) == (401, "session_ended")
    assert request("POST", "auth/refresh", json_body={"refresh_token": phone["refresh_token"]}).status == 401
    assert _me(laptop["access_token"]) == (200, None)
    assert [s["current"] for s in request("GET", "auth/sessions", token=laptop["access_token"]).json()["items"]] == [
        True
    ]
    again = request("DELETE", f"auth/sessions/{phone_id}", token=laptop["access_token"])
    assert again.status == 404 and again.json()["code"] == "session_not_found"


def test_nobody_ends_another_users_sign_in() -> None:
    admin = create_firm()
    other = create_firm()
    theirs = login(other.email)
    their_id = request("GET", "auth/sessions", token=theirs["access_token"]).json()["items"][0]["id"]
    mine = login(admin.email)
    assert request("DELETE", f"auth/sessions/{their_id}", token=mine["access_token"]).status == 404
    assert _me(theirs["access_token"]) == (200, None)


def test_signing_out_everywhere_ends_every_sign_in_this_one_included() -> None:
    admin = create_firm()
    one, two = login(admin.email), login(admin.email)
    reply = request("POST", "auth/sessions/end-all", token=one["access_token"])
    assert reply.status == 200 and reply.json()["sessions_ended"] == 2
    assert _me(one["access_token"]) == (401, "session_ended")
    assert _me(two["access_token"]) == (401, "session_ended")


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sign_ins() -> None:
    admin = create_firm()
    here, elsewhere = login(admin.email), login(admin.email)
    wrong = request(
        "POST",
        "auth/password",
        token=here["access_token"],
        json_body={"current_password": "not it at all", "new_password": NEW_PASSWORD},
    )
    assert wrong.status == 400 and wrong.json()["errors"][0]["loc"] == ["current_password"]
    short = request(
        "POST",
        "auth/password",
        token=here["access_token"],
        json_body={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status == 400
    same = request(
        "POST",
        "auth/password",
        token=here["access_token"],
        json_body={"current_password": PASSWORD, "new_password": PASSWORD},
    )
    assert same.status == 400 and same.json()["errors"][0]["loc"] == ["new_password"]
    assert _me(elsewhere["access_token"]) == (200, None)

    changed = request(
        "POST",
        "auth/password",
        token=here["access_token"],
        json_body={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status == 200, changed.body
    assert changed.json() == {"sessions_ended": 1}
    assert _me(here["access_token"]) == (200, None)
    assert _me(elsewhere["access_token"]) == (401, "session_ended")
    assert request("POST", "auth/login", json_body={"email": admin.email, "password": PASSWORD}).status == 401
    assert login(admin.email, NEW_PASSWORD)["access_token"]

    log = request("GET", "audit-log", token=here["access_token"], params={"action": "user.password_change"}).json()
    assert [item["action"] for item in log["items"]] == ["user.password_changed", "user.password_change_refused"]


def test_the_audit_log_filters_by_actor_action_target_and_dates() -> None:
    admin = create_firm()
    token = login(admin.email)["access_token"]
    everything = request("GET", "audit-log", token=token, params={"page_size": "100"}).json()
    assert everything["total"] >= 2
    sign_ins = request("GET", "audit-log", token=token, params={"action": "auth.", "page_size": "100"}).json()
    assert sign_ins["total"] >= 1 and all(item["action"].startswith("auth.") for item in sign_ins["items"])
    by_actor = request("GET", "audit-log", token=token, params={"actor": str(admin.user_id)}).json()
    assert by_actor["total"] >= 1 and {item["actor_id"] for item in by_actor["items"]} == {str(admin.user_id)}
    on_user = request("GET", "audit-log", token=token, params={"target": str(admin.user_id)}).json()
    assert on_user["total"] >= 1 and {item["target_id"] for item in on_user["items"]} == {str(admin.user_id)}
    by_type = request("GET", "audit-log", token=token, params={"target": "user"}).json()
    assert {item["target_type"] for item in by_type["items"]} == {"user"}
    today = everything["items"][0]["occurred_at"][:10]
    same_day = request("GET", "audit-log", token=token, params={"date_from": today, "date_to": today}).json()
    assert same_day["total"] == everything["total"]
    before = request("GET", "audit-log", token=token, params={"date_to": "2000-01-01"}).json()
    assert before["total"] == 0
    upside_down = request("GET", "audit-log", token=token, params={"date_from": today, "date_to": "2000-01-01"})
    assert upside_down.status == 400
