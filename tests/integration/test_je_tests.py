"""Known-answer tests of every journal-entry test (docs/audit-rules.md section 4), through the HTTP API and the job.

Each population is made by hand: clean journals (weekdays, office hours, common users, accounts and
account pairs, distinct non-round amounts, descriptions without keywords) and planted journals whose
lines are tagged with the tests they must hit. A test's expected flags are exactly the tagged lines.
The engagement's fiscal year is 2026-01-01 to 2026-12-31 (tests/engagement_support.new_engagement).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.analytics_support import TestRun, load_general_ledger, run_one, run_tests
from tests.engagement_support import Workspace

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

PLACEHOLDER = date(1900, 1, 1)
WEIGHTLESS = {"sequence_gap", "amount_outlier", "isolation_forest"}
FIELDS = {
    "effective_date": "Effective Date",
    "entered_date": "Entered Date",
    "entered_time": "Entered Time",
    "entered_by": "Entered By",
    "approved_by": "Approved By",
    "document_date": "Document Date",
    "period": "Period",
    "description": "Description",
    "header_description": "Header Description",
}
Key = tuple[str, int]


@dataclass
class Line:
    account: str
    amount: Decimal
    hits: tuple[str, ...]
    fields: dict[str, Any]


def line(account: str, amount: Decimal | str, *hits: str, **fields: Any) -> Line:
    """One line of a planted journal: its account, signed amount, the tests it must hit, its own fields."""
    return Line(account, Decimal(amount), hits, fields)


@dataclass
class Ledger:
    """A hand-made general ledger (debit and credit columns) whose lines carry the tests they must hit."""

    next_id: int = 1001
    next_amount: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    hits: dict[Key, set[str]] = field(default_factory=dict)

    def amount(self) -> Decimal:
        """A fresh amount: never repeated, never a multiple of 500 (the cents are never zero)."""
        value = Decimal("1100.11") + Decimal("37.01") * self.next_amount
        self.next_amount += 1
        assert value % 1 != 0, "amounts of clean journals keep their cents"
        return value

    def add(
        self, *lines: Line, day: date, user: str | None = "alice", hits: tuple[str, ...] = (), **fields: Any
    ) -> str:
        """A journal of `lines` effective (and by default entered and documented) on `day`; returns its id."""
        journal_id = str(self.next_id)
        self.next_id += 1
        for number, item in enumerate(lines, start=1):
            values: dict[str, Any] = {
                "effective_date": day,
                "entered_date": day,
                "entered_time": "10:15:00",
                "entered_by": user,
                "approved_by": "Manager",
                "document_date": day,
                "period": str(day.month),
                "description": f"Invoice {journal_id}",
                "header_description": "Monthly posting",
            }
            values |= fields | item.fields
            row = {"Journal ID": journal_id, "Line": number, "Account": item.account}
            if item.amount < 0:
                row["Credit"] = f"{-item.amount:.2f}"
            else:
                row["Debit"] = f"{item.amount:.2f}"
            row |= {FIELDS[name]: value for name, value in values.items()}
            self.rows.append(row)
            self.hits[(journal_id, number)] = set(hits) | set(item.hits)
        return journal_id

    def clean(
        self,
        *hits: str,
        day: date,
        user: str | None = "alice",
        debit: str = "5000",
        credit: str = "1000",
        amount: Decimal | str | None = None,
        **fields: Any,
    ) -> str:
        """A two-line journal, debit `debit` and credit `credit`, both lines hitting `hits`."""
        value = self.amount() if amount is None else Decimal(amount)
        return self.add(line(debit, value), line(credit, -value), day=day, user=user, hits=hits, **fields)

    def expected(self, code: str) -> set[Key]:
        return {key for key, hits in self.hits.items() if code in hits}

    def lines_where(self, header: str, predicate: Any) -> set[Key]:
        return {(row["Journal ID"], row["Line"]) for row in self.rows if predicate(row.get(header))}


def weekdays(first: date, count: int) -> list[date]:
    days: list[date] = []
    day = first
    while len(days) < count:
        if day.isoweekday() <= 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def journals_of(keys: set[Key]) -> set[str]:
    return {journal_id for journal_id, _ in keys}


def assert_flags(run: TestRun, code: str, expected: set[Key], *, skipped: int = 0) -> dict[str, Any]:
    """The test ran, flagged exactly `expected`, counted it, and skipped `skipped` lines."""
    result = run.results[code]
    assert result["status"] == "ran", result
    assert run.flagged(code) == expected
    assert (result["flagged_lines"], result["flagged_journals"]) == (len(expected), len(journals_of(expected)))
    assert result["skipped_lines"] == skipped
    return result


def assert_not_applicable(run: TestRun, code: str, missing: list[str]) -> None:
    result = run.results[code]
    assert (result["status"], result["missing_fields"]) == ("not_applicable", missing)
    assert (result["flagged_lines"], result["flagged_journals"]) == (0, 0)
    assert run.flagged(code) == set()


# --- the main population: every field, every line-level test ---------------------------------------


@dataclass
class Planted:
    ledger: Ledger
    ids: dict[str, str]


@pytest.fixture(scope="module")
def planted() -> Planted:
    """About 170 lines: 30 clean journals, the rare users, and one or more planted journals per test."""
    gl = Ledger()
    ids: dict[str, str] = {}
    days = weekdays(date(2026, 2, 2), 30)
    for i, day in enumerate(days):  # alice and bob enter many lines on two common account pairs
        if i % 2:
            gl.clean(day=day, user="bob", debit="1000", credit="4000")
        else:
            gl.clean(day=day, user="alice")

    # rare_user (N = 10): erin enters exactly 10 lines; dave 11, spelled three ways
    for day in days[:5]:
        gl.clean("rare_user", day=day, user="erin")
    for day, user in zip(days[5:9], ("dave", "DAVE", "Dave", "dave"), strict=True):
        gl.clean(day=day, user=user)
    a, b = gl.amount(), gl.amount()
    ids["dave_3_lines"] = gl.add(line("5000", a), line("5000", b), line("1000", -(a + b)), day=days[9], user="DAVE")

    # weekend_entry: entered on Saturday 7 and Sunday 8 March; 3 July is a Friday
    friday = date(2026, 3, 6)
    ids["saturday"] = gl.clean("weekend_entry", day=friday, entered_date=date(2026, 3, 7))
    ids["sunday"] = gl.clean("weekend_entry", day=friday, entered_date=date(2026, 3, 8))
    ids["holiday"] = gl.clean(day=date(2026, 7, 3))

    # after_hours (hour >= 20 or <= 5), at and around the edges; one line without a time
    tuesday = date(2026, 4, 14)
    for first, second, hit in (
        ("20:00:00", "23:59:59", ("after_hours",)),
        ("19:59:59", "19:00:00", ()),
        ("05:59:59", "00:00:00", ("after_hours",)),
        ("06:00:00", "18:30:00", ()),
    ):
        value = gl.amount()
        gl.add(
            line("5000", value, *hit, entered_time=first), line("1000", -value, *hit, entered_time=second), day=tuesday
        )
    value = gl.amount()
    ids["no_time"] = gl.add(line("5000", value, entered_time=None), line("1000", -value), day=tuesday)

    # post_dated (document more than 30 days after entry); the placeholder and a blank entry date skip
    may5 = date(2026, 5, 5)
    ids["post_dated_31"] = gl.clean("post_dated", day=may5, document_date=date(2026, 6, 5))
    ids["post_dated_30"] = gl.clean(day=may5, document_date=date(2026, 6, 4))
    value = gl.amount()
    ids["no_entry_date"] = gl.add(
        line("5000", value, entered_date=PLACEHOLDER),
        line("1000", -value, entered_date=None),
        day=date(2026, 5, 6),
        document_date=date(2026, 7, 1),
    )

    # backdated (entered more than 30 days after effective); a placeholder effective date skips,
    # even when the line was entered after the year end (post_closing must skip it too)
    ids["backdated_31"] = gl.clean("backdated", day=date(2026, 5, 4), entered_date=date(2026, 6, 4))
    ids["backdated_30"] = gl.clean(day=date(2026, 5, 5), entered_date=date(2026, 6, 4))
    ids["no_effective_date"] = gl.clean(
        day=PLACEHOLDER, entered_date=date(2027, 1, 6), document_date=date(2027, 1, 6), period="12"
    )

    # period_end (effective on 31 December or up to 3 days before it)
    ids["dec28"] = gl.clean("period_end", day=date(2026, 12, 28))
    ids["dec27"] = gl.clean(day=date(2026, 12, 27), entered_date=date(2026, 12, 28))
    ids["dec31"] = gl.clean("period_end", day=date(2026, 12, 31))

    # post_closing: effective 31 December, entered 5 January 2027; also round, self-approved and
    # described as a manual adjustment (the journal whose risk score is checked)
    ids["post_closing"] = gl.clean(
        "post_closing",
        "period_end",
        "round_amount",
        "self_approved",
        "suspicious_keyword",
        day=date(2026, 12, 31),
        entered_date=date(2027, 1, 5),
        amount="5000.00",
        approved_by="Alice",
        description="Manual adjustment",
    )
    ids["next_year"] = gl.clean(day=date(2027, 1, 4), entered_date=date(2027, 1, 5))

    # missing_description: both blank (whitespace is blank); a header alone is enough
    june = date(2026, 6, 9)
    value = gl.amount()
    ids["no_description"] = gl.add(
        line("5000", value, "missing_description", description=None, header_description=None),
        line("1000", -value, description=None, header_description="Accrual"),
        day=june,
    )
    value = gl.amount()
    gl.add(
        line("5000", value, "missing_description", description="   ", header_description=None),
        line("1000", -value),
        day=june,
    )

    # suspicious_keyword: whole words, any case, in the line or the header description
    value = gl.amount()
    ids["keyword_cfo"] = gl.add(
        line("5000", value, "suspicious_keyword", description="Manual adjustment per CFO"),
        line("1000", -value, description="Adjusted accrual"),
        day=june,
    )
    ids["keyword_header"] = gl.clean("suspicious_keyword", day=june, header_description="Reversal of accrual")
    value = gl.amount()
    gl.add(
        line("5000", value, "suspicious_keyword", description="WRITE  off bad debt"),
        line("1000", -value, description="Readjustment"),
        day=june,
    )

    # round_amount (base 1,000): a credit of -3,000.00 is round; zero never is; 500.00 is not
    march = date(2026, 3, 17)
    ids["round_3000"] = gl.clean("round_amount", day=march, amount="3000.00")
    ids["zero_line"] = gl.add(line("5000", "1000.50"), line("5000", "0.00"), line("1000", "-1000.50"), day=march)
    ids["round_500"] = gl.clean(day=march, amount="500.00")

    # duplicate_lines (account, period, signed amount): two journals, both sides; a journal spanning
    # March and April repeats account and amount in two periods (no duplicate, and balanced overall)
    ids["duplicate_a"] = gl.clean("duplicate_lines", day=date(2026, 3, 10), amount="2345.67")
    ids["duplicate_b"] = gl.clean("duplicate_lines", day=date(2026, 3, 11), amount="2345.67")
    april = date(2026, 4, 1)
    ids["two_periods"] = gl.add(
        line("5000", "321.09", effective_date=date(2026, 3, 31), period="3"),
        line("5000", "321.09"),
        line("1000", "-642.18"),
        day=april,
    )

    # unbalanced: off by 0.05, every line of the journal flagged
    ids["unbalanced"] = gl.add(
        line("5000", "100.05", "unbalanced"), line("1000", "-100.00", "unbalanced"), day=date(2026, 4, 2)
    )

    # rare_account (N = 3): 7777 has one line; 8888 has four (written with blanks around it)
    value = gl.amount()
    ids["account_7777"] = gl.add(
        line("7777", value, "rare_account", "unusual_account_pair"),
        line("1000", -value, "unusual_account_pair"),
        day=date(2026, 4, 3),
    )
    value = gl.amount()
    gl.add(line(" 8888", value), line("1000", -value), day=date(2026, 4, 6))
    value = gl.amount()
    gl.add(line("8888 ", value), line("1000", -value), day=date(2026, 4, 7))
    a, b = gl.amount(), gl.amount()
    gl.add(line("8888", a), line("8888", b), line("1000", -(a + b)), day=date(2026, 4, 8))

    # unusual_account_pair (N = 2): debit 4000 / credit 5000 in two journals
    ids["pair_a"] = gl.clean("unusual_account_pair", day=date(2026, 4, 9), debit="4000", credit="5000")
    ids["pair_b"] = gl.clean("unusual_account_pair", day=date(2026, 4, 10), debit="4000", credit="5000")

    # self_approved: the same user in another case; a blank approver and a blank user are skipped
    july = date(2026, 7, 7)
    value = gl.amount()
    ids["self_approved"] = gl.add(
        line("5000", value, "self_approved", approved_by="ALICE"),
        line("1000", -value, "self_approved", approved_by=" alice "),
        day=july,
    )
    value = gl.amount()
    ids["no_approver"] = gl.add(line("5000", value, approved_by=None), line("1000", -value), day=july)
    value = gl.amount()
    ids["no_user"] = gl.add(line("5000", value, entered_by=None), line("1000", -value), day=july)

    # high_amount (top 1%): one journal far above the rest
    ids["huge"] = gl.clean("high_amount", day=date(2026, 8, 4), amount="987654.32")
    return Planted(gl, ids)


OVERRIDES: dict[str, dict[str, Any]] = {
    "duplicate_lines": {"keys": ["account_number", "amount"]},
    "round_amount": {"base": "500"},
    "post_dated": {"days": 29},
    "weekend_entry": {"weekend_days": [7], "holidays": ["2026-07-03"]},
    "after_hours": {"from_hour": 19, "to_hour": 4},
    "rare_user": {"max_lines": 11},
    "rare_account": {"max_lines": 4},
    "backdated": {"days": 29},
    "period_end": {"days": 4},
    "unusual_account_pair": {"max_journals": 1},
    "suspicious_keyword": {"keywords": ["Accrual"]},
}


@dataclass
class Runs:
    ledger: Ledger
    ids: dict[str, str]
    ws: Workspace
    default: TestRun
    overridden: TestRun


@pytest.fixture(scope="module")
def runs(planted: Planted, database: str) -> Runs:
    """The planted ledger loaded once, run with every test's defaults and once with OVERRIDES."""
    ws = load_general_ledger(planted.ledger.rows)
    default = run_tests(ws)
    overridden = run_tests(ws, parameters=OVERRIDES)
    return Runs(planted.ledger, planted.ids, ws, default, overridden)


def test_the_planted_population_loads_whole_and_every_test_runs(runs: Runs) -> None:
    assert runs.default.body["population"]["lines"] == len(runs.ledger.rows) <= 200  # top 1% = the two largest
    assert runs.default.body["requested_tests"] == list(runs.default.results)
    assert {code: r["status"] for code, r in runs.default.results.items()} == dict.fromkeys(
        runs.default.body["requested_tests"], "ran"
    )


def test_unbalanced_flags_every_line_of_a_journal_that_does_not_sum_to_zero(runs: Runs) -> None:
    expected = {(runs.ids["unbalanced"], 1), (runs.ids["unbalanced"], 2)}
    assert runs.ledger.expected("unbalanced") == expected
    # the journal spanning March and April nets to zero as a whole, though not within each period
    assert_flags(runs.default, "unbalanced", expected)


def test_duplicate_lines_match_account_period_and_signed_amount(runs: Runs) -> None:
    a, b = runs.ids["duplicate_a"], runs.ids["duplicate_b"]
    expected = {(a, 1), (a, 2), (b, 1), (b, 2)}  # the debits repeat, and so do the credits (-2,345.67)
    assert runs.ledger.expected("duplicate_lines") == expected
    result = assert_flags(runs.default, "duplicate_lines", expected)
    assert result["parameters"] == {"keys": ["account_number", "period", "amount"]}

    # without the period, the journal spanning two periods repeats 5000 / 321.09
    two_periods = runs.ids["two_periods"]
    overridden = assert_flags(runs.overridden, "duplicate_lines", expected | {(two_periods, 1), (two_periods, 2)})
    assert overridden["parameters"] == {"keys": ["account_number", "amount"]}


def test_round_amount_flags_multiples_of_the_base_of_either_sign_but_never_zero(runs: Runs) -> None:
    expected = {(runs.ids[j], n) for j in ("round_3000", "post_closing") for n in (1, 2)}
    assert runs.ledger.expected("round_amount") == expected
    assert_flags(runs.default, "round_amount", expected)  # 3,000.00 and -3,000.00; not 0.00, not 500.00
    with_500 = expected | {(runs.ids["round_500"], 1), (runs.ids["round_500"], 2)}
    assert assert_flags(runs.overridden, "round_amount", with_500)["parameters"] == {"base": "500"}


def test_post_dated_flags_documents_dated_more_than_30_days_after_entry(runs: Runs) -> None:
    expected = {(runs.ids["post_dated_31"], 1), (runs.ids["post_dated_31"], 2)}
    assert runs.ledger.expected("post_dated") == expected
    # the lines entered 1900-01-01 (placeholder) and without an entry date are skipped, not flagged
    assert_flags(runs.default, "post_dated", expected, skipped=2)
    with_30 = expected | {(runs.ids["post_dated_30"], 1), (runs.ids["post_dated_30"], 2)}
    assert assert_flags(runs.overridden, "post_dated", with_30, skipped=2)["parameters"] == {"days": 29}


def test_weekend_entry_flags_saturday_and_sunday_entries_and_declared_holidays(runs: Runs) -> None:
    saturday, sunday, holiday = (runs.ids[k] for k in ("saturday", "sunday", "holiday"))
    expected = {(saturday, 1), (saturday, 2), (sunday, 1), (sunday, 2)}
    assert runs.ledger.expected("weekend_entry") == expected
    assert_flags(runs.default, "weekend_entry", expected, skipped=2)  # placeholder and blank entry dates

    # Sunday alone is the weekend, and Friday 3 July a holiday
    overridden = assert_flags(
        runs.overridden, "weekend_entry", {(sunday, 1), (sunday, 2), (holiday, 1), (holiday, 2)}, skipped=2
    )
    assert overridden["parameters"] == {"weekend_days": [7], "holidays": ["2026-07-03"]}


def test_after_hours_flags_hours_from_20_and_up_to_5_and_skips_missing_times(runs: Runs) -> None:
    expected = runs.ledger.expected("after_hours")
    assert sorted(line["entered_time"] for line in runs.default.lines("after_hours")) == [
        "00:00:00",
        "05:59:59",
        "20:00:00",
        "23:59:59",
    ]
    assert_flags(runs.default, "after_hours", expected, skipped=1)  # one line has no entry time

    # from 19:00 to 04:59: 19:00:00 and 19:59:59 join, 05:59:59 leaves
    later = runs.ledger.lines_where("Entered Time", lambda t: t is not None and not "05:00" <= t < "19:00")
    assert len(later) == 5
    overridden = assert_flags(runs.overridden, "after_hours", later, skipped=1)
    assert overridden["parameters"] == {"from_hour": 19, "to_hour": 4}


def test_rare_user_counts_users_trimmed_and_case_insensitively(runs: Runs) -> None:
    erin = runs.ledger.lines_where("Entered By", lambda u: u == "erin")
    assert len(erin) == 10 and runs.ledger.expected("rare_user") == erin
    # dave, DAVE and Dave are one user with 11 lines: not rare; the line without a user is skipped
    assert_flags(runs.default, "rare_user", erin, skipped=1)

    dave = runs.ledger.lines_where("Entered By", lambda u: (u or "").lower() == "dave")
    assert len(dave) == 11
    assert assert_flags(runs.overridden, "rare_user", erin | dave, skipped=1)["parameters"] == {"max_lines": 11}


def test_rare_account_flags_accounts_with_at_most_3_lines(runs: Runs) -> None:
    expected = {(runs.ids["account_7777"], 1)}
    assert runs.ledger.expected("rare_account") == expected
    assert_flags(runs.default, "rare_account", expected)  # 8888 has four lines, however it was written

    account_8888 = runs.ledger.lines_where("Account", lambda a: a.strip() == "8888")
    assert len(account_8888) == 4
    assert assert_flags(runs.overridden, "rare_account", expected | account_8888)["parameters"] == {"max_lines": 4}


def test_backdated_flags_entries_more_than_30_days_after_their_effective_date(runs: Runs) -> None:
    expected = {(runs.ids["backdated_31"], 1), (runs.ids["backdated_31"], 2)}
    assert runs.ledger.expected("backdated") == expected
    # skipped: the placeholder and blank entry dates (2) and the placeholder effective dates (2)
    assert_flags(runs.default, "backdated", expected, skipped=4)
    with_30 = expected | {(runs.ids["backdated_30"], 1), (runs.ids["backdated_30"], 2)}
    assert assert_flags(runs.overridden, "backdated", with_30, skipped=4)["parameters"] == {"days": 29}


def test_period_end_flags_effective_dates_in_the_last_3_days_of_the_fiscal_year(runs: Runs) -> None:
    expected = {(runs.ids[j], n) for j in ("dec28", "dec31", "post_closing") for n in (1, 2)}
    assert runs.ledger.expected("period_end") == expected
    assert_flags(runs.default, "period_end", expected, skipped=2)  # the placeholder effective dates
    with_27 = expected | {(runs.ids["dec27"], 1), (runs.ids["dec27"], 2)}
    assert assert_flags(runs.overridden, "period_end", with_27, skipped=2)["parameters"] == {"days": 4}


def test_post_closing_flags_entries_after_the_year_end_for_the_year(runs: Runs) -> None:
    expected = {(runs.ids["post_closing"], 1), (runs.ids["post_closing"], 2)}
    assert runs.ledger.expected("post_closing") == expected
    # not the 2027 journal (effective after the year end), nor the one whose effective date is the
    # 1900-01-01 placeholder though entered in 2027; skipped: those 2 and the 2 without an entry date
    assert_flags(runs.default, "post_closing", expected, skipped=4)


def test_missing_description_needs_both_descriptions_blank(runs: Runs) -> None:
    expected = runs.ledger.expected("missing_description")
    assert len(expected) == 2 and (runs.ids["no_description"], 1) in expected
    assert_flags(runs.default, "missing_description", expected)


def test_high_amount_defaults_to_the_top_percent_of_absolute_amounts(runs: Runs) -> None:
    expected = {(runs.ids["huge"], 1), (runs.ids["huge"], 2)}
    assert runs.ledger.expected("high_amount") == expected
    result = assert_flags(runs.default, "high_amount", expected)
    # 99th percentile (discrete) of |amount| over fewer than 200 lines: the largest amount itself
    assert (result["parameters"]["threshold"], result["basis"]) == ("987654.32", "top_percent")
    assert runs.default.body["performance_materiality"] is None


def test_self_approved_compares_users_trimmed_and_case_insensitively(runs: Runs) -> None:
    expected = {(runs.ids[j], n) for j in ("self_approved", "post_closing") for n in (1, 2)}
    assert runs.ledger.expected("self_approved") == expected
    assert_flags(runs.default, "self_approved", expected, skipped=2)  # a blank approver, a blank user


def test_unusual_account_pair_flags_both_sides_of_pairs_seen_in_at_most_2_journals(runs: Runs) -> None:
    pairs = {(runs.ids[j], n) for j in ("pair_a", "pair_b") for n in (1, 2)}
    rare = {(runs.ids["account_7777"], 1), (runs.ids["account_7777"], 2)}
    assert runs.ledger.expected("unusual_account_pair") == pairs | rare
    # 8888 / 1000 occurs in three journals (the account written three ways): not unusual
    assert_flags(runs.default, "unusual_account_pair", pairs | rare)
    overridden = assert_flags(runs.overridden, "unusual_account_pair", rare)
    assert overridden["parameters"] == {"max_journals": 1}


def test_suspicious_keyword_matches_whole_words_in_either_description(runs: Runs) -> None:
    expected = runs.ledger.expected("suspicious_keyword")
    # "Manual adjustment" (2 lines), "... per CFO", the header "Reversal of accrual" (2), "WRITE  off"
    assert len(expected) == 6
    assert (runs.ids["keyword_cfo"], 2) not in expected  # "Adjusted" is not the word "adjust"
    assert_flags(runs.default, "suspicious_keyword", expected)

    accrual = {(runs.ids["keyword_cfo"], 2), (runs.ids["keyword_header"], 1), (runs.ids["keyword_header"], 2)}
    accrual.add((runs.ids["no_description"], 2))  # its header is "Accrual"
    overridden = assert_flags(runs.overridden, "suspicious_keyword", accrual)
    assert overridden["parameters"] == {"keywords": ["accrual"]}


def test_sequence_gap_finds_no_gap_in_consecutive_ids(runs: Runs) -> None:
    result = assert_flags(runs.default, "sequence_gap", set())
    assert (result["gap_count"], result["gap_ranges"]) == (0, [])


# docs/audit-rules.md section 4, risk score weights
SPEC_WEIGHTS = {
    "unbalanced": 10,
    "post_closing": 10,
    "self_approved": 8,
    "rare_user": 8,
    "rare_account": 8,
    "unusual_account_pair": 8,
    "backdated": 6,
    "high_amount": 6,
    "suspicious_keyword": 6,
    "post_dated": 5,
    "period_end": 5,
    "round_amount": 5,
    "weekend_entry": 5,
    "after_hours": 5,
    "duplicate_lines": 4,
    "missing_description": 4,
}


def test_risk_score_of_a_constructed_journal(runs: Runs) -> None:
    journals = {j["journal_id"]: j for j in runs.default.journals()}
    journal = journals[runs.ids["post_closing"]]
    # hits post_closing 10 + period_end 5 + self_approved 8 + suspicious_keyword 6 + round_amount 5 = 34;
    # all 16 weighted tests ran: 10+10+8+8+8+8+6+6+6+5+5+5+5+5+4+4 = 103; 100 x 34 / 103 = 33.0097 -> 33.01
    assert journal["score"] == "33.01"
    assert set(journal["tests"]) - WEIGHTLESS == {
        "post_closing",
        "period_end",
        "self_approved",
        "suspicious_keyword",
        "round_amount",
    }
    assert (journal["rank"], journal["debit_total"], journal["flagged_lines"]) == (1, "5000.00", 2)
    assert [line["line_number"] for line in journal["lines"]] == [1, 2]
    # the huge journal: high_amount 6; 100 x 6 / 103 = 5.825 -> 5.83
    assert journals[runs.ids["huge"]]["score"] == "5.83"


def test_journals_rank_by_score_then_debit_total(runs: Runs) -> None:
    total = sum(SPEC_WEIGHTS.values())
    assert total == 103
    expected: dict[str, tuple[Decimal, Decimal]] = {}
    for journal_id in {row["Journal ID"] for row in runs.ledger.rows}:
        hit = set().union(*(hits for (j, _), hits in runs.ledger.hits.items() if j == journal_id))
        if hit:
            debits = sum(
                (Decimal(r.get("Debit") or 0) for r in runs.ledger.rows if r["Journal ID"] == journal_id), Decimal(0)
            )
            score = Decimal(100 * sum(SPEC_WEIGHTS[code] for code in hit)) / total
            expected[journal_id] = (score.quantize(Decimal("0.01"), "ROUND_HALF_UP"), debits)

    journals = runs.default.journals()
    assert [j["rank"] for j in journals] == list(range(1, len(journals) + 1))
    scored = journals[: len(expected)]
    assert {j["journal_id"]: (Decimal(j["score"]), Decimal(j["debit_total"])) for j in scored} == expected
    assert [(Decimal(j["score"]), Decimal(j["debit_total"])) for j in scored] == sorted(
        expected.values(), key=lambda v: (-v[0], -v[1])
    )
    # journals hit only by the unweighted outlier tests follow with score 0
    assert all(j["score"] == "0.00" and set(j["tests"]) <= WEIGHTLESS for j in journals[len(expected) :])


def test_run_parameters_are_validated_naming_the_test_and_field(runs: Runs) -> None:
    bad_hour = runs.ws.call(
        "POST", "je-tests", runs.ws.admin, json_body={"parameters": {"after_hours": {"from_hour": 24}}}
    )
    assert bad_hour.status == 400, bad_hour.body
    assert [e["loc"] for e in bad_hour.json()["errors"]] == [["body", "parameters", "after_hours", "from_hour"]]

    bad_word = runs.ws.call(
        "POST", "je-tests", runs.ws.admin, json_body={"parameters": {"suspicious_keyword": {"keywords": ["50%"]}}}
    )
    assert bad_word.status == 400, bad_word.body
    assert "'50%'" in bad_word.json()["errors"][0]["msg"]

    not_run = runs.ws.call(
        "POST",
        "je-tests",
        runs.ws.admin,
        json_body={"tests": ["unbalanced"], "parameters": {"round_amount": {"base": "100"}}},
    )
    assert not_run.status == 400, not_run.body
    assert not_run.json()["errors"][0]["loc"] == ["body", "parameters", "round_amount"]


# --- journal ids with prefixes and gaps, few fields: sequence gaps, thresholds, missing fields ------

SEQUENCE = {  # journal id -> the amount of its debit (5000) and credit (1000) lines
    "100": "120.10",
    "101": "130.20",
    "103": "140.30",
    "AP-2026-001": "150.40",
    "AP-2026-002": "6499.99",
    "AP-2026-004": "160.50",
    "JE0001": "170.60",
    "JE0002": "6500.00",
    "JE0005": "180.70",
    "JE0006": "7150.00",
    "JE0010": "190.80",
    "ADJ-X": "120.10",  # not numeric: outside every sequence; repeats journal 100's amount
}


@dataclass
class Sequences:
    ws: Workspace
    default: TestRun


@pytest.fixture(scope="module")
def sequences(database: str) -> Sequences:
    """Journal id, line, account, signed amount and effective date only; run with every test's defaults."""
    rows = [
        {
            "Journal ID": journal_id,
            "Line": number,
            "Account": account,
            "Amount": sign + amount,
            "Effective Date": "2026-05-12",
        }
        for journal_id, amount in SEQUENCE.items()
        for number, account, sign in ((1, "5000", ""), (2, "1000", "-"))
    ]
    ws = load_general_ledger(rows)
    return Sequences(ws, run_tests(ws))


def both_lines(*journal_ids: str) -> set[Key]:
    return {(journal_id, number) for journal_id in journal_ids for number in (1, 2)}


def test_sequence_gap_reports_each_gap_within_each_prefix(sequences: Sequences) -> None:
    result = assert_flags(
        sequences.default,
        "sequence_gap",
        both_lines("101", "103", "AP-2026-002", "AP-2026-004", "JE0002", "JE0005", "JE0006", "JE0010"),
    )
    assert result["gap_count"] == 4
    assert sorted(map(tuple, result["gap_ranges"])) == [
        ("101", "103"),
        ("AP-2026-002", "AP-2026-004"),
        ("JE0002", "JE0005"),
        ("JE0006", "JE0010"),
    ]
    assert result["gap_ranges_truncated"] is False


@pytest.mark.parametrize(
    ("code", "missing"),
    [
        ("weekend_entry", ["entered_date"]),
        ("after_hours", ["entered_time"]),
        ("rare_user", ["entered_by"]),
        ("post_dated", ["document_date", "entered_date"]),
        ("backdated", ["entered_date"]),
        ("post_closing", ["entered_date"]),
        ("missing_description", ["description", "header_description"]),
        ("self_approved", ["entered_by", "approved_by"]),
        ("suspicious_keyword", ["description", "header_description"]),
        ("duplicate_lines", ["period"]),
        ("isolation_forest", ["entered_date", "entered_time", "entered_by"]),
    ],
)
def test_a_test_is_not_applicable_when_the_population_lacks_its_fields(
    sequences: Sequences, code: str, missing: list[str]
) -> None:
    assert_not_applicable(sequences.default, code, missing)


def test_tests_needing_only_required_fields_run_on_the_bare_population(sequences: Sequences) -> None:
    for code in ("unbalanced", "round_amount", "rare_account", "period_end", "unusual_account_pair"):
        assert_flags(sequences.default, code, set())


def test_duplicate_lines_without_period_run_on_the_keys_given(sequences: Sequences) -> None:
    run = run_one(sequences.ws, "duplicate_lines", keys=["account_number", "amount"])
    assert_flags(run, "duplicate_lines", both_lines("100", "ADJ-X"))  # 5000 / 120.10 and 1000 / -120.10


def test_high_amount_threshold_top_percent_then_materiality_then_explicit(sequences: Sequences) -> None:
    ws = sequences.ws
    # top 10%: the 90th percentile (discrete) of the 24 absolute amounts is the 22nd smallest, 6,500.00
    top = run_one(ws, "high_amount", top_percent=10)
    result = assert_flags(top, "high_amount", both_lines("JE0002", "JE0006"))
    assert (result["parameters"]["threshold"], result["basis"]) == ("6500.00", "top_percent")

    reply = ws.call(
        "POST",
        "materiality",
        ws.admin,
        json_body={
            "benchmark": "revenue",
            "amount": "1100000.00",
            "risk_level": "moderate",
            "rationale": "Revenue is the benchmark users of the statements watch.",
        },
    )
    assert reply.status == 201, reply.body
    # overall 1,100,000.00 x 1% = 11,000.00; performance 65% of it = 7,150.00 (docs/audit-rules.md section 6)
    assert reply.json()["performance_materiality"] == "7150.00"
    materiality = run_one(ws, "high_amount")
    assert materiality.body["performance_materiality"] == "7150.00"
    result = assert_flags(materiality, "high_amount", both_lines("JE0006"))  # at or above: 7,150.00 itself
    assert (result["parameters"]["threshold"], result["basis"]) == ("7150.00", "performance_materiality")

    explicit = run_one(ws, "high_amount", threshold="6499.99")  # a given threshold wins over materiality
    result = assert_flags(explicit, "high_amount", both_lines("AP-2026-002", "JE0002", "JE0006"))
    assert (result["parameters"]["threshold"], result["basis"]) == ("6499.99", "threshold")

    latest = ws.call("GET", "je-tests", ws.admin)
    assert latest.status == 200 and latest.json()["id"] == explicit.id


# --- statistical tests: amount outliers and the Isolation Forest ---------------------------------

OUTLIER = "10000.00"
ODD = "ODD-X"


@dataclass
class Statistical:
    ws: Workspace
    rows: list[dict[str, Any]]
    default: TestRun


@pytest.fixture(scope="module")
def statistical(database: str) -> Statistical:
    """Account 6000 (30 lines) and 6100 (29 lines), each with one 10,000.00 among amounts near 100,
    credited to 2000 and 2100; and one line that is odd in every way. Journal ids are not numeric."""
    rows: list[dict[str, Any]] = []
    days = weekdays(date(2026, 3, 2), 20)
    users = ("alice", "bob", "carol")
    for prefix, debit, credit, count in (("S", "6000", "2000", 30), ("T", "6100", "2100", 29)):
        for i in range(count):
            amount = OUTLIER if i == count - 1 else f"{Decimal('100.25') + i:.2f}"
            day = days[i % len(days)]
            common = {
                "Effective Date": day,
                "Entered Date": day,
                "Entered Time": f"{9 + i % 8:02d}:{i % 60:02d}:00",
                "Entered By": users[i % 3],
            }
            rows.append({"Journal ID": f"{prefix}{i:03d}X", "Line": 1, "Account": debit, "Amount": amount} | common)
            rows.append(
                {"Journal ID": f"{prefix}{i:03d}X", "Line": 2, "Account": credit, "Amount": "-" + amount} | common
            )
    sunday = date(2026, 6, 7)
    rows.append(
        {
            "Journal ID": ODD,
            "Line": 1,
            "Account": "9999",
            "Amount": "987654.32",
            "Effective Date": sunday,
            "Entered Date": sunday,
            "Entered Time": "03:00:00",
            "Entered By": "mallory",
        }
    )
    ws = load_general_ledger(rows)
    default = run_tests(
        ws, ["amount_outlier", "isolation_forest", "sequence_gap"], {"isolation_forest": {"contamination": "0.02"}}
    )
    return Statistical(ws, rows, default)


def z_scores(rows: list[dict[str, Any]], account: str) -> dict[Key, float]:
    """(x - mean) / sample standard deviation of the account's amounts."""
    lines = {(r["Journal ID"], r["Line"]): float(r["Amount"]) for r in rows if r["Account"] == account}
    mean, sd = statistics.mean(lines.values()), statistics.stdev(lines.values())
    return {key: (value - mean) / sd for key, value in lines.items()}


def test_amount_outlier_flags_lines_beyond_3_standard_deviations_of_their_account(statistical: Statistical) -> None:
    z = z_scores(statistical.rows, "6000") | z_scores(statistical.rows, "2000")
    far = {key for key, value in z.items() if abs(value) > 3}
    assert far == {("S029X", 1), ("S029X", 2)}  # the 10,000.00 debit and its credit; 6100 has only 29 lines
    assert_flags(statistical.default, "amount_outlier", far)
    scores = {
        (line["journal_id"], line["line_number"]): line["score"] for line in statistical.default.lines("amount_outlier")
    }
    assert scores == {key: pytest.approx(z[key], rel=1e-9) for key in far}
    assert scores[("S029X", 1)] > 5 and scores[("S029X", 2)] < -5

    with_29 = run_one(statistical.ws, "amount_outlier", min_lines=29)
    assert_flags(with_29, "amount_outlier", far | {("T028X", 1), ("T028X", 2)})
    stricter = run_one(statistical.ws, "amount_outlier", z=6)  # the largest |z| here is 5.29
    assert_flags(stricter, "amount_outlier", set())


def test_isolation_forest_flags_the_blatant_line_reproducibly(statistical: Statistical) -> None:
    run = statistical.default
    result = run.results["isolation_forest"]
    lines = run.lines("isolation_forest")
    assert result["status"] == "ran" and result["parameters"]["contamination"] == "0.02"
    assert len(lines) == result["flagged_lines"] == 2  # int(119 lines x 0.02)
    top = max(lines, key=lambda line: line["score"])
    assert (top["journal_id"], top["line_number"]) == (ODD, 1)
    assert result["score_threshold"] == pytest.approx(min(line["score"] for line in lines), abs=1e-6)

    again = run_one(statistical.ws, "isolation_forest", contamination="0.02", seed=result["parameters"]["seed"])
    assert [(line["row_number"], line["score"]) for line in again.lines("isolation_forest")] == [
        (line["row_number"], line["score"]) for line in lines
    ]


def test_sequence_gap_is_not_applicable_without_numeric_journal_ids(statistical: Statistical) -> None:
    assert_not_applicable(statistical.default, "sequence_gap", ["journal_id (numeric)"])


# --- results first, models after: two transactions -----------------------------------------------


def _two_journals() -> list[dict[str, Any]]:
    """A round journal on a Sunday among ordinary ones: round_amount and weekend_entry flag it."""
    gl = Ledger()
    for day in weekdays(date(2026, 2, 2), 12):
        gl.clean(day=day)
    gl.clean(day=date(2026, 3, 6), entered_date=date(2026, 3, 8), amount="3000.00")
    return gl.rows


def test_rule_results_are_readable_while_the_forest_runs_and_survive_its_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from functions.analytics import runner
    from tests.ingestion_support import deliver, job

    ws = load_general_ledger(_two_journals())
    accepted = ws.call("POST", "je-tests", ws.admin, json_body={}).json()
    seen: dict[str, Any] = {}

    def models_fail(uow: Any, execution: Any) -> None:
        """While the second transaction runs, the first's results are there for anyone to read."""
        seen["run"] = ws.call("GET", f"je-tests/{accepted['run_id']}", ws.admin).json()
        seen["lines"] = ws.call("GET", f"je-tests/{accepted['run_id']}/tests/round_amount/lines", ws.admin)
        seen["forest"] = ws.call("GET", f"je-tests/{accepted['run_id']}/tests/isolation_forest/lines", ws.admin)
        raise ValueError("the forest could not be grown")

    monkeypatch.setattr(runner, "run_models", models_fail)
    deliver(accepted["job_id"])

    during = {t["code"]: t for t in seen["run"]["tests"]}
    assert seen["run"]["status"] == "scoring" and seen["run"]["completed_at"] is None
    assert (during["round_amount"]["status"], during["round_amount"]["flagged_lines"]) == ("ran", 2)
    assert during["isolation_forest"]["status"] == "scoring"
    assert seen["lines"].status == 200 and seen["lines"].json()["total"] == 2
    assert seen["forest"].status == 409 and seen["forest"].json()["code"] == "run_not_completed"

    failed = job(ws, accepted["job_id"])
    assert failed.status == "failed" and failed.error is not None and failed.error["code"] == "invalid_input"
    after = ws.call("GET", f"je-tests/{accepted['run_id']}", ws.admin).json()
    assert after["status"] == "failed" and after["error"] == failed.error
    results = {t["code"]: t for t in after["tests"]}
    assert results["isolation_forest"]["status"] == "failed"
    assert {code: r for code, r in results.items() if code != "isolation_forest"} == {
        code: r for code, r in during.items() if code != "isolation_forest"
    }
    lines = ws.call("GET", f"je-tests/{accepted['run_id']}/tests/weekend_entry/lines", ws.admin).json()
    assert [(line["journal_id"], line["line_number"]) for line in lines["items"]] == [("1013", 1), ("1013", 2)]
    journals = ws.call("GET", f"je-tests/{accepted['run_id']}/journals", ws.admin)
    assert journals.status == 409, "no ranking without the second transaction"


def test_a_redelivery_after_the_rule_results_were_committed_completes_the_run_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from functions.analytics import runner
    from tests.ingestion_support import deliver

    ws = load_general_ledger(_two_journals())
    accepted = ws.call("POST", "je-tests", ws.admin, json_body={}).json()
    complete = runner.run_models

    def interrupted(uow: Any, execution: Any) -> None:
        raise TimeoutError("the instance was recycled")  # a passing fault: the queue delivers again

    monkeypatch.setattr(runner, "run_models", interrupted)
    with pytest.raises(TimeoutError):
        deliver(accepted["job_id"], delivery_count=1)
    assert ws.call("GET", f"je-tests/{accepted['run_id']}", ws.admin).json()["status"] == "scoring"

    monkeypatch.setattr(runner, "run_models", complete)
    deliver(accepted["job_id"], delivery_count=2)  # the rule flags are not written twice (their key would refuse)
    run = TestRun(ws, ws.call("GET", f"je-tests/{accepted['run_id']}", ws.admin).json())
    assert run.body["status"] == "completed" and run.results["isolation_forest"]["status"] == "ran"
    assert run.flagged("round_amount") == run.flagged("weekend_entry") == {("1013", 1), ("1013", 2)}
    top = run.journals()[0]
    # round_amount 5 + weekend_entry 5 + high_amount 6 (the largest amount) of the 103 of every weighted test
    assert {"round_amount", "weekend_entry", "high_amount"} <= set(top["tests"])
    assert (top["journal_id"], top["score"], top["rank"]) == ("1013", "15.53", 1)


def test_the_population_s_copy_arrives_whole_in_blocks_of_rows_and_a_failing_copy_raises_its_error() -> None:
    """The COPY that reads a population takes the rows libpq already holds without a wait each: every row
    arrives once, in blocks of whole rows, the connection is usable after it, and a statement failing
    midway raises PostgreSQL's own error rather than ending early as if the population were smaller."""
    import psycopg
    from sqlalchemy import text

    from functions.analytics.copy_out import BLOCK_BYTES, copy_blocks
    from shared.db.uow import UnitOfWork

    rows = 300_000  # about 33 MB of CSV: more than one block
    with UnitOfWork(system=True) as uow:
        query = "SELECT g, repeat('x', 100) FROM generate_series(1, %(rows)s) g"
        blocks = list(copy_blocks(uow, query, {"rows": rows}))
        assert len(blocks) > 1 and all(len(block) <= BLOCK_BYTES + 200 for block in blocks)
        assert all(block.endswith(b"\n") for block in blocks)
        numbers = [int(row.split(b",")[0]) for block in blocks for row in block.splitlines()]
        assert numbers == list(range(1, rows + 1))
        assert uow.session.execute(text("SELECT 1")).scalar_one() == 1
        with pytest.raises(psycopg.errors.DivisionByZero):
            list(
                copy_blocks(
                    uow, "SELECT 1 / (g - %(at)s) FROM generate_series(1, %(rows)s) g", {"at": 250_000, "rows": rows}
                )
            )
