"""Which column of a client's file is which canonical field, decided once from the header row.

Exports name the same thing a hundred ways, so headers are compared in a normal form (see
`normalize_header`) against an alias table per kind of file. The table holds:

- the SPEC examples (`JE Number`, `Journal_ID`, `Entry No` -> journal_id);
- the AICPA Audit Data Standard (ADS) field names of GL_Detail, Trial_Balance and Chart_Of_Accounts.
  Spellings checked against the AICPA/XBRL US ADS common data model pages
  (xbrlsite.com/2020/prototypes/cdm/cdm_glDetail.html, cdm_trialBalance.html, cdm_chartOfAccounts.html:
  amount, amountCreditDebitIndicator, amountCurrency, approvedBy, approvedDateTime, businessUnitCode,
  effectiveDate, enteredBy, enteredDateTime, fiscalYear, glAccountNumber; amountBeginning, amountEnding,
  balanceAsOfDate; accountType, accountSubtype, fsCaption, glAccountName, glAccountDescription,
  parentglAccountNumber), the ADS General Ledger Standard of July 2015 (AuditDataStandards.GL.July2015),
  and GL_Detail extracts in the ADS layout (Journal_ID, Journal_ID_Line_Number, JE_Header_Description,
  JE_Line_Description, Source, Business_Unit_Code, Fiscal_Year, Period, Effective_Date, Entered_Date,
  Entered_Time, Entered_By, Approved_By, Approved_Date, GL_Account_Number, Amount,
  Amount_Credit_Debit_Indicator, Amount_Currency, Reversal_Journal_ID; Trial_Balance Amount_Beginning,
  Amount_Ending; Chart_Of_Accounts GL_Account_Name, Account_Type, Account_Subtype, FS_Caption);
- common ERP spellings: SAP (BELNR, BUZEI, HKONT, SHKZG, BUDAT, BLDAT, CPUDT, CPUTM, USNAM, BUKRS,
  GJAHR, MONAT, WAERS, Belegnummer, Buchungskreis, Soll/Haben-Kennzeichen, Betrag, Soll, Haben),
  QuickBooks, Xero, NetSuite and Sage exports (Trans #, Transaction ID, Account Code, Nominal Code,
  Debit, Credit, Posting Date, GL Date, Created By, Memo, Details);
- the Norwegian SAF-T Financial Excel view (sheets Kontospesifikasjoner -> general ledger, Kontoer ->
  trial balance or chart of accounts), so that file needs no column map. Its dates follow SAF-T:
  Posteringsdato (GLPostingDate) is the effective date, Bilagsdato (TransactionDate) the document date,
  Systemdato (SystemEntryDate) the entered date, and Kilde ID (SourceID, "the person or application
  that entered the transaction") the user.

Amounts come in three forms (SPEC 3): a signed amount; debit and credit columns; an amount with a
debit/credit indicator. When a file carries more than one form, the indicator form wins over the signed
amount, and a signed amount wins over debit and credit columns (the SAF-T view carries all three, and
its credit column holds negative numbers, which only the signed column states plainly). An explicit
column map naming debit or credit selects that form. A trial balance uses the same three forms for its
closing balance (required) and its opening balance (optional); a trial balance whose only figures are
plain `Debit` and `Credit` columns lists closing balances, so those are read as the closing balance.

This module is imported on the HTTP cold-start path: it must not import pyarrow at module level.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from functions.ingestion.problems import IngestRejected, ProblemLog

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

GENERAL_LEDGER = "general_ledger"
TRIAL_BALANCE = "trial_balance"
CHART_OF_ACCOUNTS = "chart_of_accounts"
KINDS = (GENERAL_LEDGER, TRIAL_BALANCE, CHART_OF_ACCOUNTS)

# Output columns, in the order the loader copies them. Types are in `_TYPES` and `arrow_schema`.
COLUMNS: dict[str, tuple[str, ...]] = {
    GENERAL_LEDGER: (
        "row_number",
        "journal_id",
        "line_number",
        "account_number",
        "amount",
        "effective_date",
        "entered_date",
        "entered_time",
        "entered_by",
        "approved_by",
        "approved_date",
        "source",
        "description",
        "header_description",
        "document_date",
        "fiscal_year",
        "period",
        "business_unit",
        "currency",
        "reversal_journal_id",
    ),
    TRIAL_BALANCE: (
        "row_number",
        "account_number",
        "account_name",
        "account_type",
        "business_unit",
        "fiscal_year",
        "period",
        "opening_balance",
        "period_debit",
        "period_credit",
        "closing_balance",
    ),
    CHART_OF_ACCOUNTS: (
        "row_number",
        "account_number",
        "account_name",
        "account_type",
        "account_subtype",
        "fs_caption",
        "parent_account",
        "normal_balance",
        "standard_account",
    ),
}

_TYPES = {
    "row_number": "int64",
    "line_number": "int32",
    "fiscal_year": "int16",
    "amount": "money",
    "opening_balance": "money",
    "period_debit": "money",
    "period_credit": "money",
    "closing_balance": "money",
    "effective_date": "date",
    "entered_date": "date",
    "approved_date": "date",
    "document_date": "date",
    "entered_time": "time",
}

# What the converter reads a value as; fields not listed are text.
VALUE_KINDS = {
    "line_number": "integer",
    "fiscal_year": "year",
    "effective_date": "date",
    "entered_date": "date",
    "approved_date": "date",
    "document_date": "date",
    "entered_time": "time",
    "normal_balance": "indicator",
    "period_debit": "money",
    "period_credit": "money",
}


@dataclass(frozen=True)
class AmountTarget:
    """One output amount and the file columns it may come from, one per form."""

    target: str
    signed: str
    debit: str
    credit: str
    indicator: str
    required: bool


AMOUNT_TARGETS: dict[str, tuple[AmountTarget, ...]] = {
    GENERAL_LEDGER: (AmountTarget("amount", "amount", "debit", "credit", "indicator", required=True),),
    TRIAL_BALANCE: (
        AmountTarget(
            "closing_balance", "closing_balance", "closing_debit", "closing_credit", "closing_indicator", required=True
        ),
        AmountTarget(
            "opening_balance", "opening_balance", "opening_debit", "opening_credit", "opening_indicator", required=False
        ),
    ),
    CHART_OF_ACCOUNTS: (),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    GENERAL_LEDGER: ("journal_id", "account_number", "amount", "effective_date"),
    TRIAL_BALANCE: ("account_number", "closing_balance"),
    CHART_OF_ACCOUNTS: ("account_number", "account_name"),
}

SIGNED, DEBIT_CREDIT, INDICATOR = "signed", "debit_credit", "indicator"

_ACCOUNT_NUMBER = [
    "account_number",
    "Account Number",
    "Account No",
    "Account #",
    "Account",
    "Account Code",
    "Account ID",
    "GL Account",
    "GL_Account_Number",
    "GL Account Code",
    "GL Account No",
    "GL Code",
    "GL Acct",
    "Acct",
    "Acct No",
    "Nominal Code",
    "Nominal Account",
    "Ledger Account",
    "Konto",
    "Kontonummer",
    "Sachkonto",
    "HKONT",
    "SAKNR",
    "Kontonr.",
    "AccountID",
]
_BUSINESS_UNIT = [
    "business_unit",
    "Business_Unit_Code",
    "Business Unit",
    "BU",
    "BU Code",
    "Company Code",
    "Company",
    "Entity",
    "Legal Entity",
    "Subsidiary",
    "Buchungskreis",
    "BUKRS",
]
_FISCAL_YEAR = [
    "fiscal_year",
    "Fiscal Year",
    "FY",
    "Year",
    "Financial Year",
    "Geschäftsjahr",
    "GJAHR",
    "År",
    "PeriodYear",
]
_PERIOD = [
    "period",
    "Fiscal Period",
    "Accounting Period",
    "Posting Period",
    "GL Period",
    "Periode",
    "Buchungsperiode",
    "MONAT",
]
_ACCOUNT_TYPE = ["account_type", "Account Type", "Type", "Account Class", "Account Category", "Kontotype", "Kontoart"]
_DEBIT_WORDS = ["D", "Dr", "Debit", "Debet", "S", "Soll"]
_CREDIT_WORDS = ["C", "Cr", "Credit", "Kredit", "H", "Haben"]
DEBIT_VALUES = frozenset(word.casefold() for word in _DEBIT_WORDS)
CREDIT_VALUES = frozenset(word.casefold() for word in _CREDIT_WORDS)
_INDICATOR = [
    "Amount_Credit_Debit_Indicator",
    "Credit Debit Indicator",
    "Debit Credit Indicator",
    "DC Indicator",
    "Debit Credit Flag",
    "D/C",
    "Dr/Cr",
    "Debit/Credit",
    "S/H",
    "Soll/Haben",
    "Soll/Haben-Kennzeichen",
    "SHKZG",
]

ALIASES: dict[str, dict[str, list[str]]] = {
    GENERAL_LEDGER: {
        "journal_id": [
            "journal_id",
            "JE Number",
            "JE No",
            "JE #",
            "JE ID",
            "Entry No",
            "Entry Number",
            "Entry ID",
            "Journal Entry ID",
            "Journal Entry Number",
            "Journal Entry No",
            "Journal Number",
            "Journal No",
            "Trans #",
            "Transaction ID",
            "Transaction No",
            "Transaction Number",
            "Tran No",
            "Document Number",
            "Document No",
            "Doc No",
            "Voucher",
            "Voucher No",
            "Voucher Number",
            "Belegnummer",
            "Beleg",
            "BELNR",
            "Bilagsnr.",
            "Bilagsnummer",
        ],
        "line_number": [
            "line_number",
            "Journal_ID_Line_Number",
            "JE_Line_Number",
            "Line Number",
            "Line No",
            "Line #",
            "Line",
            "Line ID",
            "Line Item",
            "Posting Line",
            "Buchungszeile",
            "BUZEI",
            "Linjenr.",
            "RecordID",
        ],
        "account_number": _ACCOUNT_NUMBER,
        "amount": [
            "amount",
            "Signed Amount",
            "Net Amount",
            "Amount Local Currency",
            "Functional_Amount",
            "Betrag",
            "DMBTR",
            "Beløp",
        ],
        "debit": ["debit", "Debit Amount", "Debits", "Dr", "DR Amount", "Soll", "Sollbetrag", "Debet", "Beløp/Deb"],
        "credit": [
            "credit",
            "Credit Amount",
            "Credits",
            "Cr",
            "CR Amount",
            "Haben",
            "Habenbetrag",
            "Kredit",
            "Beløp/Kre",
        ],
        "indicator": ["indicator", *_INDICATOR],
        "effective_date": [
            "effective_date",
            "Posting Date",
            "GL Date",
            "Accounting Date",
            "Transaction Date",
            "Trans Date",
            "Journal Date",
            "JE Date",
            "Date",
            "Buchungsdatum",
            "BUDAT",
            "Posteringsdato",
            "GLPostingDate",
        ],
        "entered_date": [
            "entered_date",
            "Entry Date",
            "Date Entered",
            "Created Date",
            "Creation Date",
            "Date Created",
            "Created On",
            "Input Date",
            "Entered_DateTime",
            "Erfassungsdatum",
            "CPUDT",
            "Systemdato",
            "SystemEntryDate",
        ],
        "entered_time": [
            "entered_time",
            "Entry Time",
            "Time Entered",
            "Created Time",
            "Creation Time",
            "Time",
            "Erfassungszeit",
            "Erfassungsuhrzeit",
            "CPUTM",
            "Systemtid",
        ],
        "entered_by": [
            "entered_by",
            "Created By",
            "Prepared By",
            "Preparer",
            "Posted By",
            "User",
            "User ID",
            "User Name",
            "Username",
            "Erfasser",
            "Benutzer",
            "Benutzername",
            "USNAM",
            "Kilde ID",
            "SourceID",
        ],
        "approved_by": ["approved_by", "Approver", "Authorized By", "Authorised By", "Freigegeben von"],
        "approved_date": ["approved_date", "Approval Date", "Date Approved", "Approved_DateTime"],
        "source": [
            "source",
            "Source Code",
            "JE Source",
            "Journal Source",
            "Source Module",
            "Module",
            "Journal Type",
            "Transaction Type",
            "Document Type",
            "Entry Type",
            "Belegart",
            "BLART",
            "Transaksjonstype",
        ],
        "description": [
            "description",
            "JE_Line_Description",
            "Line Description",
            "Memo",
            "Memo/Description",
            "Narrative",
            "Narration",
            "Details",
            "Text",
            "Line Text",
            "Particulars",
            "Buchungstext",
            "Positionstext",
            "SGTXT",
            "Linjetekst",
        ],
        "header_description": [
            "header_description",
            "JE_Header_Description",
            "Journal Description",
            "Entry Description",
            "Journal Memo",
            "Header Text",
            "Belegkopftext",
            "BKTXT",
            "Bilagstekst",
        ],
        "document_date": [
            "document_date",
            "Doc Date",
            "Invoice Date",
            "Voucher Date",
            "Belegdatum",
            "BLDAT",
            "Bilagsdato",
        ],
        "fiscal_year": _FISCAL_YEAR,
        "period": _PERIOD,
        "business_unit": _BUSINESS_UNIT,
        "currency": [
            "currency",
            "Amount_Currency",
            "Currency Code",
            "Curr",
            "Functional Currency",
            "Local Currency",
            "Währung",
            "Waehrung",
            "WAERS",
            "Valuta",
        ],
        "reversal_journal_id": [
            "reversal_journal_id",
            "Reversal Of",
            "Reversed By",
            "Reverses",
            "Reversal Document",
            "Reversal Entry",
            "Reverses_Journal_ID",
            "Stornobeleg",
            "STBLG",
        ],
    },
    TRIAL_BALANCE: {
        "account_number": _ACCOUNT_NUMBER,
        "account_name": [
            "account_name",
            "GL_Account_Name",
            "Account Description",
            "Account Title",
            "Name",
            "Description",
            "Title",
            "Kontonavn",
            "Kontobezeichnung",
            "Bezeichnung",
        ],
        "account_type": _ACCOUNT_TYPE,
        "business_unit": _BUSINESS_UNIT,
        "fiscal_year": _FISCAL_YEAR,
        "period": _PERIOD,
        "opening_balance": [
            "opening_balance",
            "Amount_Beginning",
            "Amount_Beginning_Balance",
            "Beginning Balance",
            "Begin Balance",
            "Opening",
            "Start Balance",
            "Balance Forward",
            "Eröffnungssaldo",
            "Anfangsbestand",
            "Saldovortrag",
            "Inngående balanse",
        ],
        "opening_debit": ["opening_debit", "Opening Debit Balance", "Beginning Debit", "Beginning Debit Balance"],
        "opening_credit": ["opening_credit", "Opening Credit Balance", "Beginning Credit", "Beginning Credit Balance"],
        "opening_indicator": [
            "opening_indicator",
            "Amount_Beginning_Credit_Debit_Indicator",
            "Beginning Balance Indicator",
            "Opening Balance Indicator",
            "Opening D/C",
        ],
        "period_debit": [
            "period_debit",
            "Debit",
            "Debits",
            "Total Debit",
            "Total Debits",
            "Debit Activity",
            "PTD Debit",
            "Net Change Debit",
            "Debit Movement",
            "Movement Debit",
            "Period Debits",
            "Sollumsatz",
        ],
        "period_credit": [
            "period_credit",
            "Credit",
            "Credits",
            "Total Credit",
            "Total Credits",
            "Credit Activity",
            "PTD Credit",
            "Net Change Credit",
            "Credit Movement",
            "Movement Credit",
            "Period Credits",
            "Habenumsatz",
        ],
        "closing_balance": [
            "closing_balance",
            "Amount_Ending",
            "Amount_Ending_Balance",
            "Ending Balance",
            "End Balance",
            "Closing",
            "Balance",
            "Net Balance",
            "Current Balance",
            "Year End Balance",
            "Balance at Date",
            "Saldo",
            "Endsaldo",
            "Schlusssaldo",
            "Utgående balanse",
        ],
        "closing_debit": [
            "closing_debit",
            "Closing Debit Balance",
            "Ending Debit",
            "Ending Debit Balance",
            "Debit Balance",
            "Balance Debit",
            "Balance at Date Debit",
            "Saldo Soll",
        ],
        "closing_credit": [
            "closing_credit",
            "Closing Credit Balance",
            "Ending Credit",
            "Ending Credit Balance",
            "Credit Balance",
            "Balance Credit",
            "Balance at Date Credit",
            "Saldo Haben",
        ],
        "closing_indicator": [
            "closing_indicator",
            "Amount_Ending_Credit_Debit_Indicator",
            "Ending Balance Indicator",
            "Closing Balance Indicator",
            "Balance Indicator",
            *_INDICATOR,
        ],
    },
    CHART_OF_ACCOUNTS: {
        "account_number": _ACCOUNT_NUMBER,
        "account_name": [
            "account_name",
            "GL_Account_Name",
            "Account Description",
            "Account Title",
            "Name",
            "Title",
            "Kontonavn",
            "Kontobezeichnung",
            "Bezeichnung",
        ],
        "account_type": [*_ACCOUNT_TYPE, "Category", "Classification"],
        "account_subtype": [
            "account_subtype",
            "Account Sub Type",
            "Subtype",
            "Sub Type",
            "Detail Type",
            "Account Subcategory",
            "Sub Category",
        ],
        "fs_caption": [
            "fs_caption",
            "Financial Statement Caption",
            "FS Line",
            "Statement Line",
            "Report Line",
            "Reporting Line",
        ],
        "parent_account": [
            "parent_account",
            "Parent_GL_Account_Number",
            "Parent Account Number",
            "Parent GL Account",
            "Parent",
            "Parent Account ID",
            "Summary Account",
            "Roll Up Account",
        ],
        "normal_balance": [
            "normal_balance",
            "Normal Balance Indicator",
            "Natural Balance",
            "Balance Type",
            "Balance Side",
            *_INDICATOR,
        ],
        "standard_account": [
            "standard_account",
            "Standard Account ID",
            "StandardAccountID",
            "Standard kontonr.",
            "Mapped Account",
        ],
    },
}


def normalize_header(name: object) -> str:
    """Headers compare without case, spacing or punctuation: `JE_Line-Number`, `je line number` and
    `Kontonr.` vs `kontonr` are the same header. Every character that is not a letter or a digit is
    ignored (spaces, underscores, hyphens, dots, slashes, '#', brackets), letters in any script are
    kept (`Beløp`, `År`), compatibility forms are folded (NFKC) and case is folded (`ß` = `ss`).
    A byte-order mark or non-breaking space left by Excel therefore never makes a header unknown.
    """
    text = unicodedata.normalize("NFKC", str(name or "")).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _alias_index(kind: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for source_field, spellings in ALIASES[kind].items():
        for spelling in (source_field, *spellings):
            key = normalize_header(spelling)
            if index.setdefault(key, source_field) != source_field:
                raise AssertionError(f"alias {spelling!r} names both {index[key]} and {source_field} in {kind}")
    return index


_ALIAS_INDEX = {kind: _alias_index(kind) for kind in KINDS}


def source_fields(kind: str) -> tuple[str, ...]:
    """Every name a column map may use for this kind: the output fields and the amount-form parts."""
    names = [name for name in COLUMNS[kind] if name != "row_number"]
    for target in AMOUNT_TARGETS[kind]:
        names += [target.debit, target.credit, target.indicator]
    return tuple(dict.fromkeys(names))


def accepted_headers(kind: str, source_field: str) -> list[str]:
    return list(dict.fromkeys([source_field, *ALIASES[kind].get(source_field, [])]))


@dataclass(frozen=True)
class Plan:
    """How one file's columns feed the output: which header each source field is read from, which
    amount form each amount target uses, and which headers are ignored."""

    kind: str
    header: tuple[str, ...]
    columns: dict[str, str]
    amount_forms: dict[str, str] = field(default_factory=dict)
    unmapped: tuple[str, ...] = ()

    @property
    def amount_form(self) -> str | None:
        """The form of the file's main amount: the GL amount or the TB closing balance."""
        return self.amount_forms.get("amount") or self.amount_forms.get("closing_balance")

    def header_for(self, source_field: str) -> str | None:
        return self.columns.get(source_field)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Match:
    """What the header matching found, before anything is refused: the plan as far as it goes, the
    header problems (unknown or unmatched column-map entries, ambiguous headers, missing required
    columns) and the refusal code each problem adds. The preview shows it; the load refuses on it."""

    plan: Plan
    problems: ProblemLog
    codes: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The required source fields (or amount parts) no header was found for, in field order."""
        order = {name: i for i, name in enumerate(source_fields(self.plan.kind))}
        return tuple(
            sorted(
                (p["column"] for p in self.problems.problems if p["reason"].startswith("required column")),
                key=lambda name: order.get(name, len(order)),
            )
        )

    def rejection(self) -> IngestRejected:
        kind, header = self.plan.kind, self.plan.header
        code = next(c for c in ("invalid_column_map", "ambiguous_columns", "missing_columns") if c in self.codes)
        if code == "missing_columns":
            message = (
                f"required columns not found: {', '.join(self.missing)}. The file's headers: {_listing(header)}. "
                f"Rename the headers or pass a column map."
            )
        else:
            message = f"the file's columns cannot be read as a {kind.replace('_', ' ')}: " + "; ".join(
                f"{p['column']}: {p['reason']}" for p in self.problems.problems[:5]
            )
        return self.problems.reject(code, message)


def resolve(kind: str, header: list[str] | tuple[str, ...], column_map: dict[str, str] | None = None) -> Plan:
    """Decide the plan or refuse the file with every header problem at once, so one upload round
    is enough to fix the export or the column map."""
    found = match(kind, header, column_map)
    if found.problems:
        raise found.rejection()
    return found.plan


def match(kind: str, header: list[str] | tuple[str, ...], column_map: dict[str, str] | None = None) -> Match:
    """Match the header against the alias table and the column map, collecting every problem."""
    _check_kind(kind)
    header = tuple("" if h is None else str(h) for h in header)
    problems = ProblemLog()
    codes: list[str] = []
    known = set(source_fields(kind))
    by_exact = {h: h for h in header}
    by_normal: dict[str, list[str]] = {}
    for h in header:
        by_normal.setdefault(normalize_header(h), []).append(h)

    columns: dict[str, str] = {}
    taken: set[str] = set()
    explicit: set[str] = set()
    for source_field, wanted in (column_map or {}).items():
        if source_field not in known:
            problems.add(
                row=1,
                column=str(source_field),
                value=wanted,
                reason=f"unknown field in column map; known fields: {', '.join(sorted(known))}",
            )
            codes.append("invalid_column_map")
            continue
        found = by_exact.get(wanted) or next(iter(by_normal.get(normalize_header(wanted), [])), None)
        if found is None:
            problems.add(
                row=1,
                column=source_field,
                value=wanted,
                reason=f"column map names a header that is not in the file; the file's headers: {_listing(header)}",
            )
            codes.append("invalid_column_map")
            continue
        columns[source_field] = found
        taken.add(found)
        explicit.add(source_field)

    matches: dict[str, list[str]] = {}
    index = _ALIAS_INDEX[kind]
    for h in header:
        alias_of = index.get(normalize_header(h))
        if h in taken or alias_of is None or alias_of in explicit:
            continue
        matches.setdefault(alias_of, []).append(h)
    ambiguous: set[str] = set()
    for source_field, headers in matches.items():
        if len(headers) > 1:
            ambiguous.add(source_field)
            problems.add(
                row=1,
                column=source_field,
                value=", ".join(headers),
                reason=f"ambiguous: {len(headers)} columns could be {source_field} ({_listing(headers)}); "
                f"pass a column map naming the one to use",
            )
            codes.append("ambiguous_columns")
        else:
            columns[source_field] = headers[0]

    amount_forms: dict[str, str] = {}
    if kind == TRIAL_BALANCE:
        _closing_from_plain_debit_credit(columns, explicit)
    for target in AMOUNT_TARGETS[kind]:
        if ambiguous & {target.signed, target.debit, target.credit, target.indicator}:
            continue
        form = _choose_form(target, columns, explicit)
        if form is None:
            if target.required:
                _missing(problems, kind, target.target, header, _form_hint(kind, target))
                codes.append("missing_columns")
            continue
        amount_forms[target.target] = form
        unused = {
            SIGNED: (target.debit, target.credit, target.indicator),
            DEBIT_CREDIT: (target.signed, target.indicator),
            INDICATOR: (target.debit, target.credit),
        }[form]
        for part in unused:
            columns.pop(part, None)
        if form == DEBIT_CREDIT:
            for part in (target.debit, target.credit):
                if part not in columns:
                    _missing(problems, kind, part, header, f"{target.debit} and {target.credit} go together")
                    codes.append("missing_columns")

    amount_targets = {t.target for t in AMOUNT_TARGETS[kind]}
    for required in REQUIRED[kind]:
        if required not in amount_targets and required not in columns and required not in ambiguous:
            _missing(problems, kind, required, header, None)
            codes.append("missing_columns")

    used = set(columns.values())
    unmapped = tuple(h for h in header if h not in used and h.strip())
    plan = Plan(kind=kind, header=header, columns=columns, amount_forms=amount_forms, unmapped=unmapped)
    return Match(plan=plan, problems=problems, codes=tuple(codes))


def _closing_from_plain_debit_credit(columns: dict[str, str], explicit: set[str]) -> None:
    """A TB with only `Debit`/`Credit` figures lists closing balances, not period activity."""
    has_closing = any(p in columns for p in ("closing_balance", "closing_debit", "closing_credit"))
    has_opening = any(p in columns for p in ("opening_balance", "opening_debit", "opening_credit"))
    activity = ("period_debit", "period_credit")
    if has_closing or has_opening or any(p in explicit for p in activity):
        return
    if all(p in columns for p in activity):
        columns["closing_debit"] = columns.pop("period_debit")
        columns["closing_credit"] = columns.pop("period_credit")


def _choose_form(target: AmountTarget, columns: dict[str, str], explicit: set[str]) -> str | None:
    if target.debit in explicit or target.credit in explicit:
        return DEBIT_CREDIT
    if target.signed in columns and target.indicator in columns:
        return INDICATOR
    if target.signed in columns:
        return SIGNED
    if target.debit in columns or target.credit in columns:
        return DEBIT_CREDIT
    return None


def _form_hint(kind: str, target: AmountTarget) -> str:
    return (
        f"give {target.signed} (signed, debit positive), or {target.debit} and {target.credit}, "
        f"or {target.signed} with {target.indicator} (D/C, Dr/Cr, Debit/Credit, S/H)"
    )


def _missing(problems: ProblemLog, kind: str, source_field: str, header: tuple[str, ...], hint: str | None) -> None:
    accepted = ", ".join(accepted_headers(kind, source_field))
    reason = f"required column not found; accepted headers: {accepted}"
    if hint:
        reason += f" ({hint})"
    problems.add(row=1, column=source_field, value=None, reason=reason)


def _listing(headers: tuple[str, ...] | list[str]) -> str:
    return ", ".join(repr(h) for h in headers) if headers else "(none)"


def arrow_schema(kind: str) -> pa.Schema:
    """The typed batch the loader COPYs; pyarrow is imported here, not at module import."""
    import pyarrow as pa

    _check_kind(kind)
    types: dict[str, Any] = {
        "int64": pa.int64(),
        "int32": pa.int32(),
        "int16": pa.int16(),
        "money": pa.decimal128(18, 2),
        "date": pa.date32(),
        "time": pa.time32("s"),
    }
    return pa.schema(
        [
            pa.field(name, types[_TYPES[name]] if name in _TYPES else pa.string(), nullable=name != "row_number")
            for name in COLUMNS[kind]
        ]
    )
