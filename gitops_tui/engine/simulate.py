"""Drift on demand: change a live object the way a person at a terminal with kubectl would.

GitOps is learnt by watching an agent notice and undo a hand-made change, so the CLI's
``drift`` commands and the app's drift buttons share these functions. Each sends the request
kubectl sends for the same command (a merge patch of the ``scale`` subresource for ``kubectl
scale``, a strategic merge patch for ``kubectl set`` and ``kubectl edit``, a merge patch for
``kubectl label``, a background-propagated delete) through the Kubernetes API, and records it
in ``managedFields`` under a field manager named after that command (``kubectl-scale``,
``kubectl-set``, ``kubectl-label``, ``kubectl-edit``), so the agent's attribution reads like
the real thing. Real kubectl 1.37 sends no field manager for ``scale``, and the API server then
records ``kubectl`` (from the User-Agent); the simulation names the command instead.

Nothing here decides whether the change is drift: the agent does that, exactly as it does for
a change made by anyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitops_tui.cluster.client import (
    ClusterClient,
    ClusterError,
    NotFound,
    PatchType,
    UnknownKind,
)
from gitops_tui.cluster.providers.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE
from gitops_tui.model import ResourceKey

SCALE_MANAGER = "kubectl-scale"
SET_MANAGER = "kubectl-set"
LABEL_MANAGER = "kubectl-label"
EDIT_MANAGER = "kubectl-edit"

#: Where each workload kind keeps its Pod template's spec, as patch-shaped key paths.
_POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_SCALABLE = frozenset({"Deployment", "StatefulSet", "ReplicaSet"})


class SimulationError(Exception):
    """The change cannot be made as asked; the message says why and what would work."""


@dataclass(frozen=True)
class Change:
    """A drift made: which object, by which field manager (``None`` for a delete), and what."""

    key: ResourceKey
    manager: str | None
    summary: str


def resolve_target(
    client: ClusterClient, kind: str, name: str, namespace: str | None = None
) -> ResourceKey:
    """The object a person means by ``kind`` (as kubectl spells kinds) and ``name``.

    Without ``namespace`` the object is looked for in every namespace, preferring those the
    agent manages, and must be unique; with one it must exist there.
    """
    try:
        info = client.find_kind(kind)
    except UnknownKind:
        raise SimulationError(f"the cluster has no kind called {kind!r}") from None
    except ClusterError as exc:
        raise SimulationError(str(exc)) from exc
    group = info.api_version.rpartition("/")[0]
    shown = f"{info.kind} {name!r}"
    if not info.namespaced:
        _live(client, info.api_version, ResourceKey(group, info.kind, "", name))
        return ResourceKey(group, info.kind, "", name)
    if namespace:
        key = ResourceKey(group, info.kind, namespace, name)
        _live(client, info.api_version, key)
        return key
    everywhere = [o for o in client.list(info.api_version, info.kind).items if _name(o) == name]
    managed = [o for o in everywhere if _labels(o).get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE]
    candidates = managed or everywhere
    namespaces = sorted({str(o["metadata"].get("namespace") or "") for o in candidates})
    if not namespaces:
        raise SimulationError(f"no {shown} in any namespace")
    if len(namespaces) > 1:
        raise SimulationError(
            f"{shown} exists in namespaces {', '.join(namespaces)}: choose one with -n"
        )
    return ResourceKey(group, info.kind, namespaces[0], name)


def scale(client: ClusterClient, key: ResourceKey, replicas: int) -> Change:
    """``kubectl scale --replicas``: a merge patch of the ``scale`` subresource."""
    if key.kind not in _SCALABLE:
        raise SimulationError(f"{key} cannot be scaled: only {_listed(_SCALABLE)} can")
    if replicas < 0:
        raise SimulationError("replicas cannot be negative")
    api_version = _api_version(client, key)
    _live(client, api_version, key)
    body = {"spec": {"replicas": replicas}}
    _patch(client, api_version, key, body, "merge", SCALE_MANAGER, subresource="scale")
    return Change(key, SCALE_MANAGER, f"scaled {key} to {replicas} replica(s)")


def set_image(
    client: ClusterClient, key: ResourceKey, image: str, container: str | None = None
) -> Change:
    """``kubectl set image``: a strategic merge patch of one container's image."""
    if not image.strip():
        raise SimulationError("the image must not be empty")
    api_version, path, name = _container(client, key, container)
    body = _nested(path, {"containers": [{"name": name, "image": image}]})
    _patch(client, api_version, key, body, "strategic", SET_MANAGER)
    return Change(key, SET_MANAGER, f"set the image of container {name!r} of {key} to {image}")


def set_env(
    client: ClusterClient, key: ResourceKey, variable: str, value: str, container: str | None = None
) -> Change:
    """``kubectl set env NAME=VALUE``: a strategic merge patch adding or changing one variable."""
    if not variable:
        raise SimulationError("the environment variable needs a name")
    api_version, path, name = _container(client, key, container)
    env = [{"name": variable, "value": value}]
    body = _nested(path, {"containers": [{"name": name, "env": env}]})
    _patch(client, api_version, key, body, "strategic", SET_MANAGER)
    return Change(key, SET_MANAGER, f"set {variable}={value} in container {name!r} of {key}")


def add_label(client: ClusterClient, key: ResourceKey, label: str, value: str) -> Change:
    """``kubectl label --overwrite KEY=VALUE``: a merge patch of one label."""
    if not label:
        raise SimulationError("the label needs a key")
    api_version = _api_version(client, key)
    _live(client, api_version, key)
    body = {"metadata": {"labels": {label: value}}}
    _patch(client, api_version, key, body, "merge", LABEL_MANAGER)
    return Change(key, LABEL_MANAGER, f"labelled {key} {label}={value}")


def set_data(client: ClusterClient, key: ResourceKey, data_key: str, value: str) -> Change:
    """``kubectl edit`` of one ConfigMap entry: a strategic merge patch of ``data``."""
    if key.kind != "ConfigMap" or key.group:
        raise SimulationError(f"{key} is not a ConfigMap: only ConfigMap data can be edited")
    if not data_key:
        raise SimulationError("the data entry needs a key")
    api_version = _api_version(client, key)
    _live(client, api_version, key)
    _patch(client, api_version, key, {"data": {data_key: value}}, "strategic", EDIT_MANAGER)
    return Change(key, EDIT_MANAGER, f"set data {data_key!r} of {key}")


def delete(client: ClusterClient, key: ResourceKey) -> Change:
    """``kubectl delete``: background propagation, so owned objects go too."""
    api_version = _api_version(client, key)
    try:
        client.delete(api_version, key.kind, key.namespace or None, key.name)
    except NotFound:
        raise SimulationError(f"{key} does not exist") from None
    except ClusterError as exc:
        raise SimulationError(f"cannot delete {key}: {exc}") from exc
    return Change(key, None, f"deleted {key}")


def _api_version(client: ClusterClient, key: ResourceKey) -> str:
    try:
        return client.preferred_api_version(key.group, key.kind)
    except UnknownKind:
        raise SimulationError(f"the cluster does not serve {key.kind}") from None


def _live(client: ClusterClient, api_version: str, key: ResourceKey) -> dict[str, Any]:
    try:
        return client.get(api_version, key.kind, key.namespace or None, key.name)
    except NotFound:
        raise SimulationError(f"{key} does not exist") from None


def _container(
    client: ClusterClient, key: ResourceKey, container: str | None
) -> tuple[str, tuple[str, ...], str]:
    """The workload's apiVersion, the path to its Pod spec, and the container to change."""
    path = _POD_SPEC_PATHS.get(key.kind)
    if path is None:
        raise SimulationError(f"{key} has no containers: use a {_listed(_POD_SPEC_PATHS)}")
    api_version = _api_version(client, key)
    node: Any = _live(client, api_version, key)
    for step in path:
        node = node.get(step) if isinstance(node, dict) else None
    names = [str(c.get("name")) for c in (node or {}).get("containers") or ()]
    if container is None:
        if len(names) != 1:
            raise SimulationError(
                f"{key} has containers {', '.join(names)}: name the one to change"
            )
        return api_version, path, names[0]
    if container not in names:
        raise SimulationError(
            f"{key} has no container {container!r} (its containers: {', '.join(names)})"
        )
    return api_version, path, container


def _patch(
    client: ClusterClient,
    api_version: str,
    key: ResourceKey,
    body: dict[str, Any],
    patch_type: PatchType,
    manager: str,
    subresource: str | None = None,
) -> None:
    namespace = key.namespace or None
    try:
        client.patch(
            api_version, key.kind, namespace, key.name, body, patch_type, manager, subresource
        )
    except NotFound:
        raise SimulationError(f"{key} does not exist") from None
    except ClusterError as exc:
        raise SimulationError(f"the API server refused the change to {key}: {exc}") from exc


def _nested(path: tuple[str, ...], leaf: dict[str, Any]) -> dict[str, Any]:
    body = leaf
    for step in reversed(path):
        body = {step: body}
    return body


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return (obj.get("metadata") or {}).get("labels") or {}


def _listed(kinds: Any) -> str:
    return ", ".join(sorted(kinds))
