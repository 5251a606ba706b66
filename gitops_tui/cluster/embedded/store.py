"""Object storage with a cluster-wide resourceVersion, a watch history, and crash-safe persistence.

This plays etcd's part: every write gets the next resourceVersion (one counter for the whole
cluster, as kube-apiserver's etcd revision), writes are announced to watchers in order, and
recent events are kept so a watch can resume from a resourceVersion, or be told ``410 Expired``
when it is older than the history.

With a state directory the objects live in SQLite (stdlib, WAL journal): each write is one
transaction, so a ``kill -9`` at any moment leaves either the old or the new object, never a
torn file. ``synchronous=NORMAL`` keeps writes fast; it only risks the last writes on power loss,
which a sandbox cluster can afford. The WAL is checkpointed on a thread of its own, so no write
waits for pages to be copied and synced.

Stored objects are never mutated: readers get the stored dict and must copy before changing it.

Objects are indexed the ways the API and the controllers read them, as kube-apiserver's watch
cache and the controllers' informer indexers do: by resource and namespace (so a list never
scans other kinds), and by controller owner uid (so a controller finds what it owns, and the
orphans it may adopt, without scanning its namespace).
"""

from __future__ import annotations

import collections
import json
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Key = tuple[str, str, str, str]  # (group, plural, namespace, name)
ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
#: (group, plural, namespace, controller uid or "" for none) -> {name: object}
_ControllerIndexKey = tuple[str, str, str, str]


def controller_uid(obj: dict[str, Any]) -> str:
    """The uid of the object's controller (its ownerReference with ``controller: true``)."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return str(ref.get("uid") or "")
    return ""


@dataclass(frozen=True)
class WatchEvent:
    type: str
    key: Key
    object: dict[str, Any]
    previous: dict[str, Any] | None
    resource_version: int


class Subscription:
    """A queue of events for one watcher; ``close`` detaches it from the store."""

    def __init__(self, store: Store, predicate: Callable[[WatchEvent], bool]) -> None:
        self._store = store
        self.predicate = predicate
        self.events: queue.Queue[WatchEvent | None] = queue.Queue()

    def close(self) -> None:
        self._store._unsubscribe(self)
        self.events.put(None)


class TooOldResourceVersion(Exception):
    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


class _Checkpointer:
    """Moves the WAL's pages into the database file from a second connection.

    SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so every
    few hundred writes one request would stall for tens of milliseconds copying pages and
    syncing. A PASSIVE checkpoint from another thread never blocks the writer, and the WAL
    keeps every commit until it is copied, so crash safety is unchanged.
    """

    INTERVAL = 0.5

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="embedded-store-checkpoint", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None)
        try:
            while not self._stopping.wait(self.INTERVAL):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as exc:
                    log.debug("checkpoint of %s deferred: %s", self._path, exc)
        finally:
            db.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)


class Store:
    """All objects of the cluster, keyed by (group, plural, namespace, name)."""

    def __init__(self, state_dir: Path | None = None, history: int = 20000) -> None:
        self.lock = threading.RLock()
        self._objects: dict[Key, dict[str, Any]] = {}
        # (group, plural) -> namespace -> name -> object
        self._by_resource: dict[tuple[str, str], dict[str, dict[str, dict[str, Any]]]] = {}
        self._by_namespace: dict[str, set[Key]] = {}
        self._by_controller: dict[_ControllerIndexKey, dict[str, dict[str, Any]]] = {}
        self._rv = 0
        self._history: collections.deque[WatchEvent] = collections.deque(maxlen=history)
        self._subscribers: list[Subscription] = []
        self._db: sqlite3.Connection | None = None
        self._checkpointer: _Checkpointer | None = None
        if state_dir is not None:
            self._open(state_dir)
        # The oldest resourceVersion a watch may resume from.
        self._compacted_rv = self._rv

    def _open(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / "cluster.sqlite3"
        # Secrets live in this file: owner-only from the first byte (SQLite gives its -wal and
        # -shm files the database file's permissions).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        path.chmod(0o600)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA wal_autocheckpoint=0")  # see _Checkpointer
        db.execute(
            "CREATE TABLE IF NOT EXISTS objects (grp TEXT, plural TEXT, namespace TEXT, name TEXT,"
            " body TEXT NOT NULL, PRIMARY KEY (grp, plural, namespace, name))"
        )
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER)")
        newest = 0
        for grp, plural, namespace, name, body in db.execute("SELECT * FROM objects"):
            obj = json.loads(body)
            newest = max(newest, int(obj["metadata"].get("resourceVersion") or 0))
            self._index((grp, plural, namespace, name), obj, None)
        row = db.execute("SELECT value FROM meta WHERE key='rv'").fetchone()
        self._rv = max(int(row[0]) if row else 0, newest)
        self._db = db
        self._checkpointer = _Checkpointer(path)

    def close(self) -> None:
        with self.lock:
            for sub in list(self._subscribers):
                sub.close()
            if self._checkpointer is not None:
                self._checkpointer.stop()
                self._checkpointer = None
            if self._db is not None:
                self._db.close()
                self._db = None

    @property
    def resource_version(self) -> int:
        return self._rv

    @property
    def oldest_resource_version(self) -> int:
        with self.lock:
            if self._history and len(self._history) == self._history.maxlen:
                return self._history[0].resource_version
            return self._compacted_rv

    def next_resource_version(self) -> int:
        """Reserve the resourceVersion of the next write (call under ``lock``)."""
        return self._rv + 1

    def get(self, key: Key) -> dict[str, Any] | None:
        return self._objects.get(key)

    def items(self, group: str, plural: str, namespace: str | None = None) -> list[dict[str, Any]]:
        """Objects of one resource (optionally one namespace), sorted by namespace and name."""
        with self.lock:
            namespaces = self._by_resource.get((group, plural))
            if not namespaces:
                return []
            if namespace is not None:
                named = namespaces.get(namespace)
                return [named[n] for n in sorted(named)] if named else []
            return [namespaces[ns][n] for ns in sorted(namespaces) for n in sorted(namespaces[ns])]

    def controlled_by(
        self, group: str, plural: str, namespace: str, uid: str
    ) -> list[dict[str, Any]]:
        """Objects of one resource in ``namespace`` whose controller has ``uid``, by name.

        ``uid=""`` gives the orphans: objects without a controller reference.
        """
        with self.lock:
            named = self._by_controller.get((group, plural, namespace, uid))
            return [named[n] for n in sorted(named)] if named else []

    def namespaced_keys(self, namespace: str) -> list[Key]:
        with self.lock:
            return list(self._by_namespace.get(namespace, ()))

    def _index(self, key: Key, obj: dict[str, Any] | None, previous: dict[str, Any] | None) -> None:
        """Record ``obj`` (None: removal) at ``key`` in the map and every index."""
        group, plural, namespace, name = key
        if previous is not None:
            owner_key = (group, plural, namespace, controller_uid(previous))
            owned = self._by_controller.get(owner_key)
            if owned is not None:
                owned.pop(name, None)
                if not owned:
                    del self._by_controller[owner_key]
        if obj is None:
            self._objects.pop(key, None)
            namespaces = self._by_resource.get((group, plural), {})
            named = namespaces.get(namespace)
            if named is not None:
                named.pop(name, None)
                if not named:
                    del namespaces[namespace]
            keys = self._by_namespace.get(namespace)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_namespace[namespace]
            return
        self._objects[key] = obj
        self._by_resource.setdefault((group, plural), {}).setdefault(namespace, {})[name] = obj
        self._by_namespace.setdefault(namespace, set()).add(key)
        owner_key = (group, plural, namespace, controller_uid(obj))
        self._by_controller.setdefault(owner_key, {})[name] = obj

    def put(self, key: Key, obj: dict[str, Any]) -> WatchEvent:
        """Create or replace an object whose metadata.resourceVersion is already set."""
        with self.lock:
            previous = self._objects.get(key)
            rv = int(obj["metadata"]["resourceVersion"])
            self._rv = rv
            self._index(key, obj, previous)
            self._persist(key, obj, rv)
            event = WatchEvent(ADDED if previous is None else MODIFIED, key, obj, previous, rv)
            self._publish(event)
            return event

    def remove(self, key: Key, final: dict[str, Any]) -> WatchEvent:
        """Delete an object; ``final`` is its last state carrying the deletion's resourceVersion."""
        with self.lock:
            previous = self._objects[key]
            rv = int(final["metadata"]["resourceVersion"])
            self._rv = rv
            self._index(key, None, previous)
            self._persist(key, None, rv)
            event = WatchEvent(DELETED, key, final, previous, rv)
            self._publish(event)
            return event

    def _persist(self, key: Key, obj: dict[str, Any] | None, rv: int) -> None:
        """Write one change durably and atomically.

        A stored object carries its own resourceVersion, so a put is one statement (its own
        transaction); only a delete, which leaves no object behind, records the counter in
        ``meta``. On load the counter is the highest of the two (see :meth:`_open`).
        """
        if self._db is None:
            return
        db = self._db
        if obj is not None:
            db.execute(
                "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)",
                (*key, json.dumps(obj, separators=(",", ":"))),
            )
            return
        db.execute("BEGIN")
        try:
            db.execute(
                "DELETE FROM objects WHERE grp=? AND plural=? AND namespace=? AND name=?", key
            )
            db.execute("INSERT OR REPLACE INTO meta VALUES ('rv', ?)", (rv,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _publish(self, event: WatchEvent) -> None:
        self._history.append(event)
        for sub in self._subscribers:
            if sub.predicate(event):
                sub.events.put(event)

    def subscribe(
        self, predicate: Callable[[WatchEvent], bool], since: int | None = None
    ) -> tuple[Subscription, list[WatchEvent]]:
        """Start receiving events; with ``since``, also return the retained events after it.

        Raises :class:`TooOldResourceVersion` when ``since`` predates the retained history.
        """
        with self.lock:
            backlog: list[WatchEvent] = []
            if since is not None and since < self._rv:
                oldest = self.oldest_resource_version
                if since < oldest:
                    raise TooOldResourceVersion(since, oldest)
                backlog = [e for e in self._history if e.resource_version > since and predicate(e)]
            sub = Subscription(self, predicate)
            self._subscribers.append(sub)
            return sub, backlog

    def _unsubscribe(self, sub: Subscription) -> None:
        with self.lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def iter_all(self) -> Iterator[tuple[Key, dict[str, Any]]]:
        with self.lock:
            snapshot = list(self._objects.items())
        yield from snapshot
