"""The agent's events and resource states as a terminal shows them: JSON lines or sentences.

``up --headless --json`` is a contract with scripts and CI (one JSON object per line,
``{"event": <name>, "at": <unix seconds>, ...}``, resources as ``{"group", "kind",
"namespace", "name"}``), so the conversion is generic over the frozen dataclasses of
:mod:`gitops_tui.model` and a new event field appears without code here. The sentences are for
people watching a terminal; both come from the same events.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import time
from collections import Counter
from typing import Any

from gitops_tui.model import (
    AgentEvent,
    ClusterReachability,
    CommitSeen,
    DriftDetected,
    FieldDrift,
    Healed,
    HealthChanged,
    Ready,
    ResourceKey,
    ResourceResult,
    ResourceState,
    RevisionRejected,
    SyncFinished,
    SyncStarted,
    ToggleChanged,
)

#: Dataclass fields renamed in JSON: a resource is a "resource" wherever it appears.
_RENAMED = {"key": "resource"}
#: How many drifted fields one human line lists before "and N more".
_FIELDS_SHOWN = 3


def to_json(value: Any) -> Any:
    """``value`` as plain JSON data: dataclasses as objects, enums as their values."""
    if isinstance(value, ResourceKey):
        return {
            "group": value.group,
            "kind": value.kind,
            "namespace": value.namespace,
            "name": value.name,
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _RENAMED.get(f.name, f.name): to_json(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def event_json(event: AgentEvent) -> dict[str, Any]:
    """One line of ``up --json``: the event's name first, then its fields."""
    fields = to_json(event)
    data: dict[str, Any] = {"event": event.name, "at": fields.pop("at")}
    data.update(fields)
    if isinstance(event, RevisionRejected):
        data["message"] = _rejected(event)
    return data


def state_json(state: ResourceState) -> dict[str, Any]:
    """A resource as ``status --json`` lists it (without the full desired and live objects)."""
    data: dict[str, Any] = to_json(state)
    data.pop("desired", None)
    data.pop("live", None)
    return data


def event_line(event: AgentEvent) -> str:
    """One line for people: local time, then what happened."""
    when = time.strftime("%H:%M:%S", time.localtime(event.at))
    return f"{when}  {_describe(event)}"


def result_line(result: ResourceResult) -> str:
    mark = "  " if result.ok else "! "
    message = f"  ({result.message})" if result.message else ""
    return f"  {mark}{result.action:<10} {result.key}{message}"


def drift_line(drift: FieldDrift, known_manager: str | None = None) -> str:
    """``path: desired -> live  by manager`` (the manager left out when ``known_manager``)."""
    who = f"  by {drift.manager}" if drift.manager and drift.manager != known_manager else ""
    return f"{drift.path}: {_value(drift.desired)} -> {_value(drift.live)}{who}"


def short(sha: str | None) -> str:
    return sha[:12] if sha else "(none)"


def _describe(event: AgentEvent) -> str:
    if isinstance(event, Ready):
        return f"Ready: {event.provider} cluster {event.cluster}, revision {short(event.revision)}"
    if isinstance(event, CommitSeen):
        return f"New commit {short(event.revision)}: {event.message.splitlines()[0]}"
    if isinstance(event, SyncStarted):
        return f"Syncing {short(event.revision)} ({event.reason})..."
    if isinstance(event, SyncFinished):
        return _sync_finished(event)
    if isinstance(event, RevisionRejected):
        return "Error: " + _rejected(event)
    if isinstance(event, DriftDetected):
        return _drift(event)
    if isinstance(event, Healed):
        return f"Healed {event.key} in {event.latency_ms:.0f} ms"
    if isinstance(event, HealthChanged):
        message = f": {event.message}" if event.message else ""
        return f"Health of {event.key}: {event.old.value} -> {event.new.value}{message}"
    if isinstance(event, ClusterReachability):
        state = "reachable" if event.reachable else "UNREACHABLE"
        return f"Cluster {state}: {event.message}" if event.message else f"Cluster {state}"
    if isinstance(event, ToggleChanged):
        return f"{event.toggle.value} {'on' if event.enabled else 'off'}"
    message = getattr(event, "message", "")
    key = getattr(event, "key", None)
    where = f" ({key})" if key else ""
    return f"Error{where}: {message}" if event.name == "error" else f"{event.name}{where}"


def _sync_finished(event: SyncFinished) -> str:
    counts = Counter(r.action for r in event.results if r.ok)
    failed = [r for r in event.results if not r.ok]
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "nothing"
    verdict = "Synced" if event.ok else "Sync FAILED for"
    lines = [f"{verdict} {short(event.revision)} in {event.duration_ms:.0f} ms: {summary}"]
    lines += [result_line(r) for r in failed]
    return "\n".join(lines)


def _drift(event: DriftDetected) -> str:
    who = f" by {event.manager}" if event.manager else ""
    shown = "; ".join(drift_line(f, event.manager) for f in event.fields[:_FIELDS_SHOWN])
    more = len(event.fields) - _FIELDS_SHOWN
    extra = f" (and {more} more)" if more > 0 else ""
    return f"Drift on {event.key}{who}: {shown or 'deleted'}{extra}"


def _rejected(event: RevisionRejected) -> str:
    reasons = "; ".join(event.reasons) or "no reason given"
    return f"revision {short(event.revision)} not applied: {reasons}"


def _value(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(to_json(value), default=str)
