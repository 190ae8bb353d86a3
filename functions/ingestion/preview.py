"""The column-mapping preview: how a load would read a file's header, before the file is uploaded.

The portal sends the beginning of a file (a CSV's first few hundred kilobytes; a workbook or SAF-T
file whole, as a ZIP or XML cannot be read from its start alone) and gets back the header as read,
which header each known field of the kind was matched to, what was left unmapped, which required
fields are missing, a workbook's sheets, and the first rows as the file's strings. The same readers
and the same header matching as the load are used (sources.open_source and header_match.match, with the
column map), so what the preview shows is what the load will do; nothing is parsed into the
database and nothing is stored.

A CSV body is read to its first megabyte at most. A body that stops mid-record (it was cut at a
byte count) would show a truncated last value or a broken UTF-8 character, so when a CSV body does
not end with a line break and has more lines than the preview shows, the text after its last line
break is left out.

When the header matches completely the first rows also go through the load's converter, and the
problems it finds there (an ambiguous date, an amount that is not one) are listed: a load of the
whole file would report them too, so the auditor can pick the date order before uploading.

The engagement must accept an upload: the caller needs data.upload and must see it, and a finalized
engagement answers 409 (a file that could not be loaded is not worth previewing).

pyarrow loads only when a preview is asked for, not when this module is imported.
"""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from functions.ingestion import fields, header_match
from functions.ingestion.problems import IngestRejected
from functions.ingestion.schemas import DateOrder, Kind, LoadOptions
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.db.uow import UnitOfWork
from shared.engagement_access import require
from shared.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from shared.settings import Settings, get_settings

MAX_ROWS = 20
MAX_CSV_BYTES = 1024 * 1024
# Where a refusal of the file points in the request.
_WHERE = {"sheet_not_found": ("query", "sheet")}

DESCRIPTIONS: dict[str, str] = {
    "journal_id": "Journal entry number: lines with the same number form one entry",
    "line_number": "Line number within the journal entry (counted 1..n in file order when absent)",
    "account_number": "General-ledger account number",
    "amount": "Signed amount, debits positive and credits negative",
    "debit": "Debit amount (with credit, instead of a signed amount)",
    "credit": "Credit amount (with debit, instead of a signed amount)",
    "indicator": "Debit/credit indicator (D/C, Dr/Cr, S/H) giving the sign of an unsigned amount",
    "effective_date": "Posting (effective) date of the entry",
    "entered_date": "Date the entry was entered in the system",
    "entered_time": "Time the entry was entered",
    "entered_by": "User who entered the entry",
    "approved_by": "User who approved the entry",
    "approved_date": "Date the entry was approved",
    "source": "Source, module or journal type of the entry",
    "description": "Line description or memo",
    "header_description": "Description of the whole journal entry",
    "document_date": "Date of the source document (invoice, voucher)",
    "fiscal_year": "Fiscal year",
    "period": "Fiscal period",
    "business_unit": "Business unit, company code or entity",
    "currency": "Currency code of the amount",
    "reversal_journal_id": "Journal entry this entry reverses or is reversed by",
    "account_name": "Account name",
    "account_type": "Account type or class",
    "opening_balance": "Opening balance, signed (debit positive)",
    "opening_debit": "Opening debit balance (with opening credit)",
    "opening_credit": "Opening credit balance (with opening debit)",
    "opening_indicator": "Debit/credit indicator of the opening balance",
    "period_debit": "Debit activity of the period",
    "period_credit": "Credit activity of the period",
    "closing_balance": "Closing balance, signed (debit positive)",
    "closing_debit": "Closing debit balance (with closing credit, instead of a signed balance)",
    "closing_credit": "Closing credit balance (with closing debit, instead of a signed balance)",
    "closing_indicator": "Debit/credit indicator of the closing balance",
    "account_subtype": "Account subtype or detail type",
    "fs_caption": "Financial statement caption the account reports under",
    "parent_account": "Parent (summary) account number",
    "normal_balance": "Normal balance side: debit or credit",
    "standard_account": "Standard (mapped) account number",
}


class PreviewOptions(BaseModel):
    """The options of an upload that change how its header and first rows are read."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind
    column_map: dict[str, str] | None = Field(
        None,
        description='JSON object of canonical field -> the file\'s header, e.g. {"journal_id": "Doc No"}',
    )
    date_order: DateOrder | None = Field(None, description="how to read d/m/Y or m/d/Y dates in the sample rows")
    sheet: str | None = Field(None, max_length=100, description="the workbook sheet to read (default: the first)")

    @field_validator("column_map", mode="before")
    @classmethod
    def _column_map_from_json(cls, value: Any) -> Any:
        return LoadOptions._column_map_from_json(value)  # the upload's own reading of the JSON


class PreviewField(BaseModel):
    field: str = Field(description="the canonical field, as a column map names it")
    required: bool
    description: str | None
    column: str | None = Field(description="the file's header matched to the field, or null")
    amount_of: str | None = Field(
        None, description="for a part of an amount (debit, credit, indicator): the amount it gives"
    )
    part: Literal["debit", "credit", "indicator"] | None = Field(
        None, description="which part: debit and credit together replace the signed amount; an indicator signs it"
    )


class HeaderProblem(BaseModel):
    row: int | None
    column: str | None
    value: str | None
    reason: str


class PreviewRow(BaseModel):
    row: int = Field(description="the row as a spreadsheet numbers it (the header is row 1)")
    cells: list[str | None] = Field(description="the row's values as the file's strings, in header order")


class PreviewRead(BaseModel):
    kind: Kind
    format: Literal["csv", "xlsx", "saft"]
    header: list[str]
    fields: list[PreviewField]
    unmapped: list[str] = Field(description="headers no field is read from")
    missing: list[str] = Field(description="required fields (or amount parts) no header was found for")
    problems: list[HeaderProblem] = Field(
        description="what would refuse the file's header: missing required columns, ambiguous headers"
    )
    ready: bool = Field(description="whether a load would accept this header as mapped")
    amount_forms: dict[str, Literal["signed", "debit_credit", "indicator"]]
    sheet: str | None = Field(description="the workbook sheet read")
    sheets: list[str] = Field(description="the workbook's sheets, in order (empty for CSV and SAF-T)")
    details: dict[str, Any] = Field(description="what the reader found: encoding, delimiter, header row, …")
    rows: list[PreviewRow] = Field(description=f"the first data rows, at most {MAX_ROWS}")
    sample_problems: list[HeaderProblem] = Field(
        description="problems the load would report in these rows (only when ready)"
    )


def uploader_period(uow: UnitOfWork, *, principal: Principal, engagement_id: uuid.UUID) -> tuple[date, date]:
    """The engagement's period, if the caller may upload to it now (404 unseen, 403, 409 finalized)."""
    access = require(
        uow,
        principal=principal,
        engagement_id=engagement_id,
        write=True,
        permission=Permission.DATA_UPLOAD,
        clients=True,
    )
    return access.engagement.period_start, access.engagement.period_end


def preview(
    *,
    options: PreviewOptions,
    data: bytes,
    content_type: str,
    period: tuple[date, date] | None = None,
    settings: Settings | None = None,
) -> PreviewRead:
    """Read the header and first rows of `data` as the load would, and match the header."""
    from functions.ingestion.sources import open_source, sniff_format

    limit = (settings or get_settings()).max_direct_upload_mb * 1024 * 1024
    if len(data) > limit:
        raise PayloadTooLarge(f"A file sent as the body may be at most {limit // (1024 * 1024)} MB")
    if not data:
        raise ValidationFailed.field(
            "body", message="the file is empty (0 bytes): send its beginning", code="empty_file"
        )
    try:
        if sniff_format(data[: 1024 * 1024], at_eof=len(data) <= 1024 * 1024) == "csv":
            data = csv_beginning(data)
        source = open_source(io.BytesIO(data), kind=options.kind, content_type=content_type, sheet=options.sheet)
        sample = _first_rows(source.chunks)
    except IngestRejected as rejected:
        raise _refusal(rejected) from rejected

    found = header_match.match(options.kind, source.header, options.column_map)
    if "invalid_column_map" in found.codes:
        raise _bad_column_map(found.problems.problems)
    plan = found.plan
    ready = not found.problems
    return PreviewRead(
        kind=options.kind,
        format=source.format,
        header=list(source.header),
        fields=_fields(plan),
        unmapped=list(plan.unmapped),
        missing=list(found.missing),
        problems=[HeaderProblem.model_validate(p) for p in found.problems.sorted_problems()],
        ready=ready,
        amount_forms=plan.amount_forms,
        sheet=source.details.get("sheet"),
        sheets=list(source.details.get("sheets") or []),
        details=_details(source.details),
        rows=[PreviewRow(row=row, cells=cells) for row, cells in _cells(sample, len(source.header))],
        sample_problems=_sample_problems(source.header, sample, options, period) if ready else [],
    )


def csv_beginning(data: bytes) -> bytes:
    """The part of a CSV body the preview reads: its first megabyte, without a last line cut short."""
    data = data[:MAX_CSV_BYTES]
    if data.endswith((b"\n", b"\r")):
        return data
    cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
    if cut < 0 or data.count(b"\n", 0, cut) + data.count(b"\r", 0, cut) <= 2 * (MAX_ROWS + 1):
        return data  # short: the whole file, or too few lines to leave one out
    return data[: cut + 1]


def _first_rows(chunks: Any) -> list[tuple[int, Any]]:
    """The first MAX_ROWS rows, as (first row, batch) runs; the rest of the file is never read."""
    sample: list[tuple[int, Any]] = []
    taken = 0
    for first_row, batch in chunks:
        part = batch.slice(0, MAX_ROWS - taken)
        sample.append((first_row, part))
        taken += part.num_rows
        if taken >= MAX_ROWS:
            break
    return sample


def _cells(sample: list[tuple[int, Any]], width: int) -> list[tuple[int, list[str | None]]]:
    rows: list[tuple[int, list[str | None]]] = []
    for first_row, batch in sample:
        columns = [batch.column(i).to_pylist() for i in range(min(width, batch.num_columns))]
        for index in range(batch.num_rows):
            cells = [None if column[index] is None else str(column[index]) for column in columns]
            rows.append((first_row + index, cells + [None] * (width - len(cells))))
    return rows


def _fields(plan: header_match.Plan) -> list[PreviewField]:
    parts: dict[str, tuple[str, str]] = {}
    for target in fields.AMOUNT_TARGETS[plan.kind]:
        parts[target.debit] = (target.target, "debit")
        parts[target.credit] = (target.target, "credit")
        parts[target.indicator] = (target.target, "indicator")
    required = set(fields.REQUIRED[plan.kind])
    return [
        PreviewField(
            field=name,
            required=name in required,
            description=DESCRIPTIONS.get(name),
            column=plan.header_for(name),
            amount_of=parts[name][0] if name in parts else None,
            part=parts[name][1] if name in parts else None,
        )
        for name in fields.source_fields(plan.kind)
    ]


def _details(details: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in details.items() if key not in ("sheet", "sheets")}


def _sample_problems(
    header: list[str], sample: list[tuple[int, Any]], options: PreviewOptions, period: tuple[date, date] | None
) -> list[HeaderProblem]:
    from functions.ingestion.convert import Converter, Options

    start, end = period or (None, None)
    converter = Converter(
        header,
        Options(
            kind=options.kind,
            column_map=options.column_map,
            date_order=options.date_order,
            fiscal_start=start,
            fiscal_end=end,
        ),
    )
    for first_row, batch in sample:
        converter.convert(first_row, batch)
    return [HeaderProblem.model_validate(p) for p in converter.problems.sorted_problems()]


def _refusal(rejected: IngestRejected) -> ValidationFailed | UnsupportedMediaType:
    """A file the load would refuse at once, as the problem answer the upload's dataset would carry."""
    if rejected.code == "content_type_mismatch":
        return UnsupportedMediaType(rejected.message, code=rejected.code)
    loc = _WHERE.get(rejected.code, ("body",))
    return ValidationFailed(
        rejected.message,
        code=rejected.code,
        errors=[{"loc": list(loc), "msg": rejected.message, "type": rejected.code}],
        problems=rejected.problems,
        problem_count=rejected.problem_count,
    )


def _bad_column_map(problems: list[dict[str, Any]]) -> ValidationFailed:
    wrong = [p for p in problems if p["reason"].startswith(("unknown field", "column map"))]
    return ValidationFailed(
        "The column map does not fit the file: " + "; ".join(f"{p['column']}: {p['reason']}" for p in wrong[:5]),
        code="invalid_column_map",
        errors=[
            {"loc": ["query", "column_map", p["column"]], "msg": p["reason"], "type": "invalid_column_map"}
            for p in wrong
        ],
    )
