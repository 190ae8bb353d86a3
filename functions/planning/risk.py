"""The risk of material misstatement and the planned response to it (docs/audit-rules.md section 6; ISA 315, 330, 240).

RMM is read from a 3x3 matrix of inherent risk (rows) by control risk (columns):

    inherent \\ control   low        moderate   high
    low                  low        low        moderate
    moderate             low        moderate   high
    high                 moderate   high       high

The planned response to one risk:
- nature: controls_and_substantive when control risk is low or moderate (the assessment relies on
  controls, so they are tested), else substantive_only. Substantive procedures are always part of
  it; a significant risk answered by substantive procedures alone needs tests of details (ISA 330.21),
  and controls relied on for a significant risk are tested in the current period (ISA 330.15).
- extent: the RMM, raised to high for significant risks; a fraud risk is a significant risk (ISA 240.27).
- detection risk = audit risk 5% / RMM (high 100%, moderate 50%, low 25%): 5%, 10%, 20%.
- assurance factor = RF(0) = -ln(detection risk), rounded up to cents: 3.00, 2.31, 1.61
  (the zero-misstatement Poisson factor of the AICPA Audit Sampling guide; sample size scales with it).
- sample-size multiplier = assurance factor / the factor at high extent (3.00): 1.00, 0.77, 0.54.
- timing: period_end for high extent (ISA 330.A11: nearer the period end when the risk is higher),
  else interim_allowed (interim work rolled forward to the period end).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

LEVELS = ("low", "moderate", "high")
ASSERTIONS = ("existence", "completeness", "accuracy", "valuation", "cut_off", "presentation")

RMM_MATRIX: dict[tuple[str, str], str] = {
    ("low", "low"): "low",
    ("low", "moderate"): "low",
    ("low", "high"): "moderate",
    ("moderate", "low"): "low",
    ("moderate", "moderate"): "moderate",
    ("moderate", "high"): "high",
    ("high", "low"): "moderate",
    ("high", "moderate"): "high",
    ("high", "high"): "high",
}
AUDIT_RISK = Decimal("0.05")
RMM_PROBABILITY = {"low": Decimal("0.25"), "moderate": Decimal("0.5"), "high": Decimal("1")}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Response:
    """The planned nature, extent and timing of the procedures that answer one risk."""

    rmm: str
    nature: str
    tests_of_details_required: bool
    controls_tested_this_period: bool
    extent: str
    detection_risk: Decimal
    assurance_factor: Decimal
    sample_size_multiplier: Decimal
    timing: str
    unpredictability: bool
    notes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rmm": self.rmm,
            "nature": self.nature,
            "tests_of_details_required": self.tests_of_details_required,
            "controls_tested_this_period": self.controls_tested_this_period,
            "extent": self.extent,
            "detection_risk": str(self.detection_risk),
            "assurance_factor": str(self.assurance_factor),
            "sample_size_multiplier": str(self.sample_size_multiplier),
            "timing": self.timing,
            "unpredictability": self.unpredictability,
            "notes": list(self.notes),
        }


def _check_level(name: str, value: str) -> None:
    if value not in LEVELS:
        raise ValueError(f"{name} must be one of {', '.join(LEVELS)}, got {value!r}")


def rmm(inherent_risk: str, control_risk: str) -> str:
    """The combined risk of material misstatement, from the matrix above."""
    _check_level("inherent_risk", inherent_risk)
    _check_level("control_risk", control_risk)
    return RMM_MATRIX[(inherent_risk, control_risk)]


def detection_risk(extent: str) -> Decimal:
    """Audit risk / RMM: the risk of incorrect acceptance the substantive procedures may leave."""
    _check_level("extent", extent)
    return AUDIT_RISK / RMM_PROBABILITY[extent]


def assurance_factor(risk: Decimal) -> Decimal:
    """RF(0) = -ln(risk), rounded up to cents (5% -> 3.00, 10% -> 2.31, 20% -> 1.61)."""
    return Decimal(repr(-math.log(float(risk)))).quantize(CENT, rounding=ROUND_CEILING)


def plan_response(inherent_risk: str, control_risk: str, *, significant_risk: bool, fraud_risk: bool) -> Response:
    """The planned response to one risk of material misstatement."""
    combined = rmm(inherent_risk, control_risk)
    significant = significant_risk or fraud_risk
    relies_on_controls = control_risk != "high"
    extent = "high" if significant else combined
    risk = detection_risk(extent)
    factor = assurance_factor(risk)
    multiplier = (factor / assurance_factor(detection_risk("high"))).quantize(CENT, rounding=ROUND_HALF_UP)
    notes = ["substantive procedures are performed for every assessed risk"]
    if significant:
        notes.append("significant risk: substantive procedures specifically responsive to it (ISA 330.21)")
    if fraud_risk:
        notes.append("fraud risk: treated as a significant risk (ISA 240.27), with unpredictability (ISA 240.30(c))")
    if significant and not relies_on_controls:
        notes.append("substantive procedures alone: they include tests of details (ISA 330.21)")
    if significant and relies_on_controls:
        notes.append("controls relied on for a significant risk are tested in the current period (ISA 330.15)")
    return Response(
        rmm=combined,
        nature="controls_and_substantive" if relies_on_controls else "substantive_only",
        tests_of_details_required=significant and not relies_on_controls,
        controls_tested_this_period=significant and relies_on_controls,
        extent=extent,
        detection_risk=risk,
        assurance_factor=factor,
        sample_size_multiplier=multiplier,
        timing="period_end" if extent == "high" else "interim_allowed",
        unpredictability=fraud_risk,
        notes=tuple(notes),
    )
