"""Helpers for tests of the journal-entry tests: a general ledger built from rows, loaded, tested, read back.

Rows are dicts keyed by the CSV headers below; a header no row names is left out of the file, so the
field is absent from the population (not merely blank).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import deliver, loaded

HEADERS = (
    "Journal ID",
    "Line",
    "Account",
    "Description",
    "Debit",
    "Credit",
    "Amount",
    "Effective Date",
    "Entered Date",
    "Entered Time",
    "Entered By",
    "Approved By",
    "Document Date",
    "Period",
    "Header Description",
)
PAGE_SIZE = 500


def gl_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A general-ledger CSV holding the headers the rows use (in HEADERS order); a missing cell is blank."""
    rows = list(rows)
    used = {key for row in rows for key in row}
    unknown = sorted(used - set(HEADERS))
    if unknown:
        raise ValueError(f"unknown general-ledger column {unknown[0]!r}; known: {', '.join(HEADERS)}")
    columns = [h for h in HEADERS if h in used]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row[c]) for c in columns])
    return out.getvalue().encode()


def load_general_ledger(rows: Iterable[Mapping[str, Any]], ws: Workspace | None = None) -> Workspace:
    """A workspace (new unless given) whose current general ledger is `rows`; the load must succeed."""
    ws = ws or workspace()
    loaded(ws, ws.admin, "general_ledger", gl_csv(rows), filename="gl.csv")
    return ws


@dataclass
class TestRun:
    """A completed journal-entry test run, as GET .../je-tests/{run_id} shows it."""

    __test__ = False  # not a pytest test class

    ws: Workspace
    body: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def results(self) -> dict[str, dict[str, Any]]:
        """Each test's result by code."""
        return {result["code"]: result for result in self.body["tests"]}

    def lines(self, code: str) -> list[dict[str, Any]]:
        """Every line the test flagged, paging through .../tests/{code}/lines."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            reply = self.ws.call(
                "GET",
                f"je-tests/{self.id}/tests/{code}/lines",
                self.ws.admin,
                params={"page": str(page), "page_size": str(PAGE_SIZE)},
            )
            assert reply.status == 200, reply.body
            body = reply.json()
            found.extend(body["items"])
            if len(found) >= body["total"] or not body["items"]:
                assert len(found) == body["total"]
                return found
            page += 1

    def flagged(self, code: str) -> set[tuple[str, int]]:
        """(journal_id, line_number) of every line the test flagged."""
        return {(line["journal_id"], line["line_number"]) for line in self.lines(code)}

    def journals(self, limit: int = 500) -> list[dict[str, Any]]:
        """The flagged journals in rank order (the first `limit`)."""
        reply = self.ws.call("GET", f"je-tests/{self.id}/journals", self.ws.admin, params={"limit": str(limit)})
        assert reply.status == 200, reply.body
        return list(reply.json()["items"])


def run_tests(
    ws: Workspace, tests: list[str] | None = None, parameters: dict[str, dict[str, Any]] | None = None
) -> TestRun:
    """POST a run (all tests unless named), deliver its job, and return the completed run."""
    body: dict[str, Any] = {}
    if tests is not None:
        body["tests"] = tests
    if parameters is not None:
        body["parameters"] = parameters
    reply = ws.call("POST", "je-tests", ws.admin, json_body=body)
    assert reply.status == 202, reply.body
    accepted = reply.json()
    deliver(accepted["job_id"])
    run = ws.call("GET", f"je-tests/{accepted['run_id']}", ws.admin)
    assert run.status == 200, run.body
    assert run.json()["status"] == "completed", run.json()["error"]
    return TestRun(ws, run.json())


def run_one(ws: Workspace, code: str, **parameters: Any) -> TestRun:
    """A run of the one test `code`, with `parameters` overriding its defaults."""
    return run_tests(ws, [code], {code: parameters} if parameters else None)
