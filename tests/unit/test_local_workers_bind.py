"""The port `aura serve --workers N` claims: shared by its own workers (SO_REUSEPORT), refused to others."""

from __future__ import annotations

import socket

import pytest

from aura_local import workers

pytestmark = pytest.mark.unit


def test_a_worker_can_listen_on_the_port_the_supervisor_claimed() -> None:
    claim = workers.bind("127.0.0.1", 0)
    try:
        port = claim.getsockname()[1]
        worker = workers.bind("127.0.0.1", port)
        try:
            worker.listen()
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                accepted, _ = worker.accept()  # the worker's socket, not the claim, receives the connection
                accepted.close()
        finally:
            worker.close()
    finally:
        claim.close()


def test_a_port_another_program_holds_ends_the_command_with_a_message() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(SystemExit, match=f"cannot serve on 127.0.0.1:{port}"):
            workers.bind("127.0.0.1", port)


def test_without_so_reuseport_the_command_says_to_use_one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(socket, "SO_REUSEPORT")
    with pytest.raises(SystemExit, match="--workers 1"):
        workers.bind("127.0.0.1", 0)
