"""Pod spec and pod template validation (``ValidatePodSpec`` / ``ValidatePodTemplateSpec``).

Every workload embeds a pod template, so the mistakes users make most (a container without
an image, a volume mount naming no volume, a bad port or probe) are caught here, with the
paths and texts of ``pkg/apis/core/validation``. Pod updates are limited to the fields a
running Pod may change, as kube-apiserver enforces.
"""

from __future__ import annotations

from typing import Any

from gitops_tui.cluster.embedded.validation_fields import (
    FieldError,
    child,
    duplicate,
    forbidden,
    index,
    invalid,
    key,
    mapping,
    not_found,
    not_supported,
    required,
)
from gitops_tui.cluster.embedded.validation_meta import (
    semantic_equal,
    validate_annotations,
    validate_label_name,
    validate_label_selector,
    validate_labels,
)
from gitops_tui.cluster.embedded.validation_names import (
    inclusive_range_error,
    is_config_map_key,
    is_dns1123_label,
    is_http_header_name,
    is_qualified_name,
    is_valid_label_value,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns_subdomain,
)
from gitops_tui.cluster.embedded.validation_volumes import (
    field_selector,
    local_descending_path,
    quantity_value,
    validate_volumes,
)

MAX_INT32 = 2**31 - 1
PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
TOLERATION_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
ENV_FIELD_PATHS = sorted(
    {
        "metadata.name",
        "metadata.namespace",
        "metadata.uid",
        "spec.nodeName",
        "spec.serviceAccountName",
        "status.hostIP",
        "status.hostIPs",
        "status.podIP",
        "status.podIPs",
    }
)
RESOURCE_FIELD_PATHS = [
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
]
STANDARD_CONTAINER_RESOURCES = {"cpu", "memory", "ephemeral-storage"}
POD_UPDATE_MSG = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)

Errors = list[FieldError]


def validate_pod_template(template: Any, path: str) -> Errors:
    """ValidatePodTemplateSpec: labels, annotations and the pod spec of a workload template."""
    if not isinstance(template, dict):
        return [required(path)]
    meta = mapping(template.get("metadata"))
    errors = validate_labels(meta.get("labels"), child(path, "labels"))
    errors += validate_annotations(meta.get("annotations"), child(path, "annotations"))
    spec = mapping(template.get("spec"))
    errors += validate_pod_spec(spec, child(path, "spec"))
    if spec.get("ephemeralContainers"):
        errors.append(
            forbidden(
                child(child(path, "spec"), "ephemeralContainers"),
                "ephemeral containers not allowed in pod template",
            )
        )
    return errors


def validate_pod_spec(spec: dict[str, Any], path: str) -> Errors:
    volume_names, errors = validate_volumes(spec.get("volumes"), child(path, "volumes"))
    containers = spec.get("containers")
    errors += _containers(containers, volume_names, child(path, "containers"), set())
    regular_names = {str(c.get("name") or "") for c in _dicts(containers)}
    init_path = child(path, "initContainers")
    errors += _containers(spec.get("initContainers"), volume_names, init_path, regular_names)
    errors += _one_of(spec.get("restartPolicy"), RESTART_POLICIES, child(path, "restartPolicy"))
    errors += _one_of(spec.get("dnsPolicy"), DNS_POLICIES, child(path, "dnsPolicy"))
    errors += validate_labels(spec.get("nodeSelector"), child(path, "nodeSelector"))
    errors += _affinity(spec.get("affinity"), child(path, "affinity"))
    errors += _topology_spread(spec.get("topologySpreadConstraints"), path)
    account = spec.get("serviceAccountName")
    if isinstance(account, str) and account:
        errors += [
            invalid(child(path, "serviceAccountName"), account, msg)
            for msg in name_is_dns_subdomain(account, False)
        ]
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= MAX_INT32:
        errors.append(
            invalid(
                child(path, "activeDeadlineSeconds"), deadline, inclusive_range_error(1, MAX_INT32)
            )
        )
    for name in ("hostname", "subdomain"):
        value = spec.get(name)
        if isinstance(value, str) and value:
            errors += [invalid(child(path, name), value, msg) for msg in is_dns1123_label(value)]
    errors += _tolerations(spec.get("tolerations"), child(path, "tolerations"))
    return errors


def validate_pod_update(new: dict[str, Any], old: dict[str, Any]) -> Errors:
    """The spec fields a running Pod may change, as ValidatePodUpdate allows."""
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    errors: Errors = []
    deadline, old_deadline = (
        spec.get("activeDeadlineSeconds"),
        old_spec.get("activeDeadlineSeconds"),
    )
    deadline_path = "spec.activeDeadlineSeconds"
    if isinstance(deadline, int):
        if not 0 <= deadline <= MAX_INT32:
            return [invalid(deadline_path, deadline, inclusive_range_error(0, MAX_INT32))]
        if isinstance(old_deadline, int) and old_deadline < deadline:
            return [
                invalid(deadline_path, deadline, "must be less than or equal to previous value")
            ]
    elif old_deadline is not None:
        errors.append(
            invalid(deadline_path, None, "must not update from a positive integer to nil value")
        )
    if not semantic_equal(_munged_spec(spec, old_spec), old_spec):
        errors.append(forbidden("spec", POD_UPDATE_MSG))
    return errors


def _munged_spec(spec: dict[str, Any], old_spec: dict[str, Any]) -> dict[str, Any]:
    """The new spec with every field a Pod update may change copied from the old one."""
    munged = dict(spec)
    for name in ("containers", "initContainers"):
        new_list, old_list = spec.get(name) or [], old_spec.get(name) or []
        if len(new_list) == len(old_list):
            munged[name] = [
                {**n, "image": o.get("image")} if isinstance(n, dict) and isinstance(o, dict) else n
                for n, o in zip(new_list, old_list, strict=True)
            ]
    for name in ("activeDeadlineSeconds", "schedulingGates", "ephemeralContainers"):
        if name in old_spec:
            munged[name] = old_spec[name]
        else:
            munged.pop(name, None)
    old_tolerations = old_spec.get("tolerations") or []
    new_tolerations = spec.get("tolerations") or []
    if all(t in new_tolerations for t in old_tolerations):
        munged["tolerations"] = old_tolerations
    if (old_spec.get("terminationGracePeriodSeconds") or 0) < 0:
        munged["terminationGracePeriodSeconds"] = old_spec["terminationGracePeriodSeconds"]
    return munged


def _one_of(value: Any, allowed: list[str], path: str) -> Errors:
    if value in (None, ""):
        return [required(path)]
    if value not in allowed:
        return [not_supported(path, value, allowed)]
    return []


def _containers(containers: Any, volumes: set[str], path: str, taken: set[str]) -> Errors:
    """Regular containers (``taken`` empty) or init containers (``taken``: regular names)."""
    regular = path.endswith(".containers")
    errors: Errors = []
    if regular and not containers:
        errors.append(required(path))
    names = set(taken)
    for position, container in enumerate(_dicts(containers)):
        item_path = index(path, position)
        errors += _container(container, volumes, item_path)
        name = container.get("name") or ""
        if name in names:
            errors.append(duplicate(child(item_path, "name"), name))
        names.add(name)
        if regular or container.get("restartPolicy") == "Always":
            errors += _probes(container, item_path)
        else:
            errors += _init_probes_forbidden(container, item_path)
    return errors


def _init_probes_forbidden(container: dict[str, Any], path: str) -> Errors:
    return [
        forbidden(
            child(path, name), "may not be set for init containers without restartPolicy=Always"
        )
        for name in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")
        if container.get(name) is not None
    ]


def _container(container: dict[str, Any], volumes: set[str], path: str) -> Errors:
    name = container.get("name") or ""
    name_path = child(path, "name")
    errors = (
        [required(name_path)]
        if not name
        else [invalid(name_path, name, msg) for msg in is_dns1123_label(name)]
    )
    if not container.get("image"):
        errors.append(required(child(path, "image")))
    errors += _one_of(
        container.get("terminationMessagePolicy"),
        TERMINATION_MESSAGE_POLICIES,
        child(path, "terminationMessagePolicy"),
    )
    errors += _ports(container.get("ports"), child(path, "ports"))
    errors += _env(container.get("env"), child(path, "env"))
    errors += _env_from(container.get("envFrom"), child(path, "envFrom"))
    errors += _volume_mounts(container.get("volumeMounts"), volumes, child(path, "volumeMounts"))
    errors += _pull_policy(container.get("imagePullPolicy"), child(path, "imagePullPolicy"))
    errors += _resources(container.get("resources"), child(path, "resources"))
    return errors


def _pull_policy(value: Any, path: str) -> Errors:
    if not value:
        return [required(path)]
    return [] if value in PULL_POLICIES else [not_supported(path, value, PULL_POLICIES)]


def _ports(ports: Any, path: str) -> Errors:
    errors: Errors = []
    names: set[str] = set()
    for position, port in enumerate(_dicts(ports)):
        item_path = index(path, position)
        name = port.get("name")
        if isinstance(name, str) and name:
            messages = is_valid_port_name(name)
            if messages:
                errors += [invalid(child(item_path, "name"), name, msg) for msg in messages]
            elif name in names:
                errors.append(duplicate(child(item_path, "name"), name))
            names.add(name)
        number = port.get("containerPort")
        if not number:
            errors.append(required(child(item_path, "containerPort")))
        elif isinstance(number, int):
            errors += [
                invalid(child(item_path, "containerPort"), number, msg)
                for msg in is_valid_port_num(number)
            ]
        host_port = port.get("hostPort")
        if isinstance(host_port, int) and host_port:
            errors += [
                invalid(child(item_path, "hostPort"), host_port, msg)
                for msg in is_valid_port_num(host_port)
            ]
        errors += _protocol(port.get("protocol"), child(item_path, "protocol"))
    return errors


def _protocol(value: Any, path: str) -> Errors:
    if not value:
        return [required(path)]
    return [] if value in PORT_PROTOCOLS else [not_supported(path, value, PORT_PROTOCOLS)]


def _env(env: Any, path: str) -> Errors:
    errors: Errors = []
    for position, var in enumerate(_dicts(env)):
        item_path = index(path, position)
        name = var.get("name") or ""
        if not name:
            errors.append(required(child(item_path, "name")))
        elif any(not (" " <= c <= "~") or c == "=" for c in name):
            errors.append(
                invalid(
                    child(item_path, "name"),
                    name,
                    "a valid environment variable name must consist only of printable ASCII "
                    "characters other than '='",
                )
            )
        if isinstance(var.get("valueFrom"), dict):
            errors += _env_value_from(var, child(item_path, "valueFrom"))
    return errors


def _env_value_from(var: dict[str, Any], path: str) -> Errors:
    source = var["valueFrom"]
    errors: Errors = []
    present = [name for name in source if source[name] is not None]
    if isinstance(source.get("fieldRef"), dict):
        errors += field_selector(source["fieldRef"], child(path, "fieldRef"), ENV_FIELD_PATHS)
    if isinstance(source.get("resourceFieldRef"), dict):
        errors += _resource_field(source["resourceFieldRef"], child(path, "resourceFieldRef"))
    for kind in ("configMapKeyRef", "secretKeyRef"):
        if isinstance(source.get(kind), dict):
            errors += _key_selector(source[kind], child(path, kind))
    if not present:
        errors.append(
            invalid(
                path,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                "`secretKeyRef`",
            )
        )
    elif var.get("value"):
        errors.append(invalid(path, "", "may not be specified when `value` is not empty"))
    elif len(present) > 1:
        errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors


def _resource_field(selector: dict[str, Any], path: str) -> Errors:
    resource = selector.get("resource") or ""
    if not resource:
        return [required(child(path, "resource"))]
    if resource not in RESOURCE_FIELD_PATHS and not resource.split(".", 1)[-1].startswith(
        "hugepages-"
    ):
        return [not_supported(child(path, "resource"), resource, RESOURCE_FIELD_PATHS)]
    return []


def _key_selector(selector: dict[str, Any], path: str) -> Errors:
    errors: Errors = []
    name = selector.get("name") or ""
    if not name:
        errors.append(required(child(path, "name")))
    else:
        errors += [
            invalid(child(path, "name"), name, msg) for msg in name_is_dns_subdomain(name, False)
        ]
    item_key = selector.get("key") or ""
    if not item_key:
        errors.append(required(child(path, "key")))
    else:
        errors += [
            invalid(child(path, "key"), item_key, msg) for msg in is_config_map_key(item_key)
        ]
    return errors


def _env_from(sources: Any, path: str) -> Errors:
    errors: Errors = []
    for position, source in enumerate(_dicts(sources)):
        item_path = index(path, position)
        present = [k for k in ("configMapRef", "secretRef") if isinstance(source.get(k), dict)]
        for kind in present:
            name = source[kind].get("name") or ""
            ref_path = child(child(item_path, kind), "name")
            if not name:
                errors.append(required(ref_path))
            else:
                errors += [invalid(ref_path, name, m) for m in name_is_dns_subdomain(name, False)]
        if not present:
            errors.append(
                invalid(item_path, "", "must specify one of: `configMapRef` or `secretRef`")
            )
        elif len(present) > 1:
            errors.append(
                invalid(item_path, "", "may not have more than one field specified at a time")
            )
    return errors


def _volume_mounts(mounts: Any, volumes: set[str], path: str) -> Errors:
    errors: Errors = []
    mount_points: set[str] = set()
    for position, mount in enumerate(_dicts(mounts)):
        item_path = index(path, position)
        name = mount.get("name") or ""
        if not name:
            errors.append(required(child(item_path, "name")))
        if name not in volumes:
            errors.append(not_found(child(item_path, "name"), name))
        mount_path = mount.get("mountPath") or ""
        if not mount_path:
            errors.append(required(child(item_path, "mountPath")))
        if mount_path in mount_points:
            errors.append(invalid(child(item_path, "mountPath"), mount_path, "must be unique"))
        mount_points.add(mount_path)
        sub_path = mount.get("subPath")
        if sub_path:
            errors += local_descending_path(str(sub_path), child(path, "subPath"))
        expression = mount.get("subPathExpr")
        if expression:
            if sub_path:
                errors.append(
                    invalid(
                        child(item_path, "subPathExpr"),
                        expression,
                        "subPathExpr and subPath are mutually exclusive",
                    )
                )
            errors += local_descending_path(str(expression), child(path, "subPathExpr"))
    return errors


def _resources(resources: Any, path: str) -> Errors:
    if not isinstance(resources, dict):
        return []
    errors: Errors = []
    limits = mapping(resources.get("limits"))
    requests = mapping(resources.get("requests"))
    for kind, values in (("limits", limits), ("requests", requests)):
        for name in sorted(values):
            entry_path = key(child(path, kind), name)
            errors += _resource_name(name, entry_path)
            if quantity_value(values[name]) < 0:
                errors.append(
                    invalid(entry_path, str(values[name]), "must be greater than or equal to 0")
                )
    for name in sorted(requests):
        if name in limits and quantity_value(requests[name]) > quantity_value(limits[name]):
            errors.append(
                invalid(
                    child(path, "requests"),
                    str(requests[name]),
                    f"must be less than or equal to {name} limit of {limits[name]}",
                )
            )
    return errors


def _resource_name(name: str, path: str) -> Errors:
    if name in STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-"):
        return []
    if "/" in name and not name.startswith("kubernetes.io/") and not is_qualified_name(name):
        return []
    return [invalid(path, name, "must be a standard resource for containers")]


def _probes(container: dict[str, Any], path: str) -> Errors:
    """Liveness and startup probes need successThreshold 1; readiness has no grace period."""
    errors: Errors = []
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(name)
        if not isinstance(probe, dict):
            continue
        probe_path = child(path, name)
        errors += _probe(probe, probe_path)
        grace = probe.get("terminationGracePeriodSeconds")
        if name == "readinessProbe" and grace is not None:
            errors.append(
                invalid(
                    child(probe_path, "terminationGracePeriodSeconds"),
                    grace,
                    "must not be set for readinessProbes",
                )
            )
        success = probe.get("successThreshold")
        if name != "readinessProbe" and success not in (None, 1):
            errors.append(invalid(child(probe_path, "successThreshold"), success, "must be 1"))
    return errors


def _probe(probe: dict[str, Any], path: str) -> Errors:
    errors = _handler(probe, path)
    for name in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        value = probe.get(name)
        if isinstance(value, int) and value < 0:
            errors.append(invalid(child(path, name), value, "must be greater than or equal to 0"))
    grace = probe.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace <= 0:
        errors.append(
            invalid(child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0")
        )
    return errors


def _handler(handler: dict[str, Any], path: str) -> Errors:
    kinds = [
        k for k in ("exec", "httpGet", "tcpSocket", "grpc") if isinstance(handler.get(k), dict)
    ]
    if not kinds:
        return [required(path, "must specify a handler type")]
    errors = [
        forbidden(child(path, k), "may not specify more than 1 handler type") for k in kinds[1:]
    ]
    kind = kinds[0]
    action, action_path = handler[kind], child(path, kind)
    if kind == "exec" and not action.get("command"):
        errors.append(required(child(action_path, "command")))
    if kind in ("httpGet", "tcpSocket"):
        errors += port_num_or_name(action.get("port"), child(action_path, "port"))
    if kind == "httpGet":
        errors += _http_get(action, action_path)
    if kind == "grpc":
        port = action.get("port")
        if isinstance(port, int):
            errors += [
                invalid(child(action_path, "port"), port, m) for m in is_valid_port_num(port)
            ]
    return errors


def _http_get(action: dict[str, Any], path: str) -> Errors:
    errors: Errors = []
    if not action.get("path"):
        errors.append(required(child(path, "path")))
    scheme = action.get("scheme")
    if scheme not in ("HTTP", "HTTPS"):
        errors.append(not_supported(child(path, "scheme"), scheme or "", ["HTTP", "HTTPS"]))
    for position, header in enumerate(_dicts(action.get("httpHeaders"))):
        header_name = str(header.get("name") or "")
        header_path = child(index(child(path, "httpHeaders"), position), "name")
        errors += [invalid(header_path, header_name, m) for m in is_http_header_name(header_name)]
    return errors


def port_num_or_name(port: Any, path: str) -> Errors:
    """ValidatePortNumOrName, shared with Service target ports."""
    if isinstance(port, int) and not isinstance(port, bool):
        return [invalid(path, port, msg) for msg in is_valid_port_num(port)]
    if isinstance(port, str):
        return [invalid(path, port, msg) for msg in is_valid_port_name(port)]
    return [invalid(path, 0, msg) for msg in is_valid_port_num(0)]


def _tolerations(tolerations: Any, path: str) -> Errors:
    errors: Errors = []
    for position, toleration in enumerate(_dicts(tolerations)):
        item_path = index(path, position)
        toleration_key = toleration.get("key") or ""
        operator = toleration.get("operator") or ""
        if toleration_key:
            errors += validate_label_name(toleration_key, child(item_path, "key"))
        if not toleration_key and operator != "Exists":
            errors.append(
                invalid(
                    child(item_path, "operator"),
                    operator,
                    'operator must be Exists when `key` is empty, which means "match all values '
                    'and all keys"',
                )
            )
        if (
            toleration.get("tolerationSeconds") is not None
            and toleration.get("effect") != "NoExecute"
        ):
            errors.append(
                invalid(
                    child(item_path, "effect"),
                    toleration.get("effect") or "",
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        value = str(toleration.get("value") or "")
        if operator in ("", "Equal"):
            messages = is_valid_label_value(value)
            if messages:
                errors.append(invalid(child(item_path, "operator"), value, ";".join(messages)))
        elif operator == "Exists":
            if value:
                errors.append(
                    invalid(
                        child(item_path, "operator"),
                        toleration,
                        "value must be empty when `operator` is 'Exists'",
                    )
                )
        else:
            errors.append(
                not_supported(child(item_path, "operator"), operator, ["Equal", "Exists"])
            )
        effect = toleration.get("effect")
        if effect and effect not in TOLERATION_EFFECTS:
            errors.append(not_supported(child(item_path, "effect"), effect, TOLERATION_EFFECTS))
    return errors


def _affinity(affinity: Any, path: str) -> Errors:
    errors: Errors = []
    if not isinstance(affinity, dict):
        return errors
    for kind in ("podAffinity", "podAntiAffinity"):
        rules = affinity.get(kind)
        if not isinstance(rules, dict):
            continue
        kind_path = child(path, kind)
        required_terms = rules.get("requiredDuringSchedulingIgnoredDuringExecution")
        for position, term in enumerate(_dicts(required_terms)):
            term_path = index(
                child(kind_path, "requiredDuringSchedulingIgnoredDuringExecution"), position
            )
            errors += _affinity_term(term, term_path)
        preferred = rules.get("preferredDuringSchedulingIgnoredDuringExecution")
        for position, weighted in enumerate(_dicts(preferred)):
            weighted_path = index(
                child(kind_path, "preferredDuringSchedulingIgnoredDuringExecution"), position
            )
            weight = weighted.get("weight")
            if isinstance(weight, int) and not 1 <= weight <= 100:
                errors.append(
                    invalid(child(weighted_path, "weight"), weight, "must be in the range 1-100")
                )
            weighted_term = weighted.get("podAffinityTerm")
            if isinstance(weighted_term, dict):
                errors += _affinity_term(weighted_term, child(weighted_path, "podAffinityTerm"))
    return errors


def _affinity_term(term: dict[str, Any], path: str) -> Errors:
    errors = validate_label_selector(term.get("labelSelector"), child(path, "labelSelector"))
    errors += validate_label_selector(
        term.get("namespaceSelector"), child(path, "namespaceSelector")
    )
    topology_key = str(term.get("topologyKey") or "")
    if not topology_key:
        errors.append(required(child(path, "topologyKey"), "can not be empty"))
    return errors + validate_label_name(topology_key, child(path, "topologyKey"))


def _topology_spread(constraints: Any, path: str) -> Errors:
    errors: Errors = []
    for position, constraint in enumerate(_dicts(constraints)):
        item_path = index(child(path, "topologySpreadConstraints"), position)
        skew = constraint.get("maxSkew")
        if not isinstance(skew, int) or skew <= 0:
            errors.append(
                invalid(child(item_path, "maxSkew"), skew or 0, "must be greater than zero")
            )
        if not constraint.get("topologyKey"):
            errors.append(required(child(item_path, "topologyKey"), "can not be empty"))
        when = constraint.get("whenUnsatisfiable") or ""
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            errors.append(
                not_supported(
                    child(item_path, "whenUnsatisfiable"), when, ["DoNotSchedule", "ScheduleAnyway"]
                )
            )
    return errors


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
