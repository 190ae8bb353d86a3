"""The RMM matrix and the planned response to a risk (functions/planning/risk.py's docstring states both)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.planning import risk

pytestmark = pytest.mark.unit

# inherent risk (row) x control risk (column) -> RMM, as documented in risk.py
MATRIX = {
    "low": {"low": "low", "moderate": "low", "high": "moderate"},
    "moderate": {"low": "low", "moderate": "moderate", "high": "high"},
    "high": {"low": "moderate", "moderate": "high", "high": "high"},
}


@pytest.mark.parametrize(
    ("inherent", "control"), [(i, c) for i in ("low", "moderate", "high") for c in ("low", "moderate", "high")]
)
def test_every_cell_of_the_matrix(inherent: str, control: str) -> None:
    assert risk.rmm(inherent, control) == MATRIX[inherent][control]


def test_the_matrix_never_lowers_the_risk_when_either_input_rises() -> None:
    order = {"low": 0, "moderate": 1, "high": 2}
    for inherent in risk.LEVELS:
        cells = [order[risk.rmm(inherent, control)] for control in risk.LEVELS]
        assert cells == sorted(cells)
    for control in risk.LEVELS:
        cells = [order[risk.rmm(inherent, control)] for inherent in risk.LEVELS]
        assert cells == sorted(cells)


def test_an_unknown_level_is_named() -> None:
    with pytest.raises(ValueError, match="control_risk must be one of low, moderate, high, got 'severe'"):
        risk.rmm("low", "severe")


# Detection risk = 5% / RMM (high 100%, moderate 50%, low 25%); the assurance factor is -ln of it rounded
# up to cents, the AICPA Audit Sampling guide's zero-misstatement confidence factors: 5% -> 3.00
# (-ln 0.05 = 2.9957), 10% -> 2.31 (2.3026), 20% -> 1.61 (1.6094).
@pytest.mark.parametrize(
    ("extent", "detection", "factor", "multiplier"),
    [
        ("high", Decimal("0.05"), Decimal("3.00"), Decimal("1.00")),
        ("moderate", Decimal("0.1"), Decimal("2.31"), Decimal("0.77")),  # 2.31 / 3.00 = 0.77
        ("low", Decimal("0.2"), Decimal("1.61"), Decimal("0.54")),  # 1.61 / 3.00 = 0.5367 -> 0.54
    ],
)
def test_extent_sets_detection_risk_and_assurance(
    extent: str, detection: Decimal, factor: Decimal, multiplier: Decimal
) -> None:
    inherent, control = {"high": ("high", "high"), "moderate": ("moderate", "moderate"), "low": ("low", "low")}[extent]
    response = risk.plan_response(inherent, control, significant_risk=False, fraud_risk=False)
    assert response.extent == extent
    assert response.detection_risk == detection
    assert response.assurance_factor == factor
    assert response.sample_size_multiplier == multiplier
    assert response.timing == ("period_end" if extent == "high" else "interim_allowed")


def test_relying_on_controls_means_testing_them() -> None:
    relied = risk.plan_response("high", "low", significant_risk=False, fraud_risk=False)
    assert (relied.rmm, relied.nature, relied.extent) == ("moderate", "controls_and_substantive", "moderate")
    not_relied = risk.plan_response("low", "high", significant_risk=False, fraud_risk=False)
    assert (not_relied.rmm, not_relied.nature) == ("moderate", "substantive_only")


def test_a_significant_risk_always_gets_substantive_procedures_at_high_extent() -> None:
    # Low x low is a low RMM, but a significant risk is answered at high extent, at the period end.
    response = risk.plan_response("low", "low", significant_risk=True, fraud_risk=False)
    assert response.rmm == "low"
    assert (response.extent, response.assurance_factor, response.timing) == ("high", Decimal("3.00"), "period_end")
    assert response.nature == "controls_and_substantive"
    assert response.controls_tested_this_period is True
    assert response.tests_of_details_required is False
    assert any("ISA 330.21" in note for note in response.notes)

    alone = risk.plan_response("high", "high", significant_risk=True, fraud_risk=False)
    assert alone.nature == "substantive_only"
    assert alone.tests_of_details_required is True


def test_a_fraud_risk_is_treated_as_significant_and_unpredictable() -> None:
    response = risk.plan_response("moderate", "low", significant_risk=False, fraud_risk=True)
    assert response.rmm == "low"
    assert response.extent == "high"
    assert response.unpredictability is True
    assert any("ISA 240.27" in note for note in response.notes)
    plain = risk.plan_response("moderate", "low", significant_risk=False, fraud_risk=False)
    assert (plain.extent, plain.unpredictability) == ("low", False)


def test_the_response_serializes_decimals_as_text() -> None:
    stored = risk.plan_response("moderate", "moderate", significant_risk=False, fraud_risk=False).as_dict()
    assert stored["assurance_factor"] == "2.31"
    assert stored["detection_risk"] == "0.1"
    assert stored["nature"] == "controls_and_substantive"
