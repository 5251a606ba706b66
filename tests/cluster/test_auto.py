"""``--cluster`` resolution; ``auto`` is tested with the real docker SDK and no engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_tui.cluster.providers.auto import resolve_provider
from gitops_tui.cluster.providers.base import ProviderError
from gitops_tui.cluster.providers.context import ContextProvider
from gitops_tui.cluster.providers.embedded import EmbeddedProvider
from gitops_tui.cluster.providers.engine import EngineStatus, docker_engine_status
from gitops_tui.cluster.providers.kind import KindProvider
from tests.cluster.doubles import FakeDockerEngine


def test_auto_without_a_docker_engine_is_embedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real SDK, pointed at a socket that does not exist (so this holds on any machine).
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'docker.sock'}")
    provider = resolve_provider("auto", tmp_path)
    assert isinstance(provider, EmbeddedProvider)
    assert provider.state_dir == tmp_path
    assert provider.reason.startswith("Docker engine not reachable (")
    assert provider.reason.endswith("): using the embedded cluster")


def test_auto_with_an_answering_engine_is_kind(tmp_path: Path) -> None:
    def answering() -> EngineStatus:
        return docker_engine_status(lambda: FakeDockerEngine(answers=True))

    config = tmp_path / "kind-config.yaml"
    provider = resolve_provider("auto", tmp_path, kind_config=config, engine=answering)
    assert isinstance(provider, KindProvider)
    assert provider.config == config
    assert provider.reason == "Docker engine answered (the Docker engine answered): using kind"


def test_explicit_choices(tmp_path: Path) -> None:
    assert isinstance(resolve_provider("embedded", tmp_path), EmbeddedProvider)
    assert isinstance(resolve_provider("kind", tmp_path), KindProvider)
    context = resolve_provider("context:staging", tmp_path)
    assert isinstance(context, ContextProvider)
    assert (context.name, context.context) == ("context:staging", "staging")
    assert context.reason == "--cluster context:staging"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("context:", "needs a context name"),
        ("minikube", "use auto, embedded, kind or context:NAME"),
    ],
)
def test_bad_specs(tmp_path: Path, spec: str, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        resolve_provider(spec, tmp_path)
