"""Turn ``--cluster auto|embedded|kind|context:NAME`` into a provider, and say why.

``auto`` prefers kind (a real kubelet, real containers) when a Docker engine answers, and falls
back to the embedded cluster otherwise, so a workshop laptop or a CI runner without Docker still
gets a working loop. The choice and its cause travel with the provider as ``reason``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gitops_tui.cluster.providers.base import Provider, ProviderError
from gitops_tui.cluster.providers.context import ContextProvider
from gitops_tui.cluster.providers.embedded import EmbeddedProvider
from gitops_tui.cluster.providers.engine import EngineStatus, docker_engine_status
from gitops_tui.cluster.providers.kind import KindProvider

CHOICES = "auto, embedded, kind or context:NAME"


def resolve_provider(
    spec: str,
    state_dir: Path,
    *,
    kind_config: Path | None = None,
    engine: Callable[[], EngineStatus] = docker_engine_status,
) -> Provider:
    """The provider ``spec`` names; ``kind_config`` is the sandbox's ``kind-config.yaml``."""
    spec = spec.strip()
    if spec == "embedded":
        return EmbeddedProvider(state_dir)
    if spec == "kind":
        return KindProvider(state_dir, config=kind_config, engine=engine)
    if spec.startswith("context:"):
        name = spec.removeprefix("context:")
        if not name:
            raise ProviderError("--cluster context:NAME needs a context name")
        return ContextProvider(name)
    if spec == "auto":
        status = engine()
        if status.available:
            reason = f"Docker engine answered ({status.detail}): using kind"
            return KindProvider(state_dir, config=kind_config, reason=reason, engine=engine)
        reason = f"Docker engine not reachable ({status.detail}): using the embedded cluster"
        return EmbeddedProvider(state_dir, reason=reason)
    raise ProviderError(f"unknown cluster {spec!r}: use {CHOICES}")
