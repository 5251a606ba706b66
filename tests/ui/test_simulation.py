"""The ``e`` menu offers the changes a kind allows, each with a value that makes visible drift,
and refuses malformed values with a sentence before touching the cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gitops_tui.cluster.client import ClusterClient
from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.engine.simulate import SimulationError
from gitops_tui.model import Health, ResourceKey, ResourceState, SyncStatus
from gitops_tui.ui.simulation import Simulation, choices, kubectl_edit_args, perform

DEPLOYMENT = ResourceKey("apps", "Deployment", "shop", "web")


def state(key: ResourceKey, live: dict[str, object]) -> ResourceState:
    return ResourceState(key, SyncStatus.SYNCED, Health.HEALTHY, desired=live, live=live)


@pytest.fixture(scope="module")
def client(cluster: EmbeddedCluster) -> Iterator[ClusterClient]:
    with ClusterClient.from_kubeconfig(cluster.kubeconfig_path) as opened:
        yield opened


def test_workloads_scale_and_change_their_first_container() -> None:
    live = {
        "spec": {
            "replicas": 2,
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}},
        }
    }
    offered = {c.action: c.default for c in choices(state(DEPLOYMENT, live))}
    assert offered == {
        "scale": "3",
        "image": "nginx:manual",
        "env": "DRIFT=by-hand",
        "label": "edited-by=hand",
        "delete": None,
        "kubectl-edit": None,
    }


def test_scale_says_when_git_leaves_replicas_to_an_autoscaler() -> None:
    template = {"template": {"spec": {"containers": [{"name": "api", "image": "api:1"}]}}}
    live = {"spec": {"replicas": 2, **template}}
    autoscaled = ResourceState(
        DEPLOYMENT, SyncStatus.SYNCED, Health.HEALTHY, desired={"spec": template}, live=live
    )
    [scale] = [c for c in choices(autoscaled) if c.action == "scale"]
    assert "not drift" in scale.label
    [pinned] = [c for c in choices(state(DEPLOYMENT, live)) if c.action == "scale"]
    assert "not drift" not in pinned.label


def test_config_maps_edit_their_first_data_key_and_services_only_label_or_delete() -> None:
    config = ResourceKey("", "ConfigMap", "shop", "settings")
    offered = {c.action: c.default for c in choices(state(config, {"data": {"LEVEL": "info"}}))}
    assert offered["data"] == "LEVEL=edited by hand"
    service = ResourceKey("", "Service", "shop", "web")
    assert [c.action for c in choices(state(service, {}))] == ["label", "delete", "kubectl-edit"]


@pytest.mark.parametrize(
    ("action", "value", "says"),
    [
        ("scale", "three", "whole number"),
        ("env", "NOEQUALS", "NAME=VALUE"),
        ("label", "=x", "KEY=VALUE"),
        ("data", "", "KEY=VALUE"),
    ],
)
def test_malformed_values_are_refused_with_the_expected_shape(
    client: ClusterClient, action: str, value: str, says: str
) -> None:
    with pytest.raises(SimulationError, match=says):
        perform(client, Simulation(action, DEPLOYMENT, value))


def test_kubectl_edit_names_the_resource_as_kubectl_resolves_it() -> None:
    assert kubectl_edit_args(DEPLOYMENT) == ["edit", "deployment.apps/web", "--namespace", "shop"]
    assert kubectl_edit_args(ResourceKey("", "Namespace", "", "shop")) == ["edit", "namespace/shop"]
