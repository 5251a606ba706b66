"""Pod facts the workload controllers agree on: readiness, availability, activity, templates.

These mirror ``k8s.io/kubernetes/pkg/api/v1/pod`` and ``pkg/controller`` helpers
(``IsPodReady``, ``IsPodAvailable``, ``FilterActivePods``, ``GetPodFromTemplate`` and the
``ActivePods`` ordering), so every controller counts ready and available replicas the same way
and scales down the pods a real ReplicaSet would.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from gitops_tui.cluster.embedded.controllers.base import Context, Obj, owner_reference
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy, parse_time

TERMINAL_PHASES = ("Succeeded", "Failed")


def condition_of(pod: Obj, kind: str) -> Obj | None:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == kind:
            return condition  # type: ignore[no-any-return]
    return None


def is_ready(pod: Obj) -> bool:
    condition = condition_of(pod, "Ready")
    return condition is not None and condition.get("status") == "True"


def is_available(pod: Obj, min_ready_seconds: int, now: dt.datetime) -> bool:
    """Ready for at least ``min_ready_seconds``."""
    if not is_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    condition = condition_of(pod, "Ready") or {}
    since = condition.get("lastTransitionTime")
    if not since:
        return False
    return parse_time(since) + dt.timedelta(seconds=min_ready_seconds) <= now


def is_terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in TERMINAL_PHASES


def is_terminating(pod: Obj) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_active(pod: Obj) -> bool:
    """``controller.IsPodActive``: neither finished nor being deleted."""
    return not is_terminal(pod) and not is_terminating(pod)


def from_template(
    template: Obj, owner: Obj, name: str | None = None, generate_name: str | None = None
) -> Obj:
    """``controller.GetPodFromTemplate``: a Pod for ``owner`` with a controller reference."""
    template_meta = template.get("metadata") or {}
    meta: dict[str, Any] = {}
    if name is not None:
        meta["name"] = name
    else:
        meta["generateName"] = generate_name or owner["metadata"]["name"] + "-"
    for field in ("labels", "annotations", "finalizers"):
        if template_meta.get(field):
            meta[field] = copy.deepcopy(template_meta[field])
    meta["ownerReferences"] = [owner_reference(owner)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": deep_copy(template.get("spec") or {}),
    }


def _phase_rank(pod: Obj) -> int:
    return {"Pending": 0, "Unknown": 1, "Running": 2}.get(
        (pod.get("status") or {}).get("phase", ""), 0
    )


def _epoch(text: str | None) -> float:
    return parse_time(text).timestamp() if text else 0.0


def _ready_since(pod: Obj) -> float:
    condition = condition_of(pod, "Ready") or {}
    return _epoch(condition.get("lastTransitionTime"))


def _restarts(pod: Obj) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or ()
    return max((int(s.get("restartCount", 0)) for s in statuses), default=0)


def deletion_order(pods: list[Obj]) -> list[Obj]:
    """Pods in the order a controller deletes them (``controller.ActivePods``).

    Unscheduled before scheduled, Pending before Running, not ready before ready, ready for
    less time before longer, more restarts first, newer before older.
    """

    def key(pod: Obj) -> tuple[Any, ...]:
        ready = is_ready(pod)
        return (
            bool((pod.get("spec") or {}).get("nodeName")),
            _phase_rank(pod),
            ready,
            -_ready_since(pod) if ready else 0.0,
            -_restarts(pod),
            -_epoch(pod["metadata"].get("creationTimestamp")),
        )

    return sorted(pods, key=key)


def create_from_template(
    ctx: Context, owner: Obj, component: str, pod: Obj | None = None
) -> str | None:
    """Create a Pod for ``owner`` (from its template unless given), recording the event.

    Returns the error text when the API refused the Pod (recorded as FailedCreate); a
    terminating namespace (403) propagates, since nothing more can be created there.
    """
    if pod is None:
        pod = from_template(owner["spec"].get("template") or {}, owner)
    try:
        created = ctx.create("pods", owner["metadata"]["namespace"], pod)
    except APIError as exc:
        if exc.code == 403:
            raise
        ctx.recorder.event(
            owner, "Warning", "FailedCreate", f"Error creating: {exc.message}", component
        )
        return exc.message
    ctx.recorder.event(
        owner,
        "Normal",
        "SuccessfulCreate",
        f"Created pod: {created['metadata']['name']}",
        component,
    )
    return None
