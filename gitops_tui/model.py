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
