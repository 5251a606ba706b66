"""The ``e`` menu's choices for a resource, and carrying one out with the engine's simulations.

Which changes make sense depends on the kind (only workloads scale, only ConfigMaps have data),
and each is offered with a value that makes a visible drift (one more replica, a changed tag),
so two keystrokes show the agent at work. :func:`perform` is blocking cluster I/O: the app runs
it in a worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitops_tui.cluster.client import ClusterClient
from gitops_tui.engine import simulate
from gitops_tui.engine.simulate import Change, SimulationError
from gitops_tui.model import ResourceKey, ResourceState

KUBECTL_EDIT = "kubectl-edit"
_SCALABLE = frozenset({"Deployment", "StatefulSet", "ReplicaSet"})
_POD_TEMPLATES: Mapping[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


@dataclass(frozen=True)
class Choice:
    action: str
    label: str
    default: str | None
    """The value offered, or ``None`` for a change that takes none (delete, kubectl edit)."""


@dataclass(frozen=True)
class Simulation:
    action: str
    key: ResourceKey
    value: str = ""
    container: str | None = None


def choices(state: ResourceState) -> tuple[Choice, ...]:
    """What can be done to ``state``'s live object, each with a value that makes drift."""
    live: Mapping[str, Any] = state.live or {}
    kind = state.key.kind
    offered: list[Choice] = []
    if kind in _SCALABLE:
        replicas = _get(live, ("spec", "replicas"))
        current = replicas if isinstance(replicas, int) else 1
        label = "scale (kubectl scale)"
        if state.desired is not None and _get(state.desired, ("spec", "replicas")) is None:
            # Git leaves replicas to someone else (an HPA): a scale is theirs, not drift.
            label += " · Git leaves replicas unset: not drift"
        offered.append(Choice("scale", label, str(current + 1)))
    container = first_container(state)
    if container is not None:
        name, image = container
        repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
        offered.append(
            Choice("image", f"set image of {name} (kubectl set image)", f"{repo}:manual")
        )
        offered.append(Choice("env", f"set env var in {name} (kubectl set env)", "DRIFT=by-hand"))
    if kind == "ConfigMap" and not state.key.group:
        data = live.get("data")
        first = next(iter(data), "key") if isinstance(data, Mapping) and data else "key"
        offered.append(
            Choice("data", "edit ConfigMap data (kubectl edit)", f"{first}=edited by hand")
        )
    offered.append(Choice("label", "add a label (kubectl label)", "edited-by=hand"))
    offered.append(Choice("delete", "delete it (kubectl delete)", None))
    offered.append(Choice(KUBECTL_EDIT, "real kubectl edit in $EDITOR", None))
    return tuple(offered)


def first_container(state: ResourceState) -> tuple[str, str] | None:
    """The first container's name and image, for kinds with a Pod template."""
    path = _POD_TEMPLATES.get(state.key.kind)
    if path is None:
        return None
    containers = _get(state.live or {}, (*path, "containers"))
    if not isinstance(containers, list) or not containers:
        return None
    first = containers[0]
    if not isinstance(first, Mapping):
        return None
    return str(first.get("name", "")), str(first.get("image", ""))


def perform(client: ClusterClient, simulation: Simulation) -> Change:
    """Make the change as kubectl would; :class:`SimulationError` says why it cannot be made."""
    key, value = simulation.key, simulation.value.strip()
    if simulation.action == "scale":
        try:
            replicas = int(value)
        except ValueError:
            raise SimulationError(f"replicas must be a whole number, not {value!r}") from None
        return simulate.scale(client, key, replicas)
    if simulation.action == "image":
        return simulate.set_image(client, key, value, simulation.container)
    if simulation.action == "env":
        name, text = _pair(value, "NAME=VALUE")
        return simulate.set_env(client, key, name, text, simulation.container)
    if simulation.action == "label":
        name, text = _pair(value, "KEY=VALUE")
        return simulate.add_label(client, key, name, text)
    if simulation.action == "data":
        name, text = _pair(value, "KEY=VALUE")
        return simulate.set_data(client, key, name, text)
    if simulation.action == "delete":
        return simulate.delete(client, key)
    raise SimulationError(f"unknown change {simulation.action!r}")


def kubectl_edit_args(key: ResourceKey) -> list[str]:
    """kubectl's arguments to edit ``key`` (kind qualified by group, as kubectl resolves it)."""
    resource = f"{key.kind}.{key.group}" if key.group else key.kind
    args = ["edit", f"{resource.lower()}/{key.name}"]
    if key.namespace:
        args += ["--namespace", key.namespace]
    return args


def _pair(value: str, shape: str) -> tuple[str, str]:
    name, sep, text = value.partition("=")
    if not sep or not name.strip():
        raise SimulationError(f"type it as {shape}, e.g. {shape.lower()}")
    return name.strip(), text


def _get(obj: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = obj
    for step in path:
        node = node.get(step) if isinstance(node, Mapping) else None
    return node
