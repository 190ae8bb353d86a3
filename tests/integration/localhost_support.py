"""Support for tests that run the app on a real PostgreSQL and through the local host.

`fresh_database()` creates an empty database, migrates it (roles, row-level security and all) and
points the app's settings and engine at it; it drops the database afterwards. `running_server()`
serves a LocalHost on a free port with a real uvicorn, background loop included.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator

from aura_local.host import LocalHost, build_server
from shared.db.models import Firm
from shared.db.uow import UnitOfWork

SERVER_START_TIMEOUT_SECONDS = 15.0


def create_firm(name: str = "Test firm") -> uuid.UUID:
    firm_id = uuid.uuid4()
    with UnitOfWork(firm_id=firm_id) as uow:
        uow.session.add(Firm(id=firm_id, name=name))
        uow.commit()
    return firm_id


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(local_host: LocalHost) -> Iterator[str]:
    """Serve `local_host` with uvicorn on a free port, background loop included; yields the base URL."""
    port = free_port()
    server = build_server(local_host, host="127.0.0.1", port=port, log_level="warning")
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SERVER_START_TIMEOUT_SECONDS)
        local_host.stop()
        if thread.is_alive():
            raise RuntimeError("uvicorn did not stop")


def wait_for(condition: Callable[[], object], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll `condition()` until it is true or `timeout` seconds pass; False when it never was."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
