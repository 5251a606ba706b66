"""One resource's sync status: Git's object against the live one, field by field, and who did it.

The verdict comes from a server-side-apply dry run of the desired object, compared with the
live object by :func:`gitops_tui.engine.diff.compute` (see there why this never reports
defaulting, respelled quantities or folded ``stringData`` as drift). A dry run is a request,
and watches report every status update of every object, so a verdict is kept for as long as
neither the desired object nor the live object's content (everything but status and
server-written metadata) changes. When the cluster refuses the dry run (the namespace is not
there yet, the kind is not served), the comparison falls back to the manifest's own fields.

Every object leaving this module for display has its Secret values masked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitops_tui.cluster.client import ApiError, ClusterClient, UnknownKind
from gitops_tui.engine import diff
from gitops_tui.engine.desired import DesiredObject
from gitops_tui.engine.sync import FIELD_MANAGER
from gitops_tui.model import FieldDrift

Obj = dict[str, Any]

#: Metadata that changes without anyone changing the object's content.
_VOLATILE_METADATA = frozenset({"resourceVersion", "managedFields", "generation"})
#: Annotations controllers and clients write for themselves (diff ignores them too).
_VOLATILE_ANNOTATIONS = frozenset({diff.LAST_APPLIED, diff.DEPLOYMENT_REVISION})


@dataclass(frozen=True)
class Verdict:
    """The drift of one desired object against one version of its live object."""

    desired: str
    live: str
    items: tuple[diff.DiffItem, ...]


def content_fingerprint(obj: Mapping[str, Any]) -> str:
    """Changes exactly when the object's content does (not on status or bookkeeping)."""
    metadata = obj.get("metadata")
    kept: dict[str, Any] = {key: value for key, value in obj.items() if key != "status"}
    if isinstance(metadata, Mapping):
        shown = {k: v for k, v in metadata.items() if k not in _VOLATILE_METADATA}
        annotations = shown.get("annotations")
        if isinstance(annotations, Mapping) and annotations.keys() & _VOLATILE_ANNOTATIONS:
            shown["annotations"] = {
                k: v for k, v in annotations.items() if k not in _VOLATILE_ANNOTATIONS
            }
            if not shown["annotations"]:
                del shown["annotations"]
        kept["metadata"] = shown
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)


def judge(client: ClusterClient, desired: DesiredObject, live: Obj) -> Verdict:
    """Compare ``desired`` with ``live`` through a server-side-apply dry run.

    Raises :class:`~gitops_tui.cluster.client.ClusterUnreachable` when there is no answer.
    """
    try:
        merged = client.server_side_apply(desired.body, FIELD_MANAGER, force=True, dry_run=True)
    except (ApiError, UnknownKind):
        items = diff.owned_fields_diff(desired.body, live, FIELD_MANAGER)
    else:
        items = diff.compute(merged, live, secret=desired.is_secret)
    return Verdict(desired.fingerprint, content_fingerprint(live), items)


def attributed(items: tuple[diff.DiffItem, ...], live: Obj) -> tuple[FieldDrift, ...]:
    """The drift items as the model shows them, each with the manager of its live value."""
    owners = diff.attribute(live, (item.path for item in items))
    return tuple(
        FieldDrift(item.path, item.desired, item.live, owners.get(item.path)) for item in items
    )


def main_manager(fields: tuple[FieldDrift, ...]) -> str | None:
    """The manager behind most of the drifted fields (the first one named, on a tie)."""
    counts: dict[str, int] = {}
    for field in fields:
        if field.manager and field.manager != FIELD_MANAGER:
            counts[field.manager] = counts.get(field.manager, 0) + 1
    return max(counts, key=lambda name: counts[name]) if counts else None


def is_secret(obj: Mapping[str, Any]) -> bool:
    return obj.get("apiVersion") == "v1" and obj.get("kind") == "Secret"


def shown(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``obj`` fit to show: no managedFields, and Secret values masked."""
    if is_secret(obj):
        return diff.normalize_for_display(obj, secret=True)
    copy = dict(obj)
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping) and "managedFields" in metadata:
        copy["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    return copy
