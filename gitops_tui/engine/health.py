"""Is a live object healthy? Decided with Argo CD's vocabulary and rules (gitops-engine pkg/health).

Users who move on to Argo CD should see the same verdict and, where Argo CD words one, the
same message for the same object: "Waiting for rollout to finish: 1 of 3 updated replicas are
available...", "Deployment is paused", a pod's ``ImagePullBackOff`` message. So each built-in
kind follows its gitops-engine check (and Argo CD's Lua check for CronJob); the rest are read
the way Flux's kstatus reads custom resources: generation observed, then ``status.conditions``.

Three deliberate departures, each towards telling the user sooner: init containers stuck in a
back-off also degrade a pod, a Job's conditions count only when ``True`` (a resumed Job is
running again, not suspended), and a Job with ``spec.suspend`` is Suspended before its
controller has written the condition. Everything here reads plain dicts as kube-apiserver
returns them and never raises on a malformed status: a field of the wrong type reads as absent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gitops_tui.model import Health

#: Argo CD's ``healthOrder``: best first, so the worst of a set has the highest index.
HEALTH_ORDER: tuple[Health, ...] = (
    Health.HEALTHY,
    Health.SUSPENDED,
    Health.PROGRESSING,
    Health.MISSING,
    Health.DEGRADED,
    Health.UNKNOWN,
)

#: Pods that carry this annotation are judged as long-running even with restartPolicy Never.
IGNORE_RESTART_POLICY = "argocd.argoproj.io/ignore-restart-policy"
HPA_V1_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"

_HPA_DEGRADED_REASONS = frozenset(
    {
        ("AbleToScale", "FailedGetScale"),
        ("AbleToScale", "FailedUpdateScale"),
        ("ScalingActive", "FailedGetResourceMetric"),
        ("ScalingActive", "InvalidSelector"),
    }
)
_HPA_HEALTHY_TYPES = frozenset({"AbleToScale", "ScalingLimited"})


@dataclass(frozen=True)
class HealthResult:
    status: Health
    message: str = ""


def assess(obj: Mapping[str, Any] | None) -> HealthResult:
    """The health of one live object; ``None`` (not in the cluster) is Missing."""
    if obj is None:
        return HealthResult(Health.MISSING, "Resource does not exist in the cluster")
    if _meta(obj).get("deletionTimestamp"):
        return HealthResult(Health.PROGRESSING, "Pending deletion")
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    check = _CHECKS.get((group, str(obj.get("kind", ""))), _generic_health)
    return check(obj)


def aggregate(results: Iterable[HealthResult]) -> Health:
    """The worst status of ``results`` in Argo CD's order; Healthy when there are none."""
    return max(
        (result.status for result in results),
        key=HEALTH_ORDER.index,
        default=Health.HEALTHY,
    )


def _deployment_health(obj: Mapping[str, Any]) -> HealthResult:
    spec, status = _map(obj, "spec"), _map(obj, "status")
    if spec.get("paused") is True:
        return HealthResult(Health.SUSPENDED, "Deployment is paused")
    if _generation(obj) > _int(status, "observedGeneration"):
        return HealthResult(
            Health.PROGRESSING,
            "Waiting for rollout to finish: "
            "observed deployment generation less than desired generation",
        )
    replicas = _optional_int(spec, "replicas")
    updated = _int(status, "updatedReplicas")
    current = _int(status, "replicas")
    available = _int(status, "availableReplicas")
    progressing = _condition(status, "Progressing")
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        name = _meta(obj).get("name", "")
        return HealthResult(Health.DEGRADED, f'Deployment "{name}" exceeded its progress deadline')
    if replicas is not None and updated < replicas:
        return _rolling(f"{updated} out of {replicas} new replicas have been updated...")
    if current > updated:
        return _rolling(f"{current - updated} old replicas are pending termination...")
    if available < updated:
        return _rolling(f"{available} of {updated} updated replicas are available...")
    return HealthResult(Health.HEALTHY)


def _statefulset_health(obj: Mapping[str, Any]) -> HealthResult:
    spec, status = _map(obj, "spec"), _map(obj, "status")
    observed = _int(status, "observedGeneration")
    if observed == 0 or _generation(obj) > observed:
        return HealthResult(
            Health.PROGRESSING, "Waiting for statefulset spec update to be observed..."
        )
    replicas = _optional_int(spec, "replicas")
    ready = _int(status, "readyReplicas")
    updated = _int(status, "updatedReplicas")
    if replicas is not None and ready < replicas:
        return HealthResult(
            Health.PROGRESSING, f"Waiting for {replicas - ready} pods to be ready..."
        )
    strategy = _map(spec, "updateStrategy")
    rolling = strategy.get("rollingUpdate")
    if strategy.get("type") == "RollingUpdate" and isinstance(rolling, Mapping):
        partition = _optional_int(rolling, "partition")
        if replicas is not None and partition is not None and updated < replicas - partition:
            return HealthResult(
                Health.PROGRESSING,
                "Waiting for partitioned roll out to finish: "
                f"{updated} out of {replicas - partition} new pods have been updated...",
            )
        return HealthResult(
            Health.HEALTHY,
            f"partitioned roll out complete: {updated} new pods have been updated...",
        )
    if strategy.get("type") == "OnDelete":
        return HealthResult(Health.HEALTHY, f"statefulset has {ready} ready pods")
    update_revision = status.get("updateRevision", "")
    current_revision = status.get("currentRevision", "")
    if update_revision != current_revision:
        return HealthResult(
            Health.PROGRESSING,
            "waiting for statefulset rolling update to complete "
            f"{updated} pods at revision {update_revision}...",
        )
    return HealthResult(
        Health.HEALTHY,
        "statefulset rolling update complete "
        f"{_int(status, 'currentReplicas')} pods at revision {current_revision}...",
    )


def _daemonset_health(obj: Mapping[str, Any]) -> HealthResult:
    spec, status = _map(obj, "spec"), _map(obj, "status")
    if _generation(obj) > _int(status, "observedGeneration"):
        return HealthResult(
            Health.PROGRESSING,
            "Waiting for rollout to finish: "
            "observed daemon set generation less than desired generation",
        )
    desired = _int(status, "desiredNumberScheduled")
    updated = _int(status, "updatedNumberScheduled")
    available = _int(status, "numberAvailable")
    if _map(spec, "updateStrategy").get("type") == "OnDelete":
        return HealthResult(
            Health.HEALTHY, f"daemon set {updated} out of {desired} new pods have been updated"
        )
    name = _meta(obj).get("name", "")
    if updated < desired:
        return HealthResult(
            Health.PROGRESSING,
            f'Waiting for daemon set "{name}" rollout to finish: '
            f"{updated} out of {desired} new pods have been updated...",
        )
    if available < desired:
        return HealthResult(
            Health.PROGRESSING,
            f'Waiting for daemon set "{name}" rollout to finish: '
            f"{available} of {desired} updated pods are available...",
        )
    return HealthResult(Health.HEALTHY)


def _replicaset_health(obj: Mapping[str, Any]) -> HealthResult:
    spec, status = _map(obj, "spec"), _map(obj, "status")
    if _generation(obj) > _int(status, "observedGeneration"):
        return HealthResult(
            Health.PROGRESSING,
            "Waiting for rollout to finish: "
            "observed replica set generation less than desired generation",
        )
    failure = _condition(status, "ReplicaFailure")
    if failure is not None and failure.get("status") == "True":
        return HealthResult(Health.DEGRADED, str(failure.get("message", "")))
    replicas = _optional_int(spec, "replicas")
    available = _int(status, "availableReplicas")
    if replicas is not None and available < replicas:
        return _rolling(f"{available} out of {replicas} new replicas are available...")
    return HealthResult(Health.HEALTHY)


def _pod_health(obj: Mapping[str, Any]) -> HealthResult:
    spec, status = _map(obj, "spec"), _map(obj, "status")
    restart_policy = spec.get("restartPolicy", "Always")
    message = str(status.get("message", ""))
    if restart_policy == "Always":
        backoff = [
            _waiting_message(waiting)
            for container in _pod_containers(status)
            if _is_backoff(waiting := _map(_map(container, "state"), "waiting"))
        ]
        if backoff:
            return HealthResult(Health.DEGRADED, ", ".join(backoff))
    phase = status.get("phase")
    if phase == "Pending":
        return HealthResult(Health.PROGRESSING, message)
    if phase == "Succeeded":
        return HealthResult(Health.HEALTHY, message)
    if phase == "Failed":
        return HealthResult(Health.DEGRADED, message or _pod_failure(status))
    if phase != "Running":
        return HealthResult(Health.UNKNOWN, message)
    long_running = restart_policy == "Always" or IGNORE_RESTART_POLICY in _map(
        _meta(obj), "annotations"
    )
    if not long_running:
        return HealthResult(Health.PROGRESSING, message)
    if _condition_is(status, "Ready", "True"):
        return HealthResult(Health.HEALTHY, message)
    if any(_map(_map(c, "lastState"), "terminated") for c in _list(status, "containerStatuses")):
        return HealthResult(Health.DEGRADED, message)
    return HealthResult(Health.PROGRESSING, message)


def _pod_containers(status: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [*_list(status, "initContainerStatuses"), *_list(status, "containerStatuses")]


def _is_backoff(waiting: Mapping[str, Any]) -> bool:
    reason = str(waiting.get("reason", ""))
    return reason.startswith("Err") or reason.endswith(("Error", "BackOff"))


def _waiting_message(waiting: Mapping[str, Any]) -> str:
    return str(waiting.get("message") or waiting.get("reason", ""))


def _pod_failure(status: Mapping[str, Any]) -> str:
    for container in _pod_containers(status):
        terminated = _map(_map(container, "state"), "terminated")
        if terminated.get("message"):
            return str(terminated["message"])
        if terminated.get("reason") == "OOMKilled":
            return "OOMKilled"
        if _int(terminated, "exitCode") != 0:
            name = container.get("name", "")
            return f'container "{name}" failed with exit code {_int(terminated, "exitCode")}'
    return ""


def _job_health(obj: Mapping[str, Any]) -> HealthResult:
    status = _map(obj, "status")
    failed = _condition(status, "Failed")
    if failed is not None and failed.get("status") == "True":
        return HealthResult(Health.DEGRADED, str(failed.get("message", "")))
    complete = _condition(status, "Complete")
    if complete is not None and complete.get("status") == "True":
        return HealthResult(Health.HEALTHY, str(complete.get("message", "")))
    suspended = _condition(status, "Suspended")
    if suspended is not None and suspended.get("status") == "True":
        return HealthResult(Health.SUSPENDED, str(suspended.get("message", "")))
    if _map(obj, "spec").get("suspend") is True:
        return HealthResult(Health.SUSPENDED, "Job suspended")
    return HealthResult(
        Health.PROGRESSING,
        f"Job is running: {_int(status, 'active')} active, {_int(status, 'succeeded')} succeeded, "
        f"{_int(status, 'failed')} failed",
    )


def _cronjob_health(obj: Mapping[str, Any]) -> HealthResult:
    if _map(obj, "spec").get("suspend") is True:
        return HealthResult(Health.SUSPENDED, "CronJob is Suspended")
    status = obj.get("status")
    if not isinstance(status, Mapping):
        return HealthResult(Health.PROGRESSING, "Waiting for CronJob")
    scheduled = _timestamp(status.get("lastScheduleTime"))
    if scheduled is None:
        return HealthResult(Health.HEALTHY, "CronJob has not been scheduled yet")
    succeeded = _timestamp(status.get("lastSuccessfulTime"))
    if succeeded is None:
        return HealthResult(
            Health.HEALTHY, "The Cronjob never completed successfully. It may not be healthy"
        )
    if _list(status, "active"):
        return HealthResult(
            Health.HEALTHY, "The job is running. Its last execution may not have been successful"
        )
    if succeeded < scheduled:
        return HealthResult(
            Health.DEGRADED, "CronJob has not completed its last execution successfully"
        )
    return HealthResult(Health.HEALTHY, "CronJob has completed its last execution successfully")


def _service_health(obj: Mapping[str, Any]) -> HealthResult:
    if _map(obj, "spec").get("type") == "LoadBalancer" and not _load_balancer_ingress(obj):
        return HealthResult(Health.PROGRESSING, "Waiting for the load balancer to get an address")
    return HealthResult(Health.HEALTHY)


def _ingress_health(obj: Mapping[str, Any]) -> HealthResult:
    if _load_balancer_ingress(obj):
        return HealthResult(Health.HEALTHY)
    return HealthResult(Health.PROGRESSING, "Waiting for the ingress controller to get an address")


def _load_balancer_ingress(obj: Mapping[str, Any]) -> bool:
    return bool(_list(_map(_map(obj, "status"), "loadBalancer"), "ingress"))


def _pvc_health(obj: Mapping[str, Any]) -> HealthResult:
    phase = _map(obj, "status").get("phase")
    verdict = {"Bound": Health.HEALTHY, "Pending": Health.PROGRESSING, "Lost": Health.DEGRADED}
    return HealthResult(verdict.get(str(phase), Health.UNKNOWN), f"Claim is {phase or 'unknown'}")


def _hpa_health(obj: Mapping[str, Any]) -> HealthResult:
    conditions: Sequence[Any] = _list(_map(obj, "status"), "conditions")
    if obj.get("apiVersion") == "autoscaling/v1":
        conditions = _json_list(_map(_meta(obj), "annotations").get(HPA_V1_CONDITIONS))
    healthy: list[str] = []
    for condition in conditions:
        if not isinstance(condition, Mapping):
            continue
        kind, reason = condition.get("type"), condition.get("reason")
        if (kind, reason) in _HPA_DEGRADED_REASONS:
            return HealthResult(Health.DEGRADED, str(condition.get("message", "")))
        if kind in _HPA_HEALTHY_TYPES and condition.get("status") == "True":
            healthy.append(str(condition.get("message", "")))
    if conditions and len(healthy) == len(conditions):
        return HealthResult(Health.HEALTHY, ",".join(healthy))
    return HealthResult(Health.PROGRESSING, "Waiting to Autoscale")


def _namespace_health(obj: Mapping[str, Any]) -> HealthResult:
    if _map(obj, "status").get("phase") == "Terminating":
        return HealthResult(Health.PROGRESSING, "Namespace is terminating")
    return HealthResult(Health.HEALTHY)


def _crd_health(obj: Mapping[str, Any]) -> HealthResult:
    status = _map(obj, "status")
    if not _list(status, "conditions"):
        return HealthResult(Health.PROGRESSING, "Status conditions not found")
    terminating = _condition(status, "Terminating")
    if terminating is not None and terminating.get("status") == "True":
        return HealthResult(
            Health.PROGRESSING, f"CRD is being terminated: {terminating.get('message', '')}"
        )
    names = _condition(status, "NamesAccepted")
    if names is not None and names.get("status") == "False":
        return HealthResult(
            Health.DEGRADED, f"CRD names have not been accepted: {names.get('message', '')}"
        )
    established = _condition(status, "Established")
    if established is None or established.get("status") != "True":
        detail = "" if established is None else established.get("message", "")
        return HealthResult(Health.DEGRADED, f"CRD is not established: {detail}")
    violations = _condition(status, "NonStructuralSchema")
    if violations is not None and violations.get("status") == "True":
        return HealthResult(
            Health.DEGRADED, f"Schema violations found: {violations.get('message', '')}"
        )
    return HealthResult(Health.HEALTHY, "CRD is healthy")


def _generic_health(obj: Mapping[str, Any]) -> HealthResult:
    """kstatus-style: generation observed, then Stalled/Reconciling, then Ready and kin."""
    status = _map(obj, "status")
    observed = _optional_int(status, "observedGeneration")
    if observed is not None and _generation(obj) > observed:
        return HealthResult(
            Health.PROGRESSING,
            f"Waiting for the controller to observe generation {_generation(obj)}",
        )
    stalled = _condition(status, "Stalled")
    if stalled is not None and stalled.get("status") == "True":
        return HealthResult(Health.DEGRADED, _condition_text(stalled))
    reconciling = _condition(status, "Reconciling")
    if reconciling is not None and reconciling.get("status") == "True":
        return HealthResult(Health.PROGRESSING, _condition_text(reconciling))
    for kind, when_false in (
        ("Ready", Health.DEGRADED),
        ("Healthy", Health.DEGRADED),
        ("Available", Health.PROGRESSING),
    ):
        condition = _condition(status, kind)
        if condition is None:
            continue
        verdict = {"True": Health.HEALTHY, "False": when_false}.get(
            str(condition.get("status")), Health.PROGRESSING
        )
        return HealthResult(verdict, _condition_text(condition))
    return HealthResult(Health.HEALTHY)


def _rolling(detail: str) -> HealthResult:
    return HealthResult(Health.PROGRESSING, f"Waiting for rollout to finish: {detail}")


def _condition_text(condition: Mapping[str, Any]) -> str:
    reason, message = condition.get("reason", ""), condition.get("message", "")
    return f"{reason}: {message}" if reason and message else str(message or reason)


def _condition(status: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for condition in _list(status, "conditions"):
        if isinstance(condition, Mapping) and condition.get("type") == kind:
            return condition
    return None


def _condition_is(status: Mapping[str, Any], kind: str, value: str) -> bool:
    condition = _condition(status, kind)
    return condition is not None and condition.get("status") == value


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return _map(obj, "metadata")


def _generation(obj: Mapping[str, Any]) -> int:
    return _int(_meta(obj), "generation")


def _map(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, Mapping) else {}


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    return value if isinstance(value, list) else []


def _optional_int(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _int(obj: Mapping[str, Any], key: str) -> int:
    return _optional_int(obj, key) or 0


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _json_list(text: Any) -> list[Any]:
    if not isinstance(text, str):
        return []
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError:
        return []
    return decoded if isinstance(decoded, list) else []


_CHECKS: dict[tuple[str, str], Callable[[Mapping[str, Any]], HealthResult]] = {
    ("apps", "Deployment"): _deployment_health,
    ("apps", "StatefulSet"): _statefulset_health,
    ("apps", "DaemonSet"): _daemonset_health,
    ("apps", "ReplicaSet"): _replicaset_health,
    ("", "Pod"): _pod_health,
    ("", "Service"): _service_health,
    ("", "PersistentVolumeClaim"): _pvc_health,
    ("", "Namespace"): _namespace_health,
    ("batch", "Job"): _job_health,
    ("batch", "CronJob"): _cronjob_health,
    ("networking.k8s.io", "Ingress"): _ingress_health,
    ("autoscaling", "HorizontalPodAutoscaler"): _hpa_health,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd_health,
}
