"""What decoding a request body does to an object before any defaulting function runs.

kube-apiserver turns the JSON a client sends into Go structs (built-in kinds) or prunes it
against the CRD's structural schema (custom resources). Either way fields the schema does not
know disappear, ``null`` becomes "not set", and every ``resource.Quantity`` is re-encoded in
canonical form; for built-ins, empty lists and maps of ``omitempty`` fields vanish too. The
embedded server keeps plain JSON, so this module replays those effects on the dict.
"""

from __future__ import annotations

from typing import Any

from gitops_tui.cluster.embedded.quantity import canonical, canonical_resource
from gitops_tui.cluster.embedded.schema import OPEN, QUANTITY, SchemaNode, crd_root

#: Collection fields whose Go json tag has no ``omitempty``: an empty value survives decoding.
KEEP_EMPTY = frozenset(
    {
        ("io.k8s.api.rbac.v1.PolicyRule", "verbs"),
        ("io.k8s.api.rbac.v1.Role", "rules"),
        ("io.k8s.api.rbac.v1.ClusterRole", "rules"),
        ("io.k8s.api.core.v1.NodeSelector", "nodeSelectorTerms"),
        ("io.k8s.api.core.v1.PodSpec", "containers"),
        ("io.k8s.api.batch.v1.PodFailurePolicy", "rules"),
        ("io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus", "currentMetrics"),
        (
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec",
            "versions",
        ),
    }
)


def decode_builtin(schema: SchemaNode, obj: dict[str, Any]) -> None:
    """Replay a JSON -> Go struct -> JSON round trip on a built-in object, in place."""
    _builtin_object(schema, obj)


def prune_custom(schema: SchemaNode, obj: dict[str, Any]) -> None:
    """Structural pruning of a custom resource: drop fields its schema does not specify."""
    _custom_object(schema, obj)


def drop_non_nullable_nulls(schema: SchemaNode, value: Any) -> None:
    """After defaulting, ``null`` in a field that is not ``nullable`` is removed."""
    if isinstance(value, dict):
        for key in list(value):
            child = custom_child(schema, key)
            if child is None:
                continue
            if value[key] is None and not child.raw.get("nullable"):
                del value[key]
            else:
                drop_non_nullable_nulls(child, value[key])
    elif isinstance(value, list):
        items = schema.items()
        for item in value:
            drop_non_nullable_nulls(items, item)


def is_free_form(node: SchemaNode) -> bool:
    """A built-in type that says nothing about its fields (RawExtension, FieldsV1): keep all.

    (In a CRD schema, an object without properties prunes everything below it instead.)
    """
    return node.is_free_form


def _builtin_object(node: SchemaNode, obj: dict[str, Any]) -> None:
    if is_free_form(node):
        return
    resource_list = node.is_map and node.field("") is not None and _is_quantity(node.field(""))
    for key in list(obj):
        child = node.field(key)
        value = obj[key]
        if child is None or value is None:
            del obj[key]
            continue
        keep_empty = key in node.required or (node.ref_name, key) in KEEP_EMPTY
        if value in ([], {}) and (child.type == "array" or child.is_map) and not keep_empty:
            del obj[key]
            continue
        obj[key] = _builtin_value(child, value, resource_list)


def _builtin_value(node: SchemaNode, value: Any, resource_list: bool) -> Any:
    if _is_quantity(node) and isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return canonical_resource(value) if resource_list else canonical(value)
        except ValueError:
            return value
    if isinstance(value, dict) and (node.type == "object" or node.is_map):
        _builtin_object(node, value)
    elif isinstance(value, list) and node.type == "array":
        items = node.items()
        value[:] = [_builtin_value(items, item, False) for item in value if item is not None]
    return value


def _is_quantity(node: SchemaNode | None) -> bool:
    return node is not None and node.ref_name == QUANTITY


def _custom_object(node: SchemaNode, obj: dict[str, Any]) -> None:
    if is_free_form(node):
        return
    for key in list(obj):
        child = custom_child(node, key)
        if child is None:
            del obj[key]
            continue
        value = obj[key]
        if isinstance(value, dict):
            _custom_object(child, value)
        elif isinstance(value, list):
            items = child.items()
            for item in value:
                if isinstance(item, dict):
                    _custom_object(items, item)


def custom_child(node: SchemaNode, key: str) -> SchemaNode | None:
    """The schema of a field of a custom resource (embedded resources imply their TypeMeta)."""
    if node.raw.get("additionalProperties") is True and key not in node.properties:
        return OPEN
    if node.embedded_resource and key in ("apiVersion", "kind", "metadata"):
        return crd_root({"type": "object"}).field(key)
    return node.field(key)
