"""The current materiality as other capabilities read it: the newest version, within the caller's firm."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shared.db.uow import UnitOfWork
from shared.materiality import current_materiality, current_performance_materiality
from tests.engagement_support import workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

BODY = {"benchmark": "revenue", "risk_level": "moderate", "rationale": "Revenue is the stable measure"}


def test_the_newest_version_is_current_and_no_other_firm_sees_it() -> None:
    ws, other = workspace(), workspace()
    engagement_id = uuid.UUID(ws.engagement_id)
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        assert current_materiality(uow, engagement_id=engagement_id) is None
        assert current_performance_materiality(uow, engagement_id=engagement_id) is None

    first = ws.call("POST", "materiality", ws.admin, json_body={**BODY, "amount": "1000000.00"})
    second = ws.call("POST", "materiality", ws.admin, json_body={**BODY, "amount": "2000000.00"})
    assert (first.status, second.status) == (201, 201), second.body

    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow:
        current = current_materiality(uow, engagement_id=engagement_id)
        assert current is not None
        assert (current.version, current.benchmark_amount) == (2, Decimal("2000000.00"))
        performance = current_performance_materiality(uow, engagement_id=engagement_id)
        assert performance == Decimal(second.json()["performance_materiality"])
        assert performance != Decimal(first.json()["performance_materiality"])

    # Row-level security: another firm's scope finds nothing for this engagement.
    with UnitOfWork(firm_id=other.firm_id, system=True) as uow:
        assert current_materiality(uow, engagement_id=engagement_id) is None
