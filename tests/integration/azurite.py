"""Run Azurite's blob service for a test session, so storage tests talk to a real Blob API.

Azurite comes from the project's package.json (pinned in package-lock.json) and is installed by
`make install`; a missing install fails loudly rather than skipping, because a skipped storage
test suite looks exactly like a passing one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
AZURITE_BLOB = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"

# Azurite's fixed development account; public, documented, and accepted by nothing but emulators.
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

STARTUP_TIMEOUT_SECONDS = 30.0


class AzuriteUnavailableError(RuntimeError):
    """Azurite is not installed or did not start; the message says what to do."""


def connection_string(port: int) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{ACCOUNT_NAME};"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole process group Azurite runs in, then SIGKILL if it lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def azurite_blob() -> Iterator[str]:
    """Start a private, in-memory Azurite blob service; yield its connection string; stop it.

    A free port per run lets parallel test runs and a developer's own Azurite on 10000 coexist.
    """
    if not AZURITE_BLOB.exists():
        raise AzuriteUnavailableError(
            f"{AZURITE_BLOB} is missing: run `make install`, which installs the Node tools in "
            "package.json (Azurite, at the version pinned in package-lock.json)"
        )
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="aura-azurite-") as workspace:
        log_path = Path(workspace) / "azurite.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    str(AZURITE_BLOB),
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    str(port),
                    "--inMemoryPersistence",
                    "--skipApiVersionCheck",
                    "--loose",
                    "--silent",
                    "--disableTelemetry",
                ],
                # Azurite 3.35 refuses --location with --inMemoryPersistence; the working directory
                # keeps anything it still writes out of the checkout.
                cwd=workspace,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so stopping it reaches anything node spawned too.
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while not _port_answers(port):
                if process.poll() is not None:
                    raise AzuriteUnavailableError(
                        f"Azurite exited with code {process.returncode} before listening on port {port}:\n"
                        + log_path.read_text(errors="replace")
                    )
                if time.monotonic() > deadline:
                    raise AzuriteUnavailableError(
                        f"Azurite did not listen on port {port} within {STARTUP_TIMEOUT_SECONDS:.0f}s:\n"
                        + log_path.read_text(errors="replace")
                    )
                time.sleep(0.1)
            yield connection_string(port)
        finally:
            _stop(process)
