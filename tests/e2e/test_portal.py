"""The portal in a real browser: `aura serve` on the test database serves portal/dist, and the
end-to-end tests in portal/e2e drive Debian's chromium through it with playwright-core.

This module prepares what a firm has before the story starts (the firm, a manager, two clients, a
client contact of one of them and an engagement of the other) and the general ledger to upload,
then runs the browser tests. Screenshots of the main screens land in test-artifacts/portal/.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.test_served import Served, _start, _stop
from tests.support import PASSWORD, create_firm, request, token_for, unique_email

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("database")]

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"
SCREENSHOTS = ROOT / "test-artifacts" / "portal"
CHROMIUM = os.environ.get("AURA_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def served_portal(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    assert (PORTAL / "dist" / "index.html").is_file(), "build the portal first: make portal"
    host = _start(tmp_path_factory.mktemp("portal"), database)
    try:
        yield host
    finally:
        _stop(host)


def _user(admin_token: str, role: str, name: str, client_id: str | None = None) -> dict[str, str]:
    email = unique_email(role)
    payload = {"email": email, "password": PASSWORD, "roles": [role], "display_name": name}
    if client_id:
        payload["client_id"] = client_id
    reply = request("POST", "users", json_body=payload, token=admin_token)
    assert reply.status == 201, reply.body
    return {"email": email, "password": PASSWORD, "name": name, "id": str(reply.json()["id"])}


def _review_scenario(
    admin_token: str, client_id: str, manager: dict[str, str], senior: dict[str, str]
) -> dict[str, str]:
    """An engagement with a manager and a senior on its team, and a workpaper the senior prepared at
    version 1: the manager will open it to review while the senior keeps working on it."""
    engagement = request(
        "POST",
        "engagements",
        token=admin_token,
        json_body={
            "client_id": client_id,
            "name": "Northwind FY2026 review",
            "engagement_type": "audit",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "framework": "us_gaap",
        },
    )
    assert engagement.status == 201, engagement.body
    base = f"engagements/{engagement.json()['id']}"
    for person, role in ((manager, "manager"), (senior, "senior")):
        added = request("POST", f"{base}/team", token=admin_token, json_body={"user_id": person["id"], "role": role})
        assert added.status == 201, added.body
    senior_token = token_for(senior["email"])
    cash = next(
        n for n in request("GET", f"{base}/binder", token=senior_token).json()["nodes"] if n["index_code"] == "D"
    )
    paper = request(
        "POST",
        f"{base}/binder/nodes",
        token=senior_token,
        json_body={"parent_id": cash["id"], "kind": "workpaper", "index_code": "D-100", "title": "Bank reconciliation"},
    )
    assert paper.status == 201, paper.body
    signed = request(
        "POST",
        f"{base}/binder/nodes/{paper.json()['id']}/signoffs",
        token=senior_token,
        json_body={"step": "prepare", "version": 1},
    )
    assert signed.status == 201, signed.body
    return {"engagementId": engagement.json()["id"], "nodeId": paper.json()["id"], "title": "D-100 Bank reconciliation"}


def _client(admin_token: str, name: str) -> str:
    reply = request("POST", "clients", json_body={"name": name}, token=admin_token)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def general_ledger(path: Path) -> None:
    """A year of balanced journals with amounts spread over several magnitudes (Benford has something
    to read), and planted for the tests: a round 25,000.00 posted on a Saturday after the year end."""
    rng = random.Random(2026)
    rows = ["JE Number,Line,Account,Debit,Credit,Posting Date,Created By,Memo"]
    accounts = [("1000", "4000"), ("5000", "1000"), ("1200", "4000"), ("6100", "2000"), ("1000", "1200")]
    users = ["akim", "bcho", "cdiaz", "dlee"]
    day = date(2026, 1, 2)
    for number in range(1, 401):
        debit, credit = accounts[number % len(accounts)]
        cents = int(10 ** rng.uniform(2.5, 6.5))
        amount = f"{cents // 100}.{cents % 100:02d}"
        posted = day + timedelta(days=(number * 7) % 360)
        if posted.weekday() >= 5:
            posted -= timedelta(days=posted.weekday() - 4)
        user = users[number % len(users)]
        rows.append(f"JE-{number:04d},1,{debit},{amount},,{posted.isoformat()},{user},Sale {number}")
        rows.append(f"JE-{number:04d},2,{credit},,{amount},{posted.isoformat()},{user},Sale {number}")
    rows.append("JE-9001,1,6100,25000.00,,2027-01-09,akim,Consulting accrual")
    rows.append("JE-9001,2,2000,,25000.00,2027-01-09,akim,Consulting accrual")
    path.write_text("\n".join(rows) + "\n")


def test_the_portal_end_to_end_in_chromium(served_portal: Served, tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), f"Debian's chromium is needed at {CHROMIUM} (make browser installs it)"
    admin = create_firm("Portal E2E CPA")
    admin_token = token_for(admin.email)
    northwind = _client(admin_token, "Northwind Traders")
    contoso = _client(admin_token, "Contoso Ltd")
    other = request(
        "POST",
        "engagements",
        token=admin_token,
        json_body={
            "client_id": contoso,
            "name": "Contoso FY2026 audit",
            "engagement_type": "audit",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "framework": "us_gaap",
        },
    )
    assert other.status == 201, other.body
    ledger = tmp_path / "northwind-general-ledger.csv"
    general_ledger(ledger)
    manager = _user(admin_token, "manager", "Mia Manager")
    senior = _user(admin_token, "senior", "Sam Senior")
    config = {
        "baseUrl": served_portal.base,
        "chromium": CHROMIUM,
        "screenshots": str(SCREENSHOTS),
        "generalLedger": str(ledger),
        "manager": manager,
        "senior": senior,
        "partner": _user(admin_token, "partner", "Pat Partner"),
        "review": _review_scenario(admin_token, northwind, manager, senior),
        "clientUser": _user(admin_token, "client_user", "Nora Northwind", client_id=northwind),
        "clientName": "Northwind Traders",
        "otherEngagement": {"id": other.json()["id"], "name": "Contoso FY2026 audit"},
    }
    config_file = tmp_path / "e2e-config.json"
    config_file.write_text(json.dumps(config))
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    npx = shutil.which("npx")
    assert npx, "npx (Node 20) is needed"
    result = subprocess.run(
        [npx, "--no-install", "vitest", "run", "--config", "vitest.e2e.config.ts"],
        cwd=PORTAL,
        env={**os.environ, "AURA_E2E_CONFIG": str(config_file), "CI": "1", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    log = (served_portal.state / "serve.log").read_text()
    assert result.returncode == 0, f"{output}\n--- aura serve log (tail) ---\n{log[-4000:]}"
    shots = sorted(p.name for p in SCREENSHOTS.glob("*.png"))
    assert len(shots) >= 8, shots
