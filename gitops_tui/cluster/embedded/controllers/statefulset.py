"""The StatefulSet controller: Pods with stable names, created and replaced in order.

Mirrors ``pkg/controller/statefulset``: Pods ``<set>-0 .. <set>-(N-1)`` (from
``spec.ordinals.start``) carry ``controller-revision-hash``, ``statefulset.kubernetes.io/pod-name``
and ``apps.kubernetes.io/pod-index``, a hostname and the governing Service as subdomain, and one
volume per claim template. ``OrderedReady`` creates one Pod at a time once the previous is
Running and Ready and removes the highest ordinal first; ``Parallel`` does all at once. A
template change rolls Pods from the highest ordinal down to the partition, one at a time.

Revisions are named ``<set>-<hash>`` as real ControllerRevisions are, but none are stored, so a
Pod that must be recreated at an old revision gets the current template.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_tui.cluster.embedded.controllers import pods as podutil
from gitops_tui.cluster.embedded.controllers.base import (
    Controller,
    Obj,
    claim,
    compute_hash,
    is_deleting,
    is_kind,
)
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy
from gitops_tui.cluster.embedded.store import Key, WatchEvent

COMPONENT = "statefulset-controller"
REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def ordinal_of(sts: Obj, pod: Obj) -> int | None:
    """The ordinal in ``<set>-<ordinal>``, or None for a Pod that is not a member."""
    prefix = sts["metadata"]["name"] + "-"
    name = pod["metadata"]["name"]
    suffix = name[len(prefix) :] if name.startswith(prefix) else ""
    return int(suffix) if suffix.isdigit() else None


def running_and_ready(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and podutil.is_ready(pod)


class StatefulSetController(Controller):
    name = "statefulset"

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if is_kind(event, "apps", "statefulsets"):
            return [event.key]
        if not is_kind(event, "", "pods"):
            return []
        return self.owners_of(event, "statefulsets", "StatefulSet")

    def sync(self, key: Key) -> None:
        found = self.ctx.find("statefulsets", key[2], key[3])
        if found is None:
            return
        sts = deep_copy(found)
        pods = self._members(sts)
        status = sts.get("status") or {}
        collisions = int(status.get("collisionCount") or 0)
        update_revision = f"{key[3]}-{compute_hash(sts['spec'].get('template'), collisions)}"
        current_revision = status.get("currentRevision") or update_revision
        if not is_deleting(sts):
            self._manage(sts, pods, update_revision)
            pods = self._members(sts)
        self._update_status(sts, pods, current_revision, update_revision, collisions)

    def _members(self, sts: Obj) -> list[Obj]:
        pods = self.ctx.claimable("pods", sts)
        return claim(self.ctx, "pods", sts, [p for p in pods if ordinal_of(sts, p) is not None])

    def _manage(self, sts: Obj, pods: list[Obj], revision: str) -> None:
        """One pass of ``updateStatefulSet``: create, replace, scale down, then roll."""
        spec = sts["spec"]
        start = int((spec.get("ordinals") or {}).get("start", 0))
        replicas = int(spec.get("replicas", 1))
        ordered = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        by_ordinal = {ordinal_of(sts, p): p for p in pods}
        for ordinal in range(start, start + replicas):
            pod = by_ordinal.get(ordinal)
            if pod is None:
                self._create(sts, ordinal, revision)
                if ordered:
                    return
                continue
            if podutil.is_terminal(pod):
                self._delete(sts, pod)
                if ordered:
                    return
                continue
            if ordered and (podutil.is_terminating(pod) or not running_and_ready(pod)):
                return
        condemned = sorted(
            (
                p
                for o, p in by_ordinal.items()
                if o is not None and not start <= o < start + replicas
            ),
            key=lambda p: ordinal_of(sts, p) or 0,
            reverse=True,
        )
        for pod in condemned:
            if podutil.is_terminating(pod):
                if ordered:
                    return
                continue
            self._delete(sts, pod)
            if ordered:
                return
        self._roll(sts, by_ordinal, start, replicas, revision)

    def _roll(
        self, sts: Obj, by_ordinal: dict[int | None, Obj], start: int, replicas: int, revision: str
    ) -> None:
        strategy = sts["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
        for ordinal in range(start + replicas - 1, start + partition - 1, -1):
            pod = by_ordinal.get(ordinal)
            if pod is None:
                return
            labels = pod["metadata"].get("labels") or {}
            if labels.get(REVISION_LABEL) != revision and not podutil.is_terminating(pod):
                self._delete(sts, pod)
                return
            if not running_and_ready(pod):
                return

    def _create(self, sts: Obj, ordinal: int, revision: str) -> None:
        name = f"{sts['metadata']['name']}-{ordinal}"
        pod = podutil.from_template(sts["spec"].get("template") or {}, sts, name=name)
        labels = pod["metadata"].setdefault("labels", {})
        labels.update(
            {POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal), REVISION_LABEL: revision}
        )
        pod_spec = pod["spec"]
        pod_spec["hostname"] = name
        if sts["spec"].get("serviceName"):
            pod_spec["subdomain"] = sts["spec"]["serviceName"]
        for claim_template in sts["spec"].get("volumeClaimTemplates") or ():
            claim_name = claim_template["metadata"]["name"]
            volumes = [v for v in pod_spec.get("volumes") or () if v.get("name") != claim_name]
            volumes.append(
                {"name": claim_name, "persistentVolumeClaim": {"claimName": f"{claim_name}-{name}"}}
            )
            pod_spec["volumes"] = volumes
        set_name = sts["metadata"]["name"]
        try:
            self.ctx.create("pods", sts["metadata"]["namespace"], pod)
        except APIError as exc:
            if exc.code == 403 or exc.reason == "AlreadyExists":
                raise
            message = f"create Pod {name} in StatefulSet {set_name} failed error: {exc.message}"
            self.ctx.recorder.event(sts, "Warning", "FailedCreate", message, COMPONENT)
            raise
        message = f"create Pod {name} in StatefulSet {set_name} successful"
        self.ctx.recorder.event(sts, "Normal", "SuccessfulCreate", message, COMPONENT)

    def _delete(self, sts: Obj, pod: Obj) -> None:
        if self.ctx.delete("pods", pod):
            message = (
                f"delete Pod {pod['metadata']['name']} in StatefulSet {sts['metadata']['name']} "
                "successful"
            )
            self.ctx.recorder.event(sts, "Normal", "SuccessfulDelete", message, COMPONENT)

    def _update_status(
        self, sts: Obj, pods: list[Obj], current: str, update: str, collisions: int
    ) -> None:
        min_ready = int(sts["spec"].get("minReadySeconds") or 0)
        now = self.ctx.now()
        counts = {
            "replicas": 0,
            "readyReplicas": 0,
            "availableReplicas": 0,
            "current": 0,
            "updated": 0,
        }
        for pod in pods:
            counts["replicas"] += 1
            if running_and_ready(pod):
                counts["readyReplicas"] += 1
                if podutil.is_available(pod, min_ready, now):
                    counts["availableReplicas"] += 1
            if not podutil.is_terminating(pod):
                revision = (pod["metadata"].get("labels") or {}).get(REVISION_LABEL)
                counts["current"] += revision == current
                counts["updated"] += revision == update
        strategy = (sts["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        if (
            strategy == "RollingUpdate"
            and counts["updated"] == counts["replicas"]
            and counts["readyReplicas"] == counts["replicas"]
        ):
            current, counts["current"] = update, counts["updated"]
        status: Obj = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": counts["replicas"],
        }
        for field, value in (
            ("readyReplicas", counts["readyReplicas"]),
            ("currentReplicas", counts["current"]),
            ("updatedReplicas", counts["updated"]),
        ):
            if value:
                status[field] = value
        status.update(
            {
                "currentRevision": current,
                "updateRevision": update,
                "collisionCount": collisions,
                "availableReplicas": counts["availableReplicas"],
            }
        )
        if status != (sts.get("status") or {}):
            sts["status"] = status
            self.ctx.update_status("statefulsets", sts)
