"""The agent's view of the cluster: every object of the kinds it manages, kept current by watches.

Like Argo CD's cluster cache and client-go's informers, each watched kind is listed once and
then followed with a watch, so a change made by anyone (``kubectl scale``, a controller, a
deletion) reaches the agent within milliseconds of the API server accepting it, with no
polling. A watch that ends is resumed from its last resourceVersion; when the server has no
history that far back, or the connection failed, the kind is listed again and the difference
with what was known is reported as changes. A kind is *synced* once its list has been read
since the last failure; until every kind is synced, the agent does not trust the view.

The same cache serves one-shot use (``status``, ``diff``) with :meth:`LiveCache.load`: a list,
no watch. Objects stored here are never mutated, so readers may share them without copying.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from gitops_tui.cluster.client import ClusterClient, ClusterError, ClusterUnreachable, UnknownKind
from gitops_tui.model import ResourceKey

Obj = dict[str, Any]
#: (group, kind): the API group and kind a watch follows.
GroupKind = tuple[str, str]

#: Seconds a watch request lasts before it is renewed from its last resourceVersion.
WATCH_SECONDS = 30
_RETRY_FIRST = 0.05
_RETRY_MAX = 2.0


def key_of(obj: Obj) -> ResourceKey:
    metadata = obj.get("metadata") or {}
    return ResourceKey.from_manifest(
        str(obj.get("apiVersion", "")),
        str(obj.get("kind", "")),
        metadata.get("namespace"),
        str(metadata.get("name", "")),
    )


def group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def _version(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _newer(candidate: Obj, current: Obj) -> bool:
    new, old = _version(candidate), _version(current)
    if new.isdigit() and old.isdigit():
        return int(new) > int(old)
    return new != old


class LiveCache:
    """Objects of the watched kinds by key, and the watch threads that keep them current.

    ``on_change(keys, at)`` and ``on_error(error)`` are called from watch threads.
    """

    def __init__(
        self,
        client: ClusterClient,
        on_change: Callable[[frozenset[ResourceKey], float], None],
        on_error: Callable[[ClusterError], None],
    ) -> None:
        self._client = client
        self._on_change = on_change
        self._on_error = on_error
        self._lock = threading.Condition()
        self._objects: dict[GroupKind, dict[ResourceKey, Obj]] = {}
        self._versions: dict[GroupKind, str] = {}
        self._synced: set[GroupKind] = set()
        self._threads: dict[GroupKind, threading.Thread] = {}
        self._stop = threading.Event()
        self._kick = threading.Event()

    # Reading

    def get(self, key: ResourceKey) -> Obj | None:
        with self._lock:
            return self._objects.get((key.group, key.kind), {}).get(key)

    def objects(self, group_kind: GroupKind) -> list[Obj]:
        with self._lock:
            return list(self._objects.get(group_kind, {}).values())

    def version_of(self, group_kind: GroupKind) -> str | None:
        """The apiVersion objects of this kind are held in (``None``: not watched)."""
        with self._lock:
            return self._versions.get(group_kind)

    def kinds(self) -> tuple[GroupKind, ...]:
        with self._lock:
            return tuple(self._versions)

    def synced(self) -> bool:
        with self._lock:
            return self._synced >= self._versions.keys()

    def wait_synced(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._synced >= self._versions.keys():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return False
                self._lock.wait(min(remaining, 0.1))
            return True

    # Writing

    def observe(self, obj: Obj) -> None:
        """Record an object the server just returned (an apply), unless a newer one is known."""
        key = key_of(obj)
        group_kind = (key.group, key.kind)
        with self._lock:
            kind_objects = self._objects.get(group_kind)
            if kind_objects is None or self._versions.get(group_kind) != obj.get("apiVersion"):
                return
            current = kind_objects.get(key)
            if current is None or _newer(obj, current):
                kind_objects[key] = obj

    def forget(self, key: ResourceKey) -> None:
        """Drop an object the agent just deleted (its watch will confirm)."""
        with self._lock:
            self._objects.get((key.group, key.kind), {}).pop(key, None)

    def load(self, api_version: str, kind: str) -> None:
        """List ``kind`` once into the cache, without watching (one-shot use)."""
        group_kind = (group_of(api_version), kind)
        with self._lock:
            self._versions.setdefault(group_kind, api_version)
        try:
            self._relist(group_kind, api_version)
        except UnknownKind:
            self._replace(group_kind, {})
            self._mark_synced(group_kind, True)

    def watch(self, api_version: str, kind: str) -> None:
        """Start following ``kind`` (in ``api_version``) unless it is followed already."""
        group_kind = (group_of(api_version), kind)
        with self._lock:
            if group_kind in self._threads or self._stop.is_set():
                return
            self._versions.setdefault(group_kind, api_version)
            thread = threading.Thread(
                target=self._follow,
                args=(group_kind, self._versions[group_kind]),
                name=f"agent-watch-{kind}",
                daemon=True,
            )
            self._threads[group_kind] = thread
        thread.start()

    def kick(self) -> None:
        """Make watches that are waiting to retry try again now (the cluster is back)."""
        self._kick.set()

    def stop(self, timeout: float = 0.5) -> None:
        """Stop every watch; waits up to ``timeout`` seconds for their threads to end.

        A watch blocked on a silent connection ends at its next event or bookmark; it reports
        nothing after this call.
        """
        self._stop.set()
        self._kick.set()
        with self._lock:
            threads = list(self._threads.values())
            self._lock.notify_all()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # Watch threads

    def _follow(self, group_kind: GroupKind, api_version: str) -> None:
        delay = _RETRY_FIRST
        while not self._stop.is_set():
            try:
                resource_version = self._relist(group_kind, api_version)
                delay = _RETRY_FIRST
                self._stream(group_kind, api_version, resource_version)
            except UnknownKind:
                # Not served (a CRD not yet established, or deleted): nothing to follow yet.
                self._replace(group_kind, {})
                self._mark_synced(group_kind, True)
                self._client.invalidate()
            except ClusterUnreachable as exc:
                self._mark_synced(group_kind, False)
                if self._stop.is_set():
                    return
                self._on_error(exc)
            except ClusterError as exc:
                # Refused (say, not allowed to list it): what is known of the kind stands.
                self._mark_synced(group_kind, True)
                if self._stop.is_set():
                    return
                self._on_error(exc)
            self._kick.wait(delay)
            self._kick.clear()
            delay = min(delay * 2, _RETRY_MAX)

    def _stream(self, group_kind: GroupKind, api_version: str, resource_version: str) -> None:
        """Follow changes until the server can no longer resume (then return to relist)."""
        kind = group_kind[1]
        while not self._stop.is_set():
            for event in self._client.watch(api_version, kind, resource_version, WATCH_SECONDS):
                if self._stop.is_set():
                    return
                if event.type == "RELIST":
                    return
                if event.resource_version:
                    resource_version = event.resource_version
                if event.type == "BOOKMARK":
                    continue
                obj = event.object
                if "kind" not in obj or "apiVersion" not in obj:
                    obj = {"apiVersion": api_version, "kind": kind, **obj}
                self._apply_event(group_kind, event.type, obj)

    def _apply_event(self, group_kind: GroupKind, event_type: str, obj: Obj) -> None:
        key = key_of(obj)
        now = time.time()
        with self._lock:
            kind_objects = self._objects.setdefault(group_kind, {})
            current = kind_objects.get(key)
            if event_type == "DELETED":
                if kind_objects.pop(key, None) is None:
                    return
            elif current is not None and not _newer(obj, current):
                return
            else:
                kind_objects[key] = obj
        self._on_change(frozenset({key}), now)

    def _relist(self, group_kind: GroupKind, api_version: str) -> str:
        listed = self._client.list(api_version, group_kind[1])
        fresh = {key_of(obj): obj for obj in listed.items}
        changed = self._replace(group_kind, fresh)
        self._mark_synced(group_kind, True)
        if changed:
            self._on_change(changed, time.time())
        return listed.resource_version

    def _replace(
        self, group_kind: GroupKind, fresh: dict[ResourceKey, Obj]
    ) -> frozenset[ResourceKey]:
        with self._lock:
            old = self._objects.get(group_kind, {})
            changed = set(old.keys() - fresh.keys())
            merged: dict[ResourceKey, Obj] = {}
            for key, obj in fresh.items():
                current = old.get(key)
                if current is not None and _version(current) == _version(obj):
                    merged[key] = current
                else:
                    merged[key] = obj
                    changed.add(key)
            self._objects[group_kind] = merged
        return frozenset(changed)

    def _mark_synced(self, group_kind: GroupKind, synced: bool) -> None:
        with self._lock:
            if synced:
                self._synced.add(group_kind)
            else:
                self._synced.discard(group_kind)
            self._lock.notify_all()
