"""The starter library's shape, how a risk's free-text area is read, and the program planned for a register."""

from __future__ import annotations

import pytest

from functions.fieldwork import procedure_library as library
from functions.fieldwork.program_plan import RiskInput, generic, plan

pytestmark = pytest.mark.unit


def test_the_starter_library_is_well_formed() -> None:
    codes = [p.code for p in library.STARTER]
    assert len(codes) == len(set(codes)) >= 40
    for procedure in library.STARTER:
        assert set(procedure.assertions) <= set(library.ASSERTIONS), procedure.code
        assert set(procedure.areas) <= set(library.AREA_CODES), procedure.code
        assert set(procedure.risk_responses) <= set(library.RISK_RESPONSES), procedure.code
        assert procedure.nature in library.NATURES, procedure.code
        assert procedure.objective.endswith("."), procedure.code
    for area in library.AREA_CODES:
        in_area = [p for p in library.STARTER if area in p.areas]
        assert len(in_area) >= 3, area
        assert any(p.nature == "test_of_details" and "significant_risk" in p.risk_responses for p in in_area), area


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("Revenue", "revenue"),
        ("Sales", "revenue"),
        ("Cost of sales", "expenses"),
        ("Accrued expenses", "payables"),
        ("Trade receivables", "receivables"),
        ("B", "receivables"),
        ("fixed assets", "fixed_assets"),
        ("Property, plant and equipment", "fixed_assets"),
        ("Management override of controls", "journal_entries"),
        ("Share capital", "equity"),
        ("Leases", "other"),
        ("Unstockable", "other"),
    ],
)
def test_a_risks_area_is_read_from_its_words(text: str, area: str) -> None:
    assert library.area_of(text) == area


def risk(rid: str, area: str, assertion: str, **flags: bool) -> RiskInput:
    return RiskInput(
        rid,
        area,
        assertion,
        flags.get("significant", False),
        flags.get("fraud", False),
        flags.get("relies", False),
    )


def answers(planned: list, rid: str) -> list:  # type: ignore[type-arg]
    return [item.procedure for item in planned if rid in item.risk_ids]


def test_each_risk_takes_its_areas_procedures_for_its_assertion() -> None:
    planned = plan([risk("r", "Revenue", "completeness")], library.STARTER)
    codes = {p.code for p in answers(planned, "r")}
    # REV-06 tests a control the substantive-only response does not rely on; INV-05 and JE-01 serve revenue too.
    assert codes == {"REV-02", "REV-03", "REV-04", "INV-05", "JE-01"}
    relied = plan([risk("r", "Revenue", "accuracy", relies=True)], library.STARTER)
    assert "REV-06" in {p.code for p in answers(relied, "r")}


def test_a_significant_risk_substantive_only_gets_a_test_of_details() -> None:
    # Payables presentation: only AP-06 (a test of details) matches; significant, substantive only.
    planned = plan([risk("r", "Payables", "presentation", significant=True)], library.STARTER)
    assert any(p.nature == "test_of_details" for p in answers(planned, "r"))
    # A library with only an analytical procedure for the area: a generic test of details joins it.
    only_analytical = [p for p in library.STARTER if p.code == "AP-04"]
    planned = plan([risk("r", "Payables", "completeness", significant=True)], only_analytical)
    natures = [p.nature for p in answers(planned, "r")]
    assert natures == ["substantive_analytical", "test_of_details"]
    assert answers(planned, "r")[1] == generic("payables", "completeness")


def test_a_significant_risk_relying_on_controls_may_be_answered_analytically() -> None:
    only_analytical = [p for p in library.STARTER if p.code == "AP-04"]
    planned = plan([risk("r", "Payables", "completeness", significant=True, relies=True)], only_analytical)
    assert [p.code for p in answers(planned, "r")] == ["AP-04"]


def test_a_fraud_risk_takes_the_areas_fraud_procedures_and_journal_entry_testing() -> None:
    planned = plan([risk("r", "Revenue", "occurrence", fraud=True)], library.STARTER)
    codes = {p.code for p in answers(planned, "r")}
    assert {"REV-01", "REV-05", "JE-01", "REV-03", "AR-07"} <= codes
    assert all(p.nature != "test_of_controls" for p in answers(planned, "r"))


def test_a_risk_the_library_cannot_answer_gets_a_generic_test_of_details() -> None:
    planned = plan([risk("r", "Leases", "valuation")], library.STARTER)
    [procedure] = answers(planned, "r")
    assert (procedure.code, procedure.source, procedure.nature) == (
        "generic:other:valuation",
        "generic",
        "test_of_details",
    )


def test_every_significant_risk_is_answered_substantively_whatever_the_register() -> None:
    areas = [
        "Cash",
        "Receivables",
        "Inventory",
        "PPE",
        "Payables",
        "Revenue",
        "Payroll",
        "Equity",
        "Journals",
        "Leases",
    ]
    register = [
        risk(f"{area}-{assertion}-{flag}", area, assertion, significant=flag == "s", fraud=flag == "f")
        for area in areas
        for assertion in ("existence", "completeness", "accuracy", "valuation", "cut_off", "presentation")
        for flag in ("s", "f", "-")
    ]
    planned = plan(register, library.STARTER)
    codes = [item.procedure.code for item in planned]
    assert len(codes) == len(set(codes))
    for item in register:
        answering = answers(planned, item.id)  # type: ignore[arg-type]
        assert answering, item
        if item.needs_substantive:
            assert any(p.substantive for p in answering), item
        if item.needs_details:
            assert any(p.nature == "test_of_details" for p in answering), item


def test_a_procedure_is_filed_under_the_area_of_the_risk_it_first_answers() -> None:
    planned = plan([risk("r", "Trade receivables", "cut_off"), risk("s", "Revenue", "cut_off")], library.STARTER)
    home = {item.procedure.code: item.area for item in planned}
    assert home["REV-03"] == "receivables"
