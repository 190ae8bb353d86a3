from datetime import date, time
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.ingestion import convert, fields, parsing
from functions.ingestion.convert import Converter, Options
from functions.ingestion.problems import IngestRejected

pytestmark = pytest.mark.unit

GL = ["JE Number", "Account", "Amount", "Posting Date"]


def batch(header, rows):
    return pa.RecordBatch.from_arrays(
        [pa.array([row[i] for row in rows], pa.string()) for i in range(len(header))], names=header
    )


def run(header, rows, *, first_row=2, kind="general_ledger", **options):
    converter = Converter(header, Options(kind=kind, **options))
    out = converter.convert(first_row, batch(header, rows))
    assert out.schema == fields.arrow_schema(kind)
    return converter, out


def column(out, name):
    return out.column(name).to_pylist()


def amounts(values, **options):
    _, out = run(GL, [["1", "100", v, "2023-01-31"] for v in values], **options)
    return column(out, "amount")


def problems(converter):
    return [(p["row"], p["column"], p["value"], p["reason"]) for p in converter.problems.sorted_problems()]


def warning(converter, code):
    return next((w for w in converter.warnings.as_list() if w["code"] == code), None)


# -- amount forms ----------------------------------------------------------------------------------


def test_signed_amount():
    assert amounts(["1234.56", "-1234.56", "0", "5"]) == [
        Decimal("1234.56"),
        Decimal("-1234.56"),
        Decimal("0.00"),
        Decimal("5.00"),
    ]


def test_debit_and_credit_columns_net_to_a_signed_amount():
    header = ["JE", "Account", "Debit", "Credit", "Date"]
    converter, out = run(
        header,
        [
            ["1", "100", "100.00", None, "2023-01-31"],
            ["1", "200", None, "100.00", "2023-01-31"],
            ["1", "300", "50", "20", "2023-01-31"],
            ["1", "400", "0", "0", "2023-01-31"],
        ],
    )
    assert column(out, "amount") == [Decimal("100.00"), Decimal("-100.00"), Decimal("30.00"), Decimal("0.00")]
    assert not converter.problems


def test_debit_and_credit_both_empty_is_a_problem():
    header = ["JE", "Account", "Debit", "Credit", "Date"]
    converter, _ = run(header, [["1", "100", None, None, "2023-01-31"]])
    [(row, col, value, reason)] = problems(converter)
    assert (row, col, value) == (2, "Debit", None)
    assert reason.startswith("required value missing")


def test_negative_debit_or_credit_values_are_kept_and_warned():
    header = ["JE", "Account", "Debit", "Credit", "Date"]
    converter, out = run(header, [["1", "100", None, "-12500", "2023-01-31"]])
    assert column(out, "amount") == [Decimal("12500.00")]
    assert warning(converter, "negative_debit_credit")["rows"] == [2]


@pytest.mark.parametrize(
    ("debit", "credit"), [("D", "C"), ("Dr", "Cr"), ("Debit", "Credit"), ("S", "H"), ("soll", "HABEN"), ("d", "c")]
)
def test_amount_with_indicator(debit, credit):
    header = ["JE", "Account", "Amount", "Indicator", "Date"]
    header[3] = "Amount_Credit_Debit_Indicator"
    converter, out = run(
        header,
        [
            ["1", "100", "250.00", debit, "2023-01-31"],
            ["1", "200", "250.00", credit, "2023-01-31"],
            ["1", "200", "-10.00", credit, "2023-01-31"],  # already signed: the indicator still rules
        ],
    )
    assert column(out, "amount") == [Decimal("250.00"), Decimal("-250.00"), Decimal("-10.00")]
    assert not converter.problems


def test_bad_indicator_and_negative_debit_are_problems():
    header = ["JE", "Account", "Betrag", "S/H", "Date"]
    converter, out = run(
        header,
        [
            ["1", "100", "10", "X", "2023-01-31"],
            ["1", "100", "-10", "S", "2023-01-31"],
            ["1", "1", "5", None, "2023-01-31"],
        ],
    )
    assert problems(converter) == [
        (2, "S/H", "X", parsing.NOT_AN_INDICATOR),
        (3, "Betrag", "-10", convert.NEGATIVE_DEBIT),
        (4, "S/H", None, convert.REQUIRED_MISSING),
    ]
    assert column(out, "amount") == [None, None, None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("-1,234.56", "-1234.56"),
        ("(1,234.56)", "-1234.56"),
        ("1234.56-", "-1234.56"),
        ("$1,234.56", "1234.56"),
        ("$ -1,234.56", "-1234.56"),
        ("-$1,234.56", "-1234.56"),
        ("€ 12.50", "12.50"),
        ("£12.50", "12.50"),
        ("1,234,567", "1234567.00"),
        ("1'234.56", "1234.56"),
        ("+7.5", "7.50"),
        (".5", "0.50"),
    ],
)
def test_formatted_amounts_with_a_decimal_point(text, expected):
    assert amounts([text]) == [Decimal(expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("(1.234,56)", "-1234.56"),
        ("1234,56-", "-1234.56"),
        ("12,5", "12.50"),
        ("1.234.567", "1234567.00"),
        ("1'234,56", "1234.56"),
        ("€ 12,50", "12.50"),
    ],
)
def test_formatted_amounts_with_a_decimal_comma(text, expected):
    assert amounts([text]) == [Decimal(expected)]


def test_decimal_mark_settled_by_one_value_reads_the_ambiguous_ones():
    assert amounts(["1,234", "1,234.50"]) == [Decimal("1234.00"), Decimal("1234.50")]
    assert amounts(["1.234", "1.234,50"]) == [Decimal("1234.00"), Decimal("1234.50")]


def test_decimal_mark_carries_to_later_batches():
    converter = Converter(GL, Options(kind="general_ledger"))
    converter.convert(2, batch(GL, [["1", "100", "1.234,50", "2023-01-31"]]))
    out = converter.convert(3, batch(GL, [["1", "100", "1.234", "2023-01-31"]]))
    assert column(out, "amount") == [Decimal("1234.00")]
    assert not converter.problems


def test_ambiguous_and_mixed_and_bad_amounts_are_problems():
    converter, _ = run(GL, [["1", "100", "1,234", "2023-01-31"]])
    assert problems(converter) == [(2, "Amount", "1,234", parsing.AMBIGUOUS_AMOUNT)]
    converter, _ = run(GL, [["1", "100", v, "2023-01-31"] for v in ("1,234.50", "2.345,50", "12a", "--5", "(5")])
    assert problems(converter) == [
        (3, "Amount", "2.345,50", parsing.MIXED_AMOUNT),
        (4, "Amount", "12a", parsing.NOT_AN_AMOUNT),
        (5, "Amount", "--5", parsing.NOT_AN_AMOUNT),
        (6, "Amount", "(5", parsing.NOT_AN_AMOUNT),
    ]


def test_missing_required_amount_is_a_problem():
    converter, _ = run(GL, [["1", "100", None, "2023-01-31"]])
    assert problems(converter) == [(2, "Amount", None, convert.REQUIRED_MISSING)]


def test_amounts_round_half_up_to_cents_with_a_warning():
    converter, out = run(GL, [["1", "100", v, "2023-01-31"] for v in ("1.005", "-1.005", "2.344", "0.994999", "3.10")])
    assert column(out, "amount") == [
        Decimal("1.01"),
        Decimal("-1.01"),
        Decimal("2.34"),
        Decimal("0.99"),
        Decimal("3.10"),
    ]
    rounded = warning(converter, "amount_rounded")
    assert (rounded["count"], rounded["rows"]) == (4, [2, 3, 4, 5])


def test_float_noise_is_rounded_without_a_warning():
    converter, out = run(GL, [["1", "100", v, "2023-01-31"] for v in ("1234.5600000000001", "0.30000000000000004")])
    assert column(out, "amount") == [Decimal("1234.56"), Decimal("0.30")]
    assert warning(converter, "amount_rounded") is None
    _, out = run(GL, [["1", "100", "1234.5599999999999", "2023-01-31"]])
    assert column(out, "amount") == [Decimal("1234.56")]


@settings(max_examples=200, deadline=None)
@given(
    cents=st.integers(min_value=-(10**15), max_value=10**15),
    decimal_comma=st.booleans(),
    negative_style=st.sampled_from(["minus", "parentheses", "trailing"]),
    currency=st.sampled_from(["", "$", "€ "]),
)
def test_formatted_amounts_round_trip(cents, decimal_comma, negative_style, currency):
    value = Decimal(cents).scaleb(-2)
    grouped = f"{abs(value):,.2f}"
    if decimal_comma:
        grouped = grouped.replace(",", " ").replace(".", ",").replace(" ", ".")
    text = currency + grouped
    if value < 0:
        text = {"minus": f"-{text}", "parentheses": f"({text})", "trailing": f"{text}-"}[negative_style]
    assert amounts([text]) == [value]


# -- dates and times -------------------------------------------------------------------------------


def dates(values, **options):
    converter, out = run(GL, [["1", "100", "1", v] for v in values], **options)
    return converter, column(out, "effective_date")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20231231", date(2023, 12, 31)),
        ("2023-12-31", date(2023, 12, 31)),
        ("2023-12-31T23:59:59", date(2023, 12, 31)),
        ("2023-12-31 08:00:00", date(2023, 12, 31)),
        ("2023-12-31T08:00:00Z", date(2023, 12, 31)),
        ("2023/12/31", date(2023, 12, 31)),
        ("45291", date(2023, 12, 31)),
        ("45291.75", date(2023, 12, 31)),
        ("1", date(1900, 1, 1)),
        ("61", date(1900, 3, 1)),
    ],
)
def test_unambiguous_date_forms(text, expected):
    converter, values = dates([text])
    assert values == [expected]
    assert not converter.problems


def test_dates_of_mixed_forms_in_one_column():
    converter, values = dates(["2023-12-31", "20231130", "45291", "2023-1-5"])
    assert values == [date(2023, 12, 31), date(2023, 11, 30), date(2023, 12, 31), date(2023, 1, 5)]
    assert not converter.problems


@pytest.mark.parametrize(
    ("order", "text", "expected"),
    [
        ("dmy", "31/12/2023", date(2023, 12, 31)),
        ("dmy", "01/02/2023", date(2023, 2, 1)),
        ("mdy", "01/02/2023", date(2023, 1, 2)),
        ("mdy", "12/31/2023", date(2023, 12, 31)),
        ("dmy", "31.12.2023", date(2023, 12, 31)),
        ("dmy", "31-12-2023", date(2023, 12, 31)),
        ("dmy", "1.2.23", date(2023, 2, 1)),
        ("mdy", "1/2/99", date(1999, 1, 2)),
        ("mdy", "12/31/2023 11:45 PM", date(2023, 12, 31)),
    ],
)
def test_day_month_year_forms_with_date_order(order, text, expected):
    converter, values = dates([text], date_order=order)
    assert values == [expected]
    assert not converter.problems


def test_slash_dates_without_date_order_are_ambiguous():
    converter, values = dates(["31/12/2023", "01/02/2023"])
    assert values == [None, None]
    assert problems(converter) == [
        (2, "Posting Date", "31/12/2023", "ambiguous date; pass date_order=dmy or mdy"),
        (3, "Posting Date", "01/02/2023", "ambiguous date; pass date_order=dmy or mdy"),
    ]


@pytest.mark.parametrize("text", ["2023-02-30", "20230230", "2023-13-01", "2023-02-29", "29/02/2023", "60"])
def test_impossible_calendar_days_are_problems(text):
    converter, values = dates([text], date_order="dmy")
    assert values == [None]
    assert problems(converter) == [(2, "Posting Date", text, parsing.NO_SUCH_DAY)]


@pytest.mark.parametrize("text", ["yesterday", "2023-12-31x", "123456", "2023-12-31 25:00:00", "Dec 31 2023"])
def test_unreadable_dates_are_problems(text):
    converter, _ = dates([text])
    assert problems(converter) == [
        (
            2,
            "Posting Date",
            text,
            "not a date: expected YYYY-MM-DD, YYYYMMDD, an Excel serial or (with date_order) d/m/Y",
        )
    ]


def test_leap_day_is_a_date():
    assert dates(["2024-02-29", "20240229"])[1] == [date(2024, 2, 29)] * 2


def test_unreadable_optional_date_is_a_warning_and_empty():
    header = [*GL, "Approval Date"]
    converter, out = run(header, [["1", "100", "1", "2023-01-31", "soon"]])
    assert column(out, "approved_date") == [None]
    assert not converter.problems
    assert warning(converter, "unreadable_approved_date")["rows"] == [2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("93015", time(9, 30, 15)),
        ("093015", time(9, 30, 15)),
        ("0", time(0, 0, 0)),
        ("5", time(0, 0, 5)),
        ("1530", time(0, 15, 30)),
        ("09:30:15", time(9, 30, 15)),
        ("9:30:15", time(9, 30, 15)),
        ("09:30", time(9, 30)),
        ("9:30 PM", time(21, 30)),
        ("12:00 AM", time(0, 0)),
        ("0.5", time(12, 0)),
    ],
)
def test_time_forms(text, expected):
    header = [*GL, "Entered_Time"]
    converter, out = run(header, [["1", "100", "1", "2023-01-31", text]])
    assert column(out, "entered_time") == [expected]
    assert not converter.warnings.entries.get("unreadable_entered_time")


def test_uniform_time_columns_take_the_fast_path():
    header = [*GL, "Entered_Time"]
    _, out = run(header, [["1", "100", "1", "2023-01-31", t] for t in ("093015", "235959")])
    assert column(out, "entered_time") == [time(9, 30, 15), time(23, 59, 59)]
    _, out = run(header, [["1", "100", "1", "2023-01-31", t] for t in ("09:30:15", "23:59:59")])
    assert column(out, "entered_time") == [time(9, 30, 15), time(23, 59, 59)]


@pytest.mark.parametrize("text", ["250000", "12:60:00", "noon", "24:00:00"])
def test_unreadable_times_are_warnings(text):
    header = [*GL, "Entered_Time"]
    converter, out = run(header, [["1", "100", "1", "2023-01-31", text]])
    assert column(out, "entered_time") == [None]
    assert warning(converter, "unreadable_entered_time")["rows"] == [2]


def test_entered_date_time_part_fills_entered_time_when_there_is_no_time_column():
    header = [*GL, "Entered_Date"]
    _, out = run(header, [["1", "100", "1", "2023-01-31", v] for v in ("2023-02-01T09:30:15", "45291.5", "2023-02-01")])
    assert column(out, "entered_date") == [date(2023, 2, 1), date(2023, 12, 31), date(2023, 2, 1)]
    assert column(out, "entered_time") == [time(9, 30, 15), time(12, 0), None]


# -- rows, batches, caps ---------------------------------------------------------------------------


def test_bad_date_on_row_7312_of_20000_rows_in_two_batches():
    rows = [[f"J{i // 2}", "4000", "10.00", "2023-06-30"] for i in range(20_000)]
    rows[7_310][3] = "2023-06-31"  # spreadsheet row 7312: header is row 1, the first record row 2
    rows[7_311][3] = "30/06/2023"
    converter = Converter(GL, Options(kind="general_ledger"))
    first = converter.convert(2, batch(GL, rows[:5_000]))
    second = converter.convert(5_002, batch(GL, rows[5_000:]))
    assert first.num_rows + second.num_rows == 20_000
    assert second.column("row_number")[2_310].as_py() == 7_312
    assert problems(converter) == [
        (7_312, "Posting Date", "2023-06-31", "not a calendar day"),
        (7_313, "Posting Date", "30/06/2023", "ambiguous date; pass date_order=dmy or mdy"),
    ]
    with pytest.raises(IngestRejected) as caught:
        converter.finish()
    assert caught.value.code == "invalid_values"
    assert caught.value.message == (
        "2 values could not be read; first: row 7312 column Posting Date value 2023-06-31: not a calendar day"
    )


def test_problems_are_capped_at_100_with_the_total():
    converter = Converter(GL, Options(kind="general_ledger"))
    rows = [["1", "100", "ten", "2023-01-31"]] * 150
    converter.convert(2, batch(GL, rows))
    converter.convert(152, batch(GL, rows))
    assert converter.problems.count == 300
    assert len(converter.problems.problems) == 100
    assert converter.problems.problems[0]["row"] == 2
    with pytest.raises(IngestRejected) as caught:
        converter.finish()
    assert caught.value.problem_count == 300
    assert len(caught.value.problems) == 100
    assert caught.value.as_error()["details"]["problem_count"] == 300


def test_finish_is_quiet_for_a_clean_file():
    converter, _ = run(GL, [["1", "100", "1", "2023-01-31"]])
    converter.finish()


def test_required_text_value_missing_is_a_problem():
    converter, _ = run(GL, [[None, "100", "1", "2023-01-31"], ["1", None, "1", None]])
    assert problems(converter) == [
        (2, "JE Number", None, convert.REQUIRED_MISSING),
        (3, "Account", None, convert.REQUIRED_MISSING),
        (3, "Posting Date", None, convert.REQUIRED_MISSING),
    ]


def test_values_are_trimmed_and_blank_cells_are_empty():
    header = [*GL, "Memo"]
    _, out = run(header, [[" 1 ", "\t100", " 5.00 ", " 2023-01-31 ", "   "]])
    row = out.to_pylist()[0]
    assert (row["journal_id"], row["account_number"], row["amount"]) == ("1", "100", Decimal("5.00"))
    assert row["description"] is None


def test_line_numbers_count_per_journal_across_batches():
    converter = Converter(GL, Options(kind="general_ledger"))
    first = converter.convert(
        2, batch(GL, [["A", "1", "1", "2023-01-31"], ["B", "1", "1", "2023-01-31"], ["A", "1", "1", "2023-01-31"]])
    )
    second = converter.convert(
        5, batch(GL, [["B", "1", "1", "2023-01-31"], ["A", "1", "1", "2023-01-31"], ["C", "1", "1", "2023-01-31"]])
    )
    assert column(first, "line_number") == [1, 1, 2]
    assert column(second, "line_number") == [2, 3, 1]


def test_given_line_numbers_are_kept_and_gaps_filled():
    header = [*GL, "Line"]
    _, out = run(
        header,
        [
            ["A", "1", "1", "2023-01-31", "10"],
            ["A", "1", "1", "2023-01-31", None],
            ["A", "1", "1", "2023-01-31", "3.0"],
        ],
    )
    assert column(out, "line_number") == [10, 2, 3]


def test_fiscal_year_and_period():
    header = [*GL, "Fiscal_Year", "Period"]
    converter, out = run(
        header, [["A", "1", "1", "2023-01-31", "2023", " 01 "], ["A", "1", "1", "2023-01-31", "FY2024", "M13"]]
    )
    assert column(out, "fiscal_year") == [2023, 2024]
    assert column(out, "period") == ["01", "M13"]
    assert not converter.warnings.entries.get("unreadable_fiscal_year")


# -- warnings --------------------------------------------------------------------------------------


def test_placeholder_dates_are_warnings():
    header = [*GL, "Approved_Date"]
    converter, out = run(header, [["A", "1", "1", "1900-01-01", "9999-12-31"], ["A", "1", "1", "2023-01-31", None]])
    assert column(out, "effective_date")[0] == date(1900, 1, 1)
    placeholder = warning(converter, "placeholder_date")
    assert (placeholder["count"], placeholder["rows"]) == (2, [2, 2])
    assert not converter.problems


def test_dates_outside_the_fiscal_year_are_warnings():
    converter, _ = dates(
        ["2022-12-31", "2023-01-01", "2023-12-31", "2024-01-01"],
        fiscal_start=date(2023, 1, 1),
        fiscal_end=date(2023, 12, 31),
    )
    outside = warning(converter, "outside_fiscal_year")
    assert (outside["count"], outside["rows"]) == (2, [2, 5])


def test_blank_users_are_warnings():
    header = [*GL, "Entered_By"]
    converter, _ = run(header, [["A", "1", "1", "2023-01-31", "alice"], ["A", "1", "1", "2023-01-31", " "]])
    blank = warning(converter, "blank_user")
    assert (blank["count"], blank["rows"]) == (1, [3])


def test_unmapped_columns_are_a_warning():
    converter, _ = run([*GL, "Segment01", "Comment 2"], [["A", "1", "1", "2023-01-31", "x", "y"]])
    unmapped = warning(converter, "unmapped_columns")
    assert unmapped["count"] == 2
    assert "Segment01, Comment 2" in unmapped["message"]


def test_date_order_must_be_known():
    with pytest.raises(ValueError, match="date_order"):
        Converter(GL, Options(kind="general_ledger", date_order="ymd"))


# -- trial balance and chart of accounts -----------------------------------------------------------


def test_trial_balance_signed_forms():
    header = ["Account", "Name", "Opening Balance", "Debit", "Credit", "Closing Balance", "Fiscal Year"]
    converter, out = run(
        header,
        [["1000", "Cash", "100.00", "50", "20", "130.00", "2023"], ["2000", "AP", None, None, None, "-130", "2023"]],
        kind="trial_balance",
    )
    assert out.to_pylist()[0] == {
        "row_number": 2,
        "account_number": "1000",
        "account_name": "Cash",
        "account_type": None,
        "business_unit": None,
        "fiscal_year": 2023,
        "period": None,
        "opening_balance": Decimal("100.00"),
        "period_debit": Decimal("50.00"),
        "period_credit": Decimal("20.00"),
        "closing_balance": Decimal("130.00"),
    }
    assert column(out, "opening_balance")[1] is None
    assert column(out, "closing_balance")[1] == Decimal("-130.00")
    assert not converter.problems


def test_trial_balance_debit_credit_and_indicator_forms():
    _, out = run(
        ["Account", "Closing Debit", "Closing Credit", "Opening Balance", "Opening D/C"],
        [["1000", "130", None, "100", "D"], ["2000", None, "130", "100", "C"]],
        kind="trial_balance",
    )
    assert column(out, "closing_balance") == [Decimal("130.00"), Decimal("-130.00")]
    assert column(out, "opening_balance") == [Decimal("100.00"), Decimal("-100.00")]
    converter, out = run(
        ["GL_Account_Number", "Amount_Ending", "Amount_Credit_Debit_Indicator"],
        [["1000", "130", "Dr"], ["2000", "130", "Cr"], ["3000", "1", "?"]],
        kind="trial_balance",
    )
    assert column(out, "closing_balance") == [Decimal("130.00"), Decimal("-130.00"), None]
    assert problems(converter) == [(4, "Amount_Credit_Debit_Indicator", "?", parsing.NOT_AN_INDICATOR)]


def test_trial_balance_closing_balance_is_required_per_row():
    converter, _ = run(["Account", "Balance"], [["1000", None]], kind="trial_balance")
    assert problems(converter) == [(2, "Balance", None, convert.REQUIRED_MISSING)]


def test_chart_of_accounts_normal_balance():
    header = ["Account", "Account Name", "Account Type", "Normal Balance", "Parent Account"]
    converter, out = run(
        header,
        [
            ["1000", "Cash", "Asset", "Debit", "1"],
            ["2000", "AP", "Liability", "cr", "2"],
            ["3000", "Equity", "Equity", "H", None],
            ["4000", "Revenue", "Revenue", "S", None],
            ["5000", "Odd", "Expense", "?", None],
        ],
        kind="chart_of_accounts",
    )
    assert column(out, "normal_balance") == ["debit", "credit", "credit", "debit", None]
    assert column(out, "parent_account") == ["1", "2", None, None, None]
    assert not converter.problems
    assert warning(converter, "unreadable_normal_balance")["rows"] == [6]


def test_chart_of_accounts_requires_names_per_row():
    converter, _ = run(["Account", "Account Name"], [["1000", None]], kind="chart_of_accounts")
    assert problems(converter) == [(2, "Account Name", None, convert.REQUIRED_MISSING)]


def test_saft_excel_view_general_ledger_rows_convert():
    from tests.unit.ingestion.test_fields import SAFT_GL_HEADER

    row = dict.fromkeys(SAFT_GL_HEADER)
    row.update(
        {
            "År": "2017",
            "Periode": "1",
            "Kontonr.": "2400",
            "Bilagsnr.": "1001",
            "Linjenr.": "2",
            "Bilagsdato": "2017-01-04 00:00:00",
            "Beløp/Deb": "0",
            "Beløp/Kre": "-12500",
            "Beløp": "-12500",
            "Systemdato": "2017-01-05 00:00:00",
            "Posteringsdato": "2017-01-05 00:00:00",
        }
    )
    converter, out = run(SAFT_GL_HEADER, [[row[h] for h in SAFT_GL_HEADER]])
    [line] = out.to_pylist()
    assert (line["journal_id"], line["line_number"], line["account_number"]) == ("1001", 2, "2400")
    assert line["amount"] == Decimal("-12500.00")
    assert (line["effective_date"], line["document_date"]) == (date(2017, 1, 5), date(2017, 1, 4))
    assert (line["fiscal_year"], line["period"]) == (2017, "1")
    assert not converter.problems
