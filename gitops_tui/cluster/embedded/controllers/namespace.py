"""Namespace lifecycle: the ``default`` ServiceAccount, and emptying a namespace being deleted.

Two kube-controller-manager loops meet here. The serviceaccounts controller makes sure every
active namespace has a ``default`` ServiceAccount (Pods are admitted with it). The namespace
controller, once a namespace has a deletionTimestamp, deletes everything in it (each object as
an ordinary background delete, so finalizers and Pod termination run their course) and, when
nothing is left, removes ``kubernetes`` from ``spec.finalizers``, which lets the namespace go.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_tui.cluster.embedded.api import DeleteOptions, WriteOptions
from gitops_tui.cluster.embedded.controllers.base import (
    CONTROLLER_MANAGER,
    Controller,
    Obj,
    is_kind,
)
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy
from gitops_tui.cluster.embedded.registry import ResourceType
from gitops_tui.cluster.embedded.store import DELETED, Key, WatchEvent

NAMESPACE_FINALIZER = "kubernetes"
DEFAULT_ACCOUNT = "default"


class NamespaceController(Controller):
    name = "namespace"

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if is_kind(event, "", "namespaces"):
            return [event.key]
        namespace = event.key[2]
        if not namespace:
            return []
        key = self.ctx.key("namespaces", "", namespace)
        if is_kind(event, "", "serviceaccounts") and event.type == DELETED:
            return [key]
        owner = self.ctx.find("namespaces", "", namespace)
        if owner is not None and owner["metadata"].get("deletionTimestamp"):
            return [key]
        return []

    def sync(self, key: Key) -> None:
        namespace = self.ctx.find("namespaces", "", key[3])
        if namespace is None:
            return
        if not namespace["metadata"].get("deletionTimestamp"):
            self._ensure_default_account(key[3])
            return
        if NAMESPACE_FINALIZER not in ((namespace.get("spec") or {}).get("finalizers") or ()):
            return
        if self._delete_content(key[3]) == 0:
            self._finalize(namespace)

    def _ensure_default_account(self, namespace: str) -> None:
        if self.ctx.find("serviceaccounts", namespace, DEFAULT_ACCOUNT) is not None:
            return
        try:
            self.ctx.create("serviceaccounts", namespace, {"metadata": {"name": DEFAULT_ACCOUNT}})
        except APIError as exc:
            if exc.reason != "AlreadyExists":
                raise

    def _namespaced_types(self) -> list[ResourceType]:
        chosen: dict[tuple[str, str], ResourceType] = {}
        for rt in self.ctx.api.registry.all():
            if rt.namespaced and "delete" in rt.verbs:
                chosen.setdefault((rt.group, rt.plural), rt)
        return list(chosen.values())

    def _delete_content(self, namespace: str) -> int:
        """Delete what the namespace holds; how many objects are still there."""
        remaining = 0
        for rt in self._namespaced_types():
            for obj in self.ctx.api.list(rt, namespace)["items"]:
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    self._delete(rt, namespace, obj)
        return remaining

    def _delete(self, rt: ResourceType, namespace: str, obj: Obj) -> None:
        options = DeleteOptions(
            propagation_policy="Background", preconditions_uid=obj["metadata"]["uid"]
        )
        try:
            self.ctx.api.delete(rt, namespace, obj["metadata"]["name"], options)
        except APIError as exc:
            if exc.code not in (404, 409):
                raise

    def _finalize(self, namespace: Obj) -> None:
        """What ``PUT .../namespaces/<name>/finalize`` does: drop our spec finalizer."""
        updated = deep_copy(namespace)
        spec = updated.setdefault("spec", {})
        spec["finalizers"] = [f for f in spec.get("finalizers") or () if f != NAMESPACE_FINALIZER]
        self.ctx.api.replace(
            self.ctx.rt("namespaces"),
            None,
            updated["metadata"]["name"],
            updated,
            WriteOptions(field_manager=CONTROLLER_MANAGER),
        )
