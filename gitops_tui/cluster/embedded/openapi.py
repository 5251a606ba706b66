"""OpenAPI v3 documents, per group-version, as kubectl consumes them.

kubectl reads ``/openapi/v3`` to decide whether the server supports server-side field
validation (a ``fieldValidation`` parameter on the kind's PATCH operation), to compute
strategic merge patches for ``apply`` and ``edit`` (``x-kubernetes-patch-*`` extensions), and
for ``explain``. The schemas are the bundled Kubernetes definitions, rewritten from the JSON
Schema dialect kubernetes-validate stores into OpenAPI 3.0 (``#/components/schemas`` refs,
``allOf`` around refs that carry extensions, single types), plus CRD schemas for custom resources.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from gitops_tui.cluster.embedded.registry import Registry, ResourceType
from gitops_tui.cluster.embedded.schema import (
    INT_OR_STRING,
    KUBERNETES_VERSION,
    QUANTITY,
    definition_for_kind,
    definitions,
)

_REF_PREFIX = "#/$defs/"
_COMPONENT_PREFIX = "#/components/schemas/"
_QUERY_PARAMS = {
    "get": ("pretty",),
    "list": (
        "allowWatchBookmarks",
        "continue",
        "fieldSelector",
        "labelSelector",
        "limit",
        "resourceVersion",
        "resourceVersionMatch",
        "sendInitialEvents",
        "timeoutSeconds",
        "watch",
    ),
    "post": ("dryRun", "fieldManager", "fieldValidation"),
    "put": ("dryRun", "fieldManager", "fieldValidation"),
    "patch": ("dryRun", "fieldManager", "fieldValidation", "force"),
    "delete": ("dryRun", "gracePeriodSeconds", "propagationPolicy"),
    "deletecollection": (
        "dryRun",
        "fieldSelector",
        "gracePeriodSeconds",
        "labelSelector",
        "propagationPolicy",
    ),
}
_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)


def _convert(node: Any) -> Any:
    """Rewrite one JSON-schema node into OpenAPI 3.0 form."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":
            continue
        if key == "type" and isinstance(value, list):
            concrete = [t for t in value if t != "null"]
            if concrete:
                out["type"] = concrete[0]
            continue
        out[key] = _convert(value)
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = _COMPONENT_PREFIX + ref.removeprefix(_REF_PREFIX)
        if out:
            out["allOf"] = [{"$ref": target}]
        else:
            out["$ref"] = target
    return out


def _component(name: str, body: dict[str, Any]) -> dict[str, Any]:
    if name == INT_OR_STRING:
        return {
            "description": body.get("description", ""),
            "x-kubernetes-int-or-string": True,
            "anyOf": [{"type": "integer"}, {"type": "string"}],
        }
    if name == QUANTITY:
        return {
            "description": body.get("description", ""),
            "x-kubernetes-int-or-string": True,
            "anyOf": [{"type": "integer"}, {"type": "string"}],
        }
    converted: dict[str, Any] = _convert(body)
    return converted


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            yield ref.removeprefix(_REF_PREFIX)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _closure(roots: Iterable[str]) -> dict[str, Any]:
    defs = definitions()
    seen: dict[str, Any] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen or name not in defs:
            continue
        seen[name] = defs[name]
        pending.extend(_refs(defs[name]))
    return seen


def _parameter(name: str) -> dict[str, Any]:
    kind = "integer" if name in ("limit", "timeoutSeconds", "gracePeriodSeconds") else "string"
    if name in ("allowWatchBookmarks", "watch", "force", "sendInitialEvents"):
        kind = "boolean"
    return {"name": name, "in": "query", "schema": {"type": kind, "uniqueItems": True}}


def _operation(
    rt: ResourceType, action: str, kind: tuple[str, str, str], response_ref: str
) -> dict[str, Any]:
    group, version, kind_name = kind
    operation: dict[str, Any] = {
        "operationId": f"{action}{kind_name}",
        "parameters": [_parameter(p) for p in _QUERY_PARAMS[action]],
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": {"$ref": response_ref}}},
            },
            "401": {"description": "Unauthorized"},
        },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": group, "kind": kind_name, "version": version},
    }
    if action in ("post", "put"):
        operation["requestBody"] = {
            "content": {"*/*": {"schema": {"$ref": response_ref}}},
            "required": True,
        }
    if action == "patch":
        operation["requestBody"] = {
            "content": {
                t: {
                    "schema": {
                        "$ref": _COMPONENT_PREFIX + "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
                    }
                }
                for t in _PATCH_TYPES
            },
            "required": True,
        }
    return operation


def _paths_for(rt: ResourceType, schema_name: str) -> dict[str, Any]:
    prefix = f"/apis/{rt.group}/{rt.version}" if rt.group else f"/api/{rt.version}"
    collection = (
        f"{prefix}/namespaces/{{namespace}}/{rt.plural}"
        if rt.namespaced
        else f"{prefix}/{rt.plural}"
    )
    item = f"{collection}/{{name}}"
    gvk = (rt.group, rt.version, rt.kind)
    ref = _COMPONENT_PREFIX + schema_name
    list_ref = _COMPONENT_PREFIX + schema_name + "List"
    name_param = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    ns_param = {"name": "namespace", "in": "path", "required": True, "schema": {"type": "string"}}
    path_params = [ns_param] if rt.namespaced else []
    paths: dict[str, Any] = {
        collection: {
            "get": _operation(rt, "list", gvk, list_ref),
            "post": _operation(rt, "post", gvk, ref),
            "parameters": path_params,
        },
        item: {
            "get": _operation(rt, "get", gvk, ref),
            "put": _operation(rt, "put", gvk, ref),
            "patch": _operation(rt, "patch", gvk, ref),
            "delete": _operation(rt, "delete", gvk, ref),
            "parameters": [name_param, *path_params],
        },
    }
    if "deletecollection" in rt.verbs:
        paths[collection]["delete"] = _operation(rt, "deletecollection", gvk, ref)
    for sub in sorted(rt.subresources):
        if sub == "finalize":
            continue
        sub_ref = _COMPONENT_PREFIX + "io.k8s.api.autoscaling.v1.Scale" if sub == "scale" else ref
        sub_gvk = ("autoscaling", "v1", "Scale") if sub == "scale" else gvk
        paths[f"{item}/{sub}"] = {
            "get": _operation(rt, "get", sub_gvk, sub_ref),
            "put": _operation(rt, "put", sub_gvk, sub_ref),
            "patch": _operation(rt, "patch", sub_gvk, sub_ref),
            "parameters": [name_param, *path_params],
        }
    return paths


def _custom_schema(rt: ResourceType) -> dict[str, Any]:
    assert rt.crd is not None
    body: dict[str, Any] = json.loads(json.dumps(rt.crd.get("schema") or {"type": "object"}))
    props = body.setdefault("properties", {})
    props["metadata"] = {
        "allOf": [{"$ref": _COMPONENT_PREFIX + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]
    }
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    body["x-kubernetes-group-version-kind"] = [
        {"group": rt.group, "kind": rt.kind, "version": rt.version}
    ]
    return body


def _schema_name(rt: ResourceType) -> str:
    if rt.is_custom:
        reversed_group = ".".join(reversed(rt.group.split(".")))
        return f"{reversed_group}.{rt.version}.{rt.kind}"
    name = definition_for_kind(rt.group, rt.version, rt.kind)
    assert name is not None
    return name


def group_version_document(registry: Registry, gv_path: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document for ``api/v1`` or ``apis/<group>/<version>``."""
    parts = gv_path.strip("/").split("/")
    if parts[:1] == ["api"] and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[:1] == ["apis"] and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        return None
    types = [rt for rt in registry.all() if rt.group == group and rt.version == version]
    if not types:
        return None
    roots = [
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
    ]
    paths: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for rt in types:
        name = _schema_name(rt)
        paths.update(_paths_for(rt, name))
        if rt.is_custom:
            custom[name] = _custom_schema(rt)
            custom[name + "List"] = {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": {"$ref": _COMPONENT_PREFIX + name}},
                    "metadata": {
                        "$ref": _COMPONENT_PREFIX + "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
                    },
                },
            }
        else:
            roots.extend([name, name + "List"])
        if "scale" in rt.subresources:
            roots.append("io.k8s.api.autoscaling.v1.Scale")
    schemas = {name: _component(name, body) for name, body in _closure(roots).items()}
    schemas.update(custom)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": f"v{KUBERNETES_VERSION}"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def document_hash(document: dict[str, Any]) -> str:
    return hashlib.sha512(json.dumps(document, sort_keys=True).encode()).hexdigest()[:128].upper()


def root_document(registry: Registry, hashes: dict[str, str]) -> dict[str, Any]:
    """``/openapi/v3``: the list of group-version documents with their content hashes."""
    paths: dict[str, Any] = {}
    for group, versions in registry.group_versions().items():
        for version in versions:
            gv_path = f"apis/{group}/{version}" if group else f"api/{version}"
            digest = hashes.get(gv_path, "")
            paths[gv_path] = {"serverRelativeURL": f"/openapi/v3/{gv_path}?hash={digest}"}
    return {"paths": paths}
