"""A second firm never sees the first firm's mapping rules, history or what its classifier learned:
through HTTP (its suggestions, its rules, the first firm's engagement) and by direct queries under
row-level security as the app role."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from shared.db.models_mapping import AccountMapping, Adjustment, FirmStandardAccount, MappingExample, MappingRule
from shared.db.uow import UnitOfWork
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import deliver, loaded
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TB = b"""Account Number,Account Name,Closing Balance
1000,Cash at bank,5000.00
4100,Gizmo pool,-1000.00
4500,Consulting income,-3000.00
3000,Share capital,-1000.00
"""


def suggestions(ws: Workspace) -> dict[str, tuple[str, str]]:
    loaded(ws, ws.admin, "trial_balance", TB)
    deliver(ws.call("POST", "mapping/suggest", ws.admin).json()["job_id"])
    items = ws.call("GET", "mapping", ws.admin, params={"page_size": "500"}).json()["items"]
    return {item["account_number"]: (item["standard_code"], item["method"]) for item in items}


def teach(ws: Workspace) -> None:
    """The first firm: a rule for 45xx, its own standard account, a reviewer's override of Gizmo pool."""
    rule = {"kind": "number_range", "range_start": "4500", "range_end": "4599", "standard_code": "4030"}
    assert request("POST", "standard-chart/rules", token=ws.admin.token, json_body=rule).status == 201
    own = {
        "code": "7001",
        "name": "Gizmo income",
        "section": "revenue",
        "normal_balance": "credit",
        "lead_sheet": "R",
        "caption": "Revenue",
    }
    assert request("POST", "standard-chart/accounts", token=ws.admin.token, json_body=own).status == 201
    found = suggestions(ws)
    assert found["4500"] == ("4030", "rule")
    assert ws.call("PUT", "mapping/accounts/4100", ws.admin, json_body={"standard_code": "7001"}).status == 200
    assert (
        ws.call(
            "POST",
            "adjustments",
            ws.admin,
            json_body={
                "kind": "proposed",
                "description": "x",
                "lines": [{"account_number": "1000", "debit": "1.00"}, {"account_number": "4500", "credit": "1.00"}],
            },
        ).status
        == 201
    )


def test_a_second_firm_never_sees_the_first_firms_rules_history_or_classifier() -> None:
    first, second = workspace(), workspace()
    teach(first)
    again = workspace_in(first)
    assert suggestions(again)["4100"] == ("7001", "model")  # the first firm learned it

    found = suggestions(second)
    assert found["4500"][1] != "rule"  # not the first firm's rule
    assert found["4100"][0] != "7001" and found["4100"][1] != "model"  # nor its reviewer's override
    rules = request("GET", "standard-chart/rules", token=second.admin.token).json()
    assert rules == {"rules": []}
    codes = {a["code"] for a in request("GET", "standard-chart", token=second.admin.token).json()["accounts"]}
    assert "7001" not in codes
    assert second.call("PUT", "mapping/accounts/4100", second.admin, json_body={"standard_code": "7001"}).json()[
        "code"
    ] == ("unknown_standard_code")
    # The first firm's engagement does not exist for the second firm's people.
    for path in ("mapping", "lead-sheets", "statements/balance_sheet", "adjustments", "adjustments/summary"):
        reply = request("GET", f"engagements/{first.engagement_id}/{path}", token=second.admin.token)
        assert reply.status == 404, (path, reply.body)
    put = request(
        "PUT",
        f"engagements/{first.engagement_id}/mapping/accounts/4100",
        token=second.admin.token,
        json_body={"standard_code": "1010"},
    )
    assert put.status == 404


def workspace_in(ws: Workspace) -> Workspace:
    from tests.engagement_support import new_client, new_engagement

    client_id = new_client(ws.admin.token)
    return Workspace(ws.firm_id, ws.admin, client_id, new_engagement(ws.admin.token, client_id)["id"])


def test_row_level_security_keeps_every_mapping_table_to_its_firm() -> None:
    first, second = workspace(), workspace()
    teach(first)
    tables = (MappingRule, FirmStandardAccount, MappingExample, AccountMapping, Adjustment)
    with UnitOfWork(firm_id=first.firm_id, user_id=uuid.UUID(first.admin.user_id)) as uow:
        assert uow.session.scalar(text("SELECT current_user")) == "aura_app"
        mine = {model.__tablename__: len(uow.session.scalars(select(model)).all()) for model in tables}
    assert all(count > 0 for count in mine.values()), mine
    with UnitOfWork(firm_id=second.firm_id, user_id=uuid.UUID(second.admin.user_id)) as uow:
        theirs = {model.__tablename__: len(uow.session.scalars(select(model)).all()) for model in tables}
    assert theirs == dict.fromkeys(theirs, 0)
    # Writing a row for the other firm is refused by the policies' WITH CHECK.
    with (
        UnitOfWork(firm_id=second.firm_id, user_id=uuid.UUID(second.admin.user_id)) as uow,
        pytest.raises(Exception) as refused,
    ):
        uow.session.add(
            MappingRule(firm_id=first.firm_id, kind="name_pattern", pattern="*", standard_code="1010", position=99)
        )
        uow.session.flush()
    assert "row-level security" in str(refused.value)
