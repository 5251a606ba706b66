"""ClusterClient against a real embedded cluster, over HTTP, exactly as kind would be used."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client import ApiException

from gitops_tui.cluster import client as client_module
from gitops_tui.cluster.client import (
    ApiError,
    ClusterClient,
    ClusterConfigError,
    ClusterUnreachable,
    Conflict,
    Invalid,
    NotFound,
    ObjectList,
    ResourceInfo,
    UnknownKind,
)
from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from tests.cluster.conftest import altered_kubeconfig, closed_port
from tests.conftest import FAST, Kubectl

MANAGER = "gitops-tui"


def config_map(namespace: str, name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "shop"}},
        "data": data,
    }


def test_discovery_names_plural_and_scope(client: ClusterClient) -> None:
    assert client.resource_for("apps/v1", "Deployment") == ResourceInfo(
        "apps/v1", "Deployment", "deployments", namespaced=True
    )
    assert client.resource_for("v1", "Namespace") == ResourceInfo(
        "v1", "Namespace", "namespaces", namespaced=False
    )
    with pytest.raises(UnknownKind, match=r"Widget in example\.com/v1"):
        client.resource_for("example.com/v1", "Widget")


def test_server_version_and_ping(client: ClusterClient, cluster: EmbeddedCluster) -> None:
    client.ping()
    assert re.match(r"v1\.\d+\.\d+", client.server_version())
    assert client.server == cluster.url
    assert client.context == "gitops-tui"
    assert client.default_namespace == "default"


def test_apply_get_list_delete(client: ClusterClient, namespace: str, kubectl: Kubectl) -> None:
    applied = client.server_side_apply(config_map(namespace, "settings", greeting="hi"), MANAGER)
    assert applied["data"] == {"greeting": "hi"}
    assert applied["metadata"]["managedFields"][0]["manager"] == MANAGER

    live = client.get("v1", "ConfigMap", namespace, "settings")
    assert live["metadata"]["uid"] == applied["metadata"]["uid"]
    seen_by_kubectl = kubectl.run("get", "configmap", "settings", "-n", namespace, "-o", "name")
    assert seen_by_kubectl.stdout.strip() == "configmap/settings"

    listed = client.list("v1", "ConfigMap", namespace, label_selector="app=shop")
    assert isinstance(listed, ObjectList)
    assert [(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in listed.items] == [
        ("v1", "ConfigMap", "settings")
    ]
    assert int(listed.resource_version) >= int(live["metadata"]["resourceVersion"])
    assert client.list("v1", "ConfigMap", namespace, label_selector="app=other").items == ()

    client.delete("v1", "ConfigMap", namespace, "settings")
    with pytest.raises(NotFound):
        client.get("v1", "ConfigMap", namespace, "settings")


def test_dry_run_apply_stores_nothing(client: ClusterClient, namespace: str) -> None:
    preview = client.server_side_apply(config_map(namespace, "draft", a="1"), MANAGER, dry_run=True)
    assert preview["data"] == {"a": "1"}
    with pytest.raises(NotFound):
        client.get("v1", "ConfigMap", namespace, "draft")


def test_cluster_scoped_objects(client: ClusterClient, namespace: str) -> None:
    live = client.get("v1", "Namespace", None, namespace)
    assert live["metadata"]["name"] == namespace
    names = {o["metadata"]["name"] for o in client.list("v1", "Namespace").items}
    assert {"default", "kube-system", namespace} <= names


def test_list_across_namespaces_and_pages(
    client: ClusterClient, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(5):
        client.server_side_apply(config_map(namespace, f"page-{index}"), MANAGER)
    monkeypatch.setattr(client_module, "LIST_PAGE_SIZE", 2)
    listed = client.list("v1", "ConfigMap", label_selector="app=shop")
    mine = sorted(
        o["metadata"]["name"] for o in listed.items if o["metadata"]["namespace"] == namespace
    )
    assert mine == [f"page-{index}" for index in range(5)]


def test_not_found_maps_to_our_error(client: ClusterClient, namespace: str) -> None:
    with pytest.raises(NotFound) as caught:
        client.get("v1", "ConfigMap", namespace, "missing")
    error = caught.value
    assert (error.code, error.reason) == (404, "NotFound")
    assert "missing" in error.message
    assert not isinstance(error, ApiException)


def test_field_conflict_maps_to_conflict(client: ClusterClient, namespace: str) -> None:
    client.server_side_apply(config_map(namespace, "owned", size="1"), MANAGER)
    with pytest.raises(Conflict) as caught:
        client.server_side_apply(config_map(namespace, "owned", size="2"), "someone", force=False)
    assert (caught.value.code, caught.value.reason) == (409, "Conflict")
    assert ".data.size" in caught.value.message
    taken = client.server_side_apply(config_map(namespace, "owned", size="2"), "someone")
    assert taken["data"] == {"size": "2"}


def test_invalid_object_maps_to_invalid(client: ClusterClient, namespace: str) -> None:
    with pytest.raises(Invalid) as caught:
        client.server_side_apply(config_map(namespace, "Not_A_Name"), MANAGER)
    assert caught.value.code == 422
    assert caught.value.details.get("causes")


def test_caller_mistakes_are_value_errors(client: ClusterClient) -> None:
    with pytest.raises(ValueError, match="namespaced"):
        client.get("v1", "ConfigMap", None, "anything")
    nameless = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "default"}}
    with pytest.raises(ValueError, match=r"metadata\.name is required"):
        client.server_side_apply(nameless, MANAGER)


def test_watch_sees_changes_after_a_resource_version(client: ClusterClient, namespace: str) -> None:
    start = client.list("v1", "ConfigMap", namespace).resource_version
    client.server_side_apply(config_map(namespace, "watched", step="1"), MANAGER)
    client.server_side_apply(config_map(namespace, "watched", step="2"), MANAGER)
    events = []
    for event in client.watch("v1", "ConfigMap", start, timeout_seconds=5, namespace=namespace):
        if event.type != "BOOKMARK":
            events.append(event)
        if len(events) == 2:
            break
    assert [(e.type, e.object["data"]["step"]) for e in events] == [
        ("ADDED", "1"),
        ("MODIFIED", "2"),
    ]
    assert int(events[1].resource_version) > int(events[0].resource_version) > int(start)


def test_watch_ends_with_relist_when_history_is_gone(tmp_path: Path) -> None:
    cluster = EmbeddedCluster(state_dir=tmp_path, options=FAST)
    with cluster, ClusterClient.from_kubeconfig(cluster.kubeconfig_path) as before:
        before.server_side_apply(config_map("default", "old"), MANAGER)
        stale = before.list("v1", "ConfigMap", "default").resource_version
        before.server_side_apply(config_map("default", "old", v="2"), MANAGER)
    with cluster, ClusterClient.from_kubeconfig(cluster.kubeconfig_path) as after:
        # A restarted server keeps objects but no watch history, like a compacted etcd.
        events = list(after.watch("v1", "ConfigMap", stale, timeout_seconds=5))
    assert [e.type for e in events] == ["RELIST"]
    assert events[0].object["code"] == 410


def test_crd_kinds_are_discovered_once_created(client: ClusterClient) -> None:
    crd: dict[str, Any] = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
    }
    with pytest.raises(UnknownKind):
        client.resource_for("example.com/v1", "Widget")
    client.server_side_apply(crd, MANAGER)
    try:
        assert client.resource_for("example.com/v1", "Widget").plural == "widgets"
    finally:
        client.delete(
            "apiextensions.k8s.io/v1", "CustomResourceDefinition", None, crd["metadata"]["name"]
        )
    client.invalidate()
    with pytest.raises(UnknownKind):
        client.resource_for("example.com/v1", "Widget")


def test_unreachable_server_is_cluster_unreachable(
    cluster: EmbeddedCluster, tmp_path: Path
) -> None:
    server = f"https://127.0.0.1:{closed_port()}"
    path = altered_kubeconfig(cluster, tmp_path / "kubeconfig", server=server)
    with ClusterClient.from_kubeconfig(path) as unreachable:
        with pytest.raises(ClusterUnreachable) as caught:
            unreachable.ping()
        assert caught.value.server == server
        assert caught.value.detail == "Connection refused"
        assert str(caught.value) == f"cannot reach the cluster at {server}: Connection refused"
        with pytest.raises(ClusterUnreachable):
            unreachable.get("v1", "ConfigMap", "default", "anything")


def test_wrong_credentials_are_an_api_error(cluster: EmbeddedCluster, tmp_path: Path) -> None:
    path = altered_kubeconfig(cluster, tmp_path / "kubeconfig", token="wrong")
    with ClusterClient.from_kubeconfig(path) as rejected, pytest.raises(ApiError) as caught:
        rejected.ping()
    assert caught.value.code == 401


def test_kubeconfig_problems_are_config_errors(cluster: EmbeddedCluster, tmp_path: Path) -> None:
    with pytest.raises(ClusterConfigError, match="cannot read kubeconfig"):
        ClusterClient.from_kubeconfig(tmp_path / "missing")
    broken = tmp_path / "broken"
    broken.write_text("clusters: [\n")
    with pytest.raises(ClusterConfigError, match="cannot read kubeconfig") as caught:
        ClusterClient.from_kubeconfig(broken)
    assert "\n" not in str(caught.value)
    broken.write_text("")
    with pytest.raises(ClusterConfigError, match="is not a kubeconfig"):
        ClusterClient.from_kubeconfig(broken)
    with pytest.raises(ClusterConfigError, match=r"no context 'prod' \(its contexts: gitops-tui\)"):
        ClusterClient.from_kubeconfig(cluster.kubeconfig_path, context="prod")


def test_a_named_context_needs_no_current_context(cluster: EmbeddedCluster, tmp_path: Path) -> None:
    config = yaml.safe_load(cluster.kubeconfig_path.read_text())
    del config["current-context"]
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(ClusterConfigError, match=r"sets no current-context.*gitops-tui"):
        ClusterClient.from_kubeconfig(path)
    with ClusterClient.from_kubeconfig(path, context="gitops-tui") as named:
        named.ping()


def test_only_the_client_imports_kubernetes() -> None:
    package = Path(client_module.__file__).parents[1]
    importing = re.compile(r"^\s*(from|import)\s+kubernetes(\.|\s)", re.MULTILINE)
    offenders = [
        str(path.relative_to(package.parent))
        for path in package.rglob("*.py")
        if importing.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["gitops_tui/cluster/client.py"]
