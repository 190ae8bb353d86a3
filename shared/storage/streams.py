"""Reading a source that is either bytes or a file object, in bounded chunks.

Both adapters copy sources of any size; reading in chunks keeps memory flat for multi-gigabyte ledgers.
"""

from __future__ import annotations

import builtins
import io
from typing import BinaryIO

READ_CHUNK = 1024 * 1024


def as_stream(data: bytes | BinaryIO) -> BinaryIO:
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data)
    return data


def read_exactly(stream: BinaryIO, size: int) -> bytes:
    """Fill a whole block even from sources that return short reads (sockets, pipes)."""
    parts: builtins.list[bytes] = []
    remaining = size
    while remaining:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)
