"""Test doubles for what cannot run here: a Docker engine and the kind command line.

Everything else in these tests is real: the embedded cluster, kubectl, the kubernetes client,
the docker SDK's own connection attempt, and subprocesses.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from docker.errors import DockerException


class FakeDockerEngine:
    """Stands in for ``docker.DockerClient``: answers the ping, or fails it like a dead engine."""

    def __init__(self, answers: bool) -> None:
        self.answers = answers
        self.closed = False

    def ping(self) -> bool:
        if not self.answers:
            raise DockerException("Error while fetching server API version: Connection refused")
        return True

    def close(self) -> None:
        self.closed = True


def fake_kind_kubeconfig(server: str = "https://127.0.0.1:40123") -> str:
    """What ``kind get kubeconfig`` prints, cut down to what the provider reads."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "kind-gitops-tui", "cluster": {"server": server}}],
            "contexts": [
                {"name": "kind-gitops-tui", "context": {"cluster": "kind-gitops-tui"}},
            ],
            "current-context": "kind-gitops-tui",
            "users": [{"name": "kind-gitops-tui", "user": {"token": "secret"}}],
        }
    )


class FakeKind:
    """Stands in for running the ``kind`` binary: records each argv, keeps a set of clusters."""

    def __init__(self, clusters: Sequence[str] = ()) -> None:
        self.clusters = list(clusters)
        self.calls: list[list[str]] = []
        self.timeouts: list[float] = []

    def __call__(self, argv: Sequence[str], timeout: float) -> str:
        self.calls.append(list(argv))
        self.timeouts.append(timeout)
        verb = list(argv[1:3])
        name = argv[argv.index("--name") + 1] if "--name" in argv else ""
        if verb == ["get", "clusters"]:
            return "".join(f"{c}\n" for c in self.clusters)
        if verb == ["create", "cluster"]:
            self.clusters.append(name)
            return ""
        if verb == ["get", "kubeconfig"]:
            return fake_kind_kubeconfig()
        if verb == ["delete", "cluster"]:
            self.clusters = [c for c in self.clusters if c != name]
            return ""
        raise AssertionError(f"unexpected kind command {argv}")
