"""``run_kubectl``: the real kubectl on a sandbox's cluster, from the CLI's main thread or from an
app worker thread, with kubectl's exit status passed through."""

from __future__ import annotations

import threading

import pytest

from gitops_tui.cluster.embedded.cluster import CONTEXT_NAME, EmbeddedCluster
from gitops_tui.commands.kubectl import run_kubectl
from gitops_tui.engine.connection import ProviderInfo


@pytest.fixture
def info(cluster: EmbeddedCluster) -> ProviderInfo:
    return ProviderInfo(
        "embedded", "the test cluster", "test", cluster.kubeconfig_path, CONTEXT_NAME, cluster.url
    )


def test_exit_status_is_kubectls(info: ProviderInfo, capfd: pytest.CaptureFixture[str]) -> None:
    assert run_kubectl(info, ["get", "namespace", "default", "-o", "name"]) == 0
    assert capfd.readouterr().out == "namespace/default\n"
    assert run_kubectl(info, ["get", "namespace", "no-such-namespace"]) == 1
    assert 'namespaces "no-such-namespace" not found' in capfd.readouterr().err


def test_it_runs_from_a_worker_thread_too(info: ProviderInfo) -> None:
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(run_kubectl(info, ["get", "ns"])))
    worker.start()
    worker.join(timeout=60)
    assert codes == [0]
