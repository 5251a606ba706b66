"""The catalogue of resource types the embedded cluster serves.

Discovery, URL routing, kubectl's short names and categories (``kubectl get all``), and every
handler start from a :class:`ResourceType`. Built-in types are listed here once, with the
names kube-apiserver gives them; custom resources are added and removed at run time as their
CustomResourceDefinitions become Established or go away.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_tui.cluster.embedded.schema import (
    SchemaNode,
    builtin_root,
    crd_root,
    definition_for_kind,
)

NAMESPACED_VERBS = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)
NAMESPACE_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    """One served resource (a group/version/plural) and everything known about it."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = NAMESPACED_VERBS
    subresources: frozenset[str] = frozenset()
    #: For custom resources: the CRD version's openAPIV3Schema, printer columns, scale paths.
    crd: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """``deployments.apps`` style, as used in Status ``details`` and error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def is_custom(self) -> bool:
        return self.crd is not None

    @functools.cached_property
    def _custom_schema(self) -> SchemaNode:
        assert self.crd is not None
        return crd_root(self.crd.get("schema"))

    def schema(self) -> SchemaNode:
        if self.crd is not None:
            return self._custom_schema
        definition = definition_for_kind(self.group, self.version, self.kind)
        if definition is None:
            raise LookupError(f"no OpenAPI definition for {self.api_version} {self.kind}")
        return builtin_root(definition)


def _builtin(
    group: str,
    version: str,
    kind: str,
    plural: str,
    *,
    namespaced: bool = True,
    short: Iterable[str] = (),
    all_category: bool = False,
    subresources: Iterable[str] = (),
    verbs: tuple[str, ...] = NAMESPACED_VERBS,
) -> ResourceType:
    return ResourceType(
        group=group,
        version=version,
        kind=kind,
        plural=plural,
        namespaced=namespaced,
        short_names=tuple(short),
        categories=("all",) if all_category else (),
        verbs=verbs,
        subresources=frozenset(subresources),
    )


BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _builtin(
        "",
        "v1",
        "Namespace",
        "namespaces",
        namespaced=False,
        short=["ns"],
        subresources=["status", "finalize"],
        verbs=NAMESPACE_VERBS,
    ),
    _builtin("", "v1", "ConfigMap", "configmaps", short=["cm"]),
    _builtin("", "v1", "Secret", "secrets"),
    _builtin(
        "", "v1", "Service", "services", short=["svc"], all_category=True, subresources=["status"]
    ),
    _builtin("", "v1", "ServiceAccount", "serviceaccounts", short=["sa"]),
    _builtin("", "v1", "Pod", "pods", short=["po"], all_category=True, subresources=["status"]),
    _builtin("", "v1", "Event", "events", short=["ev"]),
    _builtin("", "v1", "Endpoints", "endpoints", short=["ep"]),
    _builtin(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        short=["deploy"],
        all_category=True,
        subresources=["status", "scale"],
    ),
    _builtin(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        short=["rs"],
        all_category=True,
        subresources=["status", "scale"],
    ),
    _builtin(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        short=["sts"],
        all_category=True,
        subresources=["status", "scale"],
    ),
    _builtin(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        short=["ds"],
        all_category=True,
        subresources=["status"],
    ),
    _builtin("batch", "v1", "Job", "jobs", all_category=True, subresources=["status"]),
    _builtin(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        short=["cj"],
        all_category=True,
        subresources=["status"],
    ),
    _builtin(
        "networking.k8s.io", "v1", "Ingress", "ingresses", short=["ing"], subresources=["status"]
    ),
    _builtin("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    _builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    _builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced=False),
    _builtin(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        namespaced=False,
    ),
    _builtin(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        short=["hpa"],
        all_category=True,
        subresources=["status"],
    ),
    _builtin(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        short=["pdb"],
        subresources=["status"],
    ),
    _builtin(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        namespaced=False,
        short=["crd", "crds"],
        subresources=["status"],
    ),
)

#: Preferred order of API groups in discovery, as kube-apiserver lists them.
GROUP_ORDER = (
    "apps",
    "events.k8s.io",
    "autoscaling",
    "batch",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "apiextensions.k8s.io",
)


class Registry:
    """Thread-safe lookup of served resource types, built-in and custom."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        for rt in BUILTIN_TYPES:
            self._types[(rt.group, rt.version, rt.plural)] = rt

    def all(self) -> list[ResourceType]:
        with self._lock:
            return list(self._types.values())

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        with self._lock:
            return self._types.get((group, version, plural))

    def by_kind(self, group: str, kind: str, version: str | None = None) -> ResourceType | None:
        with self._lock:
            for rt in self._types.values():
                if rt.group == group and rt.kind == kind and version in (None, rt.version):
                    return rt
        return None

    def by_api_version(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        return self.by_kind(group, kind, version)

    def group_versions(self) -> dict[str, list[str]]:
        """Every served group (``""`` for core) with its versions, preferred first."""
        result: dict[str, list[str]] = {}
        with self._lock:
            for rt in self._types.values():
                versions = result.setdefault(rt.group, [])
                if rt.version not in versions:
                    versions.append(rt.version)
        return result

    def ordered_groups(self) -> list[str]:
        groups = [g for g in self.group_versions() if g]
        known = [g for g in GROUP_ORDER if g in groups]
        return known + sorted(g for g in groups if g not in GROUP_ORDER)

    def put_custom(self, types: Iterable[ResourceType], owner_group_resource: str) -> None:
        """Replace the custom types served for one CRD (``plural.group``)."""
        with self._lock:
            self._drop_custom(owner_group_resource)
            for rt in types:
                self._types[(rt.group, rt.version, rt.plural)] = rt

    def remove_custom(self, owner_group_resource: str) -> None:
        with self._lock:
            self._drop_custom(owner_group_resource)

    def _drop_custom(self, owner_group_resource: str) -> None:
        for key, rt in list(self._types.items()):
            if rt.is_custom and rt.group_resource == owner_group_resource:
                del self._types[key]


def custom_types_from_crd(crd: Mapping[str, Any]) -> list[ResourceType]:
    """The resource types a CustomResourceDefinition serves (one per served version)."""
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    result = []
    for version in spec.get("versions", ()):
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        result.append(
            ResourceType(
                group=spec["group"],
                version=version["name"],
                kind=names["kind"],
                plural=names["plural"],
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames", ())),
                categories=tuple(names.get("categories", ())),
                subresources=frozenset(k for k in ("status", "scale") if k in subresources),
                crd={
                    "schema": (version.get("schema") or {}).get("openAPIV3Schema"),
                    "columns": tuple(version.get("additionalPrinterColumns", ())),
                    "scale": subresources.get("scale"),
                    "storage": bool(version.get("storage")),
                    "singular": names.get("singular", names["kind"].lower()),
                },
            )
        )
    return result
