"""The statements and lead sheets as one workbook: what the auditor files and the client reviews.

One sheet per statement (captions with current and prior amounts, section totals and subtotals,
whether it balances, accounts not yet mapped) and one per lead sheet (accounts with prior,
unadjusted, adjustments and final, and their totals). Written with openpyxl in write-only mode.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from functions.mapping.lead_sheets import LeadSheet, Row
from functions.mapping.statements import Statement

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLES = {"balance_sheet": "Balance sheet", "income_statement": "Income statement"}
LABELS = {
    "total_assets": "Total assets",
    "total_liabilities": "Total liabilities",
    "total_equity": "Total equity",
    "total_liabilities_and_equity": "Total liabilities and equity",
    "gross_profit": "Gross profit",
    "operating_income": "Operating income",
    "income_before_tax": "Income before income tax",
    "net_income": "Net income",
}


@dataclass(frozen=True)
class Book:
    content: bytes
    filename: str


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "engagement"


def export(
    engagement_name: str, statements: Sequence[Statement], sheets: Sequence[LeadSheet], unplaced: Sequence[Row]
) -> Book:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)

    def money(sheet: Any, value: Decimal | None) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "#,##0.00;(#,##0.00)"
        return cell

    for statement in statements:
        sheet = book.create_sheet(TITLES[statement.statement])
        sheet.append([engagement_name])
        sheet.append([TITLES[statement.statement], "Current year", "Prior year" if statement.has_prior else None])
        for section in statement.sections:
            sheet.append([section.title])
            for caption in section.captions:
                sheet.append(["  " + caption.caption, money(sheet, caption.current), money(sheet, caption.prior)])
            sheet.append(
                [
                    f"Total {section.title.lower()}",
                    money(sheet, section.total.current),
                    money(sheet, section.total.prior),
                ]
            )
        for key, amounts in statement.subtotals.items():
            sheet.append([LABELS.get(key, key), money(sheet, amounts.current), money(sheet, amounts.prior)])
        sheet.append(["Balanced" if statement.balanced else f"Not balanced: difference {statement.difference}"])
        if statement.unmapped:
            sheet.append(["Accounts not mapped"])
            for item in statement.unmapped:
                sheet.append([f"  {item.account_number} {item.account_name}", money(sheet, item.amount)])

    header = ["Account", "Name", "Standard account", "Prior year", "Unadjusted", "Adjustments", "Final"]
    for lead in [*sheets, *([LeadSheet("", "Not mapped", list(unplaced))] if unplaced else [])]:
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", f"{lead.letter} {lead.title}".strip())[:31])
        sheet.append([f"Lead sheet {lead.letter}: {lead.title}" if lead.letter else lead.title])
        sheet.append(header)
        for row in lead.rows:
            sheet.append(
                [
                    row.account_number,
                    row.account_name,
                    row.standard_code,
                    money(sheet, row.prior),
                    money(sheet, row.unadjusted),
                    money(sheet, row.adjustments),
                    money(sheet, row.final),
                ]
            )
        sheet.append(
            [
                "Total",
                None,
                None,
                money(sheet, lead.total("prior")),
                money(sheet, lead.total("unadjusted")),
                money(sheet, lead.total("adjustments")),
                money(sheet, lead.total("final")),
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return Book(output.getvalue(), f"statements-{_slug(engagement_name)}.xlsx")
