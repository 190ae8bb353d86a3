"""An engagement's trial balances and chart of accounts as the accounts they list, read by every
capability that works from them (mapping, planning's benchmarks), so none imports ingestion.

The current trial balance is the newest loaded version that is not a comparative; a trial balance
uploaded with `comparative=prior_year` is the prior year's, kept beside it for the statements'
comparatives. A file may list an account on several rows (per business unit, say): its balances add
up; a file with periods counts only its last period's rows, the year-end position.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from shared.datasets import current_dataset
from shared.db.models_ingestion import ChartAccount, Dataset, TrialBalanceLine
from shared.db.uow import UnitOfWork

COMPARATIVE = "prior_year"


@dataclass(frozen=True)
class AccountBalance:
    account_number: str
    account_name: str
    opening: Decimal | None  # debit positive; None when the file gave no opening balances
    closing: Decimal  # debit positive


def current_trial_balance(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> Dataset | None:
    """The newest loaded trial balance of the year under audit, or None."""
    return current_dataset(uow, engagement_id=engagement_id, kind="trial_balance")


def prior_year_trial_balance(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> Dataset | None:
    """The newest loaded trial balance uploaded as the prior year's comparative, or None."""
    return uow.session.scalar(
        select(Dataset)
        .where(
            Dataset.engagement_id == engagement_id,
            Dataset.kind == "trial_balance",
            Dataset.status == "succeeded",
            Dataset.options["comparative"].astext == COMPARATIVE,
        )
        .order_by(Dataset.version.desc())
        .limit(1)
    )


def balances(uow: UnitOfWork, *, dataset_id: uuid.UUID) -> dict[str, AccountBalance]:
    """Each account of a trial balance once, by number, in number order."""
    last_period = uow.session.scalar(
        select(func.max(TrialBalanceLine.period)).where(TrialBalanceLine.dataset_id == dataset_id)
    )
    query = (
        select(
            TrialBalanceLine.account_number,
            func.max(TrialBalanceLine.account_name),
            func.sum(TrialBalanceLine.opening_balance),
            func.count(TrialBalanceLine.opening_balance),
            func.sum(TrialBalanceLine.closing_balance),
        )
        .where(TrialBalanceLine.dataset_id == dataset_id)
        .group_by(TrialBalanceLine.account_number)
        .order_by(TrialBalanceLine.account_number)
    )
    if last_period is not None:
        query = query.where(TrialBalanceLine.period == last_period)
    return {
        number: AccountBalance(number, name or "", opening if counted else None, closing or Decimal(0))
        for number, name, opening, counted, closing in uow.session.execute(query)
    }


def chart_of_accounts(uow: UnitOfWork, *, engagement_id: uuid.UUID) -> dict[str, str]:
    """Account number -> name from the engagement's current chart of accounts (empty without one)."""
    dataset = current_dataset(uow, engagement_id=engagement_id, kind="chart_of_accounts")
    if dataset is None:
        return {}
    rows = uow.session.execute(
        select(ChartAccount.account_number, func.max(ChartAccount.account_name))
        .where(ChartAccount.dataset_id == dataset.id)
        .group_by(ChartAccount.account_number)
        .order_by(ChartAccount.account_number)
    )
    return {str(number): str(name) for number, name in rows}
