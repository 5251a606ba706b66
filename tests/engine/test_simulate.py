"""Drift simulation against the real embedded cluster: each change lands on the live object
under the field manager the matching kubectl command is named after, and bad requests are
refused with a sentence instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gitops_tui.cluster.client import ClusterClient, NotFound
from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.engine import simulate
from gitops_tui.engine.simulate import SimulationError
from gitops_tui.model import ResourceKey

OWNED = {"app.kubernetes.io/managed-by": "gitops-tui"}


@pytest.fixture(scope="module")
def client(cluster: EmbeddedCluster) -> Iterator[ClusterClient]:
    with ClusterClient.from_kubeconfig(cluster.kubeconfig_path) as opened:
        yield opened


def deployment(namespace: str, name: str = "web", containers: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(OWNED)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {"name": f"c{i}" if i else "web", "image": "nginx:1.27"}
                        for i in range(containers)
                    ]
                },
            },
        },
    }


@pytest.fixture
def web(client: ClusterClient, namespace: str) -> ResourceKey:
    client.server_side_apply(deployment(namespace), "gitops-tui")
    return ResourceKey("apps", "Deployment", namespace, "web")


def live(client: ClusterClient, key: ResourceKey) -> dict[str, Any]:
    api_version = "apps/v1" if key.group == "apps" else "v1"
    return client.get(api_version, key.kind, key.namespace or None, key.name)


def managers(obj: dict[str, Any]) -> dict[str, str | None]:
    """Field manager -> subresource, for every Update entry of managedFields."""
    return {
        entry["manager"]: entry.get("subresource")
        for entry in obj["metadata"]["managedFields"]
        if entry["operation"] == "Update"
    }


def container(obj: dict[str, Any], name: str = "web") -> dict[str, Any]:
    [found] = [c for c in obj["spec"]["template"]["spec"]["containers"] if c["name"] == name]
    return found


def test_scale_patches_the_scale_subresource_as_kubectl_scale(
    client: ClusterClient, web: ResourceKey
) -> None:
    change = simulate.scale(client, web, 4)
    assert change.manager == "kubectl-scale"
    obj = live(client, web)
    assert obj["spec"]["replicas"] == 4
    assert managers(obj)["kubectl-scale"] == "scale"


def test_set_image_and_env_change_one_container_as_kubectl_set(
    client: ClusterClient, web: ResourceKey
) -> None:
    simulate.set_image(client, web, "nginx:1.28")
    simulate.set_env(client, web, "MODE", "debug")
    obj = live(client, web)
    assert container(obj)["image"] == "nginx:1.28"
    assert container(obj)["env"] == [{"name": "MODE", "value": "debug"}]
    assert "kubectl-set" in managers(obj)


def test_a_container_must_be_named_when_there_are_several(
    client: ClusterClient, namespace: str
) -> None:
    client.server_side_apply(deployment(namespace, "pair", containers=2), "gitops-tui")
    key = ResourceKey("apps", "Deployment", namespace, "pair")
    with pytest.raises(SimulationError, match="has containers web, c1: name the one"):
        simulate.set_image(client, key, "nginx:1.28")
    with pytest.raises(SimulationError, match="no container 'sidecar'"):
        simulate.set_env(client, key, "A", "1", container="sidecar")
    simulate.set_image(client, key, "busybox:1.36", container="c1")
    obj = live(client, key)
    assert container(obj, "c1")["image"] == "busybox:1.36"
    assert container(obj, "web")["image"] == "nginx:1.27"


def test_label_is_added_as_kubectl_label(client: ClusterClient, web: ResourceKey) -> None:
    simulate.add_label(client, web, "team", "night-shift")
    obj = live(client, web)
    assert obj["metadata"]["labels"]["team"] == "night-shift"
    assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "gitops-tui"
    assert "kubectl-label" in managers(obj)


def test_config_map_data_is_edited_as_kubectl_edit(client: ClusterClient, namespace: str) -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": namespace},
        "data": {"greeting": "hello", "colour": "blue"},
    }
    client.server_side_apply(cm, "gitops-tui")
    key = ResourceKey("", "ConfigMap", namespace, "settings")
    simulate.set_data(client, key, "greeting", "hacked")
    obj = live(client, key)
    assert obj["data"] == {"greeting": "hacked", "colour": "blue"}
    assert "kubectl-edit" in managers(obj)


def test_delete_removes_the_object(client: ClusterClient, web: ResourceKey) -> None:
    change = simulate.delete(client, web)
    assert change.manager is None
    with pytest.raises(NotFound):
        live(client, web)
    with pytest.raises(SimulationError, match="does not exist"):
        simulate.delete(client, web)


def test_kinds_that_cannot_take_the_change_are_refused(
    client: ClusterClient, web: ResourceKey, namespace: str
) -> None:
    service = ResourceKey("", "Service", namespace, "web")
    with pytest.raises(SimulationError, match="cannot be scaled"):
        simulate.scale(client, service, 2)
    with pytest.raises(SimulationError, match="has no containers"):
        simulate.set_image(client, service, "nginx")
    with pytest.raises(SimulationError, match="not a ConfigMap"):
        simulate.set_data(client, web, "a", "b")
    missing = ResourceKey("apps", "Deployment", namespace, "nope")
    with pytest.raises(SimulationError, match=f"Deployment.apps {namespace}/nope does not exist"):
        simulate.scale(client, missing, 2)


def test_targets_resolve_like_kubectl_names_and_find_their_namespace(
    client: ClusterClient, web: ResourceKey, namespace: str
) -> None:
    assert simulate.resolve_target(client, "deploy", "web", namespace) == web
    assert simulate.resolve_target(client, "deployments.apps", "web", namespace) == web
    assert simulate.resolve_target(client, "ns", namespace) == ResourceKey(
        "", "Namespace", "", namespace
    )
    with pytest.raises(SimulationError, match="no kind called 'gadget'"):
        simulate.resolve_target(client, "gadget", "web")
    with pytest.raises(SimulationError, match="no Deployment 'ghost' in any namespace"):
        simulate.resolve_target(client, "deploy", "ghost")


@pytest.fixture
def other_namespace(client: ClusterClient, namespace: str) -> Iterator[str]:
    name = f"{namespace}-b"
    client.server_side_apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}, "test"
    )
    yield name
    client.delete("v1", "Namespace", None, name)


def test_without_a_namespace_the_agents_object_is_preferred_and_ambiguity_refused(
    client: ClusterClient, namespace: str, other_namespace: str
) -> None:
    name = f"cm-{namespace}"
    for ns, labels in ((namespace, OWNED), (other_namespace, {})):
        meta = {"name": name, "namespace": ns, "labels": labels}
        client.server_side_apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}, "t")
    found = simulate.resolve_target(client, "cm", name)
    assert found == ResourceKey("", "ConfigMap", namespace, name)

    unlabelled = {"name": name, "namespace": namespace, "labels": {"x": "y"}}
    client.server_side_apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": unlabelled}, "t")
    with pytest.raises(
        SimulationError, match=f"in namespaces {namespace}, {other_namespace}: choose one with -n"
    ):
        simulate.resolve_target(client, "cm", name)
