"""A real Kubernetes in Docker: the kind cluster ``gitops-tui``, created once and reused.

kind is driven through its command line (it has no API), always with argument lists, timeouts
and captured stderr, so a failure reads as one clear error instead of a hang or a traceback.
Every command gets ``--kubeconfig`` pointing into the state directory: kind would otherwise edit
the user's ``~/.kube/config`` and switch its current context behind their back.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from gitops_tui.cluster.providers.base import (
    KUBECONFIG_NAME,
    ClusterInfo,
    Provider,
    ProviderError,
)
from gitops_tui.cluster.providers.engine import (
    WITHOUT_DOCKER_HINT,
    EngineStatus,
    docker_engine_status,
)
from gitops_tui.cluster.providers.kind_binary import find_kind
from gitops_tui.cluster.secure_files import write_private

CLUSTER_NAME = "gitops-tui"
#: kind names the kubeconfig context after the cluster.
CONTEXT_NAME = f"kind-{CLUSTER_NAME}"
#: How long kind may wait for the control plane to become Ready.
CREATE_WAIT = "120s"
#: Seconds per command: creating pulls the node image the first time, which can take minutes.
CREATE_TIMEOUT = 900.0
DELETE_TIMEOUT = 300.0
QUERY_TIMEOUT = 60.0

Runner = Callable[[Sequence[str], float], str]


def run_command(argv: Sequence[str], timeout: float) -> str:
    """Run ``argv`` (no shell) and return its stdout; :class:`ProviderError` on any failure."""
    shown = shlex.join(argv)
    try:
        result = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ProviderError(f"`{shown}` did not finish within {timeout:g}s") from exc
    except OSError as exc:
        raise ProviderError(f"cannot run `{shown}`: {exc}") from exc
    if result.returncode != 0:
        said = " ".join(result.stderr.split()[-60:]) or "no error output"
        raise ProviderError(f"`{shown}` failed (exit {result.returncode}): {said}")
    return result.stdout


class KindProvider(Provider):
    """The kind cluster ``gitops-tui``; ``stop`` leaves it running, ``delete`` removes it."""

    def __init__(
        self,
        state_dir: Path,
        *,
        config: Path | None = None,
        reason: str = "--cluster kind",
        engine: Callable[[], EngineStatus] = docker_engine_status,
        kind_binary: Callable[[], Path] = find_kind,
        run: Runner = run_command,
    ) -> None:
        super().__init__("kind", reason)
        self.state_dir = state_dir
        #: The kind cluster configuration (``sandbox/kind-config.yaml``); None: kind's default,
        #: which is the same single control-plane node.
        self.config = config
        self._engine = engine
        self._kind_binary = kind_binary
        self._run = run

    @property
    def kubeconfig_path(self) -> Path:
        return self.state_dir / KUBECONFIG_NAME

    def start(self) -> ClusterInfo:
        """Create the cluster unless ``kind get clusters`` lists it; export its kubeconfig."""
        kind = self._kind()
        if CLUSTER_NAME not in self._clusters(kind):
            create = [kind, "create", "cluster", "--name", CLUSTER_NAME]
            if self.config is not None:
                create += ["--config", str(self.config)]
            create += ["--kubeconfig", str(self.kubeconfig_path), "--wait", CREATE_WAIT]
            self._run(create, CREATE_TIMEOUT)
        text = self._run([kind, "get", "kubeconfig", "--name", CLUSTER_NAME], QUERY_TIMEOUT)
        write_private(self.kubeconfig_path, text)
        return ClusterInfo(self.kubeconfig_path, CONTEXT_NAME, _server_of(text), self.describe())

    def stop(self) -> None:
        """Nothing to do: the cluster keeps running in Docker, so the next start is instant."""

    def delete(self) -> None:
        """``kind delete cluster`` (a no-op for kind when it does not exist)."""
        kind = self._kind()
        self._run(
            [
                kind,
                "delete",
                "cluster",
                "--name",
                CLUSTER_NAME,
                "--kubeconfig",
                str(self.kubeconfig_path),
            ],
            DELETE_TIMEOUT,
        )
        self.kubeconfig_path.unlink(missing_ok=True)

    def describe(self) -> str:
        return (
            f"the kind cluster {CLUSTER_NAME!r} (Kubernetes in Docker, context {CONTEXT_NAME}); "
            "it keeps running between sessions until `gitops-tui down` deletes it"
        )

    def _kind(self) -> str:
        status = self._engine()
        if not status.available:
            raise ProviderError(
                f"kind needs a running Docker engine, and none answered ({status.detail}). "
                + WITHOUT_DOCKER_HINT
            )
        return str(self._kind_binary())

    def _clusters(self, kind: str) -> list[str]:
        output = self._run([kind, "get", "clusters"], QUERY_TIMEOUT)
        return [line.strip() for line in output.splitlines() if line.strip()]


def _server_of(kubeconfig: str) -> str:
    try:
        config: Any = yaml.safe_load(kubeconfig)
        return str(config["clusters"][0]["cluster"]["server"])
    except (yaml.YAMLError, LookupError, TypeError) as exc:
        raise ProviderError(f"kind printed a kubeconfig without a server: {exc}") from exc
