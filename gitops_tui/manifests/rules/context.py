"""What every rule needs: the target version's schemas, the repo's custom kinds, helpers.

Rules build findings through :func:`report`, so each one points at the line of the field it
is about and names the object, and no rule formats positions or keys its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_tui.manifests.crds import CRD_GROUP, CustomKind
from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.schemas import GVK, BuiltinSchemas


@dataclass(frozen=True)
class Context:
    kubernetes_version: str
    builtin: BuiltinSchemas
    custom: Mapping[GVK, CustomKind]
    #: (group, kind) -> namespaced, for the custom kinds (derived from ``custom``).
    custom_scopes: Mapping[tuple[str, str], bool] = field(init=False)

    def __post_init__(self) -> None:
        scopes = {(group, kind): c.namespaced for (group, _, kind), c in self.custom.items()}
        object.__setattr__(self, "custom_scopes", scopes)


ObjectRule = Callable[[Manifest, Context], Iterable[Finding]]
RepoRule = Callable[[Sequence[Manifest], Context], Iterable[Finding]]


def report(
    manifest: Manifest,
    severity: Severity,
    rule: str,
    message: str,
    field_path: Sequence[str | int] = (),
) -> Finding:
    """A finding about ``manifest``, placed at the line of ``field_path``."""
    return Finding(severity, rule, message, manifest.position_of(field_path), manifest.key)


def dotted(field_path: Sequence[str | int]) -> str:
    """``spec.template.spec.containers[0].image`` for a field path."""
    text = ""
    for segment in field_path:
        text += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if text else segment)
    return text or "the object"


_EMPTY: Mapping[str, Any] = {}


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one: rules read possibly broken objects."""
    if value.__class__ is dict or isinstance(value, Mapping):  # dict first: the common case
        return value
    return _EMPTY


def sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


_CLUSTER_SCOPED = frozenset(
    (group, kind)
    for group, kinds in (
        ("", "Namespace Node PersistentVolume ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("storage.k8s.io", "StorageClass CSIDriver CSINode VolumeAttachment"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("networking.k8s.io", "IngressClass IPAddress ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"),
        ("certificates.k8s.io", "CertificateSigningRequest ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass ResourceSlice"),
        ("policy", "PodSecurityPolicy"),
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration ValidatingWebhookConfiguration "
            "ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding "
            "MutatingAdmissionPolicy MutatingAdmissionPolicyBinding",
        ),
    )
    for kind in kinds.split()
)


def is_namespaced(manifest: Manifest, context: Context) -> bool:
    """Whether the object lives in a namespace (unknown kinds are assumed to)."""
    return namespaced_in(manifest, context.custom_scopes)


def namespaced_in(manifest: Manifest, custom_scopes: Mapping[tuple[str, str], bool]) -> bool:
    """:func:`is_namespaced` given the custom kinds' scopes: (group, kind) -> namespaced."""
    group, kind = manifest.key.group, manifest.kind
    if (group, kind) in _CLUSTER_SCOPED:
        return False
    return custom_scopes.get((group, kind), True)


def crd_scopes(manifests: Iterable[Manifest]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced for each CRD among ``manifests``, read from its spec."""
    scopes = {}
    for manifest in manifests:
        if (manifest.key.group, manifest.kind) != (CRD_GROUP, "CustomResourceDefinition"):
            continue
        spec = mapping(manifest.body.get("spec"))
        kind = mapping(spec.get("names")).get("kind")
        if isinstance(kind, str):
            scopes[(str(spec.get("group", "")), kind)] = spec.get("scope") != "Cluster"
    return scopes
