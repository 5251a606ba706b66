"""Drift: none where kube-apiserver merely respelled or defaulted, exact paths where it is real."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from gitops_tui.engine.diff import (
    MASK,
    MASK_CHANGED,
    DiffItem,
    attribute,
    compute,
    normalize_for_display,
    owned_fields_diff,
)
from tests.engine.objects import (
    MANAGER,
    OWNED,
    configmap_live,
    secret_live,
    secret_manifest,
    service_live,
    web_dry_run_over_edit,
    web_edited,
    web_live,
    web_manifest,
)

WEB = ".spec.template.spec.containers[name=web]"
PASSWORD = "hunter2-s3cret"


def _container(obj: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = obj["spec"]["template"]["spec"]["containers"][0]
    return container


def _server_bookkeeping_changed(obj: dict[str, Any]) -> None:
    """What a dry run changes that is not drift: generation, resourceVersion, managedFields."""
    meta = obj["metadata"]
    meta["generation"] += 1
    meta["resourceVersion"] = "4712"
    meta["managedFields"][0]["time"] = "2024-05-01T12:00:00Z"
    obj["status"]["observedGeneration"] = 0


def test_dry_run_equal_to_live_but_for_server_fields_is_no_drift() -> None:
    merged = web_live()
    _server_bookkeeping_changed(merged)
    merged["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    assert compute(merged, web_live(), secret=False) == ()


def test_dry_run_shows_what_kubectl_edit_changed() -> None:
    assert compute(web_dry_run_over_edit(), web_edited(), secret=False) == (
        DiffItem("change", ".spec.replicas", 3, 5),
    )


def test_dry_run_image_env_and_label_drift_have_exact_paths() -> None:
    live = web_live()
    merged = web_live()
    _container(merged)["image"] = "nginx:1.26"
    _container(merged)["env"] = [
        {"name": "MODE", "value": "staging"},
        {"name": "DEBUG", "value": "1"},
    ]
    merged["metadata"]["labels"]["app.kubernetes.io/part-of"] = "shop"
    del merged["metadata"]["labels"]["app"]
    assert compute(merged, live, secret=False) == (
        DiffItem("add", '.metadata.labels["app.kubernetes.io/part-of"]', "shop", None),
        DiffItem("remove", ".metadata.labels.app", None, "web"),
        DiffItem("change", f"{WEB}.env[name=MODE].value", "staging", "prod"),
        DiffItem("add", f"{WEB}.env[name=DEBUG]", {"name": "DEBUG", "value": "1"}, None),
        DiffItem("change", f"{WEB}.image", "nginx:1.26", "nginx:1.25"),
    )


def test_list_map_elements_are_matched_by_key_not_position() -> None:
    live = web_live()
    sidecar = {"name": "proxy", "image": "envoyproxy/envoy:v1.30.1"}
    live["spec"]["template"]["spec"]["containers"].insert(0, sidecar)
    merged = web_live()
    merged["spec"]["template"]["spec"]["containers"].append(dict(sidecar, image="envoy:v1.31"))
    assert compute(merged, live, secret=False) == (
        DiffItem(
            "change",
            ".spec.template.spec.containers[name=proxy].image",
            "envoy:v1.31",
            "envoyproxy/envoy:v1.30.1",
        ),
    )


def test_dry_run_configmap_and_service_drift() -> None:
    merged_cm = configmap_live()
    merged_cm["data"].update({"LOG_LEVEL": "debug", "app.properties": "greeting=hi\n"})
    assert compute(merged_cm, configmap_live(), secret=False) == (
        DiffItem("change", ".data.LOG_LEVEL", "debug", "info"),
        DiffItem("change", '.data["app.properties"]', "greeting=hi\n", "greeting=hello\n"),
    )
    merged_svc = service_live()
    merged_svc["spec"]["ports"][0]["targetPort"] = "http"
    assert compute(merged_svc, service_live(), secret=False) == (
        DiffItem("change", ".spec.ports[port=80,protocol=TCP].targetPort", "http", 8080),
    )


def test_manifest_matches_its_own_apply_result() -> None:
    """Defaults, 0.5 vs 500m, 1024Mi vs 1Gi, 1 vs "1", a port without protocol: no drift."""
    assert owned_fields_diff(web_manifest(), web_live(), MANAGER) == ()


def _requests(cpu: Any, memory: Any) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        _container(manifest)["resources"]["requests"] = {"cpu": cpu, "memory": memory}

    return edit


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        node = manifest
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    return edit


def _on_container(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        _container(manifest)[key] = value

    return edit


POD = ("spec", "template", "spec")

CANONICALISATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "cpu 0.5 as a string": _requests("0.5", "1Gi"),
    "cpu 500m": _requests("500m", "1Gi"),
    "memory in bytes as a string": _requests(0.5, "1073741824"),
    "memory 1024Mi": _requests("500m", "1024Mi"),
    "memory in bytes": _requests("500m", 1073741824),
    "cpu limit '1' vs 1": lambda m: _container(m)["resources"]["limits"].update(cpu="1"),
    "cpu limit 1000m": lambda m: _container(m)["resources"]["limits"].update(cpu="1000m"),
    "port as a string": _on_container("ports", [{"containerPort": "80"}]),
    "port with explicit protocol": _on_container(
        "ports", [{"containerPort": 80, "protocol": "TCP"}]
    ),
    "empty annotations": _set(("metadata", "annotations"), {}),
    "empty args": _on_container("args", []),
    "hostNetwork false": _set((*POD, "hostNetwork"), False),
    "minReadySeconds 0": _set(("spec", "minReadySeconds"), 0),
    "empty nodeSelector": _set((*POD, "nodeSelector"), {}),
    "empty string serviceAccountName": _set((*POD, "serviceAccountName"), ""),
    "null creationTimestamp": _set(("spec", "template", "metadata", "creationTimestamp"), None),
    "null field": _set(("spec", "paused"), None),
    "status in the manifest": _set(("status",), {"replicas": 0}),
}


@pytest.mark.parametrize("edit", CANONICALISATIONS.values(), ids=CANONICALISATIONS.keys())
def test_no_false_drift(edit: Callable[[dict[str, Any]], None]) -> None:
    manifest = web_manifest()
    edit(manifest)
    assert owned_fields_diff(manifest, web_live(), MANAGER) == ()


def test_no_false_drift_from_an_empty_string_the_server_dropped() -> None:
    manifest, live = web_manifest(), web_live()
    _container(manifest)["env"].append({"name": "FEATURES", "value": ""})
    _container(live)["env"].append({"name": "FEATURES"})
    assert owned_fields_diff(manifest, live, MANAGER) == ()


def test_secret_string_data_matches_folded_data() -> None:
    assert owned_fields_diff(secret_manifest(), secret_live(), MANAGER) == ()
    wrapped = secret_manifest()
    wrapped["data"]["user"] = "YWRt\naW4="  # base64 wrapped across lines, as `base64` prints it
    assert owned_fields_diff(wrapped, secret_live(), MANAGER) == ()


def test_owned_fields_drift_has_exact_paths() -> None:
    manifest = web_manifest()
    manifest["metadata"]["labels"]["tier"] = "frontend"
    _container(manifest)["image"] = "nginx:1.26"
    _container(manifest)["env"][0]["value"] = "staging"
    _container(manifest)["resources"]["limits"]["memory"] = "2Gi"
    assert owned_fields_diff(manifest, web_edited(), MANAGER) == (
        DiffItem("add", ".metadata.labels.tier", "frontend", None),
        DiffItem("change", ".spec.replicas", 3, 5),
        DiffItem("change", f"{WEB}.image", "nginx:1.26", "nginx:1.25"),
        DiffItem("change", f"{WEB}.env[name=MODE].value", "staging", "prod"),
        DiffItem("change", f"{WEB}.resources.limits.memory", "2Gi", "1Gi"),
    )


def test_configmap_data_drift_without_dry_run() -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "shop", "labels": dict(OWNED)},
        "data": {"LOG_LEVEL": "debug", "app.properties": "greeting=hello\n"},
    }
    assert owned_fields_diff(manifest, configmap_live(), MANAGER) == (
        DiffItem("change", ".data.LOG_LEVEL", "debug", "info"),
    )


def test_fields_dropped_from_the_manifest_are_removals_only_if_we_applied_them() -> None:
    manifest = web_manifest()
    del _container(manifest)["env"]
    del manifest["metadata"]["labels"]["app"]
    live = web_edited()
    assert owned_fields_diff(manifest, live, MANAGER) == (
        DiffItem("change", ".spec.replicas", 3, 5),
        DiffItem("remove", ".metadata.labels.app", None, "web"),
        DiffItem("remove", f"{WEB}.env", None, [{"name": "MODE", "value": "prod"}]),
    )
    # `team` (kubectl-edit's) and the defaults (nobody's) are not ours to remove.
    assert owned_fields_diff(web_manifest(), live, "someone-else") == (
        DiffItem("change", ".spec.replicas", 3, 5),
    )


def test_secret_values_are_masked_and_never_leak() -> None:
    live = secret_live(base64.b64encode(b"hunter2-s3cret").decode())
    merged = secret_live(base64.b64encode(b"correct horse battery staple").decode())
    merged["data"]["api-key"] = base64.b64encode(b"sk-live-0123456789").decode()
    items = compute(merged, live, secret=True)
    assert items == (
        DiffItem("change", ".data.password", MASK_CHANGED, MASK),
        DiffItem("add", ".data.api-key", MASK, None),
    )
    shorter = secret_live(base64.b64encode(b"pw").decode())
    assert compute(shorter, live, secret=True)[0] == items[0]  # not even the length shows
    _assert_no_secret_in(items, merged, live)


def test_secret_string_data_drift_is_masked() -> None:
    manifest = secret_manifest()
    manifest["stringData"]["password"] = "new-Pa55word"
    items = owned_fields_diff(manifest, secret_live(), MANAGER)
    assert items == (DiffItem("change", ".data.password", MASK_CHANGED, MASK),)
    _assert_no_secret_in(items, manifest, secret_live())


def test_secret_data_added_as_a_whole_is_masked() -> None:
    live = secret_live()
    del live["data"]
    items = compute(secret_live(), live, secret=True)
    assert items == (DiffItem("add", ".data", {"password": MASK, "user": MASK}, None),)


def test_display_copy_masks_secrets_and_drops_server_fields() -> None:
    live = secret_live()
    shown = normalize_for_display(live, secret=True)
    assert shown == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"labels": live["metadata"]["labels"], "name": "db", "namespace": "shop"},
        "data": {"password": MASK, "user": MASK},
        "type": "Opaque",
    }
    _assert_no_secret_in(shown, live)
    deployment = normalize_for_display(web_live(), secret=False)
    assert "status" not in deployment and "managedFields" not in deployment["metadata"]
    assert deployment["spec"] == web_live()["spec"]


def _assert_no_secret_in(result: object, *secrets: dict[str, Any]) -> None:
    values = [PASSWORD]
    for secret in secrets:
        for value in {**secret.get("data", {}), **secret.get("stringData", {})}.values():
            values.append(value)
            if "stringData" not in secret:
                values.append(base64.b64decode(value).decode())
    text = repr(result) + str(result)
    leaked = [value for value in values if value in text]
    assert not leaked


def test_attribution_from_managed_fields() -> None:
    live = web_edited()
    paths = [
        ".spec.replicas",
        ".metadata.labels.team",
        f"{WEB}.image",
        f"{WEB}.env[name=MODE].value",
        f"{WEB}.ports[containerPort=80,protocol=TCP]",
        ".spec.selector.matchLabels.app",  # inside an atomic map: its owner owns all of it
        ".spec.template.spec.dnsPolicy",  # defaulted: nobody's
        f"{WEB}.env[name=DEBUG]",  # not in the live object: nobody's
    ]
    assert attribute(live, paths) == {
        ".spec.replicas": "kubectl-edit",
        ".metadata.labels.team": "kubectl-edit",
        f"{WEB}.image": MANAGER,
        f"{WEB}.env[name=MODE].value": MANAGER,
        f"{WEB}.ports[containerPort=80,protocol=TCP]": MANAGER,
        ".spec.selector.matchLabels.app": MANAGER,
    }


def test_attribution_of_every_drift_item() -> None:
    items = owned_fields_diff(web_manifest(), web_edited(), MANAGER)
    assert attribute(web_edited(), [item.path for item in items]) == {
        ".spec.replicas": "kubectl-edit"
    }


def test_attribution_of_quoted_keys_and_paths_in_values() -> None:
    configmap = configmap_live()
    assert attribute(configmap, ['.data["app.properties"]']) == {'.data["app.properties"]': MANAGER}
    mount = "/var/run/secrets/kubernetes.io/serviceaccount"
    live = web_live()
    _container(live)["volumeMounts"] = [{"mountPath": mount, "name": "token"}]
    applied = live["metadata"]["managedFields"][0]["fieldsV1"]
    container_fields = applied["f:spec"]["f:template"]["f:spec"]["f:containers"]
    container_fields['k:{"name":"web"}']["f:volumeMounts"] = {
        f'k:{{"mountPath":"{mount}"}}': {".": {}, "f:mountPath": {}, "f:name": {}}
    }
    path = f"{WEB}.volumeMounts[mountPath={mount}].name"
    assert attribute(live, [path]) == {path: MANAGER}


def test_the_latest_of_several_owners_wins() -> None:
    live = web_live()
    live["metadata"]["managedFields"].append(
        {
            "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:replicas": {}}},
            "manager": "hpa-operator",
            "operation": "Apply",
            "time": "2024-05-02T08:00:00Z",
        }
    )
    assert attribute(live, [".spec.replicas"]) == {".spec.replicas": "hpa-operator"}


def test_attribute_rejects_a_path_it_did_not_print() -> None:
    with pytest.raises(ValueError, match="not a diff path"):
        attribute(web_live(), ["spec/replicas"])
