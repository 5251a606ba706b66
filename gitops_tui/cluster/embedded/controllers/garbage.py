"""The garbage collector: ownerReferences decide what goes when an owner goes.

Mirrors ``pkg/controller/garbagecollector``. A graph of owner uid -> dependents is kept from the
event stream (complete before the first reconcile, so nothing is collected on a half-built
picture). Then:

* Background: a dependent whose owners are all gone is deleted (a reference to an owner that
  is gone, beside one that is not, is just removed).
* Foreground: an owner with the ``foregroundDeletion`` finalizer gets its dependents deleted and
  keeps the finalizer until no dependent with ``blockOwnerDeletion`` remains.
* Orphan: an owner with the ``orphan`` finalizer has its references stripped from its
  dependents, then the finalizer is removed and the owner goes.

An owner counts as gone only after a look-up by its reference (kind, name, uid) confirms it,
as the real collector verifies against the API before deleting anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_tui.cluster.embedded.api import DeleteOptions, WriteOptions, key_of
from gitops_tui.cluster.embedded.controllers.base import (
    CONTROLLER_MANAGER,
    Context,
    Controller,
    Obj,
)
from gitops_tui.cluster.embedded.errors import APIError
from gitops_tui.cluster.embedded.meta import deep_copy
from gitops_tui.cluster.embedded.registry import ResourceType
from gitops_tui.cluster.embedded.store import DELETED, Key, WatchEvent

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


def owner_uids(obj: Obj | None) -> set[str]:
    if obj is None:
        return set()
    return {r["uid"] for r in obj["metadata"].get("ownerReferences") or () if r.get("uid")}


def finalizers(obj: Obj) -> list[str]:
    return list(obj["metadata"].get("finalizers") or ())


def is_deleting(obj: Obj) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def waits_for_dependents(obj: Obj) -> bool:
    return is_deleting(obj) and FOREGROUND in finalizers(obj)


class GarbageCollector(Controller):
    name = "garbage-collector"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._keys: dict[str, Key] = {}
        self._dependents: dict[str, set[Key]] = {}

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        uid = event.object["metadata"].get("uid", "")
        before, after = owner_uids(event.previous), owner_uids(event.object)
        if event.type == DELETED:
            self._keys.pop(uid, None)
            after = set()
        else:
            self._keys[uid] = event.key
        for owner in before - after:
            self._dependents.get(owner, set()).discard(event.key)
        for owner in after:
            self._dependents.setdefault(owner, set()).add(event.key)
        keys: list[Key] = []
        if event.type == DELETED:
            keys.extend(self._dependents.pop(uid, set()))
            keys.extend(self._deleting_owners(before))
        elif (
            is_deleting(event.object) and {FOREGROUND, ORPHAN} & set(finalizers(event.object))
        ) or self._owner_in_doubt(event.object):
            keys.append(event.key)
        return keys

    def _owner_in_doubt(self, obj: Obj) -> bool:
        """Whether a dependent needs a look: an owner not in the graph (absent, or not seen yet),
        seen under other coordinates, or being deleted. As the graph builder does, dependents
        whose owners are all present and staying are not processed at all."""
        for ref in obj["metadata"].get("ownerReferences") or ():
            key = self._keys.get(ref.get("uid", ""))
            if key is None or key[3] != ref.get("name"):
                return True
            if key[0] != str(ref.get("apiVersion", "")).rpartition("/")[0]:
                return True
            owner = self.ctx.api.store.get(key)
            if owner is None or is_deleting(owner):
                return True
        return False

    def _deleting_owners(self, uids: set[str]) -> list[Key]:
        found = []
        for uid in uids:
            key = self._keys.get(uid)
            owner = self.ctx.api.store.get(key) if key else None
            if owner is not None and waits_for_dependents(owner):
                found.append(key)
        return [k for k in found if k is not None]

    def sync(self, key: Key) -> None:
        obj = self.ctx.api.store.get(key)
        rt = self._type_of(key)
        if obj is None or rt is None:
            return
        if is_deleting(obj):
            if ORPHAN in finalizers(obj):
                self._orphan_dependents(rt, obj)
            elif FOREGROUND in finalizers(obj):
                self._delete_dependents_first(rt, obj)
            return
        if obj["metadata"].get("ownerReferences"):
            self._attempt_to_delete(rt, obj)

    def _type_of(self, key: Key) -> ResourceType | None:
        candidates = [
            rt for rt in self.ctx.api.registry.all() if (rt.group, rt.plural) == (key[0], key[1])
        ]
        for rt in candidates:
            if rt.crd is None or rt.crd.get("storage"):
                return rt
        return candidates[0] if candidates else None

    def _owner(self, obj: Obj, ref: Obj) -> Obj | None:
        """The live owner a reference points to, looked up by kind and name, matched by uid."""
        rt = self.ctx.api.registry.by_api_version(ref.get("apiVersion", ""), ref.get("kind", ""))
        if rt is None:
            key = self._keys.get(ref.get("uid", ""))
            owner = self.ctx.api.store.get(key) if key else None
        else:
            namespace = obj["metadata"].get("namespace") if rt.namespaced else None
            owner = self.ctx.api.store.get(key_of(rt, namespace, ref.get("name", "")))
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            return None
        return owner

    def _attempt_to_delete(self, rt: ResourceType, obj: Obj) -> None:
        """``attemptToDeleteItem``: collect a dependent whose owners are gone or going."""
        solid, dangling, waiting = [], [], []
        for ref in obj["metadata"].get("ownerReferences") or ():
            owner = self._owner(obj, ref)
            if owner is None:
                dangling.append(ref["uid"])
            elif waits_for_dependents(owner):
                waiting.append(ref["uid"])
            else:
                solid.append(ref["uid"])
        if solid:
            if dangling or waiting:
                self._drop_references(rt, obj, set(dangling) | set(waiting))
            return
        if waiting and self._dependents.get(obj["metadata"]["uid"]):
            policy = "Foreground"
        elif ORPHAN in finalizers(obj):
            policy = "Orphan"
        elif FOREGROUND in finalizers(obj):
            policy = "Foreground"
        else:
            policy = "Background"
        self._delete(rt, obj, policy)

    def _delete_dependents_first(self, rt: ResourceType, owner: Obj) -> None:
        """``processDeletingDependentsItem``: wait for blocking dependents, then let go."""
        uid = owner["metadata"]["uid"]
        blocking = False
        for key in list(self._dependents.get(uid, ())):
            dependent = self.ctx.api.store.get(key)
            if dependent is None:
                continue
            refs = [
                r for r in dependent["metadata"].get("ownerReferences") or () if r.get("uid") == uid
            ]
            if any(r.get("blockOwnerDeletion") for r in refs):
                blocking = True
            if not is_deleting(dependent):
                self.after(key, 0)
        if not blocking:
            self._remove_finalizer(rt, owner, FOREGROUND)

    def _orphan_dependents(self, rt: ResourceType, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        for key in list(self._dependents.get(uid, ())):
            dependent = self.ctx.api.store.get(key)
            dependent_type = self._type_of(key)
            if dependent is not None and dependent_type is not None:
                self._drop_references(dependent_type, dependent, {uid})
        self._remove_finalizer(rt, owner, ORPHAN)

    def _drop_references(self, rt: ResourceType, obj: Obj, uids: set[str]) -> None:
        updated = deep_copy(obj)
        refs = [
            r for r in updated["metadata"].get("ownerReferences") or () if r.get("uid") not in uids
        ]
        if refs:
            updated["metadata"]["ownerReferences"] = refs
        else:
            updated["metadata"].pop("ownerReferences", None)
        self._replace(rt, updated)

    def _remove_finalizer(self, rt: ResourceType, obj: Obj, name: str) -> None:
        updated = deep_copy(obj)
        remaining = [f for f in finalizers(updated) if f != name]
        if remaining:
            updated["metadata"]["finalizers"] = remaining
        else:
            updated["metadata"].pop("finalizers", None)
        self._replace(rt, updated)

    def _replace(self, rt: ResourceType, obj: Obj) -> None:
        meta = obj["metadata"]
        try:
            self.ctx.api.replace(
                rt,
                meta.get("namespace"),
                meta["name"],
                obj,
                WriteOptions(field_manager=CONTROLLER_MANAGER),
            )
        except APIError as exc:
            if exc.code != 404:
                raise

    def _delete(self, rt: ResourceType, obj: Obj, policy: str) -> None:
        meta = obj["metadata"]
        options = DeleteOptions(propagation_policy=policy, preconditions_uid=meta["uid"])
        try:
            self.ctx.api.delete(rt, meta.get("namespace"), meta["name"], options)
        except APIError as exc:
            if exc.code not in (404, 409):
                raise
