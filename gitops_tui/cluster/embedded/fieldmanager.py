"""Server-side apply and ``metadata.managedFields``, as kube-apiserver's field manager does them.

The GitOps agent applies with ``PATCH application/apply-patch+yaml`` and decides drift from a
server-side dry run; kubectl shows managedFields and conflict errors verbatim. Both only work
if merging, pruning, ownership and conflicts follow sigs.k8s.io/structured-merge-diff and
the apiserver's managedfields pipeline (``LastAppliedUpdater``, ``LastAppliedManager``,
``SkipNonApplied``, ``CapManagers``, ``BuildManagerInfo``, ``ManagedFieldsUpdater``,
``StripMeta``, ``StructuredMerge``) step for step, so this module ports that pipeline onto
plain JSON objects, reading list and map semantics from :class:`SchemaNode`.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from gitops_tui.cluster.embedded.fieldpath import (
    FieldSet,
    Path,
    PathElement,
    field,
    freeze,
    from_fields_v1,
    go_json,
    go_quote,
    go_sharp_v,
    go_v,
    path_string,
    to_fields_v1,
)
from gitops_tui.cluster.embedded.meta import copy_json
from gitops_tui.cluster.embedded.schema import OPEN, SchemaNode

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_MAX_UPDATE_MANAGERS = 10
_ANCIENT_CHANGES = "ancient-changes"
_BEFORE_FIRST_APPLY = "before-first-apply"
_CURRENT_OPERATION = "current-operation"
_ANNOTATIONS_SIZE_LIMIT = 256 * 1024

#: Never owned by anyone (apiserver's StripMeta set, plus the deletion markers only the
#: server writes).
_STRIPPED: Final = FieldSet.of(
    (field("apiVersion"),),
    (field("kind"),),
    (field("metadata"),),
    *(
        (field("metadata"), field(name))
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        )
    ),
)

#: List-map key defaults from the Kubernetes OpenAPI (absent from the bundled definitions).
_KEY_DEFAULTS: Final = {
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
    ("io.k8s.api.core.v1.ServicePort", "protocol"): "TCP",
}

#: Optional struct fields Go embeds by value, so an empty object of the kind already has them.
_VALUE_STRUCT_FIELDS: Final = frozenset(
    {
        "metadata",
        "spec",
        "status",
        "template",
        "jobTemplate",
        "strategy",
        "updateStrategy",
        "loadBalancer",
        "source",
    }
)

_ABSENT: Final[Any] = object()
_SCALAR, _ATOMIC, _SET, _LIST_MAP, _MAP = "scalar", "atomic", "set", "listmap", "map"


@dataclass(frozen=True)
class Conflict:
    """A field another manager owns with a different value than the applied one."""

    manager: str
    path: str


class ApplyConflictError(Exception):
    """An apply refused with 409 Conflict; ``message`` and ``causes`` are apiserver's."""

    def __init__(self, conflicts: tuple[Conflict, ...], message: str) -> None:
        super().__init__(message)
        self.conflicts = conflicts
        self.message = message
        self.causes: list[dict[str, str]] = [
            {
                "type": "FieldManagerConflict",
                "message": f"conflict with {c.manager}",
                "field": c.path,
            }
            for c in conflicts
        ]


class FieldManagerError(Exception):
    """An apply apiserver refuses for another reason.

    ``code`` is 400 (reason BadRequest) or 500 (no reason, as apiserver answers errors that
    are not API statuses, e.g. ``failed to create typed patch object ...``).
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _SchemaError(Exception):
    """An object does not fit its schema (a list-map element without its key, ...)."""


class _Conflicts(Exception):
    def __init__(self, conflicts: list[tuple[str, Path]]) -> None:
        super().__init__(conflicts)
        self.conflicts = conflicts


@dataclass(frozen=True)
class _Owned:
    """One manager's fields (``fieldpath.VersionedSet``)."""

    fields: FieldSet
    api_version: str
    applied: bool


@dataclass(frozen=True)
class _Managed:
    """Managers by identity (apiserver's JSON manager identifier), and their entry times."""

    owners: dict[str, _Owned]
    times: dict[str, str]


@dataclass(frozen=True)
class _Scope:
    """What one request's field management works with."""

    schema: SchemaNode
    root: _Type
    api_version: str
    subresource: str
    now: str
    reset: FieldSet

    @property
    def typed(self) -> bool:
        """Built-in kinds are Go structs (emptied fields vanish); custom resources are not."""
        return self.schema.ref_name is not None

    def ignore_reset(self, fields: FieldSet) -> FieldSet:
        return fields.recursive_difference(self.reset)


def apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    schema: SchemaNode,
    api_version: str,
    now: str,
    reset_fields: frozenset[str] = frozenset(),
    subresource: str = "",
) -> dict[str, Any]:
    """Server-side apply of ``applied`` onto ``live`` (None: create by apply).

    Returns the merged object with ``metadata.managedFields`` updated. ``reset_fields``
    (top-level names or dotted paths) keep their live value and are never owned. Raises
    :class:`ApplyConflictError` on conflicts unless ``force``, :class:`FieldManagerError`
    when the applied object does not fit the schema.
    """
    scope = _scope(schema, api_version, subresource, now, reset_fields)
    _check_applied(applied, api_version)
    errors = _config_errors(applied, scope.root)
    if errors:
        raise FieldManagerError(
            500, f"failed to create typed patch object ({_gvknn(applied)}): {errors}"
        )
    config = copy_json(applied)
    live_obj = copy_json(live) if live is not None else {}
    try:
        managed = _decode(_managed_fields_of(live_obj))
    except ValueError as exc:
        raise FieldManagerError(500, f"failed to decode managed fields: {exc}") from exc
    try:
        merged, managed = _apply_upgrading_client_side(
            scope, live_obj, config, managed, manager, force
        )
    except _Conflicts as exc:
        raise _conflict_error(exc.conflicts) from None
    except _SchemaError as exc:
        raise FieldManagerError(500, f"failed to merge config: {exc}") from exc
    if manager == "kubectl" and _has_last_applied(merged):
        _set_last_applied(merged, _build_last_applied(config))
    _keep_reset_fields(merged, live, reset_fields)
    _store(merged, managed)
    return merged


def record_update(
    live: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    schema: SchemaNode,
    api_version: str,
    now: str,
    reset_fields: frozenset[str] = frozenset(),
    subresource: str = "",
) -> dict[str, Any]:
    """Create, update or non-apply patch: ``new`` with ``metadata.managedFields`` updated.

    The fields that changed from ``live`` (every field of ``new`` on create, when ``live`` is
    None) become owned by ``manager`` with operation Update and are taken from the others.
    Like apiserver, an existing object without managedFields stays untracked until applied,
    ``managedFields: []`` or ``[{}]`` in ``new`` resets them, and managedFields that ``new``
    carries replace the live ones (except on subresources).
    """
    scope = _scope(schema, api_version, subresource, now, reset_fields)
    result: dict[str, Any] = copy_json(new)
    managed = _decode_live_or_new(live, new, ignore_new=bool(subresource))
    if not managed.owners and live is not None:
        _store(result, managed)
        return result
    live_obj = live if live is not None else _zero_object(schema)
    try:
        managed = _record_update(scope, live_obj, result, managed, manager)
    except _SchemaError:
        _keep_live_managed_fields(result, live_obj)
        return result
    _store(result, managed)
    return result


def _scope(
    schema: SchemaNode, api_version: str, subresource: str, now: str, reset: frozenset[str]
) -> _Scope:
    root = _root_type(schema)
    return _Scope(schema, root, api_version, subresource, now, _reset_set(reset))


def _keep_live_managed_fields(obj: dict[str, Any], live: dict[str, Any]) -> None:
    """UpdateNoErrors: when tracking fails, the live managedFields stay as they were."""
    entries = _managed_fields_of(live)
    if entries is not None:
        obj.setdefault("metadata", {})["managedFields"] = copy_json(entries)


def _apply_upgrading_client_side(
    scope: _Scope,
    live: dict[str, Any],
    config: dict[str, Any],
    managed: _Managed,
    manager: str,
    force: bool,
) -> tuple[dict[str, Any], _Managed]:
    """LastAppliedManager: kubectl may take over what its client-side apply set, unforced."""
    try:
        return _apply_tracking(scope, live, config, managed, manager, force)
    except _Conflicts as exc:
        if manager != "kubectl":
            raise
        allowed = _allowed_by_last_applied(scope, live)
        if allowed is None:
            raise
        remaining = [c for c in exc.conflicts if not allowed.has(c[1])]
        if remaining:
            raise _Conflicts(remaining) from None
        return _apply_tracking(scope, live, config, managed, manager, True)


def _apply_tracking(
    scope: _Scope,
    live: dict[str, Any],
    config: dict[str, Any],
    managed: _Managed,
    manager: str,
    force: bool,
) -> tuple[dict[str, Any], _Managed]:
    """SkipNonApplied, BuildManagerInfo, ManagedFieldsUpdater and StripMeta around the merge."""
    if not managed.owners:
        managed = _record_update(
            scope, _zero_object(scope.schema), live, managed, _BEFORE_FIRST_APPLY
        )
    identity = _identity(manager or "unknown", "Apply", "", scope.subresource)
    merged, owners, changed = _smd_apply(scope, live, config, managed.owners, identity, force)
    _strip_meta(owners, identity)
    times = dict(managed.times)
    if not changed and _json_equal(live, merged):
        return copy_json(live), _Managed(owners, times)
    times[identity] = scope.now
    return merged, _Managed(owners, times)


def _record_update(scope: _Scope, live: Any, new: Any, managed: _Managed, manager: str) -> _Managed:
    """The Update pipeline: what changed becomes the manager's, with a new time; then cap."""
    if scope.typed:
        zero = _zero_object(scope.schema)
        live, new = _over(zero, live), _over(zero, new)
    identity = _identity(manager or "unknown", "Update", scope.api_version, scope.subresource)
    owners = _smd_record(scope, live, new, managed.owners, _CURRENT_OPERATION)
    _strip_meta(owners, _CURRENT_OPERATION)
    times = dict(managed.times)
    current = owners.pop(_CURRENT_OPERATION, None)
    if current is not None:
        previous = owners.get(identity)
        fields = current.fields if previous is None else current.fields.union(previous.fields)
        owners[identity] = replace(current, fields=fields)
        times[identity] = scope.now
    _cap_update_managers(owners, times)
    return _Managed(owners, times)


def _smd_apply(
    scope: _Scope,
    live: Any,
    config: Any,
    owners: dict[str, _Owned],
    identity: str,
    force: bool,
) -> tuple[Any, dict[str, _Owned], bool]:
    """``merge.Updater.Apply``: merge, own exactly the config, prune, take over or conflict.

    Also says whether the merge changed a field (outside the reset ones): when it did, the
    result cannot equal ``live`` and the caller need not compare them again.
    """
    owners = dict(owners)
    merged = _merge(live, config, scope.root)
    merged = {} if merged is _ABSENT else merged
    last = owners.get(identity)
    config_fields = scope.ignore_reset(_field_set(config, scope.root))
    owners[identity] = _Owned(config_fields, scope.api_version, True)
    merged = _prune(scope, merged, owners, last, config_fields)
    owners, comparison = _smd_update(scope, live, merged, owners, identity, force)
    changed = not (
        comparison.added.empty() and comparison.modified.empty() and comparison.removed.empty()
    )
    return merged, owners, changed


def _smd_record(
    scope: _Scope, live: Any, new: Any, owners: dict[str, _Owned], workflow: str
) -> dict[str, _Owned]:
    """``merge.Updater.Update``: the workflow owns what it added or modified."""
    owners, comparison = _smd_update(scope, live, new, dict(owners), workflow, force=True)
    previous = owners.get(workflow)
    fields = previous.fields if previous is not None else FieldSet()
    fields = fields.difference(comparison.removed).union(comparison.modified)
    fields = scope.ignore_reset(fields.union(comparison.added))
    if fields.empty():
        owners.pop(workflow, None)
    else:
        owners[workflow] = _Owned(fields, scope.api_version, False)
    return owners


@dataclass(frozen=True)
class _Comparison:
    removed: FieldSet
    modified: FieldSet
    added: FieldSet

    def without(self, ignored: FieldSet) -> _Comparison:
        return _Comparison(
            self.removed.recursive_difference(ignored),
            self.modified.recursive_difference(ignored),
            self.added.recursive_difference(ignored),
        )


def _smd_update(
    scope: _Scope,
    old: Any,
    new: Any,
    owners: dict[str, _Owned],
    workflow: str,
    force: bool,
) -> tuple[dict[str, _Owned], _Comparison]:
    """``merge.Updater.update``: other managers lose what changed (or it conflicts)."""
    comparison = _compare(old, new, scope.root).without(scope.reset)
    changed = comparison.modified.union(comparison.added)
    conflicts = {}
    for identity, owned in owners.items():
        if identity == workflow:
            continue
        clash = owned.fields.intersection(changed)
        if not clash.empty():
            conflicts[identity] = clash
    if conflicts and not force:
        raise _Conflicts(
            [
                (identity, path)
                for identity in sorted(conflicts)
                for path in conflicts[identity].paths()
            ]
        )
    result = {}
    for identity, owned in owners.items():
        fields = owned.fields
        if identity != workflow:
            fields = fields.difference(conflicts.get(identity, FieldSet()))
            fields = fields.difference(comparison.removed)
        if not fields.empty():
            result[identity] = replace(owned, fields=fields)
    return result, comparison


def _prune(
    scope: _Scope,
    merged: Any,
    owners: dict[str, _Owned],
    last: _Owned | None,
    applied: FieldSet,
) -> Any:
    """Remove what the applier applied last time, no longer applies and nobody else owns.

    SMD's ``prune``: remove the last applied set, add back what any manager owns
    (``addBackOwnedItems``), then only remove what the applier owned (``addBackDanglingItems``).
    When the applier still applies every field it applied last time (the usual re-apply), all
    it removes comes back as owned, so ``merged`` is the answer without the three walks.
    """
    if last is None or last.fields.empty():
        return merged
    if last.fields.difference(applied).empty():
        return merged
    return _prune_walk(scope, merged, owners, last)


def _prune_walk(scope: _Scope, merged: Any, owners: dict[str, _Owned], last: _Owned) -> Any:
    root = scope.root

    def named(fields: FieldSet) -> FieldSet:
        return _ensure_named_fields(fields, root)

    def remove(obj: Any, fields: FieldSet) -> Any:
        result = _remove_items(obj, fields, root, scope.typed)
        return {} if result is None else result

    last_fields = named(last.fields)
    pruned = remove(merged, last_fields)
    owned = FieldSet()
    for owner in owners.values():
        owned = owned.union(owner.fields)
    merged_fields = named(_field_set(merged, root))
    kept = named(_field_set(pruned, root)).union(named(owned))
    pruned = remove(merged, merged_fields.difference(kept))
    dangling = merged_fields.difference(named(_field_set(pruned, root)))
    return remove(merged, dangling.intersection(last_fields))


def _strip_meta(owners: dict[str, _Owned], identity: str) -> None:
    owned = owners.get(identity)
    if owned is None:
        return
    fields = owned.fields.difference(_STRIPPED)
    if fields.empty():
        del owners[identity]
    else:
        owners[identity] = replace(owned, fields=fields)


def _cap_update_managers(owners: dict[str, _Owned], times: dict[str, str]) -> None:
    """CapManagers: merge the oldest Update entries into ``ancient-changes`` beyond ten."""
    updaters = [identity for identity, owned in owners.items() if not owned.applied]
    if len(updaters) <= _MAX_UPDATE_MANAGERS:
        return
    updaters.sort(key=lambda identity: (_unix(times.get(identity)), identity))
    first_by_version: dict[str, str] = {}
    remaining = len(updaters)
    for identity in updaters:
        if remaining <= _MAX_UPDATE_MANAGERS:
            break
        owned = owners[identity]
        first = first_by_version.setdefault(owned.api_version, identity)
        if first == identity:
            continue
        bucket = _identity(_ANCIENT_CHANGES, "Update", owned.api_version, "")
        if bucket not in owners:
            owners[bucket] = owners.pop(first)
        owners[bucket] = replace(owned, fields=owned.fields.union(owners[bucket].fields))
        del owners[identity]
        remaining -= 1
        _set_time(times, bucket, times.get(identity))


def _set_time(times: dict[str, str], identity: str, time: str | None) -> None:
    if time:
        times[identity] = time
    else:
        times.pop(identity, None)


def _conflict_error(raw: list[tuple[str, Path]]) -> ApplyConflictError:
    """apiserver's ``NewConflictError``: causes in order, message grouped by sorted manager."""
    conflicts = tuple(
        Conflict(_print_manager(identity), path_string(path)) for identity, path in raw
    )
    if len(conflicts) == 1:
        only = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {only.manager}: {only.path}"
        return ApplyConflictError(conflicts, message)
    lines = []
    for identity in sorted({identity for identity, _ in raw}):
        lines.append(f"conflicts with {_print_manager(identity)}:")
        lines.extend(f"- {path_string(path)}" for owner, path in raw if owner == identity)
    message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return ApplyConflictError(conflicts, message)


def _print_manager(identity: str) -> str:
    info = json.loads(identity)
    text = go_quote(info.get("manager", ""))
    if info.get("subresource"):
        text += f" with subresource {go_quote(info['subresource'])}"
    if info.get("operation") == "Update":
        text += f" using {info.get('apiVersion', '')}"
    return text


def _identity(manager: str, operation: str, api_version: str, subresource: str) -> str:
    """``BuildManagerIdentifier``: the entry as JSON without fields, time or (Apply) version."""
    parts = [("manager", manager), ("operation", operation)]
    if operation != "Apply":
        parts.append(("apiVersion", api_version))
    parts.append(("subresource", subresource))
    return "{" + ",".join(f'"{k}":{go_json(v)}' for k, v in parts if v) + "}"


def _managed_fields_of(obj: Any) -> Any:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return meta.get("managedFields") if isinstance(meta, dict) else None


def _decode(entries: Any) -> _Managed:
    """``DecodeManagedFields``; raises ValueError for entries apiserver cannot decode."""
    owners: dict[str, _Owned] = {}
    times: dict[str, str] = {}
    if entries is None:
        return _Managed(owners, times)
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f"invalid managed fields entry {index}")
        operation = entry.get("operation")
        if operation not in ("Apply", "Update"):
            raise ValueError("operation must be `Apply` or `Update`")
        api_version = entry.get("apiVersion")
        if not isinstance(api_version, str) or not api_version:
            raise ValueError("apiVersion must not be empty")
        fields_type = entry.get("fieldsType")
        if not fields_type:
            raise ValueError(f"missing fieldsType in managed fields entry {index}")
        if fields_type != "FieldsV1":
            raise ValueError(
                f"invalid fieldsType {go_quote(str(fields_type))} in managed fields entry {index}"
            )
        identity = _identity(
            str(entry.get("manager") or ""),
            operation,
            api_version,
            str(entry.get("subresource") or ""),
        )
        raw = entry.get("fieldsV1")
        owners[identity] = _Owned(
            from_fields_v1({} if raw is None else raw), api_version, operation == "Apply"
        )
        _set_time(times, identity, entry.get("time"))
    return _Managed(owners, times)


def _decode_or_empty(entries: Any) -> _Managed:
    try:
        return _decode(entries)
    except ValueError:
        return _Managed({}, {})


def _decode_live_or_new(live: Any, new: Any, ignore_new: bool) -> _Managed:
    """Managed fields sent in the request win, unless empty, undecodable or a subresource."""
    live_entries = _managed_fields_of(live)
    if ignore_new:
        return _decode_or_empty(live_entries)
    sent = _managed_fields_of(new)
    if isinstance(sent, list) and (not sent or (len(sent) == 1 and _is_empty_entry(sent[0]))):
        return _Managed({}, {})
    managed = _decode_or_empty(sent)
    return managed if managed.owners else _decode_or_empty(live_entries)


def _is_empty_entry(entry: Any) -> bool:
    return isinstance(entry, dict) and all(value in (None, "") for value in entry.values())


def _store(obj: dict[str, Any], managed: _Managed) -> None:
    """``EncodeObjectManagedFields``: entries sorted as apiserver sorts them, or none."""
    entries = [
        _encode_entry(identity, owned, managed.times.get(identity))
        for identity, owned in managed.owners.items()
    ]
    entries.sort(
        key=lambda e: (
            e["operation"],
            _unix(e.get("time")),
            e.get("manager", ""),
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    meta = obj.get("metadata")
    if entries:
        obj.setdefault("metadata", {})["managedFields"] = entries
    elif isinstance(meta, dict):
        meta.pop("managedFields", None)


def _encode_entry(identity: str, owned: _Owned, time: str | None) -> dict[str, Any]:
    info = json.loads(identity)
    entry: dict[str, Any] = {}
    if info.get("manager"):
        entry["manager"] = info["manager"]
    entry["operation"] = "Apply" if owned.applied else info.get("operation", "Update")
    entry["apiVersion"] = owned.api_version
    if time:
        entry["time"] = time
    entry["fieldsType"] = "FieldsV1"
    entry["fieldsV1"] = to_fields_v1(owned.fields)
    if info.get("subresource"):
        entry["subresource"] = info["subresource"]
    return entry


def _unix(time: str | None) -> int:
    if not time:
        return 0
    try:
        return int(datetime.fromisoformat(time).timestamp())
    except ValueError:
        return 0


def _reset_set(reset_fields: frozenset[str]) -> FieldSet:
    return FieldSet.of(*(tuple(field(part) for part in name.split(".")) for name in reset_fields))


def _keep_reset_fields(
    merged: dict[str, Any], live: dict[str, Any] | None, reset_fields: frozenset[str]
) -> None:
    """What the strategy resets keeps its live value (or stays absent on create)."""
    for name in reset_fields:
        *parents, leaf = name.split(".")
        source: Any = live
        target: Any = merged
        for part in parents:
            source = source.get(part) if isinstance(source, dict) else None
            if isinstance(source, dict) and isinstance(target, dict):
                target = target.setdefault(part, {})
            else:
                target = target.get(part) if isinstance(target, dict) else None
        if isinstance(source, dict) and leaf in source and isinstance(target, dict):
            target[leaf] = copy_json(source[leaf])
        elif isinstance(target, dict):
            target.pop(leaf, None)


def _check_applied(applied: dict[str, Any], api_version: str) -> None:
    if applied.get("apiVersion") != api_version:
        raise FieldManagerError(
            400,
            "Incorrect version specified in apply patch. Specified patch version: "
            f"{applied.get('apiVersion') or ''}, expected: {api_version}",
        )
    meta = applied.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("managedFields"), list):
        raise FieldManagerError(400, "metadata.managedFields must be nil")


def _gvknn(obj: dict[str, Any]) -> str:
    """``objectGVKNN``: ``namespace/name; group/version, Kind=Kind``."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    group, _, version = str(obj.get("apiVersion") or "").rpartition("/")
    return (
        f"{meta.get('namespace') or ''}/{meta.get('name') or ''}; "
        f"{group}/{version}, Kind={obj.get('kind') or ''}"
    )


def _zero_object(schema: SchemaNode) -> dict[str, Any]:
    """The empty object apiserver compares a create with (``Creater.New`` of the kind).

    A Go struct is never empty: it carries its non-omitempty fields and the structs it embeds
    by value (``spec``, ``spec.template``, ``spec.strategy``...). Those are not "added" by a
    create, which is why kubectl create owns ``f:strategy`` without ``.``. Custom resources
    start from an empty object.
    """
    if schema.ref_name is None:
        return {}
    zero: dict[str, Any] = copy_json(_zero_struct_of(schema))
    return zero


@functools.lru_cache(maxsize=256)
def _zero_struct_of(schema: SchemaNode) -> dict[str, Any]:
    """The zero struct of a kind, built once per schema (callers get copies)."""
    return _zero_struct(schema)


def _over(zero: Any, obj: Any) -> Any:
    """``obj`` as its Go struct serializes: the zero object's fields where ``obj`` has none."""
    if not isinstance(zero, dict) or not isinstance(obj, dict):
        return obj
    return {**zero, **{key: _over(zero.get(key), value) for key, value in obj.items()}}


def _zero_struct(node: SchemaNode) -> dict[str, Any]:
    required = set(node.required)
    out: dict[str, Any] = {}
    for name, child in node.iter_fields():
        if name in required:
            out[name] = _zero_struct(child) if _is_struct(child) else _zero_scalar(child)
        elif name in _VALUE_STRUCT_FIELDS and _is_struct(child):
            out[name] = _zero_struct(child)
    return out


def _zero_scalar(node: SchemaNode) -> Any:
    if node.is_scalar_union:
        return None
    return {"string": "", "integer": 0, "number": 0, "boolean": False}.get(node.type or "")


def _is_struct(node: SchemaNode) -> bool:
    return node.type == "object" and bool(node.properties) and not node.is_map


def _is_open(node: SchemaNode) -> bool:
    """Nodes the schema says nothing about use structured-merge-diff's deduced type."""
    if node.is_scalar:
        return False
    if node.is_open:
        return True
    if node.type == "array":
        return False
    return node.type != "object" or not (
        node.properties or isinstance(node.raw.get("additionalProperties"), Mapping)
    )


def _declared_kind(node: SchemaNode) -> str:
    if node.is_scalar:
        return _SCALAR
    if node.type == "array":
        if node.list_type == "map":
            return _LIST_MAP if node.list_map_keys else _SET
        return _SET if node.list_type == "set" else _ATOMIC
    return _ATOMIC if node.map_type == "atomic" else _MAP


class _Type:
    """A schema node with what the walkers ask of it worked out once.

    :class:`SchemaNode` recomputes its properties on every access and merging visits the
    same nodes many times, so each node is wrapped once and its children are cached.
    """

    __slots__ = ("_children", "_items", "declared", "is_list", "keys", "kind", "open", "schema")

    def __init__(self, schema: SchemaNode) -> None:
        self.schema = schema
        self.open = _is_open(schema)
        self.kind = "" if self.open else _declared_kind(schema)
        self.is_list = not self.open and schema.type == "array"
        self.keys = schema.list_map_keys if self.kind == _LIST_MAP else ()
        self.declared = frozenset(() if self.open else schema.properties)
        self._children: dict[str, tuple[_Type | None, bool]] = {}
        self._items: _Type | None = None

    def kind_of(self, value: Any) -> str:
        """Scalar, atomic, set, list-map or (granular) map; open nodes go by the value."""
        if not self.open:
            return self.kind
        if isinstance(value, list):
            return _ATOMIC
        return _MAP if value is None or isinstance(value, dict) else _SCALAR

    def child(self, name: str) -> tuple[_Type | None, bool]:
        """The type of a map entry (None: unknown field) and whether it is a struct field."""
        if self.open:
            return _OPEN_TYPE, False
        found = self._children.get(name)
        if found is None:
            sub = self.schema.field(name)
            if sub is None and self.schema.raw.get("additionalProperties") is True:
                sub = OPEN
            sub_type = None if sub is None else _OPEN_TYPE if sub is OPEN else _Type(sub)
            found = self._children[name] = (sub_type, name in self.declared)
        return found

    @property
    def items(self) -> _Type:
        if self._items is None:
            self._items = _Type(self.schema.items())
        return self._items


_OPEN_TYPE: Final = _Type(OPEN)
_BUILTIN_TYPES: dict[str, _Type] = {}


def _root_type(schema: SchemaNode) -> _Type:
    """Built-in kinds' types are shared across requests; custom resources' are per request."""
    if schema.ref_name is None:
        return _Type(schema)
    root = _BUILTIN_TYPES.get(schema.ref_name)
    if root is None:
        root = _BUILTIN_TYPES.setdefault(schema.ref_name, _Type(schema))
    return root


def _element_pe(item: Any, node: _Type) -> PathElement:
    """The path element of a set or list-map element; raises _SchemaError like SMD."""
    if not node.keys:
        if isinstance(item, dict):
            raise _SchemaError("associative list without keys has an element that's a map type")
        if isinstance(item, list):
            raise _SchemaError("not supported: associative list with lists as elements")
        if item is None:
            raise _SchemaError(
                "associative list without keys has an element that's an explicit null"
            )
        return ("v", freeze(item))
    if item is None:
        raise _SchemaError("associative list with keys may not have a null element")
    if not isinstance(item, dict):
        raise _SchemaError("associative list with keys may not have non-map elements")
    pairs = []
    for key in node.keys:
        value = item[key] if key in item else _key_default(node.items.schema, key)
        if value is None:
            raise _SchemaError(
                f"associative list with keys has an element that omits key field {go_quote(key)} "
                "(and doesn't have default value)"
            )
        pairs.append((key, freeze(value)))
    return ("k", tuple(sorted(pairs)))


def _element_pe_or_none(item: Any, node: _Type) -> PathElement | None:
    try:
        return _element_pe(item, node)
    except _SchemaError:
        return None


def _key_default(element: SchemaNode, key: str) -> Any:
    sub = element.field(key)
    if sub is not None and "default" in sub.raw:
        return sub.raw["default"]
    return _KEY_DEFAULTS.get((element.ref_name or "", key))


def _config_errors(config: Any, root: _Type) -> str:
    """``ObjectToTyped`` validation of an applied object, as SMD words it ("" when valid)."""
    errors: list[tuple[Path, str]] = []
    _validate(config, root, (), errors)
    texts = [f"{path_string(path)}: {message}" if path else message for path, message in errors]
    if len(texts) > 1:
        return "errors:\n" + "\n".join(f"  {text}" for text in texts)
    return texts[0] if texts else ""


def _validate(value: Any, node: _Type, path: Path, errors: list[tuple[Path, str]]) -> None:
    if value is None or node.open:
        return
    problem = _type_error(node, value)
    if problem:
        errors.append((path, problem))
    elif isinstance(value, dict):
        for key, item in value.items():
            child, _ = node.child(key)
            if child is None:
                errors.append(((*path, field(key)), "field not declared in schema"))
                return
            _validate(item, child, (*path, field(key)), errors)
    elif isinstance(value, list):
        _validate_items(value, node, path, errors)


def _type_error(node: _Type, value: Any) -> str:
    """SMD's words for a value of the wrong JSON type ("" when it fits)."""
    schema = node.schema
    if node.kind != _SCALAR:
        expected, fits = ("list", list) if node.is_list else ("map", dict)
        return "" if isinstance(value, fits) else f"expected {expected}, got &{{{go_v(value)}}}"
    if schema.is_scalar_union:
        fits_union = not isinstance(value, dict | list)
        return "" if fits_union else f"expected any scalar, got &{{{go_v(value)}}}"
    if schema.type == "string" and not isinstance(value, str):
        return f"expected string, got &value.valueUnstructured{{Value:{go_sharp_v(value)}}}"
    if schema.type in ("integer", "number") and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return f"expected numeric (int or float), got {_go_type(value)}"
    if schema.type == "boolean" and not isinstance(value, bool):
        return f"expected boolean, got &{{{go_v(value)}}}"
    return ""


def _go_type(value: Any) -> str:
    """Go's ``%T`` of a decoded JSON value."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    return {bool: "bool", str: "string"}.get(type(value), "float64")


def _validate_items(
    items: list[Any], node: _Type, path: Path, errors: list[tuple[Path, str]]
) -> None:
    seen: set[PathElement] = set()
    for index, item in enumerate(items):
        pe: PathElement = ("i", index)
        if node.kind in (_SET, _LIST_MAP):
            try:
                pe = _element_pe(item, node)
            except _SchemaError as exc:
                errors.append((path, f"element {index}: {exc}"))
                return
            if pe in seen:
                errors.append((path, f"duplicate entries for key {path_string((pe,))}"))
            seen.add(pe)
        _validate(item, node.items, (*path, pe), errors)


def _field_set(value: Any, root: _Type) -> FieldSet:
    """``TypedValue.ToFieldSet``: every leaf, list element and map entry that needs owning."""
    out = FieldSet()
    _collect(value, root, (), out)
    return out


def _collect(value: Any, node: _Type, path: Path, out: FieldSet) -> None:
    kind = node.kind_of(value)
    if kind in (_SCALAR, _ATOMIC):
        out.insert(path)
    elif kind == _MAP and isinstance(value, dict):
        for key, item in value.items():
            child, declared = node.child(key)
            if child is None:
                continue
            sub = (*path, field(key))
            _collect(item, child, sub, out)
            if item is None or item == {} or not declared:
                out.insert(sub)
    elif kind in (_SET, _LIST_MAP) and isinstance(value, list):
        pes = [_element_pe_or_none(item, node) for item in value]
        counts = Counter(pe for pe in pes if pe is not None)
        for duplicate, count in counts.items():
            if count > 1:
                out.insert((*path, duplicate))
        for item, pe in zip(value, pes, strict=True):
            if pe is not None and counts[pe] == 1:
                _collect(item, node.items, (*path, pe), out)
                out.insert((*path, pe))


def _ensure_named_fields(fields: FieldSet, node: _Type | None) -> FieldSet:
    """``EnsureNamedFieldsAreMembers``: struct fields with owned children are owned too."""
    members = set(fields.members)
    children = {}
    for pe, sub in fields.children.items():
        child: _Type | None = None
        if node is not None and pe[0] == "f" and not node.is_list and node.kind != _SCALAR:
            child, declared = node.child(pe[1])
            if declared:
                members.add(pe)
        elif node is not None and pe[0] == "k" and node.is_list:
            child = node.items
        children[pe] = _ensure_named_fields(sub, child)
    return FieldSet(members, children)


def _compare(lhs: Any, rhs: Any, root: _Type) -> _Comparison:
    """``TypedValue.Compare``: leaves modified, and what was added or removed."""
    result = _Comparison(FieldSet(), FieldSet(), FieldSet())
    _compare_at(lhs, rhs, root, (), result)
    return result


def _compare_at(lhs: Any, rhs: Any, node: _Type, path: Path, result: _Comparison) -> None:
    if lhs is rhs and lhs is not _ABSENT:
        return  # one value (a merge keeps untouched subtrees): nothing differs below
    if rhs is _ABSENT:
        in_leaf = _compare_as(node.kind_of(lhs), lhs, rhs, node, path, result)
    elif lhs is _ABSENT or node.kind_of(lhs) == node.kind_of(rhs):
        in_leaf = _compare_as(node.kind_of(rhs), lhs, rhs, node, path, result)
    else:
        _compare_as(node.kind_of(lhs), lhs, rhs, node, path, result)
        in_leaf = _compare_as(node.kind_of(rhs), lhs, rhs, node, path, result)
    if not in_leaf:
        if lhs is _ABSENT:
            result.added.insert(path)
        elif rhs is _ABSENT:
            result.removed.insert(path)


def _compare_as(
    kind: str, lhs: Any, rhs: Any, node: _Type, path: Path, result: _Comparison
) -> bool:
    """Compare as ``kind``; True when the node was a leaf."""
    if kind == _MAP:
        left = lhs if isinstance(lhs, dict) else {}
        right = rhs if isinstance(rhs, dict) else {}
        if left or right:
            for key in _zip_keys(left, right):
                child, _ = node.child(key)
                if child is not None:
                    sub = (*path, field(key))
                    _compare_at(left.get(key, _ABSENT), right.get(key, _ABSENT), child, sub, result)
            return False
    elif kind in (_SET, _LIST_MAP):
        left_items = lhs if isinstance(lhs, list) else []
        right_items = rhs if isinstance(rhs, list) else []
        if left_items or right_items:
            _compare_items(left_items, right_items, node, path, result)
            return False
    if lhs is _ABSENT:
        result.added.insert(path)
    elif rhs is _ABSENT:
        result.removed.insert(path)
    elif not _json_equal(lhs, rhs):
        result.modified.insert(path)
    return True


def _compare_items(
    lhs: list[Any], rhs: list[Any], node: _Type, path: Path, result: _Comparison
) -> None:
    left = _index_items(lhs, node)
    right = _index_items(rhs, node)
    for pe in [*left, *(pe for pe in right if pe not in left)]:
        before, after = left.get(pe, []), right.get(pe, [])
        sub = (*path, pe)
        if len(before) <= 1 and len(after) <= 1:
            first_before = before[0] if before else _ABSENT
            _compare_at(first_before, after[0] if after else _ABSENT, node.items, sub, result)
        elif len(before) >= 2 and len(after) >= 2:
            if not _json_equal(before, after):
                result.modified.insert(sub)
        elif len(before) >= 2:
            if after:
                _compare_at(_ABSENT, after[0], node.items, sub, result)
            result.removed.insert(sub)
        else:
            if before:
                _compare_at(before[0], _ABSENT, node.items, sub, result)
            result.added.insert(sub)


def _index_items(items: list[Any], node: _Type) -> dict[PathElement, list[Any]]:
    index: dict[PathElement, list[Any]] = {}
    for item in items:
        index.setdefault(_element_pe(item, node), []).append(item)
    return index


def _zip_keys(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    return [*left, *(key for key in right if key not in left)]


def _merge(lhs: Any, rhs: Any, node: _Type) -> Any:
    """``TypedValue.Merge``: rhs wins on leaves, maps and associative lists merge."""
    if rhs is _ABSENT:
        return _merge_as(node.kind_of(lhs), lhs, rhs, node)
    kind = node.kind_of(rhs)
    if lhs is not _ABSENT and node.kind_of(lhs) != kind:
        lhs = _ABSENT
    return _merge_as(kind, lhs, rhs, node)


def _merge_as(kind: str, lhs: Any, rhs: Any, node: _Type) -> Any:
    if kind == _MAP:
        left = lhs if isinstance(lhs, dict) else {}
        right = rhs if isinstance(rhs, dict) else {}
        if left or right:
            out = {}
            for key in _zip_keys(left, right):
                child, _ = node.child(key)
                if child is not None:
                    merged = _merge(left.get(key, _ABSENT), right.get(key, _ABSENT), child)
                    if merged is not _ABSENT:
                        out[key] = merged
            return out or _ABSENT
    elif kind in (_SET, _LIST_MAP):
        left_items = lhs if isinstance(lhs, list) else []
        right_items = rhs if isinstance(rhs, list) else []
        if left_items or right_items:
            return _merge_items(left_items, right_items, node)
    return rhs if rhs is not _ABSENT else lhs


def _merge_items(lhs: list[Any], rhs: list[Any], node: _Type) -> Any:
    """SMD's list merge: rhs order for the items it mentions, live-only items kept in place."""
    rhs_pes = [_element_pe(item, node) for item in rhs]
    observed_rhs = dict(zip(rhs_pes, rhs, strict=True))
    if len(observed_rhs) != len(rhs_pes):
        raise _SchemaError("duplicate entries in applied list")
    lhs_pes = [_element_pe(item, node) for item in lhs]
    observed_lhs: dict[PathElement, Any] = {}
    for pe, item in zip(lhs_pes, lhs, strict=True):
        observed_lhs[pe] = None if pe in observed_lhs else item
    shared = iter([pe for pe in rhs_pes if pe in observed_lhs])
    next_shared = next(shared, None)
    merged_rhs: set[PathElement] = set()
    out: list[Any] = []

    def take(left: Any, right: Any) -> None:
        merged = _merge(left, right, node.items)
        if merged is not _ABSENT:
            out.append(merged)

    li = ri = 0
    while li < len(lhs_pes) or ri < len(rhs_pes):
        if li < len(lhs_pes) and ri < len(rhs_pes):
            pe = lhs_pes[li]
            if pe == rhs_pes[ri]:
                merged_rhs.add(pe)
                take(observed_lhs[pe], observed_rhs[pe])
                li, ri = li + 1, ri + 1
                next_shared = next(shared, None)
                continue
            if pe in observed_rhs and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(lhs_pes):
            pe = lhs_pes[li]
            if pe not in observed_rhs:
                take(lhs[li], _ABSENT)
                li += 1
                continue
            if pe in merged_rhs:
                li += 1
        if ri < len(rhs_pes):
            pe = rhs_pes[ri]
            merged_rhs.add(pe)
            take(observed_lhs.get(pe, _ABSENT), observed_rhs[pe])
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = next(shared, None)
    return out or _ABSENT


def _remove_items(value: Any, fields: FieldSet, node: _Type, drop_emptied: bool) -> Any:
    """``TypedValue.RemoveItems``: None when nothing is left (Go's null).

    ``drop_emptied`` drops map entries emptied by the removal, as a Go struct's omitempty
    field would; unstructured custom resources keep them as null.
    """
    kind = node.kind_of(value)
    if kind == _SCALAR:
        return value
    if kind == _MAP and isinstance(value, dict) and value:
        out = {}
        for key, item in value.items():
            if fields.has((field(key),)):
                continue
            sub = fields.with_prefix(field(key))
            child, _ = node.child(key)
            if not sub.empty() and child is not None:
                item = _remove_items(item, sub, child, drop_emptied)
                if item is None and drop_emptied:
                    continue
            out[key] = item
        return out or None
    if kind in (_SET, _LIST_MAP) and isinstance(value, list) and value:
        items = []
        for item in value:
            pe = _element_pe_or_none(item, node)
            if pe is not None and fields.has((pe,)):
                continue
            sub = fields.with_prefix(pe) if pe is not None else FieldSet()
            items.append(
                item if sub.empty() else _remove_items(item, sub, node.items, drop_emptied)
            )
        return items or None
    return None


def _json_equal(lhs: Any, rhs: Any) -> bool:
    """JSON equality where ``1 == 1.0`` but ``True != 1``, like ``value.Equals``."""
    if lhs is rhs:
        return True
    if isinstance(lhs, dict):
        return (
            isinstance(rhs, dict)
            and lhs.keys() == rhs.keys()
            and all(_json_equal(lhs[key], rhs[key]) for key in lhs)
        )
    if isinstance(lhs, list):
        return (
            isinstance(rhs, list)
            and len(lhs) == len(rhs)
            and all(_json_equal(a, b) for a, b in zip(lhs, rhs, strict=True))
        )
    if isinstance(lhs, bool) or isinstance(rhs, bool):
        return type(lhs) is type(rhs) and lhs == rhs
    if isinstance(lhs, int | float):
        return isinstance(rhs, int | float) and lhs == rhs
    return type(lhs) is type(rhs) and bool(lhs == rhs)


def _allowed_by_last_applied(scope: _Scope, live: dict[str, Any]) -> FieldSet | None:
    """Fields kubectl's client-side apply set and that still hold the value it set."""
    raw = (_string_map(live, "annotations") or {}).get(LAST_APPLIED)
    if not raw:
        return None
    try:
        last = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(last, dict) or last.get("apiVersion") != scope.api_version:
        return None
    if _config_errors(last, scope.root):
        return None
    try:
        comparison = _compare(last, live, scope.root)
    except _SchemaError:
        return None
    fields = _field_set(last, scope.root).difference(comparison.modified)
    return fields.difference(comparison.added).difference(comparison.removed)


def _has_last_applied(obj: dict[str, Any]) -> bool:
    return bool((_string_map(obj, "annotations") or {}).get(LAST_APPLIED))


def _build_last_applied(config: dict[str, Any]) -> str:
    """The applied object as JSON (Go's encoder), without the annotation itself."""
    obj = copy_json(config)
    annotations = _string_map(obj, "annotations")
    if annotations is not None:
        annotations.pop(LAST_APPLIED, None)
    _set_annotations(obj, annotations)
    return go_json(obj) + "\n"


def _set_last_applied(obj: dict[str, Any], value: str) -> None:
    """Set the annotation, unless that would break the 256 KiB annotations limit."""
    annotations = _string_map(obj, "annotations") or {}
    annotations[LAST_APPLIED] = value
    size = sum(len(key.encode()) + len(text.encode()) for key, text in annotations.items())
    if size > _ANNOTATIONS_SIZE_LIMIT:
        del annotations[LAST_APPLIED]
    _set_annotations(obj, annotations)


def _string_map(obj: dict[str, Any], name: str) -> dict[str, str] | None:
    meta = obj.get("metadata")
    value = meta.get(name) if isinstance(meta, dict) else None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return None
    return dict(value)


def _set_annotations(obj: dict[str, Any], annotations: dict[str, str] | None) -> None:
    meta = obj.get("metadata")
    if annotations is None:
        if isinstance(meta, dict):
            meta.pop("annotations", None)
        return
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    meta["annotations"] = annotations
