"""The embedded cluster, run in this process with its state in the sandbox's state directory.

No Docker, under a second to start, and objects survive a restart because the store lives in
``state_dir / "cluster"``. The port is picked afresh on every start, so the kubeconfig the rest
of the product reads (``state_dir / "kubeconfig"``) is rewritten each time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from gitops_tui.cluster.embedded.cluster import CONTEXT_NAME, EmbeddedCluster
from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.cluster.providers.base import (
    KUBECONFIG_NAME,
    ClusterInfo,
    Provider,
    ProviderError,
)
from gitops_tui.cluster.secure_files import write_private


class EmbeddedProvider(Provider):
    """Starts and stops an :class:`EmbeddedCluster` whose state outlives this process."""

    def __init__(
        self,
        state_dir: Path,
        *,
        port: int = 0,
        options: ClusterOptions | None = None,
        reason: str = "--cluster embedded",
    ) -> None:
        super().__init__("embedded", reason)
        self.state_dir = state_dir
        self._port = port
        self._options = options
        self._cluster: EmbeddedCluster | None = None

    @property
    def cluster_dir(self) -> Path:
        return self.state_dir / "cluster"

    @property
    def kubeconfig_path(self) -> Path:
        return self.state_dir / KUBECONFIG_NAME

    def start(self) -> ClusterInfo:
        if self._cluster is None:
            cluster = EmbeddedCluster(self.cluster_dir, port=self._port, options=self._options)
            try:
                cluster.start()
            except OSError as exc:
                raise ProviderError(f"cannot start the embedded cluster: {exc}") from exc
            self._cluster = cluster
        cluster = self._cluster
        write_private(self.kubeconfig_path, cluster.kubeconfig_path.read_text(encoding="utf-8"))
        return ClusterInfo(self.kubeconfig_path, CONTEXT_NAME, cluster.url, self.describe())

    def stop(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None

    def delete(self) -> None:
        self.stop()
        shutil.rmtree(self.cluster_dir, ignore_errors=True)
        self.kubeconfig_path.unlink(missing_ok=True)

    def describe(self) -> str:
        return (
            "the embedded cluster (Kubernetes-API-compatible, inside gitops-tui, no Docker); "
            f"its objects are kept in {self.cluster_dir}"
        )
