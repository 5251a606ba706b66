"""The kind provider: exact kind command lines, reuse, kubeconfig export, and no-Docker errors.

kind cannot run here (no Docker engine), so the engine and the kind command line are test
doubles (``FakeDockerEngine``, ``FakeKind``); :func:`run_command`, which runs the real
subprocesses, is tested with real ones.
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from gitops_tui.cluster.providers.base import ProviderError
from gitops_tui.cluster.providers.engine import EngineStatus, docker_engine_status
from gitops_tui.cluster.providers.kind import KindProvider, run_command
from tests.cluster.doubles import FakeDockerEngine, FakeKind

REPO = Path(__file__).resolve().parents[2]
KIND = "/opt/kind/bin/kind"


def engine_answering() -> EngineStatus:
    return docker_engine_status(lambda: FakeDockerEngine(answers=True))


def engine_absent() -> EngineStatus:
    return docker_engine_status(lambda: FakeDockerEngine(answers=False))


def provider(state: Path, kind: FakeKind, config: Path | None = None) -> KindProvider:
    return KindProvider(
        state, config=config, engine=engine_answering, kind_binary=lambda: Path(KIND), run=kind
    )


def test_start_creates_the_cluster_and_exports_its_kubeconfig(tmp_path: Path) -> None:
    kind = FakeKind()
    config = REPO / "sandbox" / "kind-config.yaml"
    info = provider(tmp_path, kind, config).start()
    kubeconfig = str(tmp_path / "kubeconfig")
    assert kind.calls == [
        [KIND, "get", "clusters"],
        [KIND, "create", "cluster", "--name", "gitops-tui", "--config", str(config),
         "--kubeconfig", kubeconfig, "--wait", "120s"],
        [KIND, "get", "kubeconfig", "--name", "gitops-tui"],
    ]  # fmt: skip
    assert all(t > 0 for t in kind.timeouts)
    assert info.kubeconfig == tmp_path / "kubeconfig"
    assert info.context == "kind-gitops-tui"
    assert info.server == "https://127.0.0.1:40123"
    assert "kind" in info.description
    mode = stat.S_IMODE(info.kubeconfig.stat().st_mode)
    assert mode == 0o600
    assert yaml.safe_load(info.kubeconfig.read_text())["current-context"] == "kind-gitops-tui"


def test_start_reuses_an_existing_cluster(tmp_path: Path) -> None:
    kind = FakeKind(clusters=["other", "gitops-tui"])
    provider(tmp_path, kind).start()
    assert [call[1:3] for call in kind.calls] == [["get", "clusters"], ["get", "kubeconfig"]]


def test_without_a_config_kind_uses_its_default_single_node(tmp_path: Path) -> None:
    kind = FakeKind()
    provider(tmp_path, kind).start()
    assert "--config" not in kind.calls[1]


def test_delete_removes_the_cluster_and_the_kubeconfig(tmp_path: Path) -> None:
    kind = FakeKind()
    kind_provider = provider(tmp_path, kind)
    kind_provider.start()
    kind.calls.clear()
    kind_provider.delete()
    assert kind.calls == [
        [KIND, "delete", "cluster", "--name", "gitops-tui",
         "--kubeconfig", str(tmp_path / "kubeconfig")],
    ]  # fmt: skip
    assert kind.clusters == []
    assert not (tmp_path / "kubeconfig").exists()


def test_stop_leaves_the_cluster_running(tmp_path: Path) -> None:
    kind = FakeKind(clusters=["gitops-tui"])
    kind_provider = provider(tmp_path, kind)
    kind_provider.start()
    kind.calls.clear()
    kind_provider.stop()
    assert kind.calls == []
    assert kind.clusters == ["gitops-tui"]


def test_no_docker_engine_is_a_clear_error_before_anything_runs(tmp_path: Path) -> None:
    kind = FakeKind()

    def no_binary() -> Path:
        raise AssertionError("kind must not be looked for without an engine")

    absent = KindProvider(tmp_path, engine=engine_absent, kind_binary=no_binary, run=kind)
    with pytest.raises(ProviderError) as caught:
        absent.start()
    message = str(caught.value)
    assert "kind needs a running Docker engine" in message
    assert "Connection refused" in message
    assert "Install and start Docker" in message
    assert "--cluster embedded" in message
    assert kind.calls == []
    with pytest.raises(ProviderError, match="Docker engine"):
        absent.delete()


def test_a_kubeconfig_without_a_server_is_a_provider_error(tmp_path: Path) -> None:
    class FakeKindPrintingNonsense(FakeKind):
        def __call__(self, argv: Sequence[str], timeout: float) -> str:
            return "not: [a kubeconfig" if "kubeconfig" in argv else super().__call__(argv, timeout)

    with pytest.raises(ProviderError, match="kubeconfig without a server"):
        provider(tmp_path, FakeKindPrintingNonsense(clusters=["gitops-tui"])).start()


def test_run_command_returns_stdout() -> None:
    assert run_command([sys.executable, "-c", "print('gitops-tui')"], 30) == "gitops-tui\n"


def test_run_command_failure_carries_stderr() -> None:
    script = "import sys; sys.stderr.write('ERROR: node image pull failed\\n'); sys.exit(3)"
    with pytest.raises(ProviderError, match=r"failed \(exit 3\): ERROR: node image pull failed"):
        run_command([sys.executable, "-c", script], 30)


def test_run_command_timeout() -> None:
    with pytest.raises(ProviderError, match=r"did not finish within 0\.5s"):
        run_command([sys.executable, "-c", "import time; time.sleep(30)"], 0.5)


def test_run_command_missing_binary(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="cannot run"):
        run_command([str(tmp_path / "kind"), "get", "clusters"], 5)


def test_the_sandbox_kind_config_is_one_control_plane_named_gitops_tui() -> None:
    config = yaml.safe_load((REPO / "sandbox" / "kind-config.yaml").read_text())
    assert config["kind"] == "Cluster"
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert config["name"] == "gitops-tui"
    assert config["nodes"] == [{"role": "control-plane"}]
