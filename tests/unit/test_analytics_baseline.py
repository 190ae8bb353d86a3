"""The pandas baseline of the analytics benchmark counts what docs/audit-rules.md sections 4 and 5 say, on files
small enough to count by hand, and on a synthetic ledger whose planted anomalies are known."""

from __future__ import annotations

import csv
import math
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.errors import ValidationFailed
from tools.analytics_baseline import benford_baseline, run_baseline, timings
from tools.synthetic_ledger import GL_HEADER, LedgerSpec, write_general_ledger

pytestmark = pytest.mark.unit

YEAR_END = date(2025, 12, 31)
# One ordinary line per column of GL_HEADER; each row below changes only what it is about.
ORDINARY = {
    "Journal ID": "JE001",
    "Line": "1",
    "Account": "1000",
    "Description": "Invoice INV-001 - Contoso",
    "Debit": "0.00",
    "Credit": "0.00",
    "Effective Date": "2025-03-03",  # a Monday
    "Entered Date": "2025-03-03",
    "Entered Time": "10:15:00",
    "Entered By": "user01",
    "Approved By": "user02",
    "Source": "GJ",
    "Period": "3",
    "Fiscal Year": "2025",
}


def line(journal: str, account: str, amount: str, **changes: str) -> dict[str, str]:
    """A line of `journal`: a positive amount is a debit, a negative one a credit."""
    value = Decimal(amount)
    debit, credit = (amount, "0.00") if value >= 0 else ("0.00", str(-value))
    return ORDINARY | {"Journal ID": journal, "Account": account, "Debit": debit, "Credit": credit} | changes


def write(path: Path, rows: list[dict[str, str]], header: tuple[str, ...] = GL_HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_journal_level_tests_flag_every_line_of_the_journals_they_find(tmp_path: Path) -> None:
    rows = [
        line("JE001", "1000", "150.25"),
        line("JE001", "4000", "-150.25"),
        # out of balance by one cent: both lines flagged
        line("JE002", "1000", "100.00"),
        line("JE002", "4000", "-99.99"),
        # JE003 and JE004 are missing: JE002 and JE005 border the gap
        line("JE005", "1000", "10.10"),
        line("JE005", "2000", "-5.05"),
        line("JE005", "2100", "-5.05"),
        line("JE006", "1000", "20.20"),
        line("JE006", "2000", "-20.20"),
        # another numbering: AP-9 follows AP-7 in its own sequence, so it is a gap there too
        line("AP-7", "2000", "30.30"),
        line("AP-7", "1000", "-30.30"),
        line("AP-9", "2000", "30.30"),
        line("AP-9", "1000", "-30.30"),
    ]
    results = run_baseline(write(tmp_path / "gl.csv", rows), fiscal_end=YEAR_END)
    assert results["unbalanced"] == (2, 1)
    assert results["sequence_gap"] == (2 + 3 + 2 + 2, 4)
    # the same (account, period, amount) on AP-7 and AP-9, both sides
    assert results["duplicate_lines"] == (4, 2)


def test_line_rules_at_their_boundaries(tmp_path: Path) -> None:
    rows = [
        line("JE001", "7000", "3000.00"),  # round: a multiple of 1,000
        line("JE001", "2100", "-3000.00"),  # round on the credit side too
        line("JE002", "7000", "3000.01", **{"Entered Time": "20:00:00"}),  # after hours from 20:00
        line("JE002", "2100", "-3000.01", **{"Entered Time": "05:59:59"}),  # and up to 05:59
        line("JE003", "7000", "999.99", **{"Entered Time": "19:59:59"}),
        line("JE003", "2100", "-999.99", **{"Entered Time": "06:00:00"}),
        line("JE004", "7000", "41.00", **{"Entered Date": "2025-03-08"}),  # a Saturday
        line("JE004", "2100", "-41.00", **{"Entered Date": "2025-03-09"}),  # a Sunday
        line("JE005", "7000", "42.00", **{"Entered Date": "1900-01-01"}),  # placeholder: not looked at
        line("JE005", "2100", "-42.00", **{"Entered Date": ""}),
        # entered 31 days after the effective date is backdated, 30 is not
        line("JE006", "7000", "43.00", **{"Effective Date": "2025-04-01", "Entered Date": "2025-05-02"}),
        line("JE006", "2100", "-43.00", **{"Effective Date": "2025-04-01", "Entered Date": "2025-05-01"}),
        # three days before the year end up to the year end is period end; after it, entered later: post closing
        line("JE007", "7000", "44.00", **{"Effective Date": "2025-12-28", "Entered Date": "2025-12-29"}),
        line("JE007", "2100", "-44.00", **{"Effective Date": "2025-12-27", "Entered Date": "2025-12-29"}),
        line("JE008", "7000", "45.00", **{"Effective Date": "2025-12-31", "Entered Date": "2026-01-05"}),
        line("JE008", "2100", "-45.00", **{"Effective Date": "2025-12-30", "Entered Date": "2025-12-31"}),
        # a placeholder effective date is skipped by backdated, but is "on or before" the year end for post closing
        line("JE009", "7000", "46.00", **{"Effective Date": "1900-01-01", "Entered Date": "2026-01-02"}),
        line("JE009", "2100", "-46.00", **{"Effective Date": "1900-01-01", "Entered Date": "2026-01-02"}),
    ]
    results = run_baseline(write(tmp_path / "gl.csv", rows), fiscal_end=YEAR_END)
    assert results["round_amount"] == (2, 1)
    assert results["after_hours"] == (2, 1)
    assert results["weekend_entry"] == (2, 1)
    assert results["backdated"] == (1, 1)
    assert results["period_end"] == (3, 2)  # 12-28 on JE007, 12-31 and 12-30 on JE008
    assert results["post_closing"] == (3, 2)
    assert "post_dated" not in results  # the file has no document date


def test_users_compare_trimmed_and_case_insensitively(tmp_path: Path) -> None:
    # user01 has 11 lines however it is written: not rare
    ordinary = [line(f"JE{i:03d}", "1000", f"{10 + i}.01", **{"Entered By": "user01"}) for i in range(1, 11)]
    ordinary.append(line("JE011", "1000", "21.01", **{"Entered By": " USER01"}))
    rows = [
        *ordinary,
        # " Rare " and "rare" are one user with two lines: rare; blank users are not a user
        line("JE100", "1000", "7.01", **{"Entered By": " Rare ", "Approved By": "RARE"}),
        line("JE101", "1000", "7.02", **{"Entered By": "rare", "Approved By": "user02"}),
        line("JE102", "1000", "7.03", **{"Entered By": "  ", "Approved By": "  "}),
        line("JE103", "1000", "7.04", **{"Entered By": "", "Approved By": ""}),
    ]
    results = run_baseline(write(tmp_path / "gl.csv", rows), fiscal_end=YEAR_END)
    assert results["rare_user"] == (2, 2)
    assert results["self_approved"] == (1, 1)
    # account 1000 carries every line; a rare account needs at most 3
    assert results["rare_account"] == (0, 0)


def test_descriptions_keywords_and_missing(tmp_path: Path) -> None:
    header = (*GL_HEADER, "Header Description")
    rows = [
        line("JE001", "1000", "10.01", Description="Manual  ADJUSTMENT of accrual"),  # whole words, any case
        line("JE001", "2000", "-10.01", Description="Readjusted by the system"),  # not a whole word
        line("JE002", "1000", "10.02", Description="Write\toff of stock"),  # a blank run inside a keyword
        line("JE002", "2000", "-10.02", Description="write-off of stock"),  # a hyphen is not a blank
        line("JE003", "1000", "10.03", Description="", **{"Header Description": "Per CEO"}),  # header counts
        line("JE003", "2000", "-10.03", Description="  ", **{"Header Description": " "}),  # both blank
        line("JE004", "1000", "10.04", Description="", **{"Header Description": ""}),  # both blank
        line("JE004", "2000", "-10.04", Description="Miscellaneous receipts"),  # "misc" is only a prefix here
    ]
    results = run_baseline(write(tmp_path / "gl.csv", rows, header), fiscal_end=YEAR_END)
    assert results["suspicious_keyword"] == (3, 3)
    assert results["missing_description"] == (2, 2)


def test_high_amount_uses_materiality_when_given_else_the_99th_percentile(tmp_path: Path) -> None:
    # 150 lines, |amount| 1.01 .. 75.01 twice each (a debit and a credit): percentile_disc(0.99) is the value at
    # row ceil(0.99 * 150) = 149 of the ascending order, 75.01; flagged: the two lines of 75.01.
    rows = []
    for i in range(1, 76):
        rows += [line(f"JE{i:03d}", "1000", f"{i}.01"), line(f"JE{i:03d}", "2000", f"-{i}.01")]
    path = write(tmp_path / "gl.csv", rows)
    assert run_baseline(path, fiscal_end=YEAR_END)["high_amount"] == (2, 1)
    assert run_baseline(path, fiscal_end=YEAR_END, performance_materiality=Decimal("70.01"))["high_amount"] == (12, 6)


def test_unusual_account_pairs_flag_only_the_pair_sides(tmp_path: Path) -> None:
    rows = []
    for i in range(1, 4):  # 1000/4000 in three journals: not rare
        rows += [line(f"JE{i:03d}", "1000", "50.01"), line(f"JE{i:03d}", "4000", "-50.01")]
    # 1000/1990 in two journals is rare. JE010 debits 1000 against 4000 (common) and 1990: its 1000 debit and
    # 1990 credit are flagged, not its 4000 credit; JE011 has only the rare pair.
    rows += [line("JE010", "1000", "80.02"), line("JE010", "4000", "-40.01"), line("JE010", "1990", "-40.01")]
    rows += [line("JE011", "1000", "60.03"), line("JE011", "1990", "-60.03")]
    results = run_baseline(write(tmp_path / "gl.csv", rows), fiscal_end=YEAR_END)
    assert results["unusual_account_pair"] == (4, 2)


def test_amount_outliers_are_more_than_three_deviations_from_their_account_mean(tmp_path: Path) -> None:
    amounts = [100 + i % 3 for i in range(38)] + [115, 130]  # 115 is 2.5 deviations from the mean, 130 is 5.5
    rows = [line(f"JE{i:03d}", "7000", f"{a}.00") for i, a in enumerate(amounts)]
    rows += [line(f"JE2{i:02d}", "8000", "100.00") for i in range(40)]  # no spread: not scored
    rows += [line(f"JE3{i:02d}", "9000", f"{i}.00") for i in range(28)]  # too few lines: not scored
    rows.append(line("JE399", "9000", "9000.00"))
    mean = sum(amounts) / len(amounts)
    deviation = math.sqrt(sum((a - mean) ** 2 for a in amounts) / (len(amounts) - 1))
    assert 2 < (115 - mean) / deviation < 3 < (130 - mean) / deviation  # the hand check behind the expected count
    results = run_baseline(write(tmp_path / "gl.csv", rows), fiscal_end=YEAR_END)
    assert results["amount_outlier"] == (1, 1)


def test_a_file_without_a_required_column_is_refused_by_name(tmp_path: Path) -> None:
    header = tuple(h for h in GL_HEADER if h != "Account")
    path = write(tmp_path / "gl.csv", [line("JE001", "1000", "1.00")], header)
    with pytest.raises(ValidationFailed) as refused:
        run_baseline(path, fiscal_end=YEAR_END)
    error = refused.value.extra["errors"][0]
    assert error["loc"] == ["file", "account_number"]
    assert "gl.csv" in error["msg"]


def test_benford_counts_digits_of_positive_amounts_of_ten_or_more(tmp_path: Path) -> None:
    rows = [
        line("JE001", "1000", "123.45"),
        line("JE001", "2000", "-123.45"),  # credits are not positive: left out
        line("JE002", "1000", "150.00"),
        line("JE003", "1000", "19.99"),
        line("JE004", "1000", "9.99"),  # under 10: left out
        line("JE005", "1000", "2000.07"),
    ]
    results = benford_baseline(write(tmp_path / "gl.csv", rows))
    assert set(results) == {"first_digit", "second_digit", "first_two", "last_two", "summation"}
    assert results["first_digit"]["n"] == 4
    assert results["first_digit"]["counts"] == [3, 1, 0, 0, 0, 0, 0, 0, 0]
    assert results["second_digit"]["counts"] == [1, 0, 1, 0, 0, 1, 0, 0, 0, 1]
    first_two: dict[str, Any] = dict(zip([str(d) for d in range(10, 100)], results["first_two"]["counts"], strict=True))
    assert {k: v for k, v in first_two.items() if v} == {"12": 1, "15": 1, "19": 1, "20": 1}
    last_two = results["last_two"]["counts"]
    assert (last_two[45], last_two[0], last_two[99], last_two[7], sum(last_two)) == (1, 1, 1, 1, 4)
    total = 123.45 + 150.00 + 19.99 + 2000.07
    assert results["summation"]["shares"][12 - 10] == pytest.approx(123.45 / total)
    assert results["summation"]["shares"][20 - 10] == pytest.approx(2000.07 / total)
    # MAD = mean |p - p0|; with only four amounts the first bin is far above log10(2)
    expected = [math.log10(1 + 1 / d) for d in range(1, 10)]
    observed = [c / 4 for c in results["first_digit"]["counts"]]
    assert results["first_digit"]["mad"] == pytest.approx(
        sum(abs(o - e) for o, e in zip(observed, expected, strict=True)) / 9
    )


def test_benford_flags_bins_whose_z_exceeds_1_96(tmp_path: Path) -> None:
    # 100 amounts 900.00 .. 999.00: every first digit is 9. The least flagged empty bin is 8:
    # Z = (log10(9/8) - 1/200) / sqrt(log10(9/8) (1 - log10(9/8)) / 100) = 2.10 > 1.96.
    # Second digits are 0..9 ten times each, close to the second-digit law: no bin is flagged.
    rows = [line(f"JE{i:03d}", "1000", f"{900 + i}.00") for i in range(100)]
    results = benford_baseline(write(tmp_path / "gl.csv", rows))
    assert results["first_digit"]["counts"] == [0] * 8 + [100]
    assert results["first_digit"]["flagged"] == [str(d) for d in range(1, 10)]
    assert results["second_digit"]["counts"] == [10] * 10
    assert results["second_digit"]["flagged"] == []
    assert results["last_two"]["counts"][0] == 100


def test_the_synthetic_ledger_flags_exactly_its_planted_anomalies(tmp_path: Path) -> None:
    spec = LedgerSpec(lines=20_000, seed=7)  # enough lines for every ordinary user and account to pass N
    facts = write_general_ledger(tmp_path / "gl.csv", spec)
    results = run_baseline(tmp_path / "gl.csv", fiscal_end=spec.fiscal_end)
    for kind in (
        "unbalanced",
        "duplicate_lines",
        "round_amount",
        "weekend_entry",
        "after_hours",
        "rare_user",
        "backdated",
        "post_closing",
        "missing_description",
        "self_approved",
    ):
        assert results[kind] == (facts.planted_lines[kind], len(facts.planted[kind])), kind
    assert results["rare_account"] == (2, 2)  # the suspense account's one line in each of its two journals
    assert results["sequence_gap"][1] == 2 * len(facts.sequence_gaps)
    assert "post_dated" not in results
    assert {"read_csv", "unbalanced", "suspicious_keyword"} <= set(timings)


def test_the_ads_layout_with_s_h_amounts_gives_the_same_truth(tmp_path: Path) -> None:
    spec = LedgerSpec(lines=6_000, seed=5, shape="ads")
    facts = write_general_ledger(tmp_path / "gl.csv", spec)
    results = run_baseline(tmp_path / "gl.csv", fiscal_end=spec.fiscal_end)
    for kind in ("unbalanced", "duplicate_lines", "round_amount", "weekend_entry", "after_hours", "self_approved"):
        assert results[kind] == (facts.planted_lines[kind], len(facts.planted[kind])), kind
    missing = facts.planted_lines["missing_description"] + facts.natural_lines["missing_description"]
    assert results["missing_description"][0] == missing > facts.lines // 2
    assert results["rare_user"][0] == sum(count for count in facts.user_lines.values() if count <= 10)
    # Signed from the S/H indicator: the first digits count every debit line once.
    first = benford_baseline(tmp_path / "gl.csv")["first_digit"]
    assert sum(first["counts"]) == sum(1 for _ in _ads_debits_of_ten_or_more(tmp_path / "gl.csv"))


def _ads_debits_of_ten_or_more(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            row["Amount"]
            for row in csv.DictReader(handle)
            if row["Amount_Credit_Debit_Indicator"] == "S" and Decimal(row["Amount"]) >= 10
        ]
