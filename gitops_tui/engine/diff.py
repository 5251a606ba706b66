"""Drift as a value: what differs between the desired and the live object, field by field.

Drift is decided the way Flux and ``kubectl diff --server-side`` decide it. The agent asks the
API server for a server-side-apply *dry run* of the desired manifest and :func:`compute`
compares that result with the live object. Both went through the same defaulting and
canonicalisation, so a defaulted field or a respelled quantity never shows as drift. Fields
the server owns (status, resourceVersion, managedFields, ...) are left out, because nobody
can sync them.

When no dry run is possible (the cluster is unreachable, or a preview runs before the first
sync), :func:`owned_fields_diff` compares only the fields the manifest sets and undoes the
rewrites kube-apiserver is known to make (quantities, int-or-string ports, dropped empty
values, ``stringData``). It also reports what server-side apply would *remove*: fields the
agent's field manager applied before, that the manifest no longer sets and nobody else owns.

Paths read like jq (``.spec.template.spec.containers[name=web].image``); elements of
Kubernetes' list-maps are addressed by their keys, so a path names the same container after a
reorder. Secret values never leave this module: in every result they are ``"***"``, and a
changed value is flagged as changed without hinting at its content or length.
:func:`attribute` answers "who did this?" from ``metadata.managedFields``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from gitops_tui.cluster.embedded import quantity

Op = Literal["add", "remove", "change"]

#: What a Secret value is shown as, everywhere.
MASK = "***"
#: The desired side of a Secret value that differs from the live one.
MASK_CHANGED = "*** (changed)"

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
DEPLOYMENT_REVISION = "deployment.kubernetes.io/revision"

_SERVER_METADATA = frozenset(
    {
        "managedFields",
        "resourceVersion",
        "generation",
        "uid",
        "creationTimestamp",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    }
)
_SERVER_ANNOTATIONS = frozenset({LAST_APPLIED, DEPLOYMENT_REVISION})
_SECRET_MAPS = frozenset({"data", "stringData"})

#: ``x-kubernetes-list-map-keys`` of the built-in list-maps, by field name (keys sorted, as
#: structured-merge-diff sorts them). ``ports`` depends on its owner, see :func:`_list_keys`.
_LIST_MAP_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "hostAliases": ("ip",),
    "resourceClaims": ("name",),
    "schedulingGates": ("name",),
    "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"),
    "ownerReferences": ("uid",),
}
#: Atomic lists whose elements happen to carry a ``name``: never addressed by it.
_ATOMIC_LISTS = frozenset({"subjects"})
_KEY_DEFAULTS: dict[str, Any] = {"protocol": "TCP"}

#: Maps whose values are ``resource.Quantity`` in a ResourceList (rounded up to milli-units).
_RESOURCE_LISTS = frozenset(
    {"requests", "limits", "hard", "capacity", "allocatable", "overhead", "podFixed"}
)
_LIMIT_RANGE_LISTS = frozenset({"default", "defaultRequest", "max", "min", "maxLimitRequestRatio"})

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BARE_VALUE = re.compile(r"[A-Za-z0-9_./:-]+")
_KEY_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_INDEX = re.compile(r"\[(\d+)\]")
_JSON = json.JSONDecoder()


#: A field that is not there, as opposed to one that is ``null``.
_ABSENT: Final = object()


@dataclass(frozen=True)
class DiffItem:
    """One difference: ``add`` (only desired has it), ``remove`` (only live) or ``change``."""

    op: Op
    path: str
    desired: Any
    live: Any


@dataclass(frozen=True)
class _Keyed:
    """A list-map element's address: its key fields and their printed values."""

    keys: tuple[tuple[str, str], ...]


Segment = str | int | _Keyed
Path = tuple[Segment, ...]


@dataclass(frozen=True)
class _Change:
    op: Op
    path: Path
    desired: Any
    live: Any


def compute(
    desired_merged: Mapping[str, Any], live: Mapping[str, Any], *, secret: bool
) -> tuple[DiffItem, ...]:
    """Every difference between a server-side-apply dry run and the live object."""
    changes = _diff(_strip(desired_merged), _strip(live), ())
    return tuple(_item(change, secret) for change in changes)


def owned_fields_diff(
    desired_manifest: Mapping[str, Any], live: Mapping[str, Any], manager: str
) -> tuple[DiffItem, ...]:
    """Drift without a dry run: the manifest's own fields, canonicalised, plus the removals.

    Removals are fields ``manager`` applied earlier (per ``metadata.managedFields``), that the
    manifest no longer sets and that no other manager owns: exactly what the next apply by
    ``manager`` deletes.
    """
    secret = _is_secret(desired_manifest)
    desired = _strip(_fold_string_data(desired_manifest) if secret else desired_manifest)
    current = _strip(live)
    changes = [
        *_owned(desired, current, (), secret),
        *_released_by(manager, desired, current, _managed_fields(live)),
    ]
    return tuple(_item(change, secret) for change in changes)


def normalize_for_display(obj: Mapping[str, Any], secret: bool) -> dict[str, Any]:
    """A copy fit to show: no server-owned fields, and Secret values masked."""
    shown = copy.deepcopy(_strip(obj))
    if secret:
        for name in _SECRET_MAPS & shown.keys():
            shown[name] = _mask_values(shown[name])
    return shown


def attribute(live: Mapping[str, Any], paths: Iterable[str]) -> dict[str, str]:
    """The field manager that last changed each path, from ``metadata.managedFields``.

    Paths no manager owns (a field that is missing from the live object) are left out. When
    several managers own a path, the one whose entry was written last wins.
    """
    entries = sorted(
        enumerate(_managed_fields(live)), key=lambda pair: (str(pair[1].get("time", "")), pair[0])
    )
    owners: dict[str, str] = {}
    for path in paths:
        segments = _parse_path(path)
        for _, entry in entries:
            if _owns(entry.get("fieldsV1"), segments, live):
                owners[path] = str(entry.get("manager", ""))
    return owners


def render_path(path: Sequence[Segment]) -> str:
    """``.spec.containers[name=web].ports[containerPort=80,protocol=TCP]``, ``.data["a.b"]``."""
    parts = []
    for segment in path:
        if isinstance(segment, _Keyed):
            parts.append("[" + ",".join(f"{key}={text}" for key, text in segment.keys) + "]")
        elif isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif _IDENTIFIER.fullmatch(segment):
            parts.append(f".{segment}")
        else:
            parts.append(f"[{json.dumps(segment)}]")
    return "".join(parts)


def _diff(desired: Any, live: Any, path: Path) -> Iterator[_Change]:
    if isinstance(desired, Mapping) and isinstance(live, Mapping):
        for key, value in desired.items():
            if key in live:
                yield from _diff(value, live[key], (*path, key))
            else:
                yield _Change("add", (*path, key), value, None)
        for key, value in live.items():
            if key not in desired:
                yield _Change("remove", (*path, key), None, value)
    elif isinstance(desired, list) and isinstance(live, list):
        yield from _diff_list(desired, live, path)
    elif not _same(desired, live):
        yield _Change("change", path, desired, live)


def _diff_list(desired: list[Any], live: list[Any], path: Path) -> Iterator[_Change]:
    keys = _list_keys(path, desired, live)
    if keys is not None:
        wanted = {_address(element, keys): element for element in desired}
        present = {_address(element, keys): element for element in live}
        for address, element in wanted.items():
            if address in present:
                yield from _diff(element, present[address], (*path, address))
            else:
                yield _Change("add", (*path, address), element, None)
        for address, element in present.items():
            if address not in wanted:
                yield _Change("remove", (*path, address), None, element)
    elif len(desired) == len(live):
        for index, (mine, theirs) in enumerate(zip(desired, live, strict=True)):
            yield from _diff(mine, theirs, (*path, index))
    else:
        yield _Change("change", path, desired, live)


def _owned(desired: Any, live: Any, path: Path, secret: bool) -> Iterator[_Change]:
    """Fields set in ``desired`` that ``live`` lacks or holds differently, canonicalised."""
    if desired is None:
        return
    if live is _ABSENT or live is None:
        if not _empty(desired):
            yield _Change("add", path, desired, None)
    elif isinstance(desired, Mapping) and isinstance(live, Mapping):
        for key, value in desired.items():
            yield from _owned(value, live.get(key, _ABSENT), (*path, key), secret)
    elif isinstance(desired, list) and isinstance(live, list):
        yield from _owned_list(desired, live, path, secret)
    elif not _equivalent(desired, live, path, secret):
        yield _Change("change", path, desired, live)


def _owned_list(desired: list[Any], live: list[Any], path: Path, secret: bool) -> Iterator[_Change]:
    keys = _list_keys(path, desired, live)
    if keys is not None:
        present = {_address(element, keys): element for element in live}
        for element in desired:
            address = _address(element, keys)
            yield from _owned(element, present.get(address, _ABSENT), (*path, address), secret)
    elif len(desired) == len(live):
        for index, (mine, theirs) in enumerate(zip(desired, live, strict=True)):
            yield from _owned(mine, theirs, (*path, index), secret)
    else:
        yield _Change("change", path, desired, live)


def _equivalent(desired: Any, live: Any, path: Path, secret: bool) -> bool:
    """Equal once kube-apiserver's rewrites of ``desired`` are undone."""
    if _same(desired, live):
        return True
    if secret and len(path) == 2 and path[0] == "data":
        return _base64_equal(desired, live)
    resource_list = _in_resource_list(path)
    if resource_list or path[-1:] == ("sizeLimit",):
        return _quantities_equal(desired, live, resource_list)
    return _is_int(live) and isinstance(desired, str) and desired == str(live)


def _released_by(
    manager: str,
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
) -> Iterator[_Change]:
    ours: list[Mapping[str, Any]] = []
    others: list[Any] = []
    for entry in entries:
        applied = entry.get("operation") == "Apply" and not entry.get("subresource")
        fields = entry.get("fieldsV1")
        if applied and entry.get("manager") == manager and isinstance(fields, Mapping):
            ours.append(fields)
        else:
            others.append(fields)
    for fields in ours:
        yield from _released(fields, desired, live, (), (), others)


def _released(
    fields: Mapping[str, Any],
    desired: Any,
    live: Any,
    path: Path,
    raw_path: tuple[str, ...],
    others: Sequence[Any],
) -> Iterator[_Change]:
    """Walk a FieldsV1 tree: fields owned there, set live, but no longer in ``desired``."""
    for raw, body in fields.items():
        step = _step(raw, desired, live)
        if step is None:
            continue
        segment, wanted, present = step
        if present is _ABSENT:
            continue
        here, raw_here = (*path, segment), (*raw_path, raw)
        if wanted is _ABSENT:
            if not any(_touches(tree, raw_here) for tree in others):
                yield _Change("remove", here, None, present)
        elif isinstance(body, Mapping) and body.keys() - {"."}:
            yield from _released(body, wanted, present, here, raw_here, others)


def _step(raw: str, desired: Any, live: Any) -> tuple[Segment, Any, Any] | None:
    """Follow one FieldsV1 key into both objects: (segment, desired child, live child)."""
    if raw.startswith("f:") and isinstance(live, Mapping):
        name = raw[2:]
        wanted = desired.get(name) if isinstance(desired, Mapping) else None
        return name, _present(wanted), _present(live.get(name))
    element_key = _element_key(raw)
    if element_key is None or not isinstance(live, list):
        return None
    index = next((i for i, element in enumerate(live) if _matches(element_key, element)), None)
    if index is None:
        return None
    pool = desired if isinstance(desired, list) else []
    wanted = next((element for element in pool if _matches(element_key, element)), _ABSENT)
    prefix, decoded = element_key
    if prefix == "v" or not isinstance(decoded, Mapping):
        return index, wanted, live[index]
    keys = tuple((name, _key_text(value)) for name, value in decoded.items())
    return _Keyed(keys), wanted, live[index]


def _owns(fields: Any, path: Path, live: Any) -> bool:
    """Does this FieldsV1 tree own ``path`` (itself, or an atomic field above it)?"""
    node, value = fields, live
    for depth, segment in enumerate(path):
        if not isinstance(node, Mapping):
            return False
        found = _find_key(node, segment, value)
        if found is None:
            return False
        raw, value = found
        body = node[raw]
        if not isinstance(body, Mapping):
            return False
        if not body or depth == len(path) - 1:
            return not body or "." in body
        node = body
    return False


def _find_key(node: Mapping[str, Any], segment: Segment, value: Any) -> tuple[str, Any] | None:
    """The FieldsV1 key naming ``segment`` of ``value``, and the live value under it."""
    if isinstance(segment, str):
        raw = f"f:{segment}"
        child = value.get(segment) if isinstance(value, Mapping) else None
        return (raw, child) if raw in node else None
    element = _element(value, segment)
    if element is _ABSENT:
        return None
    for raw in node:
        element_key = _element_key(raw)
        if element_key is not None and _matches(element_key, element):
            return raw, element
    return None


def _element(value: Any, segment: int | _Keyed) -> Any:
    if not isinstance(value, list):
        return _ABSENT
    if isinstance(segment, int):
        return value[segment] if segment < len(value) else _ABSENT
    names = tuple(name for name, _ in segment.keys)
    return next((e for e in value if _address(e, names) == segment), _ABSENT)


def _element_key(raw: str) -> tuple[str, Any] | None:
    """A FieldsV1 list-element key decoded: ``("k", {"name": "web"})`` or ``("v", "x")``."""
    prefix, _, rest = raw.partition(":")
    if prefix not in ("k", "v"):
        return None
    try:
        return prefix, json.loads(rest)
    except json.JSONDecodeError:
        return None


def _matches(element_key: tuple[str, Any], element: Any) -> bool:
    prefix, decoded = element_key
    if prefix == "v":
        return bool(decoded == element)
    return isinstance(decoded, Mapping) and all(
        _key_text(_key_value(element, name)) == _key_text(value) for name, value in decoded.items()
    )


def _touches(fields: Any, raw_path: tuple[str, ...]) -> bool:
    """Does this FieldsV1 tree own ``raw_path``, something above it atomically, or below it?"""
    node = fields
    for raw in raw_path:
        if not isinstance(node, Mapping) or raw not in node:
            return False
        node = node[raw]
        if node == {}:
            return True
    return True


def _list_keys(path: Path, desired: list[Any], live: list[Any]) -> tuple[str, ...] | None:
    """The key fields of a list-map, or None for a list compared by position."""
    field = path[-1] if path and isinstance(path[-1], str) else None
    elements = [*desired, *live]
    if field is None or field in _ATOMIC_LISTS or not elements:
        return None
    if not all(isinstance(element, Mapping) for element in elements):
        return None
    if field == "ports":
        owner = "containerPort" if any("containerPort" in e for e in elements) else "port"
        keys: tuple[str, ...] = (owner, "protocol")
    else:
        keys = _LIST_MAP_KEYS.get(field, ("name",))
    return keys if _unique(desired, keys) and _unique(live, keys) else None


def _unique(elements: list[Any], keys: tuple[str, ...]) -> bool:
    if any(_key_value(element, key) is None for element in elements for key in keys):
        return False
    addresses = {_address(element, keys) for element in elements}
    return len(addresses) == len(elements)


def _address(element: Any, keys: tuple[str, ...]) -> _Keyed:
    return _Keyed(tuple((key, _key_text(_key_value(element, key))) for key in keys))


def _key_value(element: Any, key: str) -> Any:
    if not isinstance(element, Mapping):
        return None
    value = element.get(key)
    return _KEY_DEFAULTS.get(key) if value is None else value


def _key_text(value: Any) -> str:
    if isinstance(value, str) and _BARE_VALUE.fullmatch(value):
        return value
    return "" if value is None else json.dumps(value)


def _parse_path(text: str) -> Path:
    """The segments of a :func:`render_path` string; ValueError if it is not one."""
    segments: list[Segment] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "." and (match := _IDENTIFIER.match(text, pos + 1)):
            segments.append(match[0])
            pos = match.end()
        elif match := _INDEX.match(text, pos):
            segments.append(int(match[1]))
            pos = match.end()
        elif text.startswith('["', pos):
            name, pos = _JSON.raw_decode(text, pos + 1)
            segments.append(str(name))
            pos = _expect(text, pos, "]")
        elif text.startswith("[", pos):
            keyed, pos = _parse_keys(text, pos + 1)
            segments.append(keyed)
        else:
            raise ValueError(f"not a diff path: {text!r} (at {pos})")
    return tuple(segments)


def _parse_keys(text: str, pos: int) -> tuple[_Keyed, int]:
    keys: list[tuple[str, str]] = []
    while True:
        name = _KEY_NAME.match(text, pos)
        if name is None:
            raise ValueError(f"not a diff path: {text!r} (at {pos})")
        pos = name.end()
        if text.startswith('"', pos):
            end = _JSON.raw_decode(text, pos)[1]
        else:
            bare = _BARE_VALUE.match(text, pos)
            end = bare.end() if bare else pos
        keys.append((name[1], text[pos:end]))
        if text.startswith(",", end):
            pos = end + 1
            continue
        return _Keyed(tuple(keys)), _expect(text, end, "]")


def _expect(text: str, pos: int, char: str) -> int:
    if not text.startswith(char, pos):
        raise ValueError(f"not a diff path: {text!r} (expected {char!r} at {pos})")
    return pos + 1


def _strip(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``obj`` without status and the metadata only the server writes."""
    stripped = {key: value for key, value in obj.items() if key != "status"}
    meta = obj.get("metadata")
    if isinstance(meta, Mapping):
        kept = {key: value for key, value in meta.items() if key not in _SERVER_METADATA}
        annotations = kept.pop("annotations", None)
        if isinstance(annotations, Mapping):
            ours = {k: v for k, v in annotations.items() if k not in _SERVER_ANNOTATIONS}
            if ours:
                kept["annotations"] = ours
        stripped["metadata"] = kept
    return stripped


def _is_secret(obj: Mapping[str, Any]) -> bool:
    return obj.get("apiVersion") == "v1" and obj.get("kind") == "Secret"


def _fold_string_data(secret: Mapping[str, Any]) -> dict[str, Any]:
    """What kube-apiserver stores: ``stringData`` merged into ``data``, base64-encoded."""
    folded = {key: value for key, value in secret.items() if key != "stringData"}
    plain = secret.get("stringData")
    if isinstance(plain, Mapping) and plain:
        data = dict(secret.get("data") or {})
        for key, value in plain.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        folded["data"] = data
    return folded


def _item(change: _Change, secret: bool) -> DiffItem:
    desired, live = change.desired, change.live
    if secret and change.path[:1] and change.path[0] in _SECRET_MAPS:
        if len(change.path) == 1:
            desired, live = _mask_values(desired), _mask_values(live)
        elif change.op == "change":
            desired, live = MASK_CHANGED, MASK
        else:
            desired = None if desired is None else MASK
            live = None if live is None else MASK
    return DiffItem(change.op, render_path(change.path), desired, live)


def _mask_values(values: Any) -> Any:
    if values is None:
        return None
    if isinstance(values, Mapping):
        return dict.fromkeys(values, MASK)
    return MASK


def _managed_fields(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    meta = obj.get("metadata")
    entries = meta.get("managedFields") if isinstance(meta, Mapping) else None
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, Mapping)]


def _present(value: Any) -> Any:
    return _ABSENT if value is None else value


def _same(desired: Any, live: Any) -> bool:
    if isinstance(desired, bool) or isinstance(live, bool):
        return desired is live
    return bool(desired == live)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _empty(value: Any) -> bool:
    """A value kube-apiserver drops when it serialises (Go's ``omitempty``)."""
    if isinstance(value, Mapping):
        return all(_empty(item) for item in value.values())
    if isinstance(value, bool | int | float | str | list):
        return not value
    return value is None


def _in_resource_list(path: Path) -> bool:
    parent = path[-2] if len(path) >= 2 else None
    if parent in _RESOURCE_LISTS:
        return True
    return parent in _LIMIT_RANGE_LISTS and path[:2] == ("spec", "limits")


def _quantities_equal(desired: Any, live: Any, resource_list: bool) -> bool:
    if not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in (desired, live)
    ):
        return False
    canonical = quantity.canonical_resource if resource_list else quantity.canonical
    try:
        return quantity.parse(canonical(desired))[0] == quantity.parse(canonical(live))[0]
    except ValueError:
        return False


def _base64_equal(desired: Any, live: Any) -> bool:
    if not isinstance(desired, str) or not isinstance(live, str):
        return False
    try:
        return base64.b64decode("".join(desired.split()), validate=True) == base64.b64decode(
            live, validate=True
        )
    except (binascii.Error, ValueError):
        return False
