"""Adjusting entries: what is refused, naming why, and the summary of unadjusted differences."""

from __future__ import annotations

from decimal import Decimal

import pytest

from functions.mapping.adjustments import Entry, summarise
from shared.adjusting_entries import EntryLine, check
from shared.errors import ValidationFailed

pytestmark = pytest.mark.unit

D = Decimal
KNOWN = {"1100", "4000", "6170", "1580"}


def test_a_balanced_entry_on_known_accounts_passes_with_its_total() -> None:
    assert check([EntryLine("6170", D("300"), D("0")), EntryLine("1580", D("0"), D("300"))], KNOWN) == D("300")


def test_an_unbalanced_entry_is_refused_with_the_difference() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check([EntryLine("6170", D("300.00"), D("0")), EntryLine("1580", D("0"), D("250.00"))], KNOWN)
    assert refused.value.code == "adjustment_unbalanced"
    assert refused.value.extra["difference"] == "50.00"
    assert "differ by 50.00" in refused.value.detail


@pytest.mark.parametrize(
    ("lines", "where", "says"),
    [
        ([EntryLine("6170", D("1"), D("0"))], ["body", "lines"], "at least two lines"),
        (
            [EntryLine("6170", D("1"), D("1")), EntryLine("1580", D("0"), D("0"))],
            ["body", "lines", "0", "debit"],
            "either a debit or a credit",
        ),
        (
            [EntryLine("6170", D("-1"), D("0")), EntryLine("1580", D("0"), D("1"))],
            ["body", "lines", "0", "debit"],
            "negative",
        ),
        (
            [EntryLine("6170", D("5"), D("0")), EntryLine("9999", D("0"), D("5"))],
            ["body", "lines", "1", "account_number"],
            "'9999' is not in the engagement's trial balance",
        ),
    ],
)
def test_each_refusal_names_the_line_and_field(lines: list[EntryLine], where: list[str], says: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check(lines, KNOWN)
    error = refused.value.extra["errors"][0]
    assert error["loc"] == where
    assert says in error["msg"]


SECTIONS = {"1100": "current_assets", "4000": "revenue", "6170": "operating_expenses", "1580": "non_current_assets"}


def entry(number: int, kind: str, amount: str, debit: str = "1100", credit: str = "4000") -> Entry:
    return Entry(
        number, kind, f"entry {number}", [EntryLine(debit, D(amount), D(0)), EntryLine(credit, D(0), D(amount))]
    )


def test_the_summary_takes_proposed_and_passed_entries_and_their_effect_on_profit() -> None:
    entries = [
        entry(1, "proposed", "400"),  # unrecorded revenue: profit +400
        entry(2, "passed", "150", debit="6170", credit="1580"),  # unrecorded depreciation: profit -150
        entry(3, "recorded", "9999"),  # recorded: in the final trial balance, not a difference
    ]
    summary = summarise(entries, SECTIONS, (D("1000"), D("650"), D("50")))
    assert [(d.number, d.profit_effect, d.clearly_trivial) for d in summary.differences] == [
        (1, D("400"), False),
        (2, D("-150"), False),
    ]
    assert summary.profit_effect == D("250")
    assert summary.conclusion == "below_performance"


@pytest.mark.parametrize(
    ("amounts", "conclusion"),
    [([], "none"), (["10", "20"], "clearly_trivial"), (["700"], "below_overall"), (["600", "500"], "material")],
)
def test_the_conclusion_compares_with_materiality_and_clearly_trivial(amounts: list[str], conclusion: str) -> None:
    entries = [entry(i + 1, "proposed", a) for i, a in enumerate(amounts)]
    assert summarise(entries, SECTIONS, (D("1000"), D("650"), D("50"))).conclusion == conclusion


def test_without_materiality_the_summary_says_so_and_an_unmapped_account_is_named() -> None:
    summary = summarise([entry(1, "proposed", "10", debit="7777")], SECTIONS, None)
    assert summary.conclusion == "no_materiality"
    assert summary.differences[0].clearly_trivial is None
    assert summary.unmapped_accounts == ["7777"]
