"""The ReplicaSet controller: keep ``spec.replicas`` Pods alive and report how many are ready.

Mirrors ``pkg/controller/replicaset``: Pods are named ``<rs>-<5 random chars>`` and carry the
template's labels and a controller reference; orphans matching the selector are adopted;
scale-down removes unscheduled, pending, not-ready and newest Pods first; the status counts
replicas, fully labeled, ready, available and terminating Pods.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_tui.cluster.embedded.controllers import pods as podutil
from gitops_tui.cluster.embedded.controllers.base import (
    Controller,
    Obj,
    claim,
    controller_ref,
    is_deleting,
    is_kind,
    set_condition,
)
from gitops_tui.cluster.embedded.meta import deep_copy
from gitops_tui.cluster.embedded.store import Key, WatchEvent

COMPONENT = "replicaset-controller"
#: kube-controller-manager's --concurrent... burstReplicas: most Pods made or removed per sync.
BURST_REPLICAS = 500


class ReplicaSetController(Controller):
    name = "replicaset"

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if is_kind(event, "apps", "replicasets"):
            return [event.key]
        if not is_kind(event, "", "pods"):
            return []
        return self.owners_of(event, "replicasets", "ReplicaSet")

    def sync(self, key: Key) -> None:
        rs = self.ctx.find("replicasets", key[2], key[3])
        if rs is None:
            return
        candidates = self.ctx.claimable("pods", rs)
        active = claim(self.ctx, "pods", rs, [p for p in candidates if podutil.is_active(p)])
        uid = rs["metadata"]["uid"]
        terminating = [
            p
            for p in candidates
            if podutil.is_terminating(p)
            and not podutil.is_terminal(p)
            and (controller_ref(p) or {}).get("uid") == uid
        ]
        error = None
        if not is_deleting(rs):
            error = self._manage_replicas(rs, active)
        updated = self._update_status(rs, active, terminating, error)
        replicas = updated["spec"].get("replicas", 1)
        min_ready = int(updated["spec"].get("minReadySeconds") or 0)
        status = updated.get("status") or {}
        if (
            error is None
            and min_ready
            and status.get("readyReplicas", 0) == replicas
            and status.get("availableReplicas", 0) != replicas
        ):
            self.after(key, min_ready)

    def _manage_replicas(self, rs: Obj, active: list[Obj]) -> str | None:
        """Create or delete Pods toward ``spec.replicas``; the error text of a failure, if any."""
        diff = len(active) - int(rs["spec"].get("replicas", 1))
        if diff < 0:
            for _ in range(min(-diff, BURST_REPLICAS)):
                error = podutil.create_from_template(self.ctx, rs, COMPONENT)
                if error is not None:
                    return error
        elif diff > 0:
            for pod in podutil.deletion_order(active)[: min(diff, BURST_REPLICAS)]:
                if self.ctx.delete("pods", pod):
                    self.ctx.recorder.event(
                        rs,
                        "Normal",
                        "SuccessfulDelete",
                        f"Deleted pod: {pod['metadata']['name']}",
                        COMPONENT,
                    )
        return None

    def _update_status(
        self, rs: Obj, active: list[Obj], terminating: list[Obj], error: str | None
    ) -> Obj:
        template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get(
            "labels"
        ) or {}
        min_ready = int(rs["spec"].get("minReadySeconds") or 0)
        now = self.ctx.now()
        fully_labeled = ready = available = 0
        for pod in active:
            labels = pod["metadata"].get("labels") or {}
            if all(labels.get(k) == v for k, v in template_labels.items()):
                fully_labeled += 1
            if podutil.is_ready(pod):
                ready += 1
                if podutil.is_available(pod, min_ready, now):
                    available += 1
        old = rs.get("status") or {}
        conditions = [dict(c) for c in old.get("conditions") or ()]
        if error is not None:
            diff = len(active) - int(rs["spec"].get("replicas", 1))
            reason = "FailedCreate" if diff < 0 else "FailedDelete"
            set_condition(
                conditions,
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "lastTransitionTime": self.ctx.stamp(),
                    "reason": reason,
                    "message": error,
                },
            )
        else:
            conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
        status: Obj = {"replicas": len(active)}
        for field, value in (
            ("fullyLabeledReplicas", fully_labeled),
            ("readyReplicas", ready),
            ("availableReplicas", available),
        ):
            if value:
                status[field] = value
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        status["terminatingReplicas"] = len(terminating)
        if conditions:
            status["conditions"] = conditions
        if status == old:
            return rs
        updated = deep_copy(rs)
        updated["status"] = status
        return self.ctx.update_status("replicasets", updated)
