"""Which process serves a sandbox's cluster right now, so other commands join it.

The embedded cluster keeps its objects in files inside the state directory: two processes
serving the same files would be two diverging clusters. So whoever starts a cluster for a
sandbox (``up`` for as long as it runs, any other command for its own duration when no ``up``
runs) first takes an exclusive ``flock`` on ``STATE/session.lock`` and holds it until it has
stopped the cluster, and says in ``STATE/session.json`` what it serves: its pid, the
``--cluster`` it was started with, the kubeconfig and context. A second process that finds the
lock taken by ``up`` reaches the cluster through that kubeconfig; the kernel drops the lock when
its holder dies, even by ``kill -9``, so a stale record never blocks anyone. The record outlives
its process on purpose: it remembers which cluster the sandbox used last.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from gitops_tui.cluster.secure_files import write_private

LOCK_NAME = "session.lock"
RECORD_NAME = "session.json"
#: The command name of the long-running holder others may join.
UP = "up"


class SandboxBusy(Exception):
    """Another process holds the sandbox's cluster in a way this one cannot share."""


@dataclass(frozen=True)
class ServingRecord:
    """What a serving process tells the others (``STATE/session.json``)."""

    pid: int
    command: str
    #: The ``--cluster`` value it was started with (``embedded``, ``kind``, ``context:NAME``).
    cluster: str
    description: str
    kubeconfig: str | None = None
    context: str | None = None
    server: str | None = None
    #: The cluster is started and the kubeconfig written.
    ready: bool = False

    @property
    def joinable(self) -> bool:
        return self.command == UP and self.ready and self.kubeconfig is not None


def read_record(state_dir: Path) -> ServingRecord | None:
    """The last record written, whether or not its process still runs (``None``: none, or
    unreadable, which only happens mid-write)."""
    try:
        data = json.loads((state_dir / RECORD_NAME).read_text(encoding="utf-8"))
        return ServingRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def forget(state_dir: Path) -> None:
    """Drop the record (``down``: the sandbox has no cluster any more)."""
    (state_dir / RECORD_NAME).unlink(missing_ok=True)


class ServingLock:
    """The exclusive right to start and serve the sandbox's cluster."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        if self._handle is not None:
            return True
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.state_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "r+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def publish(self, record: ServingRecord) -> None:
        """Tell other processes what this one serves (only while holding the lock)."""
        if self._handle is None:
            raise RuntimeError("publish needs the serving lock")
        write_private(self.state_dir / RECORD_NAME, json.dumps(asdict(record), indent=2) + "\n")

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def acquire_or_join(
    state_dir: Path,
    *,
    join: bool,
    timeout: float,
    waiting: Callable[[ServingRecord | None], None] | None = None,
) -> ServingLock | ServingRecord:
    """The lock, or (with ``join``) the record of the running ``up`` to reach the cluster by.

    While another command holds the lock only briefly, or an ``up`` is still starting its
    cluster, wait for it (``waiting`` is told once, with the holder's record); give up after
    ``timeout`` seconds with :class:`SandboxBusy`. Without ``join`` a running ``up`` is refused
    at once: only one may serve a sandbox.
    """
    lock = ServingLock(state_dir)
    deadline = time.monotonic() + timeout
    told = False
    while True:
        if lock.try_acquire():
            return lock
        record = read_record(state_dir)
        if record is not None and record.command == UP:
            if not join:
                raise SandboxBusy(
                    f"`gitops-tui up` is already running for this sandbox (pid {record.pid}, "
                    f"{record.cluster}): use that one, or stop it first (`gitops-tui down` "
                    "or Ctrl-C in its terminal)"
                )
            if record.joinable:
                return record
        if time.monotonic() >= deadline:
            who = f"pid {record.pid} (`gitops-tui {record.command}`)" if record else "a process"
            raise SandboxBusy(
                f"{who} still holds this sandbox's cluster after {timeout:g}s: try again when "
                "it has finished"
            )
        if waiting is not None and not told:
            waiting(record)
            told = True
        time.sleep(0.05)
