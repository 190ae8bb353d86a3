"""Journal lines show the account's name beside its number: from the chart of accounts when one is
loaded, else from the trial balance, and nothing (not a guess) when neither names the account."""

from __future__ import annotations

import pytest

from tests.analytics_support import gl_csv, run_tests
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import loaded

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

LEDGER = gl_csv(
    [
        {"Journal ID": "J1", "Line": 1, "Account": "1000", "Debit": "25000.00", "Effective Date": "2026-03-07"},
        {"Journal ID": "J1", "Line": 2, "Account": "4000", "Credit": "25000.00", "Effective Date": "2026-03-07"},
        {"Journal ID": "J1", "Line": 3, "Account": "9999", "Debit": "0.00", "Effective Date": "2026-03-07"},
    ]
)


def names(ws: Workspace) -> dict[str, str | None]:
    items = ws.call("GET", "journal-entries", ws.admin).json()["items"]
    return {line["account_number"]: line["account_name"] for line in items}


def test_journal_lines_name_their_accounts_from_the_chart_else_the_trial_balance() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "general_ledger", LEDGER)
    assert names(ws) == {"1000": None, "4000": None, "9999": None}

    tb = b"Account Number,Account Name,Closing Balance\n1000,Cash at bank,100.00\n4000,Revenue,-100.00\n"
    loaded(ws, ws.admin, "trial_balance", tb)
    assert names(ws) == {"1000": "Cash at bank", "4000": "Revenue", "9999": None}

    chart = b"Account Number,Account Name,Account Type\n1000,Cash,asset\n"
    loaded(ws, ws.admin, "chart_of_accounts", chart)
    assert names(ws) == {"1000": "Cash", "4000": "Revenue", "9999": None}, "the chart first, the TB for the rest"
    entry = ws.call("GET", "journal-entries/J1", ws.admin).json()
    assert [line["account_name"] for line in entry["lines"]] == ["Cash", "Revenue", None]

    # The lines a journal-entry test flagged show the names too.
    run = run_tests(ws, ["round_amount"])
    assert {line["account_number"]: line["account_name"] for line in run.lines("round_amount")} == {
        "1000": "Cash",
        "4000": "Revenue",
    }
    journal = run.journals()[0]
    assert [line["account_name"] for line in journal["lines"]] == ["Cash", "Revenue", None]


def test_a_line_reads_the_same_on_the_ledger_page_as_in_its_journal() -> None:
    """The ledger page and a journal's own view show a line field for field alike (names, debit and
    credit, dates, time, nulls), filtered or not."""
    ws = workspace()
    common = {"Effective Date": "2026-05-04", "Entered Date": "2026-05-05", "Document Date": "2026-05-01"}
    loaded(
        ws,
        ws.admin,
        "general_ledger",
        gl_csv(
            [
                {
                    "Journal ID": "J7",
                    "Line": 1,
                    "Account": "1000",
                    "Debit": "1234.56",
                    "Description": "Deposit",
                    "Entered Time": "14:03:09",
                    "Entered By": "ann",
                    "Approved By": "bob",
                    "Period": "05",
                    "Header Description": "May deposit",
                    **common,
                },
                {"Journal ID": "J7", "Line": 2, "Account": "4000", "Credit": "1234.56", **common},
                {"Journal ID": "J8", "Line": 1, "Account": "1000", "Credit": "10.00", "Effective Date": "2026-06-01"},
                {"Journal ID": "J8", "Line": 2, "Account": "2100", "Debit": "10.00", "Effective Date": "2026-06-01"},
            ]
        ),
    )
    loaded(ws, ws.admin, "chart_of_accounts", b"Account Number,Account Name,Account Type\n1000,Cash,asset\n")
    entries = {journal: ws.call("GET", f"journal-entries/{journal}", ws.admin).json() for journal in ("J7", "J8")}
    page = ws.call("GET", "journal-entries", ws.admin).json()
    assert page["total"] == 4
    assert page["items"] == entries["J7"]["lines"] + entries["J8"]["lines"]
    assert page["items"][0]["entered_time"] == "14:03:09"
    assert [(line["debit"], line["credit"], line["account_name"]) for line in page["items"][:2]] == [
        ("1234.56", "0", "Cash"),
        ("0", "1234.56", None),
    ]
    only = ws.call("GET", "journal-entries", ws.admin, params={"journal_id": "J8"}).json()
    assert (only["total"], only["items"]) == (2, entries["J8"]["lines"])
