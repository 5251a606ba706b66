"""Values shared by every layer: resource identities and the vocabulary of sync and health.

Frozen dataclasses and enums only, so they can cross threads and be compared and hashed freely.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ResourceKey:
    """The identity of a Kubernetes object: group, kind, namespace, name.

    Version is deliberately left out: ``apps/v1`` and ``apps/v1beta2`` Deployments named alike
    are the same object to the API server.
    """

    group: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def from_manifest(
        cls, api_version: str, kind: str, namespace: str | None, name: str
    ) -> ResourceKey:
        group = api_version.rpartition("/")[0]
        return cls(group, kind, namespace or "", name)

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{kind} {where}{self.name}"


class SyncStatus(enum.Enum):
    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    MISSING = "Missing"
    EXTRA = "Extra"
    UNKNOWN = "Unknown"


class Health(enum.Enum):
    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    DEGRADED = "Degraded"
    SUSPENDED = "Suspended"
    MISSING = "Missing"
    UNKNOWN = "Unknown"


class Toggle(enum.Enum):
    """The agent's three switches, as the header and the CLI flags name them."""

    AUTO_SYNC = "auto-sync"
    SELF_HEAL = "self-heal"
    PRUNE = "prune"


@dataclass(frozen=True)
class FieldDrift:
    """One drifted field: jq-like path, the desired and live values (Secrets masked), and the
    field manager that last wrote the live value (``None`` when unknown)."""

    path: str
    desired: object
    live: object
    manager: str | None = None


@dataclass(frozen=True)
class ResourceState:
    """What the agent knows about one resource, as the TUI and ``status --json`` show it.

    ``desired`` and ``live`` are plain JSON dicts (Secret values masked); ``source`` is
    ``"path:line"`` of the manifest in Git. Owned children (ReplicaSets, Pods) carry
    ``owner`` and no sync status of their own (``sync is None``).
    """

    key: ResourceKey
    sync: SyncStatus | None
    health: Health
    health_message: str = ""
    desired: dict[str, object] | None = None
    live: dict[str, object] | None = None
    source: str | None = None
    drift: tuple[FieldDrift, ...] = ()
    owner: ResourceKey | None = None


@dataclass(frozen=True)
class ResourceResult:
    """The outcome of one resource in a sync: create/configure/unchanged/delete/skip, or failed."""

    key: ResourceKey
    action: str
    ok: bool = True
    message: str = ""


@dataclass(frozen=True)
class AgentEvent:
    """Base of everything the agent reports; ``at`` is wall-clock seconds (``time.time()``).

    ``name`` is the event's name in ``up --headless --json`` output.
    """

    at: float

    name = "event"


@dataclass(frozen=True)
class Ready(AgentEvent):
    provider: str
    cluster: str
    revision: str | None
    name = "ready"


@dataclass(frozen=True)
class CommitSeen(AgentEvent):
    revision: str
    message: str
    name = "commit_seen"


@dataclass(frozen=True)
class SyncStarted(AgentEvent):
    revision: str
    reason: str  # "commit" | "manual" | "heal" | "retry" | "startup"
    name = "sync_started"


@dataclass(frozen=True)
class SyncFinished(AgentEvent):
    revision: str
    duration_ms: float
    results: tuple[ResourceResult, ...]
    ok: bool
    name = "sync_finished"


@dataclass(frozen=True)
class RevisionRejected(AgentEvent):
    """A revision that failed to render or validate: not applied, the previous one stays."""

    revision: str
    reasons: tuple[str, ...]
    name = "error"


@dataclass(frozen=True)
class DriftDetected(AgentEvent):
    key: ResourceKey
    fields: tuple[FieldDrift, ...]
    manager: str | None
    name = "drift_detected"


@dataclass(frozen=True)
class Healed(AgentEvent):
    key: ResourceKey
    latency_ms: float
    name = "healed"


@dataclass(frozen=True)
class HealthChanged(AgentEvent):
    key: ResourceKey
    old: Health
    new: Health
    message: str
    name = "health_changed"


@dataclass(frozen=True)
class ClusterReachability(AgentEvent):
    """The cluster stopped or started answering; while unreachable every status is Unknown."""

    reachable: bool
    message: str
    name = "cluster"


@dataclass(frozen=True)
class AgentError(AgentEvent):
    message: str
    key: ResourceKey | None = None
    name = "error"


@dataclass(frozen=True)
class ToggleChanged(AgentEvent):
    toggle: Toggle
    enabled: bool
    name = "toggle_changed"
