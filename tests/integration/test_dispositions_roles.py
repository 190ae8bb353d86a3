"""Who may close a journal-entry exception, through HTTP: a senior or above concludes `explained` or
`false_positive` (the QC gate reads those conclusions); staff investigate, add notes and may call a journal
an exception, but cannot clear one. Roles count as held on the engagement's team."""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics_support import TestRun, load_general_ledger, run_tests
from tests.engagement_support import Person

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _journal(journal_id: str, amount: str) -> list[dict[str, Any]]:
    common = {"Journal ID": journal_id, "Effective Date": "2026-03-02", "Description": "Sale"}
    return [
        {**common, "Line": 1, "Account": "1100", "Debit": amount, "Credit": ""},
        {**common, "Line": 2, "Account": "4000", "Debit": "", "Credit": amount},
    ]


@pytest.fixture(scope="module")
def run() -> TestRun:
    """Three round-amount journals, all flagged, and an ordinary one."""
    rows = _journal("R1", "5000.00") + _journal("R2", "7000.00") + _journal("R3", "9000.00") + _journal("N1", "12.34")
    return run_tests(load_general_ledger(rows), ["round_amount"])


def _dispose(run: TestRun, who: Person, journal_id: str, status: str, note: str | None = None) -> Any:
    body = {"status": status} | ({"note": note} if note else {})
    return run.ws.call("PUT", f"je-tests/{run.id}/journals/{journal_id}/disposition", who, json_body=body)


def _status(run: TestRun, journal_id: str) -> str | None:
    journal = next(j for j in run.journals() if j["journal_id"] == journal_id)
    return None if journal["disposition"] is None else str(journal["disposition"]["status"])


@pytest.mark.parametrize("status", ["explained", "false_positive"])
def test_staff_cannot_clear_a_flag_and_nothing_changes(run: TestRun, status: str) -> None:
    staff = run.ws.person("stan", "staff", team_role="staff")
    refused = _dispose(run, staff, "R1", status, "Looks fine to me")
    assert refused.status == 403, refused.body
    problem = refused.json()
    assert problem["code"] == "forbidden"
    assert status in problem["detail"] and "senior" in problem["detail"]
    assert _status(run, "R1") is None
    summary = run.ws.call("GET", "je-tests/exceptions", run.ws.admin).json()
    assert summary["by_status"][status] == 0


def test_staff_investigate_note_and_flag_an_exception(run: TestRun) -> None:
    staff = run.ws.person("stan", "staff", team_role="staff")
    investigating = _dispose(run, staff, "R2", "investigating", "Asked the controller for the invoice")
    assert investigating.status == 200, investigating.body
    assert investigating.json()["note"] == "Asked the controller for the invoice"
    exception = _dispose(run, staff, "R3", "exception", "No support")
    assert exception.status == 200, exception.body
    assert (_status(run, "R2"), _status(run, "R3")) == ("investigating", "exception")


def test_a_senior_clears_what_staff_investigated(run: TestRun) -> None:
    staff = run.ws.person("stan", "staff", team_role="staff")
    senior = run.ws.person("sue", "senior", team_role="senior")
    assert _dispose(run, staff, "R2", "investigating", "Asked for the invoice").status == 200
    for status in ("false_positive", "explained"):
        cleared = _dispose(run, senior, "R2", status, "Invoice agreed to the lease")
        assert cleared.status == 200, cleared.body
        assert _status(run, "R2") == status
    # Staff may reopen it for more work, which clears nothing.
    assert _dispose(run, staff, "R2", "investigating", "The lease was amended").status == 200
    assert _status(run, "R2") == "investigating"


def test_the_role_on_the_team_counts(run: TestRun) -> None:
    """A firm-wide staff member made senior on this engagement may clear its flags; a firm-wide senior
    who is staff on it may not."""
    promoted = run.ws.person("pat", "staff", team_role="senior")
    demoted = run.ws.person("dee", "senior", team_role="staff")
    assert _dispose(run, demoted, "R1", "false_positive", "A reversal").status == 403
    assert _dispose(run, promoted, "R1", "false_positive", "A reversal").status == 200
    assert _status(run, "R1") == "false_positive"
