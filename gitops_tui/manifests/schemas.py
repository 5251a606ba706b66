"""Schema validators for built-in kinds of a chosen Kubernetes version, offline and fast.

The schemas are kubernetes-validate's bundled "strict" OpenAPI definitions: unknown fields are
errors, as with ``kubectl apply``'s default strict field validation. kubernetes-validate's own
``validate()`` re-reads files and resolves references through the pure-Python jsonschema on
every call, about 1 ms per Deployment, while checking a repository needs thousands of objects
per second. So the definitions of a version are loaded once into a jsonschema-rs registry and
each kind's validator is compiled once (a few microseconds per object afterwards).

``oneOf`` string-or-number (IntOrString, Quantity) becomes the equivalent ``anyOf``: with
``null`` allowed on both sides, ``oneOf`` would wrongly reject an explicit null.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

import jsonschema_rs

DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_SCALAR_UNIONS = (
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    "io.k8s.apimachinery.pkg.api.resource.Quantity",
)

GVK = tuple[str, str, str]


def definition_ref(name: str) -> dict[str, str]:
    """A schema that points at one of the version's definitions by name."""
    return {"$ref": f"{DEFINITIONS_URI}#/$defs/{name}"}


@functools.cache
def schema_root() -> Path:
    """kubernetes-validate's folder of bundled schemas, found without importing the package
    (its import pulls in the pure-Python jsonschema, a noticeable start-up cost for ``check``).
    """
    spec = importlib.util.find_spec("kubernetes_validate")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    if not locations:
        raise RuntimeError("kubernetes-validate is not installed: reinstall gitops-tui")
    return Path(locations[0]) / "kubernetes-json-schema"


def _load_document(version: str) -> dict[str, Any]:
    folder = schema_root() / f"v{version}.0-local-strict"
    with (folder / "_definitions.json").open("r", encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    definitions = document["$defs"]
    for name in _SCALAR_UNIONS:
        definitions[name] = {"anyOf": definitions[name]["oneOf"]}
    return document


class BuiltinSchemas:
    """The built-in kinds of one Kubernetes minor version (``1.33``)."""

    def __init__(self, version: str) -> None:
        self.version = version
        document = _load_document(version)
        self.definitions: dict[str, Any] = document["$defs"]
        self.registry = jsonschema_rs.Registry([(DEFINITIONS_URI, document)])
        self._by_gvk: dict[GVK, str] = {}
        for name, body in self.definitions.items():
            for gvk in body.get("x-kubernetes-group-version-kind", ()):
                if name.endswith("." + gvk["kind"]):
                    self._by_gvk[(gvk["group"], gvk["version"], gvk["kind"])] = name
        self._validators: dict[GVK, jsonschema_rs.Validator] = {}

    def versions_of(self, group: str, kind: str) -> tuple[str, ...]:
        return tuple(v for g, v, k in self._by_gvk if (g, k) == (group, kind))

    def groups_of(self, kind: str) -> frozenset[str]:
        """Each preferred apiVersion (``apps/v1``) serving ``kind``, in any group."""
        found: dict[str, str] = {}
        for group, version, other in self._by_gvk:
            if other == kind and "alpha" not in version and "beta" not in version:
                found[group] = f"{group}/{version}" if group else version
        return frozenset(found.values())

    def kinds_in(self, group: str) -> frozenset[str]:
        return frozenset(k for g, _, k in self._by_gvk if g == group)

    def validator(self, group: str, version: str, kind: str) -> jsonschema_rs.Validator | None:
        gvk = (group, version, kind)
        found = self._validators.get(gvk)
        if found is None:
            name = self._by_gvk.get(gvk)
            if name is None:
                return None
            found = self._validators[gvk] = jsonschema_rs.Draft202012Validator(
                definition_ref(name), registry=self.registry, validate_formats=False
            )
        return found


@functools.cache
def builtin_schemas(version: str) -> BuiltinSchemas:
    """Schemas of a supported minor version (see ``config.supported_versions``), cached."""
    return BuiltinSchemas(version)
