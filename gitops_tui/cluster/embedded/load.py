"""Client requests in flight, so the simulated control plane gives way to them.

A real kube-controller-manager is a process of its own whose API client is rate limited
(``--kube-api-qps``), so a burst of reconciles never slows the API server's answers to
clients. Here the controllers share one interpreter with the server, which runs one thread at
a time: a reconcile running while a request is served delays that request. The HTTP layer
counts the requests it is serving (a watch only until its stream is open) and the controllers
ask whether clients were served recently; if so they pace themselves, and when clients are
quiet they run flat out. They are never starved, only slowed.
"""

from __future__ import annotations

import threading
import time


class Ticket:
    """One request being served; :meth:`release` (idempotent) ends it."""

    def __init__(self, load: ClientLoad) -> None:
        self._load = load
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._load._end()


class ClientLoad:
    """How many client requests are being served, and when the last one ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._last_end = float("-inf")

    def serving(self) -> Ticket:
        with self._lock:
            self._active += 1
        return Ticket(self)

    def _end(self) -> None:
        with self._lock:
            self._active -= 1
            self._last_end = time.monotonic()

    def busy(self, within: float) -> bool:
        """Whether a request is being served or one ended less than ``within`` seconds ago."""
        with self._lock:
            return self._active > 0 or time.monotonic() - self._last_end < within
