"""The scheduler and the kubelet of the one simulated node, ``gitops-tui-control-plane``.

Nothing runs: containers are imagined, but every step a workshop watches is written the way
the real components write it. The scheduler binds new Pods (or reports them Unschedulable when
their nodeSelector does not fit the node). The kubelet reports ContainerCreating, then after
``pod_ready_seconds`` a Running, Ready Pod with an IP, container IDs and image digests; images
matching ``unpullable_image`` cycle through ErrImagePull and ImagePullBackOff with the kubelet's
messages and back-off; Pods that run to completion (restartPolicy Never/OnFailure) Succeed
after ``job_run_seconds``; and a deleted Pod is stopped and removed at once.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Iterable
from typing import Any

from gitops_tui.cluster.embedded import errors
from gitops_tui.cluster.embedded.controllers import pods as podutil
from gitops_tui.cluster.embedded.controllers.base import (
    NODE_IP,
    NODE_NAME,
    Context,
    Controller,
    Obj,
    digest_of,
    is_kind,
)
from gitops_tui.cluster.embedded.meta import deep_copy
from gitops_tui.cluster.embedded.store import Key, WatchEvent

KUBELET = "kubelet"
SCHEDULER = "kube-scheduler"
NODE_LABELS = {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": NODE_NAME,
    "kubernetes.io/os": "linux",
    "node-role.kubernetes.io/control-plane": "",
}
POD_NETWORK = ipaddress.ip_network("10.244.0.0/16")
#: How long a deleted Pod lingers while its (imaginary) containers stop.
TERMINATION_SECONDS = 0.1
#: The kubelet's image pull back-off: 10 s doubling to 5 minutes.
PULL_BACKOFF_FIRST = 10.0
PULL_BACKOFF_MAX = 300.0
UNSCHEDULABLE = (
    "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
    "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
)


def normalized_image(image: str) -> str:
    """The reference containerd reports: ``nginx`` -> ``docker.io/library/nginx:latest``."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and not digest:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    return f"{name}@{digest}" if digest else name


def image_id(image: str) -> str:
    full = normalized_image(image)
    if "@" in full:
        return full
    repository = full.rsplit(":", 1)[0] if ":" in full.rsplit("/", 1)[-1] else full
    return f"{repository}@sha256:{digest_of(full)}"


def go_duration(seconds: float) -> str:
    """A ``time.Duration`` as Go prints it (``50ms``, ``1.5s``)."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


def pull_error(image: str) -> str:
    full = normalized_image(image)
    return (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{full}": failed to '
        f'resolve reference "{full}": {full}: not found'
    )


def runs_to_completion(pod: Obj) -> bool:
    return bool((pod.get("spec") or {}).get("restartPolicy", "Always") != "Always")


class Kubelet(Controller):
    name = "kubelet"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._unpullable = re.compile(ctx.options.unpullable_image)
        #: pod key -> (uid, monotonic time of the phase being waited on)
        self._since: dict[Key, tuple[str, float]] = {}
        #: pod key -> (uid, failed pull attempts) for Pods cycling through image pull errors
        self._pulls: dict[Key, tuple[str, int]] = {}
        self._pulled_images: set[str] = set()
        self._last_ip = 1

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        return [event.key] if is_kind(event, "", "pods") else []

    def sync(self, key: Key) -> None:
        pod = self.ctx.find("pods", key[2], key[3])
        if pod is None:
            self._since.pop(key, None)
            self._pulls.pop(key, None)
            return
        node = (pod.get("spec") or {}).get("nodeName")
        if podutil.is_terminating(pod):
            self._terminate(key, pod)
            return
        if not node:
            self._schedule(pod)
        elif node == NODE_NAME and not podutil.is_terminal(pod):
            self._run(key, pod)

    def _elapsed(self, key: Key, pod: Obj, step: str) -> float:
        """Seconds since this Pod was first seen in ``step`` (a waiting reason, Running...)."""
        marker = f"{pod['metadata']['uid']}/{step}"
        uid_phase, since = self._since.get(key, ("", 0.0))
        if uid_phase != marker:
            since = time.monotonic()
            self._since[key] = (marker, since)
        return time.monotonic() - since

    def _schedule(self, pod: Obj) -> None:
        selector = (pod.get("spec") or {}).get("nodeSelector") or {}
        if any(NODE_LABELS.get(k) != v for k, v in selector.items()):
            self._unschedulable(pod)
            return
        bound = bind(self.ctx, pod, NODE_NAME)
        meta = bound["metadata"]
        self.ctx.recorder.scheduler_event(
            bound,
            "Normal",
            "Scheduled",
            "Binding",
            f"Successfully assigned {meta['namespace']}/{meta['name']} to {NODE_NAME}",
        )

    def _unschedulable(self, pod: Obj) -> None:
        current = podutil.condition_of(pod, "PodScheduled")
        if current is not None and current.get("reason") == "Unschedulable":
            return
        updated = deep_copy(pod)
        set_pod_condition(
            updated, "PodScheduled", "False", self.ctx.stamp(), "Unschedulable", UNSCHEDULABLE
        )
        updated = self.ctx.update_status("pods", updated, manager=SCHEDULER)
        self.ctx.recorder.scheduler_event(
            updated, "Warning", "FailedScheduling", "Scheduling", UNSCHEDULABLE
        )

    def _run(self, key: Key, pod: Obj) -> None:
        """Advance a bound Pod one step once it has spent long enough in its current one."""
        status = pod.get("status") or {}
        if status.get("phase") == "Running":
            self._run_to_completion(key, pod)
            return
        if not status.get("containerStatuses"):
            self._write(pod, self._creating_status(pod))
            return
        failing = {c["name"] for c in self._failing_containers(pod)}
        step = current_waiting_reason(pod, failing) if failing else "ContainerCreating"
        left = self._step_seconds(key, pod, step) - self._elapsed(key, pod, step)
        if left > 0:
            self.after(key, left)
        elif not failing:
            self._start(key, pod)
        elif step == "ErrImagePull":
            self._back_off(pod, failing)
        else:
            self._pull_failed(key, pod, failing)

    def _step_seconds(self, key: Key, pod: Obj, step: str) -> float:
        if step != "ImagePullBackOff":
            return self.ctx.options.pod_ready_seconds
        uid, attempts = self._pulls.get(key, ("", 1))
        attempts = attempts if uid == pod["metadata"]["uid"] else 1
        return float(min(PULL_BACKOFF_FIRST * 2.0 ** (attempts - 1), PULL_BACKOFF_MAX))

    def _failing_containers(self, pod: Obj) -> list[Obj]:
        containers = (pod.get("spec") or {}).get("containers") or ()
        return [c for c in containers if self._unpullable.search(c.get("image", ""))]

    def _start(self, key: Key, pod: Obj) -> None:
        """Pull, create and start every container: the Pod is Running and Ready."""
        for container, path in containers_with_paths(pod):
            self._pull_events(pod, container, path)
            self._event(pod, "Normal", "Created", f"Created container: {container['name']}", path)
            self._event(pod, "Normal", "Started", f"Started container {container['name']}", path)
        self._write(pod, self._running_status(pod))

    def _pull_events(self, pod: Obj, container: Obj, path: str) -> None:
        image = container.get("image", "")
        if container.get("imagePullPolicy") != "Always" and image in self._pulled_images:
            message = f'Container image "{image}" already present on machine'
            self._event(pod, "Normal", "Pulled", message, path)
            return
        self._event(pod, "Normal", "Pulling", f'Pulling image "{image}"', path)
        took = go_duration(self.ctx.options.pod_ready_seconds)
        size = 20_000_000 + int(digest_of(image)[:8], 16) % 180_000_000
        message = (
            f'Successfully pulled image "{image}" in {took} ({took} including waiting). '
            f"Image size: {size} bytes."
        )
        self._event(pod, "Normal", "Pulled", message, path)
        self._pulled_images.add(image)

    def _pull_failed(self, key: Key, pod: Obj, failing: set[str]) -> None:
        """A pull attempt fails: ErrImagePull, with the kubelet's events."""
        uid = pod["metadata"]["uid"]
        stored_uid, attempts = self._pulls.get(key, ("", 0))
        self._pulls[key] = (uid, (attempts if stored_uid == uid else 0) + 1)
        for container, path in containers_with_paths(pod):
            if container["name"] in failing:
                image = container.get("image", "")
                self._event(pod, "Normal", "Pulling", f'Pulling image "{image}"', path)
                message = f'Failed to pull image "{image}": {pull_error(image)}'
                self._event(pod, "Warning", "Failed", message, path)
                self._event(pod, "Warning", "Failed", "Error: ErrImagePull", path)
        self._write(pod, self._pull_failed_status(pod, failing, back_off=False))

    def _back_off(self, pod: Obj, failing: set[str]) -> None:
        """After a failed pull the kubelet waits: ImagePullBackOff."""
        for container, path in containers_with_paths(pod):
            if container["name"] in failing:
                image = container.get("image", "")
                self._event(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"', path)
                self._event(pod, "Warning", "Failed", "Error: ImagePullBackOff", path)
        self._write(pod, self._pull_failed_status(pod, failing, back_off=True))

    def _run_to_completion(self, key: Key, pod: Obj) -> None:
        if not runs_to_completion(pod):
            return
        left = self.ctx.options.job_run_seconds - self._elapsed(key, pod, "Running")
        if left > 0:
            self.after(key, left)
            return
        self._write(pod, self._terminated_status(pod, succeeded=True))

    def _terminate(self, key: Key, pod: Obj) -> None:
        """Stop the containers of a deleted Pod, report its final phase, and remove it."""
        grace = float(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
        left = min(grace, TERMINATION_SECONDS) - self._elapsed(key, pod, "Terminating")
        if left > 0:
            self.after(key, left)
            return
        if not podutil.is_terminal(pod) and (pod.get("status") or {}).get("containerStatuses"):
            succeeded = not runs_to_completion(pod)
            self._write(pod, self._terminated_status(pod, succeeded=succeeded))
            pod = self.ctx.find("pods", key[2], key[3]) or pod
        if self.ctx.find("pods", key[2], key[3]) is not None:
            self.ctx.delete("pods", pod, grace=0)

    def _write(self, pod: Obj, status: Obj) -> None:
        updated = deep_copy(pod)
        updated["status"] = status
        self.ctx.update_status("pods", updated, manager=KUBELET)

    def _event(self, pod: Obj, kind: str, reason: str, message: str, path: str) -> None:
        self.ctx.recorder.event(
            pod, kind, reason, message, "kubelet", host=NODE_NAME, field_path=path
        )

    def _base_status(self, pod: Obj) -> Obj:
        status = deep_copy(pod.get("status") or {})
        status.setdefault("hostIP", NODE_IP)
        status.setdefault("hostIPs", [{"ip": NODE_IP}])
        status.setdefault("startTime", self.ctx.stamp())
        status["observedGeneration"] = pod["metadata"].get("generation", 1)
        return status

    def _with_ip(self, pod: Obj, status: Obj) -> None:
        if status.get("podIP"):
            return
        ip = NODE_IP if (pod.get("spec") or {}).get("hostNetwork") else self._allocate_ip()
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]

    def _allocate_ip(self) -> str:
        used = {(p.get("status") or {}).get("podIP") for p in self.ctx.list("pods", None)}
        size = POD_NETWORK.num_addresses
        for step in range(1, size):
            index = (self._last_ip + step) % size
            if index < 2 or index == size - 1:
                continue
            candidate = str(POD_NETWORK[index])
            if candidate not in used:
                self._last_ip = index
                return candidate
        raise RuntimeError("the simulated pod network is full")

    def _creating_status(self, pod: Obj) -> Obj:
        status = self._base_status(pod)
        status["phase"] = "Pending"
        names = [c["name"] for c in (pod.get("spec") or {}).get("containers") or ()]
        self._set_conditions(
            pod, status, sandbox=False, initialized=False, ready=False, names=names
        )
        if (pod.get("spec") or {}).get("initContainers"):
            status["initContainerStatuses"] = [
                waiting_status(c, "PodInitializing") for c in pod["spec"]["initContainers"]
            ]
            status["containerStatuses"] = [
                waiting_status(c, "PodInitializing") for c in pod["spec"].get("containers", ())
            ]
        else:
            status["containerStatuses"] = [
                waiting_status(c, "ContainerCreating") for c in pod["spec"].get("containers", ())
            ]
        return status

    def _running_status(self, pod: Obj) -> Obj:
        status = self._base_status(pod)
        self._with_ip(pod, status)
        status["phase"] = "Running"
        stamp = self.ctx.stamp()
        spec = pod.get("spec") or {}
        if spec.get("initContainers"):
            status["initContainerStatuses"] = [
                terminated_status(c, stamp, 0, "Completed", init=True)
                for c in spec["initContainers"]
            ]
        status["containerStatuses"] = [running_status(c, stamp) for c in spec.get("containers", ())]
        self._set_conditions(pod, status, sandbox=True, initialized=True, ready=True, names=[])
        return status

    def _pull_failed_status(self, pod: Obj, failing: set[str], back_off: bool) -> Obj:
        status = self._base_status(pod)
        self._with_ip(pod, status)
        status["phase"] = "Pending"
        stamp = self.ctx.stamp()
        statuses = []
        for container in (pod.get("spec") or {}).get("containers", ()):
            if container["name"] not in failing:
                statuses.append(running_status(container, stamp))
                continue
            error = pull_error(container.get("image", ""))
            if back_off:
                reason = "ImagePullBackOff"
                message = (
                    f'Back-off pulling image "{container.get("image", "")}": ErrImagePull: {error}'
                )
            else:
                reason, message = "ErrImagePull", error
            statuses.append(waiting_status(container, reason, message))
        status["containerStatuses"] = statuses
        self._set_conditions(
            pod, status, sandbox=True, initialized=True, ready=False, names=sorted(failing)
        )
        return status

    def _terminated_status(self, pod: Obj, succeeded: bool) -> Obj:
        status = self._base_status(pod)
        stamp = self.ctx.stamp()
        exit_code, reason = (0, "Completed") if succeeded else (137, "Error")
        status["phase"] = "Succeeded" if succeeded else "Failed"
        status["containerStatuses"] = [
            terminated_status(c, stamp, exit_code, reason, previous=_previous(status, c["name"]))
            for c in (pod.get("spec") or {}).get("containers", ())
        ]
        self._set_conditions(
            pod, status, sandbox=False, initialized=True, ready=False, names=[], completed=True
        )
        return status

    def _set_conditions(
        self,
        pod: Obj,
        status: Obj,
        *,
        sandbox: bool,
        initialized: bool,
        ready: bool,
        names: list[str],
        completed: bool = False,
    ) -> None:
        """The kubelet's five conditions, in its order, keeping unchanged transition times."""
        old = {c.get("type"): c for c in status.get("conditions") or ()}
        stamp = self.ctx.stamp()
        generation = pod["metadata"].get("generation", 1)
        not_ready: dict[str, str] = {}
        if completed:
            not_ready = {"reason": "PodCompleted"}
        elif names:
            not_ready = {
                "reason": "ContainersNotReady",
                "message": f"containers with unready status: [{' '.join(names)}]",
            }
        init_extra = {"reason": "PodCompleted"} if completed else {}
        if not initialized and not completed and (pod.get("spec") or {}).get("initContainers"):
            pending = " ".join(c["name"] for c in pod["spec"]["initContainers"])
            init_extra = {
                "reason": "ContainersNotInitialized",
                "message": f"containers with incomplete status: [{pending}]",
            }
        wanted: list[tuple[str, bool, dict[str, str]]] = [
            ("PodReadyToStartContainers", sandbox, {}),
            (
                "Initialized",
                initialized or not (pod.get("spec") or {}).get("initContainers"),
                init_extra,
            ),
            ("Ready", ready, {} if ready else not_ready),
            ("ContainersReady", ready, {} if ready else not_ready),
        ]
        conditions = []
        for kind, value, extra in wanted:
            text = "True" if value else "False"
            previous = old.get(kind) or {}
            since = previous.get("lastTransitionTime") if previous.get("status") == text else stamp
            condition: dict[str, Any] = {
                "observedGeneration": generation,
                "type": kind,
                "status": text,
                "lastProbeTime": None,
                "lastTransitionTime": since,
            }
            condition.update(extra)
            conditions.append(condition)
        conditions.extend(c for t, c in old.items() if t not in {w[0] for w in wanted})
        status["conditions"] = conditions


def bind(ctx: Context, pod: Obj, node: str) -> Obj:
    """What ``POST pods/<name>/binding`` does (BindingREST).

    The binding is a guaranteed update straight on storage: it sets ``spec.nodeName`` (which no
    Pod update may change) and the PodScheduled condition, without validation, managedFields
    or a generation bump; a Pod already bound, or replaced meanwhile, is a 409.
    """
    rt = ctx.rt("pods")
    meta = pod["metadata"]
    key = ctx.key("pods", meta["namespace"], meta["name"])
    store = ctx.api.store
    with store.lock:
        live = store.get(key)
        if live is None:
            raise errors.not_found(rt, meta["name"])
        if live["metadata"]["uid"] != meta["uid"] or (live.get("spec") or {}).get("nodeName"):
            raise errors.conflict_with(
                rt,
                meta["name"],
                f'pod {meta["name"]} is already assigned to node "{live["spec"].get("nodeName")}"',
            )
        bound = deep_copy(live)
        bound["spec"]["nodeName"] = node
        set_pod_condition(bound, "PodScheduled", "True", ctx.stamp())
        bound["metadata"]["resourceVersion"] = str(store.next_resource_version())
        store.put(key, bound)
    return bound


def set_pod_condition(
    pod: Obj, kind: str, value: str, stamp: str, reason: str = "", message: str = ""
) -> None:
    status = pod.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or () if c.get("type") != kind]
    condition: dict[str, Any] = {
        "observedGeneration": pod["metadata"].get("generation", 1),
        "type": kind,
        "status": value,
        "lastProbeTime": None,
        "lastTransitionTime": stamp,
    }
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    conditions.append(condition)
    status["conditions"] = conditions


def containers_with_paths(pod: Obj) -> list[tuple[Obj, str]]:
    spec = pod.get("spec") or {}
    found = [(c, f"spec.initContainers{{{c['name']}}}") for c in spec.get("initContainers", ())]
    found += [(c, f"spec.containers{{{c['name']}}}") for c in spec.get("containers", ())]
    return found


def current_waiting_reason(pod: Obj, names: set[str]) -> str:
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        if status.get("name") in names:
            return str(((status.get("state") or {}).get("waiting") or {}).get("reason") or "")
    return ""


def _mounts(container: Obj) -> list[Obj]:
    mounts = []
    for mount in container.get("volumeMounts") or ():
        entry = {"name": mount["name"], "mountPath": mount["mountPath"]}
        if mount.get("readOnly"):
            entry.update({"readOnly": True, "recursiveReadOnly": "Disabled"})
        mounts.append(entry)
    return mounts


def _common(container: Obj) -> Obj:
    status: dict[str, Any] = {"name": container["name"]}
    if container.get("volumeMounts"):
        status["volumeMounts"] = _mounts(container)
    return status


def waiting_status(container: Obj, reason: str, message: str = "") -> Obj:
    waiting = {"reason": reason}
    if message:
        waiting["message"] = message
    status = _common(container)
    status.update(
        {
            "image": container.get("image", ""),
            "imageID": "",
            "lastState": {},
            "ready": False,
            "restartCount": 0,
            "started": False,
            "state": {"waiting": waiting},
        }
    )
    return status


def _container_id(container: Obj, stamp: str) -> str:
    return "containerd://" + digest_of(
        f"{container['name']}/{container.get('image')}/{stamp}/{time.monotonic_ns()}"
    )


def running_status(container: Obj, stamp: str) -> Obj:
    image = container.get("image", "")
    status = _common(container)
    status.update(
        {
            "containerID": _container_id(container, stamp),
            "image": normalized_image(image),
            "imageID": image_id(image),
            "lastState": {},
            "ready": True,
            "restartCount": 0,
            "started": True,
            "state": {"running": {"startedAt": stamp}},
            "user": {"linux": {"gid": 0, "supplementalGroups": [0], "uid": 0}},
        }
    )
    resources = {
        k: v for k, v in (container.get("resources") or {}).items() if k in ("limits", "requests")
    }
    if resources:
        status["resources"] = resources
        if resources.get("requests"):
            status["allocatedResources"] = resources["requests"]
    return status


def terminated_status(
    container: Obj,
    stamp: str,
    exit_code: int,
    reason: str,
    init: bool = False,
    previous: Obj | None = None,
) -> Obj:
    image = container.get("image", "")
    started = ((previous or {}).get("state") or {}).get("running", {}).get("startedAt", stamp)
    container_id = (previous or {}).get("containerID") or _container_id(container, stamp)
    status = _common(container)
    status.update(
        {
            "containerID": container_id,
            "image": normalized_image(image),
            "imageID": image_id(image),
            "lastState": {},
            "ready": init,
            "restartCount": 0,
            "started": False,
            "state": {
                "terminated": {
                    "containerID": container_id,
                    "exitCode": exit_code,
                    "finishedAt": stamp,
                    "reason": reason,
                    "startedAt": started,
                }
            },
        }
    )
    return status


def _previous(status: Obj, name: str) -> Obj | None:
    for entry in status.get("containerStatuses") or ():
        if entry.get("name") == name:
            return dict(entry)
    return None
