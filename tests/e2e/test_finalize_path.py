"""The whole path of an audit through HTTP on the local host (`aura serve`), from creating the engagement to
its finalized, signed report in write-once storage: team, trial balance and general ledger, mapping,
materiality, QC, the report drafted, approved and signed, finalize, verification and the PDF download.

Every step is a request a user's browser would send; the bus of the served host does the background
work (the load, the mapping suggestions, the journal-entry run, the write-once copy at finalize).
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.test_served import Served, _start, _stop

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("database")]

TB = b"""Account Number,Account Name,Opening Balance,Closing Balance
1000,Cash at bank,8000.00,13500.00
1100,Trade debtors,5000.00,7000.00
1500,Motor vehicles,20000.00,20000.00
1510,Motor vehicles - accumulated depreciation,-4000.00,-8000.00
2000,Trade creditors,-6000.00,-5300.00
3000,Share capital,-23000.00,-22500.00
4000,Sales,0.00,-50000.00
5000,Cost of goods sold,0.00,45300.00
"""
LEDGER = (
    "JE Number,Line,Account,Debit,Credit,Posting Date,Entry Date,Entry Time,Created By,Memo\n"
    + "".join(
        f"J{n},1,1100,{n}{n}37.25,,2026-03-0{n},2026-03-0{n},1{n}:00:00,ann,Sale {n}\n"
        f"J{n},2,4000,,{n}{n}37.25,2026-03-0{n},2026-03-0{n},1{n}:00:00,ann,Sale {n}\n"
        for n in range(1, 10)
    )
).encode()
WAIVER_REASON = "Covered by the engagement partner's review of the file on completion"


@pytest.fixture(scope="module")
def host(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = _start(tmp_path_factory.mktemp("served-finalize"), database)
    try:
        yield served
    finally:
        _stop(served)


def _until(what: str, check: Callable[[], Any], timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_from_a_new_engagement_to_a_finalized_signed_report(host: Served) -> None:
    from tests.support import PASSWORD, create_firm, unique_email

    api = f"{host.base}/api"
    admin = create_firm("Path CPA")

    def login(email: str) -> dict[str, str]:
        reply = httpx.post(f"{api}/auth/login", json={"email": email, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        return {"Authorization": f"Bearer {reply.json()['access_token']}"}

    def call(method: str, path: str, who: dict[str, str], status: int = 200, **kwargs: Any) -> Any:
        reply = httpx.request(method, f"{api}/{path}", headers={**who, **kwargs.pop("headers", {})}, **kwargs)
        assert reply.status_code == status, f"{method} {path}: {reply.status_code} {reply.text[:1000]}"
        return reply.json() if "json" in reply.headers.get("content-type", "") else reply

    boss = login(admin.email)
    people: dict[str, tuple[str, dict[str, str]]] = {}
    for role in ("partner", "manager", "senior"):
        email = unique_email(role)
        user = call("POST", "users", boss, 201, json={"email": email, "password": PASSWORD, "roles": [role]})
        people[role] = (user["id"], login(email))
    partner, manager, senior = (people[role][1] for role in ("partner", "manager", "senior"))

    client = call("POST", "clients", boss, 201, json={"name": "Harbour Freight Ltd"})["id"]
    engagement = call(
        "POST",
        "engagements",
        boss,
        201,
        json={
            "client_id": client,
            "name": "FY2026 audit",
            "engagement_type": "audit",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "framework": "us_gaap",
        },
    )["id"]
    under = f"engagements/{engagement}"
    for role, (user_id, _) in people.items():
        call("POST", f"{under}/team", boss, 201, json={"user_id": user_id, "role": role})
    call("POST", f"{under}/transitions", senior, json={"to": "planning"})

    # Data in: the trial balance, then the general ledger; the served bus loads both.
    for kind, data in (("trial_balance", TB), ("general_ledger", LEDGER)):
        call(
            "POST",
            f"{under}/datasets",
            senior,
            202,
            params={"kind": kind},
            content=data,
            headers={"Content-Type": "text/csv"},
        )
    items = _until(
        "the mapping suggestions",
        lambda: [
            i
            for i in call("GET", f"{under}/mapping", senior)["items"]
            if len(call("GET", f"{under}/mapping", senior)["items"]) == 8 and i["status"] == "suggested"
        ],
    )
    assert len(items) == 8
    assert call("POST", f"{under}/mapping/confirm", senior, json={"all_suggested": True}) == {"confirmed": 8}
    runs = _until(
        "the journal-entry run",
        lambda: [r for r in call("GET", f"{under}/je-tests/runs", senior)["items"] if r["status"] == "completed"],
    )
    assert runs
    materiality = call(
        "POST",
        f"{under}/materiality",
        senior,
        201,
        json={"benchmark": "total_assets", "risk_level": "moderate", "rationale": "Asset-based entity"},
    )
    assert materiality["benchmark_amount"] == "32500.00"

    call("POST", f"{under}/transitions", senior, json={"to": "fieldwork"})
    call("POST", f"{under}/transitions", manager, json={"to": "review"})

    # QC: run, waive what a file this small cannot pass, run again until the gate passes.
    run = call("POST", f"{under}/qc/run", partner)
    failed = [p["code"] for p in run["policies"] if p["blocking"] and p["status"] == "failed"]
    for code in failed:
        call("POST", f"{under}/qc/waivers", partner, 201, json={"policy": code, "reason": WAIVER_REASON})
    run = call("POST", f"{under}/qc/run", partner)
    assert run["passed"] is True, run

    # The report: drafted by the senior, approved by the manager, signed by the engagement partner.
    report = call("POST", f"{under}/reports", senior, 201, json={"opinion": "unmodified", "report_date": "2027-02-20"})
    rid = report["id"]
    call("POST", f"{under}/reports/{rid}/approve", manager)
    wrong = call("POST", f"{under}/reports/{rid}/sign", partner, 401, json={"password": "not my password"})
    assert wrong["code"] == "invalid_credentials"
    signed = call("POST", f"{under}/reports/{rid}/sign", partner, json={"password": PASSWORD})
    assert signed["status"] == "signed"
    assert call("GET", f"{under}/finalization-readiness", partner) == {"ready": True, "reasons": []}

    finalized = call("POST", f"{under}/transitions", partner, json={"to": "finalized"})
    assert finalized["to_status"] == "finalized"
    _until("the write-once copy", lambda: call("GET", f"{under}/reports/{rid}", senior)["archived"])
    verification = call("GET", f"{under}/reports/{rid}/verification", senior)
    assert verification["matches"] is True and verification["immutable"] is True
    assert verification["sha256"] == signed["sha256"]

    download = call("GET", f"{under}/reports/{rid}/pdf", senior)
    assert download.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(download.content).hexdigest() == signed["sha256"]
    from pypdf import PdfReader

    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(download.content)).pages)
    assert "Harbour Freight Ltd" in text
    locked = call("POST", f"{under}/reports", senior, 409, json={"opinion": "unmodified"})
    assert locked["code"] == "engagement_locked"
