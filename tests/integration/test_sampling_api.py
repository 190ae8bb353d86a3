"""The stateless sampling calculators through HTTP: answers a working paper can quote, errors naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engagement_support import Workspace, workspace
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


@pytest.fixture(scope="module")
def ws(database: str) -> Workspace:
    return workspace()


def post(ws: Workspace, path: str, body: dict[str, Any], *, token: str | None = None) -> Any:
    return request("POST", f"sampling/{path}", token=token or ws.admin.token, json_body=body)


def test_attribute_plan_gives_the_table_size_to_staff(ws: Workspace) -> None:
    staff = ws.person("staff", "staff")
    # AICPA Audit Sampling Guide Table A-1: 5% risk, tolerable 5%, expected 1% -> 93 (1)
    reply = post(
        ws, "attribute/plan", {"confidence": 0.95, "tolerable_rate": 0.05, "expected_rate": 0.01}, token=staff.token
    )
    assert reply.status == 200, reply.body
    plan = reply.json()
    assert (plan["n"], plan["allowed_deviations"], plan["distribution"]) == (93, 1, "binomial")
    assert (plan["risk"], plan["confidence"]) == ("0.05", "0.95")
    assert "ceil(n x expected_rate)" in plan["formula"]

    finite = post(
        ws,
        "attribute/plan",
        {"risk": "0.05", "tolerable_rate": "0.05", "expected_rate": "0.01", "population_size": 200},
    )
    assert finite.json()["distribution"] == "hypergeometric"
    assert finite.json()["n"] < 93


def test_attribute_evaluation_and_conclusion(ws: Workspace) -> None:
    # Table A-3: 100 items, 2 deviations, 5% risk -> upper limit 6.2%
    body = {"confidence": "0.95", "n": 100, "deviations": 2, "tolerable_rate": "0.07"}
    reply = post(ws, "attribute/evaluate", body)
    assert reply.status == 200, reply.body
    result = reply.json()
    assert (result["n"], result["deviations"], result["risk"], result["population_size"]) == (100, 2, "0.05", None)
    assert (result["sample_deviation_rate"], result["upper_deviation_limit"]) == ("0.0200", "0.0617")
    assert result["conclusion"] == "rely"
    tighter = post(ws, "attribute/evaluate", {"risk": "0.05", "n": 100, "deviations": 2, "tolerable_rate": "0.06"})
    assert tighter.json()["conclusion"] == "do_not_rely"


def test_mus_plan_and_evaluation(ws: Workspace) -> None:
    # Table C-1: 10% risk, tolerable 0.5% of the population -> 461
    reply = post(ws, "mus/plan", {"risk": "0.10", "book_value": "1000000.00", "tolerable_misstatement": "5000.00"})
    assert reply.status == 200, reply.body
    plan = reply.json()
    assert (plan["n"], plan["interval"], plan["confidence_factor"]) == (461, "2169.19", "2.31")

    items = [
        {"key": "a", "book_value": "5000.00", "audited_value": "4000.00"},
        {"key": "b", "book_value": "800.00", "audited_value": "200.00"},
        {"key": "c", "book_value": "12500.00", "audited_value": "11250.00"},
        {"key": "d", "book_value": "45000.00", "audited_value": "42000.00"},
        {"key": "f", "book_value": "300.00", "audited_value": "300.00"},
    ]
    body = {"confidence": "0.95", "interval": "20000", "tolerable_misstatement": "100000", "items": items}
    evaluation = post(ws, "mus/evaluate", body)
    assert evaluation.status == 200, evaluation.body
    result = evaluation.json()
    # 2.995732 x 20,000 + (15,000 + 4,000 + 2,000 + 3,000) + (11,222.00 + 2,207.72 + 915.73) = 98,260.09
    # (the factors the size is computed with; see the unit test)
    assert result["overstatement"]["upper_limit"] == "98260.09"
    assert result["conclusion"] == "accept"
    assert [line["key"] for line in result["lines"] if line["high_value"]] == ["d"]


def test_classical_difference_estimate(ws: Workspace) -> None:
    items = [
        {"book_value": b, "audited_value": a}
        for b, a in [("500", "500"), ("400", "400"), ("600", "580"), ("500", "480"), ("400", "390")]
    ]
    body = {
        "method": "difference",
        "confidence": "0.95",
        "population_size": 500,
        "book_value": "250000",
        "tolerable_misstatement": "10000",
        "items": items,
    }
    reply = post(ws, "classical/evaluate", body)
    assert reply.status == 200, reply.body
    result = reply.json()
    assert (result["point_estimate"], result["precision"], result["conclusion"]) == ("245000.00", "4360.64", "accept")


@pytest.mark.parametrize(
    ("path", "body", "field", "value"),
    [
        ("attribute/plan", {"risk": "0.05", "tolerable_rate": "1.5"}, "tolerable_rate", "1.5"),
        (
            "attribute/plan",
            {"risk": "0.05", "tolerable_rate": "0.05", "expected_rate": "0.06"},
            "expected_rate",
            "0.06",
        ),
        ("attribute/plan", {"tolerable_rate": "0.05"}, "risk", "neither"),
        ("attribute/plan", {"risk": "0.05", "confidence": "0.90", "tolerable_rate": "0.05"}, "confidence", "0.90"),
        ("attribute/evaluate", {"risk": "0.05", "n": 20, "deviations": 25}, "deviations", "25"),
        (
            "mus/plan",
            {
                "risk": "0.05",
                "book_value": "1000000",
                "tolerable_misstatement": "50000",
                "expected_misstatement": "40000",
            },
            "expected_misstatement",
            "40000",
        ),
        ("mus/plan", {"risk": "0.05", "book_value": "-5", "tolerable_misstatement": "50000"}, "book_value", "-5"),
    ],
)
def test_bad_input_names_the_field_and_value(
    ws: Workspace, path: str, body: dict[str, Any], field: str, value: str
) -> None:
    reply = post(ws, path, body)
    assert reply.status == 400, reply.body
    error = reply.json()["errors"][0]
    assert error["loc"][:2] == ["body", field]
    assert value in error["msg"]


def test_only_people_of_a_firm_may_calculate(ws: Workspace) -> None:
    body = {"risk": "0.05", "tolerable_rate": "0.05"}
    assert request("POST", "sampling/attribute/plan", json_body=body).status == 401
    client = ws.client_user()
    assert post(ws, "attribute/plan", body, token=client.token).status == 403
