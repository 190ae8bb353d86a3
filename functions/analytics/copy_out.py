"""Reading a large result out of PostgreSQL with COPY, in the unit of work's transaction (and its RLS scope)."""

from __future__ import annotations

import io
from typing import Any

from shared.db.uow import UnitOfWork


def copy_csv(uow: UnitOfWork, query: str, params: dict[str, Any]) -> io.BytesIO:
    """`COPY (query) TO STDOUT` as CSV bytes; psycopg binds `params` (%(name)s placeholders) client-side.

    The whole result is buffered before it is parsed (a million lines are about 110 MB of CSV): Arrow
    parses from memory on every core, twice as fast as from a stream fed row by row."""
    connection = uow.session.connection().connection.driver_connection
    if connection is None:
        raise RuntimeError("the unit of work has no database connection")
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)", params) as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return buffer
