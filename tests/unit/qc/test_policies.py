"""Each QC policy of docs/audit-rules.md section 11 on a hand-written engagement: the complete one passes
every policy, and each gap makes exactly its policy fail, naming what is missing."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from decimal import Decimal

import pytest

from functions.qc import policies
from functions.qc.state import (
    Account,
    Answer,
    Documented,
    EngagementState,
    EventsRegister,
    EvidencedFolder,
    JeTesting,
    Materiality,
    Misstatement,
    OpenNote,
    RiskItem,
    Workpaper,
)
from shared.db.models_qc import POLICY_CODES

pytestmark = pytest.mark.unit

D = Decimal
PARTNER = uuid.uuid4()
MANAGER = uuid.uuid4()


def paper(path: str, title: str, *, section: str = "D", section_title: str = "Cash", **fields: object) -> Workpaper:
    values: dict[str, object] = {
        "node_id": uuid.uuid4(),
        "path": path,
        "section_code": section,
        "section_title": section_title,
        "index_code": path.split(" / ")[-1].split(" ")[0],
        "title": title,
        "prepared": True,
        "reviewed": True,
        **fields,
    }
    return Workpaper(**values)  # type: ignore[arg-type]


CASH = paper("D Cash / D-1 1000 Bank confirmation", "1000 Bank confirmation", evidence_files=1)
DEBTORS = paper(
    "E Receivables / E-1 Debtor circularisation",
    "Debtor circularisation",
    section="E",
    section_title="Receivables",
    evidence_files=2,
    account_numbers=("1100",),
)
COMPLETION = paper(
    "L Completion / L-1 Completion memorandum",
    "Completion memorandum",
    section="L",
    section_title="Completion",
    approved_by=frozenset({PARTNER}),
)
EVENTS = paper(
    "L Completion / L-2 Subsequent events review",
    "Subsequent events review",
    section="L",
    section_title="Completion",
    approved_by=frozenset({PARTNER}),
)
PAPERS = (CASH, DEBTORS, COMPLETION, EVENTS)
CUTOFF = Answer("procedure REV-03 Test sales cut-off", "test_of_details")


def complete() -> EngagementState:
    """An engagement that passes every policy."""
    return EngagementState(
        engagement_id=uuid.uuid4(),
        documentation=tuple(Documented(p.path, p.prepared, p.reviewed) for p in PAPERS),
        workpapers=PAPERS,
        evidenced_folders=(EvidencedFolder("F Inventory", "F", "Inventory 1300", 1),),
        accounts=(
            Account("1000", "Cash at bank", D("50000"), D("50000"), True),
            Account("1100", "Trade debtors", D("-30000"), D("-30000"), True),  # absolute value counts
            Account("1300", "Inventory", D("40000"), D("40000"), True),
            Account("6000", "Salaries", D("1000"), D("1000"), True),  # below performance materiality
            Account("9999", "Suspense", D("0"), D("0"), False),  # no balance: need not be mapped
        ),
        materiality=Materiality(1, D("20000.00"), D("15000.00")),
        risks=(
            RiskItem("Revenue", "cut_off", True, True, (CUTOFF,)),
            RiskItem(
                "Cash", "existence", False, False, (Answer("procedure CASH-04 Test reviews", "test_of_controls"),)
            ),
        ),
        je=JeTesting(ledger_version=2, run_id=uuid.uuid4(), flagged_journals=12, unresolved_journals=0),
        open_notes=(OpenNote("D Cash / D-1 1000 Bank confirmation", "open", False),),
        unadjusted=(Misstatement("6000", "Salaries", D("4000")), Misstatement("2100", "Accruals", D("-4000"))),
        partners=frozenset({PARTNER}),
    )


def result(state: EngagementState, code: str) -> policies.Result:
    return next(r for r in policies.evaluate(state) if r.code == code)


def failing(state: EngagementState) -> dict[str, policies.Result]:
    return {r.code: r for r in policies.evaluate(state) if r.status == "failed"}


def test_the_complete_engagement_passes_every_policy_and_the_gate() -> None:
    results = policies.evaluate(complete())
    assert [r.status for r in results] == ["passed"] * len(POLICY_CODES), [
        r.detail for r in results if r.status != "passed"
    ]
    assert policies.gate_passed(results)
    assert [r.code for r in results] == list(POLICY_CODES), "the table's check lists every policy, in order"
    assert [r.code for r in results if not r.blocking] == ["subsequent_events"]


def test_documentation_names_each_workpaper_missing_a_signoff() -> None:
    unreviewed = dataclasses.replace(CASH, reviewed=False)
    bare = dataclasses.replace(DEBTORS, prepared=False, reviewed=False)
    state = dataclasses.replace(
        complete(),
        documentation=tuple(Documented(p.path, p.prepared, p.reviewed) for p in (unreviewed, bare, COMPLETION)),
    )
    failed = failing(state)
    assert set(failed) == {"documentation"}
    assert failed["documentation"].missing == (
        "D Cash / D-1 1000 Bank confirmation (not reviewed)",
        "E Receivables / E-1 Debtor circularisation (not prepared nor reviewed)",
    )
    assert "2 of 3 workpapers" in failed["documentation"].detail


def test_documentation_takes_procedures_as_they_come_and_fails_an_empty_file() -> None:
    procedures = (Documented("Bank confirmation procedure", True, False, kind="procedure"),)
    state = dataclasses.replace(complete(), documentation=complete().documentation + procedures)
    assert result(state, "documentation").missing == ("Bank confirmation procedure (not reviewed)",)
    empty = dataclasses.replace(complete(), documentation=())
    assert result(empty, "documentation").status == "failed"
    assert "no workpapers" in result(empty, "documentation").detail


def test_evidence_is_needed_for_each_account_at_or_above_performance_materiality() -> None:
    # Cash loses its evidence; an account exactly at performance materiality needs evidence too.
    state = dataclasses.replace(
        complete(),
        workpapers=(dataclasses.replace(CASH, evidence_files=0), DEBTORS, COMPLETION, EVENTS),
        accounts=(*(complete().accounts or ()), Account("2000", "Trade creditors", D("-15000"), D("-15000.00"), True)),
    )
    failed = failing(state)
    assert set(failed) == {"evidence_above_performance_materiality"}
    assert failed["evidence_above_performance_materiality"].missing == (
        "1000 Cash at bank (final 50,000.00)",
        "2000 Trade creditors (final -15,000.00)",
    )


def test_an_account_number_inside_a_longer_number_does_not_count_as_named() -> None:
    state = dataclasses.replace(
        complete(),
        workpapers=(dataclasses.replace(CASH, title="10000 Petty cash", index_code="D-1"), DEBTORS, COMPLETION, EVENTS),
    )
    assert result(state, "evidence_above_performance_materiality").missing == ("1000 Cash at bank (final 50,000.00)",)


def test_evidence_needs_materiality_and_a_trial_balance() -> None:
    assert (
        "Materiality is not set"
        in result(dataclasses.replace(complete(), materiality=None), "evidence_above_performance_materiality").detail
    )
    assert (
        "No trial balance"
        in result(dataclasses.replace(complete(), accounts=None), "evidence_above_performance_materiality").detail
    )


def test_risk_assessment_needs_each_risk_answered_by_the_program_and_a_fraud_risk() -> None:
    analytical = Answer("procedure INV-06 Analyse gross margin", "substantive_analytical")
    controls = Answer("procedure JE-04 Test controls over manual entries", "test_of_controls")
    state = dataclasses.replace(
        complete(),
        risks=(
            RiskItem("Inventory", "valuation", False, True, ()),
            RiskItem("Inventory", "existence", False, True, (analytical,)),
            RiskItem("Journal entries", "occurrence", False, True, (controls,)),
            RiskItem("Cash", "existence", False, False, (controls,)),
        ),
    )
    failed = failing(state)
    assert set(failed) == {"risk_assessment"}
    assert failed["risk_assessment"].missing == (
        "no fraud risk is assessed (at least one is presumed, e.g. revenue recognition)",
        "Inventory / valuation: no procedure of the audit program answers it",
        "Journal entries / occurrence: a significant risk with no substantive procedure",
    )
    assert result(dataclasses.replace(complete(), risks=()), "risk_assessment").status == "failed"


def test_a_fraud_risk_answered_only_by_tests_of_controls_fails() -> None:
    controls = Answer("procedure REV-06 Test pricing controls", "test_of_controls")
    state = dataclasses.replace(complete(), risks=(RiskItem("Revenue", "occurrence", True, False, (controls,)),))
    assert result(state, "risk_assessment").missing == (
        "Revenue / occurrence: a fraud risk with no substantive procedure",
    )
    answered = dataclasses.replace(
        complete(), risks=(RiskItem("Revenue", "occurrence", True, False, (controls, CUTOFF)),)
    )
    assert result(answered, "risk_assessment").status == "passed"


def test_je_testing_needs_a_completed_run_on_the_current_ledger_and_every_flag_dispositioned() -> None:
    open_flags = JeTesting(
        2, uuid.uuid4(), flagged_journals=40, unresolved_journals=12, unresolved_examples=("JE-7", "JE-9")
    )
    failed = failing(dataclasses.replace(complete(), je=open_flags))
    assert set(failed) == {"je_testing"}
    assert failed["je_testing"].missing == ("journal JE-7", "journal JE-9", "... and 10 more")
    assert "12 of 40 flagged journals" in failed["je_testing"].detail
    no_run = result(dataclasses.replace(complete(), je=JeTesting(3, None, other_runs_pending=1)), "je_testing")
    assert no_run.status == "failed" and "version 3" in no_run.detail and "1 still running" in no_run.detail
    assert "No general ledger" in result(dataclasses.replace(complete(), je=JeTesting(None, None)), "je_testing").detail


def test_review_notes_fail_on_a_blocking_note_not_cleared() -> None:
    notes = (
        OpenNote("D Cash / D-1 1000 Bank confirmation", "addressed", True),
        OpenNote("E Receivables", "open", False),
    )
    failed = failing(dataclasses.replace(complete(), open_notes=notes))
    assert set(failed) == {"review_notes"}
    assert failed["review_notes"].missing == ("D Cash / D-1 1000 Bank confirmation (addressed)",)
    assert "1 non-blocking" in failed["review_notes"].detail


def test_materiality_must_be_determined() -> None:
    failed = failing(dataclasses.replace(complete(), materiality=None))
    assert {"materiality", "evidence_above_performance_materiality", "unadjusted_differences"} == set(failed)
    assert result(complete(), "materiality").detail == "Version 1: overall 20,000.00, performance 15,000.00"


def test_mapping_must_be_confirmed_for_every_account_with_a_balance() -> None:
    accounts = (*(complete().accounts or ()), Account("7000", "Sundry", D("0"), D("12.50"), False))
    failed = failing(dataclasses.replace(complete(), accounts=accounts))
    assert set(failed) == {"mapping_confirmed"}
    assert failed["mapping_confirmed"].missing == ("7000 Sundry",)
    assert result(dataclasses.replace(complete(), accounts=None), "mapping_confirmed").status == "failed"


def test_unadjusted_differences_must_stay_below_overall_materiality() -> None:
    # One entry of 20,000 (debit 6000, credit 2100): the aggregate is 20,000, at overall materiality.
    entries = (Misstatement("6000", "Salaries", D("20000")), Misstatement("2100", "Accruals", D("-20000")))
    failed = failing(dataclasses.replace(complete(), unadjusted=entries))
    assert set(failed) == {"unadjusted_differences"}
    assert "20,000.00 reach overall materiality (20,000.00)" in failed["unadjusted_differences"].detail
    assert failed["unadjusted_differences"].missing == ("2100 Accruals -20,000.00", "6000 Salaries 20,000.00")
    just_below = (Misstatement("6000", "Salaries", D("19999.99")), Misstatement("2100", "Accruals", D("-19999.99")))
    assert result(dataclasses.replace(complete(), unadjusted=just_below), "unadjusted_differences").status == "passed"


def test_partner_signoff_needs_a_team_partners_approval_of_every_completion_workpaper() -> None:
    by_manager = dataclasses.replace(COMPLETION, approved_by=frozenset({MANAGER}))
    failed = failing(dataclasses.replace(complete(), workpapers=(CASH, DEBTORS, by_manager, EVENTS)))
    assert set(failed) == {"partner_signoff"}
    assert failed["partner_signoff"].missing == (
        "L Completion / L-1 Completion memorandum (not approved by a partner)",
    )
    without_section = result(dataclasses.replace(complete(), workpapers=(CASH, DEBTORS)), "partner_signoff")
    assert without_section.status == "failed" and "Completion section (L)" in without_section.detail
    no_partner = result(dataclasses.replace(complete(), partners=frozenset()), "partner_signoff")
    assert no_partner.status == "failed" and "No partner" in no_partner.detail


def test_subsequent_events_fail_without_a_signed_workpaper_but_do_not_block() -> None:
    unsigned = dataclasses.replace(EVENTS, reviewed=False)
    results = policies.evaluate(dataclasses.replace(complete(), workpapers=(CASH, DEBTORS, COMPLETION, unsigned)))
    events = next(r for r in results if r.code == "subsequent_events")
    assert events.status == "failed" and not events.blocking
    assert events.missing == ("L Completion / L-2 Subsequent events review (not prepared and reviewed)",)
    assert policies.gate_passed(results), "a non-blocking failure leaves the gate passing"
    missing = result(dataclasses.replace(complete(), workpapers=(CASH, DEBTORS, COMPLETION)), "subsequent_events")
    assert missing.status == "failed" and "nor is there a subsequent-events workpaper" in missing.detail


def test_subsequent_events_pass_on_a_reviewed_register_without_open_events() -> None:
    no_paper = dataclasses.replace(complete(), workpapers=(CASH, DEBTORS, COMPLETION))
    reviewed = dataclasses.replace(no_paper, subsequent_events=EventsRegister(date(2027, 2, 28), 2))
    assert result(reviewed, "subsequent_events").detail == (
        "Subsequent events reviewed through 2027-02-28; 2 events in the register, all resolved"
    )
    entered = dataclasses.replace(no_paper, subsequent_events=EventsRegister(None, 1))
    assert result(entered, "subsequent_events").status == "passed"
    pending = EventsRegister(date(2027, 2, 28), 3, ("event of 2027-01-15 (recognized): open",))
    failed = result(dataclasses.replace(complete(), subsequent_events=pending), "subsequent_events")
    assert (failed.status, failed.missing) == ("failed", ("event of 2027-01-15 (recognized): open",))
    assert "1 of 3 subsequent events are not resolved" in failed.detail


def test_a_waiver_turns_a_failed_policy_waived_and_the_gate_passes() -> None:
    state = dataclasses.replace(complete(), risks=())
    assert not policies.gate_passed(policies.evaluate(state))
    waiver = {"id": "w1", "reason": "Risks documented in the group auditor's file", "waived_by": "p", "waived_at": "t"}
    results = policies.evaluate(state, {"risk_assessment": waiver, "materiality": waiver})
    by_code = {r.code: r for r in results}
    assert by_code["risk_assessment"].status == "waived"
    assert by_code["risk_assessment"].waiver == waiver
    assert by_code["materiality"].status == "passed" and by_code["materiality"].waiver is None, (
        "a passing policy needs no waiver"
    )
    assert policies.gate_passed(results) and policies.failed_codes(results) == []


def test_a_long_list_is_cut_with_how_many_more() -> None:
    many = tuple(Account(str(5000 + i), f"Expense {i}", D("1"), D("1"), False) for i in range(40))
    missing = result(dataclasses.replace(complete(), accounts=many), "mapping_confirmed").missing
    assert len(missing) == policies.MAX_NAMED + 1 and missing[-1] == "... and 15 more"
