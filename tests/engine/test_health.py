"""Health verdicts and messages match Argo CD's (gitops-engine pkg/health) for the same objects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gitops_tui.engine.health import HealthResult, aggregate, assess
from gitops_tui.model import Health
from tests.engine.objects import running_pod, web_live


def _rolling_deployment() -> dict[str, Any]:
    """``kubectl set image`` just happened: 3 new pods, 1 of them available."""
    deployment = web_live()
    deployment["metadata"]["generation"] = 2
    deployment["status"] = {
        "availableReplicas": 1,
        "conditions": [
            {
                "message": "Deployment does not have minimum availability.",
                "reason": "MinimumReplicasUnavailable",
                "status": "False",
                "type": "Available",
            },
            {
                "message": 'ReplicaSet "web-5d8c9f7b6" is progressing.',
                "reason": "ReplicaSetUpdated",
                "status": "True",
                "type": "Progressing",
            },
        ],
        "observedGeneration": 2,
        "readyReplicas": 1,
        "replicas": 3,
        "unavailableReplicas": 2,
        "updatedReplicas": 3,
    }
    return deployment


def _deadline_exceeded() -> dict[str, Any]:
    deployment = _rolling_deployment()
    deployment["status"]["conditions"][1].update(
        {
            "message": 'ReplicaSet "web-5d8c9f7b6" has timed out progressing.',
            "reason": "ProgressDeadlineExceeded",
            "status": "False",
        }
    )
    return deployment


def _paused() -> dict[str, Any]:
    deployment = _rolling_deployment()
    deployment["spec"]["paused"] = True
    return deployment


def _generation_ahead() -> dict[str, Any]:
    deployment = web_live()
    deployment["metadata"]["generation"] = 2
    return deployment


def _old_replicas_terminating() -> dict[str, Any]:
    deployment = web_live()
    deployment["status"].update({"replicas": 4, "updatedReplicas": 3})
    return deployment


def _image_pull_backoff() -> dict[str, Any]:
    pod = running_pod()
    pod["spec"]["containers"][0]["image"] = "nginx:doesnotexist"
    status = pod["status"]
    status["phase"] = "Pending"
    status["conditions"][1].update({"status": "False", "reason": "ContainersNotReady"})
    status["containerStatuses"][0].update(
        {
            "image": "nginx:doesnotexist",
            "imageID": "",
            "ready": False,
            "started": False,
            "state": {
                "waiting": {
                    "message": 'Back-off pulling image "nginx:doesnotexist"',
                    "reason": "ImagePullBackOff",
                }
            },
        }
    )
    return pod


def _crash_loop() -> dict[str, Any]:
    pod = running_pod()
    status = pod["status"]
    status["conditions"][1].update({"status": "False", "reason": "ContainersNotReady"})
    status["containerStatuses"][0].update(
        {
            "lastState": {
                "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "finishedAt": "2024-05-01T10:01:00Z",
                }
            },
            "ready": False,
            "restartCount": 4,
            "state": {
                "waiting": {
                    "message": "back-off 1m20s restarting failed container=web "
                    "pod=web-7596c6d98c-b8vdl_shop(7caf3d82)",
                    "reason": "CrashLoopBackOff",
                }
            },
        }
    )
    return pod


def _pod(phase: str, **status: Any) -> dict[str, Any]:
    pod = running_pod()
    pod["status"].update({"phase": phase, **status})
    return pod


def _job(*conditions: dict[str, str], **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "namespace": "shop", "generation": 1},
        "spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1, "suspend": False},
        "status": {"conditions": list(conditions), **status},
    }


_COMPLETE = {
    "type": "Complete",
    "status": "True",
    "reason": "CompletionsReached",
    "message": "Reached expected number of succeeded pods",
}
_SUCCESS_CRITERIA = {
    "type": "SuccessCriteriaMet",
    "status": "True",
    "reason": "CompletionsReached",
    "message": "Reached expected number of succeeded pods",
}
_FAILED = {
    "type": "Failed",
    "status": "True",
    "reason": "BackoffLimitExceeded",
    "message": "Job has reached the specified backoff limit",
}
_SUSPENDED = {
    "type": "Suspended",
    "status": "True",
    "reason": "JobSuspended",
    "message": "Job suspended",
}


def _cronjob(suspend: bool = False, **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "report", "namespace": "shop"},
        "spec": {"schedule": "*/5 * * * *", "suspend": suspend},
        "status": status,
    }


def _certificate(generation: int, observed: int, ready: str, message: str) -> dict[str, Any]:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "shop-tls", "namespace": "shop", "generation": generation},
        "spec": {"secretName": "shop-tls", "dnsNames": ["shop.example.com"]},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": ready,
                    "reason": "Ready" if ready == "True" else "DoesNotExist",
                    "message": message,
                    "observedGeneration": observed,
                }
            ]
        },
    }


def _kustomization(**condition: str) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 4},
        "spec": {"interval": "10m", "path": "./apps", "prune": True},
        "status": {"observedGeneration": 4, "conditions": [condition]},
    }


def _service(kind: str, ingress: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"type": kind, "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]},
        "status": {"loadBalancer": {"ingress": ingress} if ingress else {}},
    }


def _statefulset(**status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop", "generation": 2},
        "spec": {
            "replicas": 3,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        },
        "status": {"observedGeneration": 2, **status},
    }


def _daemonset(**status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "kube-system", "generation": 1},
        "spec": {"updateStrategy": {"type": "RollingUpdate"}},
        "status": {"observedGeneration": 1, "desiredNumberScheduled": 2, **status},
    }


def _hpa(*conditions: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"minReplicas": 2, "maxReplicas": 10},
        "status": {"currentReplicas": 2, "desiredReplicas": 2, "conditions": list(conditions)},
    }


_ABLE = {
    "type": "AbleToScale",
    "status": "True",
    "reason": "ReadyForNewScale",
    "message": "recommended size matches current size",
}
_NO_METRICS = {
    "type": "ScalingActive",
    "status": "False",
    "reason": "FailedGetResourceMetric",
    "message": "the HPA was unable to compute the replica count: no metrics returned",
}

CASES: list[tuple[str, dict[str, Any] | None, Health, str]] = [
    ("deployment rolled out", web_live(), Health.HEALTHY, ""),
    (
        "deployment rolling",
        _rolling_deployment(),
        Health.PROGRESSING,
        "Waiting for rollout to finish: 1 of 3 updated replicas are available...",
    ),
    (
        "deployment old replicas",
        _old_replicas_terminating(),
        Health.PROGRESSING,
        "Waiting for rollout to finish: 1 old replicas are pending termination...",
    ),
    (
        "deployment generation not observed",
        _generation_ahead(),
        Health.PROGRESSING,
        "Waiting for rollout to finish: "
        "observed deployment generation less than desired generation",
    ),
    (
        "deployment deadline",
        _deadline_exceeded(),
        Health.DEGRADED,
        'Deployment "web" exceeded its progress deadline',
    ),
    ("deployment paused", _paused(), Health.SUSPENDED, "Deployment is paused"),
    ("pod ready", running_pod(), Health.HEALTHY, ""),
    (
        "pod image pull back-off",
        _image_pull_backoff(),
        Health.DEGRADED,
        'Back-off pulling image "nginx:doesnotexist"',
    ),
    (
        "pod crash loop",
        _crash_loop(),
        Health.DEGRADED,
        "back-off 1m20s restarting failed container=web pod=web-7596c6d98c-b8vdl_shop(7caf3d82)",
    ),
    ("pod pending", _pod("Pending", containerStatuses=[]), Health.PROGRESSING, ""),
    ("pod succeeded", _pod("Succeeded"), Health.HEALTHY, ""),
    (
        "pod failed",
        _pod("Failed", message="Pod was rejected: Node didn't have enough resource: cpu"),
        Health.DEGRADED,
        "Pod was rejected: Node didn't have enough resource: cpu",
    ),
    (
        "job complete",
        _job(_SUCCESS_CRITERIA, _COMPLETE, succeeded=1),
        Health.HEALTHY,
        "Reached expected number of succeeded pods",
    ),
    (
        "job failed",
        _job({**_FAILED, "type": "FailureTarget"}, _FAILED, failed=7),
        Health.DEGRADED,
        "Job has reached the specified backoff limit",
    ),
    ("job suspended", _job(_SUSPENDED), Health.SUSPENDED, "Job suspended"),
    (
        "job resumed",
        _job({**_SUSPENDED, "status": "False", "reason": "JobResumed"}, active=1),
        Health.PROGRESSING,
        "Job is running: 1 active, 0 succeeded, 0 failed",
    ),
    ("cronjob suspended", _cronjob(suspend=True), Health.SUSPENDED, "CronJob is Suspended"),
    (
        "cronjob last run failed",
        _cronjob(
            lastScheduleTime="2024-05-01T10:05:00Z", lastSuccessfulTime="2024-05-01T10:00:41Z"
        ),
        Health.DEGRADED,
        "CronJob has not completed its last execution successfully",
    ),
    (
        "cronjob last run succeeded",
        _cronjob(
            lastScheduleTime="2024-05-01T10:05:00Z", lastSuccessfulTime="2024-05-01T10:05:12Z"
        ),
        Health.HEALTHY,
        "CronJob has completed its last execution successfully",
    ),
    (
        "load balancer pending",
        _service("LoadBalancer", []),
        Health.PROGRESSING,
        "Waiting for the load balancer to get an address",
    ),
    (
        "load balancer ready",
        _service("LoadBalancer", [{"ip": "172.18.255.200"}]),
        Health.HEALTHY,
        "",
    ),
    ("cluster IP service", _service("ClusterIP", []), Health.HEALTHY, ""),
    (
        "statefulset waiting for pods",
        _statefulset(readyReplicas=1, currentReplicas=3, updatedReplicas=3),
        Health.PROGRESSING,
        "Waiting for 2 pods to be ready...",
    ),
    (
        "statefulset partitioned roll out done",
        _statefulset(readyReplicas=3, updatedReplicas=3),
        Health.HEALTHY,
        "partitioned roll out complete: 3 new pods have been updated...",
    ),
    (
        "daemonset rolling",
        _daemonset(updatedNumberScheduled=1, numberAvailable=2),
        Health.PROGRESSING,
        'Waiting for daemon set "agent" rollout to finish: '
        "1 out of 2 new pods have been updated...",
    ),
    ("hpa able to scale", _hpa(_ABLE), Health.HEALTHY, "recommended size matches current size"),
    ("hpa without metrics", _hpa(_ABLE, _NO_METRICS), Health.DEGRADED, _NO_METRICS["message"]),
    (
        "custom resource ready",
        _certificate(1, 1, "True", "Certificate is up to date and has not expired"),
        Health.HEALTHY,
        "Ready: Certificate is up to date and has not expired",
    ),
    (
        "custom resource not ready",
        _certificate(1, 1, "False", "Issuing certificate as Secret does not exist"),
        Health.DEGRADED,
        "DoesNotExist: Issuing certificate as Secret does not exist",
    ),
    (
        "custom resource reconciling",
        _kustomization(
            type="Reconciling", status="True", reason="Progressing", message="reconciling"
        ),
        Health.PROGRESSING,
        "Progressing: reconciling",
    ),
    (
        "custom resource stalled",
        _kustomization(
            type="Stalled", status="True", reason="BuildFailed", message="kustomize build failed"
        ),
        Health.DEGRADED,
        "BuildFailed: kustomize build failed",
    ),
    ("missing", None, Health.MISSING, "Resource does not exist in the cluster"),
]


@pytest.mark.parametrize(
    ("obj", "status", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_assess(obj: dict[str, Any] | None, status: Health, message: str) -> None:
    assert assess(obj) == HealthResult(status, message)


def test_custom_resource_generation_not_observed_is_progressing() -> None:
    kustomization = _kustomization(type="Ready", status="True", reason="Succeeded", message="ok")
    kustomization["metadata"]["generation"] = 5
    assert assess(kustomization) == HealthResult(
        Health.PROGRESSING, "Waiting for the controller to observe generation 5"
    )


def test_objects_without_health_rules_are_healthy() -> None:
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}}
    assert assess(configmap) == HealthResult(Health.HEALTHY)


def test_terminating_object_is_progressing() -> None:
    deployment = web_live()
    deployment["metadata"]["deletionTimestamp"] = "2024-05-01T12:00:00Z"
    assert assess(deployment) == HealthResult(Health.PROGRESSING, "Pending deletion")


def test_hpa_v1_reads_conditions_from_its_annotation() -> None:
    hpa = _hpa()
    hpa["apiVersion"] = "autoscaling/v1"
    hpa["metadata"]["annotations"] = {
        "autoscaling.alpha.kubernetes.io/conditions": json.dumps([_ABLE, _NO_METRICS])
    }
    assert assess(hpa).status is Health.DEGRADED


def test_malformed_status_reads_as_absent() -> None:
    deployment = web_live()
    deployment["status"] = {"replicas": "three", "conditions": "none"}
    assert assess(deployment).status is Health.PROGRESSING


def test_aggregate_takes_the_worst_in_argo_order() -> None:
    def results(*statuses: Health) -> list[HealthResult]:
        return [HealthResult(status) for status in statuses]

    assert aggregate([]) is Health.HEALTHY
    assert aggregate(results(Health.HEALTHY, Health.SUSPENDED)) is Health.SUSPENDED
    assert aggregate(results(Health.SUSPENDED, Health.PROGRESSING)) is Health.PROGRESSING
    assert aggregate(results(Health.DEGRADED, Health.MISSING, Health.HEALTHY)) is Health.DEGRADED
    assert aggregate(results(Health.DEGRADED, Health.UNKNOWN)) is Health.UNKNOWN
