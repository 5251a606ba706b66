"""Rules about references between objects of the desired state.

A Service that selects no pod and an object in a namespace nobody creates both apply without
complaint, then leave users debugging an empty endpoint list or a failed sync. Only the repo is
consulted: objects created elsewhere are out of sight, so these are warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.rules.context import Context, is_namespaced, mapping, report
from gitops_tui.manifests.rules.identity import DNS1123_LABEL
from gitops_tui.manifests.rules.workloads import pod_template

#: Namespaces every cluster has.
DEFAULT_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def _namespace(manifest: Manifest) -> str:
    return manifest.key.namespace or "default"


def check_service_selectors(manifests: Sequence[Manifest], context: Context) -> Iterable[Finding]:
    # (namespace, label, value) -> pod templates carrying it, so each Service costs one lookup
    # per selected label instead of a scan of every workload.
    carriers: dict[tuple[str, str, object], set[int]] = {}
    for index, manifest in enumerate(manifests):
        template = pod_template(manifest)
        for label, value in (template.labels if template is not None else {}).items():
            carriers.setdefault((_namespace(manifest), label, value), set()).add(index)
    for manifest in manifests:
        if (manifest.key.group, manifest.kind) != ("", "Service"):
            continue
        spec = mapping(manifest.body.get("spec"))
        selector = mapping(spec.get("selector"))
        if not selector or spec.get("type") == "ExternalName":
            continue
        namespace = _namespace(manifest)
        matching = [carriers.get((namespace, k, v), set()) for k, v in selector.items()]
        if set.intersection(*matching):
            continue
        wanted = ",".join(f"{k}={v}" for k, v in selector.items())
        message = (
            f"Service {manifest.key.name!r} selects {wanted} but no workload in namespace "
            f"{namespace!r} in this repo has pods with those labels; fix the "
            "selector or the pod template labels"
        )
        yield report(manifest, Severity.WARNING, "service-selector", message, ("spec", "selector"))


def check_namespaces(manifests: Sequence[Manifest], context: Context) -> Iterable[Finding]:
    created = {
        m.key.name for m in manifests if (m.key.group, m.kind) == ("", "Namespace")
    } | DEFAULT_NAMESPACES
    for manifest in manifests:
        namespace = manifest.key.namespace
        if not namespace or namespace in created or not is_namespaced(manifest, context):
            continue
        if not DNS1123_LABEL.fullmatch(namespace):
            continue  # reported as invalid-name: no Namespace could ever be called that
        message = (
            f"namespace {namespace!r} is not created by this repo and is not a default one; "
            "add a Namespace manifest for it, or applying this object will fail"
        )
        yield report(
            manifest, Severity.WARNING, "unknown-namespace", message, ("metadata", "namespace")
        )
