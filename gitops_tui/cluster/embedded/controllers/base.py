"""What every simulated controller shares: the context it runs in and the writes it makes.

Controllers read the store through :class:`ClusterAPI` and write through it with the field
manager the real component uses, so their writes carry resourceVersions, managedFields and
watch events exactly like a client's. They reach it through :class:`PacedAPI`, which lets
clients being served go first before each write, as a rate-limited controller client would.
The helpers here keep those conventions in one place: owner references, adoption of orphans a
selector matches, and the per-kind hashing kube-controller-manager uses to name ReplicaSets and
revisions.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from gitops_tui.cluster.embedded.api import ClusterAPI, DeleteOptions, WriteOptions, WriteResult
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy, rfc3339
from gitops_tui.cluster.embedded.options import ClusterOptions
from gitops_tui.cluster.embedded.registry import ResourceType
from gitops_tui.cluster.embedded.selectors import LabelSelector, selector_from_label_selector
from gitops_tui.cluster.embedded.store import DELETED, Key, WatchEvent

Obj = dict[str, Any]
Objs = list[Obj]
Clock = Callable[[], dt.datetime]

CONTROLLER_MANAGER = "kube-controller-manager"
NODE_NAME = "gitops-tui-control-plane"
NODE_IP = "172.18.0.2"

#: plural -> (group, version) of the built-in resources the controllers touch.
_RESOURCES = {
    "pods": ("", "v1"),
    "services": ("", "v1"),
    "endpoints": ("", "v1"),
    "events": ("", "v1"),
    "namespaces": ("", "v1"),
    "serviceaccounts": ("", "v1"),
    "deployments": ("apps", "v1"),
    "replicasets": ("apps", "v1"),
    "statefulsets": ("apps", "v1"),
    "daemonsets": ("apps", "v1"),
    "jobs": ("batch", "v1"),
    "cronjobs": ("batch", "v1"),
}

_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class PacedAPI:
    """:class:`ClusterAPI` as the controllers use it: each write first calls ``pace``.

    ``pace`` (the manager's) pauses while clients are being served, so a reconcile that makes
    several writes gives way between them instead of holding the interpreter throughout.
    Writes skip the unknown-field check: controllers send typed objects, and the check's
    only outcome would be warnings nobody reads.
    """

    def __init__(self, api: ClusterAPI, pace: Callable[[], None]) -> None:
        self._api = api
        self._pace = pace
        self.store = api.store
        self.registry = api.registry

    def find(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        return self._api.find(rt, namespace, name)

    def list(self, rt: ResourceType, namespace: str | None) -> Obj:
        return self._api.list(rt, namespace)

    def create(
        self, rt: ResourceType, namespace: str | None, body: Obj, opts: WriteOptions
    ) -> WriteResult:
        self._pace()
        return self._api.create(rt, namespace, body, _typed(opts))

    def replace(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        body: Obj,
        opts: WriteOptions,
        subresource: str = "",
    ) -> WriteResult:
        self._pace()
        return self._api.replace(rt, namespace, name, body, _typed(opts), subresource)

    def delete(
        self, rt: ResourceType, namespace: str | None, name: str, options: DeleteOptions
    ) -> tuple[int, Obj]:
        self._pace()
        return self._api.delete(rt, namespace, name, options)


def _typed(opts: WriteOptions) -> WriteOptions:
    return dataclasses.replace(opts, field_validation="Ignore")


@dataclass
class Context:
    """The cluster as a controller sees it, plus the manager's requeue hook."""

    api: PacedAPI
    options: ClusterOptions
    clock: Clock
    recorder: Any  # events.EventRecorder (typed loosely to avoid an import cycle)
    requeue: Callable[[str, Key, float], None]

    def now(self) -> dt.datetime:
        return self.clock()

    def stamp(self) -> str:
        return rfc3339(self.clock())

    def rt(self, plural: str) -> ResourceType:
        group, version = _RESOURCES[plural]
        found = self.api.registry.lookup(group, version, plural)
        assert found is not None, plural
        return found

    def key(self, plural: str, namespace: str, name: str) -> Key:
        return (_RESOURCES[plural][0], plural, namespace, name)

    def find(self, plural: str, namespace: str, name: str) -> Obj | None:
        return self.api.find(self.rt(plural), namespace, name)

    def list(self, plural: str, namespace: str | None) -> list[Obj]:
        """The stored objects (shared: copy before changing), as an informer's lister gives."""
        return self.api.store.items(_RESOURCES[plural][0], plural, namespace)

    def controlled_by(self, plural: str, owner: Obj) -> Objs:
        """Objects in the owner's namespace that it controls."""
        meta = owner["metadata"]
        group = _RESOURCES[plural][0]
        return self.api.store.controlled_by(group, plural, meta.get("namespace", ""), meta["uid"])

    def claimable(self, plural: str, owner: Obj) -> Objs:
        """What :func:`claim` must look at for ``owner``: what it controls and the orphans.

        Objects controlled by someone else are never adopted nor released, so the owner-uid
        index spares a scan of the namespace; the order is by name, as a listing's.
        """
        orphans = self.api.store.controlled_by(
            _RESOURCES[plural][0], plural, owner["metadata"].get("namespace", ""), ""
        )
        found = self.controlled_by(plural, owner) + orphans
        found.sort(key=lambda obj: str(obj["metadata"]["name"]))
        return found

    def create(
        self, plural: str, namespace: str | None, body: Obj, manager: str = CONTROLLER_MANAGER
    ) -> Obj:
        result = self.api.create(
            self.rt(plural), namespace, body, WriteOptions(field_manager=manager)
        )
        return result.object

    def update(self, plural: str, obj: Obj, manager: str = CONTROLLER_MANAGER) -> Obj:
        """PUT the whole object; its resourceVersion makes a stale write a 409."""
        meta = obj["metadata"]
        result = self.api.replace(
            self.rt(plural),
            meta.get("namespace"),
            meta["name"],
            obj,
            WriteOptions(field_manager=manager),
        )
        return result.object

    def update_status(self, plural: str, obj: Obj, manager: str = CONTROLLER_MANAGER) -> Obj:
        meta = obj["metadata"]
        result = self.api.replace(
            self.rt(plural),
            meta.get("namespace"),
            meta["name"],
            obj,
            WriteOptions(field_manager=manager),
            subresource="status",
        )
        return result.object

    def delete(
        self,
        plural: str,
        obj: Obj,
        policy: str | None = None,
        grace: int | None = None,
    ) -> bool:
        """Delete ``obj`` (guarded by its uid); False when it was already gone."""
        meta = obj["metadata"]
        options = DeleteOptions(
            propagation_policy=policy, grace_period_seconds=grace, preconditions_uid=meta["uid"]
        )
        try:
            self.api.delete(self.rt(plural), meta.get("namespace"), meta["name"], options)
        except APIError as exc:
            if exc.code == 404:
                return False
            raise
        return True


class Controller(abc.ABC):
    """One control loop: which keys an event concerns, and how to reconcile one key."""

    name: ClassVar[str]

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @abc.abstractmethod
    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        """Keys this controller must reconcile because of ``event``."""

    @abc.abstractmethod
    def sync(self, key: Key) -> None:
        """Bring the object at ``key`` (which may be gone) to its desired state."""

    def after(self, key: Key, delay: float) -> None:
        self.ctx.requeue(self.name, key, max(delay, 0.0))

    def owners_of(self, event: WatchEvent, plural: str, kind: str) -> list[Key]:
        """The controllers (``plural``/``kind``) a dependent's event concerns: its controller
        before and after the change or, for a live orphan, every one whose selector matches it
        (they may adopt it), as the informers' ``getPodReplicaSets``-style lookups do."""
        group = _RESOURCES[plural][0]
        keys = owner_keys(event, group, plural, kind)
        if not keys and controller_ref(event.object) is None and event.type != DELETED:
            namespace = event.key[2]
            owners = matching_owners(self.ctx.list(plural, namespace), event.object)
            keys = [self.ctx.key(plural, namespace, o["metadata"]["name"]) for o in owners]
        return keys


def is_kind(event: WatchEvent, group: str, plural: str) -> bool:
    return event.key[0] == group and event.key[1] == plural


def controller_ref(obj: Obj) -> Obj | None:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return dict(ref)
    return None


def owner_keys(event: WatchEvent, group: str, plural: str, kind: str) -> list[Key]:
    """Keys of the controllers (of ``kind``) owning the object in ``event``, before and after."""
    keys: list[Key] = []
    for obj in (event.object, event.previous):
        if obj is None:
            continue
        ref = controller_ref(obj)
        if ref is not None and ref.get("kind") == kind:
            key = (group, plural, event.key[2], ref["name"])
            if key not in keys:
                keys.append(key)
    return keys


def owner_reference(owner: Obj) -> Obj:
    """``metav1.NewControllerRef``: the reference a controller puts on what it creates."""
    meta = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def selector_of(obj: Obj) -> LabelSelector | None:
    return selector_from_label_selector((obj.get("spec") or {}).get("selector"))


def matching_owners(owners: Iterable[Obj], obj: Obj) -> list[Obj]:
    """Controllers among ``owners`` whose selector matches an orphan's labels."""
    labels = obj["metadata"].get("labels") or {}
    found = []
    for owner in owners:
        selector = selector_of(owner)
        if selector is not None and not selector.empty and selector.matches(labels):
            found.append(owner)
    return found


def is_deleting(obj: Obj) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def claim(ctx: Context, plural: str, owner: Obj, candidates: Iterable[Obj]) -> list[Obj]:
    """The ControllerRefManager: owned objects, adopting matching orphans, releasing strays.

    An orphan whose labels match the owner's selector gets a controller reference (unless
    either side is being deleted); an owned object whose labels stopped matching loses it.
    """
    selector = selector_of(owner)
    uid = owner["metadata"]["uid"]
    owned: list[Obj] = []
    for candidate in candidates:
        ref = controller_ref(candidate)
        labels = candidate["metadata"].get("labels") or {}
        matches = selector is not None and not selector.empty and selector.matches(labels)
        if ref is not None and ref.get("uid") == uid:
            if matches:
                owned.append(candidate)
            elif not is_deleting(owner):
                _release(ctx, plural, candidate, uid)
        elif ref is None and matches and not is_deleting(owner) and not is_deleting(candidate):
            adopted = _adopt(ctx, plural, candidate, owner)
            if adopted is not None:
                owned.append(adopted)
    return owned


def _adopt(ctx: Context, plural: str, candidate: Obj, owner: Obj) -> Obj | None:
    updated = deep_copy(candidate)
    refs = updated["metadata"].setdefault("ownerReferences", [])
    refs.append(owner_reference(owner))
    try:
        return ctx.update(plural, updated)
    except APIError as exc:
        if exc.code in (404, 409):
            return None
        raise


def _release(ctx: Context, plural: str, candidate: Obj, owner_uid: str) -> None:
    updated = deep_copy(candidate)
    refs = [
        r for r in updated["metadata"].get("ownerReferences") or () if r.get("uid") != owner_uid
    ]
    if refs:
        updated["metadata"]["ownerReferences"] = refs
    else:
        updated["metadata"].pop("ownerReferences", None)
    try:
        ctx.update(plural, updated)
    except APIError as exc:
        if exc.code not in (404, 409):
            raise


def safe_encode(text: str) -> str:
    """``rand.SafeEncodeString``: map each byte onto an alphabet without vowels or look-alikes."""
    return "".join(_SAFE_ALPHABET[b % len(_SAFE_ALPHABET)] for b in text.encode())


def fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def compute_hash(template: Any, collision_count: int | None) -> str:
    """``controller.ComputeHash``: fnv32a of the template (+ collision count), safely encoded.

    Go hashes a spew dump of the typed struct; we hash the canonical JSON instead, so the value
    is stable across restarts and has the same alphabet and length as a real cluster's.
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    return safe_encode(str(fnv32a(data)))


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def set_condition(conditions: list[Obj], condition: Obj, keep_transition: bool = True) -> bool:
    """Replace the condition of the same type (appending it last); False when nothing changed.

    With the same status and reason nothing is written; with the same status the old
    lastTransitionTime is kept, as the apps and batch controllers' SetCondition helpers do.
    """
    for index, current in enumerate(conditions):
        if current.get("type") != condition["type"]:
            continue
        if current.get("status") == condition["status"] and current.get("reason") == condition.get(
            "reason"
        ):
            return False
        if keep_transition and current.get("status") == condition["status"]:
            condition["lastTransitionTime"] = current.get("lastTransitionTime")
        del conditions[index]
        break
    conditions.append(condition)
    return True


def find_condition(obj: Obj, kind: str) -> Obj | None:
    for condition in (obj.get("status") or {}).get("conditions") or ():
        if condition.get("type") == kind:
            return dict(condition)
    return None
