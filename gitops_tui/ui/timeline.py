"""The story of a session as the timeline tells it: commits, syncs, drift and its healing.

Each agent event becomes at most one entry, and later events complete earlier entries rather
than adding noise: a commit entry gains "synced in 412 ms" when its sync finishes, a drift
entry gains "healed in 180 ms". Those latencies are the point of the product (a commit is live
in well under a second, drift is undone in well under a second), so they are measured from the
agent's own timestamps, never from when the screen happened to repaint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from gitops_tui.model import (
    AgentError,
    AgentEvent,
    ClusterReachability,
    CommitSeen,
    DriftDetected,
    Healed,
    Health,
    HealthChanged,
    Ready,
    ResourceKey,
    RevisionRejected,
    SyncFinished,
    SyncStarted,
    ToggleChanged,
)

#: Entries kept; older ones scroll away (the sync history stays in the agent).
LIMIT = 200
_FIELDS_SHOWN = 2


@dataclass(frozen=True)
class Entry:
    at: float
    symbol: str
    text: str
    tone: str
    """``good``, ``warn``, ``bad`` or ``info``: the colour, in ``app.tcss``."""
    outcome: str = ""
    """How it ended, with its latency (``synced in 412 ms``); empty while it is open."""


class Timeline:
    """Entries newest first; fed one agent event at a time on the UI thread."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._entries: list[Entry] = []
        self._commits: dict[str, Entry] = {}
        self._drifts: dict[ResourceKey, Entry] = {}
        self._reasons: dict[str, str] = {}

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(reversed(self._entries))

    def record(self, event: AgentEvent) -> bool:
        """Add or complete an entry for ``event``; whether anything changed."""
        handler = _HANDLERS.get(type(event))
        return handler(self, event) if handler is not None else False

    def _add(self, entry: Entry) -> Entry:
        self._entries.append(entry)
        if len(self._entries) > self._limit:
            dropped = self._entries.pop(0)
            self._commits = {k: e for k, e in self._commits.items() if e is not dropped}
            self._drifts = {k: e for k, e in self._drifts.items() if e is not dropped}
        return entry

    def _complete(self, entry: Entry, outcome: str, tone: str) -> Entry:
        done = replace(entry, outcome=outcome, tone=tone)
        for index in range(len(self._entries) - 1, -1, -1):
            if self._entries[index] is entry:
                self._entries[index] = done
                break
        return done

    def _ready(self, event: Ready) -> bool:
        self._add(Entry(event.at, "●", f"ready: {event.provider} cluster", "info"))
        return True

    def _commit(self, event: CommitSeen) -> bool:
        summary = event.message.split("\n", 1)[0]
        text = f"commit {short(event.revision)} {summary}"
        self._commits[event.revision] = self._add(Entry(event.at, "⎇", text, "info"))
        return True

    def _sync_started(self, event: SyncStarted) -> bool:
        self._reasons[event.revision] = event.reason
        return False

    def _sync_finished(self, event: SyncFinished) -> bool:
        reason = self._reasons.pop(event.revision, "")
        commit = self._commits.pop(event.revision, None)
        if commit is not None:
            latency = (event.at - commit.at) * 1000
            if event.ok:
                self._complete(commit, f"synced in {_ms(latency)}", "good")
            else:
                self._complete(commit, f"sync failed after {_ms(latency)}", "bad")
        changed = Counter(r.action for r in event.results if r.action != "unchanged")
        failed = [r for r in event.results if not r.ok]
        if event.ok and reason == "heal":
            return commit is not None  # the drift entry tells this sync's story
        actions = ", ".join(f"{n} {action}" for action, n in sorted(changed.items()))
        text = f"sync {short(event.revision)} {reason}".rstrip() + f": {actions or 'no changes'}"
        if failed:
            first = failed[0]
            text += f"; {len(failed)} failed ({first.key}: {first.message})"
        tone = "good" if event.ok else "bad"
        self._add(Entry(event.at, "⟳", text, tone, f"took {_ms(event.duration_ms)}"))
        return True

    def _drift(self, event: DriftDetected) -> bool:
        fields = ", ".join(f.path for f in event.fields[:_FIELDS_SHOWN])
        if len(event.fields) > _FIELDS_SHOWN:
            fields += f" and {len(event.fields) - _FIELDS_SHOWN} more"
        by = f" by {event.manager}" if event.manager else ""
        text = f"drift {event.key}{by}: {fields or 'object changed'}"
        self._drifts[event.key] = self._add(Entry(event.at, "≠", text, "warn"))
        return True

    def _healed(self, event: Healed) -> bool:
        outcome = f"healed in {_ms(event.latency_ms)}"
        drift = self._drifts.pop(event.key, None)
        if drift is None:
            self._add(Entry(event.at, "≠", f"drift {event.key}", "good", outcome))
        else:
            self._complete(drift, outcome, "good")
        return True

    def _health(self, event: HealthChanged) -> bool:
        if Health.DEGRADED not in (event.old, event.new):
            return False  # progress is visible in the trees; the timeline keeps the news
        tone = "bad" if event.new is Health.DEGRADED else "good"
        text = f"health {event.key}: {event.old.value} → {event.new.value}"
        if event.message:
            text += f" ({event.message})"
        self._add(Entry(event.at, "♥", text, tone))
        return True

    def _rejected(self, event: RevisionRejected) -> bool:
        reasons = "; ".join(event.reasons[:2])
        text = f"revision {short(event.revision)} not applied: {reasons}"
        self._commits.pop(event.revision, None)
        self._add(Entry(event.at, "✗", text, "bad"))
        return True

    def _cluster(self, event: ClusterReachability) -> bool:
        if event.reachable:
            self._add(Entry(event.at, "●", "cluster reachable again", "good"))
        else:
            self._add(Entry(event.at, "✗", f"cluster unreachable: {event.message}", "bad"))
        return True

    def _error(self, event: AgentError) -> bool:
        where = f"{event.key}: " if event.key is not None else ""
        self._add(Entry(event.at, "✗", f"error: {where}{event.message}", "bad"))
        return True

    def _toggle(self, event: ToggleChanged) -> bool:
        state = "on" if event.enabled else "off"
        self._add(Entry(event.at, "⚙", f"{event.toggle.value} {state}", "info"))
        return True


_HANDLERS: dict[type[AgentEvent], Callable[[Timeline, Any], bool]] = {
    Ready: Timeline._ready,
    CommitSeen: Timeline._commit,
    SyncStarted: Timeline._sync_started,
    SyncFinished: Timeline._sync_finished,
    DriftDetected: Timeline._drift,
    Healed: Timeline._healed,
    HealthChanged: Timeline._health,
    RevisionRejected: Timeline._rejected,
    ClusterReachability: Timeline._cluster,
    AgentError: Timeline._error,
    ToggleChanged: Timeline._toggle,
}


def short(sha: str | None) -> str:
    return sha[:7] if sha else "-------"


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"
