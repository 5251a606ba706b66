"""The two trees as rows: grouping, owned children, pending objects, and the filter."""

from __future__ import annotations

from gitops_tui.model import Health, ResourceKey, ResourceState, SyncStatus
from gitops_tui.ui.preview import Pending
from gitops_tui.ui.rows import CLUSTER_SCOPED, RowKind, arrange, visible

NS = ResourceKey("", "Namespace", "", "shop")
API = ResourceKey("apps", "Deployment", "shop", "api")
WEB = ResourceKey("apps", "Deployment", "shop", "web")
CM = ResourceKey("", "ConfigMap", "shop", "api-config")
RS = ResourceKey("apps", "ReplicaSet", "shop", "api-1")
POD = ResourceKey("", "Pod", "shop", "api-1-x")
WIDGET = ResourceKey("example.com", "Widget", "shop", "w")


def resource(
    key: ResourceKey,
    sync: SyncStatus | None = SyncStatus.SYNCED,
    health: Health = Health.HEALTHY,
    owner: ResourceKey | None = None,
    desired: bool = True,
) -> ResourceState:
    body: dict[str, object] = {"kind": key.kind, "metadata": {"name": key.name}}
    return ResourceState(
        key, sync, health, desired=body if desired else None, live=body, owner=owner
    )


STATES = (
    resource(CM),
    resource(API, SyncStatus.OUT_OF_SYNC),
    resource(RS, None, owner=API, desired=False),
    resource(POD, None, Health.PROGRESSING, owner=RS, desired=False),
    resource(NS),
    resource(WEB, health=Health.DEGRADED),
)


def labels(rows: tuple[object, ...]) -> list[tuple[str, str, int]]:
    return [(r.kind.value, r.label, r.depth) for r in rows]  # type: ignore[attr-defined]


def test_grouped_by_namespace_then_kind_with_children_under_their_owner() -> None:
    rows = visible(arrange(STATES))
    assert labels(rows) == [
        ("namespace", CLUSTER_SCOPED, 0),
        ("kind", "Namespace (1)", 1),
        ("resource", "shop", 2),
        ("namespace", "shop", 0),
        ("kind", "ConfigMap (1)", 1),
        ("resource", "api-config", 2),
        ("kind", "Deployment (2)", 1),
        ("resource", "api", 2),
        ("resource", "ReplicaSet/api-1", 3),
        ("resource", "Pod/api-1-x", 4),
        ("resource", "web", 2),
    ]
    children = [r for r in rows if r.depth > 2]
    assert all(r.in_live and not r.in_desired for r in children)


def test_objects_only_in_the_working_tree_are_pending_rows() -> None:
    new = ResourceKey("", "Service", "shop", "new")
    rows = visible(arrange(STATES, {new: Pending.ADDED, CM: Pending.MODIFIED}))
    by_key = {r.key: r for r in rows if r.key}
    assert by_key[new].state is None and by_key[new].pending is Pending.ADDED
    assert by_key[CM].pending is Pending.MODIFIED and by_key[CM].state is not None


def test_custom_kinds_are_qualified_by_their_group() -> None:
    rows = visible(arrange((resource(WIDGET), resource(API))))
    assert [r.label for r in rows if r.kind is RowKind.KIND] == [
        "Deployment (1)",
        "Widget.example.com (1)",
    ]


def test_filter_terms_all_match_statuses_and_children_included() -> None:
    entries = arrange(STATES, {CM: Pending.MODIFIED})
    assert [r.key for r in visible(entries, "outofsync") if r.key] == [API, RS, POD]
    assert [r.key for r in visible(entries, "progressing") if r.key] == [API, RS, POD]
    assert [r.key for r in visible(entries, "deploy degraded") if r.key] == [WEB]
    assert [r.key for r in visible(entries, "uncommitted") if r.key] == [CM]
    assert [r.label for r in visible(entries, "DEPLOY WEB") if r.kind is RowKind.KIND] == [
        "Deployment (1)"
    ]
    assert visible(entries, "nothing-like-this") == ()


def test_an_ownership_cycle_does_not_hang() -> None:
    a = ResourceKey("", "Pod", "shop", "a")
    b = ResourceKey("", "Pod", "shop", "b")
    looped = (resource(API), resource(a, None, owner=API), resource(b, None, owner=a))
    cycle = (*looped, resource(API, None, owner=b))
    rows = visible(arrange(cycle))
    assert [r.key for r in rows if r.key] == [API, a, b]
