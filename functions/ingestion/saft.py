"""SAF-T Financial XML as rows: general-ledger lines, trial-balance accounts or the chart of accounts.

A SAF-T export can be gigabytes, so the file is read as a stream of parse events and every record is
dropped from the tree as soon as it has been turned into a row; memory follows one transaction, not
the file. Elements are matched by local name so the Norwegian 1.x namespace, the OECD 2.0 ones and
any prefix read alike.

The file is read twice. The first pass refuses a hostile, malformed, truncated or empty file before a
single row reaches the loader, counts what is there, and finds out whether transaction ids repeat
across journals (then journal ids are qualified by the journal, or two vouchers would merge); the
second pass produces the rows. A stream that cannot seek is spooled to a temporary file first.
"""

from __future__ import annotations

import calendar
import functools
import re
import shutil
import tempfile
from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder  # nosec B405 - trees from DefusedXMLParser only
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from functions.ingestion.problems import IngestRejected, ProblemLog
from functions.ingestion.sources import Source

if TYPE_CHECKING:
    import pyarrow as pa

GENERAL_LEDGER = "general_ledger"
TRIAL_BALANCE = "trial_balance"
CHART_OF_ACCOUNTS = "chart_of_accounts"

GENERAL_LEDGER_COLUMNS = [
    "journal_id",
    "line_number",
    "account_number",
    "debit",
    "credit",
    "effective_date",
    "document_date",
    "entered_date",
    "entered_time",
    "entered_by",
    "source",
    "header_description",
    "description",
    "period",
    "fiscal_year",
    "currency",
]
TRIAL_BALANCE_COLUMNS = [
    "account_number",
    "account_name",
    "account_type",
    "standard_account",
    "opening_debit",
    "opening_credit",
    "closing_debit",
    "closing_credit",
]
CHART_OF_ACCOUNTS_COLUMNS = ["account_number", "account_name", "account_type", "standard_account", "parent_account"]
COLUMNS = {
    GENERAL_LEDGER: GENERAL_LEDGER_COLUMNS,
    TRIAL_BALANCE: TRIAL_BALANCE_COLUMNS,
    CHART_OF_ACCOUNTS: CHART_OF_ACCOUNTS_COLUMNS,
}

BATCH_ROWS = 65_536

# Expat reports positions while it builds an element, the event queue only after a whole read; the
# line is stamped on the records we may complain about, under a namespace no SAF-T file uses.
_LINE_ATTRIBUTE = "{urn:aura:ingestion}line"
_STAMPED = frozenset({"Transaction", "Line", "Account"})
_RECORD_DEPTH = 4  # AuditFile/GeneralLedgerEntries/Journal/Transaction, AuditFile/MasterFiles/.../Account
_CUT_SHORT = frozenset(
    expat.errors.codes[message]
    for message in (
        expat.errors.XML_ERROR_NO_ELEMENTS,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN,
        expat.errors.XML_ERROR_PARTIAL_CHAR,
    )
)
_WHOLE_NUMBER = re.compile(r"\d+")
_TIME = re.compile(r"(\d{2}):?(\d{2}):?(\d{2})")


def open_saft(stream: BinaryIO, *, kind: str) -> Source:
    """Refuse a bad file now rather than halfway through a load; the rows come lazily from `chunks`."""
    if kind not in COLUMNS:
        raise ValueError(f"kind must be one of {sorted(COLUMNS)}, not {kind!r}")
    stream, spooled = _rewindable(stream)
    start = stream.tell()
    try:
        survey = _Walker(kind, survey=True)
        for _ in survey.rows(stream):
            pass
        if survey.problems:
            raise survey.problems.reject(
                "invalid_saft", f"The SAF-T file has {survey.problems.count} record(s) that cannot be read as {kind}."
            )
        if survey.row_count == 0:
            raise IngestRejected("no_rows", survey.what_is_missing())
        qualify = survey.transaction_ids_repeat_across_journals()
        stream.seek(start)
    except BaseException:
        if spooled:
            stream.close()
        raise

    details = survey.details()
    control_totals = None
    if kind == GENERAL_LEDGER:
        details["journal_ids_qualified_by_journal"] = qualify
        control_totals = dict(survey.control_totals)
    return Source(
        format="saft",
        header=list(COLUMNS[kind]),
        chunks=_chunks(stream, kind, qualify, close=spooled),
        details=details,
        control_totals=control_totals,
    )


def _rewindable(stream: BinaryIO) -> tuple[BinaryIO, bool]:
    """Two passes need a stream that seeks; an upload piped from elsewhere is spooled to disk, not memory."""
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        return stream, False
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed once the rows have been read
    shutil.copyfileobj(stream, spool, 1024 * 1024)
    spool.seek(0)
    return spool, True


def _chunks(stream: BinaryIO, kind: str, qualify: bool, *, close: bool) -> Iterator[tuple[int, pa.RecordBatch]]:
    try:
        yield from _batches(stream, kind, qualify)
    finally:
        if close:
            stream.close()


def _batches(stream: BinaryIO, kind: str, qualify: bool) -> Iterator[tuple[int, pa.RecordBatch]]:
    import pyarrow as pa

    columns = COLUMNS[kind]
    schema = pa.schema([(name, pa.string()) for name in columns])
    walker = _Walker(kind, survey=False, qualify_journal_ids=qualify)
    values: list[list[str | None]] = [[] for _ in columns]
    first_row = 1
    for ordinal, row in walker.rows(stream):
        if not values[0]:
            first_row = ordinal
        for column, value in zip(values, row, strict=True):
            column.append(value)
        if len(values[0]) == BATCH_ROWS:
            yield first_row, pa.RecordBatch.from_pydict(dict(zip(columns, values, strict=True)), schema=schema)
            values = [[] for _ in columns]
    if values[0]:
        yield first_row, pa.RecordBatch.from_pydict(dict(zip(columns, values, strict=True)), schema=schema)


class _LineStampingBuilder(TreeBuilder):
    """Keeps the XML line of each record, so a problem can point into the file and not only at a row."""

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        if _local(tag) in _STAMPED:
            attrs[_LINE_ATTRIBUTE] = str(self.expat.CurrentLineNumber)
        return super().start(tag, attrs)


def _events(stream: BinaryIO) -> Iterator[tuple[str, Element]]:
    builder = _LineStampingBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.expat = parser.parser
    try:
        yield from iterparse(stream, events=("start", "end"), parser=parser)
    except DefusedXmlException as exc:
        raise IngestRejected(
            "unsafe_xml",
            f"The file declares a DTD or entities ({type(exc).__name__}); SAF-T needs neither, and they are "
            "how XML bombs and external-entity attacks work, so the file is refused unread.",
        ) from None
    except ParseError as exc:
        line, column = exc.position
        reason = expat.ErrorString(exc.code)
        hint = " The file looks cut short, as by an interrupted upload or export." if exc.code in _CUT_SHORT else ""
        raise IngestRejected(
            "malformed_xml",
            f"The file is not well-formed XML at line {line}, column {column + 1}: {reason}.{hint}",
            problems=[{"row": None, "column": None, "value": None, "reason": f"line {line}, column {column + 1}"}],
        ) from None


class _Walker:
    """One pass over the file: header facts, control totals, and the rows of one kind, in file order."""

    def __init__(self, kind: str, *, survey: bool, qualify_journal_ids: bool = False):
        self.kind = kind
        # The survey reads to the end to vouch for the whole file; after it, accounts need not wait for the ledger.
        self.stop_after_accounts = not survey and kind != GENERAL_LEDGER
        self.remember_transaction_ids = survey and kind == GENERAL_LEDGER
        self.qualify_journal_ids = qualify_journal_ids
        self.header: dict[str, Any] = {}
        self.namespace: str | None = None
        self.control_totals: dict[str, Any] = {"number_of_entries": None, "total_debit": None, "total_credit": None}
        self.problems = ProblemLog()
        self.row_count = 0
        self.seen: set[str] = set()
        self.journal_count = 0
        self.transaction_count = 0
        # Hashes of transaction ids per journal id: 8 bytes each, so millions of vouchers stay small.
        self.transaction_ids: dict[str | None, array[int]] = {}
        self._journal: dict[str, str | None] = {}

    def rows(self, stream: BinaryIO) -> Iterator[tuple[int, tuple[str | None, ...]]]:
        depth = 0
        # Names and elements of the open elements down to record level; deeper ones only count depth.
        path: list[str] = []
        parents: list[Element] = []
        for event, elem in _events(stream):
            if event == "start":
                depth += 1
                if depth <= _RECORD_DEPTH:
                    name = _local(elem.tag)
                    if depth == 1:
                        self._check_root(elem, name)
                    path.append(name)
                    parents.append(elem)
                    if depth in (2, 3):
                        self.seen.add("/".join(path[1:]))
                        if depth == 3 and path[1] == "GeneralLedgerEntries" and name == "Journal":
                            self.journal_count += 1
                continue

            depth -= 1
            if depth >= _RECORD_DEPTH:
                continue
            level, name = depth + 1, path[-1]
            section = path[1] if level > 1 else None
            if section == "GeneralLedgerEntries":
                if self.kind == GENERAL_LEDGER:
                    yield from self._general_ledger_end(elem, path)
            elif level == 4 and name == "Account" and path[1:3] == ["MasterFiles", "GeneralLedgerAccounts"]:
                if self.kind != GENERAL_LEDGER:
                    yield from self._account(elem)
            elif level == 2 and section == "Header":
                self._read_header(elem)
            path.pop()
            parents.pop()
            # Everything down to record level leaves the tree once handled; the header is small and read whole.
            if level >= 2 and not (section == "Header" and level > 2):
                parents[-1].remove(elem)
                elem.clear()
            if self.stop_after_accounts and (section, level, name) == ("MasterFiles", 3, "GeneralLedgerAccounts"):
                return

    def _check_root(self, root: Element, name: str) -> None:
        if name != "AuditFile":
            raise IngestRejected(
                "not_saft", f"The XML document's root element is {name!r}; a SAF-T file starts with AuditFile."
            )
        if root.tag.startswith("{"):
            self.namespace = root.tag[1:].partition("}")[0]

    def _general_ledger_end(self, elem: Element, names: list[str]) -> Iterator[tuple[int, tuple[str | None, ...]]]:
        depth, name = len(names), names[-1]
        if depth == 3 and name in ("NumberOfEntries", "TotalDebit", "TotalCredit"):
            self._control_total(name, _clean(elem.text))
        elif depth == 3 and name == "Journal":
            self._journal = {}
        elif depth == 4 and names[2] == "Journal":
            if name in ("JournalID", "Type", "Description"):
                self._journal[name] = _clean(elem.text)
            elif name == "Transaction":
                yield from self._transaction(elem)

    def _control_total(self, name: str, text: str | None) -> None:
        if name == "NumberOfEntries":
            if text is not None and not _WHOLE_NUMBER.fullmatch(text):
                self.problems.add(row=None, column="NumberOfEntries", value=text, reason="not a whole number")
                return
            self.control_totals["number_of_entries"] = int(text) if text is not None else None
        else:
            self.control_totals["total_debit" if name == "TotalDebit" else "total_credit"] = text

    def _transaction(self, transaction: Element) -> Iterator[tuple[int, tuple[str | None, ...]]]:
        self.transaction_count += 1
        fields = _children(transaction)
        journal_id = self._journal.get("JournalID")
        transaction_id = _text(fields, "TransactionID")
        if transaction_id is None:
            self.problems.add(
                row=self.row_count + 1,
                column="journal_id",
                value=None,
                reason=f"Transaction without TransactionID (XML line {transaction.get(_LINE_ATTRIBUTE)})",
            )
        elif self.remember_transaction_ids:
            self.transaction_ids.setdefault(journal_id, array("q")).append(hash(transaction_id))
        shown_id = transaction_id
        if self.qualify_journal_ids and transaction_id is not None:
            # ":" rather than "/": the id is a path segment of GET .../journal-entries/{journal_id}
            shown_id = f"{journal_id or ''}:{transaction_id}"

        document_date = _text(fields, "TransactionDate")
        effective_date = _text(fields, "GLPostingDate") or document_date
        entered_date, entered_time = _date_and_time(_text(fields, "SystemEntryDate"))
        transaction_user = _text(fields, "SourceID")
        header_description = _text(fields, "Description")
        period, fiscal_year = _text(fields, "Period"), _text(fields, "PeriodYear")
        source = self._journal.get("Type") or journal_id
        # Amount is in the file's default currency; CurrencyCode beside it names the original currency only.
        currency = self.header.get("default_currency")

        lines = [(line, _children(line)) for line in transaction if _local(line.tag) == "Line"]
        record_ids = [_text(line_fields, "RecordID") for _, line_fields in lines]
        numbered = all(record_id is not None and _WHOLE_NUMBER.fullmatch(record_id) for record_id in record_ids)
        for position, ((line, line_fields), record_id) in enumerate(zip(lines, record_ids, strict=True), start=1):
            self.row_count += 1
            debit, credit = self._amounts(line, line_fields)
            account = _text(line_fields, "AccountID")
            if account is None:
                self._problem(line, "account_number", None, "Line without AccountID")
            yield (
                self.row_count,
                (
                    shown_id,
                    str(int(record_id)) if numbered and record_id is not None else str(position),
                    account,
                    debit,
                    credit,
                    effective_date,
                    document_date,
                    entered_date,
                    entered_time,
                    transaction_user or _text(line_fields, "SourceID"),
                    source,
                    header_description,
                    _text(line_fields, "Description"),
                    period,
                    fiscal_year,
                    currency,
                ),
            )

    def _amounts(self, line: Element, fields: dict[str, Element]) -> tuple[str | None, str | None]:
        found = {}
        for side in ("DebitAmount", "CreditAmount"):
            if side in fields:
                found[side] = _text(_children(fields[side]), "Amount")
                if found[side] is None:
                    self._problem(line, side, None, f"{side} without Amount")
        if len(found) != 1:
            self._problem(line, "debit", None, f"a line needs one of DebitAmount and CreditAmount, not {len(found)}")
        return found.get("DebitAmount"), found.get("CreditAmount")

    def _problem(self, record: Element, column: str, value: str | None, reason: str) -> None:
        self.problems.add(
            row=self.row_count, column=column, value=value, reason=f"{reason} (XML line {record.get(_LINE_ATTRIBUTE)})"
        )

    def _account(self, account: Element) -> Iterator[tuple[int, tuple[str | None, ...]]]:
        self.row_count += 1
        fields = _children(account)
        number = _text(fields, "AccountID")
        if number is None:
            self._problem(account, "account_number", None, "Account without AccountID")
        described = (
            number,
            _text(fields, "AccountDescription"),
            _text(fields, "AccountType"),
            _text(fields, "StandardAccountID") or _text(fields, "GroupingCode"),
        )
        if self.kind == TRIAL_BALANCE:
            balances = ("OpeningDebitBalance", "OpeningCreditBalance", "ClosingDebitBalance", "ClosingCreditBalance")
            yield self.row_count, (*described, *(_text(fields, balance) for balance in balances))
        else:
            yield self.row_count, (*described, _text(fields, "ParentAccountID") or _text(fields, "ParentAccount"))

    def _read_header(self, header: Element) -> None:
        fields = _children(header)
        company = _children(fields.get("Company"))
        selection = _children(fields.get("SelectionCriteria"))
        facts = {
            "audit_file_version": _text(fields, "AuditFileVersion"),
            "audit_file_country": _text(fields, "AuditFileCountry"),
            "audit_file_date_created": _text(fields, "AuditFileDateCreated"),
            "company_name": _text(company, "Name"),
            "registration_number": _text(company, "RegistrationNumber"),
            "default_currency": _text(fields, "DefaultCurrencyCode"),
            "software_company": _text(fields, "SoftwareCompanyName"),
            "software_id": _text(fields, "SoftwareID"),
            "software_version": _text(fields, "SoftwareVersion"),
        }
        for element, key in (
            ("SelectionStartDate", "selection_start_date"),
            ("SelectionEndDate", "selection_end_date"),
            ("PeriodStart", "period_start"),
            ("PeriodStartYear", "period_start_year"),
            ("PeriodEnd", "period_end"),
            ("PeriodEndYear", "period_end_year"),
        ):
            facts[key] = _text(selection, element)
        facts["fiscal_year_start"] = facts["selection_start_date"] or _period_bound(
            facts["period_start"], facts["period_start_year"], end=False
        )
        facts["fiscal_year_end"] = facts["selection_end_date"] or _period_bound(
            facts["period_end"], facts["period_end_year"], end=True
        )
        self.header = facts

    def details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"namespace": self.namespace, **self.header}
        if self.kind == GENERAL_LEDGER:
            details.update(
                row_meaning="transaction line ordinal",
                journals=self.journal_count,
                transactions=self.transaction_count,
                lines=self.row_count,
            )
        else:
            details.update(row_meaning="account ordinal", accounts=self.row_count)
        return details

    def what_is_missing(self) -> str:
        if self.kind == GENERAL_LEDGER:
            if "GeneralLedgerEntries" not in self.seen:
                return "The SAF-T file has no GeneralLedgerEntries section, so it holds no general ledger."
            return "The SAF-T file's GeneralLedgerEntries hold no Journal/Transaction/Line."
        if "MasterFiles/GeneralLedgerAccounts" not in self.seen:
            return "The SAF-T file has no MasterFiles/GeneralLedgerAccounts section, so it holds no accounts."
        return "The SAF-T file's MasterFiles/GeneralLedgerAccounts hold no Account."

    def transaction_ids_repeat_across_journals(self) -> bool:
        if len(self.transaction_ids) < 2:
            return False
        import pyarrow as pa
        import pyarrow.compute as pc

        # A hash collision can only make ids qualified that needed not be: the safe direction.
        distinct_per_journal = [pc.unique(pa.array(ids, pa.int64())) for ids in self.transaction_ids.values()]
        combined = pa.concat_arrays(distinct_per_journal)
        return len(pc.unique(combined)) < len(combined)


@functools.lru_cache(maxsize=4096)
def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def _children(parent: Element | None) -> dict[str, Element]:
    """The first child of each local name: SAF-T records hold each field once, in any namespace."""
    if parent is None:
        return {}
    children: dict[str, Element] = {}
    for child in parent:
        children.setdefault(_local(child.tag), child)
    return children


def _text(children: dict[str, Element], name: str) -> str | None:
    child = children.get(name)
    return None if child is None else _clean(child.text)


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None


def _date_and_time(stamp: str | None) -> tuple[str | None, str | None]:
    """SystemEntryDate is a date in Norwegian 1.x and may be a dateTime elsewhere."""
    if stamp is None:
        return None, None
    date, _, rest = stamp.replace(" ", "T", 1).partition("T")
    match = _TIME.match(rest)
    return date or None, f"{match[1]}:{match[2]}:{match[3]}" if match else None


def _period_bound(period: str | None, year: str | None, *, end: bool) -> str | None:
    """Periods are taken as calendar months, which is how Norwegian SAF-T numbers them (1-12)."""
    if not (period and year and period.isdigit() and year.isdigit() and len(year) == 4):
        return None
    month, year_number = int(period), int(year)
    if not 1 <= month <= 12:
        return None
    day = calendar.monthrange(year_number, month)[1] if end else 1
    return f"{year_number:04d}-{month:02d}-{day:02d}"
