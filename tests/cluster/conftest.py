"""A ClusterClient on the session's embedded cluster, and kubeconfigs for unhappy paths."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_tui.cluster.client import ClusterClient
from gitops_tui.cluster.embedded.cluster import EmbeddedCluster


@pytest.fixture(scope="module")
def client(cluster: EmbeddedCluster) -> Iterator[ClusterClient]:
    with ClusterClient.from_kubeconfig(cluster.kubeconfig_path) as opened:
        yield opened


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def altered_kubeconfig(cluster: EmbeddedCluster, target: Path, **changes: Any) -> Path:
    """A copy of the cluster's kubeconfig with ``server`` and/or ``token`` replaced."""
    config = yaml.safe_load(cluster.kubeconfig_path.read_text())
    if "server" in changes:
        config["clusters"][0]["cluster"]["server"] = changes["server"]
    if "token" in changes:
        config["users"][0]["user"]["token"] = changes["token"]
    target.write_text(yaml.safe_dump(config))
    target.chmod(0o600)
    return target
