"""The simulated control plane: workloads converge the way kube-controller-manager makes them.

Driven through ``ClusterAPI`` of a running embedded cluster (no HTTP): objects are written as a
client would, and the test polls for what the controllers, scheduler and kubelet write back.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_tui.cluster.embedded.api import ClusterAPI, DeleteOptions, WriteOptions
from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.cluster.embedded.controllers import ControllerManager
from gitops_tui.cluster.embedded.controllers.base import compute_hash
from gitops_tui.cluster.embedded.controllers.cronjob import parse_schedule
from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.cluster.embedded.registry import Registry, ResourceType
from gitops_tui.cluster.embedded.store import Store
from tests.conftest import FAST, wait_for

CLIENT = WriteOptions(field_manager="kubectl")
NODE = "gitops-tui-control-plane"
SAFE = "[bcdfghjklmnpqrstvwxz2456789]"


def rt(api: ClusterAPI, plural: str) -> ResourceType:
    group = {
        "deployments": "apps",
        "replicasets": "apps",
        "statefulsets": "apps",
        "daemonsets": "apps",
        "jobs": "batch",
        "cronjobs": "batch",
    }.get(plural, "")
    found = api.registry.lookup(group, "v1", plural)
    assert found is not None
    return found


def items(api: ClusterAPI, plural: str, namespace: str) -> list[dict[str, Any]]:
    return list(api.list(rt(api, plural), namespace)["items"])


def find(api: ClusterAPI, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
    return api.find(rt(api, plural), namespace, name)


def edited(api: ClusterAPI, plural: str, namespace: str, name: str) -> dict[str, Any]:
    """A copy of the stored object to change and write back (stored objects are shared)."""
    return copy.deepcopy(api.get(rt(api, plural), namespace, name))


def condition(obj: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    for entry in ((obj or {}).get("status") or {}).get("conditions") or ():
        if entry["type"] == kind:
            return dict(entry)
    return {}


def events(api: ClusterAPI, namespace: str, kind: str, name: str) -> list[tuple[str, str]]:
    return [
        (e["reason"], e["message"])
        for e in items(api, "events", namespace)
        if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name
    ]


def deployment(name: str = "web", replicas: int = 3, image: str = "nginx:1.27") -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }


def rolled_out(api: ClusterAPI, namespace: str, name: str, replicas: int) -> bool:
    d = find(api, "deployments", namespace, name) or {}
    status = d.get("status") or {}
    return (
        status.get("observedGeneration") == d["metadata"]["generation"]
        and status.get("updatedReplicas") == replicas
        and status.get("replicas") == replicas
        and status.get("availableReplicas") == replicas
        and condition(d, "Progressing").get("reason") == "NewReplicaSetAvailable"
    )


def pods_of(api: ClusterAPI, namespace: str, owner_uid: str) -> list[dict[str, Any]]:
    return [
        p
        for p in items(api, "pods", namespace)
        if any(r["uid"] == owner_uid for r in p["metadata"].get("ownerReferences") or ())
    ]


@pytest.fixture
def api(cluster: EmbeddedCluster) -> ClusterAPI:
    assert cluster.api is not None
    return cluster.api


@pytest.fixture
def ns(api: ClusterAPI) -> Iterator[str]:
    name = "c-" + uuid.uuid4().hex[:8]
    api.create(api.namespace_type(), None, {"metadata": {"name": name}}, CLIENT)
    yield name
    api.delete(api.namespace_type(), None, name, DeleteOptions())


def test_deployment_rolls_out_a_replicaset_of_ready_pods(api: ClusterAPI, ns: str) -> None:
    api.create(rt(api, "deployments"), ns, deployment(), CLIENT)
    wait_for(lambda: rolled_out(api, ns, "web", 3))

    [rs] = items(api, "replicasets", ns)
    template_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert re.fullmatch(f"{SAFE}{{1,10}}", template_hash)
    assert rs["metadata"]["name"] == f"web-{template_hash}"
    assert rs["spec"]["selector"]["matchLabels"] == {
        "app": "web",
        "pod-template-hash": template_hash,
    }
    owner = find(api, "deployments", ns, "web")
    assert owner is not None
    assert rs["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "uid": owner["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/revision": "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
    }
    assert {k: v for k, v in rs["status"].items() if k != "conditions"} == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
        "terminatingReplicas": 0,
    }

    pods = pods_of(api, ns, rs["metadata"]["uid"])
    assert len(pods) == 3
    for pod in pods:
        assert re.fullmatch(f"web-{template_hash}-{SAFE}{{5}}", pod["metadata"]["name"])
        assert pod["metadata"]["labels"] == {"app": "web", "pod-template-hash": template_hash}
        assert pod["spec"]["nodeName"] == NODE
        status = pod["status"]
        assert status["phase"] == "Running"
        assert status["podIP"].startswith("10.244.")
        assert [c["type"] for c in status["conditions"] if c["status"] == "True"] == [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ]
        [container] = status["containerStatuses"]
        assert container["ready"] is True and container["started"] is True
        assert container["restartCount"] == 0
        assert container["image"] == "docker.io/library/nginx:1.27"
        assert container["imageID"].startswith("docker.io/library/nginx@sha256:")
        assert container["containerID"].startswith("containerd://")
        assert "startedAt" in container["state"]["running"]
    assert len({p["status"]["podIP"] for p in pods}) == 3

    d = find(api, "deployments", ns, "web")
    available, progressing = condition(d, "Available"), condition(d, "Progressing")
    assert (available["status"], available["reason"], available["message"]) == (
        "True",
        "MinimumReplicasAvailable",
        "Deployment has minimum availability.",
    )
    assert (progressing["status"], progressing["message"]) == (
        "True",
        f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.',
    )
    assert [c["type"] for c in d["status"]["conditions"]] == ["Available", "Progressing"]
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert (
        "ScalingReplicaSet",
        f"Scaled up replica set {rs['metadata']['name']} from 0 to 3",
    ) in events(api, ns, "Deployment", "web")
    created = [
        m
        for r, m in events(api, ns, "ReplicaSet", rs["metadata"]["name"])
        if r == "SuccessfulCreate"
    ]
    assert sorted(created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    reasons = [r for r, _ in events(api, ns, "Pod", pods[0]["metadata"]["name"])]
    assert reasons[0] == "Scheduled" and reasons[-2:] == ["Created", "Started"]


def test_new_template_rolls_to_a_new_replicaset_and_scales_the_old_one_to_zero(
    api: ClusterAPI, ns: str
) -> None:
    api.create(rt(api, "deployments"), ns, deployment(), CLIENT)
    wait_for(lambda: rolled_out(api, ns, "web", 3))
    [old] = items(api, "replicasets", ns)

    changed = edited(api, "deployments", ns, "web")
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    api.replace(rt(api, "deployments"), ns, "web", changed, CLIENT)
    wait_for(lambda: rolled_out(api, ns, "web", 3))

    by_name = {rs["metadata"]["name"]: rs for rs in items(api, "replicasets", ns)}
    assert len(by_name) == 2
    old = by_name.pop(old["metadata"]["name"])
    [new] = by_name.values()
    assert old["spec"]["replicas"] == 0
    assert old["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert new["metadata"]["name"] != old["metadata"]["name"]
    wait_for(lambda: len(items(api, "pods", ns)) == 3)
    assert {p["spec"]["containers"][0]["image"] for p in items(api, "pods", ns)} == {"nginx:1.28"}
    d = find(api, "deployments", ns, "web")
    assert d is not None
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert condition(d, "Progressing")["message"] == (
        f'ReplicaSet "{new["metadata"]["name"]}" has successfully progressed.'
    )
    history = [m for r, m in events(api, ns, "Deployment", "web") if r == "ScalingReplicaSet"]
    assert f"Scaled down replica set {old['metadata']['name']} from 1 to 0" in history
    assert any(
        m.startswith(f"Scaled up replica set {new['metadata']['name']} from 0 to ") for m in history
    )


def test_scaling_down_removes_pods(api: ClusterAPI, ns: str) -> None:
    api.create(rt(api, "deployments"), ns, deployment(), CLIENT)
    wait_for(lambda: rolled_out(api, ns, "web", 3))
    scaled = edited(api, "deployments", ns, "web")
    scaled["spec"]["replicas"] = 1
    api.replace(rt(api, "deployments"), ns, "web", scaled, CLIENT)

    wait_for(lambda: rolled_out(api, ns, "web", 1) and len(items(api, "pods", ns)) == 1)
    [rs] = items(api, "replicasets", ns)
    assert rs["spec"]["replicas"] == 1
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "1"
    assert (
        "ScalingReplicaSet",
        f"Scaled down replica set {rs['metadata']['name']} from 3 to 1",
    ) in events(api, ns, "Deployment", "web")
    deleted = [r for r, _ in events(api, ns, "ReplicaSet", rs["metadata"]["name"])]
    assert deleted.count("SuccessfulDelete") == 2


def test_unpullable_image_backs_off_and_the_deployment_is_unavailable(
    api: ClusterAPI, ns: str
) -> None:
    body = deployment(replicas=1, image="nginx:does-not-exist")
    body["spec"]["progressDeadlineSeconds"] = 1
    api.create(rt(api, "deployments"), ns, body, CLIENT)

    def backing_off() -> dict[str, Any] | None:
        pods = items(api, "pods", ns)
        if not pods:
            return None
        waiting = (
            pods[0]["status"].get("containerStatuses", [{}])[0].get("state", {}).get("waiting", {})
        )
        return pods[0] if waiting.get("reason") == "ImagePullBackOff" else None

    pod = wait_for(backing_off)
    waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["message"].startswith(
        'Back-off pulling image "nginx:does-not-exist": ErrImagePull: rpc error: code = NotFound'
    )
    assert pod["status"]["phase"] == "Pending"
    ready = condition(pod, "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "ContainersNotReady",
        "containers with unready status: [web]",
    )
    reasons = events(api, ns, "Pod", pod["metadata"]["name"])
    assert ("Failed", "Error: ErrImagePull") in reasons
    assert ("BackOff", 'Back-off pulling image "nginx:does-not-exist"') in reasons

    d = find(api, "deployments", ns, "web")
    available = condition(d, "Available")
    assert (available["status"], available["reason"], available["message"]) == (
        "False",
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
    )
    [rs] = items(api, "replicasets", ns)
    progressing = wait_for(
        lambda: (
            condition(find(api, "deployments", ns, "web"), "Progressing").get("status") == "False"
            and condition(find(api, "deployments", ns, "web"), "Progressing")
        ),
        timeout=5,
    )
    assert (progressing["reason"], progressing["message"]) == (
        "ProgressDeadlineExceeded",
        f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.',
    )


@pytest.fixture
def sliced_api() -> Iterator[ClusterAPI]:
    """A private control plane whose API also serves discovery.k8s.io/v1 EndpointSlices."""
    registry = Registry()
    slices = ResourceType("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True)
    registry.put_custom([slices], "endpointslices.discovery.k8s.io")
    api = ClusterAPI(Store(), registry)
    api.create(api.namespace_type(), None, {"metadata": {"name": "default"}}, CLIENT)
    manager = ControllerManager(api, FAST)
    manager.start()
    yield api
    manager.stop()


def test_service_backends_are_published_as_endpoints_and_slices(sliced_api: ClusterAPI) -> None:
    api = sliced_api
    body = deployment(replicas=2)
    body["spec"]["template"]["spec"]["containers"][0]["ports"] = [
        {"name": "http", "containerPort": 8080}
    ]
    api.create(rt(api, "deployments"), "default", body, CLIENT)
    service = {
        "metadata": {"name": "web", "labels": {"tier": "front"}},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]},
    }
    api.create(rt(api, "services"), "default", service, CLIENT)
    slice_type = api.registry.lookup("discovery.k8s.io", "v1", "endpointslices")
    assert slice_type is not None

    def ready_slice() -> dict[str, Any] | None:
        found = api.list(slice_type, "default")["items"]
        ready = [e for s in found for e in s.get("endpoints") or () if e["conditions"]["ready"]]
        return found[0] if len(found) == 1 and len(ready) == 2 else None

    endpoint_slice = wait_for(ready_slice)
    pods = {p["metadata"]["name"]: p for p in items(api, "pods", "default")}
    svc = find(api, "services", "default", "web")
    assert svc is not None
    assert re.fullmatch(f"web-{SAFE}{{5}}", endpoint_slice["metadata"]["name"])
    assert endpoint_slice["metadata"]["labels"] == {
        "tier": "front",
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    assert endpoint_slice["metadata"]["ownerReferences"][0]["uid"] == svc["metadata"]["uid"]
    assert endpoint_slice["addressType"] == "IPv4"
    assert endpoint_slice["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]
    for endpoint in endpoint_slice["endpoints"]:
        pod = pods[endpoint["targetRef"]["name"]]
        assert endpoint["addresses"] == [pod["status"]["podIP"]]
        assert endpoint["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert endpoint["nodeName"] == NODE

    endpoints = wait_for(
        lambda: (
            (find(api, "endpoints", "default", "web") or {}).get("subsets")
            and find(api, "endpoints", "default", "web")
        )
    )
    [subset] = endpoints["subsets"]
    assert subset["ports"] == [{"port": 8080, "protocol": "TCP"}]
    assert [a["ip"] for a in subset["addresses"]] == sorted(
        p["status"]["podIP"] for p in pods.values()
    )
    assert {a["targetRef"]["name"] for a in subset["addresses"]} == set(pods)

    scaled = edited(api, "deployments", "default", "web")
    scaled["spec"]["replicas"] = 0
    api.replace(rt(api, "deployments"), "default", "web", scaled, CLIENT)

    def only_placeholder() -> list[dict[str, Any]] | None:
        found = api.list(slice_type, "default")["items"]
        return found if len(found) == 1 and not found[0].get("endpoints") else None

    [placeholder] = wait_for(only_placeholder)
    assert "ports" not in placeholder
    wait_for(lambda: "subsets" not in (find(api, "endpoints", "default", "web") or {"subsets": 1}))


def test_statefulset_creates_ordinal_pods_one_at_a_time(api: ClusterAPI, ns: str) -> None:
    sub, _ = api.store.subscribe(lambda e: e.key[1] == "pods" and e.key[2] == ns)
    labels = {"app": "db"}
    body = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {
            "replicas": 3,
            "serviceName": "db",
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "db", "image": "postgres:16"}]},
            },
        },
    }
    api.create(rt(api, "statefulsets"), ns, body, CLIENT)

    def converged() -> bool:
        status = (find(api, "statefulsets", ns, "db") or {}).get("status") or {}
        return status.get("readyReplicas") == 3 and status.get("availableReplicas") == 3

    wait_for(converged)
    sub.close()
    order: list[str] = []
    ready_before_next: list[bool] = []
    ready: set[str] = set()
    while (event := sub.events.get_nowait()) is not None:
        name = event.key[3]
        if event.type == "ADDED":
            order.append(name)
            ready_before_next.append(all(p in ready for p in order[:-1]))
        if condition(event.object, "Ready").get("status") == "True":
            ready.add(name)
    assert order == ["db-0", "db-1", "db-2"]
    assert all(ready_before_next)

    sts = find(api, "statefulsets", ns, "db")
    assert sts is not None
    revision = sts["status"]["updateRevision"]
    assert re.fullmatch(f"db-{SAFE}{{1,10}}", revision)
    assert sts["status"] == {
        "observedGeneration": 1,
        "replicas": 3,
        "readyReplicas": 3,
        "currentReplicas": 3,
        "updatedReplicas": 3,
        "currentRevision": revision,
        "updateRevision": revision,
        "collisionCount": 0,
        "availableReplicas": 3,
    }
    pod = find(api, "pods", ns, "db-1")
    assert pod is not None
    assert pod["metadata"]["labels"] == {
        "app": "db",
        "controller-revision-hash": revision,
        "statefulset.kubernetes.io/pod-name": "db-1",
        "apps.kubernetes.io/pod-index": "1",
    }
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("db-1", "db")
    assert ("SuccessfulCreate", "create Pod db-2 in StatefulSet db successful") in events(
        api, ns, "StatefulSet", "db"
    )


def test_daemonset_runs_one_pod_on_the_node(api: ClusterAPI, ns: str) -> None:
    labels = {"app": "agent"}
    body = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "agent", "image": "busybox:1.36"}]},
            },
        },
    }
    api.create(rt(api, "daemonsets"), ns, body, CLIENT)
    wait_for(
        lambda: (
            ((find(api, "daemonsets", ns, "agent") or {}).get("status") or {}).get(
                "numberAvailable"
            )
            == 1
        )
    )

    ds = find(api, "daemonsets", ns, "agent")
    assert ds is not None
    assert ds["status"] == {
        "currentNumberScheduled": 1,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 1,
        "numberReady": 1,
        "observedGeneration": 1,
        "updatedNumberScheduled": 1,
        "numberAvailable": 1,
    }
    [pod] = items(api, "pods", ns)
    assert re.fullmatch(f"agent-{SAFE}{{5}}", pod["metadata"]["name"])
    assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
    assert "controller-revision-hash" in pod["metadata"]["labels"]
    assert pod["spec"]["nodeName"] == NODE
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert terms["nodeSelectorTerms"][0]["matchFields"] == [
        {"key": "metadata.name", "operator": "In", "values": [NODE]}
    ]
    assert {
        "key": "node.kubernetes.io/unschedulable",
        "operator": "Exists",
        "effect": "NoSchedule",
    } in (pod["spec"]["tolerations"])


def test_job_runs_pods_to_completion(api: ClusterAPI, ns: str) -> None:
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {
            "completions": 2,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "pi", "image": "perl:5.34", "command": ["perl"]}],
                }
            },
        },
    }
    api.create(rt(api, "jobs"), ns, body, CLIENT)
    job = wait_for(
        lambda: condition(find(api, "jobs", ns, "pi"), "Complete") and find(api, "jobs", ns, "pi")
    )

    status = job["status"]
    assert status["succeeded"] == 2
    assert (status["ready"], status["terminating"], status["uncountedTerminatedPods"]) == (0, 0, {})
    assert "active" not in status and "failed" not in status
    assert status["startTime"] <= status["completionTime"]
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in status["conditions"]] == [
        (
            "SuccessCriteriaMet",
            "True",
            "CompletionsReached",
            "Reached expected number of succeeded pods",
        ),
        ("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
    ]
    pods = items(api, "pods", ns)
    assert len(pods) == 2
    uid = job["metadata"]["uid"]
    for pod in pods:
        assert pod["status"]["phase"] == "Succeeded"
        assert "finalizers" not in pod["metadata"]
        assert pod["metadata"]["labels"] == {
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": "pi",
            "controller-uid": uid,
            "job-name": "pi",
        }
        terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
        assert (terminated["reason"], terminated["exitCode"]) == ("Completed", 0)
    assert ("Completed", "Job completed") in events(api, ns, "Job", "pi")


def test_cronjob_starts_a_job_at_the_scheduled_minute() -> None:
    real_start = dt.datetime.now(dt.UTC)
    next_minute = real_start.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    offset = next_minute - real_start - dt.timedelta(seconds=0.4)
    started = time.monotonic()

    def clock() -> dt.datetime:
        return real_start + offset + dt.timedelta(seconds=time.monotonic() - started)

    api = ClusterAPI(Store(), Registry())
    api.create(api.namespace_type(), None, {"metadata": {"name": "default"}}, CLIENT)
    manager = ControllerManager(
        api, ClusterOptions(pod_ready_seconds=0.05, job_run_seconds=0.05), clock
    )
    manager.start()
    try:
        body = {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "tick"},
            "spec": {
                "schedule": "* * * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "restartPolicy": "OnFailure",
                                "containers": [{"name": "tick", "image": "busybox:1.36"}],
                            }
                        }
                    }
                },
            },
        }
        api.create(rt(api, "cronjobs"), "default", body, CLIENT)
        assert items(api, "jobs", "default") == []
        [job] = wait_for(lambda: items(api, "jobs", "default"), timeout=5)
        assert job["metadata"]["name"] == f"tick-{int(next_minute.timestamp()) // 60}"
        assert job["metadata"]["annotations"] == {
            "batch.kubernetes.io/cronjob-scheduled-timestamp": next_minute.strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
        }
        assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"

        def saw_completion() -> dict[str, Any] | None:
            cronjob = find(api, "cronjobs", "default", "tick") or {}
            status = cronjob.get("status") or {}
            return cronjob if "lastSuccessfulTime" in status and "active" not in status else None

        cronjob = wait_for(saw_completion, timeout=5)
        assert cronjob["status"]["lastScheduleTime"] == next_minute.strftime("%Y-%m-%dT%H:%M:%SZ")
        name = job["metadata"]["name"]
        assert [m for r, m in events(api, "default", "CronJob", "tick")] == [
            f"Created job {name}",
            f"Saw completed job: {name}, condition: Complete",
        ]
    finally:
        manager.stop()


def test_background_deletion_removes_dependents(api: ClusterAPI, ns: str) -> None:
    api.create(rt(api, "deployments"), ns, deployment(replicas=2), CLIENT)
    wait_for(lambda: rolled_out(api, ns, "web", 2))
    api.delete(rt(api, "deployments"), ns, "web", DeleteOptions())
    wait_for(lambda: not items(api, "replicasets", ns) and not items(api, "pods", ns))


def test_foreground_deletion_keeps_the_owner_until_dependents_are_gone(
    api: ClusterAPI, ns: str
) -> None:
    api.create(rt(api, "deployments"), ns, deployment(replicas=2), CLIENT)
    wait_for(lambda: rolled_out(api, ns, "web", 2))
    sub, _ = api.store.subscribe(lambda e: e.key[2] == ns and e.type == "DELETED")
    code, body = api.delete(
        rt(api, "deployments"), ns, "web", DeleteOptions(propagation_policy="Foreground")
    )
    assert code == 202
    assert body["metadata"]["finalizers"] == ["foregroundDeletion"]
    wait_for(lambda: find(api, "deployments", ns, "web") is None)
    sub.close()
    gone = []
    while (event := sub.events.get_nowait()) is not None:
        gone.append(event.key[1])
    assert gone[-1] == "deployments"
    assert not items(api, "replicasets", ns) and not items(api, "pods", ns)
    assert gone.count("pods") == 2 and gone.index("replicasets") > gone.index("pods")


def test_orphan_deletion_leaves_dependents_without_owner(api: ClusterAPI, ns: str) -> None:
    api.create(rt(api, "deployments"), ns, deployment(replicas=2), CLIENT)
    wait_for(lambda: rolled_out(api, ns, "web", 2))
    api.delete(rt(api, "deployments"), ns, "web", DeleteOptions(propagation_policy="Orphan"))
    wait_for(lambda: find(api, "deployments", ns, "web") is None)
    [rs] = items(api, "replicasets", ns)
    assert "ownerReferences" not in rs["metadata"]
    assert rs["spec"]["replicas"] == 2
    assert len(pods_of(api, ns, rs["metadata"]["uid"])) == 2


def test_deleting_a_namespace_removes_its_contents_then_the_namespace(api: ClusterAPI) -> None:
    name = "gone-" + uuid.uuid4().hex[:6]
    api.create(api.namespace_type(), None, {"metadata": {"name": name}}, CLIENT)
    wait_for(lambda: find(api, "serviceaccounts", name, "default"))
    api.create(rt(api, "deployments"), name, deployment(replicas=2), CLIENT)
    api.create(rt(api, "configmaps"), name, {"metadata": {"name": "settings"}}, CLIENT)
    wait_for(lambda: rolled_out(api, name, "web", 2))

    code, body = api.delete(api.namespace_type(), None, name, DeleteOptions())
    assert (code, body["status"]["phase"]) == (200, "Terminating")
    wait_for(lambda: api.find(api.namespace_type(), None, name) is None)
    assert api.store.namespaced_keys(name) == []


def test_restart_with_state_keeps_workloads_converged(tmp_path: Path) -> None:
    with EmbeddedCluster(state_dir=tmp_path, options=FAST) as first:
        assert first.api is not None
        api = first.api
        api.create(rt(api, "deployments"), "default", deployment(), CLIENT)
        wait_for(lambda: rolled_out(api, "default", "web", 3))
        before = {p["metadata"]["uid"] for p in items(api, "pods", "default")}
        [rs] = items(api, "replicasets", "default")

    with EmbeddedCluster(state_dir=tmp_path, options=FAST) as second:
        assert second.api is not None
        api = second.api
        assert rolled_out(api, "default", "web", 3)
        assert {r["metadata"]["uid"] for r in items(api, "replicasets", "default")} == {
            rs["metadata"]["uid"]
        }
        scaled = edited(api, "deployments", "default", "web")
        scaled["spec"]["replicas"] = 2
        api.replace(rt(api, "deployments"), "default", "web", scaled, CLIENT)
        wait_for(
            lambda: rolled_out(api, "default", "web", 2) and len(items(api, "pods", "default")) == 2
        )
        assert {p["metadata"]["uid"] for p in items(api, "pods", "default")} <= before
        assert len(items(api, "replicasets", "default")) == 1
        created = [r for r, _ in events(api, "default", "ReplicaSet", rs["metadata"]["name"])]
        assert created.count("SuccessfulCreate") == 3


def test_stop_is_prompt() -> None:
    manager = ControllerManager(ClusterAPI(Store(), Registry()), FAST)
    manager.start()
    began = time.monotonic()
    manager.stop()
    assert time.monotonic() - began < 1


def test_pod_template_hash_is_stable_and_safe() -> None:
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web"}]}}
    first = compute_hash(template, None)
    assert first == compute_hash(dict(template), None)
    assert re.fullmatch(f"{SAFE}{{1,10}}", first)
    assert compute_hash(template, 1) != first


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        ("*/15 * * * *", "2030-01-01T10:07:00", "2030-01-01T10:15:00"),
        ("0 9-17 * * mon-fri", "2030-01-04T17:30:00", "2030-01-07T09:00:00"),
        ("@hourly", "2030-01-01T10:00:00", "2030-01-01T11:00:00"),
        ("@daily", "2030-01-01T10:00:00", "2030-01-02T00:00:00"),
        ("30 2 1,15 * *", "2030-01-02T00:00:00", "2030-01-15T02:30:00"),
        ("0 0 13 * 5", "2030-01-01T00:00:00", "2030-01-04T00:00:00"),
    ],
)
def test_cron_schedules(schedule: str, after: str, expected: str) -> None:
    parsed = parse_schedule(schedule)
    moment = dt.datetime.fromisoformat(after).replace(tzinfo=dt.UTC)
    upcoming = parsed.next_after(moment)
    assert upcoming is not None
    assert upcoming.strftime("%Y-%m-%dT%H:%M:%S") == expected
    assert parsed.latest_until(upcoming) == upcoming


@pytest.mark.parametrize(
    "schedule", ["* * * *", "61 * * * *", "*/0 * * * *", "@every 5m", "x * * * *"]
)
def test_invalid_cron_schedules_are_rejected(schedule: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(schedule)
