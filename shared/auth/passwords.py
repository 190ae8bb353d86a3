"""Password hashing with argon2id and the password policy of docs/audit-rules.md section 1."""

from __future__ import annotations

import functools
import math
import os
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.errors import ValidationFailed
from shared.settings import get_settings

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

T = TypeVar("T")


def hashing_slots(cpus: int | None, worker_processes: str | None) -> int:
    """How many hashes one process may run at once: its share of the cores, when the Functions host runs
    FUNCTIONS_WORKER_PROCESS_COUNT Python processes side by side on them (at least one)."""
    try:
        processes = max(1, int(worker_processes or "1"))
    except ValueError:
        processes = 1
    return max(1, (cpus or 1) // processes)


_CPU_QUOTA = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" in microseconds, or "max <period>"


def usable_cpus(quota_file: Path = _CPU_QUOTA) -> int:
    """The cores this process may use: those it may run on, at most its cgroup's CPU quota rounded up. A
    container or a Functions instance can see more processors than its quota pays for (a Flex Consumption
    instance of 2048 MB has 1 vCPU and has been seen to report 4), and more hashes than cores each cost more."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = quota_file.read_text(encoding="ascii").split()
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota to read: the cores it may run on
    return max(1, cpus)


# A burst of sign-ins queues here instead of putting dozens of hashes on two cores at once (50 of them, at
# 64 MiB each: 3.2 GB), which took the CPU from every other request and made each hash slower too: more
# hashes than cores also cost each one more CPU (19 MiB, 2 passes: 18.5 ms alone or two at once on 2
# cores, 21.8 ms four at once). The queue holds no database connection (login checks the hash outside a
# transaction), and with the host's lane for requests without credentials it holds few workers.
_HASHING_SLOTS = threading.BoundedSemaphore(
    hashing_slots(usable_cpus(), os.environ.get("FUNCTIONS_WORKER_PROCESS_COUNT"))
)


# Hashes this process is computing or waiting to compute, and who is told when that number leaves or
# returns to zero: the local host runs signed-in requests one at a time while a password is checked
# (aura_local/host.py), so a burst of sign-ins is not starved of CPU by the users already signed in.
_pending = 0
_pending_lock = threading.Lock()
_watchers: weakref.WeakSet[Callable[[int], None]] = weakref.WeakSet()


def watch_hashing(watcher: Callable[[int], None]) -> None:
    """Call `watcher(pending)` whenever the number of password hashes this process is computing or
    waiting to compute changes, in order; from the hashing thread, so it must only hand the news on
    (e.g. `loop.call_soon_threadsafe`). Held weakly: the caller keeps it alive as long as it listens."""
    _watchers.add(watcher)


def hashes_pending() -> int:
    """Password hashes this process is computing or waiting to compute."""
    return _pending


def _tell(pending: int) -> None:
    for watcher in list(_watchers):
        watcher(pending)


def _bounded(work: Callable[[], T]) -> T:
    global _pending
    with _pending_lock:  # told under the lock, so the watchers hear the changes in the order they happen
        _pending += 1
        _tell(_pending)
    try:
        with _HASHING_SLOTS:
            return work()
    finally:
        with _pending_lock:
            _pending -= 1
            _tell(_pending)


@functools.cache
def _hasher_costing(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    """argon2id at the cost the settings give: RFC 9106's low-memory profile unless the tests lower it."""
    settings = get_settings()
    return _hasher_costing(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password-used-for-timing")


def validate_password(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"The password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long",
            errors=[
                {
                    "loc": [field],
                    "msg": f"at least {MIN_PASSWORD_LENGTH} characters",
                    "type": "password_policy",
                }
            ],
        )


def hash_password(password: str) -> str:
    validate_password(password)
    hasher = _hasher()
    return _bounded(lambda: hasher.hash(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; with no hash, spends the same time and answers False."""
    hasher = _hasher()

    def check() -> bool:
        dummy = _dummy_hash(hasher)  # built on the first check of either kind, so neither pays for it alone
        try:
            return hasher.verify(password_hash or dummy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return _bounded(check)


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
