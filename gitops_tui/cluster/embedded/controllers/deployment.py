"""The Deployment controller: ReplicaSets per template, rolling updates, rollout conditions.

Follows ``pkg/controller/deployment`` closely because ``kubectl rollout status``, ``kubectl
wait --for=condition=Available``, ``rollout history/undo`` and dashboards read exactly what it
writes: ReplicaSets named ``<deployment>-<pod-template-hash>`` with the revision, desired and
max replica annotations; rolling updates bounded by maxSurge/maxUnavailable (or Recreate);
proportional scaling mid-rollout; history cleanup; and the Available / Progressing /
ReplicaFailure conditions with kube-controller-manager's reasons, messages and timestamps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from gitops_tui.cluster.embedded.api import WriteOptions
from gitops_tui.cluster.embedded.controllers import pods as podutil
from gitops_tui.cluster.embedded.controllers.base import (
    Context,
    Controller,
    Obj,
    claim,
    compute_hash,
    controller_ref,
    find_condition,
    is_deleting,
    is_kind,
    owner_reference,
    set_condition,
)
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy, parse_time
from gitops_tui.cluster.embedded.store import DELETED, Key, WatchEvent

COMPONENT = "deployment-controller"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
#: Annotations a Deployment does not hand down to its ReplicaSets.
ANNOTATIONS_TO_SKIP = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        MAX_REPLICAS,
        "deprecated.deployment.rollback.to",
    }
)
MAX_REVISION_HISTORY_CHARS = 2000
NO_PROGRESS_DEADLINE = 2**31 - 1


class DeploymentController(Controller):
    name = "deployment"

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if is_kind(event, "apps", "deployments"):
            return [event.key]
        if is_kind(event, "apps", "replicasets"):
            return self.owners_of(event, "deployments", "Deployment")
        if is_kind(event, "", "pods") and event.type == DELETED:
            # Recreate waits for the old Pods to be gone before scaling the new ReplicaSet up.
            return self._deployment_of_pod(event)
        return []

    def _deployment_of_pod(self, event: WatchEvent) -> list[Key]:
        ref = controller_ref(event.object)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return []
        rs = self.ctx.find("replicasets", event.key[2], ref["name"])
        owner = controller_ref(rs) if rs is not None else None
        if owner is None or owner.get("kind") != "Deployment":
            return []
        return [self.ctx.key("deployments", event.key[2], owner["name"])]

    def sync(self, key: Key) -> None:
        found = self.ctx.find("deployments", key[2], key[3])
        if found is None:
            return
        rollout = Rollout(self.ctx, deep_copy(found))
        delay = rollout.sync()
        if delay is not None:
            self.after(key, delay)


class Rollout:
    """One reconcile of one Deployment (``syncDeployment`` and the functions it calls)."""

    def __init__(self, ctx: Context, deployment: Obj) -> None:
        self.ctx = ctx
        self.d = deployment
        self.requeue_after: float | None = None

    @property
    def replicas(self) -> int:
        return int(self.d["spec"].get("replicas", 1))

    def sync(self) -> float | None:
        """Reconcile; the delay after which to check progress again, if one is needed."""
        rs_list = self._replica_sets()
        if is_deleting(self.d):
            self._sync_status_only(rs_list)
            return None
        self._check_paused_conditions()
        if self.d["spec"].get("paused") or self._is_scaling_event(rs_list):
            self._scale_sync(rs_list)
        elif strategy_type(self.d) == "Recreate":
            self._rollout_recreate(rs_list)
        else:
            self._rollout_rolling(rs_list)
        return self.requeue_after

    def _replica_sets(self) -> list[Obj]:
        return claim(self.ctx, "replicasets", self.d, self.ctx.claimable("replicasets", self.d))

    def _sync_status_only(self, rs_list: list[Obj]) -> None:
        new_rs, old_rss = self._all_replica_sets(rs_list, create=False)
        self._sync_deployment_status(_with(old_rss, new_rs), new_rs)

    def _scale_sync(self, rs_list: list[Obj]) -> None:
        """``sync``: scaling (or a paused Deployment) without rolling anything."""
        new_rs, old_rss = self._all_replica_sets(rs_list, create=False)
        old_rss = self._scale(new_rs, old_rss)
        if self.d["spec"].get("paused"):
            self._cleanup(old_rss)
        new_rs = self._refreshed(new_rs)
        self._sync_deployment_status(_with(old_rss, new_rs), new_rs)

    def _check_paused_conditions(self) -> None:
        """Record pausing and resuming in the Progressing condition."""
        if not has_progress_deadline(self.d):
            return
        status = self.d.setdefault("status", {})
        condition = find_condition(self.d, "Progressing")
        if condition is not None and condition.get("reason") == "ProgressDeadlineExceeded":
            return
        paused_exists = condition is not None and condition.get("reason") == "DeploymentPaused"
        paused = bool(self.d["spec"].get("paused"))
        if paused and not paused_exists:
            new = self._condition(
                "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"
            )
        elif not paused and paused_exists:
            new = self._condition(
                "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"
            )
        else:
            return
        set_condition(status.setdefault("conditions", []), new)
        self._update_status()

    def _is_scaling_event(self, rs_list: list[Obj]) -> bool:
        new_rs, old_rss = self._all_replica_sets(rs_list, create=False)
        for rs in active(_with(old_rss, new_rs)):
            desired = annotation_int(rs, DESIRED_REPLICAS)
            if desired is not None and desired != self.replicas:
                return True
        return False

    def _all_replica_sets(self, rs_list: list[Obj], create: bool) -> tuple[Obj | None, list[Obj]]:
        """``getAllReplicaSetsAndSyncRevision``: the new ReplicaSet (maybe created) and the old."""
        new_rs = find_new_replica_set(self.d, rs_list)
        old_rss = [rs for rs in rs_list if rs is not new_rs]
        return self._new_replica_set(new_rs, old_rss, create), old_rss

    def _new_replica_set(
        self, existing: Obj | None, old_rss: list[Obj], create: bool
    ) -> Obj | None:
        new_revision = str(max((revision(rs) for rs in old_rss), default=0) + 1)
        if existing is not None:
            return self._sync_existing_new_rs(existing, new_revision)
        if not create:
            return None
        return self._create_new_rs(old_rss, new_revision)

    def _sync_existing_new_rs(self, existing: Obj, new_revision: str) -> Obj:
        rs_copy = deep_copy(existing)
        annotations_updated = set_new_rs_annotations(self.d, rs_copy, new_revision, exists=True)
        min_ready = self.d["spec"].get("minReadySeconds", 0)
        if annotations_updated or rs_copy["spec"].get("minReadySeconds", 0) != min_ready:
            _set_or_drop(rs_copy["spec"], "minReadySeconds", min_ready)
            return self.ctx.update("replicasets", rs_copy)
        needs_update = set_revision(self.d, rs_copy["metadata"]["annotations"].get(REVISION, ""))
        if has_progress_deadline(self.d) and find_condition(self.d, "Progressing") is None:
            message = f'Found new replica set "{rs_copy["metadata"]["name"]}"'
            condition = self._condition("Progressing", "True", "FoundNewReplicaSet", message)
            set_condition(self.d.setdefault("status", {}).setdefault("conditions", []), condition)
            needs_update = True
        if needs_update:
            self._update_status()
        return rs_copy

    def _create_new_rs(self, old_rss: list[Obj], new_revision: str) -> Obj | None:
        spec = self.d["spec"]
        template = deep_copy(spec.get("template") or {})
        template_hash = compute_hash(template, (self.d.get("status") or {}).get("collisionCount"))
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = template_hash
        selector = deep_copy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = template_hash
        meta = self.d["metadata"]
        name = f"{meta['name']}-{template_hash}"
        new_rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": meta["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "ownerReferences": [owner_reference(self.d)],
            },
            "spec": {"replicas": 0, "selector": selector, "template": template},
        }
        _set_or_drop(new_rs["spec"], "minReadySeconds", spec.get("minReadySeconds", 0))
        new_replicas = self._new_rs_new_replicas([*old_rss, new_rs], new_rs)
        new_rs["spec"]["replicas"] = new_replicas
        set_new_rs_annotations(self.d, new_rs, new_revision, exists=False)
        created, already_existed = self._create_rs(new_rs)
        if not already_existed and new_replicas > 0:
            self._event(f"Scaled up replica set {name} from 0 to {new_replicas}")
        needs_update = set_revision(self.d, new_revision)
        if not already_existed and has_progress_deadline(self.d):
            message = f'Created new replica set "{name}"'
            condition = self._condition("Progressing", "True", "NewReplicaSetCreated", message)
            set_condition(self.d.setdefault("status", {}).setdefault("conditions", []), condition)
            needs_update = True
        if needs_update:
            self._update_status()
        return created

    def _create_rs(self, new_rs: Obj) -> tuple[Obj, bool]:
        """Create the ReplicaSet; on a name collision with a foreign one, bump collisionCount."""
        namespace = self.d["metadata"]["namespace"]
        try:
            return self.ctx.create("replicasets", namespace, new_rs), False
        except APIError as exc:
            if exc.reason == "AlreadyExists":
                existing = self.ctx.find("replicasets", namespace, new_rs["metadata"]["name"])
                ref = controller_ref(existing) if existing else None
                if (
                    existing is not None
                    and ref is not None
                    and ref.get("uid") == self.d["metadata"]["uid"]
                    and equal_ignore_hash(
                        self.d["spec"].get("template"), existing["spec"].get("template")
                    )
                ):
                    return existing, True
                status = self.d.setdefault("status", {})
                status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
                self._update_status()
                raise
            if exc.code == 403:
                raise
            message = (
                f"Failed to create new replica set {new_rs['metadata']['name']}: {exc.message}"
            )
            if has_progress_deadline(self.d):
                condition = self._condition(
                    "Progressing", "False", "ReplicaSetCreateError", message
                )
                set_condition(
                    self.d.setdefault("status", {}).setdefault("conditions", []), condition
                )
                self._update_status()
            self.ctx.recorder.event(self.d, "Warning", "ReplicaSetCreateError", message, COMPONENT)
            raise

    def _new_rs_new_replicas(self, all_rss: list[Obj], new_rs: Obj) -> int:
        """``NewRSNewReplicas``: how far the new ReplicaSet may grow now."""
        current = spec_replicas(new_rs)
        if strategy_type(self.d) == "Recreate":
            return self.replicas
        surge = scaled_value(rolling_param(self.d, "maxSurge"), self.replicas, round_up=True)
        total = sum(spec_replicas(rs) for rs in all_rss)
        max_total = self.replicas + surge
        if total >= max_total:
            return current
        return current + min(max_total - total, self.replicas - current)

    def _scale(self, new_rs: Obj | None, old_rss: list[Obj]) -> list[Obj]:
        """``scale``: follow ``spec.replicas`` changes, proportionally across active sets."""
        target = find_active_or_latest(new_rs, old_rss)
        if target is not None:
            if spec_replicas(target) != self.replicas:
                self._scale_rs(target, self.replicas)
            return old_rss
        if is_saturated(self.d, new_rs):
            return [self._scale_rs(rs, 0) if spec_replicas(rs) else rs for rs in old_rss]
        if strategy_type(self.d) != "RollingUpdate":
            return old_rss
        all_rss = active(_with(old_rss, new_rs))
        allowed = self.replicas + max_surge(self.d) if self.replicas > 0 else 0
        to_add = allowed - sum(spec_replicas(rs) for rs in all_rss)
        if to_add > 0:
            all_rss.sort(key=lambda rs: (-spec_replicas(rs), _newest_first(rs)))
        elif to_add < 0:
            all_rss.sort(key=lambda rs: (-spec_replicas(rs), _created(rs)))
        sizes: dict[str, int] = {}
        added = 0
        for rs in all_rss:
            name = rs["metadata"]["name"]
            if to_add:
                proportion = self._proportion(rs, to_add, added)
                sizes[name] = spec_replicas(rs) + proportion
                added += proportion
            else:
                sizes[name] = spec_replicas(rs)
        scaled = {}
        for index, rs in enumerate(all_rss):
            name = rs["metadata"]["name"]
            if index == 0 and to_add:
                sizes[name] = max(sizes[name] + to_add - added, 0)
            scaled[name] = self._scale_rs(rs, sizes[name], force=True)
        return [scaled.get(rs["metadata"]["name"], rs) for rs in old_rss]

    def _proportion(self, rs: Obj, to_add: int, added: int) -> int:
        """``GetReplicaSetProportion``: this set's share of a scaling event."""
        if spec_replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        fraction = self._fraction(rs)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    def _fraction(self, rs: Obj) -> int:
        if self.replicas == 0:
            return -spec_replicas(rs)
        max_now = self.replicas + max_surge(self.d)
        max_before = annotation_int(rs, MAX_REPLICAS)
        if not max_before:
            max_before = int((self.d.get("status") or {}).get("replicas", 0))
            if max_before == 0:
                return 0
        return round_half_up(spec_replicas(rs) * max_now / max_before) - spec_replicas(rs)

    def _scale_rs(self, rs: Obj, new_scale: int, force: bool = False) -> Obj:
        """``scaleReplicaSet``: set replicas and the replica annotations, recording the event."""
        if not force and spec_replicas(rs) == new_scale:
            return rs
        size_changes = spec_replicas(rs) != new_scale
        max_replicas = self.replicas + max_surge(self.d)
        if not size_changes and not replicas_annotations_need_update(
            rs, self.replicas, max_replicas
        ):
            return rs
        old_scale = spec_replicas(rs)
        rs_copy = deep_copy(rs)
        rs_copy["spec"]["replicas"] = new_scale
        set_replicas_annotations(rs_copy, self.replicas, max_replicas)
        updated = self.ctx.update("replicasets", rs_copy)
        if size_changes:
            direction = "up" if old_scale < new_scale else "down"
            self._event(
                f"Scaled {direction} replica set {rs['metadata']['name']} from {old_scale} to "
                f"{new_scale}"
            )
        return updated

    def _rollout_rolling(self, rs_list: list[Obj]) -> None:
        new_rs, old_rss = self._all_replica_sets(rs_list, create=True)
        if new_rs is None:
            return
        new_rs, scaled_up = self._reconcile_new_rs(_with(old_rss, new_rs), new_rs)
        if scaled_up:
            self._sync_rollout_status(_with(old_rss, new_rs), new_rs)
            return
        old_rss, scaled_down = self._reconcile_old_rss(old_rss, new_rs)
        if scaled_down:
            self._sync_rollout_status(_with(old_rss, new_rs), new_rs)
            return
        if deployment_complete(self.d, self.d.get("status") or {}):
            self._cleanup(old_rss)
        self._sync_rollout_status(_with(old_rss, new_rs), new_rs)

    def _reconcile_new_rs(self, all_rss: list[Obj], new_rs: Obj) -> tuple[Obj, bool]:
        current = spec_replicas(new_rs)
        if current == self.replicas:
            return new_rs, False
        target = (
            self.replicas if current > self.replicas else self._new_rs_new_replicas(all_rss, new_rs)
        )
        updated = self._scale_rs(new_rs, target)
        return updated, spec_replicas(updated) != current

    def _reconcile_old_rss(self, old_rss: list[Obj], new_rs: Obj) -> tuple[list[Obj], bool]:
        old_count = sum(spec_replicas(rs) for rs in old_rss)
        if old_count == 0:
            return old_rss, False
        all_count = old_count + spec_replicas(new_rs)
        min_available = self.replicas - max_unavailable(self.d)
        new_unavailable = spec_replicas(new_rs) - status_int(new_rs, "availableReplicas")
        max_scaled_down = all_count - min_available - new_unavailable
        if max_scaled_down <= 0:
            return old_rss, False
        old_rss, cleaned = self._cleanup_unhealthy(old_rss, max_scaled_down)
        old_rss, scaled = self._scale_down_old(old_rss, new_rs)
        return old_rss, cleaned + scaled > 0

    def _cleanup_unhealthy(self, old_rss: list[Obj], max_cleanup: int) -> tuple[list[Obj], int]:
        """Scale down old ReplicaSets' unavailable Pods first: they serve nothing."""
        result = sorted(old_rss, key=_created)
        total = 0
        for index, rs in enumerate(result):
            if total >= max_cleanup:
                break
            unhealthy = spec_replicas(rs) - status_int(rs, "availableReplicas")
            if spec_replicas(rs) == 0 or unhealthy <= 0:
                continue
            count = min(max_cleanup - total, unhealthy)
            result[index] = self._scale_rs(rs, spec_replicas(rs) - count)
            total += count
        return result, total

    def _scale_down_old(self, old_rss: list[Obj], new_rs: Obj) -> tuple[list[Obj], int]:
        min_available = self.replicas - max_unavailable(self.d)
        available = sum(status_int(rs, "availableReplicas") for rs in _with(old_rss, new_rs))
        if available <= min_available:
            return old_rss, 0
        result = sorted(old_rss, key=_created)
        wanted = available - min_available
        total = 0
        for index, rs in enumerate(result):
            if total >= wanted:
                break
            if spec_replicas(rs) == 0:
                continue
            count = min(spec_replicas(rs), wanted - total)
            result[index] = self._scale_rs(rs, spec_replicas(rs) - count)
            total += count
        return result, total

    def _rollout_recreate(self, rs_list: list[Obj]) -> None:
        new_rs, old_rss = self._all_replica_sets(rs_list, create=False)
        scaled_down = False
        scaled: list[Obj] = []
        for rs in old_rss:
            if spec_replicas(rs) > 0:
                rs = self._scale_rs(rs, 0)
                scaled_down = True
            scaled.append(rs)
        old_rss = scaled
        if scaled_down or self._old_pods_running(new_rs, old_rss, rs_list):
            self._sync_rollout_status(_with(old_rss, new_rs), new_rs)
            return
        if new_rs is None:
            new_rs, old_rss = self._all_replica_sets(rs_list, create=True)
            if new_rs is None:
                return
        new_rs = self._scale_rs(new_rs, self.replicas)
        if deployment_complete(self.d, self.d.get("status") or {}):
            self._cleanup(old_rss)
        self._sync_rollout_status(_with(old_rss, new_rs), new_rs)

    def _old_pods_running(self, new_rs: Obj | None, old_rss: list[Obj], rs_list: list[Obj]) -> bool:
        if sum(status_int(rs, "replicas") for rs in old_rss) > 0:
            return True
        new_uid = new_rs["metadata"]["uid"] if new_rs is not None else None
        old_uids = {rs["metadata"]["uid"] for rs in rs_list} - {new_uid}
        for pod in self.ctx.list("pods", self.d["metadata"]["namespace"]):
            owner = controller_ref(pod)
            if owner is not None and owner.get("uid") in old_uids and not podutil.is_terminal(pod):
                return True
        return False

    def _cleanup(self, old_rss: list[Obj]) -> None:
        """Delete the oldest unused ReplicaSets beyond ``revisionHistoryLimit``."""
        limit = self.d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in old_rss if not is_deleting(rs)]
        excess = len(alive) - int(limit)
        if excess <= 0:
            return
        alive.sort(key=lambda rs: (revision(rs), _created(rs)))
        for rs in alive[:excess]:
            unused = status_int(rs, "replicas") == 0 and spec_replicas(rs) == 0
            observed = rs["metadata"].get("generation", 1) <= status_int(rs, "observedGeneration")
            if unused and observed:
                self.ctx.delete("replicasets", rs)

    def _sync_deployment_status(self, all_rss: list[Obj], new_rs: Obj | None) -> None:
        status = self._calculate_status(all_rss, new_rs)
        if status != (self.d.get("status") or {}):
            self.d["status"] = status
            self._update_status()

    def _calculate_status(self, all_rss: list[Obj], new_rs: Obj | None) -> Obj:
        available = sum(status_int(rs, "availableReplicas") for rs in all_rss)
        unavailable = max(sum(spec_replicas(rs) for rs in all_rss) - available, 0)
        old = self.d.get("status") or {}
        status: Obj = {}
        counts = (
            ("observedGeneration", self.d["metadata"].get("generation", 1)),
            ("replicas", sum(status_int(rs, "replicas") for rs in all_rss)),
            ("updatedReplicas", status_int(new_rs, "replicas") if new_rs else 0),
            ("readyReplicas", sum(status_int(rs, "readyReplicas") for rs in all_rss)),
            ("availableReplicas", available),
            ("unavailableReplicas", unavailable),
        )
        for field, value in counts:
            if value:
                status[field] = value
        terminating = terminating_replicas(all_rss)
        if terminating is not None:
            status["terminatingReplicas"] = terminating
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        conditions = [dict(c) for c in old.get("conditions") or ()]
        if available >= self.replicas - max_unavailable(self.d):
            condition = self._condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )
        else:
            condition = self._condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        set_condition(conditions, condition)
        status["conditions"] = conditions
        return status

    def _sync_rollout_status(self, all_rss: list[Obj], new_rs: Obj | None) -> None:
        """``syncRolloutStatus``: the status plus the Progressing and ReplicaFailure conditions."""
        status = self._calculate_status(all_rss, new_rs)
        conditions: list[Obj] = status["conditions"]
        if not has_progress_deadline(self.d):
            conditions[:] = [c for c in conditions if c.get("type") != "Progressing"]
        current = find_condition(self.d, "Progressing")
        complete_before = (
            status.get("replicas", 0) == status.get("updatedReplicas", 0)
            and current is not None
            and current.get("reason") == "NewReplicaSetAvailable"
        )
        if has_progress_deadline(self.d) and not complete_before:
            self._estimate_progress(status, new_rs, current)
        failures = replica_failures(all_rss, new_rs)
        if failures:
            set_condition(conditions, failures[0])
        else:
            conditions[:] = [c for c in conditions if c.get("type") != "ReplicaFailure"]
        if status == (self.d.get("status") or {}):
            self._requeue_stuck(status)
            return
        self.d["status"] = status
        self._update_status()

    def _estimate_progress(self, status: Obj, new_rs: Obj | None, current: Obj | None) -> None:
        conditions: list[Obj] = status["conditions"]
        name = self.d["metadata"]["name"]
        subject = f'ReplicaSet "{new_rs["metadata"]["name"]}"' if new_rs else f'Deployment "{name}"'
        if deployment_complete(self.d, status):
            condition = self._condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f"{subject} has successfully progressed.",
            )
            set_condition(conditions, condition)
        elif deployment_progressing(self.d, status):
            condition = self._condition(
                "Progressing", "True", "ReplicaSetUpdated", f"{subject} is progressing."
            )
            if current is not None:
                if current.get("status") == "True":
                    condition["lastTransitionTime"] = current.get("lastTransitionTime")
                conditions[:] = [c for c in conditions if c.get("type") != "Progressing"]
            set_condition(conditions, condition)
        elif self._timed_out(status):
            condition = self._condition(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                f"{subject} has timed out progressing.",
            )
            set_condition(conditions, condition)

    def _timed_out(self, status: Obj) -> bool:
        condition = next(
            (c for c in status.get("conditions") or () if c.get("type") == "Progressing"), None
        )
        if condition is None or condition.get("reason") == "NewReplicaSetAvailable":
            return False
        if condition.get("reason") == "ProgressDeadlineExceeded":
            return True
        return self._seconds_left(condition) < 0

    def _seconds_left(self, condition: Obj) -> float:
        deadline = int(self.d["spec"].get("progressDeadlineSeconds", 600))
        updated = parse_time(str(condition.get("lastUpdateTime")))
        return (updated - self.ctx.now()).total_seconds() + deadline

    def _requeue_stuck(self, status: Obj) -> None:
        current = find_condition(self.d, "Progressing")
        if not has_progress_deadline(self.d) or current is None:
            return
        if (
            deployment_complete(self.d, status)
            or current.get("reason") == "ProgressDeadlineExceeded"
        ):
            return
        left = self._seconds_left(current)
        self.requeue_after = 0.1 if left < 1 else left + 1

    def _condition(self, kind: str, status: str, reason: str, message: str) -> Obj:
        stamp = self.ctx.stamp()
        return {
            "type": kind,
            "status": status,
            "lastUpdateTime": stamp,
            "lastTransitionTime": stamp,
            "reason": reason,
            "message": message,
        }

    def _update_status(self) -> None:
        """UpdateStatus: the status and the revision annotation, as the status strategy allows."""
        meta = self.d["metadata"]
        result = self.ctx.api.replace(
            self.ctx.rt("deployments"),
            meta["namespace"],
            meta["name"],
            self.d,
            WriteOptions(field_manager="kube-controller-manager"),
            subresource="status",
        )
        self.d = deep_copy(result.object)

    def _refreshed(self, rs: Obj | None) -> Obj | None:
        if rs is None:
            return None
        return (
            self.ctx.find("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"]) or rs
        )

    def _event(self, message: str) -> None:
        self.ctx.recorder.event(self.d, "Normal", "ScalingReplicaSet", message, COMPONENT)


def _with(old_rss: list[Obj], new_rs: Obj | None) -> list[Obj]:
    return [*old_rss, new_rs] if new_rs is not None else list(old_rss)


def _created(rs: Obj) -> tuple[str, str]:
    return (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"])


def _newest_first(rs: Obj) -> tuple[float, str]:
    stamp = rs["metadata"].get("creationTimestamp")
    return (-parse_time(stamp).timestamp() if stamp else 0.0, rs["metadata"]["name"])


def _set_or_drop(spec: Obj, field: str, value: Any) -> None:
    if value:
        spec[field] = value
    else:
        spec.pop(field, None)


def spec_replicas(rs: Obj) -> int:
    return int(rs["spec"].get("replicas", 1))


def status_int(obj: Obj | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def annotation_int(obj: Obj, name: str) -> int | None:
    value = (obj["metadata"].get("annotations") or {}).get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def revision(rs: Obj) -> int:
    return annotation_int(rs, REVISION) or 0


def active(rss: Iterable[Obj]) -> list[Obj]:
    return [rs for rs in rss if spec_replicas(rs) > 0]


def strategy_type(d: Obj) -> str:
    return str((d["spec"].get("strategy") or {}).get("type") or "RollingUpdate")


def rolling_param(d: Obj, name: str) -> Any:
    rolling = (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    return rolling.get(name, "25%")


def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``."""
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        scaled = int(text[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(text)


def fenceposts(d: Obj) -> tuple[int, int]:
    """``ResolveFenceposts``: (maxSurge, maxUnavailable), never both zero."""
    replicas = int(d["spec"].get("replicas", 1))
    surge = scaled_value(rolling_param(d, "maxSurge"), replicas, round_up=True)
    unavailable = scaled_value(rolling_param(d, "maxUnavailable"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Obj) -> int:
    return fenceposts(d)[0] if strategy_type(d) == "RollingUpdate" else 0


def max_unavailable(d: Obj) -> int:
    replicas = int(d["spec"].get("replicas", 1))
    if strategy_type(d) != "RollingUpdate" or replicas == 0:
        return 0
    return min(fenceposts(d)[1], replicas)


def round_half_up(value: float) -> int:
    """``integer.RoundToInt32``: halves away from zero, as Go's math.Round."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def has_progress_deadline(d: Obj) -> bool:
    deadline = d["spec"].get("progressDeadlineSeconds")
    return deadline is not None and deadline != NO_PROGRESS_DEADLINE


def equal_ignore_hash(left: Obj | None, right: Obj | None) -> bool:
    """Templates equal apart from the pod-template-hash label (empty labels count as none)."""

    def normalized(template: Obj | None) -> Obj:
        copy = deep_copy(template or {})
        meta = copy.setdefault("metadata", {})
        labels = dict(meta.get("labels") or {})
        labels.pop(HASH_LABEL, None)
        if labels:
            meta["labels"] = labels
        else:
            meta.pop("labels", None)
        if not meta:
            copy.pop("metadata")
        return copy

    return normalized(left) == normalized(right)


def find_new_replica_set(d: Obj, rs_list: list[Obj]) -> Obj | None:
    """The oldest ReplicaSet whose template is the Deployment's (ignoring the hash label)."""
    for rs in sorted(rs_list, key=_created):
        if equal_ignore_hash(rs["spec"].get("template"), d["spec"].get("template")):
            return rs
    return None


def find_active_or_latest(new_rs: Obj | None, old_rss: list[Obj]) -> Obj | None:
    if new_rs is None and not old_rss:
        return None
    newest_first = sorted(old_rss, key=_created, reverse=True)
    candidates = active(_with(newest_first, new_rs))
    if not candidates:
        return new_rs if new_rs is not None else newest_first[0]
    return candidates[0] if len(candidates) == 1 else None


def is_saturated(d: Obj, rs: Obj | None) -> bool:
    if rs is None:
        return False
    replicas = int(d["spec"].get("replicas", 1))
    return (
        spec_replicas(rs) == replicas
        and annotation_int(rs, DESIRED_REPLICAS) == replicas
        and status_int(rs, "availableReplicas") == replicas
    )


def set_revision(d: Obj, value: str) -> bool:
    annotations = d["metadata"].setdefault("annotations", {})
    if annotations.get(REVISION) == value:
        return False
    annotations[REVISION] = value
    return True


def replicas_annotations_need_update(rs: Obj, desired: int, max_replicas: int) -> bool:
    annotations = rs["metadata"].get("annotations") or {}
    return annotations.get(DESIRED_REPLICAS) != str(desired) or annotations.get(
        MAX_REPLICAS
    ) != str(max_replicas)


def set_replicas_annotations(rs: Obj, desired: int, max_replicas: int) -> bool:
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for name, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(max_replicas))):
        if annotations.get(name) != value:
            annotations[name] = value
            changed = True
    return changed


def set_new_rs_annotations(d: Obj, rs: Obj, new_revision: str, exists: bool) -> bool:
    """``SetNewReplicaSetAnnotations``: copied annotations, revision (and its history)."""
    annotations = rs["metadata"].setdefault("annotations", {})
    changed = False
    for name, value in (d["metadata"].get("annotations") or {}).items():
        if name in ANNOTATIONS_TO_SKIP or annotations.get(name) == value:
            continue
        annotations[name] = value
        changed = True
    old_revision = annotations.get(REVISION)
    try:
        old_number = int(old_revision) if old_revision is not None else 0
    except ValueError:
        return changed
    if old_number < int(new_revision):
        annotations[REVISION] = new_revision
        changed = True
        if old_revision is not None:
            _append_revision_history(annotations, old_revision)
    replicas = int(d["spec"].get("replicas", 1))
    if not exists and set_replicas_annotations(rs, replicas, replicas + max_surge(d)):
        changed = True
    return changed


def _append_revision_history(annotations: dict[str, str], old_revision: str) -> None:
    history = annotations.get(REVISION_HISTORY, "")
    if not history:
        annotations[REVISION_HISTORY] = old_revision
        return
    revisions = history.split(",")
    total = len(history) + len(old_revision) + 1
    start = 0
    while total > MAX_REVISION_HISTORY_CHARS and start < len(revisions):
        total -= len(revisions[start]) + 1
        start += 1
    if total <= MAX_REVISION_HISTORY_CHARS:
        annotations[REVISION_HISTORY] = ",".join([*revisions[start:], old_revision])


def terminating_replicas(rss: list[Obj]) -> int | None:
    """``GetTerminatingReplicaCountForReplicaSets``: None while a set has not reported it."""
    total = 0
    for rs in rss:
        status = rs.get("status") or {}
        if "terminatingReplicas" not in status:
            if not status.get("observedGeneration"):
                continue
            return None
        total += int(status["terminatingReplicas"])
    return total


def deployment_complete(d: Obj, status: Obj) -> bool:
    replicas = int(d["spec"].get("replicas", 1))
    return bool(
        status.get("updatedReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
        and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1)
    )


def deployment_progressing(d: Obj, status: Obj) -> bool:
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = status.get("replicas", 0) - status.get("updatedReplicas", 0)
    return bool(
        status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
        or new_old < old_old
        or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or status.get("availableReplicas", 0) > old.get("availableReplicas", 0)
    )


def replica_failures(all_rss: list[Obj], new_rs: Obj | None) -> list[Obj]:
    """ReplicaFailure conditions of the new ReplicaSet (else of any), as Deployment conditions."""

    def failures(rss: Iterable[Obj]) -> list[Obj]:
        found = []
        for rs in rss:
            for c in (rs.get("status") or {}).get("conditions") or ():
                if c.get("type") == "ReplicaFailure":
                    found.append(
                        {
                            "type": "ReplicaFailure",
                            "status": c.get("status"),
                            "lastUpdateTime": c.get("lastTransitionTime"),
                            "lastTransitionTime": c.get("lastTransitionTime"),
                            "reason": c.get("reason"),
                            "message": c.get("message"),
                        }
                    )
        return found

    return (failures([new_rs]) if new_rs is not None else []) or failures(all_rss)
