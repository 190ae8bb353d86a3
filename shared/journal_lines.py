"""The journal-line read model: a general-ledger line as every capability reads and shows it.

Ingestion loads the lines (`journal_lines`, one partition per dataset version) and lists them;
analytics shows the lines a test flagged and the lines of a flagged journal, and exports them. All of
them read a line through the queries here and show it with the schemas here, so a line has one shape
everywhere: its fields, and its signed amount split into a debit and a credit (debit positive).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, CompoundSelect, Select, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session

from shared.datasets import current_dataset_id
from shared.db.models_ingestion import ChartAccount, JournalLine, TrialBalanceLine
from shared.db.uow import UnitOfWork
from shared.http.fields import LocalTime

# A ledger's lines in journal order: by journal, then line number, then the file's row.
JOURNAL_ORDER = (JournalLine.journal_id, JournalLine.line_number, JournalLine.row_number)


class JournalLineView(BaseModel):
    """A line as the results of a test show it: what an auditor reads a line by."""

    model_config = ConfigDict(from_attributes=True)

    row_number: int
    journal_id: str
    line_number: int
    account_number: str
    account_name: str | None = None
    amount: Decimal
    debit: Decimal
    credit: Decimal
    effective_date: date
    entered_date: date | None
    entered_time: LocalTime | None
    entered_by: str | None
    approved_by: str | None
    document_date: date | None
    period: str | None
    source: str | None
    description: str | None
    header_description: str | None


class JournalLineRead(JournalLineView):
    """A line with every field of the canonical journal-entry line (the ledger's own reads)."""

    approved_date: date | None
    fiscal_year: int | None
    business_unit: str | None
    currency: str | None
    reversal_journal_id: str | None


DERIVED = ("debit", "credit")  # from the signed amount
NAMED = ("account_name",)  # from the chart of accounts or the trial balance, not the line
FIELDS = tuple(name for name in JournalLineRead.model_fields if name not in DERIVED + NAMED)
VIEW_FIELDS = tuple(name for name in JournalLineView.model_fields if name not in DERIVED + NAMED)
COLUMNS = tuple(getattr(JournalLine, name) for name in FIELDS)


def debit(amount: Decimal) -> Decimal | int:
    """The debit side of a signed amount: the amount when positive, else 0."""
    return amount if amount >= 0 else 0


def credit(amount: Decimal) -> Decimal | int:
    """The credit side of a signed amount: the amount negated when negative, else 0."""
    negated = -amount
    return negated if negated >= 0 else 0


def values(
    line: Any, fields: Iterable[str] = FIELDS, names: Mapping[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """A line's fields (all, or those named), its debit and credit, its account's name when `names`
    (from account_names) has it, and what the caller adds."""
    found = {name: getattr(line, name) for name in fields if name not in DERIVED + NAMED}
    named = {"account_name": (names or {}).get(line.account_number.strip())}
    return found | {"debit": debit(line.amount), "credit": credit(line.amount)} | named | extra


def _account_names_query() -> CompoundSelect[Any]:
    """Both sources' names of the accounts `numbers`, each from its current version (a subquery), with
    its rank (0 the chart of accounts, 1 the trial balance): one round trip for the two look-ups."""
    tables: tuple[tuple[str, type[ChartAccount] | type[TrialBalanceLine]], ...] = (
        ("chart_of_accounts", ChartAccount),
        ("trial_balance", TrialBalanceLine),
    )
    return union_all(
        *(
            select(literal(rank).label("source"), func.btrim(table.account_number), table.account_name).where(
                table.dataset_id == current_dataset_id(bindparam("engagement_id"), kind),
                func.btrim(table.account_number).in_(bindparam("numbers", expanding=True)),
                table.account_name.is_not(None),
            )
            for rank, (kind, table) in enumerate(tables)
        )
    )


_ACCOUNT_NAMES = _account_names_query()


def page_values(rows: Iterable[Any], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """`values` of the rows `page` returns (every field but the derived and named ones), read as one
    mapping per row instead of field by field: a third of the CPU for a page of 50 lines."""
    found = []
    for row in rows:
        line = row._asdict()
        amount = line["amount"]
        line["debit"], line["credit"] = debit(amount), credit(amount)
        line["account_name"] = names.get(line["account_number"].strip())
        found.append(line)
    return found


def account_names(uow: UnitOfWork, engagement_id: uuid.UUID, numbers: Iterable[str]) -> dict[str, str]:
    """Account number -> name for these accounts, from the current chart of accounts, else the current
    trial balance: a journal line shows "4000 Sales", not a bare number the auditor must look up."""
    wanted = sorted({number.strip() for number in numbers})
    if not wanted:
        return {}
    by_source: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for source, number, name in uow.session.execute(
        _ACCOUNT_NAMES, {"engagement_id": engagement_id, "numbers": wanted}
    ):
        if name and name.strip():
            by_source[source].setdefault(number, name.strip())
    return by_source[1] | by_source[0]  # the chart's name wins


def of_dataset(dataset_id: uuid.UUID, *conditions: ColumnElement[bool]) -> Select[JournalLine]:
    """The lines of one general-ledger version (its partition) that meet the conditions."""
    return select(JournalLine).where(JournalLine.dataset_id == dataset_id, *conditions)


def page(
    session: Session,
    dataset_id: uuid.UUID,
    conditions: Sequence[ColumnElement[bool]],
    *,
    offset: int,
    limit: int,
    total: int | None = None,
) -> tuple[list[Any], int]:
    """One page of the version's lines that meet the conditions, in journal order, and how many there are
    (counted unless the caller knows: `total`).

    The lines are rows of their FIELDS (read by name, as `values` does), not ORM objects: a page is only
    shown, and building 50 tracked objects cost more than the query."""
    if total is None:
        total = session.scalar(
            select(func.count()).select_from(JournalLine).where(JournalLine.dataset_id == dataset_id, *conditions)
        )
    query = select(*COLUMNS).where(JournalLine.dataset_id == dataset_id, *conditions)
    rows = session.execute(query.order_by(*JOURNAL_ORDER).offset(offset).limit(limit)).all()
    return list(rows), int(total or 0)


def of_journal(session: Session, dataset_id: uuid.UUID, journal_id: str) -> list[JournalLine]:
    """One journal's lines in line order."""
    query = of_dataset(dataset_id, JournalLine.journal_id == journal_id)
    return list(session.scalars(query.order_by(JournalLine.line_number, JournalLine.row_number)))


def of_journals(session: Session, dataset_id: uuid.UUID, journal_ids: Sequence[str]) -> dict[str, list[JournalLine]]:
    """The lines of each of these journals, in line order, by journal id (a journal without lines is absent)."""
    found: dict[str, list[JournalLine]] = defaultdict(list)
    if journal_ids:
        query = of_dataset(dataset_id, JournalLine.journal_id.in_(journal_ids)).order_by(*JOURNAL_ORDER)
        for line in session.scalars(query):
            found[line.journal_id].append(line)
    return dict(found)
