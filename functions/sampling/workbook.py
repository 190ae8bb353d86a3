"""A sample as a workbook for fieldwork, and the filled-in workbook read back.

The "Sample" sheet lists the items by line with empty Audited value, Deviation and Note columns; the
"Design" sheet records how the sample was drawn (population reference, parameters, design, seed,
algorithm) so the printed working paper stands on its own. Reading back takes only the Sample sheet's
Line, Audited value, Deviation and Note columns, and checks each line's Book value against the sample
so a workbook of another sample is refused rather than merged.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from functions.sampling.samples_schemas import ItemUpdate
from shared.db.models_sampling import Sample, SampleItem
from shared.errors import ValidationFailed
from shared.exports import XLSX_MEDIA_TYPE, Sheet, plain, xlsx_file

XLSX = XLSX_MEDIA_TYPE
MONEY = "#,##0.00"
HEADER = ["Line", "Key", "Description", "Book value", "High value", "Stratum", "Audited value", "Deviation", "Note"]
MAX_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED = 200 * 1024 * 1024
YES, NO = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0"}


def export(sample: Sample, items: Sequence[SampleItem]) -> bytes:
    """The sample's items and design as an .xlsx; a name, key or memo that reads as a formula stays text."""
    rows = (
        [
            item.line,
            item.item_key,
            item.description,
            item.book_value,
            "yes" if item.high_value else None,
            item.stratum,
            item.audited_value,
            None if item.deviation is None else ("yes" if item.deviation else "no"),
            item.note,
        ]
        for item in items
    )
    design = [
        ["Sample", sample.name],
        ["Sample id", str(sample.id)],
        ["Method", sample.method],
        ["Seed", str(sample.seed)],
        ["Selection algorithm", sample.algorithm],
        ["Population", json.dumps(sample.population, sort_keys=True)],
        ["Parameters", json.dumps(sample.parameters, sort_keys=True)],
        ["Design", json.dumps(sample.design, sort_keys=True)],
    ]
    money = {HEADER.index("Book value"): MONEY, HEADER.index("Audited value"): MONEY}
    return xlsx_file(Sheet("Sample", rows, header=HEADER, number_formats=money), Sheet("Design", design))


def _refuse(row: int | None, column: str, message: str) -> ValidationFailed:
    where = ["body", f"row {row}", column] if row else ["body", column]
    return ValidationFailed.field(*where, message=message, detail=f"{' '.join(where[1:])}: {message}")


def _check_archive(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise _refuse(None, "workbook", f"is larger than {MAX_BYTES} bytes (got {len(data)})")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise _refuse(None, "workbook", "is not an .xlsx file (got something else)") from error
    if len(members) > 500 or sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise _refuse(None, "workbook", "unpacks to too much to be a sample's workbook")


def _decimal(value: Any, row: int, column: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _refuse(row, column, f"must be an amount (got {value})")
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation as error:
        raise _refuse(row, column, f"must be an amount (got {str(value)[:50]})") from error
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise _refuse(row, column, f"must be an amount in cents at most (got {str(value)[:50]})")
    return amount.quantize(Decimal("0.01"))


def _deviation(value: Any, row: int) -> bool | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise _refuse(row, "Deviation", f"must be yes or no (got {str(value)[:50]})")


def read_filled(data: bytes, items: Sequence[SampleItem]) -> list[ItemUpdate]:
    """The Sample sheet's entries as updates, every line checked against the stored sample."""
    from openpyxl import load_workbook

    _check_archive(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise _refuse(None, "workbook", "could not be read as a workbook") from error
    try:
        if "Sample" not in book.sheetnames:
            raise _refuse(None, "workbook", f"has no sheet named Sample (sheets: {', '.join(book.sheetnames)[:200]})")
        rows = book["Sample"].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        columns = {
            name: header.index(name)
            for name in ("Line", "Book value", "Audited value", "Deviation", "Note")
            if name in header
        }
        for needed in ("Line", "Book value"):
            if needed not in columns:
                raise _refuse(1, needed, "column is missing from the header row")
        by_line = {item.line: item for item in items}
        updates: list[ItemUpdate] = []
        for number, values in enumerate(rows, start=2):
            cell = {name: values[index] if index < len(values) else None for name, index in columns.items()}
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cell.values()):
                continue
            line = cell["Line"]
            if isinstance(line, float) and line.is_integer():
                line = int(line)
            if not isinstance(line, int) or isinstance(line, bool) or line not in by_line:
                raise _refuse(number, "Line", f"is not a line of this sample (got {line})")
            stored = by_line[line]
            book_value = _decimal(cell["Book value"], number, "Book value")
            if book_value != stored.book_value:
                raise _refuse(
                    number, "Book value", f"{book_value} differs from the sample's {stored.book_value}: another sample?"
                )
            fields: dict[str, Any] = {"line": line}
            if "Audited value" in columns:
                fields["audited_value"] = _decimal(cell["Audited value"], number, "Audited value")
            if "Deviation" in columns:
                fields["deviation"] = _deviation(cell["Deviation"], number)
            if "Note" in columns:
                note = cell["Note"]
                # A note that reads as a formula went out with an apostrophe before it (shared.exports).
                fields["note"] = None if note is None or not str(note).strip() else plain(str(note).strip())[:2000]
            updates.append(ItemUpdate(**fields))
        if not updates:
            raise _refuse(None, "workbook", "has no filled lines on the Sample sheet")
        return updates
    finally:
        book.close()
