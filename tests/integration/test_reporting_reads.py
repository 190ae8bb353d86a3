"""The report's data as gathered from the database (functions/reporting/reads.py): the statements from the
mapped final trial balance, the journal-entry run's counts, the ledger's first digits and the samples,
checked against figures worked out here from the same files."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from decimal import Decimal

import pytest

from functions.reporting import reads
from shared.db.models_reporting import Report
from shared.db.uow import UnitOfWork
from tests.engagement_support import Person, workspace
from tests.ingestion_support import deliver, loaded

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("database")]

TB = b"""Account Number,Account Name,Opening Balance,Closing Balance
1000,Cash at bank,8000.00,13500.00
1100,Trade debtors,5000.00,7000.00
2000,Trade creditors,-6000.00,-5300.00
3000,Share capital,-7000.00,-7000.00
4000,Sales,0.00,-50000.00
5000,Cost of goods sold,0.00,41800.00
"""
DEBITS = ["1937.25", "2210.00", "318.40", "15.99", "9.99", "47.00", "1250.00", "1100.10", "860.00", "7.50", "125.00"]
LEDGER = (
    "JE Number,Line,Account,Debit,Credit,Posting Date,Entry Date,Entry Time,Created By,Memo\n"
    + "".join(
        f"J{n},1,1100,{amount},,2026-03-{n + 1:02d},2026-03-{n + 1:02d},10:00:00,ann,Sale {n}\n"
        f"J{n},2,4000,,{amount},2026-03-{n + 1:02d},2026-03-{n + 1:02d},10:00:00,ann,Sale {n}\n"
        for n, amount in enumerate(DEBITS)
    )
).encode()


def test_the_document_holds_the_engagements_statements_and_analytics() -> None:
    ws = workspace()
    partner: Person = ws.person("partner", "partner", team_role="partner")
    loaded(ws, ws.admin, "trial_balance", TB)
    suggest = ws.call("POST", "mapping/suggest", ws.admin)
    assert suggest.status == 202, suggest.body
    deliver(suggest.json()["job_id"])
    assert ws.call("POST", "mapping/confirm", ws.admin, json_body={"all_suggested": True}).status == 200
    loaded(ws, ws.admin, "general_ledger", LEDGER)
    run = ws.call("POST", "je-tests", ws.admin, json_body={}).json()
    deliver(run["job_id"])
    sample = ws.call(
        "POST",
        "samples",
        ws.admin,
        json_body={
            "name": "Sales",
            "method": "random",
            "population": {"source": "general_ledger"},
            "parameters": {"n": 3},
        },
    )
    assert sample.status == 201, sample.body
    report = ws.call("POST", "reports", ws.admin, json_body={"opinion": "unmodified"}).json()

    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        row = uow.session.get(Report, uuid.UUID(report["id"]))
        assert row is not None
        document = reads.build_document(uow, report=row)
        run_results = ws.call("GET", f"je-tests/{run['run_id']}", ws.admin).json()

    assert document.client_name.startswith("Client ")
    assert document.firm_name == "Test CPA"
    assert (str(document.period_start), str(document.period_end), document.framework) == (
        "2026-01-01",
        "2026-12-31",
        "us_gaap",
    )
    assert document.signer_name  # the partner on the team
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        signer = reads.engagement_partner(uow, engagement_id=uuid.UUID(ws.engagement_id))
        assert signer is not None and str(signer.id) == partner.user_id

    balance_sheet = document.statement("balance_sheet")
    income = document.statement("income_statement")
    assert balance_sheet is not None and income is not None
    assert balance_sheet.balanced
    assert balance_sheet.subtotals["total_assets"].current == Decimal("20500.00")
    assert balance_sheet.subtotals["total_assets"].prior == Decimal("13000.00")

    # Benford: the positive amounts of at least 10 (the debit lines), by first digit.
    expected = Counter(int(a[0]) for a in DEBITS if Decimal(a) >= 10)
    assert document.benford is not None
    assert {d.digit: d.observed_count for d in document.benford.digits} == {d: expected.get(d, 0) for d in range(1, 10)}
    assert document.benford.count == sum(expected.values())
    assert document.benford.digits[0].expected == pytest.approx(math.log10(2))

    assert document.je_summary is not None
    assert document.je_summary.population_lines == 2 * len(DEBITS)
    assert document.je_summary.population_journals == len(DEBITS)
    assert run_results["status"] == "completed"
    ran = {r["code"]: r["flagged_lines"] for r in run_results["tests"] if r["status"] == "ran"}
    assert ran and {t.code: t.flagged_lines for t in document.je_summary.tests} == ran

    [summary] = document.samples
    assert (summary.name, summary.method, summary.sample_size, summary.conclusion) == (
        "Sales",
        "random",
        3,
        "not evaluated",
    )
