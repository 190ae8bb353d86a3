"""Alembic environment: migrations run as the schema owner, never as the application role."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from shared.db import (  # noqa: F401  (registers their tables on Base.metadata)
    models_analytics,
    models_assistant,
    models_client_requests,
    models_confirmations,
    models_disclosures,
    models_engagement,
    models_events,
    models_financial_analysis,
    models_ingestion,
    models_mapping,
    models_parties,
    models_planning,
    models_program,
    models_qc,
    models_reporting,
    models_sampling,
)
from shared.db.engine import normalize_url
from shared.db.models import Base
from shared.db.models_ingestion import is_declared
from shared.settings import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=normalize_url(url), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=Base.metadata, include_object=is_declared)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(normalize_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, include_object=is_declared)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
