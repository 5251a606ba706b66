"""The embedded provider: state in the sandbox's state dir survives stop and start."""

from __future__ import annotations

import socket
import stat
from pathlib import Path
from typing import Any

import pytest

from gitops_tui.cluster.client import ClusterClient, NotFound
from gitops_tui.cluster.providers.base import ProviderError
from gitops_tui.cluster.providers.embedded import EmbeddedProvider
from tests.conftest import FAST

SETTINGS: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "settings", "namespace": "default"},
    "data": {"greeting": "hello"},
}


def test_restart_keeps_objects_and_rewrites_the_kubeconfig(tmp_path: Path) -> None:
    provider = EmbeddedProvider(tmp_path, options=FAST)
    first = provider.start()
    try:
        assert first.kubeconfig == tmp_path / "kubeconfig"
        assert stat.S_IMODE(first.kubeconfig.stat().st_mode) == 0o600
        assert first.context == "gitops-tui"
        assert "embedded" in first.description
        assert provider.start() == first  # already running: same cluster
        with ClusterClient.from_kubeconfig(first.kubeconfig) as client:
            client.server_side_apply(SETTINGS, "gitops-tui")
    finally:
        provider.stop()
    assert (tmp_path / "cluster").is_dir()

    second = provider.start()
    try:
        assert second.server != first.server  # a fresh port each start
        with ClusterClient.from_kubeconfig(second.kubeconfig) as client:
            assert client.server == second.server
            live = client.get("v1", "ConfigMap", "default", "settings")
        assert live["data"] == {"greeting": "hello"}
    finally:
        provider.stop()


def test_a_taken_port_is_a_provider_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        provider = EmbeddedProvider(tmp_path, port=taken.getsockname()[1], options=FAST)
        with pytest.raises(ProviderError, match="cannot start the embedded cluster"):
            provider.start()
    assert not (tmp_path / "kubeconfig").exists()


def test_delete_forgets_everything(tmp_path: Path) -> None:
    provider = EmbeddedProvider(tmp_path, options=FAST)
    info = provider.start()
    with ClusterClient.from_kubeconfig(info.kubeconfig) as client:
        client.server_side_apply(SETTINGS, "gitops-tui")
    provider.delete()
    assert not (tmp_path / "cluster").exists()
    assert not (tmp_path / "kubeconfig").exists()

    info = provider.start()
    try:
        with ClusterClient.from_kubeconfig(info.kubeconfig) as client, pytest.raises(NotFound):
            client.get("v1", "ConfigMap", "default", "settings")
    finally:
        provider.stop()
