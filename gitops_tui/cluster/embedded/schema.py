"""Navigable OpenAPI schemas for built-in kinds and custom resources.

Strategic merge patch, server-side apply, defaulting, validation and the OpenAPI documents
kubectl downloads all need the same facts about a field: its type, whether a list is atomic,
a set or a map (and its keys), its patch strategy and merge key, whether a map is atomic.
kube-apiserver takes these from its compiled OpenAPI definitions; we take the very same
definitions from the files bundled in ``kubernetes-validate`` (one JSON document with every
``io.k8s...`` definition, ``x-kubernetes-*`` extensions included), so nothing is hand-copied.

Custom resources are described by their CRD's ``openAPIV3Schema``, which uses the same
vocabulary; :func:`crd_root` wraps one so the rest of the server cannot tell the difference.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

#: The Kubernetes version whose API we serve (schemas come from kubernetes-validate).
KUBERNETES_VERSION = "1.37.0"

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"


@functools.cache
def definitions(version: str = KUBERNETES_VERSION) -> Mapping[str, Any]:
    """All OpenAPI definitions of a Kubernetes version, keyed by their ``io.k8s...`` name.

    The package's data files are found without importing the package: its ``__init__`` pulls
    in jsonschema, which would add a fifth of a second to the cluster's start.
    """
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("kubernetes-validate is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    root = package / "kubernetes-json-schema" / f"v{version}-local" / "_definitions.json"
    with root.open("r", encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)["$defs"]
    return loaded


@functools.cache
def definition_for_kind(group: str, version: str, kind: str) -> str | None:
    """The definition name of a top-level kind, e.g. ``io.k8s.api.apps.v1.Deployment``."""
    for name, body in definitions().items():
        for gvk in body.get("x-kubernetes-group-version-kind", ()):
            same = (gvk["group"], gvk["version"], gvk["kind"]) == (group, version, kind)
            if same and name.endswith(f".{kind}"):
                return name
    return None


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


class SchemaNode:
    """One node of a schema tree; resolves ``$ref`` lazily and answers questions about it.

    A node with no schema information (``x-kubernetes-preserve-unknown-fields``, an untyped
    CRD field, or a field the schema does not know) is *open*: every child is open too.

    A schema never changes once loaded, and the same tree is walked for every field of every
    request (defaulting, validation, field management), so every answer is computed once.
    """

    def __init__(
        self, raw: Mapping[str, Any], defs: Mapping[str, Any], ref_name: str | None = None
    ) -> None:
        ref = raw.get("$ref")
        if ref is None and "allOf" in raw and len(raw["allOf"]) == 1:
            ref = raw["allOf"][0].get("$ref")
        if ref is not None:
            ref_name = _ref_name(ref)
            merged = dict(defs.get(ref_name, {}))
            # Field-level extensions (patch strategy, list type) sit beside the $ref.
            merged.update({k: v for k, v in raw.items() if k not in ("$ref", "allOf")})
            raw = merged
        self.raw = raw
        self._defs = defs
        self.ref_name = ref_name
        self._children: dict[str, SchemaNode | None] = {}

    def __repr__(self) -> str:
        return f"SchemaNode({self.ref_name or self.type!r})"

    @functools.cached_property
    def type(self) -> str | None:
        """``object``, ``array``, ``string``, ``integer``, ``number``, ``boolean`` or None."""
        declared = self.raw.get("type")
        if isinstance(declared, list):
            declared = next((t for t in declared if t != "null"), None)
        if declared is None and ("properties" in self.raw or "additionalProperties" in self.raw):
            return "object"
        if declared is None and "items" in self.raw:
            return "array"
        return declared if isinstance(declared, str) else None

    @functools.cached_property
    def is_open(self) -> bool:
        """True when the schema says nothing about the shape below this node."""
        if self.raw.get("x-kubernetes-preserve-unknown-fields"):
            return "properties" not in self.raw
        return self.type is None and not self.is_scalar_union

    @functools.cached_property
    def is_free_form(self) -> bool:
        """A built-in type that says nothing about its fields (RawExtension, FieldsV1)."""
        return self.is_open or (
            self.ref_name is not None
            and self.type == "object"
            and not self.properties
            and "additionalProperties" not in self.raw
        )

    @functools.cached_property
    def is_scalar_union(self) -> bool:
        """IntOrString and Quantity: a scalar that may be written as string or number."""
        return (
            self.ref_name in (QUANTITY, INT_OR_STRING)
            or bool(self.raw.get("x-kubernetes-int-or-string"))
            or ("oneOf" in self.raw and "properties" not in self.raw)
        )

    @functools.cached_property
    def is_scalar(self) -> bool:
        return self.type in ("string", "integer", "number", "boolean") or self.is_scalar_union

    @functools.cached_property
    def properties(self) -> Mapping[str, Any]:
        props = self.raw.get("properties")
        return props if isinstance(props, Mapping) else {}

    @functools.cached_property
    def is_map(self) -> bool:
        """A free-form map (``additionalProperties``) such as labels or ConfigMap data."""
        extra = self.raw.get("additionalProperties")
        return isinstance(extra, Mapping) and not self.properties

    @functools.cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(self.raw.get("required", ()))

    def field(self, name: str) -> SchemaNode | None:
        """The schema of child ``name``; None when the schema forbids or does not know it."""
        try:
            return self._children[name]
        except KeyError:
            child = self._children[name] = self._field(name)
            return child

    def _field(self, name: str) -> SchemaNode | None:
        props = self.properties
        if name in props:
            return SchemaNode(props[name], self._defs)
        extra = self.raw.get("additionalProperties")
        if isinstance(extra, Mapping):
            return SchemaNode(extra, self._defs)
        if self.is_open or self.raw.get("x-kubernetes-preserve-unknown-fields"):
            return OPEN
        return None

    @functools.cached_property
    def _items(self) -> SchemaNode:
        items = self.raw.get("items")
        return SchemaNode(items, self._defs) if isinstance(items, Mapping) else OPEN

    def items(self) -> SchemaNode:
        """The schema of a list's elements (open when unknown)."""
        return self._items

    @functools.cached_property
    def _fields(self) -> tuple[tuple[str, SchemaNode], ...]:
        found = []
        for name in self.properties:
            child = self.field(name)
            assert child is not None
            found.append((name, child))
        return tuple(found)

    def iter_fields(self) -> Iterator[tuple[str, SchemaNode]]:
        return iter(self._fields)

    @functools.cached_property
    def list_type(self) -> str:
        """``atomic``, ``set`` or ``map``: how server-side apply merges this list.

        Lists without the extension are atomic, except that a patch-merge-key implies a map
        keyed by it (as the structured-merge-diff schema converter does).
        """
        declared = self.raw.get("x-kubernetes-list-type")
        if isinstance(declared, str):
            return declared
        if self.patch_merge_key:
            return "map"
        return "atomic"

    @functools.cached_property
    def list_map_keys(self) -> tuple[str, ...]:
        keys = self.raw.get("x-kubernetes-list-map-keys")
        if keys:
            return tuple(keys)
        return (self.patch_merge_key,) if self.patch_merge_key else ()

    @functools.cached_property
    def map_type(self) -> str:
        """``atomic`` or ``granular`` (the default) for objects and maps."""
        declared = self.raw.get("x-kubernetes-map-type")
        return declared if isinstance(declared, str) else "granular"

    @functools.cached_property
    def patch_strategy(self) -> str | None:
        """Strategic-merge-patch strategy, e.g. ``merge``, ``replace``, ``merge,retainKeys``."""
        value = self.raw.get("x-kubernetes-patch-strategy")
        return value if isinstance(value, str) else None

    @functools.cached_property
    def patch_merge_key(self) -> str | None:
        value = self.raw.get("x-kubernetes-patch-merge-key")
        return value if isinstance(value, str) else None

    @functools.cached_property
    def embedded_resource(self) -> bool:
        return bool(self.raw.get("x-kubernetes-embedded-resource"))

    def at(self, *path: str) -> SchemaNode | None:
        """Walk object fields; list segments are written ``[]`` (e.g. ``containers``, ``[]``)."""
        node: SchemaNode | None = self
        for segment in path:
            if node is None:
                return None
            node = node.items() if segment == "[]" else node.field(segment)
        return node


OPEN = SchemaNode({"x-kubernetes-preserve-unknown-fields": True}, {})


@functools.cache
def builtin_root(definition: str, version: str = KUBERNETES_VERSION) -> SchemaNode:
    """The schema of a built-in kind, by definition name (one shared, memoised tree per kind)."""
    defs = definitions(version)
    return SchemaNode({"$ref": f"#/$defs/{definition}"}, defs)


def crd_root(open_api_v3_schema: Mapping[str, Any] | None) -> SchemaNode:
    """The schema of a custom resource from its CRD version's ``openAPIV3Schema``.

    ``metadata`` always follows the built-in ObjectMeta schema, as the apiserver enforces.
    """
    defs = definitions()
    raw: dict[str, Any] = dict(open_api_v3_schema or {"x-kubernetes-preserve-unknown-fields": True})
    props = dict(raw.get("properties", {}))
    props["metadata"] = {"$ref": f"#/$defs/{OBJECT_META}"}
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    raw["properties"] = props
    raw.setdefault("type", "object")
    return SchemaNode(raw, defs)
