"""Server-side apply and managedFields match kube-apiserver's field manager.

Every expected value below is what kube-apiserver answers for the same sequence of requests
(``kubectl apply --server-side``, ``kubectl create``, ``kubectl edit``, a status writer...):
the managedFields entries and their FieldsV1, the merged object, and conflict errors.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from gitops_tui.cluster.embedded import fieldmanager
from gitops_tui.cluster.embedded.fieldmanager import (
    LAST_APPLIED,
    ApplyConflictError,
    Conflict,
    FieldManagerError,
)
from gitops_tui.cluster.embedded.fieldpath import (
    FieldSet,
    field,
    freeze,
    from_fields_v1,
    go_json,
    path_string,
    to_fields_v1,
)
from gitops_tui.cluster.embedded.registry import Registry
from gitops_tui.cluster.embedded.schema import crd_root

T0, T1, T2 = "2026-11-23T10:00:00Z", "2026-11-23T10:01:00Z", "2026-11-23T10:02:00Z"
REGISTRY = Registry()
DEPLOYMENTS = REGISTRY.lookup("apps", "v1", "deployments")
CONFIGMAPS = REGISTRY.lookup("", "v1", "configmaps")
assert DEPLOYMENTS is not None and CONFIGMAPS is not None
DEPLOYMENT_SCHEMA = DEPLOYMENTS.schema()
CONFIGMAP_SCHEMA = CONFIGMAPS.schema()
STATUS_RESET = frozenset({"status"})


def deployment(**spec: Any) -> dict[str, Any]:
    """The small Deployment of the docs: one container, one label."""
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }
    obj["spec"].update(spec)
    return obj


def apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    manager: str = "kubectl",
    *,
    force: bool = False,
    now: str = T0,
) -> dict[str, Any]:
    return fieldmanager.apply(
        live,
        applied,
        manager=manager,
        force=force,
        schema=DEPLOYMENT_SCHEMA,
        api_version="apps/v1",
        now=now,
        reset_fields=STATUS_RESET,
    )


def update(
    live: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    *,
    now: str = T1,
    subresource: str = "",
) -> dict[str, Any]:
    return fieldmanager.record_update(
        live,
        new,
        manager=manager,
        schema=DEPLOYMENT_SCHEMA,
        api_version="apps/v1",
        now=now,
        reset_fields=frozenset({"spec"}) if subresource == "status" else STATUS_RESET,
        subresource=subresource,
    )


def entries(obj: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (e.get("manager", ""), e["operation"], e.get("time", ""))
        for e in obj["metadata"]["managedFields"]
    ]


def fields_of(obj: dict[str, Any], manager: str, operation: str = "Apply") -> dict[str, Any]:
    for entry in obj["metadata"]["managedFields"]:
        if entry.get("manager") == manager and entry["operation"] == operation:
            fields: dict[str, Any] = entry["fieldsV1"]
            return fields
    raise AssertionError(f"no {operation} entry for {manager}")


APPLIED_DEPLOYMENT_FIELDS = {
    "f:metadata": {"f:labels": {"f:app": {}}},
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}, "f:name": {}}}
            },
        },
    },
}


def test_create_by_apply_writes_the_managed_fields_apiserver_writes() -> None:
    created = apply(None, deployment())

    assert created["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "apps/v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": APPLIED_DEPLOYMENT_FIELDS,
        }
    ]
    # FieldsV1 keys come out in structured-merge-diff's order, "." first.
    assert json.dumps(created["metadata"]["managedFields"][0]["fieldsV1"]).startswith(
        '{"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:replicas": {}'
    )
    assert created["spec"]["template"]["spec"]["containers"] == [
        {"name": "web", "image": "nginx:1.27"}
    ]
    # Applying the same configuration again changes nothing, not even the entry's time.
    assert apply(created, deployment(), now=T1) == created


def test_kubectl_create_owns_every_defaulted_field_with_dots_where_apiserver_puts_them() -> None:
    defaulted = deployment(
        strategy={
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
        },
        revisionHistoryLimit=10,
        progressDeadlineSeconds=600,
    )
    pod = defaulted["spec"]["template"]["spec"]
    pod["containers"][0].update(
        ports=[{"containerPort": 80, "protocol": "TCP"}],
        resources={},
        terminationMessagePath="/dev/termination-log",
        terminationMessagePolicy="File",
        imagePullPolicy="IfNotPresent",
    )
    pod.update(
        restartPolicy="Always",
        terminationGracePeriodSeconds=30,
        dnsPolicy="ClusterFirst",
        securityContext={},
        schedulerName="default-scheduler",
    )
    defaulted["status"] = {}

    created = update(None, defaulted, "kubectl-create", now=T0)

    assert entries(created) == [("kubectl-create", "Update", T0)]
    assert fields_of(created, "kubectl-create", "Update") == {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {
            "f:progressDeadlineSeconds": {},
            "f:replicas": {},
            "f:revisionHistoryLimit": {},
            "f:selector": {},
            "f:strategy": {
                "f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}},
                "f:type": {},
            },
            "f:template": {
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"web"}': {
                            ".": {},
                            "f:image": {},
                            "f:imagePullPolicy": {},
                            "f:name": {},
                            "f:ports": {
                                ".": {},
                                'k:{"containerPort":80,"protocol":"TCP"}': {
                                    ".": {},
                                    "f:containerPort": {},
                                    "f:protocol": {},
                                },
                            },
                            "f:resources": {},
                            "f:terminationMessagePath": {},
                            "f:terminationMessagePolicy": {},
                        }
                    },
                    "f:dnsPolicy": {},
                    "f:restartPolicy": {},
                    "f:schedulerName": {},
                    "f:securityContext": {},
                    "f:terminationGracePeriodSeconds": {},
                },
            },
        },
    }


def test_reapply_without_a_field_removes_it_from_the_object() -> None:
    live = apply(None, deployment())
    without_labels = deployment()
    del without_labels["metadata"]["labels"]

    reapplied = apply(live, without_labels, now=T1)

    assert "labels" not in reapplied["metadata"]
    assert "f:metadata" not in fields_of(reapplied, "kubectl")
    assert entries(reapplied) == [("kubectl", "Apply", T1)]


def test_a_removed_field_another_manager_also_owns_stays() -> None:
    live = apply(None, deployment())
    live = apply(live, deployment(), "ci", now=T1)  # same values: shared, no conflict

    without_replicas = deployment()
    del without_replicas["spec"]["replicas"]
    reapplied = apply(live, without_replicas, now=T2)

    assert reapplied["spec"]["replicas"] == 1
    assert "f:replicas" not in fields_of(reapplied, "kubectl")["f:spec"]
    assert "f:replicas" in fields_of(reapplied, "ci")["f:spec"]
    # apiserver stamps an Apply entry only when the object changed (kubernetes#127938).
    assert ("ci", "Apply", "") in entries(reapplied)


def edited_to_three_replicas() -> dict[str, Any]:
    live = apply(None, deployment())
    edited = copy.deepcopy(live)
    edited["spec"]["replicas"] = 3
    return update(live, edited, "kubectl-edit")


def test_edit_takes_the_field_from_the_applier() -> None:
    live = edited_to_three_replicas()

    assert entries(live) == [("kubectl", "Apply", T0), ("kubectl-edit", "Update", T1)]
    assert fields_of(live, "kubectl-edit", "Update") == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in fields_of(live, "kubectl")["f:spec"]


def test_applying_another_value_conflicts_with_apiservers_message_and_cause() -> None:
    live = edited_to_three_replicas()

    with pytest.raises(ApplyConflictError) as caught:
        apply(live, deployment(replicas=2), now=T2)

    error = caught.value
    assert error.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas'
    )
    assert error.causes == [
        {
            "type": "FieldManagerConflict",
            "message": 'conflict with "kubectl-edit" using apps/v1',
            "field": ".spec.replicas",
        }
    ]
    assert error.conflicts == (Conflict('"kubectl-edit" using apps/v1', ".spec.replicas"),)


def test_force_takes_ownership_and_drops_the_emptied_entry() -> None:
    live = edited_to_three_replicas()

    forced = apply(live, deployment(replicas=2), force=True, now=T2)

    assert forced["spec"]["replicas"] == 2
    assert entries(forced) == [("kubectl", "Apply", T2)]
    assert fields_of(forced, "kubectl") == APPLIED_DEPLOYMENT_FIELDS


def test_applying_the_live_value_shares_ownership_without_touching_the_object() -> None:
    live = edited_to_three_replicas()

    shared = apply(live, deployment(replicas=3), now=T2)

    assert shared["spec"] == live["spec"]
    assert "f:replicas" in fields_of(shared, "kubectl")["f:spec"]
    assert fields_of(shared, "kubectl-edit", "Update") == {"f:spec": {"f:replicas": {}}}
    # A no-op apply does not bump the entry's time.
    assert entries(shared) == [("kubectl", "Apply", T0), ("kubectl-edit", "Update", T1)]


def test_conflicts_with_several_managers_are_grouped_by_sorted_manager() -> None:
    live = apply(None, deployment())
    scaled = copy.deepcopy(live)
    scaled["spec"]["replicas"] = 5
    live = update(live, scaled, "kubectl-scale", subresource="scale")
    relabelled = copy.deepcopy(live)
    relabelled["metadata"]["labels"]["app"] = "api"
    relabelled["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    live = update(live, relabelled, "argocd", now=T2)

    desired = deployment(replicas=2)
    desired["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.29"
    with pytest.raises(ApplyConflictError) as caught:
        apply(live, desired, now=T2)

    assert caught.value.message == (
        "Apply failed with 3 conflicts: "
        'conflicts with "argocd" using apps/v1:\n'
        "- .metadata.labels.app\n"
        '- .spec.template.spec.containers[name="web"].image\n'
        'conflicts with "kubectl-scale" with subresource "scale" using apps/v1:\n'
        "- .spec.replicas"
    )
    assert [cause["field"] for cause in caught.value.causes] == [
        ".metadata.labels.app",
        '.spec.template.spec.containers[name="web"].image',
        ".spec.replicas",
    ]


def test_two_appliers_merge_containers_by_name() -> None:
    live = apply(None, deployment())
    sidecar = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "envoy"}]}}},
    }

    merged = apply(live, sidecar, "mesh-injector", now=T1)

    assert merged["spec"]["template"]["spec"]["containers"] == [
        {"name": "web", "image": "nginx:1.27"},
        {"name": "proxy", "image": "envoy"},
    ]
    assert fields_of(merged, "mesh-injector") == {
        "f:spec": {
            "f:template": {
                "f:spec": {
                    "f:containers": {'k:{"name":"proxy"}': {".": {}, "f:image": {}, "f:name": {}}}
                }
            }
        }
    }
    # The first applier dropping its container leaves the injected one alone.
    reapplied = apply(merged, deployment(), now=T2)
    assert [c["name"] for c in reapplied["spec"]["template"]["spec"]["containers"]] == [
        "web",
        "proxy",
    ]


def test_finalizers_are_a_set_each_applier_owns_its_values() -> None:
    first = deployment()
    first["metadata"]["finalizers"] = ["example.com/a"]
    live = apply(None, first)
    second = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "finalizers": ["example.com/b"]},
    }

    merged = apply(live, second, "controller", now=T1)

    assert merged["metadata"]["finalizers"] == ["example.com/a", "example.com/b"]
    assert fields_of(merged, "controller") == {
        "f:metadata": {"f:finalizers": {'v:"example.com/b"': {}}}
    }
    assert fields_of(merged, "kubectl")["f:metadata"]["f:finalizers"] == {'v:"example.com/a"': {}}


def test_atomic_lists_are_replaced_whole_and_owned_as_one_field() -> None:
    with_args = deployment()
    with_args["spec"]["template"]["spec"]["containers"][0]["args"] = ["--a", "--b"]
    live = apply(None, with_args)
    assert (
        fields_of(live, "kubectl")["f:spec"]["f:template"]["f:spec"]["f:containers"][
            'k:{"name":"web"}'
        ]["f:args"]
        == {}
    )

    other = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "args": ["--c"]}]}}},
    }
    with pytest.raises(ApplyConflictError) as caught:
        apply(live, other, "tuner", now=T1)
    assert caught.value.conflicts == (
        Conflict('"kubectl"', '.spec.template.spec.containers[name="web"].args'),
    )

    replaced = apply(live, other, "tuner", force=True, now=T1)
    assert replaced["spec"]["template"]["spec"]["containers"][0]["args"] == ["--c"]


def test_status_is_reset_neither_changed_nor_owned_by_a_main_resource_apply() -> None:
    with_status = deployment()
    with_status["status"] = {"replicas": 7}

    created = apply(None, with_status)
    assert "status" not in created
    assert "f:status" not in fields_of(created, "kubectl")

    live = copy.deepcopy(created)
    live["status"] = {"replicas": 1, "readyReplicas": 1}
    reapplied = apply(live, with_status, now=T1)
    assert reapplied["status"] == {"replicas": 1, "readyReplicas": 1}
    assert "f:status" not in fields_of(reapplied, "kubectl")


def test_status_writers_own_status_under_the_status_subresource() -> None:
    live = apply(None, deployment())
    reported = copy.deepcopy(live)
    reported["status"] = {"replicas": 1, "observedGeneration": 1}

    written = update(live, reported, "kube-controller-manager", subresource="status")

    status_entry = written["metadata"]["managedFields"][1]
    assert status_entry == {
        "manager": "kube-controller-manager",
        "operation": "Update",
        "apiVersion": "apps/v1",
        "time": T1,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:status": {"f:observedGeneration": {}, "f:replicas": {}}},
        "subresource": "status",
    }


def test_ports_are_keyed_by_container_port_and_the_defaulted_protocol() -> None:
    with_port = deployment()
    with_port["spec"]["template"]["spec"]["containers"][0]["ports"] = [
        {"containerPort": 80, "name": "http"}
    ]
    live = apply(None, with_port)
    container = fields_of(live, "kubectl")["f:spec"]["f:template"]["f:spec"]["f:containers"][
        'k:{"name":"web"}'
    ]
    assert container["f:ports"] == {
        'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}, "f:name": {}}
    }

    renamed = copy.deepcopy(with_port)
    renamed["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"] = "web"
    with pytest.raises(ApplyConflictError) as caught:
        apply(live, renamed, "other", now=T1)
    assert caught.value.conflicts[0].path == (
        '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].name'
    )


def test_managed_fields_are_ordered_apply_first_then_by_time() -> None:
    live = apply(None, deployment(), "zeta", now=T1)
    changed = copy.deepcopy(live)
    changed["metadata"]["annotations"] = {"note": "x"}
    live = update(live, changed, "alpha", now=T2)
    labels_only = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"tier": "front"}},
    }
    live = apply(live, labels_only, "beta", now=T0)

    assert entries(live) == [("beta", "Apply", T0), ("zeta", "Apply", T1), ("alpha", "Update", T2)]


def test_an_update_that_changes_nothing_keeps_the_entry_and_its_time() -> None:
    live = edited_to_three_replicas()
    again = copy.deepcopy(live)
    again["metadata"]["annotations"] = {"unrelated": "yes"}

    after = update(live, again, "kubectl-edit", now=T2)

    assert entries(after) == [("kubectl", "Apply", T0), ("kubectl-edit", "Update", T2)]
    assert fields_of(after, "kubectl-edit", "Update") == {
        "f:metadata": {"f:annotations": {".": {}, "f:unrelated": {}}},
        "f:spec": {"f:replicas": {}},
    }
    unchanged = update(after, copy.deepcopy(after), "kubectl-edit", now="2026-11-23T11:00:00Z")
    assert entries(unchanged) == entries(after)


def test_objects_without_managed_fields_are_tracked_from_their_first_apply() -> None:
    untracked = deployment()
    untracked["metadata"]["uid"] = "6b1d0c5e"
    changed = copy.deepcopy(untracked)
    changed["spec"]["replicas"] = 4
    assert "managedFields" not in update(untracked, changed, "kubectl-edit")["metadata"]

    applied = apply(changed, deployment(replicas=5), "gitops", force=True, now=T2)

    assert entries(applied) == [("gitops", "Apply", T2), ("before-first-apply", "Update", T2)]
    existing = fields_of(applied, "before-first-apply", "Update")
    assert existing["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}
    assert "f:replicas" not in existing["f:spec"]  # forced over: the new applier's now
    assert fields_of(applied, "gitops") == APPLIED_DEPLOYMENT_FIELDS


def test_sending_an_empty_managed_fields_entry_resets_them() -> None:
    live = edited_to_three_replicas()
    reset = copy.deepcopy(live)
    reset["metadata"]["managedFields"] = [{}]

    assert "managedFields" not in update(live, reset, "kubectl-edit")["metadata"]


def test_more_than_ten_updaters_fold_the_oldest_into_ancient_changes() -> None:
    live = apply(None, deployment())
    for i in range(11):
        changed = copy.deepcopy(live)
        changed["metadata"].setdefault("annotations", {})[f"step{i}"] = "done"
        live = update(live, changed, f"bot-{i:02d}", now=f"2026-11-23T11:{i:02d}:00Z")

    managers = [manager for manager, _, _ in entries(live)]
    assert managers == ["kubectl", "ancient-changes", *(f"bot-{i:02d}" for i in range(2, 11))]
    ancient = fields_of(live, "ancient-changes", "Update")["f:metadata"]["f:annotations"]
    assert set(ancient) == {".", "f:step0", "f:step1"}
    assert entries(live)[1][2] == "2026-11-23T11:01:00Z"


def test_kubectl_server_side_apply_takes_over_from_client_side_apply() -> None:
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "default"},
        "data": {"mode": "a"},
    }
    client_side = copy.deepcopy(config)
    client_side["metadata"]["annotations"] = {LAST_APPLIED: go_json(config) + "\n"}
    kwargs: dict[str, Any] = {"schema": CONFIGMAP_SCHEMA, "api_version": "v1"}
    live = fieldmanager.record_update(
        None, client_side, manager="kubectl-client-side-apply", now=T0, **kwargs
    )
    wanted = copy.deepcopy(config)
    wanted["data"]["mode"] = "b"

    with pytest.raises(ApplyConflictError):
        fieldmanager.apply(live, wanted, manager="flux", force=False, now=T1, **kwargs)
    upgraded = fieldmanager.apply(live, wanted, manager="kubectl", force=False, now=T1, **kwargs)

    assert upgraded["data"] == {"mode": "b"}
    assert upgraded["metadata"]["annotations"][LAST_APPLIED] == (
        '{"apiVersion":"v1","data":{"mode":"b"},"kind":"ConfigMap",'
        '"metadata":{"name":"settings","namespace":"default"}}\n'
    )
    assert fields_of(upgraded, "kubectl") == {"f:data": {"f:mode": {}}}
    assert fields_of(upgraded, "kubectl-client-side-apply", "Update") == {
        "f:data": {},
        "f:metadata": {
            "f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}
        },
    }


def test_custom_resources_own_open_maps_entry_by_entry() -> None:
    schema = crd_root(
        {
            "type": "object",
            "properties": {
                "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            },
        }
    )
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": {"width": 2}, "tags": ["x"]},
    }
    kwargs: dict[str, Any] = {"schema": schema, "api_version": "example.com/v1", "force": False}

    live = fieldmanager.apply(None, widget, manager="m", now=T0, **kwargs)
    assert fields_of(live, "m") == {"f:spec": {"f:size": {".": {}, "f:width": {}}, "f:tags": {}}}

    smaller = {**widget, "spec": {"tags": ["y"]}}
    assert fieldmanager.apply(live, smaller, manager="m", now=T1, **kwargs)["spec"] == {
        "tags": ["y"]
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"template": {"spec": {"containers": [{"image": "nginx"}]}}},
            ".spec.template.spec.containers: element 0: associative list with keys has an "
            'element that omits key field "name" (and doesn\'t have default value)',
        ),
        (
            {"template": {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}},
            '.spec.template.spec.containers: duplicate entries for key [name="a"]',
        ),
        ({"replica": 3}, ".spec.replica: field not declared in schema"),
    ],
)
def test_applied_objects_that_do_not_fit_the_schema_fail_like_apiserver(
    spec: dict[str, Any], message: str
) -> None:
    bad = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": spec,
    }

    with pytest.raises(FieldManagerError) as caught:
        apply(None, bad)

    assert caught.value.code == 500
    assert caught.value.message == (
        f"failed to create typed patch object (default/web; apps/v1, Kind=Deployment): {message}"
    )


def test_values_of_the_wrong_type_fail_with_smds_words() -> None:
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "probe-config", "namespace": "default"},
        "data": {"VERSION": 1},
    }

    with pytest.raises(FieldManagerError) as caught:
        fieldmanager.apply(
            None,
            config_map,
            manager="helm",
            force=False,
            schema=CONFIGMAP_SCHEMA,
            api_version="v1",
            now=T0,
        )

    assert caught.value.message == (
        "failed to create typed patch object (default/probe-config; /v1, Kind=ConfigMap): "
        ".data.VERSION: expected string, got &value.valueUnstructured{Value:1}"
    )
    with pytest.raises(FieldManagerError) as caught:
        apply(None, deployment(replicas="3"))
    assert caught.value.message.endswith(
        ".spec.replicas: expected numeric (int or float), got string"
    )


def test_applied_objects_may_not_carry_managed_fields() -> None:
    bad = deployment()
    bad["metadata"]["managedFields"] = []

    with pytest.raises(FieldManagerError) as caught:
        apply(None, bad)

    assert (caught.value.code, caught.value.message) == (400, "metadata.managedFields must be nil")


def test_fields_v1_round_trips_and_paths_print_like_structured_merge_diff() -> None:
    port = ("k", ((("containerPort", freeze(80)), ("protocol", freeze("TCP")))))
    fields = FieldSet.of(
        (field("spec"), field("ports"), port),
        (field("spec"), field("ports"), port, field("name")),
        (field("metadata"), field("finalizers"), ("v", freeze("a/b"))),
    )

    encoded = to_fields_v1(fields)

    assert encoded == {
        "f:metadata": {"f:finalizers": {'v:"a/b"': {}}},
        "f:spec": {"f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:name": {}}}},
    }
    assert from_fields_v1(encoded) == fields
    assert [path_string(p) for p in fields.paths()] == [
        '.metadata.finalizers[="a/b"]',
        '.spec.ports[containerPort=80,protocol="TCP"]',
        '.spec.ports[containerPort=80,protocol="TCP"].name',
    ]
