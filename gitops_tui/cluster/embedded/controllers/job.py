"""The Job controller (and the TTL-after-finished controller): run Pods to completion.

As ``pkg/controller/job`` does since Pod-finalizer tracking: Pods are created with the
``batch.kubernetes.io/job-tracking`` finalizer; a finished Pod is first recorded in
``status.uncountedTerminatedPods``, then its finalizer is removed, then it is moved into the
``succeeded``/``failed`` counters, so no Pod is counted twice or lost across restarts. A Job that
reached its completions gets ``SuccessCriteriaMet`` then ``Complete`` (one past its backoff
limit or deadline gets ``FailureTarget`` then ``Failed``), with the controller's reasons and
messages; ``ttlSecondsAfterFinished`` deletes it afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gitops_tui.cluster.embedded.controllers import pods as podutil
from gitops_tui.cluster.embedded.controllers.base import (
    Controller,
    Obj,
    claim,
    controller_ref,
    find_condition,
    is_kind,
    owner_keys,
)
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy, parse_time
from gitops_tui.cluster.embedded.store import Key, WatchEvent

COMPONENT = "job-controller"
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
DEFAULT_BACKOFF_LIMIT = 6
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")


def finished_condition(job: Obj) -> Obj | None:
    """The Complete or Failed condition, when the Job is finished."""
    for kind in ("Complete", "Failed"):
        condition = find_condition(job, kind)
        if condition is not None and condition.get("status") == "True":
            return condition
    return None


def _meets_criteria(job: Obj) -> bool:
    """An interim SuccessCriteriaMet/FailureTarget condition: the outcome is decided."""
    for kind in ("SuccessCriteriaMet", "FailureTarget"):
        condition = find_condition(job, kind)
        if condition is not None and condition.get("status") == "True":
            return True
    return False


def has_tracking_finalizer(pod: Obj) -> bool:
    return TRACKING_FINALIZER in (pod["metadata"].get("finalizers") or ())


class JobController(Controller):
    name = "job"

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if is_kind(event, "batch", "jobs"):
            return [event.key]
        if not is_kind(event, "", "pods"):
            return []
        keys = owner_keys(event, "batch", "jobs", "Job")
        if event.type != "DELETED" and has_tracking_finalizer(event.object):
            keys.append(event.key)
        return keys

    def sync(self, key: Key) -> None:
        if key[1] == "pods":
            self._release_orphan(key)
            return
        found = self.ctx.find("jobs", key[2], key[3])
        if found is None:
            return
        job = deep_copy(found)
        pods = claim(self.ctx, "pods", job, self.ctx.claimable("pods", job))
        if finished_condition(job) is not None or _meets_criteria(job):
            # Pods stopped after the outcome was decided are released, not counted.
            for pod in pods:
                if has_tracking_finalizer(pod) and not podutil.is_active(pod):
                    remove_tracking_finalizer(self, pod)
        else:
            job = self._account(job, pods)
        if finished_condition(job) is None:
            job = self._reconcile(key, job, [p for p in pods if podutil.is_active(p)])
        if finished_condition(job) is not None:
            self._after_finished(key, job)

    def _release_orphan(self, key: Key) -> None:
        """Drop the tracking finalizer of a Pod whose Job is gone (or that lost its owner)."""
        pod = self.ctx.find("pods", key[2], key[3])
        if pod is None or not has_tracking_finalizer(pod):
            return
        ref = controller_ref(pod)
        if ref is not None and ref.get("kind") == "Job":
            job = self.ctx.find("jobs", key[2], ref["name"])
            if job is not None and job["metadata"]["uid"] == ref.get("uid"):
                return
        remove_tracking_finalizer(self, pod)

    def _account(self, job: Obj, pods: list[Obj]) -> Obj:
        """Count finished Pods exactly once: record, release their finalizer, then count."""
        status = job.setdefault("status", {})
        uncounted = status.setdefault("uncountedTerminatedPods", {})
        finished = [p for p in pods if podutil.is_terminal(p) and has_tracking_finalizer(p)]
        recorded = set(uncounted.get("succeeded") or ()) | set(uncounted.get("failed") or ())
        fresh = [p for p in finished if p["metadata"]["uid"] not in recorded]
        for pod in fresh:
            bucket = "succeeded" if pod["status"]["phase"] == "Succeeded" else "failed"
            uncounted.setdefault(bucket, []).append(pod["metadata"]["uid"])
        if fresh:
            job = self._write_status(job)
        for pod in finished:
            remove_tracking_finalizer(self, pod)
        status = job.setdefault("status", {})
        uncounted = status.setdefault("uncountedTerminatedPods", {})
        moved = False
        for bucket in ("succeeded", "failed"):
            uids = uncounted.pop(bucket, None) or []
            if uids:
                status[bucket] = int(status.get(bucket) or 0) + len(uids)
                moved = True
        return self._write_status(job) if moved else job

    def _reconcile(self, key: Key, job: Obj, active: list[Obj]) -> Obj:
        spec, status = job["spec"], job.setdefault("status", {})
        if spec.get("suspend"):
            self._delete_pods(job, active)
            return self._set_status(job, active=[], started=False)
        failure = self._failure(job)
        if failure is not None:
            self._delete_pods(job, active)
            return self._finish(job, "FailureTarget", "Failed", *failure, event_kind="Warning")
        succeeded = int(status.get("succeeded") or 0)
        completions = spec.get("completions")
        if (completions is None and succeeded > 0 and not active) or (
            completions is not None and succeeded >= completions
        ):
            self._delete_pods(job, active)
            return self._finish(job, "SuccessCriteriaMet", "Complete", *COMPLETIONS_REACHED)
        parallelism = int(spec.get("parallelism", 1))
        if completions is None:
            wanted = len(active) if succeeded > 0 else parallelism
        else:
            wanted = min(parallelism, completions - succeeded)
        if wanted > len(active):
            for _ in range(wanted - len(active)):
                pod = podutil.from_template(spec.get("template") or {}, job)
                pod["metadata"].setdefault("finalizers", []).append(TRACKING_FINALIZER)
                podutil.create_from_template(self.ctx, job, COMPONENT, pod)
        elif wanted < len(active):
            self._delete_pods(job, podutil.deletion_order(active)[: len(active) - wanted])
        self._requeue_deadline(key, job)
        return self._set_status(job, active=active, started=True)

    def _failure(self, job: Obj) -> tuple[str, str] | None:
        status = job.get("status") or {}
        limit = job["spec"].get("backoffLimit", DEFAULT_BACKOFF_LIMIT)
        if int(status.get("failed") or 0) > int(limit):
            return BACKOFF_EXCEEDED
        deadline = job["spec"].get("activeDeadlineSeconds")
        started = status.get("startTime")
        if deadline is None or not started:
            return None
        elapsed = (self.ctx.now() - parse_time(started)).total_seconds()
        return DEADLINE_EXCEEDED if elapsed >= int(deadline) else None

    def _requeue_deadline(self, key: Key, job: Obj) -> None:
        deadline = job["spec"].get("activeDeadlineSeconds")
        started = (job.get("status") or {}).get("startTime")
        if deadline is not None and started:
            elapsed = (self.ctx.now() - parse_time(started)).total_seconds()
            self.after(key, int(deadline) - elapsed)

    def _set_status(self, job: Obj, active: list[Obj], started: bool) -> Obj:
        status = job.setdefault("status", {})
        new = deep_copy(status)
        if started and not new.get("startTime"):
            new["startTime"] = self.ctx.stamp()
        if active:
            new["active"] = len(active)
        else:
            new.pop("active", None)
        new["ready"] = sum(1 for p in active if podutil.is_ready(p))
        new["terminating"] = self._terminating(job)
        new.setdefault("uncountedTerminatedPods", {})
        suspended = find_condition(job, "Suspended")
        if job["spec"].get("suspend"):
            self._set_condition(new, "Suspended", "True", "JobSuspended", "Job suspended")
        elif suspended is not None and suspended.get("status") == "True":
            self._set_condition(new, "Suspended", "False", "JobResumed", "Job resumed")
        if new == status:
            return job
        job["status"] = new
        return self._write_status(job)

    def _terminating(self, job: Obj) -> int:
        return sum(
            1
            for p in self.ctx.controlled_by("pods", job)
            if podutil.is_terminating(p) and not podutil.is_terminal(p)
        )

    def _finish(
        self,
        job: Obj,
        interim: str,
        final: str,
        reason: str,
        message: str,
        event_kind: str = "Normal",
    ) -> Obj:
        status = job.setdefault("status", {})
        status.pop("active", None)
        status["ready"] = 0
        status["terminating"] = self._terminating(job)
        self._set_condition(status, interim, "True", reason, message)
        if status["terminating"]:
            return self._write_status(job)
        self._set_condition(status, final, "True", reason, message)
        if final == "Complete":
            status["completionTime"] = self.ctx.stamp()
            self.ctx.recorder.event(job, "Normal", "Completed", "Job completed", COMPONENT)
        else:
            self.ctx.recorder.event(job, event_kind, reason, message, COMPONENT)
        return self._write_status(job)

    def _set_condition(self, status: Obj, kind: str, value: str, reason: str, message: str) -> None:
        conditions: list[Obj] = status.setdefault("conditions", [])
        for condition in conditions:
            if condition.get("type") == kind:
                if condition.get("status") != value:
                    stamp = self.ctx.stamp()
                    condition.update(
                        {
                            "status": value,
                            "lastProbeTime": stamp,
                            "lastTransitionTime": stamp,
                            "reason": reason,
                            "message": message,
                        }
                    )
                return
        stamp = self.ctx.stamp()
        conditions.append(
            {
                "type": kind,
                "status": value,
                "lastProbeTime": stamp,
                "lastTransitionTime": stamp,
                "reason": reason,
                "message": message,
            }
        )

    def _after_finished(self, key: Key, job: Obj) -> None:
        """ttlSecondsAfterFinished: delete the finished Job (and its Pods) when it expires."""
        ttl = job["spec"].get("ttlSecondsAfterFinished")
        if ttl is None:
            return
        condition = finished_condition(job) or {}
        finished_at = (job.get("status") or {}).get("completionTime") or condition.get(
            "lastTransitionTime"
        )
        if not finished_at:
            return
        left = int(ttl) - (self.ctx.now() - parse_time(finished_at)).total_seconds()
        if left > 0:
            self.after(key, left)
            return
        self.ctx.delete("jobs", job, policy="Foreground")

    def _delete_pods(self, job: Obj, pods: list[Obj]) -> None:
        for pod in pods:
            if self.ctx.delete("pods", pod):
                self.ctx.recorder.event(
                    job,
                    "Normal",
                    "SuccessfulDelete",
                    f"Deleted pod: {pod['metadata']['name']}",
                    COMPONENT,
                )

    def _write_status(self, job: Obj) -> Obj:
        return deep_copy(self.ctx.update_status("jobs", job))


def remove_tracking_finalizer(controller: Controller, pod: Obj) -> None:
    latest: dict[str, Any] = deep_copy(pod)
    remaining = [f for f in latest["metadata"].get("finalizers") or () if f != TRACKING_FINALIZER]
    if remaining:
        latest["metadata"]["finalizers"] = remaining
    else:
        latest["metadata"].pop("finalizers", None)
    try:
        controller.ctx.update("pods", latest)
    except APIError as exc:
        if exc.code != 404:
            raise
