"""The defaults kube-apiserver gives every pod spec (core/v1 ``defaults.go`` and its generated
``zz_generated.defaults.go``), for Pods and for the pod templates of workloads.

Controllers copy templates into Pods and clients diff what they applied against what they read
back, so a template must come back with the same ``imagePullPolicy``, probe timings and volume
modes as from a real cluster. Fields that only a Pod gets (``enableServiceLinks``, requests
copied from limits, host ports under ``hostNetwork``) are applied by :func:`default_pod` only.
"""

from __future__ import annotations

import re
from typing import Any

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = (
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)"
)
_HOST = rf"(?:{_DOMAIN}|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_REFERENCE = re.compile(
    rf"^(?P<name>(?:{_HOST}/)?{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$"
)
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")

_VOLUME_SOURCE_DEFAULTS: dict[str, dict[str, Any]] = {
    "iscsi": {"iscsiInterface": "default"},
    "rbd": {"pool": "rbd", "user": "admin", "keyring": "/etc/ceph/keyring"},
    "azureDisk": {
        "cachingMode": "ReadWrite",
        "fsType": "ext4",
        "readOnly": False,
        "kind": "Shared",
    },
    "scaleIO": {"storageMode": "ThinProvisioned", "fsType": "xfs"},
    "hostPath": {"type": ""},
}


def default_pod(pod: dict[str, Any]) -> None:
    """SetObjectDefaults_Pod: the pod spec defaults plus the Pod-only ones."""
    spec = pod.setdefault("spec", {})
    _copy_limits_to_requests(spec)
    spec.setdefault("enableServiceLinks", True)
    if spec.get("hostNetwork"):
        _default_host_ports(spec)
    default_pod_spec(spec)


def default_pod_template(template: dict[str, Any]) -> None:
    """The defaults of a ``PodTemplateSpec`` inside a workload."""
    if not isinstance(template.get("metadata"), dict):
        template["metadata"] = {}
    spec = template.get("spec")
    if not isinstance(spec, dict):
        spec = template["spec"] = {}
    default_pod_spec(spec)


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec plus the generated defaults of containers and volumes."""
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    if not isinstance(spec.get("securityContext"), dict):
        spec["securityContext"] = {}
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("schedulerName", "default-scheduler")
    for volume in _dicts(spec.get("volumes")):
        _default_volume(volume)
    for name in CONTAINER_LISTS:
        for container in _dicts(spec.get(name)):
            default_container(container)


def default_container(container: dict[str, Any]) -> None:
    """SetDefaults_Container and the generated defaults of ports, env, probes and hooks."""
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = pull_policy_for(str(container.get("image") or ""))
    if not container.get("terminationMessagePath"):
        container["terminationMessagePath"] = TERMINATION_MESSAGE_PATH
    if not container.get("terminationMessagePolicy"):
        container["terminationMessagePolicy"] = "File"
    if not isinstance(container.get("resources"), dict):
        container["resources"] = {}
    for port in _dicts(container.get("ports")):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
    for env in _dicts(container.get("env")):
        value_from = env.get("valueFrom")
        if isinstance(value_from, dict) and isinstance(value_from.get("fieldRef"), dict):
            _default_field_ref(value_from["fieldRef"])
    for name in PROBES:
        probe = container.get(name)
        if isinstance(probe, dict):
            _default_probe(probe)
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if isinstance(handler, dict) and isinstance(handler.get("httpGet"), dict):
                _default_http_get(handler["httpGet"])


def pull_policy_for(image: str) -> str:
    """``Always`` for ``:latest`` or an untagged image without a digest, else ``IfNotPresent``."""
    return "Always" if image_tag(image) == "latest" else "IfNotPresent"


def image_tag(image: str) -> str:
    """The tag parsers.ParseImageName finds: ``latest`` when neither a tag nor a digest is given,
    ``""`` for a digest-only or unparsable reference."""
    match = _REFERENCE.match(image)
    if match is None or len(match.group("name")) > 255:
        return ""
    if match.group("tag"):
        return match.group("tag")
    return "" if match.group("digest") else "latest"


def default_claim_template(claim: dict[str, Any], *, with_status: bool) -> None:
    """A PersistentVolumeClaim template (StatefulSet volumeClaimTemplates, ephemeral volumes)."""
    if not isinstance(claim.get("metadata"), dict):
        claim["metadata"] = {}
    spec = claim.setdefault("spec", {})
    spec.setdefault("volumeMode", "Filesystem")
    if not isinstance(spec.get("resources"), dict):
        spec["resources"] = {}
    if with_status:
        status = claim.get("status")
        if not isinstance(status, dict):
            status = claim["status"] = {}
        status.setdefault("phase", "Pending")


def _default_probe(probe: dict[str, Any]) -> None:
    for name, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(name):
            probe[name] = value
    if isinstance(probe.get("httpGet"), dict):
        _default_http_get(probe["httpGet"])
    grpc = probe.get("grpc")
    if isinstance(grpc, dict) and grpc.get("service") is None:
        grpc["service"] = ""


def _default_http_get(action: dict[str, Any]) -> None:
    if not action.get("path"):
        action["path"] = "/"
    if not action.get("scheme"):
        action["scheme"] = "HTTP"


def _default_field_ref(selector: dict[str, Any]) -> None:
    if not selector.get("apiVersion"):
        selector["apiVersion"] = "v1"


def _default_volume(volume: dict[str, Any]) -> None:
    sources = [key for key in volume if key != "name" and volume[key] is not None]
    if not sources:
        volume["emptyDir"] = {}
    for key, defaults in _VOLUME_SOURCE_DEFAULTS.items():
        source = volume.get(key)
        if isinstance(source, dict):
            for name, value in defaults.items():
                if source.get(name) is None:
                    source[name] = value
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        source = volume.get(key)
        if isinstance(source, dict) and source.get("defaultMode") is None:
            source["defaultMode"] = 420
    _default_downward_items(volume.get("downwardAPI"))
    projected = volume.get("projected")
    if isinstance(projected, dict):
        for source in _dicts(projected.get("sources")):
            _default_downward_items(source.get("downwardAPI"))
            token = source.get("serviceAccountToken")
            if isinstance(token, dict) and token.get("expirationSeconds") is None:
                token["expirationSeconds"] = 3600
    image = volume.get("image")
    if isinstance(image, dict) and not image.get("pullPolicy"):
        image["pullPolicy"] = pull_policy_for(str(image.get("reference") or ""))
    ephemeral = volume.get("ephemeral")
    if isinstance(ephemeral, dict) and isinstance(ephemeral.get("volumeClaimTemplate"), dict):
        default_claim_template(ephemeral["volumeClaimTemplate"], with_status=False)


def _default_downward_items(source: Any) -> None:
    if isinstance(source, dict):
        for item in _dicts(source.get("items")):
            if isinstance(item.get("fieldRef"), dict):
                _default_field_ref(item["fieldRef"])


def _copy_limits_to_requests(spec: dict[str, Any]) -> None:
    for name in ("containers", "initContainers"):
        for container in _dicts(spec.get(name)):
            resources = container.get("resources")
            if not isinstance(resources, dict) or not isinstance(resources.get("limits"), dict):
                continue
            requests = resources.get("requests")
            if not isinstance(requests, dict):
                requests = resources["requests"] = {}
            for key, value in resources["limits"].items():
                if key not in requests:
                    requests[key] = value


def _default_host_ports(spec: dict[str, Any]) -> None:
    for name in ("containers", "initContainers"):
        for container in _dicts(spec.get(name)):
            for port in _dicts(container.get("ports")):
                if not port.get("hostPort"):
                    port["hostPort"] = port.get("containerPort", 0)


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
