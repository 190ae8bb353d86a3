"""Reading a large result out of PostgreSQL with COPY, in the unit of work's transaction (and its RLS scope).

COPY hands over one row at a time; rows are gathered into blocks of about 16 MB, and each block is
parsed by Arrow from memory on every core. Only one block of CSV is held at a time, so a million
lines (110 MB of CSV) never sit in memory as text beside their parsed table.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from shared.db.uow import UnitOfWork

if TYPE_CHECKING:
    import psycopg
    import pyarrow as pa
    from psycopg.abc import Buffer

BLOCK_BYTES = 16 << 20


def copy_blocks(uow: UnitOfWork, query: str, params: dict[str, Any]) -> Iterator[bytes]:
    """`COPY (query) TO STDOUT` as CSV, in blocks of whole rows; psycopg binds `params` (%(name)s) client-side."""
    connection = uow.session.connection().connection.driver_connection
    if connection is None:
        raise RuntimeError("the unit of work has no database connection")
    with connection.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)", params) as copy:
        block = io.BytesIO()  # each row is copied out of psycopg's buffer at once: holding them costs 3x
        for row in _rows(connection, copy):
            if block.write(row) and block.tell() >= BLOCK_BYTES:
                yield block.getvalue()
                block = io.BytesIO()
        if block.tell():
            yield block.getvalue()


def _rows(connection: psycopg.Connection[Any], copy: psycopg.Copy) -> Iterator[Buffer]:
    """The COPY's rows. psycopg's own reading waits on the socket for every row (a million waits cost a
    second of a worker's time); here the rows libpq has already received are taken at once, and psycopg
    waits only when none is left (and, at the end, the COPY's outcome is fetched as psycopg fetches it)."""
    from psycopg import errors
    from psycopg.generators import fetch_many
    from psycopg.pq import ExecStatus

    pgconn = connection.pgconn
    while True:
        size, data = pgconn.get_copy_data(1)  # 1: never blocks; 0 when nothing is buffered, -1 at the end
        if size > 0:
            yield data
        elif size == 0:
            row = copy.read()  # psycopg waits for more, and sees the end itself if that comes first
            if not row:
                return
            yield row
        else:
            results = connection.wait(fetch_many(pgconn))
            failed = [r for r in results if r.status != ExecStatus.COMMAND_OK]
            if failed:
                raise errors.error_from_result(failed[0], encoding=connection.info.encoding)
            return


def read_table(
    uow: UnitOfWork, query: str, params: dict[str, Any], names: list[str], types: dict[str, pa.DataType]
) -> pa.Table:
    """The query's result as an Arrow table with these column names and types; NULL is an unquoted empty
    field, an empty string stays empty."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.ConvertOptions(
        column_types=types, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    # The system allocator, whose freed memory a heap trim hands back (mimalloc keeps a parse's transients),
    # and one thread: COPY is the slower half, so parsing on more threads gained no time and cost 50 MB.
    pool = pa.system_memory_pool()
    read = pacsv.ReadOptions(column_names=names, use_threads=False)
    tables = [
        pacsv.read_csv(pa.py_buffer(block), read_options=read, convert_options=options, memory_pool=pool)
        for block in copy_blocks(uow, query, params)
    ]
    if not tables:
        return pa.table({name: pa.array([], types[name]) for name in names})
    return pa.concat_tables(tables)
