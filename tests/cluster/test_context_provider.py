"""The context provider against a real context: the embedded cluster's kubeconfig."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.cluster.providers.base import ProviderError
from gitops_tui.cluster.providers.context import ContextProvider, kubeconfig_files
from tests.cluster.conftest import altered_kubeconfig, closed_port
from tests.conftest import Kubectl


def test_an_existing_reachable_context(cluster: EmbeddedCluster, kubectl: Kubectl) -> None:
    provider = ContextProvider("gitops-tui", kubeconfig=cluster.kubeconfig_path)
    info = provider.start()
    assert (info.kubeconfig, info.context, info.server) == (
        cluster.kubeconfig_path,
        "gitops-tui",
        cluster.url,
    )
    assert provider.name == "context:gitops-tui"
    assert "app.kubernetes.io/managed-by=gitops-tui" in info.description
    assert "prunes only" in info.description
    provider.stop()
    provider.delete()
    # down left the cluster alone: kubectl still reaches it through the same context.
    kubectl.run("--context", info.context, "get", "namespace", "default")


def test_the_context_is_found_in_any_kubeconfig_file(
    cluster: EmbeddedCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [tmp_path / "absent", cluster.kubeconfig_path]
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(map(str, files)))
    assert kubeconfig_files() == files
    assert ContextProvider("gitops-tui").start().kubeconfig == cluster.kubeconfig_path


def test_a_missing_context_names_what_exists(cluster: EmbeddedCluster) -> None:
    provider = ContextProvider("production", kubeconfig=cluster.kubeconfig_path)
    with pytest.raises(ProviderError) as caught:
        provider.start()
    message = str(caught.value)
    assert message.startswith("no kubeconfig context named 'production'")
    assert "its contexts: gitops-tui" in message


def test_a_missing_kubeconfig_file(tmp_path: Path) -> None:
    provider = ContextProvider("dev", kubeconfig=tmp_path / "config")
    with pytest.raises(ProviderError, match="config does not exist"):
        provider.start()


def test_an_unreachable_context(cluster: EmbeddedCluster, tmp_path: Path) -> None:
    server = f"https://127.0.0.1:{closed_port()}"
    path = altered_kubeconfig(cluster, tmp_path / "kubeconfig", server=server)
    with pytest.raises(ProviderError) as caught:
        ContextProvider("gitops-tui", kubeconfig=path).start()
    assert str(caught.value) == (
        f"kubeconfig context 'gitops-tui' ({server}) cannot be used: "
        f"cannot reach the cluster at {server}: Connection refused"
    )


def test_default_kubeconfig_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert kubeconfig_files() == [Path.home() / ".kube" / "config"]


def test_rejected_credentials(cluster: EmbeddedCluster, tmp_path: Path) -> None:
    path = altered_kubeconfig(cluster, tmp_path / "kubeconfig", token="expired")
    with pytest.raises(ProviderError, match=r"cannot be used: .*\(401 Unauthorized\)"):
        ContextProvider("gitops-tui", kubeconfig=path).start()
