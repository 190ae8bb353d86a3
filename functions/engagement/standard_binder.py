"""The sections every new engagement's binder starts with, indexed the way audit files usually are."""

from __future__ import annotations

import uuid

from sqlalchemy import insert

from shared.db.models_engagement import BinderNode
from shared.db.uow import UnitOfWork

STANDARD_SECTIONS = (
    ("A", "Planning"),
    ("B", "Risk assessment"),
    ("C", "Internal control"),
    ("D", "Cash"),
    ("E", "Receivables"),
    ("F", "Inventory"),
    ("G", "Payables"),
    ("H", "Debt"),
    ("I", "Equity"),
    ("J", "Revenue"),
    ("K", "Expenses"),
    ("L", "Completion"),
)


def create_standard_sections(uow: UnitOfWork, *, firm_id: uuid.UUID, engagement_id: uuid.UUID) -> None:
    """One top-level folder per standard section, in index order."""
    uow.session.execute(
        insert(BinderNode),
        [
            {
                "id": uuid.uuid4(),
                "firm_id": firm_id,
                "engagement_id": engagement_id,
                "kind": "folder",
                "index_code": code,
                "title": title,
                "position": position,
                "created_by": uow.user_id,
                "updated_by": uow.user_id,
            }
            for position, (code, title) in enumerate(STANDARD_SECTIONS)
        ],
    )
