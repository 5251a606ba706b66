"""What a sync will do, decided before it does anything: pair, then plan in kind order.

Reconciling is split as in gitops-engine's ``pkg/sync`` and Flux's ``ssa``: pair every desired
object with its live counterpart, diff each pair, then plan. Only applying the plan does I/O,
so the preview, the dry-run view and the agent show one and the same plan.

Applies run in kind order, so that what an object needs exists before it does: Namespaces and
CRDs first, then policy, ServiceAccounts, RBAC, ConfigMaps and Secrets, Services, workloads,
Ingress, HPAs, admission webhooks, other built-in kinds, and custom resources last (their CRD
must be established first). Pruning runs afterwards in the reverse order, dependents before
what they depend on.

Pruning is the one irreversible step, so it is the most guarded: an object is deleted only if
it is gone from Git, pruning is on, it carries the ownership label, and deleting it would not
cascade to objects that must stay (everything in a Namespace, every object of a CRD). Every
object that is not deleted for one of these reasons becomes a ``skip`` step saying why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gitops_tui.engine.diff import DiffItem
from gitops_tui.model import ResourceKey

#: Only objects labelled ``OWNERSHIP_LABEL: OWNERSHIP_VALUE`` may ever be pruned.
OWNERSHIP_LABEL = "app.kubernetes.io/managed-by"
OWNERSHIP_VALUE = "gitops-tui"

Action = Literal["create", "configure", "unchanged", "delete", "skip"]

#: Apply order of built-in kinds (Helm's and Argo CD's install order, CRDs moved up as Flux
#: does); any other built-in kind follows them, custom resources come last.
KIND_ORDER: tuple[str, ...] = (
    "Namespace",
    "CustomResourceDefinition",
    "PriorityClass",
    "StorageClass",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Secret",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "HorizontalPodAutoscaler",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
)
_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}
_OTHER_BUILTIN, _CUSTOM = len(KIND_ORDER), len(KIND_ORDER) + 1
_SHOWN_PATHS = 3


@dataclass(frozen=True)
class Pair:
    """A desired object and its live counterpart, either of which may be missing.

    ``drift`` is the diff of the two once computed (see :mod:`gitops_tui.engine.diff`);
    ``None`` means "not compared", which plans a (harmless, idempotent) apply.
    """

    key: ResourceKey
    desired: Mapping[str, Any] | None
    live: Mapping[str, Any] | None
    drift: tuple[DiffItem, ...] | None = None

    def __post_init__(self) -> None:
        if self.desired is None and self.live is None:
            raise ValueError(f"{self.key}: a pair needs a desired or a live object")


@dataclass(frozen=True)
class Step:
    action: Action
    key: ResourceKey
    reason: str


@dataclass(frozen=True)
class ChangeSet:
    """How many objects each action touched (or, for a plan, will touch)."""

    created: int = 0
    configured: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0

    @classmethod
    def of(cls, steps: Iterable[Step]) -> ChangeSet:
        counts = Counter(step.action for step in steps)
        return cls(
            created=counts["create"],
            configured=counts["configure"],
            unchanged=counts["unchanged"],
            deleted=counts["delete"],
            skipped=counts["skip"],
        )

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.configured} configured, "
            f"{self.unchanged} unchanged, {self.deleted} deleted, {self.skipped} skipped"
        )


@dataclass(frozen=True)
class Plan:
    """Steps in execution order: applies in kind order, then prunes in reverse kind order."""

    steps: tuple[Step, ...]

    @property
    def changes(self) -> ChangeSet:
        return ChangeSet.of(self.steps)


def is_owned(obj: Mapping[str, Any]) -> bool:
    """Does ``obj`` carry the ownership label, so that the agent may prune it?"""
    metadata = obj.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return isinstance(labels, Mapping) and labels.get(OWNERSHIP_LABEL) == OWNERSHIP_VALUE


def pair(
    desired: Mapping[ResourceKey, Mapping[str, Any]],
    live: Mapping[ResourceKey, Mapping[str, Any]],
) -> tuple[Pair, ...]:
    """One pair per key found on either side, sorted by key."""
    keys = sorted(desired.keys() | live.keys())
    return tuple(Pair(key, desired.get(key), live.get(key)) for key in keys)


def plan(
    pairs: Iterable[Pair],
    *,
    prune: bool,
    owned: Callable[[Mapping[str, Any]], bool] = is_owned,
) -> Plan:
    """The steps that bring the cluster to the desired state, in the order to take them."""
    every = tuple(pairs)
    applies = sorted((p for p in every if p.desired is not None), key=_apply_order)
    extras = sorted((p for p in every if p.desired is None), key=_apply_order, reverse=True)
    steps = [_apply_step(p) for p in applies]
    steps += [_prune_step(p, every, prune=prune, owned=owned) for p in extras]
    return Plan(tuple(steps))


def _apply_step(p: Pair) -> Step:
    if p.live is None:
        return Step("create", p.key, "not in the cluster")
    if p.drift is None:
        return Step("configure", p.key, "not compared with the live object")
    if not p.drift:
        return Step("unchanged", p.key, "in sync")
    paths = ", ".join(item.path for item in p.drift[:_SHOWN_PATHS])
    more = f" and {len(p.drift) - _SHOWN_PATHS} more" if len(p.drift) > _SHOWN_PATHS else ""
    return Step("configure", p.key, f"drifted: {paths}{more}")


def _prune_step(
    p: Pair, pairs: Sequence[Pair], *, prune: bool, owned: Callable[[Mapping[str, Any]], bool]
) -> Step:
    live = p.live
    assert live is not None  # a pair without desired has live (Pair.__post_init__)
    if not prune:
        return Step("skip", p.key, "no longer in Git; pruning is disabled")
    if not owned(live):
        return Step(
            "skip", p.key, f"not owned by gitops-tui (no {OWNERSHIP_LABEL}={OWNERSHIP_VALUE} label)"
        )
    kept = [other.key for other in pairs if _cascades_to(p, other) and _must_stay(other, owned)]
    if kept:
        return Step(
            "skip",
            p.key,
            f"deleting it would also delete {len(kept)} object(s) that must stay, e.g. {kept[0]}",
        )
    return Step("delete", p.key, "no longer in Git")


def _cascades_to(p: Pair, other: Pair) -> bool:
    """Would the API server delete ``other`` along with ``p`` (Namespace or CRD deletion)?"""
    if p.key.group == "" and p.key.kind == "Namespace":
        return other.key.namespace == p.key.name
    if p.key.group == "apiextensions.k8s.io" and p.key.kind == "CustomResourceDefinition":
        spec = (p.live or {}).get("spec")
        if not isinstance(spec, Mapping):
            return False
        names = spec.get("names")
        kind = names.get("kind") if isinstance(names, Mapping) else None
        return (other.key.group, other.key.kind) == (spec.get("group"), kind)
    return False


def _must_stay(p: Pair, owned: Callable[[Mapping[str, Any]], bool]) -> bool:
    return p.desired is not None or (p.live is not None and not owned(p.live))


def _apply_order(p: Pair) -> tuple[int, str, str, str, str]:
    key = p.key
    return (_rank(key), key.group, key.kind, key.namespace, key.name)


def _rank(key: ResourceKey) -> int:
    if not _is_builtin(key.group):
        return _CUSTOM
    return _RANK.get(key.kind, _OTHER_BUILTIN)


def _is_builtin(group: str) -> bool:
    """Kubernetes' own API groups: no dot (core, apps, batch...) or under k8s.io.

    CRD groups must contain a dot, and ``*.k8s.io`` / ``*.kubernetes.io`` are reserved.
    """
    return "." not in group or group.endswith((".k8s.io", ".kubernetes.io"))
