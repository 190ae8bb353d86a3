"""The related parties register through HTTP on a real PostgreSQL: a party's transactions are found in the
ledger despite a spelling difference and by an assigned account, with their red flags; the reviewer's
decisions survive a new search; the totals and disclosure; who may do what; the lock; and client users
never see any of it (HTTP and row-level security)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.db.models_parties import RelatedParty, RelatedPartyTransaction
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, Workspace, workspace
from tests.ingestion_support import loaded

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

# The period ends 2026-12-31. J1's first line is Smith Holdings under another spelling, round and two days
# before the period end; J4's first line names it exactly; J2 is a different business whose name contains
# "smith"; J3's second line is on account 2700, which the auditor assigns to the director.
GL = b"""JE Number,Line,Account,Amount,Posting Date,Description
J1,1,6200,25000.00,2026-12-29,Management fee - Smyth Holdings LLC
J1,2,1000,-25000.00,2026-12-29,Bank transfer
J2,1,6100,1234.56,2026-06-15,Blacksmith Holdings rent
J2,2,1000,-1234.56,2026-06-15,Bank transfer
J3,1,1000,5000.00,2026-03-10,Director loan received
J3,2,2700,-5000.00,2026-03-10,Director loan received
J4,1,4000,-812.40,2026-07-01,Sale to Smith Holdings
J4,2,1100,812.40,2026-07-01,Invoice 1001
"""
SMITH = {
    "name": "Smith Holdings",
    "relationship": "owner",
    "ownership_percent": "40.00",
    "identified_how": "Shareholder register",
}
DIRECTOR = {"name": "Jane Doe", "relationship": "key_management", "accounts": ["2700"]}


def add(ws: Workspace, body: dict[str, Any], who: Person | None = None) -> dict[str, Any]:
    reply = ws.call("POST", "related-parties", who or ws.admin, json_body=body)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def search(ws: Workspace, who: Person | None = None, **body: Any) -> dict[str, Any]:
    reply = ws.call("POST", "related-parties/search", who or ws.admin, json_body=body)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def transactions(ws: Workspace, party_id: str) -> dict[tuple[str, int], dict[str, Any]]:
    reply = ws.call("GET", f"related-parties/{party_id}/transactions", ws.admin)
    assert reply.status == 200, reply.body
    return {(item["journal_id"], item["line_number"]): item for item in reply.json()["items"]}


def party(ws: Workspace, party_id: str) -> dict[str, Any]:
    reply = ws.call("GET", f"related-parties/{party_id}", ws.admin)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def activity(ws: Workspace, action: str) -> list[dict[str, Any]]:
    reply = ws.call("GET", "activity", ws.admin, params={"action": action})
    assert reply.status == 200, reply.body
    return list(reply.json()["items"])


def test_a_partys_transactions_are_found_despite_a_spelling_difference_and_by_its_account() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "general_ledger", GL)
    smith = add(ws, SMITH)
    director = add(ws, DIRECTOR)

    result = search(ws)
    assert {item["name"]: (item["found"], item["new"]) for item in result["parties"]} == {
        "Jane Doe": (1, 1),
        "Smith Holdings": (2, 2),
    }
    found = transactions(ws, smith["id"])
    assert set(found) == {("J1", 1), ("J4", 1)}, "the other spelling is found; Blacksmith and the bank lines are not"
    fee = found[("J1", 1)]
    assert fee["matched_by"] == "name" and fee["matched_text"] == "Smith Holdings"
    assert 88 <= float(fee["score"]) < 100
    assert fee["amount"] == "25000.00" and fee["status"] == "pending"
    assert fee["flags"] == ["round_amount", "near_period_end", "no_business_purpose"]
    assert found[("J4", 1)]["flags"] == ["no_business_purpose"]
    by_account = transactions(ws, director["id"])
    assert list(by_account) == [("J3", 2)]
    assert by_account[("J3", 2)]["matched_by"] == "account" and by_account[("J3", 2)]["matched_text"] == "2700"

    # A narrower window and a larger base change the flags of what is found next time, not what was found.
    assert search(ws, period_end_days=1)["parties"][1]["new"] == 0


def test_the_reviewers_decisions_make_the_totals_and_survive_a_new_search() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "general_ledger", GL)
    smith = add(ws, SMITH)
    search(ws)
    found = transactions(ws, smith["id"])
    fee, sale = found[("J1", 1)], found[("J4", 1)]
    senior = ws.person("senior", "senior", team_role="senior")
    staff = ws.person("staff", "staff", team_role="staff")
    base = f"related-parties/{smith['id']}/transactions"

    # Staff note the business purpose but may not decide; a senior decides.
    noted = ws.call("PATCH", f"{base}/{fee['id']}", staff, json_body={"business_purpose": "Monthly management fee"})
    assert noted.status == 200 and noted.json()["flags"] == ["round_amount", "near_period_end"], noted.body
    refused = ws.call("POST", f"{base}/{fee['id']}/decision", staff, json_body={"decision": "confirmed"})
    assert refused.status == 403 and refused.json()["code"] == "forbidden"
    confirmed = ws.call("POST", f"{base}/{fee['id']}/decision", senior, json_body={"decision": "confirmed"})
    assert confirmed.status == 200 and confirmed.json()["decided_by"] == senior.user_id, confirmed.body
    dismissed = ws.call("POST", f"{base}/{sale['id']}/decision", senior, json_body={"decision": "dismissed"})
    assert dismissed.json()["status"] == "dismissed"

    totals = party(ws, smith["id"])
    assert totals["totals"] == {
        "confirmed": 1,
        "pending": 0,
        "dismissed": 1,
        "confirmed_amount": "25000.00",
        "flagged": 1,
    }
    assert totals["undisclosed"] is True
    disclosed = ws.call(
        "PATCH",
        f"related-parties/{smith['id']}",
        ws.admin,
        json_body={"relationship_disclosed": True, "transactions_disclosed": True},
    )
    assert disclosed.status == 200 and disclosed.json()["undisclosed"] is False

    again = search(ws)
    assert again["parties"][0] == {"party_id": smith["id"], "name": "Smith Holdings", "found": 2, "new": 0}
    after = transactions(ws, smith["id"])
    assert (after[("J1", 1)]["status"], after[("J4", 1)]["status"]) == ("confirmed", "dismissed")
    assert after[("J1", 1)]["business_purpose"] == "Monthly management fee"

    # Every change is in the audit log.
    assert len(activity(ws, "related_party_transaction.decided")) == 2
    assert len(activity(ws, "related_parties.searched")) == 2
    assert activity(ws, "related_party.updated")[0]["data"]["transactions_disclosed"] is True

    # Removing the party removes what was found for it; the audit log keeps what was decided.
    assert ws.call("DELETE", f"related-parties/{smith['id']}", ws.admin).status == 204
    assert ws.call("GET", "related-parties", ws.admin).json()["items"] == []
    assert ws.call("GET", f"{base}", ws.admin).status == 404
    assert activity(ws, "related_party.deleted")[0]["data"]["confirmed"] == 1
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(RelatedPartyTransaction)) == 0


def test_bad_input_is_refused_naming_the_field_and_the_register_needs_a_ledger_to_search() -> None:
    ws = workspace()
    bad = ws.call("POST", "related-parties", ws.admin, json_body={**SMITH, "ownership_percent": "140"})
    assert bad.status == 400 and "ownership_percent" in bad.body.decode(), bad.body
    wrong = ws.call("POST", "related-parties", ws.admin, json_body={**SMITH, "relationship": "cousin"})
    assert wrong.status == 400 and "relationship" in wrong.body.decode()
    add(ws, SMITH)
    twice = ws.call("POST", "related-parties", ws.admin, json_body=SMITH)
    assert twice.status == 409 and twice.json()["code"] == "related_party_exists"
    no_ledger = ws.call("POST", "related-parties/search", ws.admin, json_body={})
    assert no_ledger.status == 409 and no_ledger.json()["code"] == "general_ledger_missing"


def test_client_users_and_other_firms_never_see_the_register() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "general_ledger", GL)
    smith = add(ws, SMITH)
    search(ws)
    client = ws.client_user()
    client_admin = ws.client_user("client-admin", "client_admin")
    other = workspace()
    outsider = Person(other.admin.user_id, other.admin.token, "firm_admin")
    for who in (client, client_admin, outsider):
        for method, path in (
            ("GET", "related-parties"),
            ("GET", f"related-parties/{smith['id']}"),
            ("GET", f"related-parties/{smith['id']}/transactions"),
        ):
            reply = ws.call(method, path, who)
            assert reply.status == 404 and reply.json()["code"] == "engagement_not_found", (who.role, path)
        assert ws.call("POST", "related-parties", who, json_body=DIRECTOR).status == 404
    # Row-level security: the client user's own database session sees no row of either table.
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(RelatedParty)) == 0
        assert uow.session.scalar(select(func.count()).select_from(RelatedPartyTransaction)) == 0
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(RelatedParty)) == 0
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(RelatedPartyTransaction)) == 2


def test_a_finalized_engagement_locks_the_register() -> None:
    ws = workspace()
    smith = add(ws, SMITH)
    ws.finalize()
    for method, path, body in (
        ("POST", "related-parties", DIRECTOR),
        ("PATCH", f"related-parties/{smith['id']}", {"transactions_disclosed": True}),
        ("DELETE", f"related-parties/{smith['id']}", None),
    ):
        reply = ws.call(method, path, ws.admin, json_body=body)
        assert reply.status == 409 and reply.json()["code"] == "engagement_locked", (method, path)
    assert party(ws, smith["id"])["transactions_disclosed"] is False
