"""Schemathesis over the mapping operations (the standard chart, the firm's rules, the engagement's
mapping, adjusting entries, lead sheets and statements) through `aura serve`, inside an engagement whose
trial balance was loaded, suggested by the served bus on its own, confirmed and adjusted, so the
generated requests reach the code behind the 404s."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_served import Served, _schemathesis, _start, _stop

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("database")]

TB = b"""Account Number,Account Name,Opening Balance,Closing Balance
1000,Cash at bank,8000.00,13500.00
1100,Trade debtors,5000.00,7000.00
1510,Motor vehicles - accumulated depreciation,-4000.00,-8000.00
1500,Motor vehicles,20000.00,20000.00
2000,Trade creditors,-6000.00,-5300.00
3000,Share capital,-23000.00,-22500.00
4000,Sales,0.00,-50000.00
5000,Cost of goods sold,0.00,45300.00
"""


@pytest.fixture(scope="module")
def host(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = _start(tmp_path_factory.mktemp("served-mapping"), database)
    try:
        yield served
    finally:
        _stop(served)


def test_schemathesis_over_the_mapping_of_a_real_engagement(host: Served, tmp_path: Path) -> None:
    from tests.support import PASSWORD, create_firm

    admin = create_firm("Mapped CPA")
    api = f"{host.base}/api"
    token = httpx.post(f"{api}/auth/login", json={"email": admin.email, "password": PASSWORD}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    def post(path: str, status: int = 201, **kwargs: Any) -> dict[str, Any]:
        reply = httpx.post(f"{api}/{path}", headers={**auth, **kwargs.pop("headers", {})}, **kwargs)
        assert reply.status_code == status, reply.text
        return dict(reply.json())

    client = post("clients", json={"name": "Mapped Co"})["id"]
    engagement = post(
        "engagements",
        json={
            "client_id": client,
            "name": "Mapped",
            "engagement_type": "audit",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "framework": "us_gaap",
        },
    )["id"]
    post(
        f"engagements/{engagement}/datasets",
        status=202,
        params={"kind": "trial_balance"},
        content=TB,
        headers={"Content-Type": "text/csv"},
    )
    # The served bus loads the file, announces it, and the mapping consumer's job suggests every account.
    deadline = time.monotonic() + 90
    items: list[dict[str, Any]] = []
    while not (items and all(item["status"] == "suggested" for item in items)) and time.monotonic() < deadline:
        time.sleep(0.5)
        items = httpx.get(f"{api}/engagements/{engagement}/mapping", headers=auth).json()["items"]
    assert len(items) == 8 and {item["status"] for item in items} == {"suggested"}, items
    assert post(f"engagements/{engagement}/mapping/confirm", status=200, json={"all_suggested": True}) == {
        "confirmed": 8
    }
    balance_sheet = httpx.get(f"{api}/engagements/{engagement}/statements/balance_sheet", headers=auth).json()
    assert balance_sheet["balanced"] is True, balance_sheet
    adjustment = post(
        f"engagements/{engagement}/adjustments",
        json={
            "kind": "proposed",
            "description": "Cut-off",
            "lines": [
                {"account_number": "1100", "debit": "100.00"},
                {"account_number": "4000", "credit": "100.00"},
            ],
        },
    )["id"]
    rule = post("standard-chart/rules", json={"kind": "name_pattern", "pattern": "*freight*", "standard_code": "6240"})[
        "id"
    ]
    ids = {
        "engagement_id": engagement,
        "account_number": "1000",
        "adjustment_id": adjustment,
        "statement": "balance_sheet",
        "rule_id": rule,
    }
    config = "[parameters]\n" + "".join(f'"path.{name}" = "{value}"\n' for name, value in ids.items())
    (tmp_path / "schemathesis.toml").write_text(config)
    paths = r"^/api/(standard-chart|engagements/\{engagement_id\}/(mapping|adjustments|lead-sheets|statements))"
    _schemathesis(host, token, tmp_path, "--include-path-regex", paths)
