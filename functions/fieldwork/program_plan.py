"""Which library procedures answer which risks: the program generated from a risk register.

Pure: risks and the firm's library in, the planned procedures (each with the risks it answers) out.

- A risk takes the procedures of its area whose assertions include the risk's assertion. Tests of
  controls only when the planned response relies on controls (control risk not high); a response that is
  substantive only needs no test of the controls it does not rely on (ISA 330.8).
- A fraud risk also takes its area's procedures written for fraud risks, whatever their assertion.
- A significant or fraud risk is answered by at least one substantive procedure, and by a test of details
  when its response is substantive only or it is a fraud risk (ISA 330.21, SPEC section 6): when its area
  and assertion give none, the area's test of details written for significant risks is taken, and when
  the library has none, a generic test of details for the area and assertion is planned, so no
  significant risk is left without a substantive answer.
- Any other risk that matches nothing gets the generic procedure too: every risk in the register is
  answered by something the team can carry out or mark not applicable with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from functions.fieldwork.procedure_library import BY_AREA, FRAUD, SIGNIFICANT, TOC, TOD, Procedure, area_of


@dataclass(frozen=True)
class RiskInput:
    id: object
    area: str
    assertion: str
    significant: bool
    fraud: bool
    relies_on_controls: bool  # the planned response is controls_and_substantive

    @property
    def needs_substantive(self) -> bool:
        return self.significant or self.fraud

    @property
    def needs_details(self) -> bool:
        return self.fraud or (self.significant and not self.relies_on_controls)


@dataclass
class Planned:
    """A procedure of the planned program and the risks it answers, in the order they were met."""

    procedure: Procedure
    area: str
    risk_ids: list[object] = field(default_factory=list)

    def answers(self, risk_id: object) -> None:
        if risk_id not in self.risk_ids:
            self.risk_ids.append(risk_id)


def generic(area: str, assertion: str) -> Procedure:
    """The test of details planned when the library has nothing for an area and assertion."""
    label = BY_AREA[area].label if area in BY_AREA else "the area"
    readable = assertion.replace("_", "-")
    return Procedure(
        code=f"generic:{area}:{assertion}",
        title=f"Test of details: {label}, {readable}",
        objective=f"Design and perform a test of details that addresses the {readable} assertion for {label}.",
        assertions=(assertion,),
        areas=(area,),
        risk_responses=(SIGNIFICANT,),
        nature=TOD,
        source="generic",
    )


def _for_risk(risk: RiskInput, area: str, library: list[Procedure]) -> list[Procedure]:
    in_area = [p for p in library if area in p.areas]
    chosen = [p for p in in_area if risk.assertion in p.assertions and (p.nature != TOC or risk.relies_on_controls)]
    if risk.fraud:
        chosen += [p for p in in_area if FRAUD in p.risk_responses and p.nature != TOC and p not in chosen]
    if risk.needs_substantive and not any(p.substantive for p in chosen):
        chosen += [p for p in in_area if p.substantive and SIGNIFICANT in p.risk_responses][:1]
    if risk.needs_details and not any(p.nature == TOD for p in chosen):
        details = [p for p in in_area if p.nature == TOD and SIGNIFICANT in p.risk_responses][:1]
        chosen += details or [generic(area, risk.assertion)]
    return chosen or [generic(area, risk.assertion)]


def plan(risks: Iterable[RiskInput], library: Iterable[Procedure]) -> list[Planned]:
    """The program for these risks from this library: each procedure once, with every risk it answers."""
    procedures = list(library)
    planned: dict[str, Planned] = {}
    for risk in risks:
        area = area_of(risk.area)
        for procedure in _for_risk(risk, area, procedures):
            home = area if area in procedure.areas else procedure.areas[0]
            planned.setdefault(procedure.code, Planned(procedure, home)).answers(risk.id)
    return list(planned.values())
