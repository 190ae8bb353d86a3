"""The canonical fields of each kind of client file: the output columns, their types, which are
required, and where each amount comes from.

Amounts come in three forms (docs/audit-rules.md section 3): a signed amount; debit and credit columns; an amount with a
debit/credit indicator. An `AmountTarget` names the file fields of each form for one output amount;
`header_match` decides which form a given file uses.

This module is imported on the HTTP cold-start path: it must not import pyarrow at module level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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


def source_fields(kind: str) -> tuple[str, ...]:
    """Every name a column map may use for this kind: the output fields and the amount-form parts."""
    names = [name for name in COLUMNS[kind] if name != "row_number"]
    for target in AMOUNT_TARGETS[kind]:
        names += [target.debit, target.credit, target.indicator]
    return tuple(dict.fromkeys(names))


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


def arrow_schema(kind: str) -> pa.Schema:
    """The typed batch the loader COPYs; pyarrow is imported here, not at module import."""
    import pyarrow as pa

    check_kind(kind)
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
