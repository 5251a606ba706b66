"""The DaemonSet controller for a one-node cluster: one Pod on ``gitops-tui-control-plane``.

Mirrors ``pkg/controller/daemon``: the Pod is made from the template with the
``controller-revision-hash`` and ``pod-template-generation`` labels, the daemon tolerations and
a node affinity pinning it to the node; a nodeSelector the node does not satisfy means no Pod
(and an existing one is misscheduled and removed). A template change replaces the Pod
(RollingUpdate, maxSurge 0: the old Pod goes first); OnDelete waits for the user.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_tui.cluster.embedded.controllers import pods as podutil
from gitops_tui.cluster.embedded.controllers.base import (
    NODE_NAME,
    Controller,
    Obj,
    claim,
    compute_hash,
    is_deleting,
    is_kind,
)
from gitops_tui.cluster.embedded.controllers.kubelet import NODE_LABELS
from gitops_tui.cluster.embedded.meta import deep_copy
from gitops_tui.cluster.embedded.store import Key, WatchEvent

COMPONENT = "daemonset-controller"
REVISION_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
#: ``AddOrUpdateDaemonPodTolerations``: daemons survive node conditions and cordons.
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)


def fits_node(ds: Obj) -> bool:
    selector = ((ds["spec"].get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    return all(NODE_LABELS.get(k) == v for k, v in selector.items())


def daemon_pod(ds: Obj, revision: str) -> Obj:
    """``CreatePodTemplate`` plus the node affinity: the Pod for our one node."""
    template = deep_copy(ds["spec"].get("template") or {})
    labels = template.setdefault("metadata", {}).setdefault("labels", {})
    labels[GENERATION_LABEL] = str(ds["metadata"].get("generation", 1))
    labels[REVISION_LABEL] = revision
    spec = template.setdefault("spec", {})
    tolerations = spec.setdefault("tolerations", [])
    extra = list(DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        extra.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    for key, effect in extra:
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    affinity = spec.setdefault("affinity", {})
    affinity["nodeAffinity"] = {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [NODE_NAME]}]}
            ]
        }
    }
    return podutil.from_template(template, ds)


class DaemonSetController(Controller):
    name = "daemonset"

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if is_kind(event, "apps", "daemonsets"):
            return [event.key]
        if not is_kind(event, "", "pods"):
            return []
        return self.owners_of(event, "daemonsets", "DaemonSet")

    def sync(self, key: Key) -> None:
        found = self.ctx.find("daemonsets", key[2], key[3])
        if found is None:
            return
        ds = deep_copy(found)
        collisions = (ds.get("status") or {}).get("collisionCount")
        revision = compute_hash(ds["spec"].get("template"), collisions)
        if not is_deleting(ds):
            self._manage(ds, self._pods(ds), revision)
        self._update_status(ds, self._pods(ds), revision)

    def _pods(self, ds: Obj) -> list[Obj]:
        return claim(self.ctx, "pods", ds, self.ctx.claimable("pods", ds))

    def _manage(self, ds: Obj, pods: list[Obj], revision: str) -> None:
        active = [p for p in pods if podutil.is_active(p)]
        terminating = [p for p in pods if podutil.is_terminating(p)]
        if not fits_node(ds):
            self._delete(ds, active)
            return
        self._delete(
            ds, [p for p in pods if podutil.is_terminal(p) and not podutil.is_terminating(p)]
        )
        active.sort(
            key=lambda p: (p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"])
        )
        if len(active) > 1:
            self._delete(ds, active[1:])
            return
        if not active:
            if not terminating:
                podutil.create_from_template(self.ctx, ds, COMPONENT, daemon_pod(ds, revision))
            return
        strategy = (ds["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        labels = active[0]["metadata"].get("labels") or {}
        if strategy == "RollingUpdate" and labels.get(REVISION_LABEL) != revision:
            self._delete(ds, active)

    def _delete(self, ds: Obj, pods: list[Obj]) -> None:
        for pod in pods:
            if self.ctx.delete("pods", pod):
                message = f"Deleted pod: {pod['metadata']['name']}"
                self.ctx.recorder.event(ds, "Normal", "SuccessfulDelete", message, COMPONENT)

    def _update_status(self, ds: Obj, pods: list[Obj], revision: str) -> None:
        desired = 1 if fits_node(ds) else 0
        active = [p for p in pods if podutil.is_active(p)]
        min_ready = int(ds["spec"].get("minReadySeconds") or 0)
        now = self.ctx.now()
        ready = sum(1 for p in active if podutil.is_ready(p))
        available = sum(1 for p in active if podutil.is_available(p, min_ready, now))
        updated = sum(
            1 for p in active if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == revision
        )
        scheduled = 1 if active else 0
        status: Obj = {
            "currentNumberScheduled": scheduled if desired else 0,
            "numberMisscheduled": 0 if desired else scheduled,
            "desiredNumberScheduled": desired,
            "numberReady": min(ready, 1) if desired else 0,
            "observedGeneration": ds["metadata"].get("generation", 1),
        }
        for field, value in (
            ("updatedNumberScheduled", min(updated, 1) if desired else 0),
            ("numberAvailable", min(available, 1) if desired else 0),
            ("numberUnavailable", desired - min(available, 1) if desired else 0),
        ):
            if value:
                status[field] = value
        old = ds.get("status") or {}
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if status != old:
            ds["status"] = status
            self.ctx.update_status("daemonsets", ds)
