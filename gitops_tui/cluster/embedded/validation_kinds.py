"""Validation of the non-workload kinds: core/v1 objects, Ingress, RBAC, HPA, PDB and CRDs.

Each function mirrors the kind's ``Validate``/``ValidateUpdate`` in kube-apiserver (the
checks a manifest realistically fails: Service ports, Secret types, immutable ConfigMaps,
Ingress path types, RoleBinding role references, CRD names and versions), with the same
field paths and messages.
"""

from __future__ import annotations

import base64
import binascii
import json
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
    not_supported,
    required,
    too_long,
)
from gitops_tui.cluster.embedded.validation_meta import (
    validate_immutable,
    validate_label_selector,
    validate_labels,
)
from gitops_tui.cluster.embedded.validation_names import (
    is_config_map_key,
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_percent,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns_label,
    name_is_dns_subdomain,
    name_is_path_segment,
)
from gitops_tui.cluster.embedded.validation_pod import port_num_or_name

Errors = list[FieldError]
MAX_SECRET_SIZE = 1024 * 1024
IMMUTABLE_SET = "field is immutable when `immutable` is set"
RBAC_GROUP = "rbac.authorization.k8s.io"
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")
SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]
SECRET_REQUIRED_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def validate_namespace(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    errors: Errors = []
    finalizers = (obj.get("spec") or {}).get("finalizers") or []
    for name in finalizers if isinstance(finalizers, list) else ():
        if not isinstance(name, str):
            continue
        errors += [invalid("spec.finalizers", name, msg) for msg in is_qualified_name(name)]
        if "/" not in name and name not in STANDARD_FINALIZERS:
            errors.append(
                invalid(
                    "spec.finalizers",
                    name,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errors


def validate_config_map(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    data = mapping(obj.get("data"))
    binary = mapping(obj.get("binaryData"))
    errors: Errors = []
    for name in data:
        errors += [invalid(key("data", name), name, msg) for msg in is_config_map_key(name)]
        if name in binary:
            errors.append(
                invalid(key("data", name), name, "duplicate of key present in binaryData")
            )
    for name in binary:
        errors += [invalid(key("binaryData", name), name, msg) for msg in is_config_map_key(name)]
        if name in data:
            errors.append(
                invalid(key("binaryData", name), name, "duplicate of key present in data")
            )
    size = sum(len(str(v).encode()) for v in data.values()) + sum(
        len(str(v)) * 3 // 4 for v in binary.values()
    )
    if size > MAX_SECRET_SIZE:
        errors.append(too_long("", MAX_SECRET_SIZE))
    if old is not None and old.get("immutable"):
        errors += _immutable_contents(obj, old, ("data", "binaryData"))
    return errors


def validate_secret(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    data = mapping(obj.get("data"))
    errors: Errors = []
    for name in data:
        errors += [invalid(key("data", name), name, msg) for msg in is_config_map_key(name)]
    if sum(len(str(v)) * 3 // 4 for v in data.values()) > MAX_SECRET_SIZE:
        errors.append(too_long("data", MAX_SECRET_SIZE))
    type_name = obj.get("type") or ""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if type_name == "kubernetes.io/service-account-token":
        if not annotations.get("kubernetes.io/service-account.name"):
            errors.append(
                required(key("metadata.annotations", "kubernetes.io/service-account.name"))
            )
    elif type_name == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errors += [required(key("data", "username")), required(key("data", "password"))]
    elif type_name in SECRET_REQUIRED_KEYS:
        errors += _secret_keys(type_name, data)
    if old is not None:
        errors += validate_immutable(type_name, old.get("type") or "", "type")
        if old.get("immutable"):
            errors += _immutable_contents(obj, old, ("data",))
    return errors


def _secret_keys(type_name: str, data: dict[str, Any]) -> Errors:
    errors: Errors = []
    for name in SECRET_REQUIRED_KEYS[type_name]:
        if name not in data or (type_name == "kubernetes.io/ssh-auth" and not data[name]):
            errors.append(required(key("data", name)))
            if type_name != "kubernetes.io/tls":
                return errors
        elif name in (".dockercfg", ".dockerconfigjson"):
            errors += _docker_config(str(data[name]), key("data", name))
    return errors


def _docker_config(encoded: str, path: str) -> Errors:
    try:
        json.loads(base64.b64decode(encoded))
    except (ValueError, binascii.Error) as exc:
        return [invalid(path, "<secret contents redacted>", str(exc))]
    return []


def _immutable_contents(
    obj: dict[str, Any], old: dict[str, Any], fields: tuple[str, ...]
) -> Errors:
    errors: Errors = []
    if not obj.get("immutable"):
        errors.append(forbidden("immutable", IMMUTABLE_SET))
    for name in fields:
        if (obj.get(name) or {}) != (old.get(name) or {}):
            errors.append(forbidden(name, IMMUTABLE_SET))
    return errors


def validate_service(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec = mapping(obj.get("spec"))
    errors: Errors = []
    service_type = spec.get("type") or ""
    ports = [p for p in spec.get("ports") or () if isinstance(p, dict)]
    headless = spec.get("clusterIP") == "None"
    if not ports and not headless and service_type != "ExternalName":
        errors.append(required("spec.ports"))
    if service_type == "ExternalName":
        external = spec.get("externalName") or ""
        if not external:
            errors.append(required("spec.externalName"))
        else:
            errors += [
                invalid("spec.externalName", external, m) for m in is_dns1123_subdomain(external)
            ]
    seen_names: set[str] = set()
    seen_ports: set[tuple[Any, Any]] = set()
    for position, port in enumerate(ports):
        port_path = index("spec.ports", position)
        errors += _service_port(port, port_path, len(ports) > 1, seen_names, service_type)
        port_key = (port.get("port"), port.get("protocol"))
        if port_key in seen_ports:
            errors.append(duplicate(port_path, {"port": port_key[0], "protocol": port_key[1]}))
        seen_ports.add(port_key)
    if service_type not in SERVICE_TYPES:
        errors.append(not_supported("spec.type", service_type, SERVICE_TYPES))
    affinity = spec.get("sessionAffinity")
    if affinity not in ("ClientIP", "None"):
        errors.append(not_supported("spec.sessionAffinity", affinity or "", ["ClientIP", "None"]))
    errors += validate_labels(spec.get("selector"), "spec.selector")
    if old is not None:
        errors += _cluster_ips_update(spec, old.get("spec") or {})
    return errors


def _service_port(
    port: dict[str, Any], path: str, named: bool, seen: set[str], service_type: str
) -> Errors:
    errors: Errors = []
    name = port.get("name") or ""
    if named and not name:
        errors.append(required(child(path, "name")))
    elif name:
        errors += [invalid(child(path, "name"), name, msg) for msg in is_dns1123_label(name)]
        if name in seen:
            errors.append(duplicate(child(path, "name"), name))
        seen.add(name)
    number = port.get("port")
    if isinstance(number, int):
        errors += [invalid(child(path, "port"), number, msg) for msg in is_valid_port_num(number)]
    protocol = port.get("protocol")
    if not protocol:
        errors.append(required(child(path, "protocol")))
    elif protocol not in ("SCTP", "TCP", "UDP"):
        errors.append(not_supported(child(path, "protocol"), protocol, ["SCTP", "TCP", "UDP"]))
    errors += port_num_or_name(port.get("targetPort"), child(path, "targetPort"))
    if service_type == "ClusterIP" and port.get("nodePort"):
        errors.append(
            forbidden(child(path, "nodePort"), "may not be used when `type` is 'ClusterIP'")
        )
    return errors


def _cluster_ips_update(spec: dict[str, Any], old_spec: dict[str, Any]) -> Errors:
    """validateUpgradeDowngradeClusterIPs: an allocated primary cluster IP never changes."""
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    if spec.get("clusterIP") == "None" and old_spec.get("clusterIP") == "None":
        return []
    new_ips, old_ips = list(spec.get("clusterIPs") or []), list(old_spec.get("clusterIPs") or [])
    cluster_ip = spec.get("clusterIP") or ""
    if cluster_ip and cluster_ip != old_spec.get("clusterIP") and new_ips == old_ips:
        new_ips = [cluster_ip]  # NormalizeClusterIPs: the singular field was edited
    path = "spec.clusterIPs[0]"
    if len(new_ips) == len(old_ips):
        return [
            invalid(index("spec.clusterIPs", i), new_ips, "may not change once set")
            for i, ip in enumerate(old_ips)
            if ip != new_ips[i]
        ]
    if len(old_ips) > len(new_ips):
        if not new_ips:
            return [invalid(path, new_ips, "primary clusterIP can not be unset")]
        if new_ips[0] != old_ips[0]:
            return [invalid(path, new_ips, "may not change once set")]
        return []
    if old_ips and new_ips[0] != old_ips[0]:
        return [invalid(path, new_ips, "may not change once set")]
    return []


def validate_endpoints(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    errors: Errors = []
    for number, subset in enumerate(obj.get("subsets") or ()):
        if not isinstance(subset, dict):
            continue
        ports = [p for p in subset.get("ports") or () if isinstance(p, dict)]
        for position, port in enumerate(ports):
            path = index(child(index("subsets", number), "ports"), position)
            name = port.get("name") or ""
            if len(ports) > 1 and not name:
                errors.append(required(child(path, "name")))
            elif name:
                errors += [invalid(child(path, "name"), name, m) for m in is_dns1123_label(name)]
            value = port.get("port")
            if isinstance(value, int):
                errors += [invalid(child(path, "port"), value, m) for m in is_valid_port_num(value)]
    return errors


def validate_event(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    involved = mapping(obj.get("involvedObject"))
    involved_namespace = involved.get("namespace") or ""
    mismatch = (
        namespace not in ("", "default")
        if not involved_namespace
        else namespace != involved_namespace
    )
    if mismatch:
        return [
            invalid(
                "involvedObject.namespace", involved_namespace, "does not match event.namespace"
            )
        ]
    return []


def validate_ingress(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec = mapping(obj.get("spec"))
    errors: Errors = []
    rules = spec.get("rules")
    if not rules and spec.get("defaultBackend") is None:
        errors.append(
            invalid("spec.rules", rules, "either `defaultBackend` or `rules` must be specified")
        )
    if isinstance(spec.get("defaultBackend"), dict):
        errors += _ingress_backend(spec["defaultBackend"], "spec.defaultBackend")
    for position, rule in enumerate(rules if isinstance(rules, list) else ()):
        if isinstance(rule, dict):
            errors += _ingress_rule(rule, index("spec.rules", position))
    return errors


def _ingress_rule(rule: dict[str, Any], path: str) -> Errors:
    errors: Errors = []
    host = rule.get("host") or ""
    if host:
        wildcard = host.startswith("*.")
        checked = host[2:] if wildcard else host
        errors += [invalid(child(path, "host"), host, msg) for msg in is_dns1123_subdomain(checked)]
    http = rule.get("http")
    if not isinstance(http, dict):
        return errors
    http_path = child(path, "http")
    paths = http.get("paths")
    if not paths:
        errors.append(required(child(http_path, "paths")))
    for position, item in enumerate(paths if isinstance(paths, list) else ()):
        if isinstance(item, dict):
            errors += _ingress_path(item, index(child(http_path, "paths"), position))
    return errors


def _ingress_path(item: dict[str, Any], path: str) -> Errors:
    errors: Errors = []
    path_type = item.get("pathType")
    value = item.get("path") or ""
    if not path_type:
        errors.append(required(child(path, "pathType"), "pathType must be specified"))
    elif path_type not in PATH_TYPES:
        errors.append(not_supported(child(path, "pathType"), path_type, PATH_TYPES))
    elif path_type in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errors.append(invalid(child(path, "path"), value, "must be an absolute path"))
        for fragment in ("//", "/./", "/../", "%2f", "%2F"):
            if fragment in value:
                errors.append(invalid(child(path, "path"), value, f"must not contain '{fragment}'"))
        for suffix in ("/..", "/."):
            if value.endswith(suffix):
                errors.append(invalid(child(path, "path"), value, f"cannot end with '{suffix}'"))
    elif value and not value.startswith("/"):
        errors.append(invalid(child(path, "path"), value, "must be an absolute path"))
    backend = item.get("backend")
    if isinstance(backend, dict):
        errors += _ingress_backend(backend, child(path, "backend"))
    else:
        errors.append(
            invalid(
                child(path, "backend"),
                "",
                "one backend (`service` or `resource`) must be specified",
            )
        )
    return errors


def _ingress_backend(backend: dict[str, Any], path: str) -> Errors:
    service, resource = backend.get("service"), backend.get("resource")
    if service is None and resource is None:
        return [invalid(path, "", "one backend (`service` or `resource`) must be specified")]
    if service is not None and resource is not None:
        return [invalid(path, "", "cannot set both `resource` and `service` backends")]
    if not isinstance(service, dict):
        return []
    errors: Errors = []
    name = service.get("name") or ""
    if not name:
        errors.append(required(child(path, "service.name")))
    else:
        errors += [
            invalid(child(path, "service.name"), name, m) for m in name_is_dns_label(name, False)
        ]
    port = mapping(service.get("port"))
    port_path = child(path, "service.port")
    port_name, number = port.get("name") or "", port.get("number") or 0
    if port_name and number:
        errors.append(invalid(port_path, port, "cannot set both port name & port number"))
    elif port_name:
        errors += [
            invalid(child(port_path, "name"), port_name, m) for m in is_valid_port_name(port_name)
        ]
    elif number:
        errors += [
            invalid(child(port_path, "number"), number, m) for m in is_valid_port_num(number)
        ]
    else:
        errors.append(required(port_path, "port name or number is required"))
    return errors


def validate_role(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    return _policy_rules(obj.get("rules"), namespaced=True)


def validate_cluster_role(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    errors = _policy_rules(obj.get("rules"), namespaced=False)
    aggregation = obj.get("aggregationRule")
    if isinstance(aggregation, dict):
        selectors = aggregation.get("clusterRoleSelectors")
        if not selectors:
            errors.append(
                required(
                    "aggregationRule.clusterRoleSelectors",
                    "at least one clusterRoleSelector required if aggregationRule is non-nil",
                )
            )
        for position, selector in enumerate(selectors if isinstance(selectors, list) else ()):
            selector_path = index("aggregationRule.clusterRoleSelectors", position)
            errors += validate_label_selector(selector, selector_path)
    return errors


def _policy_rules(rules: Any, *, namespaced: bool) -> Errors:
    errors: Errors = []
    for position, rule in enumerate(rules if isinstance(rules, list) else ()):
        if not isinstance(rule, dict):
            continue
        path = index("rules", position)
        if not rule.get("verbs"):
            errors.append(required(child(path, "verbs"), "verbs must contain at least one value"))
        urls = rule.get("nonResourceURLs")
        if urls:
            if namespaced:
                errors.append(
                    invalid(
                        child(path, "nonResourceURLs"),
                        urls,
                        "namespaced rules cannot apply to non-resource URLs",
                    )
                )
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                errors.append(
                    invalid(
                        child(path, "nonResourceURLs"),
                        urls,
                        "rules cannot apply to both regular resources and non-resource URLs",
                    )
                )
            continue
        if not rule.get("apiGroups"):
            errors.append(
                required(
                    child(path, "apiGroups"), "resource rules must supply at least one api group"
                )
            )
        if not rule.get("resources"):
            errors.append(
                required(
                    child(path, "resources"), "resource rules must supply at least one resource"
                )
            )
    return errors


def validate_role_binding(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    return _binding(obj, old, namespaced=True)


def validate_cluster_role_binding(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    return _binding(obj, old, namespaced=False)


def _binding(obj: dict[str, Any], old: dict[str, Any] | None, *, namespaced: bool) -> Errors:
    role_ref = mapping(obj.get("roleRef"))
    errors: Errors = []
    if role_ref.get("apiGroup") != RBAC_GROUP:
        errors.append(
            not_supported("roleRef.apiGroup", role_ref.get("apiGroup") or "", [RBAC_GROUP])
        )
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if role_ref.get("kind") not in kinds:
        errors.append(not_supported("roleRef.kind", role_ref.get("kind") or "", kinds))
    name = role_ref.get("name") or ""
    if not name:
        errors.append(required("roleRef.name"))
    else:
        errors += [invalid("roleRef.name", name, m) for m in name_is_path_segment(name, False)]
    for position, subject in enumerate(obj.get("subjects") or ()):
        if isinstance(subject, dict):
            errors += _subject(subject, index("subjects", position), namespaced)
    if old is not None:
        old_ref = old.get("roleRef") or {}
        if {k: role_ref.get(k, "") for k in ("apiGroup", "kind", "name")} != {
            k: old_ref.get(k, "") for k in ("apiGroup", "kind", "name")
        }:
            shown = {
                "APIGroup": role_ref.get("apiGroup", ""),
                "Kind": role_ref.get("kind", ""),
                "Name": role_ref.get("name", ""),
            }
            errors.append(invalid("roleRef", shown, "cannot change roleRef"))
    return errors


def _subject(subject: dict[str, Any], path: str, namespaced: bool) -> Errors:
    errors: Errors = []
    name = subject.get("name") or ""
    if not name:
        errors.append(required(child(path, "name")))
    kind = subject.get("kind")
    group = subject.get("apiGroup") or ""
    if kind == "ServiceAccount":
        if name:
            errors += [
                invalid(child(path, "name"), name, m) for m in name_is_dns_subdomain(name, False)
            ]
        if group:
            errors.append(not_supported(child(path, "apiGroup"), group, [""]))
        if not namespaced and not subject.get("namespace"):
            errors.append(required(child(path, "namespace")))
    elif kind in ("User", "Group"):
        if group != RBAC_GROUP:
            errors.append(not_supported(child(path, "apiGroup"), group, [RBAC_GROUP]))
    else:
        errors.append(
            not_supported(child(path, "kind"), kind or "", ["ServiceAccount", "User", "Group"])
        )
    return errors


def validate_hpa(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec = mapping(obj.get("spec"))
    errors: Errors = []
    minimum, maximum = spec.get("minReplicas"), spec.get("maxReplicas") or 0
    if isinstance(minimum, int) and minimum < 1:
        errors.append(invalid("spec.minReplicas", minimum, "must be greater than or equal to 1"))
    if maximum < 1:
        errors.append(invalid("spec.maxReplicas", maximum, "must be greater than 0"))
    if isinstance(minimum, int) and minimum > maximum:
        errors.append(
            invalid("spec.maxReplicas", maximum, "must be greater than or equal to `minReplicas`")
        )
    target = mapping(spec.get("scaleTargetRef"))
    for name in ("kind", "name"):
        value = target.get(name) or ""
        target_path = child("spec.scaleTargetRef", name)
        if not value:
            errors.append(required(target_path))
        else:
            errors += [
                invalid(target_path, value, msg) for msg in name_is_path_segment(value, False)
            ]
    return errors


def validate_pdb(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec = mapping(obj.get("spec"))
    errors: Errors = []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        errors.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for name in ("minAvailable", "maxUnavailable"):
        value = spec.get(name)
        path = child("spec", name)
        if isinstance(value, str):
            messages = is_valid_percent(value)
            errors += [invalid(path, value, msg) for msg in messages]
            if not messages and int(value[:-1]) > 100:
                errors.append(invalid(path, value, "must not be greater than 100%"))
        elif isinstance(value, int) and value < 0:
            errors.append(invalid(path, value, "must be greater than or equal to 0"))
    errors += validate_label_selector(spec.get("selector"), "spec.selector", True)
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in ("AlwaysAllow", "IfHealthyBudget"):
        errors.append(
            not_supported(
                "spec.unhealthyPodEvictionPolicy", policy, ["AlwaysAllow", "IfHealthyBudget"]
            )
        )
    return errors


def validate_crd(obj: dict[str, Any], old: dict[str, Any] | None) -> Errors:
    spec = mapping(obj.get("spec"))
    names = mapping(spec.get("names"))
    group = spec.get("group") or ""
    errors: Errors = []
    name = (obj.get("metadata") or {}).get("name") or ""
    if name != f"{names.get('plural', '')}.{group}":
        errors.append(invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))
    if not group:
        errors.append(required("spec.group"))
    elif is_dns1123_subdomain(group):
        errors.append(invalid("spec.group", group, ",".join(is_dns1123_subdomain(group))))
    elif "." not in group:
        errors.append(invalid("spec.group", group, "should be a domain with at least one dot"))
    scope = spec.get("scope") or ""
    if not scope:
        errors.append(required("spec.scope"))
    elif scope not in ("Cluster", "Namespaced"):
        errors.append(not_supported("spec.scope", scope, ["Cluster", "Namespaced"]))
    errors += _crd_names(names)
    errors += _crd_versions(spec.get("versions"))
    if old is not None:
        old_spec = old.get("spec") or {}
        errors += validate_immutable(scope, old_spec.get("scope") or "", "spec.scope")
        errors += validate_immutable(group, old_spec.get("group") or "", "spec.group")
        old_plural = (old_spec.get("names") or {}).get("plural") or ""
        errors += validate_immutable(names.get("plural") or "", old_plural, "spec.names.plural")
    return errors


def _crd_names(names: dict[str, Any]) -> Errors:
    errors: Errors = []
    for field_name in ("plural", "singular", "kind", "listKind"):
        value = names.get(field_name) or ""
        path = child("spec.names", field_name)
        if not value:
            errors.append(required(path))
            continue
        lowered = field_name in ("kind", "listKind")
        messages = is_dns1035_label(value.lower() if lowered else value)
        if messages:
            prefix = "may have mixed case, but should otherwise match: " if lowered else ""
            errors.append(invalid(path, value, prefix + ",".join(messages)))
    if names.get("kind") and names.get("kind") == names.get("listKind"):
        errors.append(
            invalid(
                "spec.names.listKind", names["listKind"], "kind and listKind may not be the same"
            )
        )
    for field_name in ("shortNames", "categories"):
        for position, value in enumerate(names.get(field_name) or ()):
            messages = is_dns1035_label(str(value))
            if messages:
                path = index(child("spec.names", field_name), position)
                errors.append(invalid(path, value, ",".join(messages)))
    return errors


def _crd_versions(versions: Any) -> Errors:
    versions = [v for v in versions if isinstance(v, dict)] if isinstance(versions, list) else []
    errors: Errors = []
    if not versions:
        return [
            required("spec.versions", "must have exactly one version marked as storage version")
        ]
    seen: set[str] = set()
    unique = True
    for position, version in enumerate(versions):
        path = index("spec.versions", position)
        name = version.get("name") or ""
        unique = unique and name not in seen
        seen.add(name)
        messages = is_dns1035_label(name)
        if messages:
            errors.append(invalid(child(path, "name"), name, ",".join(messages)))
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        schema_path = child(path, "schema.openAPIV3Schema")
        if not isinstance(schema, dict):
            errors.append(required(schema_path, "schemas are required"))
        elif not schema.get("type"):
            errors.append(required(child(schema_path, "type"), "must not be empty at the root"))
        elif schema["type"] != "object":
            errors.append(
                invalid(child(schema_path, "type"), schema["type"], "must be object at the root")
            )
    if not unique:
        errors.append(invalid("spec.versions", versions, "must contain unique version names"))
    if sum(1 for v in versions if v.get("storage")) != 1:
        errors.append(
            invalid(
                "spec.versions", versions, "must have exactly one version marked as storage version"
            )
        )
    return errors
