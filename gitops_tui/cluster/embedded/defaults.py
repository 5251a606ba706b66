"""Defaulting of every object the embedded cluster stores, as kube-apiserver v1.37 does on decode.

What a client reads back after a create or an update is what it sent plus the defaults of
``pkg/apis/*/v1/defaults.go`` (and the generated defaulters), with quantities canonical and
unknown fields gone. kubectl, Argo CD and Flux compare that with their manifests, and the
built-in controllers act on the defaulted fields (``replicas``, ``strategy``, ``restartPolicy``),
so the defaults here are the real ones, field for field. Custom resources get the ``default``
values of their CRD's structural schema. Allocation (cluster IPs, node ports), Namespace
finalizers and Job selectors are not defaults: the API layer does them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from gitops_tui.cluster.embedded.defaults_decode import (
    decode_builtin,
    drop_non_nullable_nulls,
    prune_custom,
)
from gitops_tui.cluster.embedded.defaults_pod import (
    default_claim_template,
    default_pod,
    default_pod_template,
)
from gitops_tui.cluster.embedded.registry import ResourceType
from gitops_tui.cluster.embedded.schema import SchemaNode

RBAC_GROUP = "rbac.authorization.k8s.io"
MAX_INT32 = 2**31 - 1

#: Status structs (always serialized) and their fields without ``omitempty``, at zero value.
EMPTY_STATUS: dict[str, dict[str, Any]] = {
    "Deployment": {},
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0, "availableReplicas": 0},
    "DaemonSet": {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    },
    "Job": {},
    "CronJob": {},
    "Service": {"loadBalancer": {}},
    "Ingress": {"loadBalancer": {}},
    "HorizontalPodAutoscaler": {"currentMetrics": None, "desiredReplicas": 0},
    "PodDisruptionBudget": {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0,
    },
}
#: Kinds whose ``spec`` is a Go struct value, serialized even when empty.
SPEC_KINDS = frozenset(EMPTY_STATUS) | {"Pod", "Namespace", "CustomResourceDefinition"}


def apply_defaults(rt: ResourceType, obj: dict[str, Any]) -> None:
    """Decode effects plus defaults, in place (see the module docstring)."""
    schema = rt.schema()
    if rt.crd is not None:
        prune_custom(schema, obj)
        default_structural(schema, obj)
        drop_non_nullable_nulls(schema, obj)
        return
    decode_builtin(schema, obj)
    _materialize(rt.kind, obj)
    kind_defaults = KIND_DEFAULTS.get(rt.kind)
    if kind_defaults is not None:
        kind_defaults(obj)


def default_structural(schema: SchemaNode, value: Any) -> None:
    """apiextensions' structural defaulting: fill absent (or non-nullable null) fields."""
    if isinstance(value, dict):
        if schema.is_open:
            return
        for name, raw in schema.properties.items():
            if "default" in raw and _absent_or_null(value, name, raw):
                value[name] = _copy_json(raw["default"])
        extra = schema.raw.get("additionalProperties")
        for key, item in value.items():
            child = schema.field(key)
            if child is None:
                continue
            if isinstance(extra, dict) and _needs_extra_default(schema, key, item, extra):
                value[key] = item = _copy_json(extra["default"])
            default_structural(child, item)
    elif isinstance(value, list):
        items = schema.items()
        for index, item in enumerate(value):
            if item is None and not items.raw.get("nullable") and "default" in items.raw:
                value[index] = _copy_json(items.raw["default"])
            default_structural(items, value[index])


def _needs_extra_default(schema: SchemaNode, key: str, item: Any, extra: dict[str, Any]) -> bool:
    """A null map value of a non-nullable additionalProperties schema that has a default."""
    return (
        key not in schema.properties
        and item is None
        and not extra.get("nullable")
        and "default" in extra
    )


def _absent_or_null(obj: dict[str, Any], name: str, raw: dict[str, Any]) -> bool:
    return name not in obj or (obj[name] is None and not raw.get("nullable"))


def _copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


def _materialize(kind: str, obj: dict[str, Any]) -> None:
    """Struct fields Go always serializes: ``metadata``, ``spec`` and zero-valued status."""
    _dict(obj, "metadata")
    if kind in SPEC_KINDS:
        _dict(obj, "spec")
    if kind in EMPTY_STATUS:
        status = _dict(obj, "status")
        for name, zero in EMPTY_STATUS[kind].items():
            status.setdefault(name, zero)


def _dict(parent: dict[str, Any], name: str) -> dict[str, Any]:
    """``parent[name]`` as a dict, created empty when absent (a Go struct value)."""
    value = parent.get(name)
    if not isinstance(value, dict):
        value = parent[name] = {}
    return value


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _template(spec: dict[str, Any]) -> None:
    default_pod_template(_dict(spec, "template"))


def _deployment(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("replicas", 1)
    strategy = _dict(spec, "strategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _template(spec)


def _replica_set(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("replicas", 1)
    _template(spec)


def _stateful_set(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    strategy = _dict(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        _dict(strategy, "rollingUpdate")
    rolling = strategy.get("rollingUpdate")
    if strategy["type"] == "RollingUpdate" and isinstance(rolling, dict):
        rolling.setdefault("partition", 0)
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")
    for name in ("whenDeleted", "whenScaled"):
        if not retention.get(name):
            retention[name] = "Retain"
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    for claim in _dicts(spec.get("volumeClaimTemplates")):
        claim["apiVersion"], claim["kind"] = "v1", "PersistentVolumeClaim"
        default_claim_template(claim, with_status=True)
    _template(spec)


def _daemon_set(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    strategy = _dict(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    _template(spec)


def _job(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    if not spec.get("completionMode"):
        spec["completionMode"] = "NonIndexed"
    spec.setdefault("suspend", False)
    failure_policy = spec.get("podFailurePolicy")
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = "Failed" if failure_policy else "TerminatingOrFailed"
    if isinstance(failure_policy, dict):
        for rule in _dicts(failure_policy.get("rules")):
            for pattern in _dicts(rule.get("onPodConditions")):
                if not pattern.get("status"):
                    pattern["status"] = "True"
    _template(spec)
    meta = _dict(obj, "metadata")
    template_labels = _dict(spec, "template")["metadata"].get("labels")
    if template_labels and not meta.get("labels"):
        meta["labels"] = dict(template_labels)


def _cron_job(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = _dict(spec, "jobTemplate")
    _dict(job_template, "metadata")
    _template(_dict(job_template, "spec"))


def _service(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _dict(spec, "sessionAffinityConfig").get("clientIP")
        if not isinstance(client_ip, dict) or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for port in _dicts(spec.get("ports")):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port", 0)
    service_type = spec["type"]
    externally_accessible = service_type in ("LoadBalancer", "NodePort") or (
        service_type == "ClusterIP" and bool(spec.get("externalIPs"))
    )
    if externally_accessible and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and service_type != "ExternalName":
        spec["internalTrafficPolicy"] = "Cluster"
    if service_type == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if service_type != "ExternalName":
        _default_ip_families(spec)


def _default_ip_families(spec: dict[str, Any]) -> None:
    """What the Service REST storage sets on a single-stack IPv4 cluster."""
    if not spec.get("ipFamilyPolicy"):
        headless_without_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
        spec["ipFamilyPolicy"] = "RequireDualStack" if headless_without_selector else "SingleStack"
    if not spec.get("ipFamilies"):
        spec["ipFamilies"] = ["IPv4"]


def _endpoints(obj: dict[str, Any]) -> None:
    for subset in _dicts(obj.get("subsets")):
        for port in _dicts(subset.get("ports")):
            if not port.get("protocol"):
                port["protocol"] = "TCP"


def _secret(obj: dict[str, Any]) -> None:
    """Type ``Opaque``; ``stringData`` is write-only and merged into ``data`` on decode."""
    if not obj.get("type"):
        obj["type"] = "Opaque"
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = _dict(obj, "data")
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _namespace(obj: dict[str, Any]) -> None:
    name = _dict(obj, "metadata").get("name")
    if name:
        _dict(obj["metadata"], "labels")["kubernetes.io/metadata.name"] = name
    status = _dict(obj, "status")
    if not status.get("phase"):
        status["phase"] = "Active"


def _role(obj: dict[str, Any]) -> None:
    obj.setdefault("rules", None)


def _role_binding(obj: dict[str, Any]) -> None:
    role_ref = _dict(obj, "roleRef")
    if not role_ref.get("apiGroup"):
        role_ref["apiGroup"] = RBAC_GROUP
    for subject in _dicts(obj.get("subjects")):
        if not subject.get("apiGroup"):
            if subject.get("kind") == "ServiceAccount":
                subject["apiGroup"] = ""
            elif subject.get("kind") in ("User", "Group"):
                subject["apiGroup"] = RBAC_GROUP


def _horizontal_pod_autoscaler(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        behavior["scaleUp"] = _scaling_rules(behavior.get("scaleUp"), scale_up=True)
        behavior["scaleDown"] = _scaling_rules(behavior.get("scaleDown"), scale_up=False)


def _scaling_rules(given: Any, *, scale_up: bool) -> dict[str, Any]:
    """GenerateHPAScaleUpRules / GenerateHPAScaleDownRules."""
    rules: dict[str, Any]
    if scale_up:
        rules = {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15},
            ],
        }
    else:
        rules = {
            "selectPolicy": "Max",
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
        }
    if isinstance(given, dict):
        for name in ("selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"):
            if given.get(name) is not None:
                rules[name] = given[name]
    return rules


def _custom_resource_definition(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    names = _dict(spec, "names")
    kind = names.get("kind") or ""
    if not names.get("singular"):
        names["singular"] = kind.lower()
    if not names.get("listKind") and kind:
        names["listKind"] = kind + "List"
    conversion = spec.get("conversion")
    if not isinstance(conversion, dict):
        conversion = spec["conversion"] = {"strategy": "None"}
    webhook = conversion.get("webhook")
    if isinstance(webhook, dict):
        client_config = webhook.get("clientConfig")
        if isinstance(client_config, dict) and isinstance(client_config.get("service"), dict):
            client_config["service"].setdefault("port", 443)


def _event(obj: dict[str, Any]) -> None:
    _dict(obj, "involvedObject")
    _dict(obj, "source")
    for name in ("firstTimestamp", "lastTimestamp", "eventTime"):
        obj.setdefault(name, None)
    for name in ("reportingComponent", "reportingInstance"):
        obj.setdefault(name, "")


KIND_DEFAULTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "Pod": default_pod,
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "StatefulSet": _stateful_set,
    "DaemonSet": _daemon_set,
    "Job": _job,
    "CronJob": _cron_job,
    "Service": _service,
    "Endpoints": _endpoints,
    "Secret": _secret,
    "Namespace": _namespace,
    "Role": _role,
    "ClusterRole": _role,
    "RoleBinding": _role_binding,
    "ClusterRoleBinding": _role_binding,
    "HorizontalPodAutoscaler": _horizontal_pod_autoscaler,
    "CustomResourceDefinition": _custom_resource_definition,
    "Event": _event,
}
