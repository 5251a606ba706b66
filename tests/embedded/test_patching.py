"""Patch engines behind PATCH: strategic merge, JSON patch and JSON merge patch.

Expected results are kube-apiserver's: apimachinery's strategicpatch for strategic merge
patches (including where it puts new list elements), evanphx/json-patch v4 for the other two,
and the statuses apiserver's patch handler turns their failures into.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gitops_tui.cluster.embedded.patching import (
    REJECTED,
    PatchError,
    json_merge_patch,
    json_patch,
    strategic_merge_patch,
)
from gitops_tui.cluster.embedded.registry import Registry
from gitops_tui.cluster.embedded.schema import SchemaNode, crd_root


def _schema(group: str, plural: str) -> SchemaNode:
    resource = Registry().lookup(group, "v1", plural)
    assert resource is not None
    return resource.schema()


@pytest.fixture(scope="module")
def deployment_schema() -> SchemaNode:
    return _schema("apps", "deployments")


@pytest.fixture(scope="module")
def service_schema() -> SchemaNode:
    return _schema("", "services")


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "labels": {"app": "web", "tier": "frontend"},
            "finalizers": ["example.com/a", "example.com/b"],
        },
        "spec": {
            "replicas": 2,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "args": ["--port", "80"],
                            "env": [{"name": "MODE", "value": "prod"}],
                        },
                        {"name": "sidecar", "image": "busybox:1.36"},
                    ],
                    "volumes": [{"name": "cache", "emptyDir": {}}],
                }
            },
        },
    }


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def _containers(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in _pod_spec(obj)["containers"]}


def test_kubectl_edit_changes_one_image_among_two_containers(
    deployment_schema: SchemaNode,
) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
                    "containers": [{"image": "busybox:1.37", "name": "sidecar"}],
                }
            }
        }
    }

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert [c["name"] for c in _pod_spec(patched)["containers"]] == ["web", "sidecar"]
    assert _containers(patched)["sidecar"] == {"name": "sidecar", "image": "busybox:1.37"}
    assert _containers(patched)["web"] == _containers(_deployment())["web"]


def test_kubectl_edit_adds_env_var_to_one_container_in_requested_order(
    deployment_schema: SchemaNode,
) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
                    "containers": [
                        {
                            "$setElementOrder/env": [{"name": "MODE"}, {"name": "DEBUG"}],
                            "env": [{"name": "DEBUG", "value": "1"}],
                            "name": "web",
                        }
                    ],
                }
            }
        }
    }

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert _containers(patched)["web"]["env"] == [
        {"name": "MODE", "value": "prod"},
        {"name": "DEBUG", "value": "1"},
    ]
    assert "env" not in _containers(patched)["sidecar"]


def test_plain_strategic_merge_puts_new_list_elements_first(
    deployment_schema: SchemaNode,
) -> None:
    # Without $setElementOrder, apimachinery keeps the patch's own order and puts elements
    # missing from the live list before the live ones that are not in the patch.
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "proxy", "image": "envoy:1.30"},
                        {"name": "web", "env": [{"name": "DEBUG", "value": "1"}]},
                    ]
                }
            }
        }
    }

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert [c["name"] for c in _pod_spec(patched)["containers"]] == ["proxy", "web", "sidecar"]
    assert [e["name"] for e in _containers(patched)["web"]["env"]] == ["DEBUG", "MODE"]


def test_patch_delete_directive_removes_a_container(deployment_schema: SchemaNode) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "web"}],
                    "containers": [{"$patch": "delete", "name": "sidecar"}],
                }
            }
        }
    }

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert [c["name"] for c in _pod_spec(patched)["containers"]] == ["web"]


def test_finalizers_are_unioned_in_apimachinery_order(deployment_schema: SchemaNode) -> None:
    patch = {"metadata": {"finalizers": ["example.com/c", "example.com/a"]}}

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert patched["metadata"]["finalizers"] == ["example.com/c", "example.com/a", "example.com/b"]


def test_delete_from_primitive_list_removes_only_the_named_values(
    deployment_schema: SchemaNode,
) -> None:
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/a"]}}

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert patched["metadata"]["finalizers"] == ["example.com/b"]


def test_retain_keys_drops_rolling_update_when_switching_to_recreate(
    deployment_schema: SchemaNode,
) -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert patched["spec"]["strategy"] == {"type": "Recreate"}


def test_without_retain_keys_the_server_keeps_rolling_update(
    deployment_schema: SchemaNode,
) -> None:
    # The retainKeys strategy only tells clients to send $retainKeys; the server clears
    # nothing on its own (validation then rejects rollingUpdate with Recreate).
    patch = {"spec": {"strategy": {"type": "Recreate"}}}

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert patched["spec"]["strategy"] == {
        "type": "Recreate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }


def test_retain_keys_inside_a_volume_switches_its_source(deployment_schema: SchemaNode) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "volumes": [
                        {
                            "$retainKeys": ["configMap", "name"],
                            "configMap": {"name": "settings"},
                            "name": "cache",
                        }
                    ]
                }
            }
        }
    }

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert _pod_spec(patched)["volumes"] == [{"name": "cache", "configMap": {"name": "settings"}}]


def test_service_ports_merge_by_port(service_schema: SchemaNode) -> None:
    service = {
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
        },
    }
    patch = {
        "spec": {
            "ports": [
                {"name": "https", "port": 443, "targetPort": 8443},
                {"port": 80, "targetPort": 9090},
            ]
        }
    }

    patched = strategic_merge_patch(service, patch, service_schema)

    assert patched["spec"]["ports"] == [
        {"name": "https", "port": 443, "targetPort": 8443},
        {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 9090},
    ]


def test_labels_are_set_and_removed_with_null(deployment_schema: SchemaNode) -> None:
    patch = {"metadata": {"labels": {"tier": None, "track": "canary", "absent": None}}}

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert patched["metadata"]["labels"] == {"app": "web", "track": "canary"}


def test_lists_without_merge_strategy_are_replaced(deployment_schema: SchemaNode) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "args": ["-v"]}]}}}}

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert _containers(patched)["web"]["args"] == ["-v"]


def test_patch_replace_directive_replaces_a_map_and_a_list(
    deployment_schema: SchemaNode,
) -> None:
    patch = {
        "metadata": {"labels": {"$patch": "replace", "app": "api"}},
        "spec": {
            "template": {
                "spec": {"containers": [{"$patch": "replace"}, {"name": "api", "image": "api:2"}]}
            }
        },
    }

    patched = strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert patched["metadata"]["labels"] == {"app": "api"}
    assert _pod_spec(patched)["containers"] == [{"name": "api", "image": "api:2"}]


def test_custom_resource_with_open_schema_behaves_like_merge_patch() -> None:
    schema = crd_root(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "hosts": {"type": "array", "items": {"type": "string"}},
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                    },
                }
            },
        }
    )
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"hosts": ["a", "b"], "extra": {"items": [1, 2], "keep": {"x": 1, "y": 2}}},
    }
    patch = {"spec": {"hosts": ["c"], "extra": {"items": [3], "keep": {"y": None}}}}

    patched = strategic_merge_patch(widget, patch, schema)

    assert patched["spec"] == {"hosts": ["c"], "extra": {"items": [3], "keep": {"x": 1}}}


@pytest.mark.parametrize(
    ("patch", "code", "message"),
    [
        (
            {"spec": {"template": {"spec": {"containers": [{"image": "nginx"}]}}}},
            500,
            "map: map[image:nginx] does not contain declared merge key: name",
        ),
        (
            {"spec": {"template": {"spec": {"containers": [{"name": "web", "$patch": "merge"}]}}}},
            500,
            "merging lists cannot yet be specified in the patch",
        ),
        (
            {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}},
            400,
            "invalid patch format of retainKeys",
        ),
        (
            {"spec": {"template": {"spec": {"$setElementOrder": [{"name": "web"}]}}}},
            400,
            "invalid patch format of setElementOrder list",
        ),
        (
            {"metadata": {"$deleteFromPrimitiveList": ["example.com/a"]}},
            400,
            "invalid patch format of primitive list",
        ),
        (
            {"metadata": {"labels": {"$patch": "bogus"}}},
            500,
            "unknown patch type: bogus in map: map[$patch:bogus]",
        ),
    ],
)
def test_strategic_merge_patch_errors_carry_apiserver_status(
    deployment_schema: SchemaNode, patch: dict[str, Any], code: int, message: str
) -> None:
    with pytest.raises(PatchError) as caught:
        strategic_merge_patch(_deployment(), patch, deployment_schema)

    assert (caught.value.code, caught.value.message) == (code, message)
    assert caught.value.reason == {400: "BadRequest", 500: ""}[code]


def test_json_patch_add_replace_remove_and_test() -> None:
    operations = [
        {"op": "test", "path": "/spec/replicas", "value": 2},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/metadata/labels/track", "value": "canary"},
        {"op": "remove", "path": "/metadata/labels/tier"},
        {"op": "add", "path": "/metadata/finalizers/-", "value": "example.com/c"},
        {"op": "add", "path": "/metadata/finalizers/0", "value": "example.com/z"},
    ]

    patched = json_patch(_deployment(), operations)

    assert patched["spec"]["replicas"] == 3
    assert patched["metadata"]["labels"] == {"app": "web", "track": "canary"}
    assert patched["metadata"]["finalizers"] == [
        "example.com/z",
        "example.com/a",
        "example.com/b",
        "example.com/c",
    ]


def test_json_patch_failed_test_is_rejected_with_the_reason_as_cause() -> None:
    with pytest.raises(PatchError) as caught:
        json_patch(_deployment(), [{"op": "test", "path": "/spec/replicas", "value": 5}])

    assert (caught.value.code, caught.value.reason, caught.value.message) == (
        422,
        "Invalid",
        REJECTED,
    )
    assert caught.value.details == {
        "causes": [
            {
                "reason": "UnexpectedServerResponse",
                "message": "testing value /spec/replicas failed: test failed",
            }
        ]
    }


def test_json_patch_replace_of_a_missing_member_adds_it() -> None:
    patched = json_patch(
        _deployment(), [{"op": "replace", "path": "/metadata/labels/track", "value": "canary"}]
    )

    assert patched["metadata"]["labels"]["track"] == "canary"


@pytest.mark.parametrize(
    ("operation", "cause"),
    [
        (
            {"op": "remove", "path": "/metadata/labels/track"},
            "error in remove for path: '/metadata/labels/track': Unable to remove nonexistent "
            "key: track: missing value",
        ),
        (
            {"op": "add", "path": "/status/phase", "value": "Ready"},
            'add operation does not apply: doc is missing path: "/status/phase": missing value',
        ),
        (
            {"op": "add", "path": "/metadata/finalizers/5", "value": "x"},
            "error in add for path: '/metadata/finalizers/5': Unable to access invalid index: "
            "5: invalid index referenced",
        ),
        ({"op": "merge", "path": "/spec"}, "Unexpected kind: merge"),
    ],
)
def test_json_patch_failures_are_unprocessable(operation: dict[str, Any], cause: str) -> None:
    with pytest.raises(PatchError) as caught:
        json_patch(_deployment(), [operation])

    assert (caught.value.code, caught.value.message) == (422, REJECTED)
    assert caught.value.details is not None
    assert caught.value.details["causes"][0]["message"] == cause


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (["add"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
    ],
)
def test_json_patch_body_that_is_not_an_array_of_objects_is_a_bad_request(
    body: Any, message: str
) -> None:
    with pytest.raises(PatchError) as caught:
        json_patch(_deployment(), body)

    assert (caught.value.code, caught.value.reason, caught.value.message) == (
        400,
        "BadRequest",
        message,
    )


def test_json_patch_with_too_many_operations_is_too_large() -> None:
    operations = [{"op": "test", "path": "/kind", "value": "Deployment"}] * 10001

    with pytest.raises(PatchError) as caught:
        json_patch(_deployment(), operations)

    assert caught.value.code == 413
    assert caught.value.message == (
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
        "got 10001"
    )


def test_merge_patch_merges_maps_deletes_nulls_and_replaces_lists() -> None:
    patch = {
        "metadata": {"labels": {"tier": None, "track": "canary"}, "annotations": {"a": None}},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}},
    }

    patched = json_merge_patch(_deployment(), patch)

    assert patched["metadata"]["labels"] == {"app": "web", "track": "canary"}
    assert patched["metadata"]["annotations"] == {}
    assert _pod_spec(patched)["containers"] == [{"name": "web", "image": "nginx:1.28"}]
    assert _pod_spec(patched)["volumes"] == [{"name": "cache", "emptyDir": {}}]


@pytest.mark.parametrize("body", [None, "spec", 3])
def test_merge_patch_that_is_not_an_object_is_a_bad_request(body: Any) -> None:
    with pytest.raises(PatchError) as caught:
        json_merge_patch(_deployment(), body)

    assert (caught.value.code, caught.value.message) == (400, "Invalid JSON Patch")


def test_merge_patch_that_is_an_array_is_invalid() -> None:
    with pytest.raises(PatchError) as caught:
        json_merge_patch(_deployment(), ["a"])

    assert caught.value.code == 422
    assert caught.value.message.startswith(' "" is invalid: patch: Invalid value: "[\\"a\\"]": ')


def test_no_engine_mutates_its_inputs(deployment_schema: SchemaNode) -> None:
    original = _deployment()
    smp = {
        "metadata": {"labels": {"tier": None}, "$deleteFromPrimitiveList/finalizers": ["x"]},
        "spec": {
            "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "web"}],
                    "containers": [
                        {"name": "web", "env": [{"name": "A", "value": "1"}]},
                        {"$patch": "delete", "name": "sidecar"},
                    ],
                }
            },
        },
    }
    operations = [
        {"op": "remove", "path": "/metadata/labels/tier"},
        {"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": {"name": "B"}},
    ]
    merge = {"metadata": {"labels": {"tier": None}}, "spec": {"template": None}}
    inputs = (smp, operations, merge)
    snapshot = copy.deepcopy((original, *inputs))

    results = [
        strategic_merge_patch(original, smp, deployment_schema),
        json_patch(original, operations),
        json_merge_patch(original, merge),
    ]

    assert (original, *inputs) == snapshot
    assert all(result is not original for result in results)
    assert all("tier" not in result["metadata"]["labels"] for result in results)
