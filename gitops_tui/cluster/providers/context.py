"""An existing cluster, named by a kubeconfig context: the user's, shared with others' objects.

gitops-tui did not create this cluster and must not harm it, so the provider checks up front
that the context exists and answers, and tells the user plainly what the agent will do there:
apply the sandbox's manifests, and prune only objects carrying our ownership label. ``down``
never deletes anything here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from gitops_tui.cluster.client import ClusterClient, ClusterError
from gitops_tui.cluster.providers.base import (
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ClusterInfo,
    Provider,
    ProviderError,
)

#: Seconds the context's API server gets to answer the reachability check.
PING_TIMEOUT = 5.0


def kubeconfig_files(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """The files kubectl reads: each entry of ``$KUBECONFIG``, else ``~/.kube/config``."""
    entries = [e for e in environ.get("KUBECONFIG", "").split(os.pathsep) if e]
    return [Path(e).expanduser() for e in entries] or [Path.home() / ".kube" / "config"]


class ContextProvider(Provider):
    """``--cluster context:NAME``."""

    def __init__(
        self,
        context: str,
        *,
        kubeconfig: Path | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(f"context:{context}", reason or f"--cluster context:{context}")
        self.context = context
        self._kubeconfig = kubeconfig

    def start(self) -> ClusterInfo:
        """Check the context exists and its server answers; nothing is created."""
        errors: list[str] = []
        for path in [self._kubeconfig] if self._kubeconfig else kubeconfig_files():
            if not path.is_file():
                errors.append(f"{path} does not exist")
                continue
            try:
                client = ClusterClient.from_kubeconfig(path, self.context)
            except ClusterError as exc:
                errors.append(str(exc))
                continue
            with client:
                try:
                    client.ping(PING_TIMEOUT)
                except ClusterError as exc:
                    where = f"kubeconfig context {self.context!r} ({client.server})"
                    raise ProviderError(f"{where} cannot be used: {exc}") from exc
                return ClusterInfo(path, self.context, client.server, self.describe())
        raise ProviderError(f"no kubeconfig context named {self.context!r}: " + "; ".join(errors))

    def stop(self) -> None:
        """Nothing to stop: the cluster is not ours."""

    def delete(self) -> None:
        """Nothing is deleted: ``down`` leaves a cluster it did not create alone."""

    def describe(self) -> str:
        return (
            f"your kubeconfig context {self.context!r}: gitops-tui applies the sandbox's "
            f"manifests there and prunes only objects labelled "
            f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE}; everything else is left alone"
        )
