"""Adjusting entries as every capability writes them: the checks an entry must pass, and its numbering.

Mapping records the entries an auditor types; fieldwork proposes the ones its registers lead to (an
estimate's difference, a recognized subsequent event). All of them pass the same checks and take the
next number the same way, so the summary of unadjusted differences reads one kind of entry.

An entry has at least two lines, each a debit or a credit (positive, never both), on accounts the
engagement's trial balance knows, and its debits equal its credits; a refusal names the line, the
field and the value, or the difference.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, text

from shared.db.models_mapping import Adjustment, AdjustmentLine
from shared.db.uow import UnitOfWork
from shared.engagement_access import record
from shared.errors import ValidationFailed
from shared.trial_balances import balances, current_trial_balance

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class EntryLine:
    account_number: str
    debit: Decimal
    credit: Decimal


def check(lines: Sequence[EntryLine], known_accounts: set[str]) -> Decimal:
    """The entry's total (its debits), or a 400 naming what is wrong."""
    if len(lines) < 2:
        raise ValidationFailed.field(
            "body", "lines", message=f"an adjusting entry needs at least two lines, got {len(lines)}"
        )
    for index, line in enumerate(lines):
        where = ("body", "lines", str(index))
        if line.debit < 0 or line.credit < 0:
            field_name = "debit" if line.debit < 0 else "credit"
            raise ValidationFailed.field(
                *where, field_name, message=f"{getattr(line, field_name)} is negative; amounts are positive"
            )
        if (line.debit == 0) == (line.credit == 0):
            raise ValidationFailed.field(
                *where,
                "debit",
                message=f"line {index + 1} must have either a debit or a credit (debit {line.debit}, "
                f"credit {line.credit})",
            )
        if line.account_number not in known_accounts:
            raise ValidationFailed.field(
                *where,
                "account_number",
                message=f"account {line.account_number!r} is not in the engagement's trial balance",
                code="unknown_account",
            )
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits:
        raise ValidationFailed(
            f"The entry does not balance: debits {debits} and credits {credits} differ by {debits - credits}",
            errors=[
                {
                    "loc": ["body", "lines"],
                    "msg": f"debits {debits} - credits {credits} = {debits - credits}",
                    "type": "value_error",
                }
            ],
            code="adjustment_unbalanced",
            difference=str(debits - credits),
        )
    return debits


def add_entry(
    uow: UnitOfWork,
    *,
    firm_id: uuid.UUID,
    engagement_id: uuid.UUID,
    created_by: uuid.UUID,
    kind: str,
    description: str,
    lines: Sequence[EntryLine],
    **logged: str,
) -> tuple[Adjustment, list[AdjustmentLine]]:
    """Add a checked entry numbered in turn, and its audit record (with what the caller adds to it).

    The caller has authorized the write and commits."""
    dataset = current_trial_balance(uow, engagement_id=engagement_id)
    known = set(balances(uow, dataset_id=dataset.id)) if dataset is not None else set()
    total = check(lines, known)
    # Concurrent entries take turns, so numbers count up without gaps or clashes.
    uow.session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"adjustments:{engagement_id}"}
    )
    last = uow.session.scalar(select(func.max(Adjustment.number)).where(Adjustment.engagement_id == engagement_id))
    entry = Adjustment(
        firm_id=firm_id,
        engagement_id=engagement_id,
        number=(last or 0) + 1,
        kind=kind,
        description=description,
        created_by=created_by,
    )
    uow.session.add(entry)
    uow.session.flush()
    rows = [
        AdjustmentLine(
            firm_id=firm_id,
            engagement_id=engagement_id,
            adjustment_id=entry.id,
            line=index + 1,
            account_number=line.account_number,
            debit=line.debit,
            credit=line.credit,
        )
        for index, line in enumerate(lines)
    ]
    uow.session.add_all(rows)
    uow.session.flush()
    # The description stays out of the audit log: it may quote the client's figures.
    record(
        uow,
        "adjustment.created",
        engagement_id=engagement_id,
        target_type="adjustment",
        target_id=entry.id,
        number=entry.number,
        kind=kind,
        amount=str(total),
        **logged,
    )
    return entry, rows
