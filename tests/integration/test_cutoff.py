"""Cut-off tests on a constructed ledger: the exact lines either side of the period end, the flags for
documents dated in the other period, the selection that becomes a sample sampling evaluates, and
client users and other firms seeing none of it."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shared.db.models_events import CutoffRun
from shared.db.uow import UnitOfWork
from shared.random_selection import simple_random
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import deliver, loaded
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TB = b"""Account Number,Account Name,Closing Balance
1000,Cash at bank,10000.00
1100,Trade debtors,5000.00
1200,Inventory,3000.00
2000,Trade creditors,-4000.00
3000,Share capital,-6000.00
4000,Sales,-20000.00
5000,Cost of goods sold,12000.00
"""
# The period ends 2026-12-31; the default window reads postings from 12-26 to 2027-01-05.
GL = b"""JE Number,Account,Amount,Posting Date,Document Date,Description
J1,4000,-500.00,2026-12-30,2026-12-30,December sale
J1,1100,500.00,2026-12-30,2026-12-30,December sale
J2,4000,-800.00,2026-12-31,2027-01-03,January invoice posted in December
J2,1100,800.00,2026-12-31,2027-01-03,January invoice posted in December
J3,2000,-300.00,2027-01-02,2026-12-28,December purchase posted in January
J3,1200,300.00,2027-01-02,2026-12-28,December purchase posted in January
J4,4000,-900.00,2026-12-20,2027-01-02,Outside the window
J4,1100,900.00,2026-12-20,2027-01-02,Outside the window
J5,1000,700.00,2026-12-31,2027-01-04,Cash is not a cut-off area
J5,3000,-700.00,2026-12-31,2027-01-04,Cash is not a cut-off area
J6,4000,-150.00,2027-01-05,2027-01-05,January sale
J6,1100,150.00,2027-01-05,2027-01-05,January sale
"""


def mapped(ws: Workspace) -> None:
    loaded(ws, ws.admin, "trial_balance", TB)
    reply = ws.call("POST", "mapping/suggest", ws.admin)
    assert reply.status == 202, reply.body
    deliver(reply.json()["job_id"])
    assert ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True}).status == 200
    loaded(ws, ws.admin, "general_ledger", GL)


def run(ws: Workspace, who: Any = None, **body: Any) -> dict[str, Any]:
    reply = ws.call("POST", "cutoff/runs", who or ws.admin, json_body=body)
    assert reply.status == 201, reply.body
    return dict(reply.json())


def test_the_lines_either_side_of_the_period_end_and_the_documents_dated_in_the_other_period() -> None:
    ws = workspace()
    mapped(ws)
    found = run(ws)
    assert (found["period_end"], found["window_days"]) == ("2026-12-31", 5)
    lines = [
        (line["journal_id"], line["account_number"], line["area"], line["side"], line["flagged"])
        for line in found["lines"]
    ]
    assert lines == [
        ("J1", "4000", "revenue", "before", False),
        ("J1", "1100", "receivables", "before", False),
        ("J2", "4000", "revenue", "before", True),
        ("J2", "1100", "receivables", "before", True),
        ("J3", "2000", "payables", "after", True),
        ("J3", "1200", "inventory", "after", True),
        ("J6", "4000", "revenue", "after", False),
        ("J6", "1100", "receivables", "after", False),
    ]
    j2 = found["lines"][2]
    assert (j2["effective_date"], j2["document_date"], j2["account_name"]) == ("2026-12-31", "2027-01-03", "Sales")
    assert (found["line_count"], found["flagged_count"]) == (8, 4)
    assert found["counts"]["revenue"] == {
        "before": 2,
        "after": 1,
        "flagged": 1,
        "no_document_date": 0,
        "flagged_amount": "800.00",
    }
    assert found["counts"]["payables"]["flagged_amount"] == "300.00"
    # A wider window takes in J4, whose invoice is in January too.
    wider = run(ws, window_days=15)
    assert wider["flagged_count"] == 6
    assert [r["id"] for r in ws.call("GET", "cutoff/runs", ws.admin).json()["items"]] == [wider["id"], found["id"]]


def test_the_flagged_lines_become_a_sample_that_sampling_evaluates() -> None:
    ws = workspace()
    mapped(ws)
    found = run(ws)
    reply = ws.call("POST", f"cutoff/runs/{found['id']}/selection", ws.admin, json_body={"mode": "flagged"})
    assert reply.status == 201, reply.body
    selection = reply.json()
    assert (selection["method"], selection["item_count"]) == ("random", 4)
    sample = ws.call("GET", f"samples/{selection['sample_id']}", ws.admin).json()
    assert [(i["key"], i["book_value"]) for i in sample["items"]] == [
        ("J2/1", "800.00"),
        ("J2/2", "800.00"),
        ("J3/1", "300.00"),
        ("J3/2", "300.00"),
    ]
    assert sample["population"]["cutoff_run_id"] == found["id"]
    assert (sample["population"]["count"], sample["population"]["total"]) == (8, "3500.00")
    # Sampling's workbook lists the lines for fieldwork.
    book = ws.call("GET", f"samples/{sample['id']}/workbook", ws.admin)
    assert book.status == 200
    sheet = load_workbook(io.BytesIO(book.body)).active
    assert {"J2/1", "J3/2"} <= {cell.value for row in sheet.iter_rows() for cell in row}
    # The auditor finds J2 belongs to January (nothing of it in December) and J3 right.
    audited = ["0.00", "0.00", "300.00", "300.00"]
    updates = [{"line": n, "audited_value": value} for n, value in enumerate(audited, start=1)]
    assert ws.call("PUT", f"samples/{sample['id']}/items", ws.admin, json_body={"items": updates}).status == 200
    evaluated = ws.call("POST", f"samples/{sample['id']}/evaluation", ws.admin, json_body={"confidence": "0.95"})
    assert evaluated.status == 200, evaluated.body
    evaluation = evaluated.json()["evaluation"]
    assert evaluation["method"] == "difference"
    # Difference estimate: mean difference (-800 -800 0 0)/4 = -400 over the run's 8 lines: the book
    # value of 3,500 is overstated by 3,200.
    assert Decimal(evaluation["projected_misstatement"]) == Decimal("3200")
    listed = ws.call("GET", f"cutoff/runs/{found['id']}", ws.admin).json()
    assert [s["sample_id"] for s in listed["selections"]] == [sample["id"]]


def test_chosen_and_random_selections_and_their_refusals() -> None:
    ws = workspace()
    mapped(ws)
    found = run(ws)
    path = f"cutoff/runs/{found['id']}/selection"
    chosen = ws.call("POST", path, ws.admin, json_body={"mode": "chosen", "positions": [6, 0]}).json()
    sample = ws.call("GET", f"samples/{chosen['sample_id']}", ws.admin).json()
    assert [i["key"] for i in sample["items"]] == ["J1/1", "J6/1"]
    drawn = ws.call("POST", path, ws.admin, json_body={"mode": "random", "n": 3, "seed": 77}).json()
    assert (drawn["seed"], drawn["algorithm"]) == (77, "pcg64-floyd-v1")
    sample = ws.call("GET", f"samples/{drawn['sample_id']}", ws.admin).json()
    expected = [found["lines"][p] for p in simple_random(population_size=8, n=3, seed=77)]
    assert [i["key"] for i in sample["items"]] == [f"{x['journal_id']}/{x['line_number']}" for x in expected]
    refused = ws.call("POST", path, ws.admin, json_body={"mode": "chosen", "positions": [8]})
    assert refused.status == 400
    assert "no line 8" in refused.body.decode()
    too_many = ws.call("POST", path, ws.admin, json_body={"mode": "random", "n": 9})
    assert too_many.status == 400 and "exceeds" in too_many.body.decode()
    wrong_field = ws.call("POST", path, ws.admin, json_body={"mode": "flagged", "n": 2})
    assert wrong_field.status == 400 and "not for mode flagged" in wrong_field.body.decode()
    assert ws.call("POST", "cutoff/runs", ws.admin, json_body={"window_days": 61}).status == 400


def test_without_a_ledger_the_run_is_refused() -> None:
    ws = workspace()
    reply = ws.call("POST", "cutoff/runs", ws.admin, json_body={})
    assert reply.status == 409
    assert reply.json()["code"] == "no_general_ledger"


def test_who_may_run_and_client_users_see_nothing_over_http_or_in_the_database() -> None:
    ws = workspace()
    mapped(ws)
    found = run(ws)
    staff = ws.person("staff", "staff", team_role="staff")
    assert ws.call("POST", "cutoff/runs", staff, json_body={}).status == 403  # no analytics.run
    assert ws.call("GET", f"cutoff/runs/{found['id']}", staff).status == 200
    client = ws.client_user()
    assert ws.call("GET", "cutoff/runs", client).status == 404
    assert ws.call("GET", f"cutoff/runs/{found['id']}", client).status == 404
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(client.user_id)) as uow:
        assert uow.session.scalars(select(CutoffRun)).all() == []
    other = workspace()
    assert request("GET", f"engagements/{ws.engagement_id}/cutoff/runs", token=other.admin.token).status == 404
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalars(select(CutoffRun)).all() == []
    ws.finalize()
    assert ws.call("POST", "cutoff/runs", ws.admin, json_body={}).status == 409
