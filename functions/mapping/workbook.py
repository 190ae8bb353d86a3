"""The statements and lead sheets as one workbook: what the auditor files and the client reviews.

One sheet per statement (captions with current and prior amounts, section totals and subtotals,
whether it balances, accounts not yet mapped) and one per lead sheet (accounts with prior,
unadjusted, adjustments and final, and their totals).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from functions.mapping.lead_sheets import LeadSheet, Row
from shared.exports import XLSX_MEDIA_TYPE, Sheet, xlsx_file
from shared.statements import Statement

XLSX = XLSX_MEDIA_TYPE
MONEY = "#,##0.00;(#,##0.00)"
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
    """Written by shared/exports.py, so an account name that reads as a formula stays text."""
    workbook: list[Sheet] = []
    for statement in statements:
        rows: list[list[Any]] = [
            [engagement_name],
            [TITLES[statement.statement], "Current year", "Prior year" if statement.has_prior else None],
        ]
        for section in statement.sections:
            rows.append([section.title])
            rows += [["  " + caption.caption, caption.current, caption.prior] for caption in section.captions]
            rows.append([f"Total {section.title.lower()}", section.total.current, section.total.prior])
        rows += [[LABELS.get(key, key), amounts.current, amounts.prior] for key, amounts in statement.subtotals.items()]
        rows.append(["Balanced" if statement.balanced else f"Not balanced: difference {statement.difference}"])
        if statement.unmapped:
            rows.append(["Accounts not mapped"])
            rows += [[f"  {item.account_number} {item.account_name}", item.amount] for item in statement.unmapped]
        workbook.append(Sheet(TITLES[statement.statement], rows, number_formats=dict.fromkeys((1, 2), MONEY)))

    header = ["Account", "Name", "Standard account", "Prior year", "Unadjusted", "Adjustments", "Final"]
    for lead in [*sheets, *([LeadSheet("", "Not mapped", list(unplaced))] if unplaced else [])]:
        rows = [[f"Lead sheet {lead.letter}: {lead.title}" if lead.letter else lead.title], header]
        rows += [
            [
                row.account_number,
                row.account_name,
                row.standard_code,
                row.prior,
                row.unadjusted,
                row.adjustments,
                row.final,
            ]
            for row in lead.rows
        ]
        totals = [lead.total(column) for column in ("prior", "unadjusted", "adjustments", "final")]
        rows.append(["Total", None, None, *totals])
        title = re.sub(r"[\[\]:*?/\\]", " ", f"{lead.letter} {lead.title}".strip())
        workbook.append(Sheet(title, rows, number_formats=dict.fromkeys((3, 4, 5, 6), MONEY)))
    return Book(xlsx_file(*workbook), f"statements-{_slug(engagement_name)}.xlsx")
