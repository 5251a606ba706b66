"""core/v1 Events as the control plane records them, so ``kubectl describe`` tells the story.

Two shapes exist on a real cluster: kube-controller-manager and the kubelet use the legacy
recorder (``source``, ``count``, ``firstTimestamp``/``lastTimestamp``, identical events folded
into one with a growing count), while the scheduler writes through ``events.k8s.io/v1``
(``eventTime``, ``action``, ``reportingInstance``, no count or timestamps in the core view).
Recording never fails a controller: an event that cannot be written is only logged.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from gitops_tui.cluster.embedded.api import WriteOptions
from gitops_tui.cluster.embedded.controllers.base import NODE_NAME, Clock, Obj, PacedAPI
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy, rfc3339

log = logging.getLogger(__name__)

#: The field manager of each reporting component's client.
_MANAGERS = {"kubelet": "kubelet", "default-scheduler": "kube-scheduler"}


def object_reference(obj: Obj, field_path: str = "") -> Obj:
    """``reference.GetReference``: what ``involvedObject`` says about the object."""
    meta = obj["metadata"]
    ref: dict[str, Any] = {"kind": obj.get("kind", ""), "namespace": meta.get("namespace", "")}
    if not ref["namespace"]:
        del ref["namespace"]
    ref.update(
        {
            "name": meta["name"],
            "uid": meta.get("uid", ""),
            "apiVersion": obj.get("apiVersion", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
        }
    )
    if field_path:
        ref["fieldPath"] = field_path
    return ref


class EventRecorder:
    """Writes Events through the API, folding repeats of the same event into its count."""

    def __init__(self, api: PacedAPI, clock: Clock) -> None:
        self._api = api
        self._clock = clock
        self._last_nanos = 0
        #: (component, involved uid, fieldPath, type, reason, message) -> (namespace, name)
        self._seen: dict[tuple[str, ...], tuple[str, str]] = {}

    def event(
        self,
        obj: Obj,
        kind: str,
        reason: str,
        message: str,
        component: str,
        host: str = "",
        field_path: str = "",
    ) -> None:
        """One legacy (``record.EventRecorder``) event about ``obj``."""
        ref = object_reference(obj, field_path)
        identity = (component, ref["uid"], field_path, kind, reason, message)
        now = rfc3339(self._clock())
        if identity in self._seen and self._bump(self._seen[identity], now, component):
            return
        source: dict[str, str] = {"component": component}
        if host:
            source["host"] = host
        body = {
            "metadata": {"name": self._name(ref["name"]), "namespace": self._namespace(ref)},
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": kind,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        created = self._create(body, component)
        if created is not None:
            self._seen[identity] = (created["metadata"]["namespace"], created["metadata"]["name"])

    def scheduler_event(self, pod: Obj, kind: str, reason: str, action: str, message: str) -> None:
        """An ``events.k8s.io/v1`` event of the scheduler, as read through core/v1."""
        ref = object_reference(pod)
        moment = self._clock()
        body = {
            "metadata": {"name": self._name(ref["name"]), "namespace": self._namespace(ref)},
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "source": {},
            "firstTimestamp": None,
            "lastTimestamp": None,
            "type": kind,
            "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "action": action,
            "reportingComponent": "default-scheduler",
            "reportingInstance": f"default-scheduler-{NODE_NAME}",
        }
        self._create(body, "default-scheduler")

    def _name(self, base: str) -> str:
        nanos = max(time.time_ns(), self._last_nanos + 1)
        self._last_nanos = nanos
        return f"{base}.{nanos:x}"

    @staticmethod
    def _namespace(ref: Obj) -> str:
        return str(ref.get("namespace") or "default")

    def _create(self, body: Obj, component: str) -> Obj | None:
        rt = self._api.registry.lookup("", "v1", "events")
        assert rt is not None
        manager = _MANAGERS.get(component, "kube-controller-manager")
        try:
            return self._api.create(
                rt, body["metadata"]["namespace"], body, WriteOptions(field_manager=manager)
            ).object
        except APIError as exc:
            log.debug("event %s not recorded: %s", body["reason"], exc.message)
            return None

    def _bump(self, where: tuple[str, str], now: str, component: str) -> bool:
        """Count a repeat on the existing event; False when that event is gone."""
        rt = self._api.registry.lookup("", "v1", "events")
        assert rt is not None
        existing = self._api.find(rt, *where)
        if existing is None:
            return False
        updated = deep_copy(existing)
        updated["count"] = int(updated.get("count") or 1) + 1
        updated["lastTimestamp"] = now
        manager = _MANAGERS.get(component, "kube-controller-manager")
        try:
            self._api.replace(rt, where[0], where[1], updated, WriteOptions(field_manager=manager))
        except APIError as exc:
            log.debug("event %s not updated: %s", where[1], exc.message)
            return False
        return True
