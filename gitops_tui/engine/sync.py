"""Carry out a plan against the cluster: server-side apply, wait for new CRDs, prune.

Each object is applied on its own (server-side apply as field manager ``gitops-tui``, forcing
conflicts as a GitOps agent must, since Git has the last word), so one object the API server
refuses fails alone and the rest of the revision still lands: the result names every
resource. A lost connection is different: nothing more can be applied, so the remaining steps
are reported as not applied and the caller retries the whole sync when the cluster is back.

Custom resources need their CRD served before they can be applied: when a revision brings
both, the CRD goes first (plan order) and its resources wait until discovery lists the kind.
Whether an apply changed anything is read from the answer: an unchanged resourceVersion means
the object already matched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gitops_tui.cluster.client import (
    ApiError,
    ClusterClient,
    ClusterError,
    ClusterUnreachable,
    NotFound,
    UnknownKind,
)
from gitops_tui.engine.desired import DesiredObject
from gitops_tui.engine.plan import Step
from gitops_tui.model import ResourceKey, ResourceResult

FIELD_MANAGER = "gitops-tui"
#: Objects of one kind applied at once: the API server handles requests concurrently, and
#: a few in flight hide each one's round trip.
WORKERS = 4
NOT_APPLIED = "not applied: the cluster is unreachable"
#: Seconds a custom resource waits for the CRD applied before it to be served.
CRD_WAIT = 30.0
_CRD_POLL = 0.05
_CRD_GROUP = "apiextensions.k8s.io"

Obj = dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What a sync did: one result per step, the objects as the server now has them, and
    the connection failure that cut it short, if any."""

    results: tuple[ResourceResult, ...]
    applied: Mapping[ResourceKey, Obj]
    deleted: frozenset[ResourceKey]
    unreachable: ClusterUnreachable | None


def execute(
    client: ClusterClient,
    steps: tuple[Step, ...],
    desired: Mapping[ResourceKey, DesiredObject],
    live: Callable[[ResourceKey], Obj | None],
) -> Outcome:
    """Run ``steps`` in order; ``live(key)`` is the object as last seen before the sync.

    Steps on objects of one kind do not depend on each other, so they run side by side
    (``WORKERS`` at a time); kinds still go one after the other, in the plan's order.
    """
    crd_kinds = _crd_kinds(desired)

    def run(step: Step) -> tuple[ResourceResult, Obj | None, ClusterUnreachable | None]:
        try:
            if step.action in ("create", "configure"):
                result, response = _apply(client, desired[step.key], live(step.key), crd_kinds)
                return result, response, None
            if step.action == "delete":
                return _delete(client, step.key, live(step.key)), None, None
            if step.action == "skip":
                return ResourceResult(step.key, "skip", True, step.reason), None, None
            return ResourceResult(step.key, step.action), None, None
        except ClusterUnreachable as exc:
            return ResourceResult(step.key, step.action, False, f"not applied: {exc}"), None, exc

    results: list[ResourceResult] = []
    applied: dict[ResourceKey, Obj] = {}
    deleted: set[ResourceKey] = set()
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="agent-apply") as pool:
        for done, batch in _by_kind(steps):
            outcomes = list(pool.map(run, batch)) if len(batch) > 1 else [run(batch[0])]
            lost: ClusterUnreachable | None = None
            for step, (result, response, unreachable) in zip(batch, outcomes, strict=True):
                results.append(result)
                lost = lost or unreachable
                if response is not None:
                    applied[step.key] = response
                if step.action == "delete" and result.ok:
                    deleted.add(step.key)
            if lost is not None:
                results.extend(
                    ResourceResult(s.key, s.action, False, NOT_APPLIED) for s in steps[done:]
                )
                return Outcome(tuple(results), applied, frozenset(deleted), lost)
    return Outcome(tuple(results), applied, frozenset(deleted), None)


def _by_kind(steps: tuple[Step, ...]) -> Iterator[tuple[int, tuple[Step, ...]]]:
    """Runs of consecutive steps with the same action on the same kind, and where each ends."""
    start = 0
    for index in range(1, len(steps) + 1):
        if index == len(steps) or _run_key(steps[index]) != _run_key(steps[start]):
            yield index, steps[start:index]
            start = index


def _run_key(step: Step) -> tuple[str, str, bool]:
    return (step.key.group, step.key.kind, step.action == "delete")


def _apply(
    client: ClusterClient,
    desired: DesiredObject,
    before: Obj | None,
    crd_kinds: frozenset[tuple[str, str]],
) -> tuple[ResourceResult, Obj | None]:
    key = desired.key
    action = "create" if before is None else "configure"
    if not _served(client, desired, (key.group, key.kind) in crd_kinds):
        message = f"the cluster does not serve {key.kind} in {desired.api_version}"
        return ResourceResult(key, action, False, message), None
    try:
        response = client.server_side_apply(desired.body, FIELD_MANAGER, force=True)
    except (ApiError, UnknownKind, ValueError) as exc:
        return ResourceResult(key, action, False, _one_line(exc)), None
    if before is not None and _version(before) == _version(response):
        return ResourceResult(key, "unchanged"), response
    return ResourceResult(key, action), response


def _delete(client: ClusterClient, key: ResourceKey, before: Obj | None) -> ResourceResult:
    if before is None:
        return ResourceResult(key, "delete", True, "already gone")
    try:
        client.delete(str(before.get("apiVersion")), key.kind, key.namespace or None, key.name)
    except NotFound:
        return ResourceResult(key, "delete", True, "already gone")
    except (ApiError, UnknownKind) as exc:
        return ResourceResult(key, "delete", False, _one_line(exc))
    return ResourceResult(key, "delete")


def _served(client: ClusterClient, desired: DesiredObject, defined_here: bool) -> bool:
    """Is the kind served, waiting for it when this revision's CRD defines it?"""
    deadline = time.monotonic() + CRD_WAIT
    while True:
        try:
            client.resource_for(desired.api_version, desired.key.kind)
        except UnknownKind:
            if not defined_here or time.monotonic() >= deadline:
                return False
        except ClusterUnreachable:
            raise
        except ClusterError:
            return False
        else:
            return True
        time.sleep(_CRD_POLL)
        client.invalidate()


def _crd_kinds(desired: Mapping[ResourceKey, DesiredObject]) -> frozenset[tuple[str, str]]:
    """(group, kind) of every custom resource kind a CRD of the revision defines."""
    kinds = set()
    for obj in desired.values():
        if (obj.key.group, obj.key.kind) != (_CRD_GROUP, "CustomResourceDefinition"):
            continue
        spec = obj.body.get("spec") or {}
        names = spec.get("names") or {}
        if isinstance(names, Mapping) and names.get("kind"):
            kinds.add((str(spec.get("group", "")), str(names["kind"])))
    return frozenset(kinds)


def _version(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
