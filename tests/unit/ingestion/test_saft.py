"""The SAF-T reader against the Norwegian Tax Administration's published example and hostile or broken XML.

The example's facts (53 vouchers, 170 lines, 9 487 049.35 on each side) come from its own header and
from the tax administration's Excel view of the same ledger, so they check the reader independently.
"""

from __future__ import annotations

import io
import tracemalloc
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from functions.ingestion.problems import IngestRejected
from functions.ingestion.saft import (
    BATCH_ROWS,
    CHART_OF_ACCOUNTS_COLUMNS,
    GENERAL_LEDGER_COLUMNS,
    TRIAL_BALANCE_COLUMNS,
    open_saft,
)

pytestmark = pytest.mark.unit

EXAMPLE = Path(__file__).parents[2] / "data" / "saf-t" / "saft-financial-example-888888888.xml"
NORWEGIAN_NAMESPACE = "urn:StandardAuditFile-Taxation-Financial:NO"
OECD_NAMESPACE = "urn:OECD:StandardAuditFile-Tax:2.00"


def rows_of(data: bytes, kind: str) -> tuple[Any, list[dict[str, Any]]]:
    source = open_saft(io.BytesIO(data), kind=kind)
    rows = [row for _, batch in source.chunks for row in batch.to_pylist()]
    return source, rows


def amount(text: str | None) -> Decimal:
    return Decimal(text) if text is not None else Decimal(0)


def rejected(data: bytes, kind: str = "general_ledger") -> IngestRejected:
    with pytest.raises(IngestRejected) as caught:
        rows_of(data, kind)
    return caught.value


def saft(body: str, *, namespace: str = NORWEGIAN_NAMESPACE, prefix: str = "n1") -> bytes:
    """A small SAF-T document written without prefixes, then given the namespace and prefix asked for."""
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<AuditFile xmlns="{namespace}">
  <Header><DefaultCurrencyCode>NOK</DefaultCurrencyCode></Header>
  {body}
</AuditFile>
"""
    if prefix:
        document = document.replace(f'xmlns="{namespace}"', f'xmlns:{prefix}="{namespace}"')
        document = document.replace("</", f"</{prefix}:").replace("<", f"<{prefix}:")
        document = document.replace(f"<{prefix}:?xml", "<?xml").replace(f"<{prefix}:/", "</")
    return document.encode()


def line(record: str | None, account: str, side: str, value: str, extra: str = "") -> str:
    record_id = f"<RecordID>{record}</RecordID>" if record is not None else ""
    return f"<Line>{record_id}<AccountID>{account}</AccountID>{extra}<{side}><Amount>{value}</Amount></{side}></Line>"


def transaction(transaction_id: str, *lines: str, extra: str = "") -> str:
    return (
        f"<Transaction><TransactionID>{transaction_id}</TransactionID><TransactionDate>2024-03-01</TransactionDate>"
        f"{extra}{''.join(lines)}</Transaction>"
    )


def ledger(*journals: tuple[str, list[str]]) -> str:
    body = "".join(
        f"<Journal><JournalID>{journal_id}</JournalID>{''.join(items)}</Journal>" for journal_id, items in journals
    )
    return f"<GeneralLedgerEntries><NumberOfEntries>1</NumberOfEntries>{body}</GeneralLedgerEntries>"


BALANCED = transaction("1", line("1", "1920", "DebitAmount", "100.00"), line("2", "3000", "CreditAmount", "100.00"))


# --- the published example ----------------------------------------------------------------------------


def test_the_example_general_ledger_has_every_line_and_matches_its_control_totals() -> None:
    source, rows = rows_of(EXAMPLE.read_bytes(), "general_ledger")

    assert source.format == "saft"
    assert source.header == GENERAL_LEDGER_COLUMNS
    assert len(rows) == 170
    assert len({row["journal_id"] for row in rows}) == 53
    total_debit = sum(amount(row["debit"]) for row in rows)
    total_credit = sum(amount(row["credit"]) for row in rows)
    assert total_debit == total_credit == Decimal("9487049.35")
    assert source.control_totals == {"number_of_entries": 53, "total_debit": "9487049.35", "total_credit": "9487049.35"}
    assert Decimal(source.control_totals["total_debit"]) == total_debit
    assert all((row["debit"] is None) != (row["credit"] is None) for row in rows)


def test_the_example_rows_carry_the_voucher_fields_as_written() -> None:
    _, rows = rows_of(EXAMPLE.read_bytes(), "general_ledger")

    assert rows[0] == {
        "journal_id": "1001",
        "line_number": "1",
        "account_number": "4000",
        "debit": "10000",
        "credit": None,
        "effective_date": "2017-01-05",
        "document_date": "2017-01-04",
        "entered_date": "2017-01-05",
        "entered_time": None,
        "entered_by": None,
        "source": "GL",
        "header_description": "Faktura 1155 - Stoff til kosebamser",
        "description": "Faktura 1155 - Stoff til kosebamser",
        "period": "01",
        "fiscal_year": "2017",
        "currency": "NOK",
    }
    assert Counter(row["period"] for row in rows) == {"01": 41, "02": 42, "03": 43, "04": 44}
    assert min(row["effective_date"] for row in rows) == "2017-01-05"
    assert max(row["effective_date"] for row in rows) == "2017-04-30"
    assert "97700.00" in {row["credit"] for row in rows}, "amounts stay as the text in the file"


def test_every_voucher_in_the_example_balances() -> None:
    _, rows = rows_of(EXAMPLE.read_bytes(), "general_ledger")
    balance: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        balance[row["journal_id"]] += amount(row["debit"]) - amount(row["credit"])

    assert {journal: net for journal, net in balance.items() if net} == {}


def test_the_example_header_facts_are_in_the_details() -> None:
    source, _ = rows_of(EXAMPLE.read_bytes(), "general_ledger")

    assert source.details == source.details | {
        "row_meaning": "transaction line ordinal",
        "namespace": NORWEGIAN_NAMESPACE,
        "audit_file_version": "1.0",
        "company_name": "Tøyen Lekefabrikk AS",
        "registration_number": "888888888",
        "default_currency": "NOK",
        "software_company": "Nøyaktig Regnskapssystem",
        "software_id": "N-SYS",
        "software_version": "12.002",
        "period_start": "01",
        "period_start_year": "2017",
        "period_end": "04",
        "period_end_year": "2017",
        "fiscal_year_start": "2017-01-01",
        "fiscal_year_end": "2017-04-30",
        "journals": 1,
        "transactions": 53,
        "lines": 170,
        "journal_ids_qualified_by_journal": False,
    }


def test_the_example_trial_balance_lists_the_accounts_and_does_not_balance() -> None:
    """The example's master balances are illustrative: neither opening nor closing sums to zero."""
    source, rows = rows_of(EXAMPLE.read_bytes(), "trial_balance")

    assert source.header == TRIAL_BALANCE_COLUMNS
    assert source.control_totals is None
    assert source.details["row_meaning"] == "account ordinal"
    assert len(rows) == source.details["accounts"] == 22
    assert rows[0] == {
        "account_number": "1250",
        "account_name": "Inventar",
        "account_type": "GL",
        "standard_account": "12",
        "opening_debit": "132500",
        "opening_credit": None,
        "closing_debit": "145500",
        "closing_credit": None,
    }
    closing = sum(amount(row["closing_debit"]) - amount(row["closing_credit"]) for row in rows)
    opening = sum(amount(row["opening_debit"]) - amount(row["opening_credit"]) for row in rows)
    assert closing == Decimal("2491571.75")
    assert opening == Decimal("2545410")


def test_the_example_rolls_forward_except_for_the_bank_and_two_rounding_accounts() -> None:
    _, accounts = rows_of(EXAMPLE.read_bytes(), "trial_balance")
    _, lines = rows_of(EXAMPLE.read_bytes(), "general_ledger")
    activity: dict[str, Decimal] = defaultdict(Decimal)
    for row in lines:
        activity[row["account_number"]] += amount(row["debit"]) - amount(row["credit"])

    differences = {}
    for row in accounts:
        opening = amount(row["opening_debit"]) - amount(row["opening_credit"])
        closing = amount(row["closing_debit"]) - amount(row["closing_credit"])
        if opening + activity[row["account_number"]] != closing:
            differences[row["account_number"]] = opening + activity[row["account_number"]] - closing
    assert set(activity) <= {row["account_number"] for row in accounts}
    assert differences == {"1920": Decimal("53838.25"), "2711": Decimal("-0.35"), "2740": Decimal("0.35")}


def test_the_example_chart_of_accounts_has_the_same_accounts() -> None:
    source, rows = rows_of(EXAMPLE.read_bytes(), "chart_of_accounts")
    _, balances = rows_of(EXAMPLE.read_bytes(), "trial_balance")

    assert source.header == CHART_OF_ACCOUNTS_COLUMNS
    assert len(rows) == 22
    assert [row["account_number"] for row in rows] == [row["account_number"] for row in balances]
    assert rows[-1] == {
        "account_number": "7320",
        "account_name": rows[-1]["account_name"],
        "account_type": "GL",
        "standard_account": "73",
        "parent_account": None,
    }


def test_a_stream_that_cannot_seek_is_read_all_the_same() -> None:
    class ForwardOnly(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    source = open_saft(ForwardOnly(EXAMPLE.read_bytes()), kind="general_ledger")  # type: ignore[arg-type]

    assert sum(batch.num_rows for _, batch in source.chunks) == 170


# --- namespaces and layout ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "prefix"),
    [
        (OECD_NAMESPACE, "saf"),
        (OECD_NAMESPACE, ""),
        (NORWEGIAN_NAMESPACE, "x"),
        ("urn:StandardAuditFile-Taxation-Financial:PL", "tns"),
    ],
)
def test_the_example_reads_the_same_under_another_namespace_and_prefix(namespace: str, prefix: str) -> None:
    original = EXAMPLE.read_bytes()
    text = original.decode("utf-8-sig").replace(NORWEGIAN_NAMESPACE, namespace)
    text = text.replace("xmlns:n1=", f"xmlns:{prefix}=" if prefix else "xmlns=")
    text = text.replace("<n1:", f"<{prefix}:" if prefix else "<").replace("</n1:", f"</{prefix}:" if prefix else "</")

    source, rows = rows_of(text.encode(), "general_ledger")

    assert source.details["namespace"] == namespace
    assert rows == rows_of(original, "general_ledger")[1]
    assert len(rows_of(text.encode(), "trial_balance")[1]) == 22


def test_a_file_without_any_namespace_reads() -> None:
    _, rows = rows_of(
        saft(ledger(("GL", [BALANCED])), namespace="", prefix="").replace(b' xmlns=""', b""), "general_ledger"
    )

    assert [row["account_number"] for row in rows] == ["1920", "3000"]


def test_transaction_ids_that_repeat_across_journals_are_qualified_by_the_journal() -> None:
    data = saft(ledger(("SALES", [BALANCED]), ("BANK", [BALANCED])))

    source, rows = rows_of(data, "general_ledger")

    assert [row["journal_id"] for row in rows] == ["SALES:1", "SALES:1", "BANK:1", "BANK:1"]
    assert [row["source"] for row in rows] == ["SALES", "SALES", "BANK", "BANK"]
    assert source.details["journal_ids_qualified_by_journal"] is True
    assert source.details["journals"] == 2


def test_transaction_ids_unique_across_journals_stay_as_written() -> None:
    other = BALANCED.replace("<TransactionID>1<", "<TransactionID>2<")

    source, rows = rows_of(saft(ledger(("SALES", [BALANCED]), ("BANK", [other]))), "general_ledger")

    assert [row["journal_id"] for row in rows] == ["1", "1", "2", "2"]
    assert source.details["journal_ids_qualified_by_journal"] is False


def test_lines_without_numeric_record_ids_are_numbered_within_the_voucher() -> None:
    voucher = transaction(
        "7",
        line("A", "1920", "DebitAmount", "5"),
        line("B", "3000", "CreditAmount", "4"),
        line(None, "2700", "CreditAmount", "1"),
    )
    numbered = transaction("8", line("010", "1920", "DebitAmount", "5"), line("20", "3000", "CreditAmount", "5"))

    _, rows = rows_of(saft(ledger(("GL", [voucher, numbered]))), "general_ledger")

    assert [row["line_number"] for row in rows] == ["1", "2", "3", "10", "20"]


def test_entry_time_user_posting_date_and_journal_type_come_from_where_the_file_has_them() -> None:
    voucher = transaction(
        "9",
        line("1", "1920", "DebitAmount", "5", extra="<SourceID>kari</SourceID><Description> Bank </Description>"),
        line("2", "3000", "CreditAmount", "5", extra="<Description></Description>"),
        extra="<Period>3</Period><PeriodYear>2024</PeriodYear><Description>Voucher 9</Description>"
        "<SystemEntryDate>2024-03-02T09:05:07.123+01:00</SystemEntryDate><GLPostingDate>2024-03-04</GLPostingDate>",
    )
    body = ledger(("GL", [voucher])).replace("<JournalID>GL</JournalID>", "<JournalID>GL</JournalID><Type>S</Type>")

    _, rows = rows_of(saft(body), "general_ledger")

    assert rows[0] | {} == rows[0] | {
        "effective_date": "2024-03-04",
        "document_date": "2024-03-01",
        "entered_date": "2024-03-02",
        "entered_time": "09:05:07",
        "entered_by": "kari",
        "source": "S",
        "header_description": "Voucher 9",
        "description": "Bank",
        "period": "3",
        "fiscal_year": "2024",
    }
    assert (rows[1]["entered_by"], rows[1]["description"]) == (None, None)


def test_batches_hold_at_most_the_batch_size_and_say_their_first_line() -> None:
    vouchers = [BALANCED.replace("<TransactionID>1<", f"<TransactionID>{number}<") for number in range(40_000)]

    source = open_saft(io.BytesIO(saft(ledger(("GL", vouchers)))), kind="general_ledger")
    batches = list(source.chunks)

    assert [(first, batch.num_rows) for first, batch in batches] == [
        (1, BATCH_ROWS),
        (BATCH_ROWS + 1, 80_000 - BATCH_ROWS),
    ]
    assert all(batch.schema.names == GENERAL_LEDGER_COLUMNS for _, batch in batches)
    assert all(str(field.type) == "string" for _, batch in batches for field in batch.schema)


# --- refusals ---------------------------------------------------------------------------------------------


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE AuditFile [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<AuditFile><Header><DefaultCurrencyCode>&lol3;</DefaultCurrencyCode></Header></AuditFile>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE AuditFile [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<AuditFile><Header><DefaultCurrencyCode>&secret;</DefaultCurrencyCode></Header></AuditFile>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE AuditFile SYSTEM "http://example.invalid/saft.dtd">
<AuditFile/>
"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["laughs", "entity", "dtd"])
def test_a_dtd_or_entity_is_refused_unexpanded(document: bytes) -> None:
    refusal = rejected(document)

    assert refusal.code == "unsafe_xml"
    assert "lol" not in refusal.message
    assert "root:" not in refusal.message


def test_malformed_xml_is_refused_with_its_position() -> None:
    document = saft(ledger(("GL", [BALANCED]))).replace(b"</n1:AccountID>", b"</n1:Account>", 1)

    refusal = rejected(document)

    assert refusal.code == "malformed_xml"
    assert "line 4, column 275: mismatched tag." in refusal.message


def test_a_truncated_file_is_refused_before_any_row_is_handed_out() -> None:
    data = EXAMPLE.read_bytes()

    refusal = rejected(data[: len(data) * 2 // 3])

    assert refusal.code == "malformed_xml"
    assert "line 2811, column 24" in refusal.message
    assert "cut short" in refusal.message


def test_an_empty_file_is_malformed() -> None:
    assert rejected(b"\xef\xbb\xbf").code == "malformed_xml"


def test_xml_that_is_not_saft_is_refused() -> None:
    refusal = rejected(b"<?xml version='1.0'?><Invoice><ID>1</ID></Invoice>")

    assert refusal.code == "not_saft"
    assert "'Invoice'" in refusal.message


def test_a_file_without_general_ledger_entries_has_no_rows_for_a_ledger() -> None:
    document = EXAMPLE.read_bytes()
    without_ledger = document[: document.index(b"<n1:GeneralLedgerEntries>")] + b"</n1:AuditFile>\n"

    refusal = rejected(without_ledger)

    assert refusal.code == "no_rows"
    assert "GeneralLedgerEntries" in refusal.message
    assert len(rows_of(without_ledger, "trial_balance")[1]) == 22


def test_an_empty_ledger_and_a_file_without_accounts_have_no_rows() -> None:
    empty_ledger = saft("<GeneralLedgerEntries><NumberOfEntries>0</NumberOfEntries></GeneralLedgerEntries>")

    assert "Journal/Transaction/Line" in rejected(empty_ledger).message
    for kind in ("trial_balance", "chart_of_accounts"):
        refusal = rejected(empty_ledger, kind)
        assert refusal.code == "no_rows"
        assert "GeneralLedgerAccounts" in refusal.message


def test_lines_that_cannot_be_read_are_listed_with_their_xml_line() -> None:
    both = "<Line><RecordID>2</RecordID><AccountID>3000</AccountID><DebitAmount><Amount>1</Amount></DebitAmount>\n"
    both += "<CreditAmount><Amount>1</Amount></CreditAmount></Line>"
    voucher = transaction(
        "1", line("1", "1920", "DebitAmount", "1"), "\n" + both, "<Line><RecordID>3</RecordID></Line>"
    )

    refusal = rejected(saft(ledger(("GL", [voucher]))))

    assert refusal.code == "invalid_saft"
    assert refusal.problem_count == 3
    assert [(problem["row"], problem["column"]) for problem in refusal.problems] == [
        (2, "debit"),
        (3, "account_number"),
        (3, "debit"),
    ]
    assert "(XML line 5)" in refusal.problems[0]["reason"]
    assert "(XML line 6)" in refusal.problems[1]["reason"]


# --- scale ------------------------------------------------------------------------------------------------


def write_large_ledger(path: Path, vouchers: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<n1:AuditFile xmlns:n1="{NORWEGIAN_NAMESPACE}">\n')
        out.write("<n1:Header><n1:DefaultCurrencyCode>NOK</n1:DefaultCurrencyCode></n1:Header>\n")
        out.write(f"<n1:GeneralLedgerEntries><n1:NumberOfEntries>{vouchers}</n1:NumberOfEntries>\n")
        out.write("<n1:Journal><n1:JournalID>GL</n1:JournalID>\n")
        # Few elements per line: tracemalloc slows every allocation, and it is the line count that matters.
        for number in range(vouchers):
            out.write(
                f"<n1:Transaction><n1:TransactionID>{number}</n1:TransactionID>"
                "<n1:TransactionDate>2024-01-02</n1:TransactionDate>\n"
                "<n1:Line><n1:AccountID>1920</n1:AccountID>"
                "<n1:DebitAmount><n1:Amount>200.00</n1:Amount></n1:DebitAmount></n1:Line>\n"
                "<n1:Line><n1:AccountID>3000</n1:AccountID>"
                "<n1:CreditAmount><n1:Amount>160.00</n1:Amount></n1:CreditAmount></n1:Line>\n"
                "<n1:Line><n1:AccountID>2700</n1:AccountID>"
                "<n1:CreditAmount><n1:Amount>40.00</n1:Amount></n1:CreditAmount></n1:Line>\n"
                "</n1:Transaction>\n"
            )
        out.write("</n1:Journal></n1:GeneralLedgerEntries></n1:AuditFile>\n")


@pytest.mark.slow
def test_a_large_ledger_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "large.xml"
    # 120,000 lines (two batches): held as a tree they would take well over 100 MB, streamed a few MB.
    write_large_ledger(path, 40_000)

    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            source = open_saft(stream, kind="general_ledger")
            counted, debit = 0, Decimal(0)
            for first_row, batch in source.chunks:
                assert first_row == counted + 1
                assert batch.num_rows <= BATCH_ROWS
                counted += batch.num_rows
                debit += sum(Decimal(value) for value in batch.column("debit").to_pylist() if value is not None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert counted == 120_000
    assert debit == Decimal("8000000.00")
    assert source.control_totals == {"number_of_entries": 40_000, "total_debit": None, "total_credit": None}
    assert peak < 60 * 1024 * 1024
