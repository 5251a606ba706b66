"""Pod volume validation (``ValidateVolumes`` and the volume sources' rules).

Split from the container rules because a volume's name is what ``volumeMounts`` refer to: the
pod spec first collects the valid volume names here, then checks mounts against them. The
downward-API field selector and path rules live here too, shared with container env.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from gitops_tui.cluster.embedded.quantity import parse
from gitops_tui.cluster.embedded.validation_fields import (
    FieldError,
    child,
    duplicate,
    forbidden,
    index,
    invalid,
    not_supported,
    required,
)
from gitops_tui.cluster.embedded.validation_names import is_dns1123_label, is_qualified_name

Errors = list[FieldError]

VOLUME_FIELD_PATHS = sorted(
    {
        "metadata.name",
        "metadata.namespace",
        "metadata.labels",
        "metadata.annotations",
        "metadata.uid",
    }
)
DOWNWARD_LABELS = {
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
}
FILE_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"


def validate_volumes(volumes: Any, path: str) -> tuple[set[str], Errors]:
    """ValidateVolumes: the names of the valid volumes, and the errors of the others."""
    names: set[str] = set()
    errors: Errors = []
    for position, volume in enumerate(_dicts(volumes)):
        item_path = index(path, position)
        name_path = child(item_path, "name")
        found = _volume_source(volume, item_path)
        name = volume.get("name") or ""
        if not name:
            found.append(required(name_path))
        else:
            found += [invalid(name_path, name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            found.append(duplicate(name_path, name))
        if not found:
            names.add(name)
        errors += found
    return names, errors


def _volume_source(volume: dict[str, Any], path: str) -> Errors:
    sources = [name for name in volume if name != "name" and volume[name] is not None]
    if not sources:
        return [required(path, "must specify a volume type")]
    errors: Errors = []
    for extra in sources[1:]:
        errors.append(forbidden(child(path, extra), "may not specify more than 1 volume type"))
    kind = sources[0]
    source = volume[kind]
    source_path = child(path, kind)
    check = _VOLUME_CHECKS.get(kind)
    if check is not None and isinstance(source, dict):
        errors += check(source, source_path)
    return errors


def _config_map_volume(source: dict[str, Any], path: str) -> Errors:
    errors = [] if source.get("name") else [required(child(path, "name"))]
    return (
        errors
        + _mode(source.get("defaultMode"), child(path, "defaultMode"))
        + _key_to_paths(source.get("items"), child(path, "items"))
    )


def _secret_volume(source: dict[str, Any], path: str) -> Errors:
    errors = [] if source.get("secretName") else [required(child(path, "secretName"))]
    return (
        errors
        + _mode(source.get("defaultMode"), child(path, "defaultMode"))
        + _key_to_paths(source.get("items"), child(path, "items"))
    )


def _pvc_volume(source: dict[str, Any], path: str) -> Errors:
    return [] if source.get("claimName") else [required(child(path, "claimName"))]


def _host_path_volume(source: dict[str, Any], path: str) -> Errors:
    return [] if source.get("path") else [required(child(path, "path"))]


def _nfs_volume(source: dict[str, Any], path: str) -> Errors:
    errors = [] if source.get("server") else [required(child(path, "server"))]
    nfs_path = source.get("path")
    if not nfs_path:
        errors.append(required(child(path, "path")))
    elif not str(nfs_path).startswith("/"):
        errors.append(invalid(child(path, "path"), nfs_path, "must be an absolute path"))
    return errors


def _csi_volume(source: dict[str, Any], path: str) -> Errors:
    return [] if source.get("driver") else [required(child(path, "driver"))]


def _downward_volume(source: dict[str, Any], path: str) -> Errors:
    errors = _mode(source.get("defaultMode"), child(path, "defaultMode"))
    for position, item in enumerate(_dicts(source.get("items"))):
        errors += _downward_file(item, index(child(path, "items"), position))
    return errors


def _downward_file(item: dict[str, Any], path: str) -> Errors:
    errors = _relative_path(item.get("path"), child(path, "path"))
    errors += _mode(item.get("mode"), child(path, "mode"))
    if isinstance(item.get("fieldRef"), dict):
        errors += field_selector(item["fieldRef"], child(path, "fieldRef"), VOLUME_FIELD_PATHS)
    return errors


def _projected_volume(source: dict[str, Any], path: str) -> Errors:
    errors = _mode(source.get("defaultMode"), child(path, "defaultMode"))
    for position, projection in enumerate(_dicts(source.get("sources"))):
        item_path = index(child(path, "sources"), position)
        for kind in ("configMap", "secret"):
            if isinstance(projection.get(kind), dict):
                items_path = child(child(item_path, kind), "items")
                errors += _key_to_paths(projection[kind].get("items"), items_path)
        downward = projection.get("downwardAPI")
        if isinstance(downward, dict):
            for number, item in enumerate(_dicts(downward.get("items"))):
                item_file = index(child(child(item_path, "downwardAPI"), "items"), number)
                errors += _downward_file(item, item_file)
        token = projection.get("serviceAccountToken")
        if isinstance(token, dict):
            errors += _token_projection(token, child(item_path, "serviceAccountToken"))
    return errors


def _token_projection(token: dict[str, Any], path: str) -> Errors:
    errors: Errors = []
    seconds = token.get("expirationSeconds")
    if isinstance(seconds, int) and seconds < 600:
        errors.append(
            invalid(
                child(path, "expirationSeconds"),
                seconds,
                "may not specify a duration less than 10 minutes",
            )
        )
    elif isinstance(seconds, int) and seconds > 2**32:
        errors.append(
            invalid(
                child(path, "expirationSeconds"),
                seconds,
                "may not specify a duration larger than 2^32 seconds",
            )
        )
    if not token.get("path"):
        errors.append(required(child(path, "path")))
    return errors


def _ephemeral_volume(source: dict[str, Any], path: str) -> Errors:
    if not isinstance(source.get("volumeClaimTemplate"), dict):
        return [required(child(path, "volumeClaimTemplate"))]
    return []


def _empty_dir_volume(source: dict[str, Any], path: str) -> Errors:
    limit = source.get("sizeLimit")
    if limit is not None and quantity_value(limit) < 0:
        return [
            forbidden(child(path, "sizeLimit"), "SizeLimit field must be a valid resource quantity")
        ]
    return []


def _key_to_paths(items: Any, path: str) -> Errors:
    errors: Errors = []
    for position, item in enumerate(_dicts(items)):
        item_path = index(path, position)
        if not item.get("key"):
            errors.append(required(child(item_path, "key")))
        errors += _relative_path(item.get("path"), child(item_path, "path"))
        errors += _mode(item.get("mode"), child(item_path, "mode"))
    return errors


def _relative_path(value: Any, path: str) -> Errors:
    if not value:
        return [required(path)]
    text = str(value)
    errors = local_descending_path(text, path)
    if text.startswith("..") and not text.startswith("../"):
        errors.append(invalid(path, text, "must not start with '..'"))
    return errors


def local_descending_path(value: str, path: str) -> Errors:
    """A relative path that never climbs out (subPath, projected file paths)."""
    if posixpath.isabs(value):
        return [invalid(path, value, "must be a relative path")]
    if ".." in value.replace("\\", "/").split("/"):
        return [invalid(path, value, "must not contain '..'")]
    return []


def _mode(mode: Any, path: str) -> Errors:
    if isinstance(mode, int) and not 0 <= mode <= 0o777:
        return [invalid(path, mode, FILE_MODE_MSG)]
    return []


def field_selector(selector: dict[str, Any], path: str, allowed: list[str]) -> Errors:
    """validateObjectFieldSelector: a downward-API ``fieldRef`` and the paths it may use."""
    if not selector.get("apiVersion"):
        return [required(child(path, "apiVersion"))]
    field_path = selector.get("fieldPath") or ""
    if not field_path:
        return [required(child(path, "fieldPath"))]
    if selector["apiVersion"] != "v1":
        return [
            invalid(
                child(path, "fieldPath"),
                field_path,
                f"error converting fieldPath: unsupported pod version: {selector['apiVersion']}",
            )
        ]
    base, subscript = _split_subscript(field_path)
    if subscript is None and base not in DOWNWARD_LABELS:
        return [
            invalid(
                child(path, "fieldPath"),
                field_path,
                f"error converting fieldPath: field label not supported: {field_path}",
            )
        ]
    if subscript is not None:
        if base == "metadata.annotations":
            return [invalid(path, subscript, msg) for msg in is_qualified_name(subscript.lower())]
        if base == "metadata.labels":
            return [invalid(path, subscript, msg) for msg in is_qualified_name(subscript)]
        return [invalid(path, base, "does not support subscript")]
    if base not in allowed:
        return [not_supported(child(path, "fieldPath"), base, allowed)]
    return []


def _split_subscript(field_path: str) -> tuple[str, str | None]:
    if field_path.endswith("']") and "['" in field_path:
        base, _, rest = field_path.partition("['")
        return base, rest[:-2]
    return field_path, None


def quantity_value(value: Any) -> Decimal:
    """The amount of a quantity (0 when unparsable: decoding already rejected it)."""
    try:
        return parse(value)[0]
    except (ValueError, TypeError):
        return Decimal(0)


_VOLUME_CHECKS: dict[str, Callable[[dict[str, Any], str], Errors]] = {
    "configMap": _config_map_volume,
    "secret": _secret_volume,
    "persistentVolumeClaim": _pvc_volume,
    "hostPath": _host_path_volume,
    "nfs": _nfs_volume,
    "csi": _csi_volume,
    "downwardAPI": _downward_volume,
    "projected": _projected_volume,
    "ephemeral": _ephemeral_volume,
    "emptyDir": _empty_dir_volume,
}


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
