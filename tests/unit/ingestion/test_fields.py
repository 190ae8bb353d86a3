import sys
from pathlib import Path

import pytest

from functions.ingestion import aliases, fields, header_match
from functions.ingestion.problems import IngestRejected

pytestmark = pytest.mark.unit

SAFT_EXCEL_VIEW = Path("/work/shared/data/saf-t/saft-financial-example-888888888-excel-view.xlsx")
# The header rows of that file, so the test runs where the shared data folder is absent.
SAFT_GL_HEADER = [
    "År", "Periode", "Transaksjonstype", "Kontonr.", "Kontonavn", "Kontotype", "Inngående balanse",
    "Utgående balanse", "Bilagsnr.", "Bilagstekst", "Linjenr.", "Bilagsdato", "Linjetekst", "Beløp/Deb",
    "Beløp/Kre", "Beløp", "Avgiftskode", "Avgiftskodenavn", "Avgiftsprosent", "Avgiftsbeløp", "Avgiftsbasis",
    "Avgiftsrapporteringsperiode", "Dimensjonstype", "Dimensjonskode", "Dimensjonsbeløp", "Standard kontonr.",
    "Grupperingskategori", "Grupperingskode", "Kundenr.", "Kundenavn", "Leverandørnr.", "Leverandørnavn",
    "Kilde ID", "Batch ID", "System ID", "Systemdato", "Systemtid", "Posteringsdato", "Kildedokument ID",
    "Referansenr.", "KID", "Forfalsdato", "Antall",
]  # fmt: skip
SAFT_ACCOUNTS_HEADER = [
    "Kontonr.", "Kontonavn", "Kontotype", "Inngående balanse", "Utgående balanse", "Standard kontonr.",
    "Grupperingskategori", "Grupperingskode", "Dato opprettet",
]  # fmt: skip


def test_header_matching_does_not_import_pyarrow():
    # header matching is on the HTTP cold-start path; importing it must not drag pyarrow in
    code = "import sys, functions.ingestion.header_match; print('pyarrow' in sys.modules)"
    import subprocess

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("header", "normal"),
    [
        ("JE Number", "jenumber"),
        ("je_number", "jenumber"),
        ("JE-Number", "jenumber"),
        ("Kontonr.", "kontonr"),
        ("Beløp/Deb", "beløpdeb"),
        ("\ufeffJournal ID", "journalid"),
        ("Geschäftsjahr", "geschäftsjahr"),
        ("STRASSE", "strasse"),
        ("  Line  # ", "line"),
    ],
)
def test_normalize_header_ignores_case_spacing_and_punctuation(header, normal):
    assert aliases.normalize_header(header) == normal


@pytest.mark.parametrize("spelling", ["JE Number", "Journal_ID", "Entry No", "journal id", "BELNR", "Belegnummer"])
def test_spec_and_erp_spellings_map_to_journal_id(spelling):
    plan = header_match.resolve("general_ledger", [spelling, "Account", "Amount", "Posting Date"])
    assert plan.columns["journal_id"] == spelling


def test_ads_gl_detail_header_resolves():
    header = [
        "Journal_ID", "Journal_ID_Line_Number", "JE_Header_Description", "JE_Line_Description", "Source",
        "Business_Unit_Code", "Fiscal_Year", "Period", "Effective_Date", "Entered_Date", "Entered_Time",
        "Entered_By", "Approved_By", "Approved_Date", "GL_Account_Number", "Amount",
        "Amount_Credit_Debit_Indicator", "Amount_Currency", "Reversal_Journal_ID", "Document_Date", "Segment01",
    ]  # fmt: skip
    plan = header_match.resolve("general_ledger", header)
    assert plan.amount_form == fields.INDICATOR
    assert plan.columns == {
        "journal_id": "Journal_ID",
        "line_number": "Journal_ID_Line_Number",
        "header_description": "JE_Header_Description",
        "description": "JE_Line_Description",
        "source": "Source",
        "business_unit": "Business_Unit_Code",
        "fiscal_year": "Fiscal_Year",
        "period": "Period",
        "effective_date": "Effective_Date",
        "entered_date": "Entered_Date",
        "entered_time": "Entered_Time",
        "entered_by": "Entered_By",
        "approved_by": "Approved_By",
        "approved_date": "Approved_Date",
        "account_number": "GL_Account_Number",
        "amount": "Amount",
        "indicator": "Amount_Credit_Debit_Indicator",
        "currency": "Amount_Currency",
        "reversal_journal_id": "Reversal_Journal_ID",
        "document_date": "Document_Date",
    }
    assert plan.unmapped == ("Segment01",)


def test_ads_je_line_number_spelling_is_accepted():
    plan = header_match.resolve(
        "general_ledger", ["Journal_ID", "JE_Line_Number", "GL_Account_Number", "Amount", "Date"]
    )
    assert plan.columns["line_number"] == "JE_Line_Number"


def test_ads_trial_balance_header_resolves():
    header = ["GL_Account_Number", "Business_Unit_Code", "Fiscal_Year", "Period", "Amount_Beginning", "Amount_Ending"]
    plan = header_match.resolve("trial_balance", header)
    assert plan.columns["opening_balance"] == "Amount_Beginning"
    assert plan.columns["closing_balance"] == "Amount_Ending"
    assert plan.amount_forms == {"closing_balance": fields.SIGNED, "opening_balance": fields.SIGNED}


def test_ads_trial_balance_with_indicator():
    header = ["GL_Account_Number", "Amount_Ending", "Amount_Credit_Debit_Indicator"]
    plan = header_match.resolve("trial_balance", header)
    assert plan.amount_forms["closing_balance"] == fields.INDICATOR
    assert plan.columns["closing_indicator"] == "Amount_Credit_Debit_Indicator"


def test_ads_chart_of_accounts_header_resolves():
    header = [
        "GL_Account_Number", "GL_Account_Name", "Account_Type", "Account_Subtype", "FS_Caption",
        "Parent_GL_Account_Number", "GL_Account_Description",
    ]  # fmt: skip
    plan = header_match.resolve("chart_of_accounts", header)
    assert plan.columns == {
        "account_number": "GL_Account_Number",
        "account_name": "GL_Account_Name",
        "account_type": "Account_Type",
        "account_subtype": "Account_Subtype",
        "fs_caption": "FS_Caption",
        "parent_account": "Parent_GL_Account_Number",
    }
    assert plan.unmapped == ("GL_Account_Description",)


def test_quickbooks_xero_style_header_uses_debit_and_credit():
    plan = header_match.resolve(
        "general_ledger", ["Trans #", "Date", "Memo", "Account Code", "Debit", "Credit", "Created By"]
    )
    assert plan.amount_form == fields.DEBIT_CREDIT
    assert (plan.columns["debit"], plan.columns["credit"]) == ("Debit", "Credit")
    assert plan.columns["entered_by"] == "Created By"


def test_sap_style_header_uses_amount_with_soll_haben_indicator():
    plan = header_match.resolve(
        "general_ledger", ["Belegnummer", "Buchungskreis", "Sachkonto", "Betrag", "S/H", "BUDAT"]
    )
    assert plan.amount_form == fields.INDICATOR
    assert plan.columns["business_unit"] == "Buchungskreis"
    assert plan.columns["indicator"] == "S/H"


def test_signed_amount_wins_over_debit_credit_and_they_are_reported_unmapped():
    plan = header_match.resolve("general_ledger", ["JE", "Account", "Debit", "Credit", "Amount", "Date"])
    assert plan.amount_form == fields.SIGNED
    assert "debit" not in plan.columns
    assert plan.columns["journal_id"] == "JE"
    assert set(plan.unmapped) == {"Debit", "Credit"}


def test_explicit_column_map_overrides_aliases():
    header = ["Voucher", "JE Number", "Account", "Amount", "Date"]
    plan = header_match.resolve("general_ledger", header, {"journal_id": "Voucher"})
    assert plan.columns["journal_id"] == "Voucher"
    assert "JE Number" in plan.unmapped


def test_explicit_column_map_naming_debit_selects_debit_credit_form():
    header = ["JE", "Account", "Amount", "Dr", "Cr", "Date"]
    plan = header_match.resolve("general_ledger", header, {"journal_id": "JE", "debit": "Dr", "credit": "Cr"})
    assert plan.amount_form == fields.DEBIT_CREDIT


def test_column_map_with_unknown_field_or_header_is_refused():
    with pytest.raises(IngestRejected) as caught:
        header_match.resolve(
            "general_ledger",
            ["JE", "Account", "Amount", "Date"],
            {"jorunal_id": "JE", "journal_id": "Voucher No"},
        )
    assert caught.value.code == "invalid_column_map"
    columns = {p["column"]: p for p in caught.value.problems}
    assert "unknown field" in columns["jorunal_id"]["reason"]
    assert columns["journal_id"]["value"] == "Voucher No"
    assert "not in the file" in columns["journal_id"]["reason"]


def test_missing_required_columns_name_the_fields_and_list_the_headers():
    with pytest.raises(IngestRejected) as caught:
        header_match.resolve("general_ledger", ["JE Number", "Description", "Foo"])
    rejected = caught.value
    assert rejected.code == "missing_columns"
    assert "account_number, amount, effective_date" in rejected.message
    assert "'JE Number', 'Description', 'Foo'" in rejected.message
    problem = next(p for p in rejected.problems if p["column"] == "effective_date")
    assert problem["row"] == 1
    assert problem["value"] is None
    assert problem["reason"].startswith("required column not found; accepted headers: effective_date, Posting Date")


def test_two_headers_for_one_field_are_ambiguous():
    with pytest.raises(IngestRejected) as caught:
        header_match.resolve("general_ledger", ["JE Number", "Journal_ID", "Account", "Amount", "Date"])
    assert caught.value.code == "ambiguous_columns"
    [problem] = caught.value.problems
    assert problem["column"] == "journal_id"
    assert problem["reason"].startswith("ambiguous")


def test_trial_balance_with_only_debit_and_credit_reads_closing_balances():
    plan = header_match.resolve("trial_balance", ["Account", "Name", "Debit", "Credit"])
    assert plan.amount_forms == {"closing_balance": fields.DEBIT_CREDIT}
    assert (plan.columns["closing_debit"], plan.columns["closing_credit"]) == ("Debit", "Credit")


def test_trial_balance_debit_and_credit_beside_balances_are_period_activity():
    plan = header_match.resolve("trial_balance", ["Account", "Opening Balance", "Debit", "Credit", "Closing Balance"])
    assert plan.columns["period_debit"] == "Debit"
    assert plan.amount_forms == {"closing_balance": fields.SIGNED, "opening_balance": fields.SIGNED}


def test_trial_balance_without_closing_balance_is_refused():
    with pytest.raises(IngestRejected) as caught:
        header_match.resolve("trial_balance", ["Account", "Opening Balance"])
    assert [p["column"] for p in caught.value.problems] == ["closing_balance"]


def test_chart_of_accounts_requires_a_name():
    with pytest.raises(IngestRejected) as caught:
        header_match.resolve("chart_of_accounts", ["Account"])
    assert [p["column"] for p in caught.value.problems] == ["account_name"]


def test_saft_excel_view_general_ledger_sheet_resolves_without_a_column_map():
    plan = header_match.resolve("general_ledger", SAFT_GL_HEADER)
    assert plan.amount_form == fields.SIGNED
    assert {
        k: plan.columns[k] for k in ("journal_id", "line_number", "account_number", "amount", "effective_date")
    } == {
        "journal_id": "Bilagsnr.",
        "line_number": "Linjenr.",
        "account_number": "Kontonr.",
        "amount": "Beløp",
        "effective_date": "Posteringsdato",
    }
    assert plan.columns["document_date"] == "Bilagsdato"
    assert plan.columns["entered_date"] == "Systemdato"
    assert plan.columns["entered_by"] == "Kilde ID"
    assert "Beløp/Kre" in plan.unmapped


@pytest.mark.parametrize("kind", ["trial_balance", "chart_of_accounts"])
def test_saft_excel_view_accounts_sheet_resolves_without_a_column_map(kind):
    plan = header_match.resolve(kind, SAFT_ACCOUNTS_HEADER)
    assert plan.columns["account_number"] == "Kontonr."
    assert plan.columns["account_name"] == "Kontonavn"
    if kind == "trial_balance":
        assert plan.columns["closing_balance"] == "Utgående balanse"
        assert plan.columns["opening_balance"] == "Inngående balanse"
    else:
        assert plan.columns["standard_account"] == "Standard kontonr."


@pytest.mark.skipif(not SAFT_EXCEL_VIEW.exists(), reason="shared SAF-T example not present")
def test_saft_excel_view_headers_match_the_file():
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.load_workbook(SAFT_EXCEL_VIEW, read_only=True)
    try:
        first_row = {ws.title: list(next(ws.iter_rows(max_row=1, values_only=True))) for ws in workbook.worksheets}
    finally:
        workbook.close()
    assert first_row["Kontospesifikasjoner"] == SAFT_GL_HEADER
    assert first_row["Kontoer"] == SAFT_ACCOUNTS_HEADER


def test_saft_xml_canonical_names_resolve_to_themselves():
    header = [
        "journal_id", "line_number", "account_number", "debit", "credit", "effective_date", "document_date",
        "entered_date", "entered_time", "entered_by", "source", "header_description", "description", "period",
        "fiscal_year", "currency",
    ]  # fmt: skip
    plan = header_match.resolve("general_ledger", header)
    assert plan.amount_form == fields.DEBIT_CREDIT
    assert all(plan.columns[name] == name for name in header)
    tb = ["account_number", "account_name", "account_type", "standard_account"]
    tb += ["opening_debit", "opening_credit", "closing_debit", "closing_credit"]
    plan = header_match.resolve("trial_balance", tb)
    assert plan.amount_forms == {"closing_balance": fields.DEBIT_CREDIT, "opening_balance": fields.DEBIT_CREDIT}
    coa = ["account_number", "account_name", "account_type", "standard_account", "parent_account"]
    assert header_match.resolve("chart_of_accounts", coa).unmapped == ()


def test_arrow_schema_matches_columns():
    import pyarrow as pa

    schema = fields.arrow_schema("general_ledger")
    assert tuple(schema.names) == fields.COLUMNS["general_ledger"]
    assert schema.field("amount").type == pa.decimal128(18, 2)
    assert schema.field("entered_time").type == pa.time32("s")
    assert schema.field("line_number").type == pa.int32()
    assert schema.field("fiscal_year").type == pa.int16()
    assert fields.arrow_schema("trial_balance").field("closing_balance").type == pa.decimal128(18, 2)
    assert fields.arrow_schema("chart_of_accounts").names[-2:] == ["normal_balance", "standard_account"]


def test_no_alias_names_two_fields():
    for kind in fields.KINDS:
        seen: dict[str, str] = {}
        for name, spellings in aliases.ALIASES[kind].items():
            for spelling in (name, *spellings):
                assert seen.setdefault(aliases.normalize_header(spelling), name) == name, (kind, spelling)
