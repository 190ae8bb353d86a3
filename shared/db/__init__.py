"""Database access: the engine, the unit of work, the ORM models and the migrations."""

from shared.db.engine import get_engine, reset_engine
from shared.db.uow import UnitOfWork, unit_of_work

__all__ = ["UnitOfWork", "get_engine", "reset_engine", "unit_of_work"]
