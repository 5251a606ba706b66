"""Validation of objects being created or updated, as kube-apiserver's strategies run it.

A write that kube-apiserver would reject with 422 Invalid must be rejected here with the same
``causes`` and message, and a write it accepts must pass: GitOps tools apply whole manifests
and treat any difference as a failed sync. :func:`validate` runs, for the object's kind, the
ObjectMeta rules, the schema type checks (for custom resources the full CRD schema) and the
kind's own rules; :func:`unknown_fields` serves ``fieldValidation=Strict|Warn``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gitops_tui.cluster.embedded.registry import ResourceType
from gitops_tui.cluster.embedded.schema import SchemaNode
from gitops_tui.cluster.embedded.validation_fields import FieldError, mapping
from gitops_tui.cluster.embedded.validation_kinds import (
    validate_cluster_role,
    validate_cluster_role_binding,
    validate_config_map,
    validate_crd,
    validate_endpoints,
    validate_event,
    validate_hpa,
    validate_ingress,
    validate_namespace,
    validate_pdb,
    validate_role,
    validate_role_binding,
    validate_secret,
    validate_service,
)
from gitops_tui.cluster.embedded.validation_meta import (
    validate_object_meta,
    validate_object_meta_update,
)
from gitops_tui.cluster.embedded.validation_names import (
    NameCheck,
    name_is_dns_label,
    name_is_dns_subdomain,
    name_is_path_segment,
)
from gitops_tui.cluster.embedded.validation_pod import validate_pod_spec, validate_pod_update
from gitops_tui.cluster.embedded.validation_schema import unknown_fields as _unknown_fields
from gitops_tui.cluster.embedded.validation_schema import validate_schema
from gitops_tui.cluster.embedded.validation_workloads import (
    validate_cron_job,
    validate_daemon_set,
    validate_deployment,
    validate_job,
    validate_replica_set,
    validate_stateful_set,
)

__all__ = ["FieldError", "unknown_fields", "validate"]

KindCheck = Callable[[dict[str, Any], dict[str, Any] | None], list[FieldError]]

NAME_CHECKS: dict[str, NameCheck] = {
    "Namespace": name_is_dns_label,
    "Service": name_is_dns_label,
    "StatefulSet": name_is_dns_label,
    "Role": name_is_path_segment,
    "RoleBinding": name_is_path_segment,
    "ClusterRole": name_is_path_segment,
    "ClusterRoleBinding": name_is_path_segment,
}


def _validate_pod(obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
    spec = mapping(obj.get("spec"))
    errors = validate_pod_spec(spec, "spec")
    if old is not None:
        errors += validate_pod_update(obj, old)
    return errors


KIND_CHECKS: dict[str, KindCheck] = {
    "Namespace": validate_namespace,
    "ConfigMap": validate_config_map,
    "Secret": validate_secret,
    "Service": validate_service,
    "Pod": _validate_pod,
    "Event": validate_event,
    "Endpoints": validate_endpoints,
    "Deployment": validate_deployment,
    "ReplicaSet": validate_replica_set,
    "StatefulSet": validate_stateful_set,
    "DaemonSet": validate_daemon_set,
    "Job": validate_job,
    "CronJob": validate_cron_job,
    "Ingress": validate_ingress,
    "Role": validate_role,
    "ClusterRole": validate_cluster_role,
    "RoleBinding": validate_role_binding,
    "ClusterRoleBinding": validate_cluster_role_binding,
    "HorizontalPodAutoscaler": validate_hpa,
    "PodDisruptionBudget": validate_pdb,
    "CustomResourceDefinition": validate_crd,
}


def validate(rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
    """Every error kube-apiserver reports for this create (``old`` None) or update."""
    meta = mapping(obj.get("metadata"))
    if old is None:
        check = (
            NAME_CHECKS.get(rt.kind, name_is_dns_subdomain)
            if not rt.is_custom
            else (name_is_dns_subdomain)
        )
        errors = validate_object_meta(meta, rt.namespaced, check)
    else:
        errors = validate_object_meta_update(meta, old.get("metadata") or {})
    errors += validate_schema(rt.schema(), obj, custom=rt.is_custom)
    kind_check = None if rt.is_custom else KIND_CHECKS.get(rt.kind)
    if kind_check is not None:
        errors += kind_check(obj, old)
    return errors


def unknown_fields(schema: SchemaNode, obj: dict[str, Any]) -> list[str]:
    """Paths of fields not in the schema, as the ``unknown field "..."`` warnings and strict
    decoding errors print them: ``spec.foo``, ``spec.template.spec.containers[0].imagePullPolicyy``.
    """
    return _unknown_fields(schema, obj)
