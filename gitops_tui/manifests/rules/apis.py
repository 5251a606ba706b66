"""Deprecated and removed API versions, judged against the repo's target Kubernetes version.

The schemas only say a version is not served; users need to know what to write instead and
since when that works, as in the upstream deprecation guide. This table carries those facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.rules.context import Context, report


@dataclass(frozen=True)
class Retired:
    """``api_version`` of ``kinds``: deprecated in ``deprecated``, gone in ``removed``;
    ``replacement`` is served since ``available``."""

    api_version: str
    kinds: frozenset[str]
    replacement: str
    available: str
    deprecated: str
    removed: str


def _retired(
    api: str, kinds: str, replacement: str, available: str, deprecated: str, removed: str
) -> Retired:
    return Retired(api, frozenset(kinds.split()), replacement, available, deprecated, removed)


_FLOW = "FlowSchema PriorityLevelConfiguration"
_FLOW_V1 = "flowcontrol.apiserver.k8s.io/v1"
_RBAC = "ClusterRole ClusterRoleBinding Role RoleBinding"
_WEBHOOKS = "MutatingWebhookConfiguration ValidatingWebhookConfiguration"
_APPS = "Deployment DaemonSet ReplicaSet StatefulSet"
_STORAGE = "CSIDriver CSINode StorageClass VolumeAttachment"
NO_REPLACEMENT = ""

#: From the Kubernetes deprecated API migration guide (kubernetes.io/docs/reference/using-api/
#: deprecation-guide): (apiVersion, kinds, replacement, replacement served since, deprecated
#: in, removed in).
RETIRED: tuple[Retired, ...] = (
    _retired("extensions/v1beta1", _APPS, "apps/v1", "1.9", "1.9", "1.16"),
    _retired("apps/v1beta1", _APPS, "apps/v1", "1.9", "1.9", "1.16"),
    _retired("apps/v1beta2", _APPS, "apps/v1", "1.9", "1.9", "1.16"),
    _retired("extensions/v1beta1", "NetworkPolicy", "networking.k8s.io/v1", "1.8", "1.9", "1.16"),
    _retired("extensions/v1beta1", "PodSecurityPolicy", "policy/v1beta1", "1.10", "1.11", "1.16"),
    _retired("extensions/v1beta1", "Ingress", "networking.k8s.io/v1", "1.19", "1.14", "1.22"),
    _retired(
        "networking.k8s.io/v1beta1",
        "Ingress IngressClass",
        "networking.k8s.io/v1",
        "1.19",
        "1.19",
        "1.22",
    ),
    _retired(
        "admissionregistration.k8s.io/v1beta1",
        _WEBHOOKS,
        "admissionregistration.k8s.io/v1",
        "1.16",
        "1.16",
        "1.22",
    ),
    _retired(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "apiextensions.k8s.io/v1",
        "1.16",
        "1.16",
        "1.22",
    ),
    _retired(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        "apiregistration.k8s.io/v1",
        "1.10",
        "1.19",
        "1.22",
    ),
    _retired(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        "certificates.k8s.io/v1",
        "1.19",
        "1.19",
        "1.22",
    ),
    _retired(
        "coordination.k8s.io/v1beta1", "Lease", "coordination.k8s.io/v1", "1.14", "1.19", "1.22"
    ),
    _retired(
        "rbac.authorization.k8s.io/v1beta1",
        _RBAC,
        "rbac.authorization.k8s.io/v1",
        "1.8",
        "1.17",
        "1.22",
    ),
    _retired(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        "scheduling.k8s.io/v1",
        "1.14",
        "1.14",
        "1.22",
    ),
    _retired("storage.k8s.io/v1beta1", _STORAGE, "storage.k8s.io/v1", "1.19", "1.19", "1.22"),
    _retired("batch/v1beta1", "CronJob", "batch/v1", "1.21", "1.21", "1.25"),
    _retired(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        "discovery.k8s.io/v1",
        "1.21",
        "1.21",
        "1.25",
    ),
    _retired("events.k8s.io/v1beta1", "Event", "events.k8s.io/v1", "1.19", "1.19", "1.25"),
    _retired(
        "autoscaling/v2beta1", "HorizontalPodAutoscaler", "autoscaling/v2", "1.23", "1.22", "1.25"
    ),
    _retired("policy/v1beta1", "PodDisruptionBudget", "policy/v1", "1.21", "1.21", "1.25"),
    _retired("policy/v1beta1", "PodSecurityPolicy", NO_REPLACEMENT, "", "1.21", "1.25"),
    _retired("node.k8s.io/v1beta1", "RuntimeClass", "node.k8s.io/v1", "1.20", "1.20", "1.25"),
    _retired(
        "autoscaling/v2beta2", "HorizontalPodAutoscaler", "autoscaling/v2", "1.23", "1.23", "1.26"
    ),
    _retired("flowcontrol.apiserver.k8s.io/v1beta1", _FLOW, _FLOW_V1, "1.29", "1.23", "1.26"),
    _retired(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        "storage.k8s.io/v1",
        "1.24",
        "1.24",
        "1.27",
    ),
    _retired("flowcontrol.apiserver.k8s.io/v1beta2", _FLOW, _FLOW_V1, "1.29", "1.26", "1.29"),
    _retired("flowcontrol.apiserver.k8s.io/v1beta3", _FLOW, _FLOW_V1, "1.29", "1.29", "1.32"),
)
_BY_API = {(entry.api_version, kind): entry for entry in RETIRED for kind in entry.kinds}


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def retirement(api_version: str, kind: str) -> Retired | None:
    return _BY_API.get((api_version, kind))


def is_removed(entry: Retired, kubernetes_version: str) -> bool:
    return _minor(kubernetes_version) >= _minor(entry.removed)


def _advice(entry: Retired) -> str:
    if entry.replacement == NO_REPLACEMENT:
        return "it has no replacement: enforce pod security with Pod Security Admission labels"
    return f"use {entry.replacement} instead (served since Kubernetes {entry.available})"


def check_api_version(manifest: Manifest, context: Context) -> Iterable[Finding]:
    entry = retirement(manifest.api_version, manifest.kind)
    target = context.kubernetes_version
    if entry is None:
        return
    what = f"{manifest.api_version} {manifest.kind}"
    if is_removed(entry, target):
        message = (
            f"{what} was removed in Kubernetes {entry.removed} (target is {target}); "
            f"{_advice(entry)}"
        )
        yield report(manifest, Severity.ERROR, "removed-api", message, ("apiVersion",))
    elif _minor(target) >= _minor(entry.deprecated):
        message = f"{what} is deprecated and will be removed in Kubernetes {entry.removed}; "
        yield report(
            manifest, Severity.WARNING, "deprecated-api", message + _advice(entry), ("apiVersion",)
        )
