"""Pod-level lint for workloads: pinned images, resource requests, selectors that match.

These are the mistakes that apply cleanly and fail later: ``:latest`` makes a rollback deploy
whatever was pushed last, a pod without requests is scheduled blind and evicted first, and a
selector that misses its own template is rejected by the API server only at apply time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gitops_tui.manifests.findings import Finding, Severity
from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.rules.context import Context, mapping, report, sequence

_TEMPLATE_AT: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
    ("", "ReplicationController"): ("spec", "template"),
    ("", "PodTemplate"): ("template",),
    ("", "Pod"): (),
}
_CONTAINER_LISTS = ("initContainers", "containers")


@dataclass(frozen=True)
class PodTemplate:
    """A pod template inside a workload and the field path leading to it."""

    path: tuple[str, ...]
    labels: Mapping[str, Any]
    spec: Mapping[str, Any]


def pod_template(manifest: Manifest) -> PodTemplate | None:
    path = _TEMPLATE_AT.get((manifest.key.group, manifest.kind))
    if path is None:
        return None
    node: Any = manifest.body
    for segment in path:
        node = mapping(node).get(segment)
    template = mapping(node)
    labels = mapping(mapping(template.get("metadata")).get("labels"))
    return PodTemplate(path, labels, mapping(template.get("spec")))


def _containers(template: PodTemplate) -> Iterator[tuple[tuple[str | int, ...], Mapping[str, Any]]]:
    for field in _CONTAINER_LISTS:
        for index, container in enumerate(sequence(template.spec.get(field))):
            if isinstance(container, Mapping):
                yield (*template.path, "spec", field, index), container


def _image_problem(image: str) -> str | None:
    if "@" in image:
        return None  # pinned by digest
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag or not tag:  # no colon, or a registry port's, or nothing after
        return "has no tag, so every pull may get a different image"
    if tag == "latest":
        return "uses the moving tag ':latest'"
    return None


def check_images(manifest: Manifest, context: Context) -> Iterable[Finding]:
    template = pod_template(manifest)
    if template is None:
        return
    for path, container in _containers(template):
        image = container.get("image")
        if image is None or image == "":
            message = (
                f"container {container.get('name', '?')!r} has no image: the API server rejects "
                "a pod template without one"
            )
            yield report(manifest, Severity.ERROR, "schema", message, path)
            continue
        problem = _image_problem(image) if isinstance(image, str) else None
        if problem is not None:
            message = (
                f"container {container.get('name', '?')!r} image {image!r} {problem}; pin a "
                "version tag (e.g. nginx:1.27) or a digest so a rollback redeploys what was tested"
            )
            yield report(manifest, Severity.WARNING, "image-tag", message, (*path, "image"))


def check_requests(manifest: Manifest, context: Context) -> Iterable[Finding]:
    template = pod_template(manifest)
    if template is None:
        return
    for path, container in _containers(template):
        requests = mapping(mapping(container.get("resources")).get("requests"))
        missing = [r for r in ("cpu", "memory") if r not in requests]
        if missing:
            at = (*path, "resources") if "resources" in container else path
            message = (
                f"container {container.get('name', '?')!r} sets no {' or '.join(missing)} "
                "request; set resources.requests so the scheduler can place the pod and it is "
                "not the first evicted under pressure"
            )
            yield report(manifest, Severity.WARNING, "resource-requests", message, at)


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """Whether a LabelSelector (matchLabels and matchExpressions) selects ``labels``."""
    for name, value in mapping(selector.get("matchLabels")).items():
        if labels.get(name) != value:
            return False
    for item in sequence(selector.get("matchExpressions")):
        expression = mapping(item)
        key, operator = str(expression.get("key")), expression.get("operator")
        values = sequence(expression.get("values"))
        present = key in labels
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _format(labels: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items()) or "(none)"


def check_selector(manifest: Manifest, context: Context) -> Iterable[Finding]:
    template = pod_template(manifest)
    if template is None or not template.path:
        return
    spec = mapping(manifest.body.get("spec"))
    selector = spec.get("selector")
    if not isinstance(selector, Mapping):
        return  # absent: required-field schema error, or defaulted (Job, ReplicationController)
    if manifest.kind == "Job" and not spec.get("manualSelector"):
        return  # the Job controller generates and manages its selector
    if manifest.kind == "ReplicationController":
        selector = {"matchLabels": selector}
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        message = f"the {manifest.kind} has an empty selector; select its pods by their labels"
    elif selector_matches(selector, template.labels):
        return
    else:
        message = (
            f"spec.selector does not match the pod template labels ({_format(template.labels)}); "
            "the API server rejects this: make the template carry every selected label"
        )
    yield report(manifest, Severity.ERROR, "selector-mismatch", message, ("spec", "selector"))
