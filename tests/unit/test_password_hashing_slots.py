"""A burst of sign-ins checks at most one password hash per core at a time; the rest wait their turn.

The hasher is replaced by one that holds each check until the test lets it go, so the test can see how
many checks run at once without spending the CPU a real argon2 hash costs.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from pathlib import Path

import pytest

from shared.auth import passwords

pytestmark = pytest.mark.unit


class _HeldHasher:
    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.release = threading.Event()

    def verify(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.release.wait(30)
        with self.lock:
            self.running -= 1
        return password == "the right one 2026"

    def hash(self, password: str) -> str:
        return "dummy"


def test_a_burst_of_checks_runs_one_per_core_and_every_one_is_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = _HeldHasher()
    monkeypatch.setattr(passwords, "_hasher", lambda: hasher)
    slots = passwords.hashing_slots(passwords.usable_cpus(), os.environ.get("FUNCTIONS_WORKER_PROCESS_COUNT"))
    burst = slots + 6
    answers: list[bool] = []
    answers_lock = threading.Lock()

    def sign_in(n: int) -> None:
        ok = passwords.verify_password("stored", "the right one 2026" if n % 2 else "a wrong one 2026")
        with answers_lock:
            answers.append(ok)

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(burst)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while hasher.running < slots and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in range(20):  # the others are blocked, not merely late: they stay out while the slots are held
        time.sleep(0.01)
        assert hasher.running == slots
    hasher.release.set()
    for thread in threads:
        thread.join(30)

    assert hasher.most == slots, "never more checks at once than cores"
    assert sorted(answers) == [False] * (burst - burst // 2) + [True] * (burst // 2), "every check was answered"


@pytest.mark.parametrize(
    ("cpus", "worker_processes", "slots"),
    [
        (2, None, 2),  # one Python process: a hash per core
        (2, "2", 1),  # two processes on two cores (the Functions host's setting, or aura serve's workers)
        (8, "3", 2),
        (2, "4", 1),  # more processes than cores: still one each
        (None, None, 1),  # the CPU count unknown
        (4, "not a number", 4),
        (4, "0", 4),
    ],
)
def test_worker_processes_share_the_cores_for_hashing(
    cpus: int | None, worker_processes: str | None, slots: int
) -> None:
    assert passwords.hashing_slots(cpus, worker_processes) == slots


def test_watchers_hear_every_change_in_the_hashes_pending_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local host narrows its signed-in lane while sign-ins queue for their hash (aura_local/host.py):
    it must hear the number of hashes under way or waiting each time it changes, back to none."""
    hasher = _HeldHasher()
    monkeypatch.setattr(passwords, "_hasher", lambda: hasher)
    heard: list[int] = []
    heard_lock = threading.Lock()

    def watcher(pending: int) -> None:
        with heard_lock:
            heard.append(pending)

    passwords.watch_hashing(watcher)
    burst = 5
    threads = [
        threading.Thread(target=passwords.verify_password, args=("stored", "the right one 2026")) for _ in range(burst)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while passwords.hashes_pending() < burst and time.monotonic() < deadline:
        time.sleep(0.01)
    assert passwords.hashes_pending() == burst, "the checks beyond the slots are counted while they wait"
    hasher.release.set()
    for thread in threads:
        thread.join(30)

    assert heard == [1, 2, 3, 4, 5, 4, 3, 2, 1, 0]
    assert passwords.hashes_pending() == 0


def test_a_watcher_is_held_weakly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lanes that are gone (a closed event loop, a host of an earlier test) are not told any more."""
    hasher = _HeldHasher()
    hasher.release.set()
    monkeypatch.setattr(passwords, "_hasher", lambda: hasher)
    heard: list[int] = []

    def watcher(pending: int) -> None:
        heard.append(pending)

    passwords.watch_hashing(watcher)
    passwords.verify_password("stored", "the right one 2026")
    assert heard == [1, 0]
    del watcher
    gc.collect()
    passwords.verify_password("stored", "the right one 2026")
    assert heard == [1, 0]


@pytest.mark.parametrize(
    ("quota", "expected"),
    [
        ("100000 100000", 1),  # one vCPU's worth, however many processors the instance shows
        ("150000 100000", 2),  # a core and a half: both cores, rounded up
        ("50000 100000", 1),  # a quarter of a core (Flex Consumption's 512 MB): still one
        ("max 100000", None),  # no quota: every core it may run on
        ("not a quota", None),
        (None, None),  # no cgroup v2 file
    ],
)
def test_the_cores_for_hashing_are_capped_by_the_cgroup_cpu_quota(
    tmp_path: Path, quota: str | None, expected: int | None
) -> None:
    quota_file = tmp_path / "cpu.max"
    if quota is not None:
        quota_file.write_text(quota + "\n")
    cores = len(os.sched_getaffinity(0))
    assert passwords.usable_cpus(quota_file) == (min(expected, cores) if expected else cores)
