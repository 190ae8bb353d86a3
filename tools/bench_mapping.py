"""Account mapping: accuracy on charts from other systems, and speed at 5,000 accounts.

1. Accuracy. The evaluation set in tests/data/mapping/ is three charts written for this benchmark in
   the styles of other systems (a US GAAP-style chart with 3-5 digit codes, a UK Sage-style chart with
   nominal codes 0010-9999 and UK words, a 5-digit ERP chart), each account labelled with the section
   an auditor would put it in and given the sign of its usual balance. Each chart is suggested on its
   own with no firm history (no prior year, no rules, no classifier): the share of accounts whose
   suggestion lies in the labelled section, per chart and overall, and the confusion matrix
   (rows: labelled section, columns: suggested). Target: 95%. Then again without balances, as a
   chart of accounts without a trial balance gives them.
2. Speed, medians of --runs: suggestions for a 5,000-account chart (names drawn from the evaluation
   set with suffixes, so they are all different) and the balance sheet and income statement of a
   5,000-account trial balance (target: 5 s and 1 s).

Usage: python tools/bench_mapping.py [--runs 5]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from functions.mapping import statements  # noqa: E402
from functions.mapping.suggest import Account, suggest  # noqa: E402
from shared.mapped_tb import MappedLine  # noqa: E402
from shared.standard_chart import SECTIONS, chart  # noqa: E402

DATA = ROOT / "tests" / "data" / "mapping"
CHARTS = ("us_gaap_style.csv", "uk_sage_style.csv", "erp_5_digit.csv")
SHORT = {
    "current_assets": "CA",
    "non_current_assets": "NCA",
    "current_liabilities": "CL",
    "non_current_liabilities": "NCL",
    "equity": "EQ",
    "revenue": "REV",
    "cost_of_sales": "COS",
    "operating_expenses": "OPEX",
    "other_income_expense": "OTH",
    "income_tax": "TAX",
}


def load(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def accounts_of(rows: list[dict[str, str]], *, balances: bool = True) -> list[Account]:
    return [
        Account(r["number"], r["name"], Decimal(1000 if r["side"] == "D" else -1000) if balances else None)
        for r in rows
    ]


def without_balances() -> None:
    """The same charts as a chart of accounts gives them: names and numbers, no balance to read a sign from."""
    standard = chart()
    right = total = 0
    for name in CHARTS:
        rows = load(name)
        for row, suggestion in zip(rows, suggest(accounts_of(rows, balances=False), standard), strict=True):
            code = suggestion.standard_code
            right += code is not None and standard[code].section == row["section"]
            total += 1
    print(f"without balances (a chart of accounts, no sign): {right}/{total} = {100 * right / total:.1f}%\n")


def accuracy() -> float:
    standard = chart()
    confusion: Counter[tuple[str, str]] = Counter()
    right_total = count_total = 0
    for name in CHARTS:
        rows = load(name)
        suggestions = suggest(accounts_of(rows), standard)
        right = 0
        for row, suggestion in zip(rows, suggestions, strict=True):
            got = standard[suggestion.standard_code].section if suggestion.standard_code else "unmapped"
            confusion[(row["section"], got)] += 1
            if got == row["section"]:
                right += 1
            else:
                print(
                    f"  miss {name} {row['number']} {row['name']!r}: {row['section']} -> {got} "
                    f"({suggestion.standard_code} {suggestion.method} {suggestion.confidence})"
                )
        print(f"{name}: {right}/{len(rows)} = {100 * right / len(rows):.1f}% in the right section")
        right_total += right
        count_total += len(rows)
    overall = 100 * right_total / count_total
    print(f"overall: {right_total}/{count_total} = {overall:.1f}% (target 95%)\n")
    columns = [*SECTIONS, "unmapped"]
    print("confusion (rows: labelled, columns: suggested)")
    print("      " + "".join(f"{SHORT.get(c, 'NONE'):>6}" for c in columns))
    for labelled in SECTIONS:
        print(f"{SHORT[labelled]:>6}" + "".join(f"{confusion[(labelled, c)] or '.':>6}" for c in columns))
    return overall


def big_chart(size: int) -> list[Account]:
    pool = [row for name in CHARTS for row in load(name)]
    rng = random.Random(7)  # noqa: S311 - names for a benchmark, not secrets
    result = []
    for index in range(size):
        row = pool[index % len(pool)]
        number = f"{10000 + index * 7}"
        name = f"{row['name']} {rng.choice(['North', 'South', 'Plant', 'Store', 'HQ', 'Region'])} {index // len(pool)}"
        result.append(Account(number, name, Decimal(rng.randint(1, 10**7)) / 100 * (1 if row["side"] == "D" else -1)))
    return result


def median_seconds(runs: int, work: object) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def speed(runs: int) -> None:
    standard = chart()
    accounts = big_chart(5000)
    started = time.perf_counter()
    suggest(accounts, standard)
    cold = time.perf_counter() - started
    seconds = median_seconds(runs, lambda: suggest(accounts, standard))
    print(
        f"suggestions for 5,000 accounts: median {seconds:.2f} s over {runs} runs, first run in a process "
        f"(the chart's terms prepared, libraries imported) {cold:.2f} s (target < 5 s)"
    )
    mapped = suggest(accounts, standard)
    lines = [
        MappedLine(a.number, a.name, m.standard_code, None, "confirmed", a.balance or Decimal(0), Decimal(0), a.balance)
        for a, m in zip(accounts, mapped, strict=True)
    ]

    def both() -> None:
        statements.build(lines, standard, "balance_sheet")
        statements.build(lines, standard, "income_statement")

    seconds = median_seconds(runs, both)
    print(f"balance sheet + income statement of a 5,000-account TB: median {seconds * 1000:.0f} ms (target < 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    accuracy()
    without_balances()
    speed(args.runs)


if __name__ == "__main__":
    main()
