"""What every cluster provider promises, so callers never care which cluster they drive.

A provider hands back a :class:`ClusterInfo` (a kubeconfig file and context) and nothing else:
from then on the agent talks to kind, a user's context and the embedded cluster the same way.
The ownership label lives here because providers explain it to users (a kubeconfig context may
hold other people's objects) and the agent stamps and checks it before it prunes anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

#: Every object the agent applies carries this label; only objects carrying it may be pruned.
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "gitops-tui"
#: Where a provider leaves the kubeconfig of the cluster it started, inside the state dir.
KUBECONFIG_NAME = "kubeconfig"


class ProviderError(Exception):
    """A cluster cannot be started, used or deleted; the message says what to do about it."""


@dataclass(frozen=True)
class ClusterInfo:
    """How to reach a started cluster."""

    kubeconfig: Path
    context: str
    server: str
    #: One line for people: which cluster this is and what gitops-tui does to it.
    description: str


class Provider(ABC):
    """One way of getting a cluster: ``start`` it, ``stop`` using it, ``delete`` it for ``down``.

    ``reason`` says why this provider was chosen (shown by ``up`` and the app), so ``auto``
    can explain itself.
    """

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    @abstractmethod
    def start(self) -> ClusterInfo:
        """Make the cluster reachable (creating it if needed) and say how to reach it."""

    @abstractmethod
    def stop(self) -> None:
        """Stop what this process started; the cluster's objects survive for the next start."""

    @abstractmethod
    def delete(self) -> None:
        """Remove what ``start`` created, objects included (``down``)."""

    @abstractmethod
    def describe(self) -> str:
        """What this cluster is and what gitops-tui will do to it, for people."""
