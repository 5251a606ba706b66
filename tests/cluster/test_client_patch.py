"""ClusterClient.patch and kind lookup, as kubectl edit, scale, label and kind names use them."""

from __future__ import annotations

import pytest

from gitops_tui.cluster.client import ClusterClient, ClusterError, NotFound, UnknownKind


def test_a_merge_patch_of_the_scale_subresource_is_recorded_under_its_manager(
    client: ClusterClient, namespace: str
) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }
    client.server_side_apply(deployment, "gitops-tui")
    scale = client.patch(
        "apps/v1",
        "Deployment",
        namespace,
        "web",
        {"spec": {"replicas": 3}},
        "merge",
        "m-scale",
        subresource="scale",
    )
    assert scale["kind"] == "Scale"
    live = client.get("apps/v1", "Deployment", namespace, "web")
    assert live["spec"]["replicas"] == 3
    entries = {(e["manager"], e.get("subresource")) for e in live["metadata"]["managedFields"]}
    assert ("m-scale", "scale") in entries


def test_a_strategic_merge_patch_merges_list_elements_by_key(
    client: ClusterClient, namespace: str
) -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": namespace},
    }
    client.server_side_apply({**cm, "data": {"a": "1", "b": "2"}}, "gitops-tui")
    patched = client.patch(
        "v1", "ConfigMap", namespace, "c", {"data": {"a": "9"}}, "strategic", "m"
    )
    assert patched["data"] == {"a": "9", "b": "2"}
    with pytest.raises(NotFound):
        client.patch("v1", "ConfigMap", namespace, "nope", {"data": {}}, "merge", "m")
    with pytest.raises(UnknownKind):
        client.patch("v1", "ConfigMap", namespace, "c", {}, "merge", "m", subresource="scale")


def test_kinds_are_found_by_the_names_kubectl_accepts(client: ClusterClient) -> None:
    for text in ("deploy", "Deployment", "deployments", "deployment", "deployments.apps"):
        info = client.find_kind(text)
        assert (info.api_version, info.kind, info.namespaced) == ("apps/v1", "Deployment", True)
    assert client.find_kind("cm").kind == "ConfigMap"
    assert client.find_kind("ns").namespaced is False
    with pytest.raises(UnknownKind):
        client.find_kind("gadget")
    assert client.preferred_api_version("apps", "Deployment") == "apps/v1"
    assert client.preferred_api_version("", "ConfigMap") == "v1"
    with pytest.raises(ClusterError):
        client.preferred_api_version("apps", "Gadget")
