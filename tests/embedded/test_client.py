"""The official kubernetes Python client against the embedded cluster: what our agent relies on.

Expected codes, reasons and messages are kube-apiserver's.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import urllib3
from kubernetes import client, config, dynamic, watch
from kubernetes.client.exceptions import ApiException

from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.cluster.embedded.options import ClusterOptions
from tests.conftest import wait_for


def _deployment(name: str = "api", replicas: int = 2, image: str = "nginx:1.27") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }


def _status(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body)
    return body


def test_typed_create_read_replace_with_stale_resource_version(
    api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    created = core.create_namespaced_config_map(
        namespace, {"metadata": {"name": "settings"}, "data": {"mode": "dev"}}
    )
    assert created.metadata.uid
    assert created.metadata.creation_timestamp is not None
    stale = created.metadata.resource_version
    created.data["mode"] = "prod"
    updated = core.replace_namespaced_config_map("settings", namespace, created)
    assert int(updated.metadata.resource_version) > int(stale)

    updated.metadata.resource_version = stale
    with pytest.raises(ApiException) as info:
        core.replace_namespaced_config_map("settings", namespace, updated)
    assert info.value.status == 409
    assert _status(info.value)["reason"] == "Conflict"
    assert _status(info.value)["message"] == (
        'Operation cannot be fulfilled on configmaps "settings": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_not_found_and_already_exists_statuses(
    api_client: client.ApiClient, namespace: str
) -> None:
    apps = client.AppsV1Api(api_client)
    with pytest.raises(ApiException) as missing:
        apps.read_namespaced_deployment("nope", namespace)
    assert missing.value.status == 404
    assert _status(missing.value) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'deployments.apps "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "group": "apps", "kind": "deployments"},
        "code": 404,
    }
    apps.create_namespaced_deployment(namespace, _deployment())
    with pytest.raises(ApiException) as dup:
        apps.create_namespaced_deployment(namespace, _deployment())
    assert dup.value.status == 409
    assert _status(dup.value)["reason"] == "AlreadyExists"
    assert _status(dup.value)["message"] == 'deployments.apps "api" already exists'


def test_write_into_a_missing_namespace_is_404(api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(api_client)
    with pytest.raises(ApiException) as info:
        core.create_namespaced_config_map("no-such-ns", {"metadata": {"name": "x"}})
    assert info.value.status == 404
    assert _status(info.value)["message"] == 'namespaces "no-such-ns" not found'
    assert _status(info.value)["details"] == {"name": "no-such-ns", "kind": "namespaces"}


def test_invalid_objects_are_422_with_field_causes(
    api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    with pytest.raises(ApiException) as info:
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "Bad_Name"}})
    status = _status(info.value)
    assert info.value.status == 422
    assert status["reason"] == "Invalid"
    assert status["message"].startswith(
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value'
    )
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_immutable_selector_is_rejected(api_client: client.ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api_client)
    apps.create_namespaced_deployment(namespace, _deployment())
    patch = {
        "spec": {
            "selector": {"matchLabels": {"app": "other"}},
            "template": {"metadata": {"labels": {"app": "other"}}},
        }
    }
    with pytest.raises(ApiException) as info:
        apps.patch_namespaced_deployment("api", namespace, patch)
    assert info.value.status == 422
    assert "field is immutable" in _status(info.value)["message"]


def test_generation_bumps_only_on_spec_changes(
    api_client: client.ApiClient, namespace: str
) -> None:
    apps = client.AppsV1Api(api_client)
    apps.create_namespaced_deployment(namespace, _deployment())
    labelled = apps.patch_namespaced_deployment(
        "api", namespace, {"metadata": {"labels": {"extra": "yes"}}}
    )
    assert labelled.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment("api", namespace, {"spec": {"replicas": 4}})
    assert scaled.metadata.generation == 2


def test_dry_run_writes_nothing(api_client: client.ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api_client)
    preview = apps.create_namespaced_deployment(namespace, _deployment(), dry_run="All")
    assert preview.spec.strategy.type == "RollingUpdate"
    with pytest.raises(ApiException) as info:
        apps.read_namespaced_deployment("api", namespace)
    assert info.value.status == 404
    apps.create_namespaced_deployment(namespace, _deployment())
    apps.patch_namespaced_deployment("api", namespace, {"spec": {"replicas": 9}}, dry_run="All")
    apps.delete_namespaced_deployment("api", namespace, dry_run="All")
    assert apps.read_namespaced_deployment("api", namespace).spec.replicas == 2


def test_dynamic_server_side_apply_conflict_and_field_removal(
    api_client: client.ApiClient, namespace: str
) -> None:
    dyn = dynamic.DynamicClient(api_client)
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    body = _deployment()
    body["metadata"]["annotations"] = {"team": "blue"}
    applied = deployments.server_side_apply(body, namespace=namespace, field_manager="gitops-tui")
    managers = {m["manager"]: m for m in applied.to_dict()["metadata"]["managedFields"]}
    assert managers["gitops-tui"]["operation"] == "Apply"
    assert managers["gitops-tui"]["fieldsV1"]["f:spec"]["f:replicas"] == {}

    # Another manager changes replicas; applying a different value now conflicts.
    deployments.patch(
        name="api",
        namespace=namespace,
        body={"spec": {"replicas": 7}},
        content_type="application/merge-patch+json",
        field_manager="kubectl-scale",
    )
    with pytest.raises(ApiException) as info:
        deployments.server_side_apply(body, namespace=namespace, field_manager="gitops-tui")
    assert info.value.status == 409
    status = _status(info.value)
    assert status["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas'
    )
    assert status["details"]["causes"] == [
        {
            "type": "FieldManagerConflict",
            "message": 'conflict with "kubectl-scale" using apps/v1',
            "field": ".spec.replicas",
        }
    ]

    # Forcing takes the field back; dropping the annotation from the config removes it.
    del body["metadata"]["annotations"]
    forced = deployments.server_side_apply(
        body, namespace=namespace, field_manager="gitops-tui", force_conflicts=True
    )
    assert forced.spec.replicas == 2
    assert "team" not in (forced.metadata.annotations or {})


def test_server_side_apply_keeps_fields_other_managers_own(
    api_client: client.ApiClient, namespace: str
) -> None:
    dyn = dynamic.DynamicClient(api_client)
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "shared"},
        "data": {"a": "1", "b": "2"},
    }
    configmaps.server_side_apply(config, namespace=namespace, field_manager="first")
    configmaps.patch(
        name="shared",
        namespace=namespace,
        body={"data": {"c": "3"}},
        content_type="application/merge-patch+json",
        field_manager="second",
    )
    config["data"] = {"a": "1"}
    result = configmaps.server_side_apply(config, namespace=namespace, field_manager="first")
    assert result.data.to_dict() == {"a": "1", "c": "3"}


def test_watch_resumes_from_resource_version_and_reports_410_when_too_old(
    api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    first = core.create_namespaced_config_map(namespace, {"metadata": {"name": "w1"}})
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "w2"}})
    core.patch_namespaced_config_map("w1", namespace, {"data": {"k": "v"}})
    core.delete_namespaced_config_map("w2", namespace)

    seen = []
    for event in watch.Watch().stream(
        core.list_namespaced_config_map,
        namespace,
        resource_version=first.metadata.resource_version,
        timeout_seconds=1,
    ):
        seen.append((event["type"], event["object"].metadata.name))
    assert seen == [("ADDED", "w2"), ("MODIFIED", "w1"), ("DELETED", "w2")]


def test_watch_from_a_compacted_resource_version_gets_410_expired() -> None:
    options = ClusterOptions(watch_history=5)
    with EmbeddedCluster(options=options) as small:
        core = client.CoreV1Api(config.new_client_from_config(str(small.kubeconfig_path)))
        first = core.create_namespaced_config_map("default", {"metadata": {"name": "old"}})
        for i in range(10):
            core.create_namespaced_config_map("default", {"metadata": {"name": f"n{i}"}})
        raw = core.list_namespaced_config_map(
            "default",
            watch=True,
            resource_version=first.metadata.resource_version,
            timeout_seconds=1,
            _preload_content=False,
        )
        assert raw.status == 200
        lines = [json.loads(line) for line in raw.read().decode().splitlines() if line]
    assert len(lines) == 1
    assert lines[0]["type"] == "ERROR"
    status = lines[0]["object"]
    assert (status["code"], status["reason"]) == (410, "Expired")
    assert status["message"].startswith(
        f"too old resource version: {first.metadata.resource_version} ("
    )


def test_watch_from_now_sees_new_objects_and_bookmarks(
    api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    listed = core.list_namespaced_config_map(namespace)
    events: list[dict[str, Any]] = []

    def consume() -> None:
        raw = core.list_namespaced_config_map(
            namespace,
            watch=True,
            resource_version=listed.metadata.resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=2,
            _preload_content=False,
        )
        for line in raw.read().decode().splitlines():
            events.append(json.loads(line))

    thread = threading.Thread(target=consume)
    thread.start()
    wait_for(lambda: True, timeout=0.2)
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "late"}})
    thread.join(timeout=10)
    types = [e["type"] for e in events]
    assert "ADDED" in types
    assert "BOOKMARK" in types
    bookmark = next(e for e in events if e["type"] == "BOOKMARK")
    assert set(bookmark["object"]["metadata"]) == {"resourceVersion"}


def test_label_and_field_selectors(api_client: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    for name, tier in (("a", "web"), ("b", "db"), ("c", "web")):
        core.create_namespaced_config_map(
            namespace, {"metadata": {"name": name, "labels": {"tier": tier}}}
        )
    web = core.list_namespaced_config_map(namespace, label_selector="tier=web")
    assert [i.metadata.name for i in web.items] == ["a", "c"]
    not_web = core.list_namespaced_config_map(namespace, label_selector="tier notin (web)")
    assert [i.metadata.name for i in not_web.items] == ["b"]
    by_name = core.list_namespaced_config_map(namespace, field_selector="metadata.name=b")
    assert [i.metadata.name for i in by_name.items] == ["b"]
    with pytest.raises(ApiException) as info:
        core.list_namespaced_config_map(namespace, field_selector="spec.nothing=x")
    assert info.value.status == 400
    assert _status(info.value)["message"] == "field label not supported: spec.nothing"


def test_list_pages_with_limit_and_continue(api_client: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    for i in range(5):
        core.create_namespaced_config_map(namespace, {"metadata": {"name": f"page-{i}"}})
    names = []
    token = None
    while True:
        page = core.list_namespaced_config_map(namespace, limit=2, _continue=token)
        names += [i.metadata.name for i in page.items if i.metadata.name.startswith("page-")]
        token = page.metadata._continue
        if not token:
            break
    assert names == [f"page-{i}" for i in range(5)]


def test_finalizers_defer_deletion_until_removed(
    api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(
        namespace, {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}
    )
    core.delete_namespaced_config_map("held", namespace)
    held = core.read_namespaced_config_map("held", namespace)
    assert held.metadata.deletion_timestamp is not None
    core.patch_namespaced_config_map("held", namespace, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as info:
        core.read_namespaced_config_map("held", namespace)
    assert info.value.status == 404


def test_delete_collection_by_label(api_client: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    for name, temp in (("t1", "yes"), ("t2", "yes"), ("keep", "no")):
        core.create_namespaced_config_map(
            namespace, {"metadata": {"name": name, "labels": {"temp": temp}}}
        )
    core.delete_collection_namespaced_config_map(namespace, label_selector="temp=yes")
    left = [i.metadata.name for i in core.list_namespaced_config_map(namespace).items]
    assert "keep" in left and "t1" not in left and "t2" not in left


def _raw(
    cluster: EmbeddedCluster, method: str, path: str, body: bytes, content_type: str
) -> urllib3.BaseHTTPResponse:
    http = urllib3.PoolManager(ca_certs=str(cluster.ca_cert_path))
    return http.request(
        method,
        cluster.url + path,
        body=body,
        headers={"Authorization": f"Bearer {cluster.token}", "Content-Type": content_type},
    )


def test_unsupported_patch_media_type_is_415(
    cluster: EmbeddedCluster, api_client: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "m"}})
    response = _raw(
        cluster, "PATCH", f"/api/v1/namespaces/{namespace}/configmaps/m", b"data", "text/plain"
    )
    assert response.status == 415
    assert json.loads(response.data)["reason"] == "UnsupportedMediaType"


def test_unknown_fields_warn_or_fail_under_strict(cluster: EmbeddedCluster, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    body = b'{"metadata": {"name": "u"}, "data": {}, "bogus": 1}'
    response = _raw(cluster, "POST", path, body, "application/json")
    assert response.status == 201
    assert response.headers["Warning"] == '299 - "unknown field \\"bogus\\""'
    strict = _raw(
        cluster,
        "POST",
        path + "?fieldValidation=Strict",
        body.replace(b'"u"', b'"u2"'),
        "application/json",
    )
    assert strict.status == 400
    assert 'strict decoding error: unknown field "bogus"' in json.loads(strict.data)["message"]


def test_custom_resources_are_served_and_validated(
    api_client: client.ApiClient, namespace: str
) -> None:
    dyn = dynamic.DynamicClient(api_client)
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    crds.create(
        {
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
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {
                                        "type": "object",
                                        "required": ["size"],
                                        "properties": {"size": {"type": "integer"}},
                                    }
                                },
                            }
                        },
                    }
                ],
            },
        }
    )
    dyn = dynamic.DynamicClient(api_client)  # fresh discovery
    widgets = dyn.resources.get(api_version="example.com/v1", kind="Widget")
    made = widgets.create(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {"size": 3},
        },
        namespace=namespace,
    )
    assert made.metadata.generation == 1
    with pytest.raises(ApiException) as info:
        widgets.create(
            {
                "apiVersion": "example.com/v1",
                "kind": "Widget",
                "metadata": {"name": "bad"},
                "spec": {"size": "big"},
            },
            namespace=namespace,
        )
    assert info.value.status == 422
    crds.delete(name="widgets.example.com")


def test_requests_without_the_token_are_401(cluster: EmbeddedCluster) -> None:
    http = urllib3.PoolManager(ca_certs=str(cluster.ca_cert_path))
    for path in ("/api/v1/namespaces", "/version", "/apis"):
        response = http.request("GET", cluster.url + path)
        assert response.status == 401
        assert json.loads(response.data)["reason"] == "Unauthorized"
    wrong = http.request(
        "GET", cluster.url + "/api/v1/pods", headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status == 401
