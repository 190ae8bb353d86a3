"""The scratch world a benchmark runs in: test settings, a database of its own (dropped afterwards) and a
temporary folder for blobs. Settings are set before anything imports them."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def scratch(label: str) -> Iterator[tuple[str, Path]]:
    """(database URL, temporary folder) for one benchmark run; both are gone when it ends."""
    os.environ.setdefault("AURA_JWT_SECRET", "bench-secret-" + uuid.uuid4().hex)
    os.environ["AURA_ENVIRONMENT"] = "test"
    os.environ["AURA_LOG_LEVEL"] = "WARNING"
    os.environ["AURA_BUS_TRANSPORT"] = "local"
    from aura_local.database import create_database, drop_database, server_url

    server = server_url(ROOT / ".aura")
    name = f"aura_bench_{uuid.uuid4().hex[:10]}"
    url = create_database(server, name, exist_ok=False)
    os.environ["DATABASE_URL"] = url
    with tempfile.TemporaryDirectory(prefix=f"aura-bench-{label}-") as folder:
        os.environ["AURA_LOCAL_STORAGE_DIR"] = str(Path(folder) / "blobs")
        try:
            yield url, Path(folder)
        finally:
            from shared.db.engine import reset_engine

            reset_engine()
            drop_database(server, name)
