"""When to undo drift: at once the first time, then backing off, as Argo CD's self-heal does.

A change that keeps coming back (an autoscaler, a script, a colleague's cron job) would
otherwise turn the agent and the other writer into a loop hammering the API server. Argo CD
waits 2 s before the second heal of the same application and multiplies the wait by 3 each
time, up to 5 minutes; here the same schedule applies per resource and per drift, so a
*different* change on the same resource is still undone at once. Quiet for longer than the
longest wait, a resource starts again from an immediate heal.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_tui.model import ResourceKey

FIRST_DELAY = 2.0
FACTOR = 3.0
MAX_DELAY = 300.0

#: What identifies "the same drift": the drifted paths and the live values found there.
Signature = tuple[tuple[str, str], ...]


@dataclass
class _Attempts:
    signature: Signature
    count: int
    last: float


class HealBackoff:
    """Decides, per resource, when the next heal of a drift may run (times are monotonic)."""

    def __init__(self) -> None:
        self._attempts: dict[ResourceKey, _Attempts] = {}

    def due(self, key: ResourceKey, signature: Signature, now: float) -> float:
        """The time the heal of this drift may run (``<= now``: heal now)."""
        attempts = self._attempts.get(key)
        if attempts is None or attempts.signature != signature:
            return now
        if now - attempts.last > MAX_DELAY:
            return now
        return attempts.last + self.delay(attempts.count)

    def healed(self, key: ResourceKey, signature: Signature, now: float) -> None:
        """Record a heal of this drift at ``now``."""
        attempts = self._attempts.get(key)
        if attempts is None or attempts.signature != signature or now - attempts.last > MAX_DELAY:
            self._attempts[key] = _Attempts(signature, 1, now)
        else:
            attempts.count += 1
            attempts.last = now

    @staticmethod
    def delay(heals: int) -> float:
        """Seconds to wait after ``heals`` heals of the same drift (0 before the first)."""
        if heals <= 0:
            return 0.0
        return float(min(FIRST_DELAY * FACTOR ** (heals - 1), MAX_DELAY))
