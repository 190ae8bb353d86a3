"""The synthetic ledger is only useful as a fixture if its recorded facts are exactly what the file holds.

The checks here recompute each journal-entry test of docs/audit-rules.md section 4 independently from the CSV and
require the flagged journals to be exactly the planted ones, so analytics tests can assert against
`LedgerFacts` without tolerances.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter, defaultdict
from contextlib import redirect_stdout
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tools.synthetic_ledger import (
    ADS_HEADER,
    COA_HEADER,
    GL_HEADER,
    PLANTED_KINDS,
    RARE_USER,
    SHAPES,
    TB_HEADER,
    LedgerFacts,
    LedgerSpec,
    main,
    write_chart_of_accounts,
    write_general_ledger,
    write_trial_balance,
)

pytestmark = pytest.mark.unit

SPEC = LedgerSpec(lines=20_000, seed=7)
ZERO = Decimal("0.00")


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _signed(row: dict[str, str]) -> Decimal:
    return Decimal(row["Debit"]) - Decimal(row["Credit"])


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[LedgerFacts, list[dict[str, str]], Path]:
    folder = tmp_path_factory.mktemp("ledger")
    facts = write_general_ledger(folder / "gl.csv", SPEC)
    return facts, _read(folder / "gl.csv"), folder


@pytest.fixture(scope="module")
def journals(ledger: tuple[LedgerFacts, list[dict[str, str]], Path]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in ledger[1]:
        grouped[row["Journal ID"]].append(row)
    return grouped


def _flagged(journals: dict[str, list[dict[str, str]]], test) -> set[str]:
    return {journal_id for journal_id, rows in journals.items() if any(test(row) for row in rows)}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    spec = LedgerSpec(lines=3_000, seed=11)
    first = write_general_ledger(tmp_path / "a.csv", spec)
    second = write_general_ledger(tmp_path / "b.csv", spec)
    other = write_general_ledger(tmp_path / "c.csv", LedgerSpec(lines=3_000, seed=12))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert first == second
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    assert other.planted != first.planted
    write_trial_balance(tmp_path / "tb1.csv", spec, first)
    write_trial_balance(tmp_path / "tb2.csv", spec, second)
    assert (tmp_path / "tb1.csv").read_bytes() == (tmp_path / "tb2.csv").read_bytes()


def test_file_shape(ledger, journals) -> None:
    facts, rows, folder = ledger
    with open(folder / "gl.csv", encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n") == ",".join(GL_HEADER)
    assert len(rows) == facts.lines == SPEC.lines
    assert len(journals) == facts.journals
    amount = re.compile(r"^\d+\.\d\d$")
    for row in rows:
        assert re.fullmatch(r"JE\d{6}", row["Journal ID"])
        assert amount.match(row["Debit"]) and amount.match(row["Credit"])
        assert (Decimal(row["Debit"]) == ZERO) != (Decimal(row["Credit"]) == ZERO)
        effective = date.fromisoformat(row["Effective Date"])
        assert SPEC.fiscal_start <= effective <= SPEC.fiscal_end
        assert effective.weekday() < 5
        assert date.fromisoformat(row["Entered Date"]) >= effective
        assert re.fullmatch(r"\d\d:\d\d:\d\d", row["Entered Time"])
        assert row["Period"] == str(effective.month) and row["Fiscal Year"] == "2025"
        assert row["Source"] in {"GJ", "AR", "AP", "PR", "CR", "CD"}
        assert re.fullmatch(r"user\d\d", row["Entered By"]) or row["Entered By"] == RARE_USER
        assert re.fullmatch(r"user\d\d", row["Approved By"])
    ids = list(journals)
    assert ids == sorted(ids) and ids[0] == facts.first_journal and ids[-1] == facts.last_journal
    sizes = Counter(len(lines) for lines in journals.values())
    assert set(sizes) <= set(range(2, 9))
    assert sizes[2] + sizes[3] + sizes[4] > 0.8 * len(journals)
    for lines in journals.values():
        assert [int(r["Line"]) for r in lines] == list(range(1, len(lines) + 1))
        assert len({(r["Effective Date"], r["Entered By"], r["Description"]) for r in lines}) == 1


def test_facts_match_the_file(ledger) -> None:
    facts, rows, _ = ledger
    assert Decimal(facts.total_debit) == sum((Decimal(r["Debit"]) for r in rows), ZERO)
    assert Decimal(facts.total_credit) == sum((Decimal(r["Credit"]) for r in rows), ZERO)
    activity: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        activity[row["Account"]] += _signed(row)
    assert dict(activity) == {a: Decimal(v) for a, v in facts.per_account_activity.items() if a in activity}
    assert all(Decimal(v) == ZERO for a, v in facts.per_account_activity.items() if a not in activity)
    assert facts.account_lines == dict(Counter(r["Account"] for r in rows))
    assert facts.user_lines == dict(Counter(r["Entered By"] for r in rows))
    assert facts.users == sorted(facts.user_lines) and facts.accounts == sorted(facts.account_lines)
    json.dumps(asdict(facts))
    assert set(facts.planted) == set(PLANTED_KINDS)


def test_journals_balance_except_the_planted_pairs(ledger, journals) -> None:
    facts, _, _ = ledger
    sums = {journal_id: sum((_signed(r) for r in rows), ZERO) for journal_id, rows in journals.items()}
    unbalanced = {journal_id for journal_id, total in sums.items() if total != ZERO}
    assert unbalanced == set(facts.planted["unbalanced"])
    assert len(unbalanced) == 4
    assert sum(sums[j] for j in unbalanced) == ZERO
    assert sorted(abs(sums[j]) for j in unbalanced) == [Decimal("0.01")] * 2 + [Decimal("90.00")] * 2
    assert facts.total_debit == facts.total_credit


def test_sequence_gaps_are_the_missing_ids(ledger, journals) -> None:
    facts, _, _ = ledger
    numbers = sorted(int(j[2:]) for j in journals)
    missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
    assert [f"JE{n:06d}" for n in missing] == facts.planted["sequence_gap"]
    assert len(facts.sequence_gaps) == 3
    runs = [(a, b) for a, b in zip(numbers, numbers[1:], strict=False) if b - a > 1]
    assert [[f"JE{a + 1:06d}", f"JE{b - 1:06d}"] for a, b in runs] == facts.sequence_gaps


def _hour(row: dict[str, str]) -> int:
    return int(row["Entered Time"][:2])


def _days_late(row: dict[str, str]) -> int:
    return (date.fromisoformat(row["Entered Date"]) - date.fromisoformat(row["Effective Date"])).days


LINE_TESTS = {
    "round_amount": lambda r: abs(_signed(r)) % 1000 == 0,
    "weekend_entry": lambda r: date.fromisoformat(r["Entered Date"]).weekday() >= 5,
    "after_hours": lambda r: _hour(r) >= 20 or _hour(r) <= 5,
    "post_closing": lambda r: date.fromisoformat(r["Entered Date"]) > SPEC.fiscal_end,
    "backdated": lambda r: _days_late(r) > 30,
    "missing_description": lambda r: not r["Description"].strip(),
    "self_approved": lambda r: r["Approved By"] == r["Entered By"],
    "below_threshold": lambda r: Decimal("9900") <= abs(_signed(r)) < Decimal("10000"),
}


@pytest.mark.parametrize("kind", sorted(LINE_TESTS))
def test_line_level_flags_are_exactly_the_planted_journals(kind, ledger, journals) -> None:
    facts, _, _ = ledger
    planted = facts.planted[kind]
    assert planted
    assert _flagged(journals, LINE_TESTS[kind]) == set(planted)
    assert sum(len(journals[j]) for j in planted) == facts.planted_lines[kind]


def test_planted_details(ledger, journals) -> None:
    facts, _, _ = ledger
    for journal_id in facts.planted["weekend_entry"]:
        assert date.fromisoformat(journals[journal_id][0]["Entered Date"]).weekday() in {5, 6}
    for journal_id in facts.planted["post_closing"]:
        row = journals[journal_id][0]
        assert date.fromisoformat(row["Effective Date"]) <= SPEC.fiscal_end < date.fromisoformat(row["Entered Date"])
        assert _days_late(row) <= 30  # post-closing but not also backdated
    for journal_id in facts.planted["after_hours"]:
        assert _hour(journals[journal_id][0]) in {22, 23, 0, 1, 2, 3, 4, 5}
    round_amounts = {abs(_signed(r)) for j in facts.planted["round_amount"] for r in journals[j]}
    assert all(amount % 1000 == 0 for amount in round_amounts)
    assert any(amount % 10000 == 0 for amount in round_amounts)
    assert Decimal(facts.approval_threshold) == Decimal("10000.00")


def test_rare_user_and_rare_account(ledger, journals) -> None:
    facts, rows, _ = ledger
    by_user = Counter(r["Entered By"].strip().lower() for r in rows)
    rare_users = {user for user, count in by_user.items() if count <= 10}
    assert rare_users == {RARE_USER}
    assert _flagged(journals, lambda r: r["Entered By"] == RARE_USER) == set(facts.planted["rare_user"])
    assert 1 <= len(facts.planted["rare_user"]) <= 3
    by_account = Counter(r["Account"] for r in rows)
    rare_accounts = {account for account, count in by_account.items() if count <= 3}
    assert rare_accounts == {"1990"} and by_account["1990"] == 2
    assert _flagged(journals, lambda r: r["Account"] in rare_accounts) == set(facts.planted["rare_account"])


def test_duplicate_lines_are_only_the_planted_copies(ledger, journals) -> None:
    facts, rows, _ = ledger
    keys = Counter((r["Account"], r["Period"], _signed(r)) for r in rows)
    flagged = _flagged(journals, lambda r: keys[(r["Account"], r["Period"], _signed(r))] >= 2)
    assert flagged == set(facts.planted["duplicate_lines"])
    assert len(flagged) == 6
    signatures = Counter(
        tuple((r["Account"], r["Debit"], r["Credit"], r["Effective Date"]) for r in journals[j]) for j in flagged
    )
    assert sorted(signatures.values()) == [2, 2, 2]


def test_amounts_roughly_follow_benford(ledger) -> None:
    _, rows, _ = ledger
    digits = Counter(str(abs(_signed(r))).lstrip("0.")[0] for r in rows)
    total = sum(digits.values())
    mad = sum(abs(digits[str(d)] / total - math.log10(1 + 1 / d)) for d in range(1, 10)) / 9
    assert mad < 0.006  # Nigrini: acceptable conformity for first digits


def test_entry_habits(ledger) -> None:
    facts, rows, _ = ledger
    planted = {j for ids in facts.planted.values() for j in ids}
    ordinary = [r for r in rows if r["Journal ID"] not in planted]
    assert sum(8 <= _hour(r) < 18 for r in ordinary) > 0.85 * len(ordinary)
    assert sum(r["Entered Date"] == r["Effective Date"] for r in ordinary) > 0.4 * len(ordinary)
    users = Counter(r["Entered By"] for r in ordinary)
    assert len(users) == SPEC.users and users["user01"] > 5 * users["user25"]
    assert all(r["Approved By"] != r["Entered By"] for r in ordinary)


def test_trial_balance_rolls_forward_and_balances(ledger, tmp_path: Path) -> None:
    facts, _, _ = ledger
    write_trial_balance(tmp_path / "tb.csv", SPEC, facts)
    write_chart_of_accounts(tmp_path / "coa.csv", SPEC)
    with open(tmp_path / "tb.csv", encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n") == ",".join(TB_HEADER)
    tb = {r["Account Number"]: r for r in _read(tmp_path / "tb.csv")}
    chart = {r["Account Number"]: r for r in _read(tmp_path / "coa.csv")}
    assert set(tb) == set(chart) == set(facts.per_account_activity)
    opening = {a: Decimal(r["Opening Balance"]) for a, r in tb.items()}
    closing = {a: Decimal(r["Closing Balance"]) for a, r in tb.items()}
    assert sum(opening.values()) == ZERO
    assert abs(sum(closing.values())) <= Decimal("0.01")
    for account, row in chart.items():
        assert closing[account] == opening[account] + Decimal(facts.per_account_activity[account])
        if row["Account Type"] in {"revenue", "expense"}:
            assert opening[account] == ZERO
        elif opening[account] != ZERO:
            sign = 1 if row["Normal Balance"] == "debit" else -1
            assert sign * opening[account] > 0 and sign * closing[account] > 0, account


def test_chart_of_accounts(tmp_path: Path) -> None:
    write_chart_of_accounts(tmp_path / "coa.csv", SPEC)
    with open(tmp_path / "coa.csv", encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n") == ",".join(COA_HEADER)
    rows = _read(tmp_path / "coa.csv")
    assert len(rows) == 120 and len({r["Account Number"] for r in rows}) == 120
    ranges = {"asset": (1000, 1999), "liability": (2000, 2999), "equity": (3000, 3999), "revenue": (4000, 4999)}
    for row in rows:
        low, high = ranges.get(row["Account Type"], (5000, 8999))
        assert low <= int(row["Account Number"]) <= high
        assert row["Normal Balance"] in {"debit", "credit"} and row["Account Name"]
    smaller = LedgerSpec(lines=2_000, accounts=60)
    write_chart_of_accounts(tmp_path / "small.csv", smaller)
    assert len(_read(tmp_path / "small.csv")) == 60
    facts = write_general_ledger(tmp_path / "small_gl.csv", smaller)
    assert set(facts.accounts) <= {r["Account Number"] for r in _read(tmp_path / "small.csv")}


def test_without_anomalies_nothing_is_flagged(tmp_path: Path) -> None:
    spec = LedgerSpec(lines=5_000, seed=3, anomalies=False)
    facts = write_general_ledger(tmp_path / "gl.csv", spec)
    rows = _read(tmp_path / "gl.csv")
    assert len(rows) == 5_000 and all(not ids for ids in facts.planted.values())
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["Journal ID"]].append(row)
    assert all(sum((_signed(r) for r in lines), ZERO) == ZERO for lines in grouped.values())
    for kind, test in LINE_TESTS.items():
        assert not _flagged(grouped, test), kind
    assert len(grouped) == int(facts.last_journal[2:])


def test_custom_header_and_validation(tmp_path: Path) -> None:
    header = [name.upper().replace(" ", "_") for name in GL_HEADER]
    write_general_ledger(tmp_path / "gl.csv", LedgerSpec(lines=1_000), header=header)
    assert (tmp_path / "gl.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(header)
    with pytest.raises(ValueError, match="header"):
        write_general_ledger(tmp_path / "x.csv", LedgerSpec(lines=1_000), header=["a", "b"])
    with pytest.raises(ValueError, match="lines"):
        LedgerSpec(lines=10)
    with pytest.raises(ValueError, match="fiscal"):
        LedgerSpec(fiscal_end=date(2025, 1, 1) + timedelta(days=400))


def test_cli_writes_three_files_and_prints_facts(tmp_path: Path) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--lines", "1500", "--seed", "5", "--out", str(tmp_path / "out")]) == 0
    printed = json.loads(out.getvalue())
    assert printed["lines"] == 1500 and printed["seed"] == 5
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "chart_of_accounts.csv",
        "general_ledger.csv",
        "trial_balance.csv",
    ]
    expected = write_general_ledger(tmp_path / "again.csv", LedgerSpec(lines=1500, seed=5))
    assert printed == asdict(expected)


# --- shapes -------------------------------------------------------------------------------------------


def _as_default_columns(row: dict[str, str]) -> dict[str, str]:
    """An ADS GL_Detail row in the default layout's names (debit and credit from the S/H indicator)."""
    debit = row["Amount_Credit_Debit_Indicator"] == "S"
    return {
        "Journal ID": row["Journal_ID"],
        "Line": row["Journal_ID_Line_Number"],
        "Account": row["GL_Account_Number"],
        "Description": row["JE_Header_Description"] or row["JE_Line_Description"],
        "Debit": row["Amount"] if debit else "0.00",
        "Credit": "0.00" if debit else row["Amount"],
        "Effective Date": row["Effective_Date"],
        "Entered Date": row["Entered_Date"],
        "Entered Time": row["Entered_Time"],
        "Entered By": row["Entered_By"],
        "Approved By": row["Approved_By"],
        "Source": row["Source"],
        "Period": row["Period"],
        "Fiscal Year": row["Fiscal_Year"],
    }


@pytest.fixture(scope="module", params=sorted(set(SHAPES) - {"default"}))
def shaped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    shape = request.param
    path = tmp_path_factory.mktemp(shape) / "gl.csv"
    facts = write_general_ledger(path, LedgerSpec(lines=10_000, seed=7, shape=shape))
    with open(path, encoding="utf-8") as handle:
        header = tuple(next(csv.reader(handle)))
    raw = _read(path)
    rows = [_as_default_columns(r) for r in raw] if SHAPES[shape].layout == "ads" else raw
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["Journal ID"]].append(row)
    return shape, facts, header, raw, rows, grouped


def test_each_shape_has_its_layout_sizes_chart_and_users(shaped) -> None:
    shape, facts, header, raw, rows, journals = shaped
    assert header == SHAPES[shape].header
    assert len(rows) == facts.lines == 10_000 and len(journals) == facts.journals
    per_journal = facts.lines / facts.journals
    users = {r["Entered By"] for r in rows}
    if shape == "ads":
        assert header == ADS_HEADER
        assert 2.5 <= per_journal <= 2.8
        assert all(re.fullmatch(r"\d{8}", j) for j in journals)
        assert all(r["Amount_Credit_Debit_Indicator"] in {"S", "H"} and Decimal(r["Amount"]) > 0 for r in raw)
        assert all(not r["JE_Line_Description"] for r in raw)
        described = sum(1 for lines in journals.values() if lines[0]["Description"]) / len(journals)
        assert 0.3 < described < 0.46  # descriptions mostly empty
        assert len(users - {RARE_USER}) == 60
        assert len(facts.sequence_gaps) > 3  # voided numbers besides the three planted gaps
    elif shape == "large-journals":
        ordinary = [len(lines) for lines in journals.values() if len(lines) > 3]
        assert 45 <= sum(ordinary) / len(ordinary) <= 55 and max(ordinary) <= 80
        assert len(facts.accounts) > 1_000  # of 5,000: most are rare in 10,000 lines
    else:
        assert shape == "wide-text"
        assert {len(r["Description"]) for r in rows if r["Description"]} == {200}
        assert len(users) > 1_000  # of 20,000
    assert Decimal(facts.total_debit) == sum((Decimal(r["Debit"]) for r in rows), ZERO)
    assert facts.user_lines == dict(Counter(r["Entered By"] for r in rows))
    assert facts.account_lines == dict(Counter(r["Account"] for r in rows))


def test_each_shape_plants_the_same_anomalies(shaped) -> None:
    shape, facts, _, _, _, journals = shaped
    for kind, test in LINE_TESTS.items():
        flagged = _flagged(journals, test)
        if kind == "missing_description":
            assert set(facts.planted[kind]) <= flagged
            lines = sum(len(journals[j]) for j in flagged)
            assert lines == facts.planted_lines[kind] + facts.natural_lines.get(kind, 0), shape
        else:
            assert flagged == set(facts.planted[kind]), (shape, kind)
            assert sum(len(journals[j]) for j in flagged) == facts.planted_lines[kind]
    sums = {j: sum((_signed(r) for r in lines), ZERO) for j, lines in journals.items()}
    assert {j for j, total in sums.items() if total != ZERO} == set(facts.planted["unbalanced"])
    prefix = "" if shape == "ads" else "JE"
    numbers = sorted(int(j[len(prefix) :]) for j in journals)
    runs = [(a, b) for a, b in zip(numbers, numbers[1:], strict=False) if b - a > 1]
    width = len(facts.first_journal) - len(prefix)
    assert [[f"{prefix}{a + 1:0{width}d}", f"{prefix}{b - 1:0{width}d}"] for a, b in runs] == facts.sequence_gaps
    assert set(facts.planted["sequence_gap"]) <= {f"{prefix}{n:0{width}d}" for a, b in runs for n in range(a + 1, b)}


def test_an_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape must be one of default, ads, large-journals, wide-text"):
        LedgerSpec(shape="wide")
