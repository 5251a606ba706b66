"""Validators for custom resources, built from the CustomResourceDefinitions in the repository.

A CRD's ``openAPIV3Schema`` is OpenAPI 3.0 with Kubernetes extensions, not plain JSON Schema:
``nullable``, ``x-kubernetes-int-or-string``, ``x-kubernetes-preserve-unknown-fields`` and
``x-kubernetes-embedded-resource`` change what is valid, and the API server treats fields the
schema does not list as unknown (pruned, or rejected under strict field validation). We
translate those rules into JSON Schema (draft 4, the dialect OpenAPI 3.0 builds on) so the
same validator machinery (jsonschema-rs) checks built-in and custom kinds alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from gitops_tui.manifests.loader import Manifest
from gitops_tui.manifests.schemas import GVK, OBJECT_META, BuiltinSchemas, definition_ref

CRD_GROUP = "apiextensions.k8s.io"
#: Keywords that constrain values; the rest of a CRD schema documents or drives the server.
VALIDATION_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "additionalProperties",
        "items",
        "enum",
        "required",
        "anyOf",
        "allOf",
        "oneOf",
        "not",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "pattern",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
    }
)
_EMBEDDED = ("apiVersion", "kind", "metadata")


@dataclass(frozen=True)
class CustomKind:
    """One served version of a custom kind, as ``spec.versions[index]`` of ``crd`` defines it.

    ``validator`` is None when the CRD's schema cannot be compiled; ``problem`` then says why
    (reported on the CRD, and its objects go unchecked rather than wrongly flagged).
    """

    validator: jsonschema_rs.Validator | None
    schema: Mapping[str, Any]
    namespaced: bool
    crd: Manifest
    index: int
    problem: str = ""
    problem_path: tuple[str | int, ...] = ()


def _nullable(schema: dict[str, Any]) -> None:
    declared = schema.get("type")
    if isinstance(declared, str):
        schema["type"] = [declared, "null"]


class _Translator:
    def __init__(self) -> None:
        self._object_meta = definition_ref(OBJECT_META)

    def root(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = self.schema(raw)
        self._embed(schema)
        return schema

    def _embed(self, schema: dict[str, Any]) -> None:
        properties = schema.setdefault("properties", {})
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        properties["metadata"] = self._object_meta

    def schema(self, raw: Any) -> Any:
        if not isinstance(raw, Mapping):
            return raw
        out: dict[str, Any] = {}
        for keyword, value in raw.items():
            if keyword == "properties" and isinstance(value, Mapping):
                out[keyword] = {name: self.schema(sub) for name, sub in value.items()}
            elif keyword in ("items", "additionalProperties", "not"):
                out[keyword] = self.schema(value)
            elif keyword in ("anyOf", "allOf", "oneOf") and isinstance(value, list):
                out[keyword] = [self.schema(sub) for sub in value]
            elif keyword in VALIDATION_KEYWORDS:
                out[keyword] = value
        if raw.get("x-kubernetes-int-or-string"):
            out.pop("type", None)
            out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        if raw.get("nullable"):
            _nullable(out)
        if raw.get("x-kubernetes-embedded-resource"):
            self._embed(out)
        open_ended = (
            raw.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in raw
        )
        if "properties" in out and not open_ended:
            out["additionalProperties"] = False
        return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def custom_kinds(manifests: Iterable[Manifest], builtin: BuiltinSchemas) -> dict[GVK, CustomKind]:
    """Every served version of every kind defined by a CRD among ``manifests``."""
    translator = _Translator()
    kinds: dict[GVK, CustomKind] = {}
    for manifest in manifests:
        if (manifest.key.group, manifest.kind) != (CRD_GROUP, "CustomResourceDefinition"):
            continue
        spec = manifest.body.get("spec")
        if not isinstance(spec, Mapping):
            continue
        names = spec.get("names")
        kind = _text(names.get("kind")) if isinstance(names, Mapping) else ""
        group = _text(spec.get("group"))
        namespaced = spec.get("scope", "Namespaced") != "Cluster"
        versions = spec.get("versions")
        for index, version in enumerate(versions if isinstance(versions, list) else ()):
            if not isinstance(version, Mapping) or version.get("served") is False:
                continue
            wrapper = version.get("schema")
            raw = wrapper.get("openAPIV3Schema") if isinstance(wrapper, Mapping) else None
            schema = translator.root(raw if isinstance(raw, Mapping) else {"type": "object"})
            gvk = (group, _text(version.get("name")), kind)
            try:
                validator = jsonschema_rs.Draft4Validator(
                    schema, registry=builtin.registry, validate_formats=False
                )
            except (jsonschema_rs.ValidationError, ValueError) as exc:
                problem = str(exc).splitlines()[0]
                path = tuple(getattr(exc, "instance_path", ()))
                kinds[gvk] = CustomKind(None, schema, namespaced, manifest, index, problem, path)
                continue
            kinds[gvk] = CustomKind(validator, schema, namespaced, manifest, index)
    return kinds
