"""YAML as the detail pane shows it: valid YAML of the object, drifted fields marked line by line
(list-map elements found by their keys, whatever their position), Secrets never shown."""

from __future__ import annotations

import yaml

from gitops_tui.engine.diff import MASK
from gitops_tui.ui.yamlview import masked, parse_path, yaml_lines

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "api", "labels": {"app.kubernetes.io/name": "api"}},
    "spec": {
        "replicas": 2,
        "template": {
            "spec": {
                "containers": [
                    {"name": "sidecar", "image": "envoy:1.30"},
                    {
                        "name": "web",
                        "image": "nginx:1.27",
                        "ports": [{"containerPort": 80}],
                        "env": [{"name": "MODE", "value": "yes"}],
                    },
                ]
            }
        },
    },
}


def drifted(obj: dict[str, object], *paths: str) -> list[str]:
    return [line.text.strip() for line in yaml_lines(obj, paths) if line.drifted]


def test_lines_are_the_objects_yaml() -> None:
    tricky = {
        "data": {
            "empty": "",
            "number": "8080",
            "flag": "true",
            "n": "no",
            "colon": "a: b",
            "block": "line one\nline two\n",
            "hash": "a #b",
            "dotted.key": "v",
        },
        "list": [[1, 2], [], {}],
        "none": None,
        "real": 0.5,
        "yes": True,
    }
    for obj in (DEPLOYMENT, tricky):
        text = "\n".join(line.text for line in yaml_lines(obj))
        assert yaml.safe_load(text) == obj


def test_a_drifted_field_and_everything_under_it_is_marked() -> None:
    assert drifted(DEPLOYMENT, ".spec.replicas") == ["replicas: 2"]
    assert drifted(DEPLOYMENT, ".metadata.labels") == ["labels:", "app.kubernetes.io/name: api"]


def test_list_map_elements_are_found_by_their_keys_not_their_position() -> None:
    assert drifted(DEPLOYMENT, ".spec.template.spec.containers[name=web].image") == [
        "image: nginx:1.27"
    ]
    ports = ".spec.template.spec.containers[name=web].ports[containerPort=80,protocol=TCP]"
    assert drifted(DEPLOYMENT, ports) == ["- containerPort: 80"]
    env = ".spec.template.spec.containers[name=web].env[name=MODE].value"
    assert drifted(DEPLOYMENT, env) == ['value: "yes"']
    assert drifted(DEPLOYMENT, ".spec.template.spec.containers[0].image") == ["image: envoy:1.30"]


def test_quoted_keys_and_unreadable_paths() -> None:
    config = {"data": {"app.properties": "a=1", "other": "b"}}
    assert drifted(config, '.data["app.properties"]') == ["app.properties: a=1"]
    assert parse_path(".data[") is None
    assert drifted(config, "not a path", ".data[") == []


def test_secret_values_are_masked_and_other_kinds_left_alone() -> None:
    secret = {"kind": "Secret", "data": {"password": "aHVudGVyMg=="}, "stringData": {"t": "x"}}
    shown = masked(secret)
    assert shown == {"kind": "Secret", "data": {"password": MASK}, "stringData": {"t": MASK}}
    assert "aHVudGVyMg" not in "\n".join(line.text for line in yaml_lines(shown))
    assert masked(DEPLOYMENT) is DEPLOYMENT
