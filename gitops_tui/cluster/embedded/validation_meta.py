"""ObjectMeta, labels, annotations and label selectors, validated as apimachinery does.

Every kind's validation starts here (``ValidateObjectMeta`` / ``ValidateObjectMetaUpdate``),
and workloads reuse the selector rules; the paths and messages match kube-apiserver's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitops_tui.cluster.embedded.validation_fields import (
    FieldError,
    child,
    forbidden,
    index,
    invalid,
    required,
    too_long,
)
from gitops_tui.cluster.embedded.validation_names import (
    NameCheck,
    is_qualified_name,
    is_valid_label_value,
    name_is_dns_label,
)

TOTAL_ANNOTATION_SIZE = 256 * 1024
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
IMMUTABLE = "field is immutable"


def validate_object_meta(
    meta: Mapping[str, Any], namespaced: bool, name_check: NameCheck, path: str = "metadata"
) -> list[FieldError]:
    errors: list[FieldError] = []
    generate_name = _text(meta.get("generateName"))
    if generate_name:
        errors += [
            invalid(child(path, "generateName"), generate_name, msg)
            for msg in name_check(generate_name, True)
        ]
    name = _text(meta.get("name"))
    if not name:
        if not generate_name:
            errors.append(required(child(path, "name"), "name or generateName is required"))
    else:
        errors += [invalid(child(path, "name"), name, msg) for msg in name_check(name, False)]
    namespace = _text(meta.get("namespace"))
    if namespaced:
        if not namespace:
            errors.append(required(child(path, "namespace")))
        else:
            errors += [
                invalid(child(path, "namespace"), namespace, msg)
                for msg in name_is_dns_label(namespace, False)
            ]
    errors += _nonnegative(meta.get("generation"), child(path, "generation"))
    errors += _common_meta(meta, path)
    return errors


def validate_object_meta_update(
    new: Mapping[str, Any], old: Mapping[str, Any], path: str = "metadata"
) -> list[FieldError]:
    errors: list[FieldError] = []
    if old.get("deletionTimestamp"):
        added = sorted(set(new.get("finalizers") or ()) - set(old.get("finalizers") or ()))
        if added:
            listed = ", ".join(f'"{name}"' for name in added)
            errors.append(
                forbidden(
                    child(path, "finalizers"),
                    "no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers []string{{{listed}}}",
                )
            )
    generation = new.get("generation") or 0
    if isinstance(generation, int) and generation < (old.get("generation") or 0):
        errors.append(invalid(child(path, "generation"), generation, "must not be decremented"))
    for name in ("name", "namespace", "uid"):
        errors += validate_immutable(new.get(name) or "", old.get(name) or "", child(path, name))
    errors += _common_meta(new, path)
    return errors


def validate_immutable(new: Any, old: Any, path: str, shown: Any = None) -> list[FieldError]:
    """ValidateImmutableField, comparing the way apiequality.Semantic does."""
    if semantic_equal(new, old):
        return []
    return [invalid(path, new if shown is None else shown, IMMUTABLE)]


def semantic_equal(left: Any, right: Any) -> bool:
    """Equality of decoded values where an empty list or map equals an absent one."""
    return bool(_normalize(left) == _normalize(right))


def _normalize(value: Any) -> Any:
    if isinstance(value, dict):
        pairs = {k: _normalize(v) for k, v in value.items()}
        return {k: v for k, v in pairs.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    return value


def _common_meta(meta: Mapping[str, Any], path: str) -> list[FieldError]:
    errors = validate_labels(meta.get("labels"), child(path, "labels"))
    errors += validate_annotations(meta.get("annotations"), child(path, "annotations"))
    errors += _owner_references(meta.get("ownerReferences"), child(path, "ownerReferences"))
    errors += _finalizers(meta.get("finalizers"), child(path, "finalizers"))
    return errors


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(labels, dict):
        return errors
    for label, value in labels.items():
        errors += validate_label_name(label, path)
        if isinstance(value, str):
            errors += [invalid(path, value, msg) for msg in is_valid_label_value(value)]
    return errors


def validate_label_name(name: str, path: str) -> list[FieldError]:
    return [invalid(path, name, msg) for msg in is_qualified_name(name)]


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(annotations, dict):
        return errors
    for name in annotations:
        errors += [invalid(path, name, msg) for msg in is_qualified_name(name.lower())]
    size = sum(len(k.encode()) + len(str(v).encode()) for k, v in annotations.items())
    if size > TOTAL_ANNOTATION_SIZE:
        errors.append(too_long(path, TOTAL_ANNOTATION_SIZE))
    return errors


def _owner_references(references: Any, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    controllers = []
    for ref in references if isinstance(references, list) else ():
        if not isinstance(ref, dict):
            continue
        for name, message in (
            ("apiVersion", "version must not be empty"),
            ("kind", "kind must not be empty"),
            ("name", "name must not be empty"),
            ("uid", "uid must not be empty"),
        ):
            if not ref.get(name):
                errors.append(invalid(child(path, name), ref.get(name) or "", message))
        if ref.get("controller"):
            controllers.append(f"{ref.get('kind')}/{ref.get('name')}")
    if len(controllers) > 1:
        errors.append(
            invalid(
                path,
                references,
                'Only one reference can have Controller set to true. Found "true" in references '
                "for " + " and ".join(controllers),
            )
        )
    return errors


def _finalizers(finalizers: Any, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    names = [f for f in finalizers if isinstance(f, str)] if isinstance(finalizers, list) else []
    for name in names:
        errors += [invalid(path, name, msg) for msg in is_qualified_name(name)]
    if "orphan" in names and "foregroundDeletion" in names:
        errors.append(
            invalid(path, names, "finalizer orphan and foregroundDeletion cannot be both set")
        )
    return errors


def validate_label_selector(
    selector: Any, path: str, allow_invalid_values: bool = False
) -> list[FieldError]:
    """ValidateLabelSelector (metav1 validation)."""
    errors: list[FieldError] = []
    if not isinstance(selector, dict):
        return errors
    errors += validate_labels(selector.get("matchLabels"), child(path, "matchLabels"))
    expressions = selector.get("matchExpressions")
    for position, expr in enumerate(expressions if isinstance(expressions, list) else ()):
        if isinstance(expr, dict):
            expr_path = index(child(path, "matchExpressions"), position)
            errors += _requirement(expr, expr_path, allow_invalid_values)
    return errors


def _requirement(expr: Mapping[str, Any], path: str, allow_invalid: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    operator, values = expr.get("operator"), expr.get("values") or []
    if operator in ("In", "NotIn"):
        if not values:
            errors.append(
                required(
                    child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"
                )
            )
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            errors.append(
                forbidden(
                    child(path, "values"),
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
    else:
        errors.append(
            invalid(child(path, "operator"), operator or "", "not a valid selector operator")
        )
    errors += validate_label_name(str(expr.get("key") or ""), child(path, "key"))
    if not allow_invalid:
        for position, value in enumerate(values if isinstance(values, list) else ()):
            if isinstance(value, str):
                value_path = index(child(path, "values"), position)
                errors += [invalid(value_path, value, msg) for msg in is_valid_label_value(value)]
    return errors


def selector_is_parsable(selector: Any) -> bool:
    """Whether LabelSelectorAsSelector succeeds (a nil selector parses to "nothing")."""
    if selector is None:
        return True
    if not isinstance(selector, dict):
        return False
    for expr in selector.get("matchExpressions") or ():
        if not isinstance(expr, dict) or expr.get("operator") not in SELECTOR_OPERATORS:
            return False
        if is_qualified_name(str(expr.get("key") or "")):
            return False
        values = expr.get("values") or []
        if expr["operator"] in ("In", "NotIn") and not values:
            return False
        if expr["operator"] in ("Exists", "DoesNotExist") and values:
            return False
        if any(is_valid_label_value(str(v)) for v in values):
            return False
    return all(
        not is_qualified_name(k) and not is_valid_label_value(str(v))
        for k, v in (selector.get("matchLabels") or {}).items()
    )


def selector_is_empty(selector: Any) -> bool:
    return not isinstance(selector, dict) or not (
        selector.get("matchLabels") or selector.get("matchExpressions")
    )


def selector_matches(selector: Mapping[str, Any], labels: Any) -> bool:
    """Whether a parsable, non-nil LabelSelector selects these labels."""
    labels = labels if isinstance(labels, dict) else {}
    for name, value in (selector.get("matchLabels") or {}).items():
        if labels.get(name) != value:
            return False
    for expr in selector.get("matchExpressions") or ():
        name, values = expr.get("key"), expr.get("values") or []
        present = name in labels
        operator = expr["operator"]
        if operator == "In" and not (present and labels[name] in values):
            return False
        if operator == "NotIn" and present and labels[name] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _nonnegative(value: Any, path: str) -> list[FieldError]:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, "must be greater than or equal to 0")]
    return []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
