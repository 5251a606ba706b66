"""Checks of an object against its OpenAPI schema: unknown fields, JSON types, and for custom
resources the full OpenAPI v3 validation apiextensions-apiserver runs with the CRD's schema.

For custom resources the schema is the only validation there is, so ``required``, ``enum``,
bounds, lengths and patterns are enforced here with kube-openapi's messages
(``spec.replicas in body should be less than or equal to 10``). For built-in kinds only the
JSON types are checked (Go decoding rejects the rest); their semantics live in the
per-kind modules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from gitops_tui.cluster.embedded.defaults_decode import custom_child, is_free_form
from gitops_tui.cluster.embedded.schema import INT_OR_STRING, QUANTITY, SchemaNode
from gitops_tui.cluster.embedded.validation_fields import (
    FieldError,
    child,
    go_float,
    go_json,
    index,
    invalid,
    not_supported,
    required,
    too_long,
    too_many,
    type_invalid,
)


def unknown_fields(schema: SchemaNode, obj: dict[str, Any]) -> list[str]:
    """Paths of fields the schema does not declare, in document order, as strict decoding
    reports them (``spec.template.spec.containers[0].imagePullPolicyy``)."""
    found: list[str] = []
    _unknown(schema, obj, "", found)
    return found


def _unknown(node: SchemaNode, value: Any, path: str, found: list[str]) -> None:
    if isinstance(value, dict):
        if is_free_form(node) or node.is_scalar:
            return
        for key, item in value.items():
            sub = custom_child(node, key)
            if sub is None:
                found.append(child(path, key))
            else:
                _unknown(sub, item, child(path, key), found)
    elif isinstance(value, list) and node.type == "array":
        items = node.items()
        for position, item in enumerate(value):
            _unknown(items, item, index(path, position), found)


def validate_schema(schema: SchemaNode, obj: dict[str, Any], *, custom: bool) -> list[FieldError]:
    """Type errors (and, for custom resources, every OpenAPI constraint) of ``obj``."""
    errors: list[FieldError] = []
    _validate(schema, obj, "", errors, custom)
    return errors


def _validate(
    node: SchemaNode, value: Any, path: str, errors: list[FieldError], custom: bool
) -> None:
    if is_free_form(node) or (value is None and _nullable(node, custom)):
        return
    problem = _type_problem(node, value)
    if problem is not None:
        errors.append(
            type_invalid(
                path, problem, f'{path} in body must be of type {_expected(node)}: "{problem}"'
            )
        )
        return
    if custom:
        errors += _constraints(node, value, path)
    if isinstance(value, dict):
        _validate_object(node, value, path, errors, custom)
    elif isinstance(value, list):
        items = node.items()
        for position, item in enumerate(value):
            _validate(items, item, index(path, position), errors, custom)


def _validate_object(
    node: SchemaNode, value: dict[str, Any], path: str, errors: list[FieldError], custom: bool
) -> None:
    if custom and node.ref_name is None:
        errors += [required(child(path, name)) for name in node.required if name not in value]
    for key, item in value.items():
        sub = custom_child(node, key) if custom else node.field(key)
        if sub is not None:
            _validate(sub, item, child(path, key), errors, custom and sub.ref_name is None)


def _nullable(node: SchemaNode, custom: bool) -> bool:
    if not custom:
        return True
    declared = node.raw.get("type")
    return bool(node.raw.get("nullable")) or (isinstance(declared, list) and "null" in declared)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _expected(node: SchemaNode) -> str:
    if _int_or_string(node):
        return "integer,string"
    if node.ref_name == QUANTITY:
        return "string,number"
    return node.type or "object"


def _int_or_string(node: SchemaNode) -> bool:
    return node.ref_name == INT_OR_STRING or bool(node.raw.get("x-kubernetes-int-or-string"))


def _type_problem(node: SchemaNode, value: Any) -> str | None:
    """The JSON type of ``value`` when the schema does not allow it, else None."""
    allowed = _allowed_types(node)
    if allowed is None:
        return None
    actual = _json_type(value)
    if actual == "number" and "integer" in allowed and float(value).is_integer():
        return None
    return None if actual in allowed else actual


@functools.lru_cache(maxsize=4096)
def _allowed_types(node: SchemaNode) -> frozenset[str] | None:
    """The JSON types a node accepts (None: any), worked out once per schema node."""
    if _int_or_string(node):
        return frozenset({"integer", "string"})
    if node.ref_name == QUANTITY:
        return frozenset({"integer", "number", "string"})
    if node.type is None:
        return None
    return frozenset({node.type} | ({"integer"} if node.type == "number" else set()))


def _constraints(node: SchemaNode, value: Any, path: str) -> list[FieldError]:
    raw = node.raw
    errors: list[FieldError] = []
    if "enum" in raw and value not in raw["enum"]:
        shown = [v if isinstance(v, str) else go_json(v) for v in raw["enum"]]
        errors.append(not_supported(path, value, shown))
    if isinstance(value, str):
        errors += _string_constraints(raw, value, path)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        errors += _number_constraints(raw, value, path)
    elif isinstance(value, list):
        if "maxItems" in raw and len(value) > raw["maxItems"]:
            errors.append(too_many(path, len(value), raw["maxItems"]))
        if "minItems" in raw and len(value) < raw["minItems"]:
            detail = f"{path} in body should have at least {raw['minItems']} items"
            errors.append(invalid(path, len(value), detail))
    elif isinstance(value, dict):
        if "maxProperties" in raw and len(value) > raw["maxProperties"]:
            detail = f"{path} in body should have at most {raw['maxProperties']} properties"
            errors.append(invalid(path, len(value), detail))
        if "minProperties" in raw and len(value) < raw["minProperties"]:
            detail = f"{path} in body should have at least {raw['minProperties']} properties"
            errors.append(invalid(path, len(value), detail))
    return errors


def _string_constraints(raw: Mapping[str, Any], value: str, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if "maxLength" in raw and len(value) > raw["maxLength"]:
        errors.append(too_long(path, int(raw["maxLength"])))
    if "minLength" in raw and len(value) < raw["minLength"]:
        detail = f"{path} in body should be at least {raw['minLength']} chars long"
        errors.append(invalid(path, value, detail))
    pattern = raw.get("pattern")
    if isinstance(pattern, str) and not _pattern_matches(pattern, value):
        errors.append(invalid(path, value, f"{path} in body should match '{pattern}'"))
    return errors


def _pattern_matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True


def _number_constraints(raw: Mapping[str, Any], value: float, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if "maximum" in raw:
        limit = raw["maximum"]
        if raw.get("exclusiveMaximum") and value >= limit:
            errors.append(invalid(path, value, f"{path} in body should be less than {_num(limit)}"))
        elif value > limit:
            detail = f"{path} in body should be less than or equal to {_num(limit)}"
            errors.append(invalid(path, value, detail))
    if "minimum" in raw:
        limit = raw["minimum"]
        if raw.get("exclusiveMinimum") and value <= limit:
            detail = f"{path} in body should be greater than {_num(limit)}"
            errors.append(invalid(path, value, detail))
        elif value < limit:
            detail = f"{path} in body should be greater than or equal to {_num(limit)}"
            errors.append(invalid(path, value, detail))
    divisor = raw.get("multipleOf")
    if isinstance(divisor, int | float) and divisor and (value / divisor) % 1 != 0:
        detail = f"{path} in body should be a multiple of {_num(divisor)}"
        errors.append(invalid(path, value, detail))
    return errors


def _num(value: float) -> str:
    return go_float(float(value))
