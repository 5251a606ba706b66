"""The three PATCH formats kube-apiserver accepts besides apply: JSON, merge and strategic merge.

``kubectl edit``, ``kubectl apply`` (client side), ``kubectl patch`` and the Python client all
send PATCH bodies, and what they get back depends on the exact engines kube-apiserver runs:
evanphx/json-patch v4 for RFC 6902 and RFC 7386 bodies, apimachinery's ``strategicpatch``
package for strategic merge patches. Users see those engines' quirks (a strategic merge puts new
list elements first, ``replace`` of a missing JSON-patch member succeeds, ``$retainKeys`` is the
only thing that clears sibling fields) and the statuses their failures turn into, so this module
reproduces their semantics on plain JSON values, taking patch strategies and merge keys from the
OpenAPI :class:`~gitops_tui.cluster.embedded.schema.SchemaNode` instead of Go struct tags.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jsonpatch

from gitops_tui.cluster.embedded.meta import copy_json
from gitops_tui.cluster.embedded.schema import OPEN, SchemaNode

#: kube-apiserver refuses JSON patches with more operations than this.
MAX_JSON_PATCH_OPERATIONS = 10000

#: What apiserver says for a patch that decoded fine but could not be applied; the actual
#: reason travels in ``details.causes`` (errors.NewGenericServerResponse with code 422).
REJECTED = "the server rejected our request due to an error in our request"

_REASONS = {400: "BadRequest", 413: "RequestEntityTooLarge", 422: "Invalid"}

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
_SET_ELEMENT_ORDER = "$setElementOrder"

_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
_BAD_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list"
_GO_MAP = "map[string]interface {}"
_GO_SLICE = "[]interface {}"
_GO_INT = re.compile(r"[+-]?[0-9]+")


class PatchError(ValueError):
    """A patch that cannot be applied, as kube-apiserver reports it.

    ``message`` and ``code`` are the Status's; ``reason`` is the Status reason that goes with
    them (empty for the 500s apiserver answers for errors it never classified) and ``details``
    the Status details, when apiserver sends any.
    """

    def __init__(
        self,
        message: str,
        code: int = 422,
        *,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = _REASONS.get(code, "") if reason is None else reason
        self.details = details


def _bad_request(message: str) -> PatchError:
    return PatchError(message, 400)


def _rejected(cause: str) -> PatchError:
    """errors.NewGenericServerResponse(422, ...): generic message, the real one as a cause."""
    causes = [{"reason": "UnexpectedServerResponse", "message": cause}]
    return PatchError(REJECTED, 422, details={"causes": causes})


def _unclassified(message: str) -> PatchError:
    """A plain Go error reaching the handler: 500 with the error text and no reason."""
    return PatchError(message, 500)


def _not_an_object(patched: Any) -> PatchError:
    """The patch produced something that does not decode as an object (errors.NewInvalid)."""
    text = json.dumps(
        json.dumps(patched, separators=(",", ":"), ensure_ascii=False), ensure_ascii=False
    )
    detail = (
        "couldn't get version/kind; json parse error: json: cannot unmarshal "
        f"{_json_kind(patched)} into Go value of type struct {{ APIVersion string "
        '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
    )
    cause = {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {text}: {detail}",
        "field": "patch",
    }
    return PatchError(
        f' "" is invalid: patch: Invalid value: {text}: {detail}',
        details={"causes": [cause]},
    )


def _json_kind(value: Any) -> str:
    """The JSON kind Go's decoder names in ``cannot unmarshal <kind> into ...``."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"


def json_merge_patch(original: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply an ``application/merge-patch+json`` body as evanphx/json-patch v4 MergePatch.

    Objects merge, null deletes, anything else (lists included) replaces; values added where
    nothing was lose their null members. A body that is not an object is refused the way
    kube-apiserver refuses it.
    """
    if isinstance(patch, list):
        raise _not_an_object(_prune_nulls(copy_json(patch)))
    if not isinstance(patch, dict):
        raise _bad_request("Invalid JSON Patch")
    merged: dict[str, Any] = _merge_value(copy_json(original), copy_json(patch))
    return merged


def _merge_value(current: Any, patch: Any) -> Any:
    if not isinstance(current, dict):
        return _prune_nulls(patch)
    if not isinstance(patch, dict):
        return patch
    for key, value in patch.items():
        if value is None:
            current.pop(key, None)
        elif current.get(key) is None:
            current[key] = _prune_nulls(value)
        else:
            current[key] = _merge_value(current[key], value)
    return current


def _prune_nulls(value: Any) -> Any:
    """Drop null members of objects, however deep (null array elements stay, as in v4)."""
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value


def json_patch(original: dict[str, Any], operations: Any) -> dict[str, Any]:
    """Apply an ``application/json-patch+json`` body the way kube-apiserver does.

    The ``jsonpatch`` library performs each operation; in front of it sits what evanphx v4
    does differently: which paths it rejects (with its wording, as the Status cause), that
    ``replace`` of a missing object member adds it, that ``test`` of a missing member against
    null passes, that array indices may be signed (negative ones count from the end).
    """
    decoded = _decode_operations(operations)
    document: dict[str, Any] = copy_json(original)
    for operation in decoded:
        kind = operation.get("op") if isinstance(operation, dict) else None
        handler = _OPERATIONS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise _rejected(f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
        handler(document, operation)
    return document


def _decode_operations(operations: Any) -> list[Any]:
    """jsonpatch.DecodePatch: a JSON array of objects (or null, an empty patch)."""
    if operations is None:
        return []
    if not isinstance(operations, list):
        raise _bad_request(
            f"json: cannot unmarshal {_json_kind(operations)} into Go value of type jsonpatch.Patch"
        )
    for operation in operations:
        if operation is not None and not isinstance(operation, dict):
            raise _bad_request(
                f"json: cannot unmarshal {_json_kind(operation)} into Go value of type "
                "jsonpatch.Operation"
            )
    if len(operations) > MAX_JSON_PATCH_OPERATIONS:
        raise PatchError(
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(operations)}",
            413,
        )
    return operations


class _Location:
    """Where a pointer lands: its parent container, the last token, the parent's tokens."""

    def __init__(self, container: dict[str, Any] | list[Any], key: str, parents: list[str]) -> None:
        self.container = container
        self.key = key
        self.parents = parents

    def pointer(self, key: str) -> str:
        tokens = [*self.parents, key]
        return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _locate(document: dict[str, Any], path: str) -> _Location | None:
    """findObject: the container holding the pointer's last token, None when there is none."""
    tokens = path.split("/")
    if len(tokens) < 2:
        return None
    node: Any = document
    parents: list[str] = []
    for raw in tokens[1:-1]:
        token = _unescape(raw)
        if isinstance(node, dict):
            node = node.get(token)
        else:
            index = _go_atoi(token)
            if index is None or not 0 <= index < len(node):
                return None
            node, token = node[index], str(index)
        if not isinstance(node, (dict, list)):
            return None
        parents.append(token)
    return _Location(node, _unescape(tokens[-1]), parents)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _go_atoi(text: str) -> int | None:
    return int(text) if _GO_INT.fullmatch(text) else None


def _array_index(
    key: str, size: int, context: str, *, negatives: bool = True, syntax: str = ""
) -> int:
    """An array token as partialArray parses it; negative indices count from the end."""
    index = _go_atoi(key)
    if index is None:
        raise _rejected(f'{context}: {syntax}strconv.Atoi: parsing "{key}": invalid syntax')
    if not (-size if negatives else 0) <= index < size:
        raise _rejected(
            f"{context}: Unable to access invalid index: {index}: invalid index referenced"
        )
    return index % size


def _pointer_field(operation: dict[str, Any], kind: str, field: str) -> str:
    """Operation.Path / Operation.From, failing with the message of the operation at hand."""
    value = operation.get(field)
    if isinstance(value, str):
        return value
    if value is not None:
        inner = f"json: cannot unmarshal {_json_kind(value)} into Go value of type string"
    elif field == "path":
        inner = "operation missing path field: missing value"
    else:
        inner = "operation, missing from field: missing value"
    if field == "path" and kind in ("add", "remove", "copy"):
        inner = "missing value"
    raise _rejected(f"{kind} operation failed to decode {field}: {inner}")


def _library(document: dict[str, Any], operation: dict[str, Any]) -> None:
    try:
        jsonpatch.JsonPatch([operation]).apply(document, in_place=True)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise _rejected(str(exc)) from exc


def _insert(document: dict[str, Any], where: _Location, value: Any, context: str) -> None:
    """partialDoc/partialArray add: set a member, or insert into an array (``-`` appends)."""
    key = where.key
    if isinstance(where.container, list) and key != "-":
        syntax = f"value was not a proper array index: '{key}': "
        key = str(_array_index(key, len(where.container) + 1, context, syntax=syntax))
    _library(document, {"op": "add", "path": where.pointer(key), "value": value})


def _remove(document: dict[str, Any], where: _Location, context: str) -> Any:
    """partialDoc/partialArray remove; returns the removed value."""
    if isinstance(where.container, dict):
        if where.key not in where.container:
            raise _rejected(
                f"{context}: Unable to remove nonexistent key: {where.key}: missing value"
            )
        value = where.container[where.key]
        _library(document, {"op": "remove", "path": where.pointer(where.key)})
        return value
    index = _array_index(where.key, len(where.container), context)
    value = where.container[index]
    _library(document, {"op": "remove", "path": where.pointer(str(index))})
    return value


def _read(where: _Location, context: str) -> Any:
    """container.get: a missing object member reads as null, a bad array index fails."""
    if isinstance(where.container, dict):
        return where.container.get(where.key)
    return where.container[_array_index(where.key, len(where.container), context, negatives=False)]


def _op_add(document: dict[str, Any], operation: dict[str, Any]) -> None:
    path = _pointer_field(operation, "add", "path")
    where = _locate(document, path)
    if where is None:
        raise _rejected(
            f'add operation does not apply: doc is missing path: "{path}": missing value'
        )
    _insert(document, where, operation.get("value"), f"error in add for path: '{path}'")


def _op_remove(document: dict[str, Any], operation: dict[str, Any]) -> None:
    path = _pointer_field(operation, "remove", "path")
    where = _locate(document, path)
    if where is None:
        raise _rejected(
            f'remove operation does not apply: doc is missing path: "{path}": missing value'
        )
    _remove(document, where, f"error in remove for path: '{path}'")


def _op_replace(document: dict[str, Any], operation: dict[str, Any]) -> None:
    path = _pointer_field(operation, "replace", "path")
    where = _locate(document, path)
    if where is None:
        raise _rejected(
            f"replace operation does not apply: doc is missing path: {path}: missing value"
        )
    value = operation.get("value")
    if isinstance(where.container, dict):
        _library(document, {"op": "add", "path": where.pointer(where.key), "value": value})
        return
    index = _go_atoi(where.key)
    if index is None or not 0 <= index < len(where.container):
        raise _rejected(
            f"replace operation does not apply: doc is missing key: {path}: missing value"
        )
    _library(document, {"op": "replace", "path": where.pointer(str(index)), "value": value})


def _op_move(document: dict[str, Any], operation: dict[str, Any]) -> None:
    source = _pointer_field(operation, "move", "from")
    origin = _locate(document, source)
    if origin is None:
        raise _rejected(
            f"move operation does not apply: doc is missing from path: {source}: missing value"
        )
    value = _remove(document, origin, f"error in move for path: '{origin.key}'")
    path = _pointer_field(operation, "move", "path")
    where = _locate(document, path)
    if where is None:
        raise _rejected(
            f"move operation does not apply: doc is missing destination path: {path}: missing value"
        )
    _insert(document, where, value, f"error in move for path: '{path}'")


def _op_copy(document: dict[str, Any], operation: dict[str, Any]) -> None:
    source = _pointer_field(operation, "copy", "from")
    origin = _locate(document, source)
    if origin is None:
        raise _rejected(
            f"copy operation does not apply: doc is missing from path: {source}: missing value"
        )
    value = copy_json(_read(origin, f"error in copy for from: '{source}'"))
    path = _pointer_field(operation, "copy", "path")
    where = _locate(document, path)
    if where is None:
        raise _rejected(
            f"copy operation does not apply: doc is missing destination path: {path}: missing value"
        )
    _insert(document, where, value, "error while adding value during copy")


def _op_test(document: dict[str, Any], operation: dict[str, Any]) -> None:
    path = _pointer_field(operation, "test", "path")
    where = _locate(document, path)
    if where is None:
        raise _rejected(f"test operation does not apply: is missing path: {path}: missing value")
    actual = _read(where, f"error in test for path: '{path}'")
    expected = operation.get("value")
    if not _json_equal(actual, expected):
        raise _rejected(f"testing value {path} failed: test failed")


def _json_equal(left: Any, right: Any) -> bool:
    """Equality of JSON values by kind: true is not 1, and 1 is not 1.0 (v4 compares bytes)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    return type(left) is type(right) and left == right


_OPERATIONS: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
    "add": _op_add,
    "remove": _op_remove,
    "replace": _op_replace,
    "move": _op_move,
    "copy": _op_copy,
    "test": _op_test,
}


def strategic_merge_patch(
    original: dict[str, Any], patch: dict[str, Any], schema: SchemaNode
) -> dict[str, Any]:
    """Apply an ``application/strategic-merge-patch+json`` body to an object of ``schema``.

    This is apimachinery's StrategicMergeMapPatch as the apiserver calls it (parallel lists
    merged, unmatched nulls ignored); its Go errors map to the statuses apiserver answers:
    400 for malformed directives, 422 for lists of lists, 500 (no reason) for the rest.
    """
    return _merge_map(copy_json(original), copy_json(patch), schema)


def _merge_map(
    original: dict[str, Any], patch: dict[str, Any], schema: SchemaNode
) -> dict[str, Any]:
    """mergeMap: works in place on both arguments (callers hand it copies)."""
    if _DIRECTIVE in patch:
        return _map_directive(patch)
    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, schema)
    for key, value in patch.items():
        _merge_field(original, key, value, schema)
    return original


def _map_directive(patch: dict[str, Any]) -> dict[str, Any]:
    directive = patch[_DIRECTIVE]
    if directive == "replace":
        del patch[_DIRECTIVE]
        return patch
    if directive == "delete":
        return {}
    raise _unclassified(_bad_patch_type(directive, patch))


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """``$retainKeys``: clear every original field it does not list."""
    if _RETAIN_KEYS not in patch:
        return
    retained = patch.pop(_RETAIN_KEYS)
    if not isinstance(retained, list):
        raise _bad_request(_BAD_RETAIN_KEYS)
    allowed = {key for key in retained if isinstance(key, str)}
    for key, value in patch.items():
        if value is None or key.startswith((_DELETE_FROM_PRIMITIVE_LIST, _SET_ELEMENT_ORDER)):
            continue
        if key not in allowed:
            raise _bad_request(_BAD_RETAIN_KEYS)
    for key in [key for key in original if key not in allowed]:
        del original[key]


def _merge_field(original: dict[str, Any], key: str, value: Any, schema: SchemaNode) -> None:
    """One iteration of mergeMap's loop over the patch."""
    deletion_list = key.startswith(_DELETE_FROM_PRIMITIVE_LIST)
    if deletion_list:
        key = _directive_target(key, _DELETE_FROM_PRIMITIVE_LIST, _BAD_PRIMITIVE_LIST)
    if value is None:
        original.pop(key, None)
        return
    if key not in original or type(original[key]) is not type(value):
        original[key] = value
        return
    current = original[key]
    field, strategy, merge_key = _field_meta(schema, key)
    if isinstance(current, dict):
        original[key] = value if strategy == "replace" else _merge_map(current, value, field)
    elif isinstance(current, list):
        original[key] = _merge_list(current, value, field, strategy, merge_key, deletion_list)
    else:
        original[key] = value


def _field_meta(schema: SchemaNode, key: str) -> tuple[SchemaNode, str, str]:
    """LookupPatchMetadata: a field's schema, patch strategy (minus retainKeys), merge key.

    Children of free-form maps carry no strategy; fields the schema does not know are open.
    """
    field = schema.field(key)
    if field is None:
        return OPEN, "", ""
    if schema.is_map:
        return field, "", ""
    strategies = [s for s in (field.patch_strategy or "").split(",") if s != "retainKeys"]
    return field, strategies[0] if strategies else "", field.patch_merge_key or ""


def _directive_target(key: str, prefix: str, malformed: str) -> str:
    """``$setElementOrder/containers`` -> ``containers`` (extractKey)."""
    head, slash, target = key.partition("/")
    if not slash or head != prefix:
        raise _bad_request(malformed)
    return target


def _merge_ordered_lists(
    original: dict[str, Any], patch: dict[str, Any], schema: SchemaNode
) -> None:
    """mergePatchIntoOriginal: merge each list named by a ``$setElementOrder`` and order it."""
    for directive in [key for key in patch if key.startswith(_SET_ELEMENT_ORDER)]:
        order = patch.pop(directive)
        if not isinstance(order, list):
            raise _unclassified(_bad_arg_type(_GO_SLICE, order))
        key = _directive_target(directive, _SET_ELEMENT_ORDER, _BAD_SET_ELEMENT_ORDER)
        current, patched = _list_field(original, key), _list_field(patch, key)
        field, strategy, merge_key = _field_meta(schema, key)
        _check_set_element_order(patched or [], order, merge_key)
        if current is None and patched is None:
            continue
        if current is not None and patched is not None:
            merged = _merge_list(current, patched, field, strategy, merge_key, False)
        else:
            merged = current or patched or []
        if merge_key:
            in_order, server_only = _partition_maps(merged, order, merge_key)
        else:
            in_order, server_only = _partition_scalars(merged, order)
        kind = _element_kind(current or [], patched or [])
        original[key] = _normalize_order(
            in_order, server_only, order, current or [], merge_key, kind
        )
        patch.pop(key, None)


def _list_field(mapping: dict[str, Any], key: str) -> list[Any] | None:
    if key not in mapping:
        return None
    value = mapping[key]
    if not isinstance(value, list):
        raise _unclassified(_bad_arg_type(_GO_SLICE, value))
    return value


def _check_set_element_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """validatePatchWithSetOrderList: patch elements appear in the order list, in its order."""
    if not order or not patch_list:
        return
    items = _split_deletions(patch_list)[0] if merge_key else patch_list
    position, wanted = 0, 0
    while position < len(items) and wanted < len(order):
        if _has_directive(items[position]):
            position += 1
            continue
        if _merge_key_equal(items[position], order[wanted], merge_key):
            position += 1
        wanted += 1
    if position < len(items) and wanted >= len(order):
        raise _unclassified(
            f"The order in patch list:\n{_go_format(patch_list)}\n doesn't match "
            f"{_SET_ELEMENT_ORDER} list:\n{_go_format(order)}\n"
        )


def _has_directive(item: Any) -> bool:
    return isinstance(item, dict) and _DIRECTIVE in item


def _merge_key_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return _go_equal(left, right)
    return _go_equal(_keyed(left, merge_key)[merge_key], _keyed(right, merge_key)[merge_key])


def _keyed(item: Any, merge_key: str) -> dict[str, Any]:
    """An element of a keyed list: a map that holds the merge key."""
    if not isinstance(item, dict):
        raise _unclassified(_bad_arg_type(_GO_MAP, item))
    if merge_key not in item:
        raise _unclassified(_no_merge_key(item, merge_key))
    return item


def _merge_list(
    original: list[Any],
    patch: list[Any],
    schema: SchemaNode,
    strategy: str,
    merge_key: str,
    deletion_list: bool,
) -> list[Any]:
    """mergeSliceHandler: only lists with the ``merge`` strategy merge; others are replaced."""
    if strategy != "merge":
        return patch
    return _merge_slice(original, patch, schema.items(), merge_key, deletion_list)


def _merge_slice(
    original: list[Any], patch: list[Any], items: SchemaNode, merge_key: str, deletion_list: bool
) -> list[Any]:
    """mergeSlice: union scalars or merge maps by key, then order as apimachinery does."""
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)
    if kind != "map":
        if deletion_list:
            return [item for item in original if not _go_contains(patch, item)]
        merged = _deduplicate([*original, *patch])
    else:
        if not merge_key:
            kind_name = "map" if items.is_map else "struct"
            raise _unclassified(f"cannot merge lists without merge key for type {kind_name}")
        original, patch = _apply_list_directives(original, patch, merge_key)
        merged = _merge_by_key(original, patch, merge_key, items)
    if merge_key:
        in_patch, server_only = _partition_maps(merged, patch, merge_key)
    else:
        in_patch, server_only = _partition_scalars(merged, patch)
    return _normalize_order(in_patch, server_only, patch, original, merge_key, kind)


def _element_kind(*lists: list[Any]) -> str:
    """sliceElementType: ``map`` or ``scalar``; every element must have the same JSON type."""
    first: type | None = None
    for item in (item for items in lists for item in items):
        if first is None:
            first = type(item)
            if first is list:
                raise _rejected("lists of lists are not supported")
        elif type(item) is not first:
            raise _unclassified(f"list element types are not identical: {_go_format(list(lists))}")
    if first is None:
        raise _unclassified("no elements in any of the given slices")
    return "map" if first is dict else "scalar"


def _deduplicate(items: list[Any]) -> list[Any]:
    """deduplicateScalars, including how it reorders (a duplicate is replaced by the last)."""
    result = list(items)
    i = 0
    while i < len(result) - 1:
        j = i + 1
        while j < len(result):
            if _go_equal(result[i], result[j]):
                result[j] = result[-1]
                result.pop()
            else:
                j += 1
        i += 1
    return result


def _apply_list_directives(
    original: list[Any], patch: list[Any], merge_key: str
) -> tuple[list[Any], list[Any]]:
    """mergeSliceWithSpecialElements: ``$patch: delete`` / ``replace`` elements of a list."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == "delete":
            if merge_key not in item:
                raise _unclassified(_no_merge_key(item, merge_key))
            value = item[merge_key]
            original = [
                e for e in original if not (merge_key in e and _go_equal(e[merge_key], value))
            ]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise _unclassified("merging lists cannot yet be specified in the patch")
        else:
            raise _unclassified(_bad_patch_type(directive, item))
    return (plain, []) if replace else (original, plain)


def _merge_by_key(
    original: list[Any], patch: list[Any], merge_key: str, items: SchemaNode
) -> list[Any]:
    """mergeSliceWithoutSpecialElements: merge into the element with the same key, or append."""
    merged = list(original)
    for item in patch:
        if merge_key not in item:
            raise _unclassified(_no_merge_key(item, merge_key))
        index = _find_by_key(merged, merge_key, item[merge_key])
        if index is None:
            merged.append(item)
        else:
            merged[index] = _merge_map(merged[index], item, items)
    return merged


def _find_by_key(items: list[Any], merge_key: str, value: Any) -> int | None:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _unclassified(f"value for key {index} is not a map.")
        if merge_key in item and _go_equal(item[merge_key], value):
            return index
    return None


def _partition_maps(
    merged: list[Any], by: list[Any], merge_key: str
) -> tuple[list[Any], list[Any]]:
    """partitionMapsByPresentInList: (elements whose key is in ``by``, the others)."""
    present: list[Any] = []
    absent: list[Any] = []
    for item in merged:
        found = _find_by_key(by, merge_key, _keyed(item, merge_key)[merge_key]) is not None
        (present if found else absent).append(item)
    return present, absent


def _partition_scalars(merged: list[Any], by: list[Any]) -> tuple[list[Any], list[Any]]:
    present = [item for item in merged if _go_contains(by, item)]
    absent = [item for item in merged if not _go_contains(by, item)]
    return present, absent


def _normalize_order(
    in_patch: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
    kind: str,
) -> list[Any]:
    """normalizeElementOrder: sort both parts, then interleave by the live object's order.

    A patch element absent from the live list goes before every server-only element still
    waiting, which is why a plain strategic merge puts added containers or env vars first.
    """
    in_patch = _sort_by(in_patch, patch_order, merge_key, kind)
    server_only = _sort_by(server_only, server_order, merge_key, kind)
    result: list[Any] = []
    left, right = 0, 0
    while left < len(server_only) and right < len(in_patch):
        li = _index_in(server_order, server_only[left], merge_key, kind)
        ri = _index_in(server_order, in_patch[right], merge_key, kind)
        if li >= 0 and ri >= 0 and li < ri:
            result.append(server_only[left])
            left += 1
        else:
            result.append(in_patch[right])
            right += 1
    return result + server_only[left:] + in_patch[right:]


def _sort_by(items: list[Any], order: list[Any], merge_key: str, kind: str) -> list[Any]:
    """normalizeSliceOrder: stable sort by position in ``order``, deletions last.

    Go's comparator calls an element missing from ``order`` smaller than anything, which is
    no consistent order; an insertion sort is what sort.SliceStable runs on up to 20
    elements, so it reproduces Go there, and everywhere once every element is in ``order``.
    """
    deletions: list[Any] = []
    if kind == "map":
        for item in (*items, *order):
            _keyed(item, merge_key)
        items, deletions = _split_deletions(items)
    result = list(items)
    positions = [_index_in(order, item, merge_key, kind) for item in result]
    for i in range(1, len(result)):
        j = i
        while j > 0 and (
            positions[j] < 0 or positions[j - 1] < 0 or positions[j] < positions[j - 1]
        ):
            result[j], result[j - 1] = result[j - 1], result[j]
            positions[j], positions[j - 1] = positions[j - 1], positions[j]
            j -= 1
    return result + deletions


def _split_deletions(items: list[Any]) -> tuple[list[Any], list[Any]]:
    """extractToDeleteItems: (elements to keep, ``$patch: delete`` elements)."""
    keep: list[Any] = []
    delete: list[Any] = []
    for item in items:
        if not isinstance(item, dict):
            raise _unclassified(_bad_arg_type(_GO_MAP, item))
        (delete if item.get(_DIRECTIVE) == "delete" else keep).append(item)
    return keep, delete


def _index_in(items: list[Any], item: Any, merge_key: str, kind: str) -> int:
    def identity(value: Any) -> Any:
        if kind != "map":
            return value
        return value.get(merge_key) if isinstance(value, dict) else None

    wanted = identity(item)
    return next((i for i, v in enumerate(items) if _go_equal(wanted, identity(v))), -1)


def _go_equal(left: Any, right: Any) -> bool:
    """Go's ``==`` on decoded JSON values: the types must match (true != 1, 1 != 1.0)."""
    return type(left) is type(right) and left == right


def _go_contains(items: list[Any], value: Any) -> bool:
    return any(_go_equal(item, value) for item in items)


def _no_merge_key(item: dict[str, Any], merge_key: str) -> str:
    return f"map: {_go_format(item)} does not contain declared merge key: {merge_key}"


def _bad_arg_type(expected: str, actual: Any) -> str:
    return f"expected a {expected}, but received a {_go_type(actual)}"


def _bad_patch_type(directive: Any, item: dict[str, Any]) -> str:
    return f"unknown patch type: {_go_format(directive, 's')} in map: {_go_format(item)}"


def _go_type(value: Any) -> str:
    """The name reflect.TypeOf gives a decoded JSON value, as printed with %s."""
    if value is None:
        return "%!s(<nil>)"
    if isinstance(value, bool):
        return "bool"
    names = {dict: _GO_MAP, list: _GO_SLICE, str: "string", int: "int64", float: "float64"}
    return names[type(value)]


def _go_format(value: Any, verb: str = "v") -> str:
    """fmt's %v (or %s) of a decoded JSON value: ``map[k:v]`` with sorted keys, ``[a b]``."""
    if isinstance(value, dict):
        members = " ".join(f"{key}:{_go_format(value[key], verb)}" for key in sorted(value))
        return f"map[{members}]"
    if isinstance(value, list):
        return "[" + " ".join(_go_format(item, verb) for item in value) + "]"
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)" if verb == "s" else "<nil>"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = _go_float(value)
    else:
        text = str(value)
    return f"%!s({_go_type(value)}={text})" if verb == "s" else text


def _go_float(value: float) -> str:
    """%v of a float64: shortest digits, exponent form below 1e-4 and from 1e6 on."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + int(exponent)
    prefix = "-" if sign else ""
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"
