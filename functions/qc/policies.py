"""The QC policies of docs/audit-rules.md section 11 (SPEC section 9), each a pure function of the
engagement's snapshot (state.py).

A policy answers whether it is met and, when not, what is missing by name: the workpaper by its binder
path, the account by number and name, the journal by its id. `evaluate` runs them all and applies the
open waivers: a failed policy that is waived reads `waived` and no longer blocks. The gate passes when
every blocking policy has passed or is waived.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from functions.qc.state import Account, EngagementState, Workpaper

MAX_NAMED = 25  # the items a detail names before it says how many more there are
COMPLETION_SECTION = "L"
COMPLETION_TITLE = "completion"
SUBSEQUENT_EVENTS = re.compile(r"subsequent\s+events?", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    passed: bool
    detail: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    code: str
    title: str
    blocking: bool
    check: Callable[[EngagementState], Outcome]


@dataclass(frozen=True)
class Result:
    code: str
    title: str
    blocking: bool
    status: str  # passed | failed | waived
    detail: str
    missing: tuple[str, ...] = ()
    waiver: Mapping[str, str] | None = field(default=None)

    @property
    def blocks(self) -> bool:
        return self.blocking and self.status == "failed"

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "blocking": self.blocking,
            "status": self.status,
            "detail": self.detail,
            "missing": list(self.missing),
            "waiver": dict(self.waiver) if self.waiver is not None else None,
        }


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _named(items: list[str]) -> tuple[str, ...]:
    """At most MAX_NAMED items, then how many more."""
    if len(items) <= MAX_NAMED:
        return tuple(items)
    return (*items[:MAX_NAMED], f"... and {len(items) - MAX_NAMED} more")


def _failed(summary: str, items: list[str]) -> Outcome:
    named = _named(items)
    return Outcome(False, f"{summary}: {'; '.join(named)}" if named else summary, named)


def _account(account: Account) -> str:
    return f"{account.number} {account.name}".strip()


# --- the policies ---------------------------------------------------------------------------------


def documentation(state: EngagementState) -> Outcome:
    """Every workpaper has an active prepare and review sign-off, and every completed procedure of the
    audit program a linked workpaper that has both (SPEC section 9)."""
    if not state.documentation:
        return Outcome(False, "The binder has no workpapers: there is no audit documentation to review")
    missing = []
    for item in state.documentation:
        lacks = [step for step, done in (("prepared", item.prepared), ("reviewed", item.reviewed)) if not done]
        if lacks:
            missing.append(f"{item.label} (not {' nor '.join(lacks)})")
    if missing:
        return _failed(f"{len(missing)} of {len(state.documentation)} {_kinds(state)} lack a sign-off", missing)
    return Outcome(True, f"All {len(state.documentation)} {_kinds(state)} are prepared and reviewed")


def _kinds(state: EngagementState) -> str:
    kinds = sorted({item.kind for item in state.documentation})
    return " and ".join(f"{kind}s" for kind in kinds)


_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]*")


def _tokens(*texts: str | None) -> set[str]:
    """The words of titles and index codes, so "1000" is named by "1000 Cash" but not by "10000"."""
    found: set[str] = set()
    for text in texts:
        for token in _TOKEN.findall(text or ""):
            found.add(token.rstrip(".-").lower())
    return found


def supported_accounts(state: EngagementState) -> dict[str, str]:
    """Account number (lower case) -> the binder path of the first workpaper or folder with evidence
    that names it (docs/audit-rules.md section 11 gives the rule)."""
    supported: dict[str, str] = {}
    for paper in state.workpapers:
        if paper.evidence_files <= 0:
            continue
        for token in (*_tokens(paper.title, paper.index_code), *(n.lower() for n in paper.account_numbers)):
            supported.setdefault(token, paper.path)
    for folder in state.evidenced_folders:
        if folder.evidence_files <= 0:
            continue
        for token in _tokens(folder.title, folder.index_code):
            supported.setdefault(token, folder.path)
    return supported


def evidence_above_performance_materiality(state: EngagementState) -> Outcome:
    """Each account whose final balance is, in absolute value, at or above performance materiality is
    named by a workpaper (or folder) of the binder that has evidence linked."""
    if state.materiality is None:
        return Outcome(False, "Materiality is not set, so the accounts above performance materiality are not known")
    if state.accounts is None:
        return Outcome(False, "No trial balance of the year is loaded")
    threshold = state.materiality.performance
    above = [account for account in state.accounts if abs(account.final) >= threshold]
    if not above:
        return Outcome(True, f"No account's final balance reaches performance materiality ({money(threshold)})")
    supported = supported_accounts(state)
    missing = [
        f"{_account(account)} (final {money(account.final)})"
        for account in sorted(above, key=lambda a: (-abs(a.final), a.number))
        if account.number.lower() not in supported
    ]
    if missing:
        return _failed(
            f"{len(missing)} of {len(above)} accounts at or above performance materiality ({money(threshold)}) "
            "have no workpaper with evidence naming them",
            missing,
        )
    return Outcome(
        True, f"All {len(above)} accounts at or above performance materiality ({money(threshold)}) have evidence"
    )


def risk_assessment(state: EngagementState) -> Outcome:
    """The risk register is not empty, holds at least one fraud risk, and each risk is answered by a
    procedure of the audit program (a linked binder node alone is not a planned response); a significant
    or fraud risk by a substantive one (ISA 330.18 and .21, SPEC section 6)."""
    if not state.risks:
        return Outcome(False, "No risks of material misstatement are assessed", ("the risk register is empty",))
    missing = []
    for risk in state.risks:
        if not risk.answers:
            missing.append(f"{risk.area} / {risk.assertion}: no procedure of the audit program answers it")
        elif (risk.significant_risk or risk.fraud_risk) and not any(a.substantive for a in risk.answers):
            kind = "fraud" if risk.fraud_risk else "significant"
            missing.append(f"{risk.area} / {risk.assertion}: a {kind} risk with no substantive procedure")
    if not any(risk.fraud_risk for risk in state.risks):
        missing.insert(0, "no fraud risk is assessed (at least one is presumed, e.g. revenue recognition)")
    if missing:
        return _failed("The risk assessment is not complete", missing)
    return Outcome(True, f"{len(state.risks)} risks assessed, each answered by the audit program, fraud risk included")


def je_testing(state: EngagementState) -> Outcome:
    """A completed JE run on the current general ledger, and every flagged journal dispositioned
    (explained, exception or false positive; not open or investigating)."""
    je = state.je
    if je.ledger_version is None:
        return Outcome(False, "No general ledger is loaded, so journal entries have not been tested")
    if je.run_id is None:
        pending = f" ({je.other_runs_pending} still running)" if je.other_runs_pending else ""
        return Outcome(
            False,
            f"No completed journal-entry run on the current general ledger (version {je.ledger_version}){pending}",
        )
    if je.unresolved_journals:
        examples = [f"journal {journal}" for journal in je.unresolved_examples]
        if je.unresolved_journals > len(examples):
            examples.append(f"... and {je.unresolved_journals - len(examples)} more")
        return Outcome(
            False,
            f"{je.unresolved_journals} of {je.flagged_journals} flagged journals are open or under investigation: "
            + "; ".join(examples),
            tuple(examples),
        )
    return Outcome(
        True,
        f"Journal entries tested on ledger version {je.ledger_version}; all {je.flagged_journals} flagged "
        "journals dispositioned",
    )


def review_notes(state: EngagementState) -> Outcome:
    """No blocking review note is left uncleared (open, or addressed but not cleared by its reviewer)."""
    blocking = [note for note in state.open_notes if note.blocking]
    others = len(state.open_notes) - len(blocking)
    aside = f"; {others} non-blocking notes are not cleared" if others else ""
    if blocking:
        return _failed(
            f"{len(blocking)} blocking review notes are not cleared{aside}",
            [f"{note.path} ({note.status})" for note in blocking],
        )
    return Outcome(True, f"Every blocking review note is cleared{aside}")


def materiality(state: EngagementState) -> Outcome:
    """Materiality is determined (a current version exists)."""
    if state.materiality is None:
        return Outcome(False, "Materiality has not been determined")
    m = state.materiality
    return Outcome(True, f"Version {m.version}: overall {money(m.overall)}, performance {money(m.performance)}")


def mapping_confirmed(state: EngagementState) -> Outcome:
    """Every account of the current trial balance with a balance has a confirmed mapping."""
    if state.accounts is None:
        return Outcome(False, "No trial balance of the year is loaded")
    with_balance = [a for a in state.accounts if a.unadjusted != 0 or a.final != 0]
    missing = [_account(a) for a in with_balance if not a.confirmed]
    if missing:
        return _failed(f"{len(missing)} of {len(with_balance)} accounts with a balance are not confirmed", missing)
    return Outcome(True, f"All {len(with_balance)} accounts with a balance have a confirmed mapping")


def aggregate_misstatement(state: EngagementState) -> Decimal:
    """The unadjusted differences in aggregate: half the sum of the accounts' absolute nets, which is each
    balanced entry's amount once, with opposite entries on one account netted."""
    return sum((abs(item.amount) for item in state.unadjusted), Decimal(0)) / 2


def unadjusted_differences(state: EngagementState) -> Outcome:
    """The proposed and passed adjustments together stay below overall materiality."""
    if state.materiality is None:
        return Outcome(False, "Materiality is not set, so unadjusted differences cannot be measured against it")
    total = aggregate_misstatement(state)
    overall = state.materiality.overall
    if total >= overall:
        largest = sorted(state.unadjusted, key=lambda item: (-abs(item.amount), item.number))
        return _failed(
            f"Unadjusted differences of {money(total)} reach overall materiality ({money(overall)})",
            [f"{item.number} {item.name} {money(item.amount)}".strip() for item in largest if item.amount],
        )
    return Outcome(True, f"Unadjusted differences of {money(total)} are below overall materiality ({money(overall)})")


def _completion(paper: Workpaper) -> bool:
    return paper.section_code == COMPLETION_SECTION or (paper.section_title or "").lower() == COMPLETION_TITLE


def partner_signoff(state: EngagementState) -> Outcome:
    """A partner on the engagement's team holds an active approve sign-off on every workpaper of the
    Completion section (L), and there is at least one."""
    if not state.partners:
        return Outcome(False, "No partner is on the engagement's team", ("an engagement partner on the team",))
    completion = [paper for paper in state.workpapers if _completion(paper)]
    if not completion:
        return Outcome(
            False,
            "The Completion section (L) has no workpaper for the engagement partner to approve",
            ("a completion workpaper in section L",),
        )
    missing = [
        f"{paper.path} (not approved by a partner)" for paper in completion if not paper.approved_by & state.partners
    ]
    if missing:
        return _failed("The engagement partner has not approved the completion", missing)
    return Outcome(True, f"A partner on the team approved all {len(completion)} completion workpapers")


def subsequent_events(state: EngagementState) -> Outcome:
    """The subsequent events register is reviewed (a review-through date recorded, or events entered) with
    no event left unresolved; without the register, a signed subsequent-events workpaper (non-blocking)."""
    register = state.subsequent_events
    if register.open_events:
        return _failed(
            f"{len(register.open_events)} of {register.events} subsequent events are not resolved",
            list(register.open_events),
        )
    counted = f"{register.events} event{'' if register.events == 1 else 's'} in the register, all resolved"
    if register.reviewed_through is not None:
        return Outcome(True, f"Subsequent events reviewed through {register.reviewed_through.isoformat()}; {counted}")
    if register.events:
        return Outcome(True, f"Subsequent events: {counted}")
    papers = [paper for paper in state.workpapers if SUBSEQUENT_EVENTS.search(paper.title)]
    if not papers:
        return Outcome(
            False,
            "No subsequent events review is recorded in the register, nor is there a subsequent-events workpaper "
            "in the binder",
            ("a review-through date in the subsequent events register, or a workpaper titled 'Subsequent events'",),
        )
    signed = [paper for paper in papers if paper.prepared and paper.reviewed]
    if not signed:
        return _failed(
            "The subsequent-events review is not signed", [f"{p.path} (not prepared and reviewed)" for p in papers]
        )
    return Outcome(True, f"Subsequent events reviewed in {signed[0].path}")


POLICIES: tuple[Policy, ...] = (
    Policy("documentation", "Workpapers prepared and reviewed", True, documentation),
    Policy(
        "evidence_above_performance_materiality",
        "Evidence for accounts above performance materiality",
        True,
        evidence_above_performance_materiality,
    ),
    Policy("risk_assessment", "Risks answered by the audit program, fraud risk assessed", True, risk_assessment),
    Policy("je_testing", "Journal entries tested and exceptions dispositioned", True, je_testing),
    Policy("review_notes", "Review notes cleared", True, review_notes),
    Policy("materiality", "Materiality determined", True, materiality),
    Policy("mapping_confirmed", "Trial balance mapping confirmed", True, mapping_confirmed),
    Policy("unadjusted_differences", "Unadjusted differences below materiality", True, unadjusted_differences),
    Policy("partner_signoff", "Engagement partner sign-off", True, partner_signoff),
    Policy("subsequent_events", "Subsequent events reviewed", False, subsequent_events),
)
BY_CODE = {policy.code: policy for policy in POLICIES}


def evaluate(state: EngagementState, waivers: Mapping[str, Mapping[str, str]] | None = None) -> list[Result]:
    """Every policy's result, in order; a failed policy with an open waiver (code -> waiver) is waived."""
    waivers = waivers or {}
    results = []
    for policy in POLICIES:
        outcome = policy.check(state)
        waiver = waivers.get(policy.code)
        status = "passed" if outcome.passed else "waived" if waiver is not None else "failed"
        results.append(
            Result(
                policy.code,
                policy.title,
                policy.blocking,
                status,
                outcome.detail,
                outcome.missing,
                waiver if status == "waived" else None,
            )
        )
    return results


def gate_passed(results: Iterable[Result]) -> bool:
    """The QC gate: no blocking policy failed (each passed or is waived)."""
    return not any(result.blocks for result in results)


def failed_codes(results: Iterable[Result]) -> list[str]:
    return [result.code for result in results if result.blocks]
