"""The amounts Benford analysis reads from an engagement: GL line amounts or TB closing balances.

Amounts leave the database as exact integer cents (NUMERIC(18,2) x 100), streamed with COPY and parsed
by pyarrow, so no amount ever passes through a float.
"""

from __future__ import annotations

import uuid

import numpy as np
import numpy.typing as npt

from functions.analytics.copy_out import read_table
from shared.datasets import current_dataset
from shared.db.models_ingestion import Dataset
from shared.db.uow import UnitOfWork
from shared.errors import Conflict

SOURCES = {
    "general_ledger": "SELECT (amount * 100)::bigint FROM journal_lines WHERE dataset_id = %(dataset_id)s",
    "trial_balance": (
        "SELECT (closing_balance * 100)::bigint FROM trial_balance_lines WHERE dataset_id = %(dataset_id)s"
    ),
}


def loaded_dataset(uow: UnitOfWork, engagement_id: uuid.UUID, kind: str) -> Dataset:
    """The current dataset of this kind; 409 when none has loaded."""
    dataset = current_dataset(uow, engagement_id=engagement_id, kind=kind)
    if dataset is None:
        raise Conflict(f"The engagement has no {kind.replace('_', ' ')} loaded yet", code=f"no_{kind}")
    return dataset


def cents(uow: UnitOfWork, dataset: Dataset) -> npt.NDArray[np.int64]:
    """The dataset's amounts as an int64 numpy array of cents."""
    import pyarrow as pa

    table = read_table(uow, SOURCES[dataset.kind], {"dataset_id": dataset.id}, ["cents"], {"cents": pa.int64()})
    return np.asarray(table.column("cents").to_numpy(), dtype=np.int64)
